#!/usr/bin/env bash
# Run every test: unit, emulator, integration (ansible-playbook against the local emulator) and reliability.
# Creates .venv from the pinned requirements-dev.txt first. Extra arguments go to pytest,
# e.g. scripts/test.sh -k canonical
# AEP_PROFILE=ansible-2.16 (or ansible-2.21) runs them on that ansible-core instead, in .venv-<profile>
# (see scripts/bootstrap.sh); .ci/run does both.
#
# Without arguments, the whole run also measures line coverage of plugins/ (unit tests run it in-process),
# and the concurrency test (tests/reliability/test_create_race.py: rounds of ansible-playbook runs against an
# emulator that answers after 1 s, mostly waiting) runs in pytest sessions of its own beside the others;
# the command fails if any fails.
set -euo pipefail
# shellcheck source=scripts/_lib.sh
. "$(dirname "${BASH_SOURCE[0]}")/_lib.sh"
root=$aep_root
"$root/scripts/bootstrap.sh"
venv=$(aep_venv_dir)
cd "$root"
if [ $# -gt 0 ]; then
  exec "$venv/bin/python" -m pytest "$@"
fi
race=tests/reliability/test_create_race.py
logs=$(mktemp -d)
trap 'rm -rf "$logs"' EXIT
# Its two modes (with and without the create lock) in two sessions of their own, beside the others.
"$venv/bin/python" -m pytest "$race" -k "lock and not no-lock" >"$logs/lock" 2>&1 &
lock_pid=$!
"$venv/bin/python" -m pytest "$race" -k "no-lock" >"$logs/no-lock" 2>&1 &
no_lock_pid=$!
status=0
"$venv/bin/python" -m pytest --ignore "$race" --cov=plugins --cov-report=term --cov-fail-under=90 || status=$?
for mode in lock no-lock; do
  pid=$lock_pid
  [ "$mode" = lock ] || pid=$no_lock_pid
  wait "$pid" || status=1
  echo
  echo "=== $race, $mode (run beside the others) ==="
  cat "$logs/$mode"
done
exit "$status"
