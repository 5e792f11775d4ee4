#!/usr/bin/env bash
# antsibull-docs lint-collection-docs --plugin-docs on a copy of the working tree: the documentation of
# every plugin and role, docs/docsite/links.yml, docs/docsite/extra-docs.yml and the reStructuredText
# guides it lists (labels, references, rstcheck). Exits non-zero when antsibull-docs reports anything.
# Runs in .venv-docs (AEP_PROFILE=docs, tests/requirements/docs.txt).
set -euo pipefail
# shellcheck source=scripts/_lib.sh
. "$(dirname "${BASH_SOURCE[0]}")/_lib.sh"
export AEP_PROFILE=docs
aep_prepare
tree=$(aep_collection_tree "$work")

# antsibull-docs runs ansible-doc and ansible-galaxy by name: the venv's, and only this collection.
export PATH=$venv/bin:$PATH ANSIBLE_HOME=$work/ansible-home
export ANSIBLE_COLLECTIONS_PATH=$work ANSIBLE_COLLECTIONS_SCAN_SYS_PATH=false
cd "$tree"
antsibull-docs lint-collection-docs --plugin-docs .
echo "antsibull-docs lint-collection-docs: no problem found"
