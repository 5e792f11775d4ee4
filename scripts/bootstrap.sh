#!/usr/bin/env bash
# Create (or refresh, when its requirements changed) the project's venv in .venv.
# Usage: scripts/bootstrap.sh        PYTHON=python3.11 picks the interpreter; AEP_VENV the folder.
# AEP_PROFILE=NAME makes .venv-NAME from tests/requirements/NAME.txt instead (see scripts/_lib.sh),
# e.g. AEP_PROFILE=ansible-2.16 for the oldest ansible-core that meta/runtime.yml admits.
set -euo pipefail
# shellcheck source=scripts/_lib.sh
. "$(dirname "${BASH_SOURCE[0]}")/_lib.sh"
venv=$(aep_venv_dir)
python=$(aep_profile_python)
file=$(aep_profile_file)
stamp=$venv/.requirements.sha256
if grep -q '^# with:' "$file"; then
  requirements=$(aep_profile_requirements)
  want=$(printf '%s\n%s\n' "$requirements" "$("$python" -c 'import sys; print(sys.version)')" | sha256sum | cut -d' ' -f1)
else
  requirements=
  want=$(sha256sum < "$file" | cut -d' ' -f1)
fi
if [ -x "$venv/bin/python" ] && [ "$(cat "$stamp" 2>/dev/null)" = "$want" ]; then
  exit 0
fi
echo "Creating $venv from ${file#"$aep_root"/} with $python ..." >&2
quiet() {
  "$@" 2> >(grep -v "is ignored: it is neither" >&2)
}
"$python" -m venv --clear "$venv"
quiet "$venv/bin/python" -m pip install --quiet --disable-pip-version-check --upgrade pip
if [ -n "$requirements" ]; then
  # The merged pins, kept in the venv to show what it was made from.
  printf '%s\n' "$requirements" > "$venv/requirements.txt"
  file=$venv/requirements.txt
fi
quiet "$venv/bin/python" -m pip install --quiet --disable-pip-version-check -r "$file"
echo "$want" > "$stamp"
