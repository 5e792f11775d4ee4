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

# ansible-test makes each venv without pip and then fetches get-pip.py from Ansible's file server,
# which may not be reachable; it first looks in its cache. This stand-in installs the requested pip
# with the pip wheel that CPython bundles (ensurepip), from the package index pip is set up for.
cache=$HOME/.ansible/test/cache
mkdir -p "$cache"
ansible_test=$("$venv/bin/python" -c 'import ansible_test, os; print(os.path.dirname(ansible_test.__file__))')
sed -n "s/.*pip='\([0-9.]*\)'.*/\1/p" "$ansible_test/_internal/python_requirements.py" | while read -r pip_version; do
  script=$cache/get_pip_${pip_version//./_}.py
  # Leave a real get-pip.py alone.
  if [ -e "$script" ] && ! grep -q "aep.platform's scripts/sanity.sh" "$script"; then
    continue
  fi
  cat > "$script" <<'EOF'
"""Stand-in for get-pip.py, written by aep.platform's scripts/sanity.sh: pip from CPython's bundled wheel."""
import glob
import os
import runpy
import sys

import ensurepip

bundled = os.path.join(os.path.dirname(ensurepip.__file__), "_bundled")
wheels = sorted(glob.glob(os.path.join(bundled, "pip-*.whl")))
if not wheels:
    sys.exit("get-pip stand-in: no pip wheel in %s" % bundled)
sys.path.insert(0, wheels[-1])
sys.argv = ["pip", "install"] + [arg for arg in sys.argv[1:] if arg not in ("--no-setuptools", "--no-wheel")]
runpy.run_module("pip", run_name="__main__", alter_sys=True)
EOF
done

# The interpreters ansible-test may use, as pythonX.Y (pyenv's shims of that name fail unless
# PYENV_VERSION names them, so they must not be the first found).
mkdir "$work/bin"
for version in 3.9 3.10 3.11 3.12 3.13 3.14; do
  if python=$(aep_find_python "$version" 2>/dev/null); then
    ln -s "$python" "$work/bin/python$version"
  fi
done

tree=$(aep_collection_tree "$work")
cd "$tree"
# pip's own chatter (one line per package, in every venv) is left out; its errors are kept.
set +e
PATH="$work/bin:$venv/bin:$PATH" "$venv/bin/ansible-test" sanity --venv --requirements --color no "$@" 2>&1 |
  grep -v -E '^(Looking in (indexes|links)|Collecting |Processing |Installing collected |Successfully installed |Requirement already|  Downloading |  Using cached | +━|WARNING: Location .* is ignored)'
rc=${PIPESTATUS[0]}
set -e
[ "$rc" -eq 0 ] || status=$rc
exit "$status"
