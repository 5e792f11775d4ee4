#!/usr/bin/env bash
# ansible-lint with the production profile (.ansible-lint) over the whole collection: roles, playbooks,
# integration playbooks and metadata; zero violations. Runs in .venv-lint on a copy of the working tree
# (tracked files and untracked ones git does not ignore) inside an ansible_collections/aep/platform
# folder, so that aep.platform's modules resolve for the args rule and ansible-lint's own files
# (.ansible/) stay out of the working tree. Extra arguments go to ansible-lint.
set -euo pipefail
# shellcheck source=scripts/_lib.sh
. "$(dirname "${BASH_SOURCE[0]}")/_lib.sh"
export AEP_PROFILE=lint
aep_prepare
tree=$(aep_collection_tree "$work")
cd "$tree"
export PATH=$venv/bin:$PATH ANSIBLE_COLLECTIONS_PATH=$work ANSIBLE_HOME=$work/ansible-home NO_COLOR=1
# The args rule runs each module's argument validation on the task's own arguments only: it ignores
# module_defaults (ansible/ansible-lint#2953) and the environment. org_id, the one required shared
# option, normally comes from group/aep.platform.aep module_defaults or from AEP_ORG_ID (an AWX
# credential), so it is given here the way a job gets it; every other argument is still checked.
export AEP_ORG_ID=lint@AdobeOrg
"$venv/bin/ansible-lint" --version
"$venv/bin/ansible-lint" "$@"
