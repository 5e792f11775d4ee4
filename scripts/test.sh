#!/usr/bin/env bash
# Run every test: unit, emulator and integration (ansible-playbook against the local emulator).
# Creates .venv from the pinned requirements-dev.txt first. Extra arguments go to pytest,
# e.g. scripts/test.sh -k canonical
# AEP_PROFILE=ansible-2.16 (or ansible-2.21) runs them on that ansible-core instead, in .venv-<profile>
# (see scripts/bootstrap.sh); .ci/run does both.
set -euo pipefail
# shellcheck source=scripts/_lib.sh
. "$(dirname "${BASH_SOURCE[0]}")/_lib.sh"
root=$aep_root
"$root/scripts/bootstrap.sh"
venv=$(aep_venv_dir)
cd "$root"
if [ $# -eq 0 ]; then
  # The whole run: also measure line coverage of plugins/ (unit tests run it in-process).
  set -- --cov=plugins --cov-report=term --cov-fail-under=90
fi
exec "$venv/bin/python" -m pytest "$@"
