#!/usr/bin/env bash
# ansible-test sanity over the whole collection, every test that applies, on the newest ansible-core
# (.venv-ansible-2.21), each in a venv of its own (--venv: no container engine needed).
#
# ansible-test wants the collection at .../ansible_collections/aep/platform inside git, so this runs
# on a copy of the working tree (tracked files and untracked ones that git does not ignore) in a temp
# folder. Tests that run per Python version (compile, import) run on every Python from 3.9 (the
# modules' python_requires, tests/config.yml) that this machine has; ansible-test warns about the others.
# tests/sanity/ignore-*.txt must stay empty: findings are fixed, not ignored.
# Extra arguments go to ansible-test, e.g. scripts/sanity.sh --test validate-modules
set -euo pipefail
# shellcheck source=scripts/_lib.sh
. "$(dirname "${BASH_SOURCE[0]}")/_lib.sh"
export AEP_PROFILE=${AEP_PROFILE:-ansible-2.21}
aep_prepare

status=0
for ignore in "$aep_root"/tests/sanity/ignore-*.txt; do
  [ -e "$ignore" ] || continue
  if grep -qv '^[[:space:]]*\(#\|$\)' "$ignore"; then
    echo "ERROR: ${ignore#"$aep_root"/} has entries; fix the findings instead:" >&2
    grep -nv '^[[:space:]]*\(#\|$\)' "$ignore" >&2
    status=1
  fi
done

aep_ansible_test_setup

aep_ansible_test sanity --venv --requirements --color no "$@" || status=$?
exit "$status"
