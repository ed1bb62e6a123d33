#!/usr/bin/env bash
# Installs build dependencies if missing, builds, runs every test, and ends
# with the line "N passed, N failed".
set -uo pipefail
ROOT=$(cd "$(dirname "$0")/.." && pwd)
cd "$ROOT" || exit 1
source packaging/build-deps.sh
ensure_build_deps "${GANTRY_TEST_DEPS[@]}" || { echo "error: could not install build dependencies"; echo "0 passed, 1 failed"; exit 1; }

phase_start=$SECONDS
if [[ ! -f build/build.ninja ]]; then
  meson setup build --buildtype=release >/dev/null || { echo "0 passed, 1 failed"; exit 1; }
fi
if ! ninja -C build -j2; then
  echo "build failed"
  echo "0 passed, 1 failed"
  exit 1
fi

echo "# release build took $((SECONDS - phase_start)) s"
passed=0
failed=0

echo "== unit tests"
unit_out=$(build/tests/unit_tests 2>&1)
echo "$unit_out" | grep -v '^\[20' | tail -n 30
summary=$(grep -a 'test cases:' <<<"$unit_out" | tail -1)
if [[ -n "$summary" ]]; then
  passed=$((passed + $(sed -n 's/.*| *\([0-9]*\) passed.*/\1/p' <<<"$summary")))
  failed=$((failed + $(sed -n 's/.*| *\([0-9]*\) failed.*/\1/p' <<<"$summary")))
else
  echo "unit test runner crashed"
  failed=$((failed + 1))
fi

for test in tests/integration/*_test.sh; do
  echo "== $test"
  phase_start=$SECONDS
  out=$(timeout 600 bash "$test" 2>&1)
  rc=$?
  echo "$out"
  echo "# took $((SECONDS - phase_start)) s"
  p=$(grep -c '^ok - ' <<<"$out")
  f=$(grep -c '^not ok - ' <<<"$out")
  if [[ $rc -ne 0 && $f -eq 0 ]]; then
    echo "not ok - $test exited with $rc before reporting a failure"
    f=1
  fi
  passed=$((passed + p))
  failed=$((failed + f))
done

# The unit tests again under AddressSanitizer and UndefinedBehaviorSanitizer,
# from the build the fuzz targets below come from.
echo "== unit tests under ASan+UBSan"
phase_start=$SECONDS
source tests/sanitizer_build.sh
sanitized_targets=(tests/unit_tests)
for target in "${FUZZ_TARGETS[@]}"; do sanitized_targets+=("tests/fuzz/${target}_fuzz"); done
if build_with_sanitizers "${sanitized_targets[@]}"; then
  echo "# sanitizer build took $((SECONDS - phase_start)) s"
  asan_out=$(UBSAN_OPTIONS=halt_on_error=1:print_stacktrace=1 "$SANITIZER_BUILD/tests/unit_tests" 2>&1)
  asan_rc=$?
  echo "$asan_out" | grep -v '^\[20' | tail -n 30
  summary=$(grep -a 'test cases:' <<<"$asan_out" | tail -1)
  if [[ $asan_rc -eq 0 && -n "$summary" ]]; then
    echo "ok - unit tests pass under ASan+UBSan ($summary)"
    passed=$((passed + 1))
  else
    echo "not ok - unit tests under ASan+UBSan (exit $asan_rc)"
    failed=$((failed + 1))
  fi
else
  echo "not ok - ASan+UBSan build failed"
  failed=$((failed + 1))
fi
echo "# took $((SECONDS - phase_start)) s"

# Every fuzz target for a bounded time; any crash, leak or timeout fails.
echo "== fuzz targets"
phase_start=$SECONDS
fuzz_out=$(tests/fuzz/run.sh "${FUZZ_SECONDS:-30}" 2>&1)
echo "$fuzz_out"
passed=$((passed + $(grep -c '^ok - ' <<<"$fuzz_out")))
f=$(grep -c '^not ok - ' <<<"$fuzz_out")
failed=$((failed + f))
echo "# took $((SECONDS - phase_start)) s"

echo "# the whole run took $SECONDS s"
echo "${passed} passed, ${failed} failed"
[[ $failed -eq 0 ]]
