"""Pieces of the controller-side host (plugins/plugin_utils/_action.py) that need no playbook.

The paths themselves (in-process, as a module, and the -vvv line saying which) are tested with real
ansible-playbook runs in tests/integration/test_execution_paths.py and test_interpreter_paths.py.
"""

from ansible.parsing.dataloader import DataLoader

from ansible_collections.aep.platform.plugins.module_utils._s3 import S3Connection
from ansible_collections.aep.platform.plugins.plugin_utils._action import AepModuleAction, plain

YAML = "{name: x, n: 3, f: 1.5, l: [a, 2, [b]], d: {k: v}, b: true, z: null, t: !!binary aGk=}"


def _types(value):
    if isinstance(value, dict):
        return {key: _types(item) for key, item in value.items()}
    if isinstance(value, list):
        return [_types(item) for item in value]
    return type(value)


def test_plain_gives_the_json_types_a_module_receives():
    loaded = DataLoader().load(YAML)  # as task arguments come: str subclasses, and tagged on ansible-core >= 2.19
    assert type(loaded["name"]) is not str  # pylint: disable=unidiomatic-typecheck

    result = plain(loaded)

    assert result == {"name": "x", "n": 3, "f": 1.5, "l": ["a", 2, ["b"]], "d": {"k": "v"}, "b": True, "z": None,
                      "t": loaded["t"]}
    assert _types({key: value for key, value in result.items() if key != "t"}) == {
        "name": str, "n": int, "f": float, "l": [str, int, [str]], "d": {"k": str}, "b": bool, "z": type(None)}
    assert {type(key) for key in result} == {str}
    assert result["t"] is loaded["t"]  # a type a module could not receive is left to the validator


def test_plain_copies_tuples_as_lists_and_never_changes_its_input():
    value = {"a": ("x", {"y": 1})}

    result = plain(value)

    assert result == {"a": ["x", {"y": 1}]}
    assert value == {"a": ("x", {"y": 1})}
    assert result["a"][1] is not value["a"][1]


def test_each_action_declares_its_runner_once_when_the_class_is_made():
    class Action(AepModuleAction):
        runner_class = S3Connection

    declaration = Action._declaration
    assert set(declaration.argument_spec) == set(S3Connection.module_argument_spec())
    assert ("org_id", ("AEP_ORG_ID",)) in declaration.env_fallbacks
    assert ("sandbox", ("AEP_SANDBOX_NAME",)) in declaration.env_fallbacks
    assert "name" not in dict(declaration.env_fallbacks)
    assert AepModuleAction._declaration is None

    valid = declaration.validator.validate({"name": "n", "org_id": "o", "access_token": "t", "client_id": "c"})
    assert not valid.error_messages and valid.validated_parameters["sandbox"] == "prod"
    assert "t" in valid._no_log_values
    invalid = declaration.validator.validate({"name": "n"})
    assert invalid.error_messages  # the validator keeps nothing from one call to the next


# Masking no_log values exactly as AnsibleModule does ------------------------------------------------------

from ansible.module_utils.common.parameters import remove_values  # noqa: E402
from hypothesis import given, settings, strategies as st  # noqa: E402

from ansible_collections.aep.platform.plugins.plugin_utils._action import mask_no_log_values  # noqa: E402

# Few letters, so that values often contain or equal a no_log value.
TEXT = st.text(alphabet="ab1-", max_size=6)
SCALARS = st.one_of(TEXT, st.integers(-20, 200), st.floats(allow_nan=False, allow_infinity=False, width=16),
                    st.booleans(), st.none())
JSON = st.recursive(SCALARS, lambda inner: st.one_of(st.lists(inner, max_size=4),
                                                     st.dictionaries(TEXT, inner, max_size=4),
                                                     st.tuples(inner, inner)), max_leaves=25)


@settings(max_examples=400, deadline=None)
@given(value=st.dictionaries(TEXT, JSON, max_size=6),
       no_log=st.sets(st.text(alphabet="ab1-", min_size=1, max_size=3), max_size=3))
def test_masking_gives_what_remove_values_gives(value, no_log):
    assert mask_no_log_values(value, no_log) == remove_values(value, no_log)


def test_masking_the_result_of_a_module():
    result = {"changed": False, "msg": "token t0ken-42 refused", "count": 990, "ratio": 99.5, "other": 9.9,
              "nested": [("t0ken-42",)],
              "invocation": {"module_args": {"access_token": "t0ken-42", "client_secret": "s3cr3t", "timeout": 30}}}
    no_log = {"t0ken-42", "s3cr3t", "99"}  # none inside another: the same result on every core

    masked = mask_no_log_values(result, no_log)

    assert masked == remove_values(result, no_log)
    assert masked["msg"] == "token ******** refused"
    assert masked["count"] == masked["ratio"] == "VALUE_SPECIFIED_IN_NO_LOG_PARAMETER"
    assert masked["other"] == 9.9
    assert masked["nested"] == [["VALUE_SPECIFIED_IN_NO_LOG_PARAMETER"]]
    assert masked["invocation"]["module_args"]["client_secret"] == "VALUE_SPECIFIED_IN_NO_LOG_PARAMETER"
    assert result["msg"] == "token t0ken-42 refused"  # the input is left as it was


def test_masking_leaves_other_types_to_remove_values():
    class Text(str):
        pass

    value = {"a": Text("x-secret-x"), "when": {1, 2}}

    masked = mask_no_log_values(value, {"secret"})

    assert masked == remove_values(value, {"secret"}) == {"a": "x-********-x", "when": {1, 2}}


def test_the_fast_masking_is_used_on_the_cores_whose_remove_values_it_matches():
    from ansible.release import __version__

    from ansible_collections.aep.platform.plugins.plugin_utils import _action

    major_minor = tuple(int(part) for part in __version__.split(".")[:2])
    if major_minor >= (2, 19):
        assert _action._SAME_AS_REMOVE_VALUES is True
    elif major_minor <= (2, 16):
        assert _action._SAME_AS_REMOVE_VALUES is False
