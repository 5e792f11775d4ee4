#!/usr/bin/env bash
# Run every test: unit, emulator and integration (ansible-playbook against the local emulator).
# Creates .venv from the pinned requirements-dev.txt first. Extra arguments go to pytest,
# e.g. scripts/test.sh -k canonical
set -euo pipefail
root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
"$root/scripts/bootstrap.sh"
venv=${AEP_VENV:-$root/.venv}
cd "$root"
if [ $# -eq 0 ]; then
  # The whole run: also measure line coverage of plugins/ (unit tests run it in-process).
  set -- --cov=plugins --cov-report=term --cov-fail-under=90
fi
exec "$venv/bin/python" -m pytest "$@"
