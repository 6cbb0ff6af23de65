#!/usr/bin/env bash
# CPU CI: a fresh virtual environment, the README's install command, ruff, the README's tests.
set -euo pipefail
cd "$(dirname "$0")/.."

venv="$(mktemp -d)/venv"
python3 -m venv "$venv"
# shellcheck disable=SC1091
. "$venv/bin/activate"

# --- the README's install command (keep the two in step) ---
python -m pip install --quiet ".[dev]"

ruff check .

# --- the README's test command ---
python -m pytest -q
