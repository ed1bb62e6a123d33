#!/usr/bin/env bash
# Builds the libFuzzer targets (clang, AddressSanitizer + UndefinedBehavior-
# Sanitizer, in build-fuzz/) and runs each for SECONDS (default 30) from the
# seed corpus in tests/fuzz/corpus/<target>/. Prints "ok - " / "not ok - "
# per target; exits non-zero on any crash, leak or timeout. Findings are
# written to build-fuzz/findings/.
set -uo pipefail
SECONDS_PER_TARGET=${1:-30}
ROOT=$(cd "$(dirname "$0")/../.." && pwd)
cd "$ROOT"
BUILD=build-fuzz

if ! command -v clang++-14 >/dev/null || ! ls /usr/lib/llvm-14/lib/clang/*/lib/linux/libclang_rt.fuzzer-x86_64.a \
    >/dev/null 2>&1; then
  sudo=""
  [[ $(id -u) -ne 0 ]] && sudo="sudo"
  { $sudo apt-get update -qq && DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq --no-install-recommends \
      clang-14 libclang-rt-14-dev; } >/dev/null || { echo "not ok - fuzz: cannot install clang-14, libclang-rt-14-dev"; exit 1; }
fi
if [[ ! -f $BUILD/build.ninja ]]; then
  CXX=clang++-14 CC=clang-14 meson setup "$BUILD" -Dfuzzing=true -Db_sanitize=address,undefined -Db_lundef=false \
    --buildtype=debugoptimized >/dev/null || { echo "not ok - fuzz: meson setup failed"; exit 1; }
fi
if ! ninja -C "$BUILD" -j2 >"$BUILD/ninja.log" 2>&1; then
  tail -30 "$BUILD/ninja.log"
  echo "not ok - fuzz: build failed"
  exit 1
fi

failed=0
mkdir -p "$BUILD/findings"
export UBSAN_OPTIONS=halt_on_error=1:print_stacktrace=1
for target in json_decode yaml_json quantity selector patch join_token node_credentials kube_protobuf server_side_apply \
    jsonpath; do
  work="$BUILD/corpus/$target"
  mkdir -p "$work"
  log="$BUILD/findings/$target.log"
  "$BUILD/tests/fuzz/${target}_fuzz" "$work" "tests/fuzz/corpus/$target" -max_total_time="$SECONDS_PER_TARGET" \
    -timeout=10 -rss_limit_mb=2048 -max_len=65536 -print_final_stats=1 \
    -artifact_prefix="$BUILD/findings/${target}-" >"$log" 2>&1
  rc=$?
  runs=$(sed -n 's/^stat::number_of_executed_units: *//p' "$log" | tail -1)
  if [[ $rc -eq 0 ]]; then
    echo "ok - fuzz $target: ${runs:-?} executions in ${SECONDS_PER_TARGET}s, no crash, leak or timeout"
  else
    echo "not ok - fuzz $target (exit $rc): see $log"
    grep -E "ERROR|SUMMARY|runtime error|Test unit written" "$log" | head -10 | sed 's/^/#   /'
    failed=$((failed + 1))
  fi
done
exit $((failed > 0 ? 1 : 0))
