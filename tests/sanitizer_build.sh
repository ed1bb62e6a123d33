# shellcheck shell=bash disable=SC2034 # FUZZ_TARGETS is read by the scripts that source this file
# Sourced by tests/run.sh and tests/fuzz/run.sh. One clang-14 build with
# AddressSanitizer and UndefinedBehaviorSanitizer serves both the unit tests
# and the fuzz targets (whose code is also instrumented for coverage). clang
# compiles this code base under the sanitizers about four times faster than
# g++, and -O0 -g1 keeps file:line stack traces and compiles in less than
# half the time of -O1 (the unit tests then take ~1 min instead of 16 s):
# together they keep CI inside its time limit. clang 14's -fsanitize=function
# cannot emit its data for some Boost.Asio code ("Cannot represent a
# difference across sections"); g++ has no such check either.
SANITIZER_BUILD=build-sanitize
FUZZ_TARGETS=(json_decode yaml_json quantity selector patch join_token node_credentials kube_protobuf
  server_side_apply jsonpath)

# build_with_sanitizers NINJA_TARGET... : installs clang if missing, sets the
# build up once, builds the targets; ninja's output goes to
# $SANITIZER_BUILD/ninja.log.
build_with_sanitizers() {
  if ! command -v clang++-14 >/dev/null || ! ls /usr/lib/llvm-14/lib/clang/*/lib/linux/libclang_rt.fuzzer-x86_64.a \
      >/dev/null 2>&1; then
    local sudo=""
    [[ $(id -u) -ne 0 ]] && sudo="sudo"
    { $sudo apt-get update -qq && DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq --no-install-recommends \
        clang-14 libclang-rt-14-dev; } >/dev/null || { echo "cannot install clang-14, libclang-rt-14-dev"; return 1; }
  fi
  if [[ ! -f $SANITIZER_BUILD/build.ninja ]]; then
    CXX=clang++-14 CC=clang-14 meson setup "$SANITIZER_BUILD" --buildtype=plain -Doptimization=0 -Ddebug=false -Db_ndebug=false -Dcpp_args='-g1 -fno-sanitize=function' \
      -Dfuzzing=true -Db_sanitize=address,undefined -Db_lundef=false >/dev/null || { echo "meson setup failed"; return 1; }
  fi
  mkdir -p "$SANITIZER_BUILD"
  ninja -C "$SANITIZER_BUILD" -j2 "$@" >"$SANITIZER_BUILD/ninja.log" 2>&1 || { tail -30 "$SANITIZER_BUILD/ninja.log"; return 1; }
}
