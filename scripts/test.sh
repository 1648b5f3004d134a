#!/usr/bin/env bash
# Install everything the test suite needs (from nothing) and run it all: lint, types, the
# layer contract, the engine and widget tests, the notebooks and the real-browser tests,
# on the exact versions of the last green run (requirements/lock-pyXY.txt). Then the engine
# tests on PuLP 4 (Python 3.12, where present) and on the newest versions pyproject.toml
# allows, so that a new release that breaks scnekit fails here, with the package named.
set -euo pipefail
cd "$(dirname "$0")/.."
PYTHON=${PYTHON:-python3}
ENGINE_TESTS=(tests/test_cases.py tests/test_cli.py tests/test_diagnose.py tests/test_validation.py
              tests/test_properties.py tests/test_example.py tests/test_formulation.py
              tests/test_foundation.py tests/test_architecture.py tests/test_names.py
              tests/test_hostile_input.py tests/test_fuzz.py tests/test_compare.py tests/test_sweep.py
              tests/test_frontier.py tests/test_walkaway.py tests/test_robust.py tests/test_numbers.py
              tests/test_workbook.py tests/test_schema.py tests/test_briefing.py tests/test_replan.py
              tests/test_living_roadmap.py tests/test_progress_record.py tests/test_large.py
              tests/test_coefficients.py tests/test_kept_bounds.py)

lock_of() { "$1" -c 'import sys; print(f"requirements/lock-py{sys.version_info[0]}{sys.version_info[1]}.txt")'; }

bash scripts/install.sh --venv .venv --python "$PYTHON" --extras jupyter,test
bash .ci/install-browser

echo "== ruff"
.venv/bin/ruff check .
echo "== mypy"
.venv/bin/mypy
echo "== layers (import-linter)"
.venv/bin/lint-imports --no-cache
echo "== pytest, tested versions"
.venv/bin/python -m pytest "$@"

# The engine on PuLP 4 as well, where a Python 3.12 is available (PuLP 4 needs it).
PY312=""
for candidate in "$HOME"/.pyenv/versions/3.12*/bin/python3.12 /usr/bin/python3.12 /usr/local/bin/python3.12; do
  if [ -x "$candidate" ] && "$candidate" --version >/dev/null 2>&1; then PY312=$candidate; break; fi
done
if [ -n "$PY312" ]; then
  echo "== engine tests on $("$PY312" --version) with PuLP 4, tested versions"
  bash scripts/install.sh --venv .venv312 --python "$PY312" --extras test
  .venv312/bin/python -m pytest -q -p no:cacheprovider "${ENGINE_TESTS[@]}"
else
  echo "== no Python 3.12 here: the engine was tested on PuLP 3.3 only"
fi

echo "== engine tests on the newest versions pyproject.toml allows (a fresh resolve)"
bash scripts/install.sh --fresh --venv .venv-fresh --python "$PYTHON" --extras test
lock=$(lock_of "$PYTHON")
differences() { .venv-fresh/bin/python -m pip freeze --all --exclude-editable | .venv-fresh/bin/python scripts/lockdiff.py "$lock"; }
if ! .venv-fresh/bin/python -m pytest -q -p no:cacheprovider "${ENGINE_TESTS[@]}"; then
  echo "== FAILED on a fresh resolve, where the tested versions pass. New releases since $lock:"
  differences
  echo "One of these breaks scnekit: bound it below that release in pyproject.toml, or fix scnekit and update the lock."
  exit 1
fi
echo "== a fresh resolve passes too; releases newer than $lock (update the lock to adopt them):"
differences
