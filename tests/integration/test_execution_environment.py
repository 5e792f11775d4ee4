"""Execution environments: what ansible-builder finds in the installed collection, and the EE definition.

Building the image needs a container engine, which CI does not have. Everything before it is checked:
``ansible-builder introspect`` on the installed collection (what the builder stage of an image build
runs), and ``ansible-builder create`` for ee/execution-environment.yml followed by the galaxy stage's
collection install, done here on the host, then introspected in turn.
"""

import os
import shutil
import subprocess
import sys
from pathlib import Path

import yaml

ROOT = Path(__file__).resolve().parents[2]
BIN = Path(sys.executable).parent
REQUESTS_FROM_US = "requests>=2.25  # from collection aep.platform"


def run(cmd, **kwargs):
    env = {key: value for key, value in os.environ.items() if not key.startswith("ANSIBLE_")}
    env["PATH"] = str(BIN) + os.pathsep + env.get("PATH", "")
    completed = subprocess.run([str(part) for part in cmd], capture_output=True, text=True, env=env, timeout=300,
                               check=False, **kwargs)
    assert completed.returncode == 0, "%s failed:\n%s\n%s" % (cmd, completed.stdout, completed.stderr)
    return completed


def introspect(collections_path):
    """The python and system requirements ansible-builder collects from the collections under a path."""
    completed = run([BIN / "ansible-builder", "introspect", "--sanitize", collections_path])
    return yaml.safe_load(completed.stdout)


def test_introspect_lists_requests_from_the_installed_collection(collections_path):
    installed = collections_path / "ansible_collections" / "aep" / "platform"
    meta = yaml.safe_load((installed / "meta" / "execution-environment.yml").read_text())

    assert meta == {"version": 1, "dependencies": {"python": "requirements.txt"}}
    assert (installed / "requirements.txt").read_text().splitlines()[-1] == "requests>=2.25"
    assert introspect(collections_path) == {"python": [REQUESTS_FROM_US], "system": []}


def test_introspect_follows_the_collections_requirements_file(collections_path, tmp_path):
    """The check above can fail: the same collection with other requirements lists those instead."""
    copy = tmp_path / "ansible_collections" / "aep" / "platform"
    shutil.copytree(collections_path / "ansible_collections" / "aep" / "platform", copy)
    (copy / "requirements.txt").write_text("other-library>=1.0\n")

    assert introspect(tmp_path) == {"python": ["other-library>=1.0  # from collection aep.platform"], "system": []}


def test_ee_definition_makes_a_context_that_installs_this_collection(tmp_path):
    ee = tmp_path / "ee"
    shutil.copytree(ROOT / "ee", ee, ignore=shutil.ignore_patterns("context", "*.tar.gz"))
    run([BIN / "ansible-galaxy", "collection", "build", ROOT, "--output-path", ee])
    context = tmp_path / "context"

    run([BIN / "ansible-builder", "create", "-f", ee / "execution-environment.yml", "--context", context,
         "--output-filename", "Containerfile"])

    containerfile = (context / "Containerfile").read_text()
    assert "ansible-galaxy collection install $ANSIBLE_GALAXY_CLI_COLLECTION_OPTS -r requirements.yml" \
           in containerfile
    assert 'ARG ANSIBLE_INSTALL_REFS="ansible-core>=2.19,<2.20 ansible-runner==2.4.3"' in containerfile
    # The galaxy stage, as the image build runs it: from the context's _build folder.
    installed = tmp_path / "image-collections"
    run([BIN / "ansible-galaxy", "collection", "install", "-r", "requirements.yml", "--collections-path",
         installed], cwd=str(context / "_build"))
    galaxy = yaml.safe_load((ROOT / "galaxy.yml").read_text())
    manifest = (installed / "ansible_collections" / "aep" / "platform" / "MANIFEST.json").read_text()
    assert '"version": "%s"' % galaxy["version"] in manifest
    assert introspect(installed) == {"python": [REQUESTS_FROM_US], "system": []}
