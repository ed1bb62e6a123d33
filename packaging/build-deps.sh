# shellcheck shell=bash disable=SC2034 # the arrays are read by the scripts that source this file
# Sourced by install.sh and tests/run.sh: the Debian 12 packages gantry
# builds and tests with, installed with apt-get when any is missing.
GANTRY_BUILD_DEPS=(
  g++ meson ninja-build pkg-config cmake scdoc
  libcpp-httplib-dev libsqlite3-dev libprotobuf-dev protobuf-compiler
  libgrpc++-dev protobuf-compiler-grpc libspdlog-dev libyaml-cpp-dev libyaml-dev
  libabsl-dev libcli11-dev libssl-dev nlohmann-json3-dev doctest-dev libboost1.81-dev libjemalloc-dev
  curl python3 ca-certificates
)
# What the node agent runs with: the CNI bridge, host-local and loopback
# plugins that give pods a network of their own (without them pods share the
# node's network, with a warning).
GANTRY_RUNTIME_DEPS=(containernetworking-plugins)
# What only the tests need: the official Kubernetes Python client, what
# checks the scripts, man pages and units (shellcheck, man, systemd-analyze,
# and systemd itself, which a test boots in namespaces of its own), and zsh
# for the zsh completion.
GANTRY_TEST_DEPS=(python3-kubernetes shellcheck man-db systemd zsh "${GANTRY_RUNTIME_DEPS[@]}")

# ensure_build_deps [EXTRA_PACKAGE...]
ensure_build_deps() {
  local missing=()
  local pkg
  for pkg in "${GANTRY_BUILD_DEPS[@]}" "$@"; do
    dpkg-query -W -f='${Status}' "$pkg" 2>/dev/null | grep -q "ok installed" || missing+=("$pkg")
  done
  [[ ${#missing[@]} -eq 0 ]] && return 0
  echo "installing build dependencies: ${missing[*]}"
  local sudo=""
  [[ $(id -u) -ne 0 ]] && sudo="sudo"
  $sudo apt-get update -qq || return 1
  DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq --no-install-recommends "${missing[@]}" || return 1
}
