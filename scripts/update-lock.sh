#!/usr/bin/env bash
# Write requirements/lock-pyXY.txt from the environments of a green run of scripts/test.sh:
# the exact versions the whole suite has just passed on. Run it after `bash scripts/test.sh`
# passed, in the same checkout (it reads .venv and, where present, .venv312).
set -euo pipefail
cd "$(dirname "$0")/.."
for venv in .venv .venv312; do
  [ -x "$venv/bin/python" ] || continue
  lock=$("$venv/bin/python" -c 'import sys; print(f"requirements/lock-py{sys.version_info[0]}{sys.version_info[1]}.txt")')
  {
    echo "# The exact versions of the last green run of scripts/test.sh on $("$venv/bin/python" --version)."
    echo "# Made by scripts/update-lock.sh; scripts/install.sh installs with it as constraints."
    "$venv/bin/python" -m pip freeze --all --exclude-editable
  } > "$lock"
  echo "wrote $lock"
done
