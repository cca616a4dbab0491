#!/usr/bin/env bash
# `./run.sh benchmark [MODE...] [robot options] [paths]`: wall time of the same functional suites run
# in one go per mode, against one stack that stays up for all of them, so only the runner differs.
#   modes: chunk (pabot --testlevelsplit --chunk, the default of ./run.sh), per-test (pabot, one robot per test),
#          serial (plain robot, one test after another)
# Prints one line per mode and the speed-up of each against serial. Exit 1 if a run had failures.
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
MODES=()
ARGS=()
for arg in "$@"; do
    case "$arg" in
    chunk | per-test | serial) MODES+=("$arg") ;;
    *) ARGS+=("$arg") ;;
    esac
done
[[ ${#MODES[@]} -gt 0 ]] || MODES=(chunk per-test serial)

STAMP="$(date -u +%Y%m%dT%H%M%SZ)"
BENCH_DIR="$ROOT/results/benchmark/$STAMP"
mkdir -p "$BENCH_DIR"

# One stack for every mode: started here when it is not up, stopped at the end only if started here.
started=0
if ! "$ROOT/run.sh" stack status >/dev/null 2>&1; then
    "$ROOT/run.sh" stack up
    started=1
fi
# shellcheck disable=SC2317  # called by the EXIT trap
cleanup() { [[ "$started" -eq 0 ]] || "$ROOT/run.sh" stack down >/dev/null; }
trap cleanup EXIT

declare -A SECONDS_OF RESULT_OF
status=0
for mode in "${MODES[@]}"; do
    option=()
    [[ "$mode" == "chunk" ]] || option=("--$mode")
    echo "benchmark: $mode ..."
    start=$(date +%s%N)
    if RESULTS_DIR="$BENCH_DIR/$mode" "$ROOT/run.sh" local "${option[@]}" "${ARGS[@]}" >"$BENCH_DIR/$mode.log" 2>&1; then
        RESULT_OF[$mode]="passed"
    else
        RESULT_OF[$mode]="FAILED (see ${BENCH_DIR#"$ROOT"/}/$mode.log)"
        status=1
    fi
    SECONDS_OF[$mode]=$(awk -v a="$start" -v b="$(date +%s%N)" 'BEGIN { printf "%.1f", (b - a) / 1e9 }')
    totals=$(grep -E '^[0-9]+ tests, ' "$BENCH_DIR/$mode.log" | tail -n 1 || true)
    RESULT_OF[$mode]="${RESULT_OF[$mode]}; ${totals:-no totals}"
done

{
    echo "| mode | wall time (s) | vs serial | result |"
    echo "|---|---:|---:|---|"
    for mode in "${MODES[@]}"; do
        ratio="-"
        if [[ -n "${SECONDS_OF[serial]:-}" ]]; then
            ratio=$(awk -v s="${SECONDS_OF[serial]}" -v m="${SECONDS_OF[$mode]}" 'BEGIN { printf "%.2fx", s / m }')
        fi
        printf '| %s | %s | %s | %s |\n' "$mode" "${SECONDS_OF[$mode]}" "$ratio" "${RESULT_OF[$mode]}"
    done
    echo
    echo "$(nproc) cores; processes: ${PABOT_PROCESSES:-4 x cores}; $(date -u +%FT%TZ)"
} | tee "$BENCH_DIR/benchmark.md"
exit "$status"
