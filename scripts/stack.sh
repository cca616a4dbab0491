#!/usr/bin/env bash
# The local stack: `./run.sh stack up|down|status|logs [service...]`, `./run.sh stack reset [--yes]` (or `bash scripts/stack.sh ...`).
#
# Docker mode (a Docker engine answers `docker info`): docker compose up --wait / down / ps with
# docker-compose.yml. Process mode (no engine): scripts/stack/stackctl.py starts the wallet stand-in and
# the gateway mock as background processes against the PostgreSQL and RabbitMQ already listening locally.
#
# Settings come from the environment (run.sh exports them); run standalone, the local defaults of
# `python3 -m variables local` are loaded. Extra knobs:
#   STACK_SERVICES   subset of "wallet-api payment-gateway-mock" (default both); e.g. leave out wallet-api
#                    when WALLET_API_URL points at your own wallet.
#   STACK_MODE       auto (default) | docker | process
#   HEALTH_TIMEOUT   seconds to wait for /health (default 30; Docker mode waits STACK_WAIT_TIMEOUT, default 180)
# Exit codes: 0 ok (status: every requested service healthy), 1 failure / not healthy, 2 bad input.
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
STACKCTL="$ROOT/scripts/stack/stackctl.py"
COMPOSE_FILE="$ROOT/docker-compose.yml"
ALL_SERVICES="wallet-api payment-gateway-mock"

usage() {
  echo "usage: ./run.sh stack up|down|status|logs [wallet-api|payment-gateway-mock ...] | reset [--yes]" >&2
}

die() {  # one clear line, non-zero exit
  echo "error: $2" >&2
  exit "$1"
}

load_settings() {
  # Standalone call without run.sh: take the local defaults (never printed: they include secrets), read as
  # NAME=value pairs separated by NUL bytes and exported one by one (no eval).
  if [[ -z "${WALLET_API_URL:-}" && -f "$ROOT/variables/_settings.py" ]]; then
    local pair
    while IFS= read -r -d '' pair; do
      export "${pair?}"
    done < <(cd "$ROOT" && python3 -c 'import sys
from variables._settings import SettingsError, resolve
try:
    values = resolve(sys.argv[1])
except SettingsError as error:
    sys.exit(f"error: {error}")
sys.stdout.write("".join(f"{name}={value}\0" for name, value in values.items()))' "${ENVIRONMENT:-local}")
    [[ -n "${WALLET_API_URL:-}" ]] \
      || die 2 "could not load the settings of '${ENVIRONMENT:-local}' from variables/ (see the line above)"
  fi
}

detect_mode() {
  local mode="${STACK_MODE:-auto}"
  case "$mode" in
    docker | process) echo "$mode" ;;
    auto)
      if command -v docker >/dev/null 2>&1 && timeout 10 docker info >/dev/null 2>&1; then
        echo docker
      else
        echo process
      fi
      ;;
    *) die 2 "STACK_MODE must be auto, docker or process (got '$mode')" ;;
  esac
}

stack_python() {
  # Process mode runs stackctl with the project's virtualenv (it needs psycopg to create the database).
  local python="${STACK_PYTHON:-$ROOT/.venv/bin/python}"
  [[ -x "$python" ]] || die 1 "no Python at $python: create the virtualenv (python3 -m venv .venv && .venv/bin/pip install -r requirements.txt) or set STACK_PYTHON"
  echo "$python"
}

compose() {
  docker compose -f "$COMPOSE_FILE" -p "${COMPOSE_PROJECT_NAME:-wallet-stack}" "$@"
}

requested() {  # the services named on the command line, else STACK_SERVICES, else both
  local wanted="${*:-${STACK_SERVICES:-$ALL_SERVICES}}" name
  for name in $wanted; do
    [[ " $ALL_SERVICES " == *" $name "* ]] || die 2 "unknown service '$name' in STACK_SERVICES/arguments: use a subset of '$ALL_SERVICES'"
  done
  echo "$wanted"
}

docker_mode() {
  local command="$1"
  shift
  [[ "$command" != reset ]] \
    || die 2 "stack reset runs in process mode; in Docker mode './run.sh stack down' drops the volumes, then 'up' again"
  timeout 10 docker info >/dev/null 2>&1 \
    || die 1 "STACK_MODE=docker but no Docker engine answers 'docker info': start Docker, or use STACK_MODE=process"
  docker compose version >/dev/null 2>&1 \
    || die 1 "a Docker engine answers but the Compose v2 plugin ('docker compose') is missing: install docker-compose-plugin, or run with STACK_MODE=process"
  local services
  services="$(requested "$@")"
  # shellcheck disable=SC2086 # word splitting of the service list is intended
  case "$command" in
    up)
      if compose ps --status running --services 2>/dev/null | grep -q . \
        && python3 "$STACKCTL" health $services >/dev/null 2>&1; then
        echo "stack already up (nothing to do):"
        python3 "$STACKCTL" health $services
        return 0
      fi
      # Build only our images: a WALLET_API_IMAGE of the real service is pulled, never overwritten by a build.
      local to_build=()
      if [[ " $services " == *" wallet-api "* ]]; then
        if [[ -n "${WALLET_API_IMAGE:-}" ]]; then
          docker image inspect "$WALLET_API_IMAGE" >/dev/null 2>&1 || compose pull wallet-api \
            || die 1 "could not pull WALLET_API_IMAGE=$WALLET_API_IMAGE: check the name and 'docker login'"
        else
          to_build+=(wallet-api)
        fi
      fi
      [[ " $services " == *" payment-gateway-mock "* ]] && to_build+=(payment-gateway-mock)
      if [[ ${#to_build[@]} -gt 0 ]]; then
        compose build "${to_build[@]}" || die 1 "docker compose build ${to_build[*]} failed (see above)"
      fi
      # The wallet is ready when its probe is healthy (nothing runs inside the wallet's image).
      local probe=""
      [[ " $services " == *" wallet-api "* ]] && probe="wallet-api-ready"
      compose up -d --no-build --wait --wait-timeout "${STACK_WAIT_TIMEOUT:-180}" postgres rabbitmq $services $probe \
        || { compose ps >&2; die 1 "docker compose up did not reach healthy; see './run.sh stack logs'"; }
      python3 "$STACKCTL" health $services \
        || die 1 "the containers are healthy but a /health above does not answer 200 from the host: check WALLET_API_URL/GATEWAY_MOCK_URL"
      ;;
    down)
      if [[ $# -gt 0 ]]; then  # only the named services; the databases stay
        compose rm --stop --force $services
      else
        compose down --volumes --remove-orphans
      fi
      ;;
    status)
      compose ps
      python3 "$STACKCTL" health $services
      ;;
    logs) compose logs --no-color --tail "${STACK_LOG_LINES:-100}" $services ;;
  esac
}

main() {
  [[ $# -ge 1 ]] || { usage; exit 2; }
  local command="$1"
  shift
  case "$command" in
    up | down | status | logs | reset) ;;
    -h | --help | help) usage; exit 0 ;;
    *) usage; die 2 "unknown stack command '$command'" ;;
  esac
  load_settings
  local mode
  mode="$(detect_mode)"
  if [[ "$mode" == docker ]]; then
    docker_mode "$command" "$@"
  else
    local python
    python="$(stack_python)"
    "$python" "$STACKCTL" "$command" "$@"
  fi
}

main "$@"
