#!/usr/bin/env bash
# The checks CI runs, for people too: lint, types, then the test suite (warnings are errors).
set -euo pipefail
cd "$(dirname "$0")/.."
echo "== ruff"
python3 -m ruff check .
echo "== mypy"
python3 -m mypy
echo "== pytest"
python3 -m pytest "$@"
