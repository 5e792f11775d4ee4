#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright: (c) 2026, aep.platform contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import annotations

DOCUMENTATION = r"""
module: aep_s3_connection_info
short_description: List Amazon S3 base connections in Adobe Experience Platform
version_added: 1.0.0
description:
  - Lists the sandbox's Amazon S3 base connections through the Flow Service API
    (C(/data/foundation/flowservice/connections)), following every page of the list.
  - With O(name), only the connections with exactly that name; names are not unique in Platform, so
    there may be several. With O(id), only that connection.
  - Returns each connection without its credentials, with its auth type and its creation and update
    times both as Platform's epoch milliseconds and as ISO 8601 UTC strings.
  - With O(test_connection=true), also asks Platform to test each connection with its stored credentials.
  - Never changes anything.
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
    details: The module only reads (every request is a GET), so it runs in check mode as it does otherwise.
  diff_mode:
    support: N/A
    details: The module changes nothing, so there is no diff.
  platform:
    platforms: all
options:
  name:
    description:
      - Only the connections with exactly this name (case-sensitive).
      - Mutually exclusive with O(id). Without O(name) and O(id), every S3 connection of the sandbox is listed.
    type: str
  id:
    description:
      - Only the connection with this UUID.
      - An unknown id, or the id of a connection that is not an S3 connection, gives an empty list.
      - Mutually exclusive with O(name).
    type: str
  test_connection:
    description:
      - Also test each listed connection with Platform (C(GET /connections/{id}/test)), which checks that
        Platform can reach S3 with the stored credentials, and add RV(connections[].test_result) and
        RV(connections[].test_error).
      - One request per connection.
    type: bool
    default: false
notes:
  - Connections of other sources (other connection specs) are never listed.
seealso:
  - module: aep.platform.aep_s3_connection
  - module: aep.platform.aep_s3_explore_info
  - module: aep.platform.aep_s3_dataflow
  - name: Flow Service API reference
    description: Adobe's reference of the base connection endpoints (C(/connections)) and the connection test this
      module calls.
    link: https://developer.adobe.com/experience-platform-apis/references/flow-service/
"""

EXAMPLES = r"""
- name: List every S3 connection of the sandbox
  aep.platform.aep_s3_connection_info:
    org_id: "{{ aep_org_id }}"
    client_id: "{{ aep_client_id }}"
    client_secret: "{{ aep_client_secret }}"
    sandbox: prod
  register: s3

- name: Show their names and buckets
  ansible.builtin.debug:
    msg: "{{ item.name }}: {{ item.auth.params.bucketName | default('-') }} (created {{ item.created_at }})"
  loop: "{{ s3.connections }}"
  loop_control:
    label: "{{ item.id }}"

- name: Find the connections named landing-bucket, and test them
  aep.platform.aep_s3_connection_info:
    name: landing-bucket
    test_connection: true
  register: landing

- name: Fail when one of them cannot reach its bucket
  ansible.builtin.assert:
    that: landing.connections | rejectattr('test_result') | list | length == 0
    fail_msg: "{{ landing.connections | rejectattr('test_result') | map(attribute='id') | join(', ') }} failed the test"

- name: Read one connection by id
  aep.platform.aep_s3_connection_info:
    id: 9e1c8b9a-2f1d-4c2a-9f5e-0c1d2e3f4a5b
  register: one
"""

RETURN = r"""
connections:
  description:
    - The S3 connections found, in the order Platform lists them, without their credentials.
    - Empty when none matches.
    - Each holds the fields Platform returns (such as C(createdBy), C(sandboxName), C(version)) and the
      ones documented here.
  returned: always
  type: list
  elements: dict
  sample:
    - id: 9e1c8b9a-2f1d-4c2a-9f5e-0c1d2e3f4a5b
      name: landing-bucket
      description: Raw files dropped by the ERP export
      state: enabled
      connectionSpec: {id: ecadc60c-7455-4d87-84dc-2a0e293d997b, version: "1.0"}
      auth: {specName: Access Key, params: {bucketName: acme-aep-landing}}
      auth_type: access_key
      etag: '"1700d77b-0000-0200-0000-5e3b41a10000"'
      createdAt: 1700000000123
      updatedAt: 1700000360000
      created_at: "2023-11-14T22:13:20.123Z"
      updated_at: "2023-11-14T22:19:20.000Z"
  contains:
    id:
      description: UUID of the connection.
      type: str
      returned: always
      sample: 9e1c8b9a-2f1d-4c2a-9f5e-0c1d2e3f4a5b
    name:
      description: Name of the connection.
      type: str
      returned: always
      sample: landing-bucket
    description:
      description: Description of the connection.
      type: str
      returned: when the connection has one
      sample: Raw files dropped by the ERP export
    state:
      description: C(enabled) or C(disabled).
      type: str
      returned: always
      sample: enabled
    connectionSpec:
      description: The connection spec (C(id), C(version)), always Amazon S3's.
      type: dict
      returned: always
      sample: {id: ecadc60c-7455-4d87-84dc-2a0e293d997b, version: "1.0"}
    auth:
      description:
        - C(specName), Platform's name of the auth type, and C(params), the non-secret parameters
          (C(bucketName), C(serviceUrl), C(folderPath)).
        - The access key, secret key and session token are removed.
      type: dict
      returned: always
      sample: {specName: Access Key, params: {bucketName: acme-aep-landing}}
    auth_type:
      description:
        - The auth type as the C(auth_type) option of M(aep.platform.aep_s3_connection) names it, V(access_key) or
          V(iam_role); Platform's C(specName) when it is neither.
      type: str
      returned: always
      sample: access_key
    etag:
      description: The connection's current etag, a string with its own double quotes.
      type: str
      returned: always
      sample: '"1700d77b-0000-0200-0000-5e3b41a10000"'
    createdAt:
      description: When the connection was created, in milliseconds since the epoch, as Platform gives it.
      type: int
      returned: always
      sample: 1700000000123
    updatedAt:
      description: When the connection was last updated, in milliseconds since the epoch, as Platform gives it.
      type: int
      returned: always
      sample: 1700000360000
    created_at:
      description: C(createdAt) as an ISO 8601 UTC time with milliseconds; null when Platform gave no time.
      type: str
      returned: always
      sample: "2023-11-14T22:13:20.123Z"
    updated_at:
      description: C(updatedAt) as an ISO 8601 UTC time with milliseconds; null when Platform gave no time.
      type: str
      returned: always
      sample: "2023-11-14T22:19:20.000Z"
    test_result:
      description:
        - Whether Platform's test of the connection succeeded; false also when Platform refused to test it
          (see RV(connections[].test_error)).
      type: bool
      returned: when O(test_connection=true)
      sample: true
    test_error:
      description:
        - Null when the test was run; Adobe's error when Platform refused to test the connection with an
          HTTP 4xx other than 401 and 403 (those fail the task).
        - Has C(status), C(code), C(message), C(request_id), C(method) and C(path), as RV(error) does.
      type: dict
      returned: when O(test_connection=true)
      sample:
        status: 400
        code: FLOW-2105-400
        message: The connection cannot be tested.
        request_id: 6f1b2c3d4e5f40718293a4b5c6d7e8f9
        method: GET
        path: /connections/9e1c8b9a-2f1d-4c2a-9f5e-0c1d2e3f4a5b/test
status:
  description: HTTP status of the request that failed.
  returned: failure, when the API answered
  type: int
  sample: 401
error:
  description: Adobe's error for the request that failed.
  returned: failure, when the API answered
  type: dict
  sample:
    code: "401013"
    message: Oauth token is not valid
    request_id: 6f1b2c3d4e5f40718293a4b5c6d7e8f9
    method: GET
    path: /connections
  contains:
    code:
      description: Adobe's error code, such as the gateway's C(401013) or C(FLOW-2105-400).
      type: str
      returned: always
      sample: "401013"
    message:
      description: Adobe's error message.
      type: str
      returned: always
      sample: Oauth token is not valid
    request_id:
      description: Adobe's request id, to quote to Adobe support.
      type: str
      returned: always
      sample: 6f1b2c3d4e5f40718293a4b5c6d7e8f9
    method:
      description: HTTP method of the failed request.
      type: str
      returned: always
      sample: GET
    path:
      description: Path of the failed request, below the Flow Service base URL.
      type: str
      returned: always
      sample: /connections
"""

from ansible_collections.aep.platform.plugins.module_utils._module import run_module
from ansible_collections.aep.platform.plugins.module_utils._s3 import S3ConnectionInfo


def main():
    run_module(S3ConnectionInfo)


if __name__ == "__main__":
    main()
