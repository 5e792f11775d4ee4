#!/usr/bin/env bash
# Cut a release of aep.platform, or rehearse one.
#
# Usage: scripts/release.sh VERSION [--dry-run] [--allow-dirty]
#   VERSION      X.Y.Z, greater than galaxy.yml's version; or "next": 1.0.0 while changelogs/changelog.yaml
#                holds no release yet, else galaxy.yml's version with the patch number plus one.
#   --dry-run    do everything in a temporary copy of the working tree (tracked files and untracked ones
#                git does not ignore); the tree itself is not touched. CI runs "scripts/release.sh next
#                --dry-run" so that the release process keeps working between releases.
#   --allow-dirty  release from a tree with uncommitted changes (refused by default, since the release
#                commit should hold the release and nothing else).
#
# Steps: check VERSION; antsibull-changelog release (CHANGELOG.rst, changelogs/changelog.yaml, fragments
# consumed); the version bumped in galaxy.yml and wherever the current version is named (see
# bump_version); antsibull-changelog lint; ansible-galaxy collection build; ansible-galaxy collection
# install of the tarball into an empty folder, and its version checked. Then it prints what to commit and
# tag. The tools come from the pinned lint profile (tests/requirements/lint.txt, .venv-lint).
#
# A real release needs a fragment with a release_summary (changelogs/fragments/release-X.Y.Z.yml);
# a dry run without one adds a stand-in to its copy, so that the rehearsal works between releases.
set -euo pipefail
# shellcheck source=scripts/_lib.sh
. "$(dirname "${BASH_SOURCE[0]}")/_lib.sh"

usage() {
  sed -n '2,/^set -euo/p' "${BASH_SOURCE[0]}" | sed -e '$d' -e 's/^# \{0,1\}//' >&2
  exit 2
}

version=
dry_run=false
allow_dirty=false
for arg in "$@"; do
  case $arg in
    --dry-run) dry_run=true ;;
    --allow-dirty) allow_dirty=true ;;
    -h | --help) usage ;;
    -*) echo "Unknown option: $arg" >&2; usage ;;
    *)
      [ -z "$version" ] || { echo "One VERSION only." >&2; usage; }
      version=$arg
      ;;
  esac
done
[ -n "$version" ] || usage

export AEP_PROFILE=lint
aep_prepare
export PATH=$venv/bin:$PATH
# ansible-galaxy and ansible-doc write their caches here, not in the user's ~/.ansible.
export ANSIBLE_HOME=$work/ansible-home

# A YAML value of a file, read with the venv's PyYAML.
yaml_value() {
  "$venv/bin/python" - "$1" "$2" <<'EOF'
import sys

import yaml

with open(sys.argv[1]) as stream:
    data = yaml.safe_load(stream) or {}
value = data.get(sys.argv[2])
print(value if not isinstance(value, dict) else len(value))
EOF
}

current=$(yaml_value "$aep_root/galaxy.yml" version)
releases=$(yaml_value "$aep_root/changelogs/changelog.yaml" releases)

# "next": what CI rehearses. The first release is 1.0.0 (the collection was 0.x while nothing was released).
if [ "$version" = next ]; then
  if [ "$releases" = 0 ] && [ "${current%%.*}" = 0 ]; then
    version=1.0.0
  else
    version=$(echo "$current" | awk -F. '{ printf "%d.%d.%d\n", $1, $2, $3 + 1 }')
  fi
  echo "next release after $current: $version"
fi

# Semantic versioning, and strictly greater than galaxy.yml's version.
"$venv/bin/python" - "$version" "$current" <<'EOF' || exit 1
import sys

import semantic_version

new, current = sys.argv[1], sys.argv[2]
if not semantic_version.validate(new):
    sys.exit("VERSION %r is not a semantic version (X.Y.Z)." % new)
if semantic_version.Version(new) <= semantic_version.Version(current):
    sys.exit("VERSION %s is not greater than galaxy.yml's version %s." % (new, current))
EOF

if $dry_run; then
  echo "Dry run: rehearsing release $version (galaxy.yml has $current) in a copy of the working tree."
  tree=$(aep_collection_tree "$work/copy")
else
  tree=$aep_root
  if ! $allow_dirty && [ -n "$(git -C "$tree" status --porcelain)" ]; then
    git -C "$tree" status --short >&2
    aep_die "The working tree has uncommitted changes (above): commit them first, or pass --allow-dirty."
  fi
  [ -z "$(git -C "$tree" tag -l "$version")" ] || aep_die "Tag $version exists already."
fi
cd "$tree"

# The fragments must be valid before anything changes.
antsibull-changelog lint

if ! grep -l -E '^release_summary:' changelogs/fragments/*.y*ml >/dev/null 2>&1; then
  if $dry_run; then
    echo "No release_summary fragment: the rehearsal adds a stand-in (a real release needs" \
      "changelogs/fragments/release-$version.yml)."
    mkdir -p changelogs/fragments
    printf 'release_summary: Rehearsal of release %s by scripts/release.sh --dry-run.\n' "$version" \
      >"changelogs/fragments/release-$version.yml"
  else
    aep_die "No fragment has a release_summary: write changelogs/fragments/release-$version.yml first" \
      "(see CONTRIBUTING.md)."
  fi
fi

echo "::: antsibull-changelog release --version $version"
antsibull-changelog release --version "$version"
# antsibull-changelog's cache of the plugins' docs: regenerated on each release, never committed.
rm -f changelogs/.plugin-cache.yaml
grep -q -x "v$version" CHANGELOG.rst || aep_die "CHANGELOG.rst has no section v$version."

# Replace the current version with the new one in the places that name the collection's own version:
# galaxy.yml, the version constant of plugins/module_utils/_version.py, and in any text file of the tree
# the tarball name (aep-platform-X.Y.Z.tar.gz), the execution environment's image tag
# (aep-platform-ee:X.Y.Z) and a pin of the collection (aep.platform:X.Y.Z, aep.platform==X.Y.Z,
# "version: X.Y.Z" on the line after "name: aep.platform"). Changelogs and recorded benchmark results keep
# the version they were written for, and version_added keeps the version a feature appeared in.
bump_version() {
  local old=$1 new=$2 path
  local files=()
  while IFS= read -r -d '' path; do
    case $path in
      changelogs/* | CHANGELOG.rst | benchmarks/results/*) continue ;;
    esac
    [ -f "$path" ] && grep -I -q -F "$old" "$path" && files+=("$path")
  done < <(git ls-files -co --exclude-standard -z)
  [ "${#files[@]}" -gt 0 ] || return 0
  "$venv/bin/python" - "$old" "$new" "${files[@]}" <<'EOF'
import re
import sys

old, new, paths = sys.argv[1], sys.argv[2], sys.argv[3:]
escaped = re.escape(old)
after = r"(?![0-9A-Za-z.+-]*[0-9A-Za-z])"  # not a longer version such as X.Y.Z1 or X.Y.Z-rc1
patterns = [
    re.compile(r"(aep-platform-)" + escaped + r"(\.tar\.gz)"),
    re.compile(r"(aep-platform-ee:)" + escaped + after),
    re.compile(r"(aep\.platform *(?::|==|:==|,) *['\"]?)" + escaped + after),
    re.compile(r"(COLLECTION_VERSION = ['\"])" + escaped + r"(['\"])"),
    re.compile(r"(?m)(^[ -]*name: *['\"]?aep\.platform['\"]? *\n *version: *['\"]?(?:[=>]=)?)" + escaped + after),
]
for path in paths:
    with open(path, encoding="utf-8") as stream:
        text = stream.read()
    changed = text
    if path == "galaxy.yml":
        changed = re.sub(r"(?m)^(version: *['\"]?)" + escaped + after, r"\g<1>" + new, changed)
    for pattern in patterns:
        changed = pattern.sub(lambda match: match.group(0).replace(old, new), changed)
    if changed != text:
        with open(path, "w", encoding="utf-8") as stream:
            stream.write(changed)
        print("  %s" % path)
EOF
}
echo "::: version $current -> $version in:"
bump_version "$current" "$version"
[ "$(yaml_value galaxy.yml version)" = "$version" ] || aep_die "galaxy.yml's version was not bumped."
grep -q -F "COLLECTION_VERSION = \"$version\"" plugins/module_utils/_version.py ||
  aep_die "plugins/module_utils/_version.py's COLLECTION_VERSION was not bumped."
# What still names the old version, for a human to judge (not every X.Y.Z is the collection's).
leftovers=$(git ls-files -co --exclude-standard | grep -v -E '^(changelogs/|CHANGELOG\.rst$|benchmarks/results/)' |
  while IFS= read -r path; do [ -f "$path" ] && grep -I -n -H -F "$current" "$path" | grep -v 'version_added'; done || true)
if [ -n "$leftovers" ]; then
  echo "Still naming $current (left as they are; check them):"
  printf '%s\n' "$leftovers" | sed 's/^/  /'
fi

echo "::: antsibull-changelog lint, and yamllint of what the release wrote"
antsibull-changelog lint
yamllint --strict changelogs/changelog.yaml changelogs/config.yaml galaxy.yml

echo "::: ansible-galaxy collection build and install"
mkdir -p "$work/build" "$work/collections"
ansible-galaxy collection build "$tree" --output-path "$work/build"
tarball=$work/build/aep-platform-$version.tar.gz
[ -f "$tarball" ] || aep_die "The build did not make $(basename "$tarball")."
ansible-galaxy collection install "$tarball" -p "$work/collections"
installed=$("$venv/bin/python" -c 'import json, sys; print(json.load(open(sys.argv[1]))["collection_info"]["version"])' \
  "$work/collections/ansible_collections/aep/platform/MANIFEST.json")
[ "$installed" = "$version" ] || aep_die "The installed collection says version $installed, not $version."
ANSIBLE_COLLECTIONS_PATH=$work/collections ansible-galaxy collection verify --offline aep.platform -p "$work/collections"

echo
echo "::: CHANGELOG.rst, release $version"
# This release's section: from its title to the next release's.
awk -v title="v$version" '$0 == title { show = 1; print; next } show && /^v[0-9]/ { exit } show' CHANGELOG.rst

echo
echo "::: files the release changes"
git -C "$tree" status --short
echo
if $dry_run; then
  echo "Dry run of release $version passed; the working tree was not touched."
else
  echo "Release $version prepared (the tree was clean before, so the files above are the release). To publish it:"
  echo "  git add -A && git commit -m 'Release $version'"

  echo "  git tag -a $version -m 'aep.platform $version'"
  echo "  git push origin HEAD $version"
  echo "  ansible-galaxy collection publish aep-platform-$version.tar.gz  # built again with scripts/build.sh"
fi
