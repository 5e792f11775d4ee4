"""JSON Patch (RFC 6902) as Flow Service accepts it for base connections.

Only a handful of paths are writable.  Ops are applied to a copy, so a patch
that fails halfway leaves the stored connection untouched (all or nothing).
"""

from __future__ import annotations

import copy
from typing import Any, Callable, Dict, List

from .errors import flow_error

_MISSING = object()


def _bad(message: str):
    return flow_error("1434-400", message, title="Invalid patch request")


def _no_target(message: str):
    return flow_error("1455-400", message, title="Patch target not found")


def _parse_pointer(path: Any) -> List[str]:
    if not isinstance(path, str) or not path.startswith("/"):
        raise _bad("Patch path must be a JSON pointer starting with '/': %r." % (path,))
    # RFC 6901 unescaping: ~1 first, then ~0.
    return [tok.replace("~1", "/").replace("~0", "~") for tok in path[1:].split("/")]


def _check_value(tokens: List[str], value: Any) -> None:
    """Type checks for whole-field writes; auth semantics are validated after all ops."""
    what = "/" + "/".join(tokens)
    if tokens == ["name"] and not (isinstance(value, str) and value.strip()):
        raise _bad("%s must be a non-empty string." % what)
    if tokens in (["description"], ["auth", "specName"]) and not isinstance(value, str):
        raise _bad("%s must be a string." % what)
    if tokens == ["auth"] and not isinstance(value, dict):
        raise _bad("%s must be an object." % what)
    if tokens == ["auth", "params"] and not isinstance(value, dict):
        raise _bad("%s must be an object." % what)


def apply_patch(doc: Dict[str, Any], ops: Any) -> Dict[str, Any]:
    """Apply ``ops`` to a copy of ``doc`` (keys: name, description, auth); return the copy.

    Raises 1434-400 for malformed ops or unwritable paths, 1414-400 for any
    attempt to touch connectionSpec and 1455-400 when replace/remove targets a
    member that does not exist.
    """
    if not isinstance(ops, list):
        raise _bad("The patch body must be a JSON array of operations.")
    result = copy.deepcopy(doc)
    for index, op in enumerate(ops):
        if not isinstance(op, dict):
            raise _bad("Operation %d is not an object." % index)
        kind = op.get("op")
        if kind not in ("add", "replace", "remove"):
            raise _bad("Operation %d: unsupported op %r (add, replace, remove)." % (index, kind))
        tokens = _parse_pointer(op.get("path"))
        if tokens[0] == "connectionSpec":
            raise flow_error("1414-400", "The connection spec of a connection cannot be changed.",
                             title="Connection spec cannot be updated")
        value = op.get("value", _MISSING)
        if kind != "remove":
            if value is _MISSING:
                raise _bad("Operation %d: '%s' needs a value." % (index, kind))
            _check_value(tokens, value)
        _apply_one(result, kind, tokens, value, op["path"])
    return result


def _apply_one(doc: Dict[str, Any], kind: str, tokens: List[str], value: Any, path: str) -> None:
    if tokens in (["name"], ["description"]):
        if kind == "remove":
            if tokens == ["name"]:
                raise _bad("/name is required and cannot be removed.")
            doc["description"] = ""
        else:
            doc[tokens[0]] = value
        return
    if tokens in (["auth"], ["auth", "specName"], ["auth", "params"]):
        if kind == "remove":
            raise _bad("%s is required and cannot be removed." % path)
        if tokens == ["auth"]:
            doc["auth"] = copy.deepcopy(value)
        else:
            doc["auth"][tokens[1]] = copy.deepcopy(value)
        return
    if len(tokens) == 3 and tokens[:2] == ["auth", "params"] and tokens[2]:
        params = doc["auth"].setdefault("params", {})
        if not isinstance(params, dict):
            raise _bad("/auth/params is not an object.")
        key = tokens[2]
        if kind in ("replace", "remove") and key not in params:
            raise _no_target("%s: no such member to %s." % (path, kind))
        if kind == "remove":
            del params[key]
        else:
            params[key] = copy.deepcopy(value)
        return
    raise _bad("Path %s cannot be patched." % path)


def apply_pointer_ops(doc: Dict[str, Any], ops: Any, allowed: Callable[[List[str]], bool],
                      bad_path: Callable[[str], Exception]) -> Dict[str, Any]:
    """Generic RFC 6902 add/replace/remove (op names in any case) on a copy of ``doc``.

    ``allowed(tokens)`` says whether a path may be written; otherwise
    ``bad_path(path)`` is raised.  Missing members for replace/remove, or a
    missing parent, raise 1455-400; malformed ops 1434-400.  Used for source
    connections, target connections and flows.
    """
    if isinstance(ops, dict):
        ops = [ops]  # a single operation is accepted as well
    if not isinstance(ops, list):
        raise _bad("The patch body must be a JSON array of operations (or one operation).")
    result = copy.deepcopy(doc)
    for index, op in enumerate(ops):
        if not isinstance(op, dict):
            raise _bad("Operation %d is not an object." % index)
        kind = op.get("op")
        kind = kind.lower() if isinstance(kind, str) else kind
        if kind not in ("add", "replace", "remove"):
            raise _bad("Operation %d: unsupported op %r (add, replace, remove)." % (index, op.get("op")))
        tokens = _parse_pointer(op.get("path"))
        if not allowed(tokens):
            raise bad_path(op["path"])
        value = op.get("value", _MISSING)
        if kind != "remove" and value is _MISSING:
            raise _bad("Operation %d: '%s' needs a value." % (index, kind))
        parent: Any = result
        for token in tokens[:-1]:
            parent = _child(parent, token, op["path"])
        last = tokens[-1]
        if isinstance(parent, list):
            if kind == "add" and last == "-":
                parent.append(copy.deepcopy(value))
                continue
            if not last.isdigit() or int(last) > len(parent) or (kind != "add" and int(last) >= len(parent)):
                raise _no_target("%s: no such array element." % op["path"])
            position = int(last)
            if kind == "add":
                parent.insert(position, copy.deepcopy(value))
            elif kind == "replace":
                parent[position] = copy.deepcopy(value)
            else:
                del parent[position]
        elif isinstance(parent, dict):
            if kind in ("replace", "remove") and last not in parent:
                raise _no_target("%s: no such member to %s." % (op["path"], kind))
            if kind == "remove":
                del parent[last]
            else:
                parent[last] = copy.deepcopy(value)
        else:
            raise _no_target("%s: the parent is not an object or array." % op["path"])
    return result


def _child(container: Any, token: str, path: str) -> Any:
    if isinstance(container, dict) and token in container and isinstance(container[token], (dict, list)):
        return container[token]
    if isinstance(container, list) and token.isdigit() and int(token) < len(container):
        return container[int(token)]
    raise _no_target("%s: the parent does not exist." % path)
