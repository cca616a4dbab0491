#!/usr/bin/env bash
# Sharded runs of the suites: split the tests over N runs (CI: N runners), then merge them into one report.
#
#   scripts/shard.sh [local] [--shards N] [--env ENV] [--compare] [-- RUN.SH OPTIONS...]
#       The whole sharded path on this machine: shard 1..N one after the other (each is `./run.sh ENV`
#       with the shard filter), then the merge into results/ENV/<UTC timestamp>/ (+ results/ENV/latest).
#       --compare also runs the same suites unsharded and checks that the merged report has the same
#       totals and tests (exit 1 when not; that run is kept in results/shards/<stamp>/unsharded/).
#       Default: 2 shards, ENV ci.
#   scripts/shard.sh run INDEX TOTAL [--env ENV] [-- RUN.SH OPTIONS...]
#       One shard (what each CI matrix job runs): `./run.sh ENV` keeping only the tests of shard INDEX.
#   scripts/shard.sh merge [--env ENV] PATH...
#       Merge the shards' output.xml files (PATH: a file, or a directory searched for output.xml, skipping
#       `latest` links and `.parts`) into results/ENV/<UTC timestamp>/ and point results/ENV/latest at it.
#
# Sharding is deterministic and independent of pabot: scripts/ci/shard_filter.py (a pre-run modifier) keeps
# the tests whose crc32(long name) % TOTAL == INDEX-1, in both phases (parallel and destructive-serial),
# so every test runs in exactly one shard. The local path moves each shard's results to
# results/shards/<stamp>/shard-I-of-N/ (ignored by the dashboard) so only the merged run counts as a run.
#
# Exit codes: 0 every test passed (and, with --compare, the totals match); 1 a test failed, a shard produced
# no results, or the comparison found a difference; 2 bad usage.
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
export ROOT
# shellcheck source=scripts/_common.sh
source "$ROOT/scripts/_common.sh"
FILTER="$ROOT/scripts/ci/shard_filter.py"

fail() { echo "shard.sh: $1" >&2; exit "${2:-2}"; }
is_count() { [[ "$1" =~ ^[1-9][0-9]*$ ]]; }

# Resolved target of results/ENV/latest, or "" when there is none.
latest_of() {
    local link="$ROOT/results/$1/latest"
    if [[ -d "$link" ]]; then (cd "$link" && pwd -P); fi
}

# run_shard INDEX TOTAL ENV [options...]: one shard; sets RESULT_DIR; returns run.sh's exit status
# (1 when the shard produced no results).
run_shard() {
    local index="$1" total="$2" env="$3" before after status=0
    shift 3
    RESULT_DIR=""
    before="$(latest_of "$env")"
    echo "shard.sh: shard $index of $total: ./run.sh $env $*"
    "$ROOT/run.sh" "$env" --prerunmodifier "$FILTER:$index:$total" --runemptysuite "$@" || status=$?
    after="$(latest_of "$env")"
    if [[ -z "$after" || "$after" == "$before" || ! -f "$after/output.xml" ]]; then
        echo "shard.sh: shard $index of $total produced no results (run.sh exit $status; see above)" >&2
        return 1
    fi
    RESULT_DIR="$after"
    return "$status"
}

# merge_outputs ENV PATH...: combine the outputs into a new results/ENV/<stamp>/ (sets RESULT_DIR) and
# point results/ENV/latest at it; returns 0 when no test failed, 1 otherwise.
merge_outputs() {
    local env="$1" path found stamp out n=1 status=0
    shift
    local outputs=()
    RESULT_DIR=""
    for path in "$@"; do
        if [[ -f "$path" ]]; then
            outputs+=("$path")
        elif [[ -d "$path" ]]; then
            while IFS= read -r -d '' found; do outputs+=("$found"); done < <(
                find -P "$path" -name output.xml -type f -not -path '*/.parts/*' -not -path '*/latest/*' -print0 \
                    | sort -z
            )
        else
            fail "no such file or directory: $path"
        fi
    done
    [[ ${#outputs[@]} -gt 0 ]] || fail "no output.xml found in: $*"
    ensure_venv
    stamp="$(date -u +%Y%m%dT%H%M%SZ)"
    mkdir -p "$ROOT/results/$env"
    out="$ROOT/results/$env/$stamp"
    while ! mkdir "$out" 2>/dev/null; do
        n=$((n + 1))
        out="$ROOT/results/$env/$stamp-$n"
    done
    echo "shard.sh: merging ${#outputs[@]} shard output(s) into ${out#"$ROOT"/}"
    "$PY" "$ROOT/scripts/combine_results.py" "$out" "${outputs[@]}" || status=$?
    [[ -f "$out/output.xml" ]] || fail "the merge wrote no output.xml (see above)" 1
    ln -sfn "$(basename "$out")" "$ROOT/results/$env/latest"
    echo "shard.sh: merged report: ${out#"$ROOT"/}/report.html (also results/$env/latest/report.html)"
    RESULT_DIR="$out"
    [[ "$status" -eq 0 ]] || return 1
}

local_path() {
    local shards=2 env=ci compare=0
    while [[ $# -gt 0 ]]; do
        case "$1" in
        --shards) [[ $# -ge 2 ]] || fail "--shards needs a number"; shards="$2"; shift 2 ;;
        --shards=*) shards="${1#*=}"; shift ;;
        --env) [[ $# -ge 2 ]] || fail "--env needs a value (local or ci)"; env="$2"; shift 2 ;;
        --env=*) env="${1#*=}"; shift ;;
        --compare) compare=1; shift ;;
        --) shift; break ;;
        *) fail "unknown option '$1' (options after -- go to run.sh; scripts/shard.sh --help)" ;;
        esac
    done
    is_count "$shards" || fail "--shards must be a positive integer, got '$shards'"
    [[ "$env" == local || "$env" == ci ]] || fail "the local sharded path runs on local or ci, not '$env'"

    local batch i status=0 outputs=() merged before after
    batch="$ROOT/results/shards/$(date -u +%Y%m%dT%H%M%SZ)"
    mkdir -p "$batch"
    for ((i = 1; i <= shards; i++)); do
        run_shard "$i" "$shards" "$env" "$@" || status=1
        if [[ -n "$RESULT_DIR" ]]; then
            mv "$RESULT_DIR" "$batch/shard-$i-of-$shards"
            outputs+=("$batch/shard-$i-of-$shards/output.xml")
        fi
    done
    [[ ${#outputs[@]} -eq "$shards" ]] || fail "only ${#outputs[@]} of $shards shards produced results" 1
    merge_outputs "$env" "${outputs[@]}" || status=1
    merged="$RESULT_DIR"

    if [[ "$compare" -eq 1 ]]; then
        echo "shard.sh: unsharded run for the comparison: ./run.sh $env $*"
        before="$(latest_of "$env")"
        "$ROOT/run.sh" "$env" "$@" || true
        after="$(latest_of "$env")"
        [[ -n "$after" && "$after" != "$before" && -f "$after/output.xml" ]] \
            || fail "the unsharded run produced no results" 1
        mv "$after" "$batch/unsharded"  # kept for reference; not a run of its own in results/ENV/
        if "$PY" "$ROOT/scripts/ci/compare_results.py" "$batch/unsharded/output.xml" "$merged/output.xml"; then
            echo "shard.sh: the merged report of $shards shards equals the unsharded run"
        else
            echo "shard.sh: the merged report differs from the unsharded run (see above)" >&2
            status=1
        fi
        ln -sfn "$(basename "$merged")" "$ROOT/results/$env/latest"  # the merged run stays the latest
    fi
    return "$status"
}

command="${1:-local}"
case "$command" in
-h | --help | help)
    sed -n '2,/^set -euo/p' "${BASH_SOURCE[0]}" | sed '$d; s/^# \{0,1\}//'
    ;;
run)
    shift
    [[ $# -ge 2 ]] || fail "usage: scripts/shard.sh run INDEX TOTAL [--env ENV] [-- RUN.SH OPTIONS...]"
    index="$1" total="$2"
    shift 2
    if ! is_count "$index" || ! is_count "$total" || [[ "$index" -gt "$total" ]]; then
        fail "INDEX and TOTAL must be integers with 1 <= INDEX <= TOTAL, got '$index' '$total'"
    fi
    env=ci
    while [[ $# -gt 0 ]]; do
        case "$1" in
        --env) [[ $# -ge 2 ]] || fail "--env needs a value"; env="$2"; shift 2 ;;
        --env=*) env="${1#*=}"; shift ;;
        --) shift; break ;;
        *) fail "unknown option '$1' (options after -- go to run.sh)" ;;
        esac
    done
    status=0
    run_shard "$index" "$total" "$env" "$@" || status=$?
    [[ -z "$RESULT_DIR" ]] || echo "shard.sh: shard $index of $total results: ${RESULT_DIR#"$ROOT"/}"
    exit "$status"
    ;;
merge)
    shift
    env=ci
    paths=()
    while [[ $# -gt 0 ]]; do
        case "$1" in
        --env) [[ $# -ge 2 ]] || fail "--env needs a value"; env="$2"; shift 2 ;;
        --env=*) env="${1#*=}"; shift ;;
        -*) fail "unknown option '$1'" ;;
        *) paths+=("$1"); shift ;;
        esac
    done
    [[ ${#paths[@]} -gt 0 ]] || fail "usage: scripts/shard.sh merge [--env ENV] PATH..."
    merge_outputs "$env" "${paths[@]}"
    ;;
local)
    if [[ $# -gt 0 ]]; then shift; fi
    local_path "$@"
    ;;
-*)
    local_path "$@"
    ;;
*)
    fail "unknown command '$command': use local (default), run or merge (scripts/shard.sh --help)"
    ;;
esac
