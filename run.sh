#!/usr/bin/env bash
# The one entry point of the Wallet API integration tests: `./run.sh --help`.
# Hands over to the run engine (scripts/runner/), which answers bad input and runs the production guard with
# the system python3 (standard library only), then creates or updates .venv and continues in it.
set -euo pipefail
command -v python3 >/dev/null || { echo "run.sh: python3 is missing (install Python 3.11 with venv)" >&2; exit 2; }
exec python3 "$(dirname "${BASH_SOURCE[0]}")/scripts/runner" "$@"
