# -*- coding: utf-8 -*-
# Copyright: (c) 2026, aep.platform contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import annotations


class ModuleDocFragment:

    # The options every aep.platform module shares (see module_utils/_arguments.py).
    DOCUMENTATION = r"""
options:
  access_token:
    description:
      - A bearer access token obtained elsewhere, for example by M(aep.platform.aep_access_token) earlier in the play.
      - When set, no token is requested from Adobe IMS, even if O(client_id) and O(client_secret) are set too;
        but with both also set, a token refused as expired or revoked (C(401013)) is replaced once by a new one
        from IMS, and the request is sent again.
      - Needs O(api_key) or O(client_id) for the C(x-api-key) header.
      - Falls back to the E(AEP_ACCESS_TOKEN) environment variable.
    type: str
  client_id:
    description:
      - Client id of an OAuth Server-to-Server credential in the Adobe Developer Console.
      - Also the default O(api_key).
      - With O(client_secret), and without O(access_token), the module requests a token from Adobe IMS itself.
      - Falls back to the E(AEP_CLIENT_ID) environment variable.
    type: str
  client_secret:
    description:
      - Client secret of the OAuth Server-to-Server credential.
      - Falls back to the E(AEP_CLIENT_SECRET) environment variable.
    type: str
  api_key:
    description:
      - Value of the C(x-api-key) header. Defaults to O(client_id).
      - Falls back to the E(AEP_API_KEY) environment variable.
    type: str
  org_id:
    description:
      - IMS organization id, ending in C(@AdobeOrg).
      - Falls back to the E(AEP_ORG_ID) environment variable.
    type: str
    required: true
  sandbox:
    description:
      - Technical name of the sandbox (lowercase), sent as C(x-sandbox-name).
      - Falls back to the E(AEP_SANDBOX_NAME) environment variable.
    type: str
    default: prod
  scopes:
    description:
      - OAuth scopes asked for when a token is requested from Adobe IMS.
      - Falls back to the E(AEP_SCOPES) environment variable (comma-separated).
    type: list
    elements: str
    default: [openid, session, AdobeID, read_organizations, additional_info.projectedProductContext]
  platform_url:
    description:
      - Base URL of the Platform API gateway.
      - Must be C(https://), except for a loopback address such as C(http://127.0.0.1:8080) used for testing.
      - Falls back to the E(AEP_PLATFORM_URL) environment variable.
    type: str
    default: https://platform.adobe.io
  ims_url:
    description:
      - Base URL of Adobe IMS, where tokens are requested.
      - Must be C(https://), except for a loopback address.
      - Falls back to the E(AEP_IMS_URL) environment variable.
    type: str
    default: https://ims-na1.adobelogin.com
  validate_certs:
    description:
      - Whether to verify the TLS certificates of O(platform_url) and O(ims_url).
      - Only set to V(false) for a test endpoint.
      - Falls back to the E(AEP_VALIDATE_CERTS) environment variable.
    type: bool
    default: true
  ca_path:
    description:
      - A PEM file of CA certificates to verify TLS certificates with, instead of the system's bundle.
      - Falls back to the E(AEP_CA_PATH) environment variable.
    type: path
  timeout:
    description:
      - Seconds to wait for each HTTP request.
      - Falls back to the E(AEP_TIMEOUT) environment variable.
    type: int
    default: 30
  retries:
    description:
      - How many times a request is retried after HTTP 429, 500, 502, 503, 504 or a connection error,
        with exponential backoff and jitter, honouring C(Retry-After).
      - A create (POST) is never sent again blindly; the connection is looked up first, so a create that
        reached the server is not doubled.
      - Falls back to the E(AEP_RETRIES) environment variable.
    type: int
    default: 5
requirements:
  - requests >= 2.25
notes:
  - Either O(access_token) (with O(api_key) or O(client_id)) or O(client_id) and O(client_secret) must be given.
  - These modules call Adobe's API from wherever they run; run them on the controller (a play for
    C(localhost) with C(connection=local), or C(delegate_to=localhost)), which is also where credentials
    injected as environment variables (for example by AWX) are visible.
  - All modules of this collection are in the action group C(aep.platform.aep), so the shared options
    can be set once with C(module_defaults) and C(group/aep.platform.aep).
"""

    # The attributes every module of the collection shares: an action plugin of its own name, and the
    # action group. A module adds check_mode, diff_mode and platform (and facts where it sets some).
    # List it before ansible.builtin.action_common_attributes.*: an earlier fragment's values win.
    ATTRIBUTES = r"""
attributes:
  action:
    support: full
    details:
      - An action plugin of the same name runs the module's code inside Ansible on the controller when the
        task runs there (local connection, or C(delegate_to=localhost)) with the controller's Python.
      - With C(become), C(async), an interpreter of another Python environment (not merely another name of
        the controller's Python), or the variable C(aep_force_module=true), and on any other host, the module
        runs as usual.
  action_group:
    support: full
    membership:
      - aep.platform.aep
  async:
    support: full
    details: The task then runs as a module.
  bypass_host_loop:
    support: none
"""
