#!/usr/bin/env bash
# ansible-test integration: every target under tests/integration/targets (one per module and role),
# with one ansible-core (AEP_PROFILE, default the project's .venv), in a venv that ansible-test makes
# itself (--venv) on the profile's Python, with tests/integration/requirements.txt.
# With no tests/integration/integration_config.yml the targets start the bundled emulator (the setup_aep
# target) and it stops itself when idle; this script stops it as soon as ansible-test is done.
# ansible-test wants the collection at .../ansible_collections/aep/platform inside git: this runs on a copy
# of the working tree (see aep_collection_tree in scripts/_lib.sh), so a git-ignored
# integration_config.yml in the tree is not copied: this always tests against the emulator.
# Extra arguments go to ansible-test, e.g. scripts/integration-targets.sh aep_dataset -v
set -euo pipefail
# shellcheck source=scripts/_lib.sh
. "$(dirname "${BASH_SOURCE[0]}")/_lib.sh"
aep_prepare
aep_ansible_test_setup
service=$tree/tests/integration/targets/setup_aep/files/aep_emulator_service.py
# Stop the emulator (if a target started one) before the copy it runs from is removed.
trap '"$venv/bin/python" "$service" --stop --collection-root "$tree" || true; rm -rf "$work"' EXIT
aep_ansible_test integration --venv --python "$python_version" --color no "$@"
