#!/usr/bin/env bash
# Run the benchmark (benchmarks/README.md): creates the project's venv first, as scripts/test.sh does.
# Arguments go to benchmarks/run.py, e.g. benchmarks/run.sh --quick
set -euo pipefail
root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
"$root/scripts/bootstrap.sh"
venv=${AEP_VENV:-$root/.venv}
if [ -f "$root/scripts/_lib.sh" ]; then
  # shellcheck source=scripts/_lib.sh
  . "$root/scripts/_lib.sh"
  venv=$(aep_venv_dir)
fi
exec "$venv/bin/python" "$root/benchmarks/run.py" "$@"
