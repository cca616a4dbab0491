#!/usr/bin/env bash
# `./run.sh docs`: keyword documentation (libdoc HTML) of every Robot library in libraries/ and every
# resources/*.resource, into results/docs/ with an index.html. Modules whose name starts with `_`,
# listeners and plain helper modules (no class named like the module, e.g. guard.py) are not libraries.
set -euo pipefail

ROOT="${ROOT:-$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)}"
export ROOT
cd "$ROOT"
# shellcheck source=scripts/_common.sh
source "$ROOT/scripts/_common.sh"
ensure_venv

OUT="$ROOT/results/docs"
rm -rf "$OUT"
mkdir -p "$OUT"
ENTRIES=()
FAILED=0

is_library() {  # a class named like the module, and not a listener
    local file="$1" name
    name="$(basename "$file" .py)"
    [[ "$name" != _* ]] && grep -qE "^class ${name}\b" "$file" && ! grep -q "ROBOT_LISTENER_API_VERSION" "$file"
}

document() {  # document SOURCE NAME
    local source="$1" name="$2" log
    if log="$("$PY" -m robot.libdoc --pythonpath "$ROOT/libraries" --format HTML "$source" "$OUT/$name.html" 2>&1)"; then
        ENTRIES+=("$name")
    else
        echo "docs: libdoc failed for ${source#"$ROOT"/}: $(tail -n 1 <<<"$log")" >&2
        FAILED=1
    fi
}

for file in "$ROOT"/libraries/*.py; do
    if [[ -f "$file" ]] && is_library "$file"; then
        document "$file" "$(basename "$file" .py)"
    fi
done
for file in "$ROOT"/resources/*.resource; do
    if [[ -f "$file" ]]; then
        document "$file" "$(basename "$file" .resource)"
    fi
done

{
    echo '<!DOCTYPE html><html><head><meta charset="utf-8"><title>Keyword documentation</title></head><body>'
    echo '<h1>Keyword documentation</h1><ul>'
    for name in "${ENTRIES[@]}"; do
        echo "<li><a href=\"$name.html\">$name</a></li>"
    done
    echo '</ul></body></html>'
} >"$OUT/index.html"

echo "docs: ${#ENTRIES[@]} files documented: ${OUT#"$ROOT"/}/index.html"
exit "$FAILED"
