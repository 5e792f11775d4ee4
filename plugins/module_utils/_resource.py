# -*- coding: utf-8 -*-
# Copyright: (c) 2026, aep.platform contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)

"""Generic resource logic: look up, then create, update or delete.

PRIVATE to the aep.platform collection: this API may change at any time.

``Resource`` is the state machine every object with an id and a name shares:
find by id or exact name, create (never doubled), compare and update, delete,
check mode and diff; it calls hooks for everything an API decides.
``FlowServiceResource`` fills those hooks with Flow Service's conventions
(``{items: [...]}`` replies, ``property`` filters, JSON Patch with
``If-Match``) but knows no particular object. ``BaseConnection`` adds what
every base connection has (a connection spec and an auth block with
write-only secrets) without knowing any particular source; a module declares
the rest.

The logic takes validated parameters and returns a result dict, or raises
``AepError``; it does not care which host (module or action plugin) runs it.
"""

from __future__ import annotations

import contextlib
import copy
import re

from ansible_collections.aep.platform.plugins.module_utils._errors import AepApiError, AepError, AepValidationError
from ansible_collections.aep.platform.plugins.module_utils._locks import create_lock
from ansible_collections.aep.platform.plugins.module_utils._runner import Runner, check_format

UUID_RE = re.compile(r"[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}")


def with_article(noun):
    """``"a dataset"``, ``"an S3 connection"``: an acronym is read letter by letter."""
    first_word = noun.split(" ", 1)[0]
    vowel_sounds = "AEFHILMNORSX" if first_word.isupper() else "AEIOU"
    return ("an " if first_word[:1].upper() in vowel_sounds else "a ") + noun


def as_dict(value):
    """``value`` if the API sent an object there, else an empty one: a reply's shape is not trusted."""
    return value if isinstance(value, dict) else {}


def _unescape_pointer_token(token):
    return token.replace("~1", "/").replace("~0", "~")


def apply_json_patch(document, operations):
    """Apply RFC 6902 add/replace/remove on object members to a copy of ``document``.

    Used to predict what a PATCH will produce (check mode, diff), so only the
    operations this collection sends are supported.
    """
    result = copy.deepcopy(document)
    for operation in operations:
        tokens = [_unescape_pointer_token(t) for t in operation["path"].split("/")[1:]]
        parent = result
        for token in tokens[:-1]:
            parent = parent.setdefault(token, {})
        if operation["op"] == "remove":
            parent.pop(tokens[-1], None)
        else:
            parent[tokens[-1]] = copy.deepcopy(operation["value"])
    return result


class Resource(Runner):
    """Ensure one object is present or absent: the logic every API shares.

    Subclasses set ``path``, ``kind`` (for messages), ``result_key`` and
    ``fact_name``, and fill the hooks: ``fetch_by_id``, ``find_all``,
    ``create_body``, ``send_create``, ``changes``, ``predict``,
    ``send_update``, ``send_delete``, and ``view`` and ``public``.
    """

    path = None
    kind = "object"
    result_key = None
    fact_name = None
    # What an id of this kind looks like, for the check before any request.
    id_pattern = None
    id_example = None

    # Hooks ------------------------------------------------------------------

    @classmethod
    def validate_params(cls, params):
        """Checks that need no request; raise AepValidationError."""
        super().validate_params(params)
        cls.check_id(params.get("id"))

    @classmethod
    def check_id(cls, ident):
        if cls.id_pattern is not None:
            check_format("id", ident, cls.id_pattern, cls.id_example)

    def fetch_by_id(self, ident):
        """The item with this id, of whatever kind, or None when there is none."""
        raise NotImplementedError

    def belongs(self, item):
        """Whether an item found on the server is of this resource's kind."""
        return True

    def find_all(self, name=None):
        """Every item of this kind, or those named exactly ``name``, across all pages."""
        raise NotImplementedError

    def create_body(self):
        raise NotImplementedError

    def send_create(self, body):
        """Create the object (never twice); return what is known of it, with its ``id``."""
        raise NotImplementedError

    def changes(self, current):
        """What must change to turn ``current`` into what the user asked for; empty when nothing."""
        raise NotImplementedError

    def predict(self, current, changes):
        """``current`` as it will be once ``changes`` are applied (check mode, diff)."""
        raise NotImplementedError

    def send_update(self, current, changes):
        """Apply ``changes``; return the object as it is afterwards."""
        raise NotImplementedError

    def send_delete(self, current):
        """Delete the object; an object that is already gone is not an error."""
        raise NotImplementedError

    def view(self, item):
        """What diff mode shows of an item (before and after): never a secret."""
        raise NotImplementedError

    def public(self, item):
        """The item as the module returns it: never a secret."""
        return copy.deepcopy(item)

    def annotate_diff(self, diff, changes):
        """Mark in an update's diff what ``view`` cannot show, such as replaced secrets."""

    def before_delete(self, current):
        """Read what the delete's diff shows besides ``current`` itself (nothing by default)."""

    # Look-up ----------------------------------------------------------------

    def _label(self, item=None):
        item = item or {}
        name = item.get("name") or self.params.get("name")
        ident = item.get("id") or self.params.get("id")
        if name and ident:
            return "%s '%s' (%s)" % (self.kind, name, ident)
        return "%s '%s'" % (self.kind, name or ident)

    def get_by_id(self, ident):
        item = self.fetch_by_id(ident)
        if item is not None and not self.belongs(item):
            raise AepError("%s exists but is not %s; refusing to manage it with this module."
                           % (ident, with_article(self.kind)))
        return item

    def find_by_name(self, name, settle=False):
        """The one item named ``name``, or None; several fail, naming their ids.

        With ``settle``, several items created close together may be tasks that raced to create the
        name and are still settling which one to keep (``_settle_race``): they are looked up again.
        """
        matches = self._settled(name) if settle else self.find_all(name)
        if len(matches) > 1:
            raise AepError(
                "%d %ss are named '%s' in sandbox '%s': %s. Names are not unique in Adobe Experience Platform; "
                "pass id to choose one." % (len(matches), self.kind, name, self.params.get("sandbox"),
                                            ", ".join(str(item.get("id", "?")) for item in matches)),
                ids=[item.get("id") for item in matches])
        return matches[0] if matches else None

    def find(self):
        if self.params.get("id"):
            return self.get_by_id(self.params["id"])
        return self.find_by_name(self.params["name"])

    # State ------------------------------------------------------------------

    def run(self):
        if self.params.get("state") == "absent":
            return self.absent()
        return self.present()

    def present(self):
        # Held around look-up and create only: a task that waited for it finds what the other one made.
        with self._create_lock():
            current = self.find() if self.params.get("id") else self.find_by_name(self.params["name"], settle=True)
            if current is None:
                if self.params.get("id"):
                    raise AepError(
                        "No %s with id %s exists in sandbox '%s'. An id only addresses an existing %s; "
                        "to create one, give name without id." % (self.kind, self.params["id"],
                                                                  self.params.get("sandbox"), self.kind))
                return self.create()
        return self.update(current)

    def create(self):
        body = self.create_body()
        diff = {"before": {}, "after": self.view(body)}
        if self.check_mode:
            predicted = self.public(body)
            predicted.update(id=None, etag=None)
            return self._result(True, predicted, diff)
        own = self.send_create(body)
        survivor = self._settle_race(own)
        if survivor is not None:
            return self.update(survivor)
        created = self.public(body)
        created.update(self.public(own))
        return self._result(True, created, diff)

    # Concurrent creates ---------------------------------------------------------
    #
    # Names are not unique in Platform, so two tasks that ensure one name at the same time can both find
    # nothing and both create it. On one controller, ``_create_lock`` makes them take turns around look-up
    # and create. Across controllers, ``_settle_race`` looks the name up once after each create: every
    # racer sees the same objects and keeps the same one, and the others delete what they created.

    def lock_key(self):
        """What identifies the object a create makes: API, org, sandbox, kind and name."""
        client = self.client
        return (getattr(client, "base_url", None), getattr(client, "org_id", None),
                getattr(client, "sandbox", self.params.get("sandbox")), self.kind, self.params.get("name"))

    def lock_wait(self):
        """Seconds to wait for another task's look-up and create: as long as four requests may take."""
        return max(60.0, 4.0 * float(self.params.get("timeout") or 30))

    def created_at(self, item):
        """When the service created ``item``, in milliseconds since the epoch; None when unknown.

        Flow Service's ``createdAt``; an API that names it otherwise (Catalog: ``created``) overrides this.
        """
        value = item.get("createdAt")
        return value if isinstance(value, (int, float)) and not isinstance(value, bool) else None

    def _create_lock(self):
        if self.check_mode or self.params.get("id"):
            return contextlib.nullcontext()  # nothing is created
        return create_lock(self.lock_key(), self.lock_wait(),
                           "%s named '%s'" % (with_article(self.kind), self.params.get("name")))

    def _race_order(self, item):
        """The order every racer agrees on: earliest creation first, then lowest id."""
        created = self.created_at(item)
        return (created is None, created if created is not None else 0, str(item.get("id")))

    def _settled(self, name):
        """The items named ``name``; while several were created within ``lock_wait`` of each other, again.

        Tasks that raced to create the name each delete their own object but one within two requests
        of their create, so a look-up in between sees several: it is repeated with the transport's
        backoff, as often as a request would be retried. Items created further apart are duplicates
        that a race did not make, and are reported at once.
        """
        matches = self.find_all(name)
        for attempt in range(self.client.transport.retries):
            times = [self.created_at(item) for item in matches]
            if len(matches) < 2 or None in times or max(times) - min(times) > self.lock_wait() * 1000:
                break
            self.client.transport.policy.pause(attempt)
            matches = self.find_all(name)
        return matches

    def _settle_race(self, own):
        """After a create: the object every racer keeps, when it is not ``own``; else None.

        One look-up by name. The look-up before the create found no object of this name, so any other
        one now was created (or renamed to it) since: a race, not a duplicate that existed before. All
        racers see the same objects and keep the earliest created (then the lowest id); a task whose own
        object is not that one deletes it. When the look-up does not show the task's own object yet (a
        listing that lags behind writes), nothing can be decided and nothing is deleted.
        """
        ident = own.get("id")
        name = self.params.get("name")
        try:
            matches = [item for item in self.find_all(name) if item.get("id")]
        except AepError as exc:
            raise AepError("%s was created, but the look-up that checks whether another task created the same "
                           "name at the same time failed: %s Run the task again: it finds the %s."
                           % (self._label(own), exc.msg, self.kind), **dict(exc.details, id=ident)) from None
        if len(matches) < 2 or not any(item["id"] == ident for item in matches):
            return None
        survivor = min(matches, key=self._race_order)
        if survivor["id"] == ident:
            return None
        mine = next(item for item in matches if item["id"] == ident)
        try:
            self.send_delete(mine)
        except AepError as exc:
            raise AepError("Another task created %s at the same time as this one; %s is kept, but deleting the "
                           "duplicate this task created failed: %s Delete %s, or run the task again."
                           % (self._label(survivor), survivor["id"], exc.msg, ident),
                           **dict(exc.details, ids=[survivor["id"], ident])) from None
        return survivor

    def update(self, current):
        changes = self.changes(current)
        if not changes:
            return self._result(False, self.public(current))
        diff = {"before": self.view(current), "after": self.view(self.predict(current, changes))}
        self.annotate_diff(diff, changes)
        if self.check_mode:
            return self._result(True, self.public(self.predict(current, changes)), diff)
        updated = self.send_update(current, changes)
        return self._result(True, self.public(updated), diff)

    def absent(self):
        current = self.find()
        if current is None:
            return self._result(False, None)
        self.before_delete(current)
        diff = {"before": self.view(current), "after": {}}
        if not self.check_mode:
            self.send_delete(current)
        return self._result(True, self.public(current), diff, gone=True)

    # Result -----------------------------------------------------------------

    def facts(self, item, gone):
        """``ansible_facts[fact_name]``: enough to address the object in later tasks."""
        return {
            "id": None if gone else item.get("id"),
            "etag": None if gone else item.get("etag"),
            "name": item.get("name", self.params.get("name")),
        }

    def _result(self, changed, item, diff=None, gone=False):
        item = item or {}
        result = {
            "changed": changed,
            "id": item.get("id"),
            "etag": None if gone else item.get("etag"),
            self.result_key: item,
            "ansible_facts": {self.fact_name: self.facts(item, gone)},
        }
        if self.want_diff:
            result["diff"] = diff or {"before": self.view(item) if item else {}, "after": self.view(item) if item else {}}
        return result


class FlowServiceResource(Resource):
    """A Flow Service object: ``{items: [...]}`` replies, ``property`` filters, JSON Patch with ``If-Match``.

    Subclasses implement ``create_body``, ``patch_operations``, ``view`` and,
    when needed, ``list_filters``, ``belongs`` and ``public``.
    """

    id_pattern = UUID_RE
    id_example = "a UUID such as 9e1c8b9a-2f1d-4c2a-9f5e-0c1d2e3f4a5b"

    def list_filters(self):
        """``property`` filters, besides the name, that narrow a look-up on the server."""
        return []

    def patch_operations(self, current):
        """JSON Patch operations that turn ``current`` into what the user asked for."""
        raise NotImplementedError

    def changes(self, current):
        return self.patch_operations(current)

    def predict(self, current, changes):
        return apply_json_patch(current, changes)

    def fetch_by_id(self, ident):
        return self.read_item(self.path, ident)

    def read_item(self, path, ident):
        """The Flow Service object at ``path/ident`` (a list of one in ``items``), or None when there is none."""
        try:
            data = self.client.get("%s/%s" % (path, ident))
        except AepApiError as exc:
            if exc.status == 404:
                return None
            raise
        items = data.get("items") if isinstance(data, dict) else None
        if not items or not isinstance(items, list):
            return None
        item = items[0]
        if not isinstance(item, dict):
            raise AepError("GET %s/%s: the reply's item is not an object." % (path, ident))
        return item

    def find_all(self, name=None):
        filters = list(self.list_filters())
        # The server reads a comma in a filter value as "any of", so a name with
        # a comma cannot be filtered on the server; the name is always compared
        # exactly here.
        if name is not None and "," not in name:
            filters.append("name==%s" % name)
        return [item for item in self.client.paginate(self.path, params={"property": filters})
                if self.belongs(item) and (name is None or item.get("name") == name)]

    def send_create(self, body):
        reply = self.client.create(self.path, body, recover=lambda: self.find_by_name(body["name"]), kind=self.kind)
        if not isinstance(reply, dict) or not reply.get("id"):
            raise AepError("POST %s succeeded but the reply has no id; the %s may exist now: run the task again "
                           "to find it by name." % (self.path, self.kind))
        # A reply recovered after a dropped connection is the whole item; a 201 carries only id and etag.
        return reply

    def _etag_of(self, current):
        """The item's etag, read again once when the item came without one: never an empty If-Match."""
        if current.get("etag"):
            return current, current["etag"]
        again = self.get_by_id(current["id"])
        if again is not None and again.get("etag"):
            return again, again["etag"]
        raise AepError("%s has no etag, so it cannot be changed safely (Flow Service needs If-Match); it was not "
                       "changed. Run the task again; if this persists, the service is not answering as documented."
                       % self._label(current))

    def send_update(self, current, changes):
        ident = current["id"]
        operations = changes
        reread, etag = self._etag_of(current)
        if reread is not current:
            current = reread
            operations = self.patch_operations(current)
        for attempt in (1, 2):
            if not operations:
                break
            try:
                self.client.request("PATCH", "%s/%s" % (self.path, ident), body=operations,
                                    headers={"If-Match": etag})
                break
            except AepApiError as exc:
                if exc.status == 412 and attempt == 1:
                    # Someone changed it since we read it: read again and re-decide,
                    # instead of overwriting their change blindly.
                    current = self.get_by_id(ident)
                    if current is None:
                        raise AepError("%s was deleted by someone else while it was being updated."
                                       % self._label({"id": ident})) from None
                    current, etag = self._etag_of(current)
                    operations = self.patch_operations(current)
                    continue
                raise self._update_failed(exc, ident) from None
            except AepError as exc:
                raise self._update_failed(exc, ident) from None
        updated = self.get_by_id(ident)
        if updated is None:
            raise AepError("%s was deleted by someone else right after it was updated." % self._label(current))
        return updated

    def _update_failed(self, exc, ident):
        if exc.details.get("status") == 412:
            outcome = ("It was changed by someone else twice while this task ran, so it was left as they made "
                       "it; run the task again.")
        elif isinstance(exc, AepApiError) and exc.status < 500:
            outcome = "The %s was not changed." % self.kind
        else:
            outcome = "The change may or may not have been applied; run the task again to converge."
        return AepError("Updating %s failed: %s %s" % (self._label({"id": ident}), exc.msg, outcome),
                        retryable=exc.retryable, **exc.details)

    def send_delete(self, current):
        try:
            self.client.request("DELETE", "%s/%s" % (self.path, current["id"]))
        except AepApiError as exc:
            # 404: already gone, e.g. a retried DELETE whose first attempt was applied.
            if exc.status != 404:
                raise self._delete_failed(exc, current) from None

    def _delete_failed(self, exc, current):
        return AepError("Deleting %s failed: %s" % (self._label(current), exc.msg), **exc.details)


class AuthType:
    """One way to authenticate a base connection (one ``auth.specName``).

    ``params`` maps module options to the API's ``auth.params`` keys;
    ``secrets`` names the options that are write-only secrets; ``required``
    the options needed whenever credentials are sent (on create, or when
    replacing them).
    """

    def __init__(self, spec_name, params, secrets=(), required=()):
        self.spec_name = spec_name
        self.params = dict(params)
        self.secrets = frozenset(secrets)
        self.required = tuple(required)

    def auth_params(self, params):
        return {key: params[option] for option, key in self.params.items() if params.get(option) is not None}


class BaseConnection(FlowServiceResource):
    """A Flow Service base connection (``/connections``) of one connection spec.

    Subclasses declare ``connection_spec_id``, ``connection_spec_version``,
    ``auth_types`` (option value -> AuthType) and ``default_auth_type``.
    Credentials cannot be read back, so they are never compared: they are sent
    on create, and replaced only with ``update_credentials: always``.
    """

    path = "/connections"
    result_key = "connection"
    connection_spec_id = None
    connection_spec_version = "1.0"
    auth_types = {}
    default_auth_type = None

    @classmethod
    def auth_options(cls):
        return sorted({option for auth in cls.auth_types.values() for option in auth.params})

    @classmethod
    def secret_keys(cls):
        return {auth.params[option] for auth in cls.auth_types.values() for option in auth.secrets}

    @classmethod
    def validate_params(cls, params):
        super().validate_params(params)
        if params.get("state") == "absent":
            return
        name = params.get("auth_type") or cls.default_auth_type
        auth_type = cls.auth_types[name]
        unused = [option for option in cls.auth_options()
                  if params.get(option) is not None and option not in auth_type.params]
        if unused:
            raise AepValidationError("auth_type %s does not take %s." % (name, ", ".join(unused)))
        if params.get("update_credentials") == "always":
            cls._require_credentials(params, name, "update_credentials is always")

    @classmethod
    def _require_credentials(cls, params, auth_type_name, reason):
        auth_type = cls.auth_types[auth_type_name]
        missing = [option for option in auth_type.required if params.get(option) is None]
        if missing:
            raise AepValidationError("auth_type %s needs %s when %s." % (
                auth_type_name, " and ".join(missing), reason))

    def list_filters(self):
        return ["connectionSpec.id==%s" % self.connection_spec_id]

    def belongs(self, item):
        return as_dict(item.get("connectionSpec")).get("id") == self.connection_spec_id

    def auth_type_name_of(self, item):
        spec_name = as_dict(item.get("auth")).get("specName")
        for option_value, auth_type in self.auth_types.items():
            if auth_type.spec_name == spec_name:
                return option_value
        return spec_name

    def _wanted_auth_type(self):
        return self.params.get("auth_type") or self.default_auth_type

    def _auth_body(self):
        auth_type = self.auth_types[self._wanted_auth_type()]
        return {"specName": auth_type.spec_name, "params": auth_type.auth_params(self.params)}

    def create_body(self):
        if not self.params.get("name"):
            raise AepValidationError("name is required to create a %s." % self.kind)
        self._require_credentials(self.params, self._wanted_auth_type(), "creating a connection")
        body = {
            "name": self.params["name"],
            "auth": self._auth_body(),
            "connectionSpec": {"id": self.connection_spec_id, "version": self.connection_spec_version},
        }
        if self.params.get("description") is not None:
            body["description"] = self.params["description"]
        return body

    def patch_operations(self, current):
        operations = []
        name = self.params.get("name")
        if self.params.get("id") and name is not None and name != current.get("name"):
            operations.append({"op": "replace", "path": "/name", "value": name})
        description = self.params.get("description")
        if description is not None and description != (current.get("description") or ""):
            operations.append({"op": "replace" if "description" in current else "add",
                               "path": "/description", "value": description})
        operations.extend(self._auth_operations(current))
        return operations

    def _auth_operations(self, current):
        current_auth = as_dict(current.get("auth"))
        current_type = self.auth_type_name_of(current)
        wanted_type = self.params.get("auth_type")
        if self.params.get("update_credentials") == "always":
            wanted = self._auth_body()
            if wanted["specName"] != current_auth.get("specName"):
                return [{"op": "replace", "path": "/auth", "value": wanted}]
            return [{"op": "replace", "path": "/auth/params", "value": wanted["params"]}]
        if wanted_type and wanted_type != current_type:
            raise AepValidationError(
                "%s has auth_type %s; changing it to %s replaces its credentials: set update_credentials to "
                "always and give the new credentials." % (self._label(current), current_type, wanted_type))
        auth_type = self.auth_types.get(current_type)
        stored = as_dict(current_auth.get("params"))
        operations = []
        for option in self.auth_options():
            value = self.params.get(option)
            if value is None or option in (auth_type.secrets if auth_type else ()):
                continue
            if auth_type is None or option not in auth_type.params:
                raise AepValidationError("%s (auth_type %s) does not take %s." % (
                    self._label(current), current_type, option))
            key = auth_type.params[option]
            if stored.get(key) != value:
                operations.append({"op": "replace" if key in stored else "add",
                                   "path": "/auth/params/%s" % key, "value": value})
        return operations

    def _delete_failed(self, exc, current):
        if exc.numeric_code == "1418-400":
            return AepError("%s is used by a dataflow and cannot be deleted; delete the dataflow that uses it "
                            "first. It was not deleted. (%s)" % (self._label(current), exc.msg), **exc.details)
        return super()._delete_failed(exc, current)

    def public(self, item):
        item = copy.deepcopy(item)
        params = as_dict(item.get("auth")).get("params")
        if isinstance(params, dict):
            for key in self.secret_keys():
                params.pop(key, None)
        return item

    def annotate_diff(self, diff, changes):
        secret_paths = {"/auth", "/auth/params"} | {"/auth/params/%s" % key for key in self.secret_keys()}
        if any(operation["path"] in secret_paths for operation in changes):
            diff["before"]["credentials"] = "(write-only, not shown)"
            diff["after"]["credentials"] = "(replaced, not shown)"

    def view(self, item):
        auth = as_dict(item.get("auth"))
        secret_keys = self.secret_keys()
        return {
            "name": item.get("name"),
            "description": item.get("description", ""),
            "auth_type": self.auth_type_name_of(item),
            "params": {key: value for key, value in sorted(as_dict(auth.get("params")).items())
                       if key not in secret_keys},
        }
