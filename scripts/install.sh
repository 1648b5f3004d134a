#!/usr/bin/env bash
# Create a virtual environment and install scnekit into it, with the exact versions of the
# last green run (requirements/lock-pyXY.txt) or, with --fresh, the newest ones the ranges
# in pyproject.toml allow.
#
#   bash scripts/install.sh [--fresh] [--venv DIR] [--python PYTHON] [--extras jupyter,test]
set -euo pipefail
cd "$(dirname "$0")/.."

mode=locked venv=.venv python=${PYTHON:-python3} extras=""
while [ $# -gt 0 ]; do
  case "$1" in
    --fresh) mode=fresh ;;
    --venv) venv=$2; shift ;;
    --python) python=$2; shift ;;
    --extras) extras=$2; shift ;;
    *) echo "install: unknown option $1" >&2; exit 2 ;;
  esac
  shift
done

version=$("$python" -c 'import sys; print(f"{sys.version_info[0]}{sys.version_info[1]}")')
lock=requirements/lock-py$version.txt
target="."
[ -n "$extras" ] && target=".[$extras]"

[ -x "$venv/bin/python" ] || "$python" -m venv "$venv"
pip=("$venv/bin/python" -m pip --quiet --disable-pip-version-check)

if [ "$mode" = locked ] && [ -f "$lock" ]; then
  echo "install: $venv with the tested versions of $lock"
  "${pip[@]}" install -c "$lock" --upgrade pip
  "${pip[@]}" install -c "$lock" -e "$target"
else
  [ "$mode" = locked ] && echo "install: no $lock for this Python; installing the newest versions pyproject.toml allows" >&2
  [ "$mode" = fresh ] && echo "install: $venv with the newest versions pyproject.toml allows (a fresh resolve)"
  "${pip[@]}" install --upgrade pip
  "${pip[@]}" install --upgrade --upgrade-strategy eager -e "$target"
fi
