"""The connection specs the emulator knows, and what their ``auth`` blocks may hold.

Only Amazon S3 matters to the collection.  A second, made-up spec exists so
tests can prove that a client filters on ``connectionSpec.id`` instead of
assuming every connection in a sandbox is an S3 one.
"""

from __future__ import annotations

from typing import Any, Dict, List, Optional

from .errors import flow_error

S3_SPEC_ID = "ecadc60c-7455-4d87-84dc-2a0e293d997b"
# Invented for the emulator; it is not a real Adobe connection spec id.
AZURE_BLOB_SPEC_ID = "e7f1b9a4-3c2d-4e5f-8a6b-0c1d2e3f4a5b"

FULL_MASK = "********"


class AuthType:
    """One ``auth.specName`` of a spec: which params it takes and which are secret."""

    def __init__(self, spec_name: str, required: List[str], optional: List[str],
                 secret: List[str], partial: List[str], sample: Dict[str, str]):
        self.spec_name = spec_name
        self.required = required
        self.optional = optional
        self.secret = set(secret)     # never returned, replaced by FULL_MASK
        self.partial = set(partial)   # returned with all but the first 4 chars masked
        self.sample = sample          # params used by the seed control endpoint

    @property
    def allowed(self):
        return set(self.required) | set(self.optional)


class ConnectionSpec:
    def __init__(self, spec_id: str, name: str, versions: List[str], auth_types: List[AuthType],
                 configs: Optional[Dict[str, Dict[str, str]]] = None):
        self.id = spec_id
        self.name = name
        self.versions = versions
        self.auth_types = {a.spec_name: a for a in auth_types}
        self.configs = configs or {}  # authType -> configParams

    @property
    def default_version(self) -> str:
        return self.versions[-1]


SPECS = {
    S3_SPEC_ID: ConnectionSpec(
        S3_SPEC_ID, "Amazon S3", ["1.0"],
        [
            AuthType("Access Key",
                     required=["s3AccessKey", "s3SecretKey"],
                     optional=["s3SessionToken", "serviceUrl", "bucketName", "folderPath"],
                     secret=["s3SecretKey", "s3SessionToken"],
                     partial=["s3AccessKey"],
                     sample={"s3AccessKey": "AKIAEMULATORSEED0000", "s3SecretKey": "seed-secret-key"}),
            AuthType("IAMRole Based",
                     required=["bucketName"],
                     optional=["folderPath"],
                     secret=[], partial=[],
                     sample={"bucketName": "emulator-seed-bucket"}),
        ],
        configs={"IamBasedAuthentication": {"IAMRole": "arn:aws:iam::000000000000:role/emulator"}},
    ),
    AZURE_BLOB_SPEC_ID: ConnectionSpec(
        AZURE_BLOB_SPEC_ID, "Azure Blob Storage (emulated)", ["1.0"],
        [
            AuthType("ConnectionStringAuth",
                     required=["connectionString"],
                     optional=["container", "folderPath"],
                     secret=["connectionString"], partial=[],
                     sample={"connectionString": "DefaultEndpointsProtocol=https;AccountName=seed"}),
        ],
    ),
}


def resolve_spec(connection_spec: Any) -> ConnectionSpec:
    """Check a request's ``connectionSpec`` block; returns the spec or raises 1413-400."""
    if not isinstance(connection_spec, dict) or not isinstance(connection_spec.get("id"), str):
        raise flow_error("1413-400", "connectionSpec.id is required and must be a string.",
                         title="Invalid connection spec")
    spec = SPECS.get(connection_spec["id"])
    if spec is None:
        raise flow_error("1413-400", "Connection spec id '%s' is not valid." % connection_spec["id"],
                         title="Invalid connection spec")
    version = connection_spec.get("version")
    if version is not None and version not in spec.versions:
        raise flow_error("1413-400", "Connection spec version '%s' is not valid for spec '%s'."
                         % (version, spec.id), title="Invalid connection spec")
    return spec


def validate_auth(spec: ConnectionSpec, auth: Any) -> Dict[str, Any]:
    """Validate an ``auth`` block against ``spec``; returns a clean copy.

    Unknown params are rejected rather than silently stored: a typo in a
    client's param name should fail loudly in tests, not later in production.
    """
    if not isinstance(auth, dict):
        raise flow_error("1400-400", "auth is required and must be an object.", title="Invalid auth")
    spec_name = auth.get("specName")
    auth_type = spec.auth_types.get(spec_name) if isinstance(spec_name, str) else None
    if auth_type is None:
        raise flow_error("1415-400", "Auth specName '%s' is not supported by connection spec '%s'."
                         % (spec_name, spec.id), title="Invalid auth spec name")
    params = auth.get("params")
    if not isinstance(params, dict):
        raise flow_error("1400-400", "auth.params is required and must be an object.", title="Invalid auth")
    missing = [p for p in auth_type.required if params.get(p) in (None, "")]
    if missing:
        raise flow_error("1400-400", "Missing required auth params for '%s': %s."
                         % (spec_name, ", ".join(missing)), title="Invalid auth params")
    unknown = sorted(set(params) - auth_type.allowed)
    if unknown:
        raise flow_error("1400-400", "Unknown auth params for '%s': %s."
                         % (spec_name, ", ".join(unknown)), title="Invalid auth params")
    not_strings = sorted(k for k, v in params.items() if not isinstance(v, str))
    if not_strings:
        raise flow_error("1400-400", "Auth params must be strings: %s." % ", ".join(not_strings),
                         title="Invalid auth params")
    return {"specName": spec_name, "params": dict(params)}


def _partial_mask(value: str) -> str:
    if len(value) <= 8:  # too short to reveal anything safely
        return FULL_MASK
    return value[:4] + "*" * (len(value) - 4)


def mask_auth(spec_id: str, auth: Dict[str, Any]) -> Dict[str, Any]:
    """The "partial view" of credentials a GET returns."""
    spec = SPECS.get(spec_id)
    auth_type = spec.auth_types.get(auth.get("specName")) if spec else None
    params = {}
    for key, value in (auth.get("params") or {}).items():
        if auth_type is None or key in auth_type.secret:
            # Unknown spec (should not happen): mask everything rather than leak.
            params[key] = FULL_MASK
        elif key in auth_type.partial and isinstance(value, str):
            params[key] = _partial_mask(value)
        else:
            params[key] = value
    return {"specName": auth.get("specName"), "params": params}
