#!/usr/bin/env bash
# Build the collection's HTML documentation site, offline, into tests/output/docs/html (open index.html):
# the collection is built into a tarball and installed from it, antsibull-docs writes the reStructuredText
# of every module, role and guide of docs/docsite/extra-docs.yml, and Sphinx renders it with
# sphinx-ansible-theme. Runs in .venv-docs (AEP_PROFILE=docs, tests/requirements/docs.txt).
#
# Nothing is fetched: intersphinx is given no inventory. Sphinx's warnings are then checked one by
# one, and the build fails on any of them except the references that only Ansible's own inventory
# (fetched from docs.ansible.com when online) can resolve: labels listed in $offline_labels below.
set -euo pipefail
# shellcheck source=scripts/_lib.sh
. "$(dirname "${BASH_SOURCE[0]}")/_lib.sh"
export AEP_PROFILE=docs
aep_prepare
out=$aep_root/tests/output/docs
site=$work/site

aep_build_and_install "$work" >/dev/null
export PATH=$venv/bin:$PATH ANSIBLE_HOME=$work/ansible-home ANSIBLE_NOCOLOR=1
export ANSIBLE_COLLECTIONS_PATH=$work/collections ANSIBLE_COLLECTIONS_SCAN_SYS_PATH=false

mkdir -p "$site"
antsibull-docs sphinx-init --use-current --squash-hierarchy --fail-on-error --no-add-antsibull-docs-version \
  --project aep.platform --copyright "aep.platform contributors" \
  --title "aep.platform: Ansible collection for Adobe Experience Platform" --html-short-title aep.platform \
  --dest-dir "$site" aep.platform >/dev/null
# Offline: no inventory to fetch (the generated conf.py names four on the network).
echo 'intersphinx_mapping = {}' >>"$site/conf.py"

mkdir -p "$site/rst"
chmod og-w "$site/rst"   # antsibull-docs writes only into a folder that others cannot write to
antsibull-docs --config-file "$site/antsibull-docs.cfg" collection --use-current --squash-hierarchy \
  --fail-on-error --cleanup everything --dest-dir "$site/rst" aep.platform

rm -rf "$out"
mkdir -p "$out"
status=0
# Warnings go to warnings.log (checked below); anything else Sphinx says on stderr to sphinx.log.
sphinx-build -b html -c "$site" -q --keep-going -w "$out/warnings.log" "$site/rst" "$out/html" \
  2>"$out/sphinx.log" || status=$?

# Labels of Ansible's own documentation that antsibull-docs' generated pages refer to; online,
# intersphinx resolves them from docs.ansible.com's inventory. Offline they are the only warnings allowed.
offline_labels='action_plugins|common_return_values|ansible_configuration_settings'
grep -vE "undefined label: '($offline_labels)'" "$out/warnings.log" >"$out/warnings.unexpected" || true
allowed=$(grep -cE "undefined label: '($offline_labels)'" "$out/warnings.log" || true)
if [ -s "$out/warnings.unexpected" ]; then
  echo "FAIL: Sphinx warnings not caused by being offline:" >&2
  cat "$out/warnings.unexpected" >&2
  status=1
elif [ "$status" -ne 0 ]; then
  echo "FAIL: sphinx-build exited with $status" >&2
  grep -vF -f "$out/warnings.log" "$out/sphinx.log" >&2 || true
fi
[ -f "$out/html/index.html" ] || { echo "FAIL: no $out/html/index.html" >&2; status=1; }
echo "docs site: $out/html/index.html, $(find "$out/html" -name '*.html' | wc -l) pages;" \
  "$allowed warning(s) left for Ansible's inventory (offline)"
exit "$status"
