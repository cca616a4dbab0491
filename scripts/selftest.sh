#!/usr/bin/env bash
# `./run.sh test`: the project's own checks, all of them pytest tests; the last line is "N passed, N failed".
#
# - creates/updates .venv, exports the settings of `local` (`ci` when CI=true; SELFTEST_ENV overrides);
# - brings the local stack up when it is not healthy (tests/stack and the functional run need it) and stops
#   at the end only what it started (SELFTEST_NO_STACK=1: leave the stack alone);
# - runs one pytest session per folder of tests/ (tests/framework, tests/stack, ...: each as its author runs
#   it) with PYTHONPATH=libraries:<repo root>, then one per services/*/tests from that service's folder;
# - sums the sessions' JUnit XML into the final line. A session that collects no test is fine.
# Extra arguments go to every pytest session (e.g. -k guard, -x).
set -uo pipefail

ROOT="${ROOT:-$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)}"
export ROOT
cd "$ROOT" || exit 2
# shellcheck source=scripts/_common.sh
source "$ROOT/scripts/_common.sh"

ensure_venv
export PATH="$VENV/bin:$PATH"
SELFTEST_ENV="${SELFTEST_ENV:-$([[ "${CI:-}" == "true" ]] && echo ci || echo local)}"
load_environment "$SELFTEST_ENV"
export SELFTEST_ENV

JUNIT_DIR="$ROOT/results/selftest"
rm -rf "$JUNIT_DIR"
mkdir -p "$JUNIT_DIR"

STARTED_STACK=0
cleanup() {
    if [[ "$STARTED_STACK" -eq 1 ]]; then
        echo "selftest: stopping the stack it started"
        bash "$ROOT/scripts/stack.sh" down >/dev/null 2>&1 || echo "selftest: warning: 'stack down' failed"
    fi
}
trap cleanup EXIT
trap 'exit 130' INT TERM

if [[ "${SELFTEST_NO_STACK:-0}" != "1" && -f "$ROOT/scripts/stack.sh" ]]; then
    if bash "$ROOT/scripts/stack.sh" status >/dev/null 2>&1; then
        echo "selftest: the local stack is already healthy; it stays up"
    else
        echo "selftest: starting the local stack (./run.sh stack up)"
        STARTED_STACK=1
        if ! bash "$ROOT/scripts/stack.sh" up; then
            echo "selftest: the local stack did not start; the tests that need it will fail"
        fi
    fi
fi
export SELFTEST_STACK_STARTED_BY_SELFTEST="$STARTED_STACK"

# One session per folder holding tests; the name becomes the JUnit file name.
SESSIONS=()
if compgen -G "$ROOT/tests/test_*.py" >/dev/null; then
    SESSIONS+=("tests|$ROOT|tests")
fi
for dir in "$ROOT"/tests/*/; do
    dir="${dir%/}"
    if [[ -n "$(find "$dir" \( -name 'test_*.py' -o -name '*_test.py' \) -print -quit)" ]]; then
        SESSIONS+=("tests-$(basename "$dir")|$ROOT|${dir#"$ROOT"/}")
    fi
done
for dir in "$ROOT"/services/*/tests/; do
    dir="${dir%/}"
    service="$(basename "$(dirname "$dir")")"
    if [[ -n "$(find "$dir" \( -name 'test_*.py' -o -name '*_test.py' \) -print -quit)" ]]; then
        SESSIONS+=("services-$service|$ROOT/services/$service|tests")
    fi
done

CRASHED=()
for session in "${SESSIONS[@]}"; do
    IFS='|' read -r name cwd target <<<"$session"
    echo "=== selftest: $name ($target)"
    (
        cd "$cwd" || exit 2
        PYTHONPATH="$ROOT/libraries:$ROOT${PYTHONPATH:+:$PYTHONPATH}" "$PY" -m pytest -q -p no:cacheprovider \
            --junitxml="$JUNIT_DIR/$name.xml" -o junit_family=xunit1 "$target" "$@" </dev/null
    )
    rc=$?
    # 0 all passed, 1 some failed, 5 nothing collected; anything else (2 usage/collection, 3 internal,
    # 4 usage) is counted as one failure of the session unless its JUnit file already reports failures.
    if [[ "$rc" -ne 0 && "$rc" -ne 1 && "$rc" -ne 5 ]]; then
        CRASHED+=("$name")
    fi
done

SUMMARY="$("$PY" - "$JUNIT_DIR" "${CRASHED[@]}" <<'EOF'
import sys
import xml.etree.ElementTree as ET
from pathlib import Path

junit_dir, crashed = Path(sys.argv[1]), set(sys.argv[2:])
passed = failed = skipped = 0
for path in sorted(junit_dir.glob("*.xml")):
    session_failed = 0
    for case in ET.parse(path).getroot().iter("testcase"):
        tags = {child.tag for child in case}
        if tags & {"failure", "error"}:
            session_failed += 1
        elif "skipped" in tags:
            skipped += 1
        else:
            passed += 1
    if path.stem in crashed and session_failed == 0:
        session_failed = 1
    crashed.discard(path.stem)
    failed += session_failed
failed += len(crashed)  # sessions that crashed before writing their JUnit file
if crashed:
    print(f"selftest: sessions without results: {', '.join(sorted(crashed))}")
line = f"{passed} passed, {failed} failed"
print(line + (f", {skipped} skipped" if skipped else ""))
sys.exit(1 if failed else 0)
EOF
)"
STATUS=$?
cleanup
STARTED_STACK=0
[[ -n "$SUMMARY" ]] || { SUMMARY="0 passed, 1 failed"; STATUS=1; }
echo "$SUMMARY"
exit "$STATUS"
