#!/usr/bin/env bash
# The one entry point of the Wallet API integration tests. `./run.sh --help` for usage.
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
export ROOT
cd "$ROOT"
# shellcheck source=scripts/_common.sh
source "$ROOT/scripts/_common.sh"

usage() {
    cat <<'EOF'
Usage:
  ./run.sh [ENV] [OPTIONS] [robot options...] [SUITE PATHS...]
                            run the suites (default ENV: local; default paths: suites/)
  ./run.sh stack up|down|status [--env ENV]
                            the local stack (wallet stand-in + gateway mock), settings of ENV (local/ci)
  ./run.sh test             the project's own checks (pytest, lint, dry run); ends with "N passed, N failed"
  ./run.sh docs             keyword documentation (libdoc HTML) into results/docs/
  ./run.sh notify [...]     Slack payload / job summary from a run's output.xml (--dry-run prints it)
  ./run.sh dashboard [...]  history page of past runs
  ./run.sh mutants [...]    run the suites against mutated stand-ins, print killed/surviving mutants
  ./run.sh coverage [...]   contract rule -> tests table generated from the suites' rule:<id> tags
  ./run.sh benchmark [...]  wall time of the functional suites: pabot chunked (default), per test, serial
  ./run.sh --help           this help

Environments (variables/<ENV>.py): local, ci, staging.
  local, ci  start the local stack when it is not healthy (only the gateway mock when WALLET_API_URL is
             set, nothing when GATEWAY_MOCK_URL is set too) and stop at the end what this run started.
  staging    starts nothing; every address and secret comes from the environment:
             WALLET_API_URL GATEWAY_MOCK_URL DATABASE_URL AMQP_URL JWT_SECRET GATEWAY_WEBHOOK_SECRET
  Anything else (production, prod, ...) is refused before a request is sent, and so is any *_URL whose
  host matches PRODUCTION_HOST_DENYLIST (comma-separated globs, default: *prod*,*production*,*prd*,
  live.*,*.live.*,*-live.*,*.live).

Options of a suite run:
  --processes N        parallel pabot processes (default: PABOT_PROCESSES or 4 x CPU cores)
  --per-test           one robot process per test (pabot --testlevelsplit without --chunk; the default
                       deals the tests into one robot process per pabot process, about twice as fast)
  --serial             run the parallel phase with plain robot, one test after another (debugging, benchmarks)
  --stress             run only the stress tests (tag stress; excluded otherwise), serially
  --profile NAME       stress profile (passed as -v STRESS_PROFILE:NAME; needs --stress)
  --workers N          Locust workers for the stress run (passed as -v STRESS_WORKERS:N; needs --stress)
  any robot option     passed to pabot and robot, e.g. --include smoke, --test "*Deposit*", --loglevel DEBUG

  Tests tagged destructive run afterwards in a serial phase (never on staging). The phases are combined
  into results/<ENV>/<UTC timestamp>/ (report.html, log.html, output.xml, xunit.xml, console.log) and
  results/<ENV>/latest points at it. Exit status 0 only when every test passed and no secret leaked.

Environment variables: every setting of variables/_settings.py (see README.md), RUN_ID (default: unique
per run), PABOT_PROCESSES, PRODUCTION_HOST_DENYLIST, RESULTS_DIR (default results/), STACK_SERVICES (set by
run.sh for scripts/stack.sh).
EOF
}

# Run a dispatch target that exists (an executable script or a Python file run from the venv).
run_target() {
    local name="$1" target
    shift
    for target in "$@"; do
        if [[ -f "$ROOT/$target" ]]; then
            case "$target" in
            *.py) ensure_venv && exec "$PY" "$ROOT/$target" "${TARGET_ARGS[@]}" ;;
            *) exec bash "$ROOT/$target" "${TARGET_ARGS[@]}" ;;
            esac
        fi
    done
    die "'$name' is not available in this checkout (expected $*)"
}

# `stack` and the other subcommands that need the settings: --env NAME (default local), no staging.
take_env_option() {
    STACK_ENV="local"
    TARGET_ARGS=()
    while [[ $# -gt 0 ]]; do
        case "$1" in
        --env) [[ $# -ge 2 ]] || die "--env needs a value: local or ci"; STACK_ENV="$2"; shift 2 ;;
        --env=*) STACK_ENV="${1#--env=}"; shift ;;
        *) TARGET_ARGS+=("$1"); shift ;;
        esac
    done
}

command="${1:-}"
case "$command" in
-h | --help | help)
    usage
    ;;
stack)
    shift
    take_env_option "$@"
    [[ "$STACK_ENV" == "local" || "$STACK_ENV" == "ci" ]] \
        || die "the local stack runs for --env local or ci only, not '$STACK_ENV' (nothing is started for staging)"
    load_environment "$STACK_ENV"
    [[ ${#TARGET_ARGS[@]} -gt 0 ]] || die "usage: ./run.sh stack up|down|status [--env local|ci]"
    ensure_venv
    export PATH="$VENV/bin:$PATH"
    run_target stack scripts/stack.sh
    ;;
test)
    shift
    TARGET_ARGS=("$@")
    run_target test scripts/selftest.sh
    ;;
docs)
    shift
    TARGET_ARGS=("$@")
    run_target docs scripts/docs.sh
    ;;
notify)
    shift
    TARGET_ARGS=("$@")
    run_target notify scripts/notify.py
    ;;
dashboard)
    shift
    TARGET_ARGS=("$@")
    run_target dashboard scripts/dashboard.sh scripts/dashboard.py
    ;;
mutants)
    shift
    TARGET_ARGS=("$@")
    run_target mutants tests/mutants/run_mutants.py
    ;;
benchmark)
    shift
    TARGET_ARGS=("$@")
    run_target benchmark scripts/bench_parallel.sh
    ;;
coverage)
    shift
    TARGET_ARGS=("$@")
    run_target coverage scripts/coverage.py
    ;;
*)
    exec bash "$ROOT/scripts/run_suites.sh" "$@"
    ;;
esac
