#!/usr/bin/env bash
# ansible-galaxy collection build of the working tree, then checks on the tarball:
#  - no development file in it: nothing that git ignores (venvs, caches, coverage data, test and
#    benchmark outputs, ...) and none of the tracked development folders listed below;
#  - everything users need in it: every file of plugins/, roles/, playbooks/ and meta/ that git sees;
#  - ansible-galaxy collection install of it into an empty folder works, and the installed files match
#    the tarball's checksums (ansible-galaxy collection verify --offline).
# Run it after the tests (as .ci/run does) so that the tree holds what development leaves behind.
# With AEP_PROFILE unset it uses .venv's ansible-core.
set -euo pipefail
# shellcheck source=scripts/_lib.sh
. "$(dirname "${BASH_SOURCE[0]}")/_lib.sh"
aep_prepare
out=$work/build

"$venv/bin/ansible-galaxy" collection build "$aep_root" --output-path "$out"
tarball=$(ls "$out"/aep-platform-*.tar.gz)
echo "$(basename "$tarball"): $(du -k "$tarball" | cut -f1) KiB, $(tar -tzf "$tarball" | grep -cv '/$') files"
tar -tzf "$tarball" | sed -e 's|^\./||' -e 's|/$||' | grep -v -x -e '' -e MANIFEST.json -e FILES.json | sort >"$work/files"

status=0
# Tracked, but for development only.
dev_only='^(\.ci|\.github|scripts|demo|benchmarks)(/|$)|(^|/)\.git'
if grep -E "$dev_only" "$work/files" >"$work/bad"; then
  echo "FAIL: development files in the tarball:" >&2
  sed 's/^/  /' "$work/bad" >&2
  status=1
fi
# Ignored by git: generated or local files.
rc=0
(cd "$aep_root" && git check-ignore --no-index --stdin <"$work/files") >"$work/ignored" || rc=$?
if [ "$rc" -gt 1 ]; then
  echo "FAIL: git check-ignore failed ($rc)" >&2
  status=1
elif [ -s "$work/ignored" ]; then
  echo "FAIL: files that git ignores (generated or local) in the tarball:" >&2
  sed 's/^/  /' "$work/ignored" >&2
  status=1
fi
# Collection content that must ship.
(cd "$aep_root" && git ls-files -co --exclude-standard -- plugins roles playbooks meta) | sort >"$work/content"
comm -23 "$work/content" "$work/files" >"$work/missing"
if [ -s "$work/missing" ]; then
  echo "FAIL: collection content missing from the tarball:" >&2
  sed 's/^/  /' "$work/missing" >&2
  status=1
fi

export ANSIBLE_COLLECTIONS_PATH=$work/collections ANSIBLE_HOME=$work/ansible-home
"$venv/bin/ansible-galaxy" collection install "$tarball" -p "$work/collections"
"$venv/bin/ansible-galaxy" collection list aep.platform -p "$work/collections"
"$venv/bin/ansible-galaxy" collection verify --offline aep.platform -p "$work/collections"
exit "$status"
