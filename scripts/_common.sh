# shellcheck shell=bash
# Shared helpers of run.sh and the scripts under scripts/ (sourced, never executed).
# Requires ROOT (the repository root) to be set by the caller.

: "${ROOT:?ROOT must be set before sourcing scripts/_common.sh}"
VENV="${VENV:-$ROOT/.venv}"
PY="$VENV/bin/python"

# One line on stderr, exit 2 (bad input) unless a status is given: die "message" [status]
die() {
    echo "run.sh: $1" >&2
    exit "${2:-2}"
}

# Every requirement file the virtualenv must satisfy: ours and the stand-ins' (process mode runs them from it).
requirement_files() {
    local file
    printf '%s\n' "$ROOT/requirements.txt"
    for file in "$ROOT"/services/*/requirements*.txt; do
        [[ -f "$file" ]] && printf '%s\n' "$file"
    done
    return 0
}

requirements_hash() {
    {
        python3 --version 2>&1
        local file
        while IFS= read -r file; do
            printf '%s\n' "${file#"$ROOT"/}"
            cat "$file"
        done < <(requirement_files)
    } | sha256sum | cut -d' ' -f1
}

# Create .venv and install every requirement file when missing or stale (hash kept in .venv).
ensure_venv() {
    local stamp="$VENV/.requirements.sha256" want have log
    want="$(requirements_hash)"
    have="$(cat "$stamp" 2>/dev/null || true)"
    if [[ -x "$PY" && "$want" == "$have" ]]; then
        return 0
    fi
    mkdir -p "$VENV"
    (
        # One installer at a time when several runs start together.
        exec 9>"$VENV/.install.lock"
        flock 9
        have="$(cat "$stamp" 2>/dev/null || true)"
        if [[ -x "$PY" && "$want" == "$have" ]]; then
            exit 0
        fi
        log="$VENV/.install.log"
        echo "run.sh: installing the Python requirements into .venv (log: ${log#"$ROOT"/}) ..." >&2
        if [[ ! -x "$PY" ]]; then
            python3 -m venv "$VENV" >"$log" 2>&1 \
                || die "cannot create .venv with 'python3 -m venv' (see ${log#"$ROOT"/}; on Debian: apt-get install python3-venv)" 1
        fi
        local args=()
        while IFS= read -r file; do args+=(-r "$file"); done < <(requirement_files)
        if ! "$PY" -m pip install --quiet --disable-pip-version-check "${args[@]}" >>"$log" 2>&1; then
            die "pip install failed: $(grep -E 'ERROR|error:' "$log" | tail -n 1) (full log: ${log#"$ROOT"/})" 1
        fi
        echo "$want" >"$stamp"
    ) || exit $?
}

# Check ENV with the production guard and export its settings (python3 stdlib only, no request sent).
load_environment() {
    local env="$1" exports
    python3 "$ROOT/libraries/guard.py" "$env" 2>&1 | sed 's/^error: /run.sh: /' >&2
    [[ "${PIPESTATUS[0]}" -eq 0 ]] || exit 2
    exports="$(cd "$ROOT" && python3 -m variables "$env")" || exit 2
    eval "$exports"
}
