#!/usr/bin/env bash
# Create (or refresh, when requirements-dev.txt changed) the project's venv in .venv.
# Usage: scripts/bootstrap.sh        PYTHON=python3.11 picks the interpreter; AEP_VENV the folder.
set -euo pipefail
root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
venv=${AEP_VENV:-$root/.venv}
python=${PYTHON:-python3}
stamp=$venv/.requirements.sha256
want=$(cat "$root/requirements-dev.txt" | sha256sum | cut -d' ' -f1)
if [ -x "$venv/bin/python" ] && [ "$(cat "$stamp" 2>/dev/null)" = "$want" ]; then
  exit 0
fi
echo "Creating $venv from requirements-dev.txt ..." >&2
"$python" -m venv --clear "$venv"
"$venv/bin/python" -m pip install --quiet --disable-pip-version-check --upgrade pip 2> >(grep -v "is ignored: it is neither" >&2)
"$venv/bin/python" -m pip install --quiet --disable-pip-version-check -r "$root/requirements-dev.txt" 2> >(grep -v "is ignored: it is neither" >&2)
echo "$want" > "$stamp"
