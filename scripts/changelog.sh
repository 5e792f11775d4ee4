#!/usr/bin/env bash
# antsibull-changelog lint: the changelog configuration, changelog.yaml and every fragment in
# changelogs/fragments/ (every change carries one). Runs in .venv-lint.
set -euo pipefail
# shellcheck source=scripts/_lib.sh
. "$(dirname "${BASH_SOURCE[0]}")/_lib.sh"
export AEP_PROFILE=lint
aep_prepare
cd "$aep_root"
"$venv/bin/antsibull-changelog" --version
"$venv/bin/antsibull-changelog" lint -v "$@"
