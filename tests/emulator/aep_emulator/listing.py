"""Query handling for Flow Service lists (``/connections``, ``/sourceConnections``,
``/targetConnections``, ``/flows``, ``/runs``, ``/flowSpecs``): property
filters, ordering, paging.

Continuation tokens encode the sort key of the last item served rather than
an offset, so deleting or creating connections between two page requests
neither skips nor repeats items (the property a real keyset cursor has).
"""

from __future__ import annotations

import base64
import binascii
import json
import re
from bisect import bisect_left, bisect_right
from typing import Any, Callable, Dict, Iterable, List, Optional, Tuple

from .errors import flow_error

_FILTER_RE = re.compile(r"^([A-Za-z_][A-Za-z0-9_.\[\]]*)(==|!=|>=|<=|>|<)(.*)$", re.DOTALL)
_FIELD_RE = re.compile(r"^[A-Za-z_][A-Za-z0-9_.\[\]]*$")
_ORDER_FIELDS = ("createdAt", "updatedAt", "name")


def _bad_query(message: str):
    return flow_error("1400-400", message, title="Invalid query parameter")


def _lookup(item: Dict[str, Any], dotted: str) -> Any:
    if dotted.startswith("_"):
        return None  # the store's private bookkeeping is not part of an item
    value: Any = item
    for part in dotted.split("."):
        if not isinstance(value, dict) or part not in value:
            return None
        value = value[part]
    return value


def _candidates(item: Dict[str, Any], dotted: str) -> List[Any]:
    """The values a (possibly array-traversing) field path reaches.

    ``a.b`` is one value; ``ids[]`` fans out over a list, as in
    ``sourceConnectionIds[]==X`` or ``inheritedAttributes.targetConnections[].connectionSpec.id==Y``.
    """
    if "[]" not in dotted:
        value = _lookup(item, dotted)
        return [] if value is None else [value]
    if dotted.startswith("_"):
        return []
    values: List[Any] = [item]
    for part in dotted.split("."):
        fan = part.endswith("[]")
        key = part[:-2] if fan else part
        found = []
        for value in values:
            if isinstance(value, dict) and key in value and value[key] is not None:
                found.append(value[key])
        if fan:
            found = [v for value in found if isinstance(value, list) for v in value]
        values = found
    return [v for v in values if v is not None]


def _as_number(text: str) -> Optional[float]:
    try:
        return float(text)
    except ValueError:
        return None


def _compare(actual: Any, op: str, wanted: str) -> bool:
    if actual is None:
        return False
    a_num = _as_number(str(actual)) if not isinstance(actual, bool) else None
    w_num = _as_number(wanted)
    if a_num is not None and w_num is not None:
        left, right = a_num, w_num  # type: Any, Any
    else:
        left, right = str(actual), wanted
    return {">": left > right, "<": left < right, ">=": left >= right, "<=": left <= right}[op]


def _text(value: Any) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    return str(value)


def parse_filters(properties: Iterable[str], casefold: Iterable[str] = (),
                  strip_quotes: bool = False) -> Callable[[Dict[str, Any]], bool]:
    """Turn ``property`` query values into one predicate (the filters are ANDed).

    ``field==a,b`` matches either value.  The whole unsplit value is accepted
    as a candidate too, so a name that itself contains a comma can still be
    found; clients wanting an exact match must check names themselves anyway.
    A bare ``field`` means "the field is present".  ``field[]`` fans out over
    an array (any element may match).  Fields in ``casefold`` compare
    case-insensitively; ``strip_quotes`` drops double quotes around a value
    (``name=="CloudStorageToAEP"``).
    """
    folded = set(casefold)
    predicates = []
    for prop in properties:
        match = _FILTER_RE.match(prop)
        if match is None:
            if _FIELD_RE.match(prop):
                predicates.append(lambda item, f=prop: bool(_candidates(item, f)))
                continue
            raise _bad_query("Invalid property filter: %r." % prop)
        field, op, raw = match.groups()
        if strip_quotes and len(raw) >= 2 and raw[0] == raw[-1] == '"':
            raw = raw[1:-1]
        fold = field in folded
        if op in ("==", "!="):
            candidates = set(raw.split(",")) | {raw}
            if fold:
                candidates = {c.lower() for c in candidates}

            def equal(item, f=field, c=candidates, low=fold):
                return any((_text(v).lower() if low else _text(v)) in c for v in _candidates(item, f))
            if op == "==":
                predicates.append(equal)
            else:
                predicates.append(lambda item, e=equal: not e(item))
        else:
            predicates.append(lambda item, f=field, o=op, w=raw:
                              any(_compare(v, o, w) for v in _candidates(item, f)))
    return lambda item: all(p(item) for p in predicates)


def parse_orderby(orderby: Optional[str]) -> Tuple[Optional[str], bool]:
    """Returns (field or None for creation order, descending)."""
    if not orderby:
        return None, False
    descending = orderby.startswith("-")
    field = orderby[1:] if orderby[0] in "+-" else orderby
    if field not in _ORDER_FIELDS:
        raise _bad_query("orderby must be one of %s (optionally prefixed by '-')." % ", ".join(_ORDER_FIELDS))
    return field, descending


def sort_key(item: Dict[str, Any], field: Optional[str]) -> list:
    # The creation sequence number breaks ties, so every key is unique.
    return [item["_seq"]] if field is None else [item.get(field), item["_seq"]]


def encode_token(key: list, orderby: Optional[str]) -> str:
    raw = json.dumps({"o": orderby or "", "k": key}, separators=(",", ":")).encode()
    return base64.urlsafe_b64encode(raw).decode().rstrip("=")


def decode_token(token: str, orderby: Optional[str]) -> list:
    try:
        padded = token + "=" * (-len(token) % 4)
        data = json.loads(base64.urlsafe_b64decode(padded.encode()))
        key, token_order = data["k"], data["o"]
        if not isinstance(key, list):
            raise ValueError
    except (ValueError, KeyError, TypeError, binascii.Error):
        raise _bad_query("Invalid continuationToken.") from None
    if token_order != (orderby or ""):
        raise _bad_query("continuationToken does not belong to this orderby.")
    return key


def page(items: List[Dict[str, Any]], predicate: Callable[[Dict[str, Any]], bool],
         field: Optional[str], descending: bool, after: Optional[list],
         limit: int) -> Tuple[List[Dict[str, Any]], bool]:
    """One page of ``items`` (given in creation order) after the key ``after``.

    Returns (page items, whether more matching items follow).  Only scans as
    far as needed, which keeps paging through 10,000 connections cheap.
    """
    if field is not None:
        items = sorted(items, key=lambda i: sort_key(i, field), reverse=descending)
    start = 0
    if after is not None:
        if field is None:
            # Creation order: compare bare sequence numbers, much cheaper than lists.
            keys, after = [i["_seq"] for i in items], after[0] if after else None  # type: Any, Any
        else:
            keys = [sort_key(i, field) for i in items]
        try:
            if descending:
                # keys run high to low; those strictly below `after` form the tail.
                start = len(keys) - bisect_left(keys[::-1], after)
            else:
                start = bisect_right(keys, after)
        except TypeError:
            raise _bad_query("Invalid continuationToken.") from None
    selected = []
    for item in items[start:]:
        if predicate(item):
            if len(selected) == limit:
                return selected, True
            selected.append(item)
    return selected, False


def list_page(records: List[Dict[str, Any]], properties: Iterable[str], orderby: Optional[str],
              token: Optional[str], limit: int, casefold: Iterable[str] = (),
              strip_quotes: bool = False) -> Tuple[List[Dict[str, Any]], Optional[str]]:
    """One page of ``records`` (creation order, each with ``_seq``): (records, next token or None)."""
    predicate = parse_filters(properties, casefold, strip_quotes)
    field, descending = parse_orderby(orderby)
    after = decode_token(token, orderby) if token else None
    selected, more = page(records, predicate, field, descending, after, limit)
    next_token = encode_token(sort_key(selected[-1], field), orderby) if more and selected else None
    return selected, next_token
