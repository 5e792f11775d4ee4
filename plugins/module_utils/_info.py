# -*- coding: utf-8 -*-
# Copyright: (c) 2026, aep.platform contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)

"""Read-only listing of base connections, for the ``*_info`` modules.

PRIVATE to the aep.platform collection: this API may change at any time.

``ConnectionInfo`` lists the connections of one connection spec, or those with
one name, or one id, and describes each without its secrets. It knows no
particular source: a module subclasses it and names, in ``resource_class``, a
``BaseConnection`` subclass that declares the spec id, the auth types and the
secret parameters. The look-up follows the resource's own rules (its server
filters, an exact name match on the client, every page).

It is a ``Runner``: a module and a controller-side action plugin run it alike.
It only ever sends GETs.
"""

from __future__ import annotations

from datetime import datetime, timezone

from ansible_collections.aep.platform.plugins.module_utils._errors import AepApiError, AepValidationError
from ansible_collections.aep.platform.plugins.module_utils._runner import Runner

# Epoch-millisecond fields of a Flow Service item, and the ISO 8601 field added beside each.
TIME_FIELDS = (("createdAt", "created_at"), ("updatedAt", "updated_at"))

# A connection test refused with a 4xx is that connection's result; these 4xx
# concern the whole run instead (token, API key, permissions) and fail the task.
RUN_WIDE_STATUSES = frozenset((401, 403))


def iso8601(epoch_ms):
    """``1700000000123`` -> ``'2023-11-14T22:13:20.123Z'``; None for anything that is not a time."""
    if isinstance(epoch_ms, bool) or not isinstance(epoch_ms, (int, float)):
        return None
    try:
        moment = datetime.fromtimestamp(epoch_ms / 1000.0, tz=timezone.utc)
    except (OverflowError, OSError, ValueError):
        return None
    return moment.isoformat(timespec="milliseconds").replace("+00:00", "Z")


class ConnectionInfo(Runner):
    """List base connections of ``resource_class``'s connection spec; never change anything."""

    resource_class = None
    result_key = "connections"
    argument_spec = dict(
        name=dict(type="str"),
        id=dict(type="str"),
        test_connection=dict(type="bool", default=False),
    )

    def __init__(self, client, params, check_mode=False, diff=False):
        # Check mode and diff change nothing here: every request is a GET.
        super().__init__(client, params, check_mode=check_mode, diff=diff)
        self.resource = self.resource_class(client, params)

    @classmethod
    def validate_params(cls, params):
        if params.get("name") is not None and params.get("id") is not None:
            raise AepValidationError("name and id are mutually exclusive: give one of them, or neither to list "
                                     "every %s." % cls.resource_class.kind)
        if params.get("name") == "":
            raise AepValidationError("name must not be empty; omit it to list every %s." % cls.resource_class.kind)
        cls.resource_class.check_id(params.get("id"))

    def run(self):
        if self.params.get("id") is not None:
            items = self.by_id(self.params["id"])
        else:
            items = self.by_name(self.params.get("name"))
        connections = [self.describe(item) for item in items]
        if self.params.get("test_connection"):
            for connection in connections:
                connection["test_result"], connection["test_error"] = self.test(connection["id"])
        return {"changed": False, self.result_key: connections}

    def by_id(self, ident):
        """The connection with this id, as a list of one; empty when there is none of this kind."""
        item = self.resource.fetch_by_id(ident)
        return [item] if item is not None and self.resource.belongs(item) else []

    def by_name(self, name=None):
        """Every connection of this kind, or those named exactly ``name``, across all pages."""
        return self.resource.find_all(name)

    def describe(self, item):
        """The item without secrets, with its auth type's option name and ISO 8601 times."""
        described = self.resource.public(item)
        described["auth_type"] = self.resource.auth_type_name_of(item)
        for epoch_field, iso_field in TIME_FIELDS:
            described[iso_field] = iso8601(item.get(epoch_field))
        return described

    def test(self, ident):
        """``(result, error)`` of Platform's connection test; a refused test is ``(False, error)``."""
        try:
            data = self.client.get("%s/%s/test" % (self.resource.path, ident))
        except AepApiError as exc:
            if not 400 <= exc.status < 500 or exc.status in RUN_WIDE_STATUSES:
                raise
            error = dict(exc.details["error"], status=exc.status)
            return False, error
        return bool(isinstance(data, dict) and data.get("result") is True), None
