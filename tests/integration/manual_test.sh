#!/usr/bin/env bash
# The manual tells the truth: every flag of every command is in its man page,
# every server and agent flag is a key of its config file, and every page
# renders (tests/integration/manual_checks.py).
HERE=$(cd "$(dirname "$0")" && pwd)
source "$HERE/lib.sh"
cd "$HERE" || exit 1
python3 manual_checks.py "$GANTRY" "$ROOT" "$ROOT/build/man"
