"""The collection's metadata agrees with its content."""

import ast
from pathlib import Path

import yaml

ROOT = Path(__file__).resolve().parents[2]


def _modules():
    return sorted(path.stem for path in (ROOT / "plugins" / "modules").glob("*.py") if path.stem != "__init__")


def test_action_group_lists_exactly_the_modules():
    runtime = yaml.safe_load((ROOT / "meta" / "runtime.yml").read_text())
    assert sorted(runtime["action_groups"]["aep"]) == _modules()


def test_requires_ansible_is_declared():
    runtime = yaml.safe_load((ROOT / "meta" / "runtime.yml").read_text())
    assert runtime["requires_ansible"].startswith(">=2.16")


def test_version_in_code_matches_galaxy_yml():
    from ansible_collections.aep.platform.plugins.module_utils._version import COLLECTION_VERSION

    galaxy = yaml.safe_load((ROOT / "galaxy.yml").read_text())
    assert (galaxy["namespace"], galaxy["name"]) == ("aep", "platform")
    assert COLLECTION_VERSION == galaxy["version"]


def test_every_module_documents_its_options_and_uses_the_shared_fragment():
    for name in _modules():
        source = (ROOT / "plugins" / "modules" / (name + ".py")).read_text()
        tree = ast.parse(source)
        docs = {node.targets[0].id: node.value.value for node in tree.body
                if isinstance(node, ast.Assign) and isinstance(node.targets[0], ast.Name)
                and node.targets[0].id in ("DOCUMENTATION", "EXAMPLES", "RETURN")}
        assert set(docs) == {"DOCUMENTATION", "EXAMPLES", "RETURN"}, name
        documentation = yaml.safe_load(docs["DOCUMENTATION"])
        assert documentation["module"] == name
        assert "aep.platform.aep" in documentation["extends_documentation_fragment"]
        yaml.safe_load(docs["EXAMPLES"])
        yaml.safe_load(docs["RETURN"])


def test_every_module_has_its_controller_side_action_plugin():
    actions = sorted(path.stem for path in (ROOT / "plugins" / "action").glob("*.py"))
    assert actions == _modules()
