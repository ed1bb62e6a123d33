#!/usr/bin/env bash
# Builds the libFuzzer targets (clang, AddressSanitizer + UndefinedBehavior-
# Sanitizer, in build-sanitize/: see tests/sanitizer_build.sh) and runs each
# for SECONDS (default 30) from the seed corpus in tests/fuzz/corpus/<target>/. Prints "ok - " / "not ok - "
# per target; exits non-zero on any crash, leak or timeout. Findings are
# written to build-sanitize/findings/.
set -uo pipefail
SECONDS_PER_TARGET=${1:-30}
ROOT=$(cd "$(dirname "$0")/../.." && pwd)
cd "$ROOT" || exit 1
source tests/sanitizer_build.sh
BUILD=$SANITIZER_BUILD

fuzz_binaries=()
for target in "${FUZZ_TARGETS[@]}"; do fuzz_binaries+=("tests/fuzz/${target}_fuzz"); done
if ! build_with_sanitizers "${fuzz_binaries[@]}"; then
  echo "not ok - fuzz: build failed"
  exit 1
fi

failed=0
mkdir -p "$BUILD/findings"
export UBSAN_OPTIONS=halt_on_error=1:print_stacktrace=1
for target in "${FUZZ_TARGETS[@]}"; do
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
