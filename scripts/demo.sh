#!/usr/bin/env bash
# The demo: the whole S3 ingestion pipeline with aep.platform against a local emulator of Adobe's APIs.
#
# Sets up .venv, builds and installs the collection, starts the emulator over HTTPS with a throwaway
# CA (it serves the bucket acme-aep-landing from tests/emulator/buckets), then runs two playbooks with
# credentials from a vault-encrypted file (demo password): create_s3_connection (the base connection)
# and ingest_s3_files (the files the connection sees, the dataset, the dataflow, and its first run's
# records). It runs the pipeline again to show changed=0, and stops the emulator. The emulator keeps its
# state in .demo/emulator-state.json between runs; delete that file to start over.
set -euo pipefail
root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
"$root/scripts/bootstrap.sh"
# shellcheck source=scripts/_lib.sh
. "$root/scripts/_lib.sh"
venv=$(aep_venv_dir)
work=$root/.demo
mkdir -p "$work"

export ANSIBLE_COLLECTIONS_PATH=$work/collections ANSIBLE_COLLECTIONS_SCAN_SYS_PATH=false
export ANSIBLE_LOCALHOST_WARNING=false ANSIBLE_INVENTORY_UNPARSED_WARNING=false ANSIBLE_RETRY_FILES_ENABLED=false

echo "==> Building and installing the collection"
rm -rf "$work/build"
"$venv/bin/ansible-galaxy" collection build "$root" --output-path "$work/build" >/dev/null
"$venv/bin/ansible-galaxy" collection install --force "$work"/build/aep-platform-*.tar.gz \
  -p "$work/collections" >/dev/null

echo "==> Starting the Flow Service emulator"
rm -f "$work/url"
PYTHONPATH="$root/tests/emulator" "$venv/bin/python" -m aep_emulator --tls --ca-out "$work/ca.pem" \
  --state-file "$work/emulator-state.json" --url-file "$work/url" >/dev/null &
emulator_pid=$!
trap 'kill "$emulator_pid" 2>/dev/null || true; wait "$emulator_pid" 2>/dev/null || true' EXIT
for _ in $(seq 100); do
  [ -s "$work/url" ] && break
  kill -0 "$emulator_pid" 2>/dev/null || { echo "The emulator did not start." >&2; exit 1; }
  sleep 0.1
done
[ -s "$work/url" ] || { echo "The emulator did not start within 10 s." >&2; exit 1; }
url=$(cat "$work/url")
echo "    listening on $url"

export AEP_PLATFORM_URL=$url AEP_IMS_URL=$url AEP_CA_PATH=$work/ca.pem
run_playbook() {
  "$venv/bin/ansible-playbook" "aep.platform.$1" \
    --vault-password-file "$root/demo/vault-password.txt" \
    -e "aep_credentials_file=$root/demo/aep_credentials.vault.yml" \
    -e s3_connection_name=demo-landing-bucket -e s3_bucket_name=acme-aep-landing -e poll_interval=1
}

echo "==> First run: the connection, then the files, the dataset, the dataflow and its first run"
{ run_playbook create_s3_connection && run_playbook ingest_s3_files; } | tee "$work/run1.log"
echo "==> Second run: nothing to change"
{ run_playbook create_s3_connection && run_playbook ingest_s3_files; } | tee "$work/run2.log"

[ "$(grep -c "changed=0 " "$work/run2.log")" -eq 2 ] || {
  echo "The second run changed something: not idempotent." >&2; exit 1; }
id=$(sed -n 's/.*S3 connection demo-landing-bucket has id \([0-9a-f-]*\).*/\1/p' "$work/run2.log" | head -1)
[ -n "$id" ] || { echo "No connection id in the playbook's output." >&2; exit 1; }
written=$(sed -n 's/.*run success, \([0-9][0-9]*\) records written.*/\1/p' "$work/run1.log" | head -1)
[ -n "$written" ] && [ "$written" -gt 0 ] || { echo "The first run wrote no records." >&2; exit 1; }
echo
echo "Demo done: S3 connection 'demo-landing-bucket' ($id) feeds dataset 'Loyalty Members' through dataflow"
echo "'loyalty-members'; its first run wrote $written records; the second run reported changed=0."
