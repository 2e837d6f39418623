# Shared by bin/run and bin/test: find a Python >= 3.12 and keep .venv installed and current.
# Sourced, not executed.

find_python() {
    local candidates=()
    [ -n "${STEWARD_PYTHON:-}" ] && candidates+=("$STEWARD_PYTHON")
    candidates+=(python3.13 python3.12)
    for dir in "$HOME"/.pyenv/versions/3.1[2-9]*/bin /usr/local/bin /usr/bin; do
        [ -x "$dir/python3" ] && candidates+=("$dir/python3")
    done
    candidates+=(python3 python)
    for candidate in "${candidates[@]}"; do
        if command -v "$candidate" >/dev/null 2>&1 &&
            "$candidate" -c 'import sys; sys.exit(0 if sys.version_info >= (3, 12) else 1)' 2>/dev/null; then
            command -v "$candidate"
            return 0
        fi
    done
    echo "Steward needs Python 3.12 or newer; none found. Install one (e.g. pyenv install 3.12) or set STEWARD_PYTHON." >&2
    return 1
}

# ensure_venv EXTRAS: create .venv if needed and (re)install when pyproject.toml changed.
ensure_venv() {
    local extras="$1"
    if [ ! -x .venv/bin/python ] || ! .venv/bin/python -c 'import sys; sys.exit(0 if sys.version_info >= (3, 12) else 1)'; then
        local python
        python=$(find_python) || exit 1
        echo "Creating .venv with $python"
        rm -rf .venv
        "$python" -m venv .venv
        .venv/bin/python -m pip install --quiet --upgrade pip
    fi
    local stamp=".venv/.installed-$(sha256sum pyproject.toml | cut -c1-16)-${extras:-base}"
    if [ ! -f "$stamp" ]; then
        echo "Installing Steward${extras:+ with [$extras]} into .venv (first run takes a minute)"
        .venv/bin/python -m pip install --quiet -e ".${extras:+[$extras]}"
        touch "$stamp"
    fi
}
