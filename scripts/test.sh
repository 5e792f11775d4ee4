#!/usr/bin/env bash
# Run every test: unit, emulator, integration (ansible-playbook against the local emulator; then the
# ansible-test integration targets, scripts/integration-targets.sh) and reliability, a pytest worker per core.
# Creates .venv from the pinned requirements-dev.txt first. Extra arguments go to pytest,
# e.g. scripts/test.sh -k canonical
# AEP_PROFILE=ansible-2.16 (or ansible-2.21) runs them on that ansible-core instead, in .venv-<profile>
# (see scripts/bootstrap.sh); .ci/run does both.
#
# Without arguments, the whole run also measures line coverage of plugins/ (unit tests run it in-process),
# and the concurrency test (tests/reliability/test_create_race.py: rounds of ansible-playbook runs against an
# emulator that answers after 1 s, mostly waiting) runs in a pytest session of its own beside the others;
# the command fails if either fails.
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
race_log=$(mktemp)
trap 'rm -f "$race_log"' EXIT
"$venv/bin/python" -m pytest "$race" >"$race_log" 2>&1 &
race_pid=$!
status=0
# A worker per core (pytest-xdist): most tests wait on ansible-playbook, one process at a time each. A test
# file's tests stay on one worker: a reliability file writes its RESULTS.md section from all of its tests. The
# slowest tests are listed at the end, to see where the time goes.
"$venv/bin/python" -m pytest -n auto --dist loadfile --ignore "$race" --cov=plugins --cov-report=term --cov-fail-under=90 \
  --durations=15 || status=$?
# The ansible-test integration targets (tests/integration/targets), against an emulator of their own.
"$root/scripts/integration-targets.sh" || status=1
wait "$race_pid" || status=1
echo
echo "=== $race (run beside the others) ==="
cat "$race_log"
exit "$status"
