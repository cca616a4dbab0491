#!/usr/bin/env bash
# `./run.sh [ENV] [options] [robot options...] [SUITE PATHS...]`: one run of the suites (see ./run.sh --help).
#
# 1. production guard (python3 stdlib, before anything else), settings of ENV exported;
# 2. .venv created/updated; options validated and the phases planned (scripts/robot_plan.py);
# 3. local/ci: the stack started when not healthy (only what is missing), stopped at the end;
# 4. parallel phase (pabot --testlevelsplit) then serial phase (robot, tag destructive; never on staging);
# 5. phases combined into results/<ENV>/<UTC timestamp>/ + results/<ENV>/latest; secrets scanned.
set -euo pipefail

ROOT="${ROOT:-$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)}"
RUN_CWD="${RUN_CWD:-$PWD}"
export ROOT RUN_CWD
cd "$ROOT"
# shellcheck source=scripts/_common.sh
source "$ROOT/scripts/_common.sh"

# --- 1. environment and guard ---------------------------------------------------------------------------
ENV_NAME="local"
if [[ $# -gt 0 && "$1" != -* ]]; then
    ENV_NAME="$1"
    shift
fi
# Whether the tester points at their own services (decided before the settings fill in the defaults).
OWN_WALLET="${WALLET_API_URL:+1}"
OWN_MOCK="${GATEWAY_MOCK_URL:+1}"
load_environment "$ENV_NAME"

# --- own options ------------------------------------------------------------------------------------------
STRESS=0
PROFILE=""
WORKERS=""
PROCESSES="${PABOT_PROCESSES:-}"
# How the parallel phase runs: chunk (default: pabot --testlevelsplit --chunk, i.e. the tests dealt into one
# robot process per pabot process), test (one robot process per test), serial (plain robot). `./run.sh benchmark`
# measured chunk about twice as fast as the other two on 2 cores: starting robot per test costs ~2-3 s.
SPLIT="chunk"
ARGS=()
need_value() { [[ $2 -ge 2 ]] || die "$1 needs a value (see ./run.sh --help)"; }
while [[ $# -gt 0 ]]; do
    case "$1" in
    -h | --help) exec bash "$ROOT/run.sh" --help ;;
    --stress) STRESS=1 ;;
    --profile) need_value "$1" $#; PROFILE="$2"; shift ;;
    --profile=*) PROFILE="${1#*=}" ;;
    --workers) need_value "$1" $#; WORKERS="$2"; shift ;;
    --workers=*) WORKERS="${1#*=}" ;;
    --processes) need_value "$1" $#; PROCESSES="$2"; shift ;;
    --processes=*) PROCESSES="${1#*=}" ;;
    --chunk) SPLIT="chunk" ;;
    --per-test) SPLIT="test" ;;
    --serial) SPLIT="serial" ;;
    *) ARGS+=("$1") ;;
    esac
    shift
done
if [[ -z "$PROCESSES" ]]; then
    # The tests mostly wait (gateway delays, event windows), not compute: 4 per core measured 119 s for the
    # 379 functional tests on 2 cores, against 165 s with 2 per core.
    PROCESSES=$(($(nproc 2>/dev/null || echo 1) * 4))
fi
[[ "$PROCESSES" =~ ^[1-9][0-9]*$ ]] || die "--processes / PABOT_PROCESSES must be a positive integer, got '$PROCESSES'"
[[ -z "$WORKERS" || "$WORKERS" =~ ^[1-9][0-9]*$ ]] || die "--workers must be a positive integer, got '$WORKERS'"
if [[ "$STRESS" -eq 0 && -n "$PROFILE$WORKERS" ]]; then
    die "--profile and --workers belong to a stress run: add --stress"
fi
[[ -z "$PROFILE" || "$PROFILE" =~ ^[A-Za-z0-9_-]+$ ]] || die "--profile must be a profile name like smoke, got '$PROFILE'"

# --- 2. virtualenv and plan -------------------------------------------------------------------------------
ensure_venv
export PATH="$VENV/bin:$PATH"
PLAN="$("$PY" "$ROOT/scripts/robot_plan.py" "$ENV_NAME" "$STRESS" "${ARGS[@]}")" || exit 2
SOURCES=() USER_OPTIONS=() PARALLEL_TAGS=() SERIAL_TAGS=() PARALLEL_COUNT=0 SERIAL_COUNT=0
eval "$PLAN"
if [[ $((PARALLEL_COUNT + SERIAL_COUNT)) -eq 0 ]]; then
    what="tests"
    [[ "$STRESS" -eq 1 ]] && what="stress tests"
    die "no $what selected in ${SOURCES[*]#"$ROOT"/} with these options (ENV $ENV_NAME)"
fi

# --- results folder and console log -----------------------------------------------------------------------
STAMP="$(date -u +%Y%m%dT%H%M%SZ)"
RESULTS_DIR="${RESULTS_DIR:-$ROOT/results}"
OUT_BASE="$RESULTS_DIR/$ENV_NAME"
OUT="$OUT_BASE/$STAMP"
n=1
while ! mkdir -p "$OUT_BASE" || ! mkdir "$OUT" 2>/dev/null; do
    n=$((n + 1))
    OUT="$OUT_BASE/$STAMP-$n"
done
PARTS="$OUT/.parts"
mkdir -p "$PARTS"
CONSOLE="$OUT/console.log"
exec > >(tee -a "$CONSOLE") 2>&1
TEE_PID=$!

RUN_ID="${RUN_ID:-$(date -u +%m%d%H%M%S)-$(od -An -N3 -tx1 /dev/urandom | tr -d ' \n')}"
export RUN_ID
echo "run.sh: environment $ENV_NAME, run id $RUN_ID, $PARALLEL_COUNT parallel + $SERIAL_COUNT serial tests"

# --- 3. the local stack -----------------------------------------------------------------------------------
STARTED_SERVICES=""
stop_started_services() {
    if [[ -n "$STARTED_SERVICES" ]]; then
        echo "run.sh: stopping what this run started: $STARTED_SERVICES"
        # shellcheck disable=SC2086 # a list of service names
        STACK_SERVICES="$STARTED_SERVICES" bash "$ROOT/scripts/stack.sh" down $STARTED_SERVICES \
            || echo "run.sh: warning: './run.sh stack down' failed; check './run.sh stack status'"
        STARTED_SERVICES=""
    fi
}
# shellcheck disable=SC2317 # called by the EXIT trap
finish() {
    local status=$?
    stop_started_services
    rm -f "$ROOT/.pabotsuitenames"
    exec >&- 2>&-
    for _ in $(seq 50); do # let tee write the last lines (bounded: a stray child could hold the pipe)
        kill -0 "$TEE_PID" 2>/dev/null || break
        sleep 0.1
    done
    exit "$status"
}
trap finish EXIT
trap 'exit 130' INT TERM

if [[ "$ENV_NAME" == "local" || "$ENV_NAME" == "ci" ]]; then
    WANTED=""
    [[ -n "$OWN_WALLET" ]] || WANTED="wallet-api"
    [[ -n "$OWN_MOCK" ]] || WANTED="$WANTED payment-gateway-mock"
    MISSING=""
    for service in $WANTED; do
        if ! STACK_SERVICES="$service" bash "$ROOT/scripts/stack.sh" status "$service" >/dev/null 2>&1; then
            MISSING="$MISSING $service"
        fi
    done
    MISSING="${MISSING# }"
    if [[ -n "$MISSING" ]]; then
        echo "run.sh: starting the local stack: $MISSING"
        STARTED_SERVICES="$MISSING"
        # shellcheck disable=SC2086 # a list of service names
        if ! STACK_SERVICES="$MISSING" bash "$ROOT/scripts/stack.sh" up $MISSING; then
            die "the local stack did not start (see above; './run.sh stack status' for details)" 1
        fi
    elif [[ -n "$WANTED" ]]; then
        echo "run.sh: the local stack is already healthy ($WANTED); it stays up after the run"
    fi
fi

# --- 4. phases --------------------------------------------------------------------------------------------
COMMON=(
    --variablefile "$ROOT/variables/$ENV_NAME.py"
    --listener "$ROOT/libraries/SecretRedactor.py"
    --pythonpath "$ROOT/libraries"
    --variable "RUN_ID:$RUN_ID"
    --report NONE --log NONE
)
# Both phases must share one root suite name, or their outputs cannot be merged: with several paths, robot
# drops the paths left empty by the tag filter and renames the root after the rest. A user's --name wins.
if [[ ${#SOURCES[@]} -gt 1 ]]; then
    COMMON+=(--name Suites)
fi
if [[ "$STRESS" -eq 1 ]]; then
    # Locust's HTML/CSV files go next to the final report (the per-phase folder is deleted on success).
    COMMON+=(--variable "STRESS_PROFILE:${PROFILE:-smoke}" --variable "STRESS_REPORT_DIR:$OUT")
    [[ -z "$WORKERS" ]] || COMMON+=(--variable "STRESS_WORKERS:$WORKERS")
fi
OUTPUTS=()
if [[ "$PARALLEL_COUNT" -gt 0 ]]; then
    PHASE_OPTIONS=(--outputdir "$PARTS/parallel" --output output.xml "${COMMON[@]}" "${PARALLEL_TAGS[@]}")
    PHASE_OPTIONS+=("${USER_OPTIONS[@]}" "${SOURCES[@]}")
    case "$SPLIT" in
    serial)
        echo "run.sh: parallel phase run serially (--serial): $PARALLEL_COUNT tests (robot)"
        robot --console dotted "${PHASE_OPTIONS[@]}" || true
        ;;
    *)
        split_options=(--testlevelsplit)
        [[ "$SPLIT" == "chunk" ]] && split_options+=(--chunk)
        echo "run.sh: parallel phase: $PARALLEL_COUNT tests, $PROCESSES processes (pabot ${split_options[*]})"
        # dotted: in chunk mode the verbose console repeats every test name of a chunk on each progress line
        pabot --no-pabotlib --pabotconsole dotted --processes "$PROCESSES" "${split_options[@]}" "${PHASE_OPTIONS[@]}" \
            || true
        ;;
    esac
    if [[ -f "$PARTS/parallel/output.xml" ]]; then
        OUTPUTS+=("$PARTS/parallel/output.xml")
    else
        echo "run.sh: the parallel phase wrote no output.xml (see above)"
    fi
fi
if [[ "$SERIAL_COUNT" -gt 0 ]]; then
    label="destructive"
    [[ "$STRESS" -eq 1 ]] && label="stress"
    echo "run.sh: serial phase: $SERIAL_COUNT $label tests (robot)"
    robot --outputdir "$PARTS/serial" --output output.xml --console dotted \
        "${COMMON[@]}" "${SERIAL_TAGS[@]}" "${USER_OPTIONS[@]}" "${SOURCES[@]}" || true
    if [[ -f "$PARTS/serial/output.xml" ]]; then
        OUTPUTS+=("$PARTS/serial/output.xml")
    else
        echo "run.sh: the serial phase wrote no output.xml (see above)"
    fi
fi
stop_started_services

# --- 5. one report, secret scan, latest link --------------------------------------------------------------
STATUS=0
if [[ ${#OUTPUTS[@]} -eq 0 ]]; then
    echo "run.sh: no phase produced results"
    STATUS=1
else
    "$PY" "$ROOT/scripts/combine_results.py" "$OUT" "${OUTPUTS[@]}" || STATUS=1
fi
ln -sfn "$(basename "$OUT")" "$OUT_BASE/latest"
if ! python3 "$ROOT/libraries/SecretRedactor.py" scan "$OUT"; then
    echo "run.sh: FAILED: secrets found in ${OUT#"$ROOT"/} (files listed above); do not share these results"
    STATUS=3
fi
# The pabot/robot per-process files stay only when something went wrong (they help debugging).
if [[ "$STATUS" -eq 0 ]]; then
    rm -rf "$PARTS"
fi
echo "run.sh: report: ${OUT#"$ROOT"/}/report.html (also ${OUT_BASE#"$ROOT"/}/latest/report.html)"
if [[ "$STATUS" -eq 0 ]]; then
    echo "run.sh: PASSED"
else
    echo "run.sh: FAILED (exit $STATUS)"
fi
exit "$STATUS"
