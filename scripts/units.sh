#!/usr/bin/env bash
# ansible-test units of the collection with one ansible-core (AEP_PROFILE, default the project's .venv), in a venv
# ansible-test makes itself (--venv) from tests/unit/requirements.txt, on the profile's Python.
# ansible-test wants the collection at .../ansible_collections/aep/platform inside git: this runs on a copy
# of the working tree (see aep_collection_tree in scripts/_lib.sh).
# Extra arguments go to ansible-test, e.g. scripts/units.sh tests/unit/plugins/modules/test_aep_dataset.py
set -euo pipefail
# shellcheck source=scripts/_lib.sh
. "$(dirname "${BASH_SOURCE[0]}")/_lib.sh"
aep_prepare
aep_ansible_test_setup
aep_ansible_test units --venv --python "$python_version" --color no "$@"
