#!/usr/bin/env bash
# Install everything the test suite needs (from nothing) and run it all:
# lint, types, the engine and widget tests, the notebooks, and the real-browser tests.
set -euo pipefail
cd "$(dirname "$0")/.."

PYTHON=${PYTHON:-python3}
if [ ! -x .venv/bin/python ]; then
  "$PYTHON" -m venv .venv
fi
.venv/bin/python -m pip install --quiet --upgrade pip
.venv/bin/python -m pip install --quiet -e '.[jupyter,test]'
bash .ci/install-browser

echo "== ruff"
.venv/bin/ruff check .
echo "== mypy"
.venv/bin/mypy
echo "== pytest"
.venv/bin/python -m pytest "$@"

# The engine on PuLP 4 as well, where a Python 3.12 is available (PuLP 4 needs it).
PY312=""
for candidate in "$HOME"/.pyenv/versions/3.12*/bin/python3.12 /usr/bin/python3.12 /usr/local/bin/python3.12; do
  if [ -x "$candidate" ] && "$candidate" --version >/dev/null 2>&1; then PY312=$candidate; break; fi
done
if [ -n "$PY312" ]; then
  echo "== engine tests on $("$PY312" --version) with PuLP 4"
  [ -x .venv312/bin/python ] || "$PY312" -m venv .venv312
  .venv312/bin/python -m pip install --quiet --upgrade pip
  .venv312/bin/python -m pip install --quiet -e '.[test]'
  .venv312/bin/python -m pytest -q -p no:cacheprovider tests/test_cases.py tests/test_cli.py \
    tests/test_diagnose.py tests/test_validation.py tests/test_properties.py tests/test_example.py \
    tests/test_formulation.py
else
  echo "== no Python 3.12 here: the engine was tested on PuLP 3.3 only"
fi
