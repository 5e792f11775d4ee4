#!/usr/bin/env bash
# ansible-doc renders the documentation of every module, every other documented plugin and every role
# of the collection as users get it: built into a tarball and installed from it. Anything ansible-doc
# writes to stderr (an error or a warning) fails the check, and so does a module file that ansible-doc
# does not list. Runs with the ansible-core of AEP_PROFILE (.ci/run: the oldest and the newest).
set -euo pipefail
# shellcheck source=scripts/_lib.sh
. "$(dirname "${BASH_SOURCE[0]}")/_lib.sh"
aep_prepare
aep_build_and_install "$work" >/dev/null
installed=$work/collections/ansible_collections/aep/platform
export ANSIBLE_COLLECTIONS_PATH=$work/collections ANSIBLE_COLLECTIONS_SCAN_SYS_PATH=false
export ANSIBLE_HOME=$work/ansible-home ANSIBLE_NOCOLOR=1 ANSIBLE_DEPRECATION_WARNINGS=true
version=$("$venv/bin/ansible-doc" --version)
echo "${version%%$'\n'*}"

status=0
rendered=0
# Run ansible-doc; fail on a non-zero exit or on anything written to stderr, except one warning
# about ansible-core's own internal collection that ansible-core 2.21 prints for every role
# ("Collection at '.../ansible/_internal/ansible_collections/ansible/_protomatter' does not have
# a MANIFEST.json file"), whatever the role.
doc() {
  local rc=0
  "$venv/bin/ansible-doc" "$@" >"$work/out" 2>"$work/err.all" || rc=$?
  grep -v "/ansible/_internal/ansible_collections/ansible/_protomatter' does not have a MANIFEST.json" \
    "$work/err.all" >"$work/err" || true
  if [ "$rc" -ne 0 ] || [ -s "$work/err" ]; then
    echo "FAIL: ansible-doc $*" >&2
    cat "$work/err" >&2
    status=1
    return 1
  fi
}

# Plugin folders whose plugins carry documentation, and ansible-doc's name for their type.
declare -A types=(
  [modules]=module [action]='' [become]=become [cache]=cache [callback]=callback [cliconf]=cliconf
  [connection]=connection [filter]=filter [httpapi]=httpapi [inventory]=inventory [lookup]=lookup
  [netconf]=netconf [shell]=shell [strategy]=strategy [test]=test [vars]=vars
)
for dir in "$installed"/plugins/*/; do
  folder=$(basename "$dir")
  [ -n "${types[$folder]+set}" ] || continue   # module_utils, doc_fragments, plugin_utils: no docs
  type=${types[$folder]}
  [ -n "$type" ] || continue                   # action plugins share their module's documentation
  doc -t "$type" -l aep.platform --json || continue
  names=$("$venv/bin/python" -c 'import json, sys; print("\n".join(sorted(json.load(sys.stdin))))' <"$work/out")
  if [ "$type" = module ]; then
    for file in "$dir"*.py; do
      module=aep.platform.$(basename "$file" .py)
      [ "$module" = aep.platform.__init__ ] && continue
      grep -qxF "$module" <<<"$names" || { echo "FAIL: ansible-doc does not list $module" >&2; status=1; }
    done
  fi
  for name in $names; do
    if doc -t "$type" "$name"; then
      echo "ok  $type $name ($(wc -l <"$work/out") lines)"
      rendered=$((rendered + 1))
    fi
  done
done

for dir in "$installed"/roles/*/; do
  [ -d "$dir" ] || continue
  role=aep.platform.$(basename "$dir")
  if doc -t role "$role"; then
    echo "ok  role $role ($(wc -l <"$work/out") lines)"
    rendered=$((rendered + 1))
  fi
done

echo "$rendered documents rendered"
exit "$status"
