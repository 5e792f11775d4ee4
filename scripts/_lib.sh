# shellcheck shell=bash
# Helpers shared by the scripts in this folder; source it, do not run it.
#
# Venv profiles: with AEP_PROFILE unset, the project's venv is .venv, made by python3 from the pinned
# requirements-dev.txt (what the README's two commands use). AEP_PROFILE=NAME selects
# tests/requirements/NAME.txt instead, installed into .venv-NAME with the Python that the file's
# "# python: X.Y" line names. A "# with: FILE" line adds FILE's pins (a path from the repo root) for
# every package that NAME.txt does not pin itself, so that a matrix venv has everything
# requirements-dev.txt has, with its own ansible-core. AEP_VENV and PYTHON override the folder and
# the interpreter.

aep_root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)

aep_die() {
  echo "$*" >&2
  exit 1
}

# The requirements file of the selected profile.
aep_profile_file() {
  if [ -z "${AEP_PROFILE:-}" ]; then
    echo "$aep_root/requirements-dev.txt"
  else
    local file=$aep_root/tests/requirements/$AEP_PROFILE.txt
    [ -f "$file" ] || aep_die "AEP_PROFILE=$AEP_PROFILE: no $file"
    echo "$file"
  fi
}

# The venv folder of the selected profile.
aep_venv_dir() {
  if [ -n "${AEP_VENV:-}" ]; then
    echo "$AEP_VENV"
  elif [ -z "${AEP_PROFILE:-}" ]; then
    echo "$aep_root/.venv"
  else
    echo "$aep_root/.venv-$AEP_PROFILE"
  fi
}

# Print the path of a working CPython X.Y, or fail. Looks at pythonX.Y and python3 on PATH (pyenv's
# shims are on PATH but fail unless PYENV_VERSION names their version, so each candidate is run), then
# at pyenv's installed versions and the usual system folders.
aep_find_python() {
  local want=$1 candidate found
  local candidates=("python$want" python3)
  local pyenv_root=${PYENV_ROOT:-$HOME/.pyenv}
  if command -v pyenv >/dev/null 2>&1; then
    pyenv_root=$(pyenv root 2>/dev/null || echo "$pyenv_root")
  fi
  while IFS= read -r found; do
    candidates+=("$found")
  done < <(printf '%s\n' "$pyenv_root"/versions/"$want".*/bin/"python$want" | sort -rV)
  candidates+=("/usr/local/bin/python$want" "/usr/bin/python$want")
  for candidate in "${candidates[@]}"; do
    found=$("$candidate" -c "import sys; print(sys.executable if '%d.%d' % sys.version_info[:2] == '$want' else '')" \
      2>/dev/null) || continue
    if [ -n "$found" ]; then
      echo "$found"
      return 0
    fi
  done
  echo "No usable Python $want: tried ${candidates[*]}" >&2
  return 1
}

# The interpreter that makes the selected profile's venv.
aep_profile_python() {
  if [ -n "${PYTHON:-}" ]; then
    echo "$PYTHON"
    return
  fi
  local version
  version=$(sed -n 's/^# python: *//p' "$(aep_profile_file)" | head -1)
  if [ -z "$version" ]; then
    echo python3
  else
    aep_find_python "$version"
  fi
}

# The requirements of the selected profile, with the pins of its "# with:" files merged in.
aep_profile_requirements() {
  local file extra
  file=$(aep_profile_file)
  local files=("$file")
  while IFS= read -r extra; do
    [ -n "$extra" ] && files+=("$aep_root/$extra")
  done < <(sed -n 's/^# with: *//p' "$file")
  awk '
    FNR == 1 { part++ }
    /^[[:space:]]*(#|$)/ { next }
    {
      name = tolower($0)
      sub(/[[:space:]]*[=<>!~;@[ ].*/, "", name)
      gsub(/[-_.]+/, "-", name)
    }
    part == 1 { own[name] = 1; print; next }
    !(name in own) { print }
  ' "${files[@]}"
}

# Make the selected profile's venv if needed (scripts/bootstrap.sh); set venv to its folder and work
# to a temp folder that is removed when the script exits.
aep_prepare() {
  "$aep_root/scripts/bootstrap.sh"
  # shellcheck disable=SC2034  # for the calling script
  venv=$(aep_venv_dir)
  work=$(mktemp -d)
  trap 'rm -rf "$work"' EXIT
}

# Copy the working tree (tracked files and untracked ones git does not ignore, so that whatever is in
# the tree now is checked) to DEST/ansible_collections/aep/platform, commit it in a git repo of its
# own there (ansible-test wants the collection inside git) and print that path.
aep_collection_tree() {
  local tree=$1/ansible_collections/aep/platform
  mkdir -p "$tree"
  (cd "$aep_root" && git ls-files -co --exclude-standard -z | while IFS= read -r -d '' path; do
    [ -e "$path" ] && printf '%s\0' "$path"
  done | xargs -0 -r cp --parents -t "$tree")
  git -C "$tree" init -q
  git -C "$tree" add -A
  git -C "$tree" -c user.name=ci -c user.email=ci@localhost commit -q --no-verify -m "collection under test"
  echo "$tree"
}

# Build the collection from the working tree into DEST/build and install that tarball into the empty
# DEST/collections, with the venv's ansible-galaxy; print the tarball's path.
aep_build_and_install() {
  local dest=$1 venv tarball
  venv=$(aep_venv_dir)
  mkdir -p "$dest/build" "$dest/collections"
  "$venv/bin/ansible-galaxy" collection build "$aep_root" --output-path "$dest/build" >&2
  tarball=$(ls "$dest"/build/aep-platform-*.tar.gz)
  ANSIBLE_COLLECTIONS_PATH=$dest/collections \
    "$venv/bin/ansible-galaxy" collection install "$tarball" -p "$dest/collections" >&2
  echo "$tarball"
}

# ansible-test (--venv, and sanity even with --local) makes each venv without pip and then fetches
# get-pip.py from Ansible's file server, which may not be reachable; it first looks in its cache. This
# writes a stand-in there that installs the requested pip with the pip wheel CPython bundles (ensurepip),
# from the package index pip is set up for. Also links pythonX.Y for each Python this machine has into
# \$work/bin (pyenv's shims of that name fail unless PYENV_VERSION names them): put it first on PATH.
# Then copies the collection to tree (aep_collection_tree) and sets python_version to the venv's X.Y, what
# ansible-test's --python takes. Needs venv and work (aep_prepare).
aep_ansible_test_setup() {
  local cache=$HOME/.ansible/test/cache ansible_test pip_version script version python
  mkdir -p "$cache" "$work/bin"
  ansible_test=$("$venv/bin/python" -c 'import ansible_test, os; print(os.path.dirname(ansible_test.__file__))')
  while read -r pip_version; do
    script=$cache/get_pip_${pip_version//./_}.py
    # Leave a real get-pip.py alone.
    if [ -e "$script" ] && ! grep -q "aep.platform's scripts" "$script"; then
      continue
    fi
    cat > "$script" <<'EOF'
"""Stand-in for get-pip.py, written by aep.platform's scripts/_lib.sh: pip from CPython's bundled wheel."""
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
  done < <(sed -n "s/.*pip='\([0-9.]*\)'.*/\1/p" "$ansible_test/_internal/python_requirements.py")
  for version in 3.9 3.10 3.11 3.12 3.13 3.14; do
    if python=$(aep_find_python "$version" 2>/dev/null); then
      ln -sf "$python" "$work/bin/python$version"
    fi
  done
  # shellcheck disable=SC2034  # for the calling script
  python_version=$("$venv/bin/python" -c 'import sys; print("%d.%d" % sys.version_info[:2])')
  tree=$(aep_collection_tree "$work")
}

# pip's own chatter (one line per package, in every venv ansible-test makes) left out of its output.
aep_without_pip_chatter() {
  grep -v -E '^(Looking in (indexes|links)|Collecting |Processing |Installing collected |Successfully installed |Requirement already|  Downloading |  Using cached | +━|WARNING: Location .* is ignored)'
}

# Run ansible-test (the profile venv's) in the collection copy $tree, with $work/bin and the venv first on
# PATH, pip's chatter left out; return its exit code.
aep_ansible_test() {
  local rc
  set +e
  (cd "$tree" && PATH="$work/bin:$venv/bin:$PATH" "$venv/bin/ansible-test" "$@" 2>&1) | aep_without_pip_chatter
  rc=${PIPESTATUS[0]}
  set -e
  return "$rc"
}
