#!/usr/bin/env bash
# pre-commit over every file of the working tree: the hooks of .pre-commit-config.yaml (ruff, yamllint,
# antsibull-changelog lint, ansible-lint). pre-commit comes from the pinned profile
# tests/requirements/precommit.txt, in .venv-precommit; the hooks' own environments go to pre-commit's
# cache (PRE_COMMIT_HOME, by default ~/.cache/pre-commit). Arguments are hook ids to run (ruff, yamllint,
# antsibull-changelog-lint, ansible-lint); without any, every hook runs. Always on every file.
# To run the hooks on each commit: .venv-precommit/bin/pre-commit install
set -euo pipefail
# shellcheck source=scripts/_lib.sh
. "$(dirname "${BASH_SOURCE[0]}")/_lib.sh"
export AEP_PROFILE=precommit
aep_prepare
cd "$aep_root"
"$venv/bin/pre-commit" --version
if [ "$#" -eq 0 ]; then
  "$venv/bin/pre-commit" run --all-files --color never
  exit 0
fi
status=0
for hook in "$@"; do
  "$venv/bin/pre-commit" run --all-files --color never "$hook" || status=1
done
exit "$status"
