#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright: (c) 2026, aep.platform contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import annotations

DOCUMENTATION = r"""
module: aep_access_token
short_description: Get one Adobe IMS access token to share between the tasks of a play
version_added: 1.0.0
description:
  - Asks Adobe IMS (OAuth Server-to-Server, C(POST /ims/token/v3)) for an access token with O(client_id) and
    O(client_secret), and returns it, so that a play can request one token and give it to every later task
    through C(module_defaults) (see the examples).
  - Without it, every task that is given client credentials requests a token of its own.
  - The result holds the token, a secret returned on purpose. The action plugin marks the result for Ansible to
    censor whether or not the task sets C(no_log), so C(-v), callbacks, logs and AWX job events never show it,
    while the registered variable still holds it for later tasks. On ansible-core before 2.19, Ansible shows a
    loop's combined result uncensored, so a task with a loop needs C(no_log=true) there and is refused without it.
  - A new token is requested on every run, even when O(access_token) (or E(AEP_ACCESS_TOKEN)) is set, for
    example by C(module_defaults) from an earlier run of this module; O(access_token) is not used and is
    never returned.
  - Of the shared options it uses O(client_id), O(client_secret), O(scopes), O(ims_url), O(validate_certs),
    O(ca_path), O(timeout) and O(retries). The others are accepted, so that C(module_defaults) for
    C(group/aep.platform.aep) can set them, and ignored.
author:
  - aep.platform contributors (@aep-platform)
extends_documentation_fragment:
  - aep.platform.aep
  - aep.platform.aep.attributes
  - ansible.builtin.action_common_attributes
  - ansible.builtin.action_common_attributes.actiongroups
  - ansible.builtin.action_common_attributes.flow
attributes:
  check_mode:
    support: full
    details:
      - Asking for a token changes nothing in Platform, so the token is requested in check mode too (the tasks
        after this one need it); C(changed) is always false.
  diff_mode:
    support: none
  platform:
    platforms: all
options:
  org_id:
    description:
      - Not used, and not required by this module. An access token belongs to the credential, not to an
        organization.
      - Accepted so that C(module_defaults) for C(group/aep.platform.aep) can set it.
    type: str
    required: false
  access_token:
    description:
      - Not used by this module, which always asks Adobe IMS for a new token.
      - Accepted so that C(module_defaults) for C(group/aep.platform.aep) can set it.
    type: str
  client_id:
    description:
      - Client id of an OAuth Server-to-Server credential in the Adobe Developer Console.
      - Required by this module (or E(AEP_CLIENT_ID)).
    type: str
  client_secret:
    description:
      - Client secret of the OAuth Server-to-Server credential.
      - Required by this module (or E(AEP_CLIENT_SECRET)).
    type: str
notes:
  - IMS tokens last 24 hours (see RV(expires_in)). A play that may run longer can run this module again
    before RV(expires_at) and use the new token from then on.
seealso:
  - module: aep.platform.aep_s3_connection
  - module: aep.platform.aep_s3_dataflow
  - module: aep.platform.aep_dataset
  - name: OAuth Server-to-Server credential API reference
    description: The IMS token request this module makes, and its reply.
    link: https://developer.adobe.com/developer-console/docs/guides/authentication/ServerToServerAuthentication/IMS
"""

EXAMPLES = r"""
- name: Request one token, then use it in every task of the block
  module_defaults:
    group/aep.platform.aep:
      org_id: "{{ aep_org_id }}"
      client_id: "{{ aep_client_id }}"
      client_secret: "{{ aep_client_secret }}"
      # Undefined until the first task has run; from then on every task uses the token.
      access_token: "{{ aep_token.access_token | default(omit) }}"
  block:
    - name: Get an access token from Adobe IMS
      aep.platform.aep_access_token:
      register: aep_token

    - name: Create the connections, without one more token request
      aep.platform.aep_s3_connection:
        name: "{{ item }}"
        s3_access_key: "{{ s3_access_key }}"
        s3_secret_key: "{{ s3_secret_key }}"
      loop: "{{ landing_buckets }}"

- name: Credentials from AEP_* environment variables (for example an AWX credential)
  aep.platform.aep_access_token:
  register: aep_token

- name: Check that the token lasts long enough for what follows
  ansible.builtin.assert:
    that: aep_token.expires_at > now(utc=true).timestamp() + 3600
    quiet: true
"""

RETURN = r"""
access_token:
  description:
    - The bearer access token, a secret (censored in output, kept in the registered variable). Pass it on to
      later tasks as O(access_token), for example through C(module_defaults).
  returned: success
  type: str
  sample: eyJhbGciOiJSUzI1NiIsIng1dSI6Imltc19uYTEta2V5LWF0LTEuY2VyIn0...
token_type:
  description: Token type as given by IMS.
  returned: success
  type: str
  sample: bearer
expires_in:
  description: Seconds the token is valid for, counted from the IMS reply.
  returned: success
  type: int
  sample: 86399
expires_at:
  description: When the token expires, in seconds since the Unix epoch (UTC), by the clock of the host that ran the task.
  returned: success
  type: int
  sample: 1767312000
status:
  description: HTTP status of the request that failed.
  returned: failure, when IMS answered
  type: int
  sample: 401
error:
  description: The error IMS answered with.
  returned: failure, when IMS answered
  type: dict
  sample:
    code: invalid_client
    message: invalid client_secret parameter
    request_id: 2bd3ae1c9f7d4b4fa8e1f0c6d5b4a392
    method: POST
    path: /ims/token/v3
  contains:
    code:
      description: The OAuth error code, such as C(invalid_client).
      type: str
      returned: always
      sample: invalid_client
    message:
      description: IMS's error description.
      type: str
      returned: always
      sample: invalid client_secret parameter
    request_id:
      description: The request id, to quote to Adobe support.
      type: str
      returned: always
      sample: 2bd3ae1c9f7d4b4fa8e1f0c6d5b4a392
    method:
      description: HTTP method of the failed request (C(POST)).
      type: str
      returned: always
      sample: POST
    path:
      description: Path of the failed request (C(/ims/token/v3)).
      type: str
      returned: always
      sample: /ims/token/v3
"""

from ansible_collections.aep.platform.plugins.module_utils._module import run_module
from ansible_collections.aep.platform.plugins.module_utils._token import AccessToken


def main():
    run_module(AccessToken)


if __name__ == "__main__":
    main()
