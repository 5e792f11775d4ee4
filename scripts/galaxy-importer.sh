#!/usr/bin/env bash
# galaxy-importer, the check Galaxy and Automation Hub run on an upload, on a tarball built from the
# working tree: metadata, tags, changelog, README, documentation (ansible-doc) and ansible-lint.
# Its ansible-test step is off (it needs a container engine; scripts/sanity.sh runs ansible-test).
# Fails when the importer fails, and when it got no documentation for a module. Runs in .venv-lint.
set -euo pipefail
# shellcheck source=scripts/_lib.sh
. "$(dirname "${BASH_SOURCE[0]}")/_lib.sh"
export AEP_PROFILE=lint
aep_prepare
"$venv/bin/ansible-galaxy" collection build "$aep_root" --output-path "$work"
tarball=$(ls "$work"/aep-platform-*.tar.gz)

export PATH=$venv/bin:$PATH ANSIBLE_HOME=$work/ansible-home ANSIBLE_LOCAL_TEMP=$work/ansible-home/tmp
export GALAXY_IMPORTER_RUN_ANSIBLE_TEST=False GALAXY_IMPORTER_RUN_ANSIBLE_DOC=True
export GALAXY_IMPORTER_RUN_ANSIBLE_LINT=True GALAXY_IMPORTER_CHECK_CHANGELOG=True
export GALAXY_IMPORTER_CHECK_REQUIRED_TAGS=True GALAXY_IMPORTER_TMP_ROOT_DIR=$work
# The importer's ansible-lint run: see scripts/lint.sh for why org_id is set.
export AEP_ORG_ID=lint@AdobeOrg
cd "$work"
"$venv/bin/python" -m galaxy_importer.main "$tarball"

# Every module must have come with its documentation.
"$venv/bin/python" - "$work/importer_result.json" <<'EOF'
import json
import sys

with open(sys.argv[1]) as handle:
    result = json.load(handle)
contents = result["docs_blob"]["contents"]
undocumented = [c["content_name"] for c in contents if c["content_type"] == "module" and not c.get("doc_strings")]
print("importer result: %d content items, requires_ansible %s" % (len(contents), result["requires_ansible"]))
if undocumented:
    sys.exit("FAIL: the importer got no documentation for: %s" % ", ".join(undocumented))
EOF
