# -*- coding: utf-8 -*-
# Copyright: (c) 2026, aep.platform contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)

"""The options every aep.platform module shares, and their checks.

PRIVATE to the aep.platform collection: this API may change at any time.
Documented once in the ``aep.platform.aep`` doc fragment.
"""

from __future__ import annotations

import ipaddress
import os
import re
from urllib.parse import urlsplit

from ansible.module_utils.basic import env_fallback

from ansible_collections.aep.platform.plugins.module_utils._errors import AepValidationError, shown

SANDBOX_NAME_RE = re.compile(r"[a-z0-9][a-z0-9-]*")
MAX_TIMEOUT = 3600
MAX_RETRIES = 20

DEFAULT_SCOPES = ["openid", "session", "AdobeID", "read_organizations", "additional_info.projectedProductContext"]
DEFAULT_PLATFORM_URL = "https://platform.adobe.io"
DEFAULT_IMS_URL = "https://ims-na1.adobelogin.com"


def aep_argument_spec():
    """The shared options, each with its AEP_* environment fallback."""
    return dict(
        access_token=dict(type="str", no_log=True, fallback=(env_fallback, ["AEP_ACCESS_TOKEN"])),
        client_id=dict(type="str", fallback=(env_fallback, ["AEP_CLIENT_ID"])),
        client_secret=dict(type="str", no_log=True, fallback=(env_fallback, ["AEP_CLIENT_SECRET"])),
        api_key=dict(type="str", no_log=False, fallback=(env_fallback, ["AEP_API_KEY"])),
        org_id=dict(type="str", required=True, fallback=(env_fallback, ["AEP_ORG_ID"])),
        sandbox=dict(type="str", default="prod", fallback=(env_fallback, ["AEP_SANDBOX_NAME"])),
        scopes=dict(type="list", elements="str", default=list(DEFAULT_SCOPES),
                    fallback=(env_fallback, ["AEP_SCOPES"])),
        platform_url=dict(type="str", default=DEFAULT_PLATFORM_URL, fallback=(env_fallback, ["AEP_PLATFORM_URL"])),
        ims_url=dict(type="str", default=DEFAULT_IMS_URL, fallback=(env_fallback, ["AEP_IMS_URL"])),
        validate_certs=dict(type="bool", default=True, fallback=(env_fallback, ["AEP_VALIDATE_CERTS"])),
        ca_path=dict(type="path", fallback=(env_fallback, ["AEP_CA_PATH"])),
        timeout=dict(type="int", default=30, fallback=(env_fallback, ["AEP_TIMEOUT"])),
        retries=dict(type="int", default=5, fallback=(env_fallback, ["AEP_RETRIES"])),
    )


CREDENTIALS_MISSING = (
    "No credentials: give access_token (AEP_ACCESS_TOKEN) with api_key or client_id (AEP_API_KEY, AEP_CLIENT_ID), "
    "or client_id and client_secret (AEP_CLIENT_ID, AEP_CLIENT_SECRET) so that a token is requested from Adobe IMS."
)


def _is_loopback(host):
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


def check_url(option, value):
    """An http(s) base URL; plain http only to a loopback address."""
    try:
        parts = urlsplit(value)
        hostname = parts.hostname
    except ValueError:
        raise AepValidationError("%s must be a valid https:// URL, got %s." % (option, shown(value))) from None
    if parts.scheme not in ("http", "https") or not hostname:
        raise AepValidationError("%s must be an https:// URL, got %s." % (option, shown(value)))
    if parts.scheme == "http" and not _is_loopback(hostname):
        raise AepValidationError(
            "%s must use https:// (plain http:// is only accepted for a loopback address such as 127.0.0.1, "
            "so that tokens never cross a network in clear text)." % option)
    if parts.query or parts.fragment:
        raise AepValidationError("%s must be a base URL without query or fragment." % option)


def check_transport_options(params):
    """timeout, retries and the TLS options, which every request depends on."""
    timeout = params["timeout"]
    if isinstance(timeout, bool) or not 1 <= timeout <= MAX_TIMEOUT:
        raise AepValidationError("timeout must be a number of seconds from 1 to %d, got %s." % (
            MAX_TIMEOUT, shown(timeout)))
    retries = params["retries"]
    if isinstance(retries, bool) or not 0 <= retries <= MAX_RETRIES:
        raise AepValidationError("retries must be a number from 0 to %d, got %s." % (MAX_RETRIES, shown(retries)))
    ca_path = params.get("ca_path")
    if ca_path and params.get("validate_certs", True) and not os.path.isfile(ca_path):
        raise AepValidationError("ca_path must be a readable PEM file of CA certificates; %s is not a file."
                                 % shown(ca_path))


def validate_common(params):
    """Check the shared options; raise AepValidationError with one sentence naming the option."""
    if params.get("access_token"):
        if not (params.get("api_key") or params.get("client_id")):
            raise AepValidationError(
                "access_token needs an API key: set api_key (AEP_API_KEY) or client_id (AEP_CLIENT_ID).")
    elif not (params.get("client_id") and params.get("client_secret")):
        raise AepValidationError(CREDENTIALS_MISSING)

    org_id = params.get("org_id") or ""
    if not org_id.endswith("@AdobeOrg") or org_id == "@AdobeOrg":
        raise AepValidationError("org_id must be an IMS organization id ending in @AdobeOrg, got %s."
                                 % shown(org_id))
    sandbox = params.get("sandbox") or ""
    if not SANDBOX_NAME_RE.fullmatch(sandbox):
        raise AepValidationError(
            "sandbox must be a sandbox's technical name: lowercase letters, digits and '-', got %s."
            % shown(sandbox))
    check_url("platform_url", params["platform_url"])
    if not params.get("access_token"):
        check_url("ims_url", params["ims_url"])
    check_transport_options(params)
    if not params.get("scopes") and not params.get("access_token"):
        raise AepValidationError("scopes must name at least one OAuth scope.")
