#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright: (c) 2026, aep.platform contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import annotations

DOCUMENTATION = r"""
module: aep_s3_connection
short_description: Manage Amazon S3 base connections in Adobe Experience Platform
version_added: 1.0.0
description:
  - Creates, updates and deletes the base connection that links an Amazon S3 account to Adobe Experience
    Platform, through the Flow Service API (C(/data/foundation/flowservice/connections)).
  - A connection is found by O(id), or else by O(name) among the sandbox's Amazon S3 connections.
    Names are not unique in Platform; when several S3 connections share the name, the module fails and
    lists their ids so that one can be passed as O(id).
  - Credentials cannot be read back from Platform, so they are never compared. They are sent when the
    connection is created, and replaced only with O(update_credentials=always).
author:
  - aep.platform contributors (@aep-platform)
extends_documentation_fragment:
  - aep.platform.aep
  - aep.platform.aep.attributes
  - ansible.builtin.action_common_attributes
  - ansible.builtin.action_common_attributes.actiongroups
  - ansible.builtin.action_common_attributes.facts
  - ansible.builtin.action_common_attributes.flow
attributes:
  check_mode:
    support: full
    details: Never sends a POST, PATCH or DELETE; C(changed) and the diff tell what would change.
  diff_mode:
    support: full
    details: Shows name, description, auth type and the non-secret parameters; never a secret.
  facts:
    support: full
  platform:
    platforms: all
options:
  name:
    description:
      - Name of the connection.
      - Identifies the connection when O(id) is not given; with O(id), the connection is renamed to it.
      - One of O(name) and O(id) is required; O(name) is required to create a connection.
    type: str
  id:
    description:
      - UUID of an existing connection.
      - With O(state=present), an unknown id fails; a connection is never created for it.
    type: str
  description:
    description:
      - Description of the connection. Compared and updated only when set.
    type: str
  state:
    description:
      - V(present) creates the connection or updates what differs; V(absent) deletes it.
      - A connection still used by a dataflow cannot be deleted.
    type: str
    choices: [present, absent]
    default: present
  auth_type:
    description:
      - How Platform authenticates to S3.
      - V(access_key) uses O(s3_access_key) and O(s3_secret_key) (auth spec C(Access Key)).
      - V(iam_role) uses an IAM role that Platform assumes, with O(bucket_name) (auth spec C(IAMRole Based));
        it takes no keys.
      - When omitted, a new connection uses V(access_key), and an existing connection keeps its type.
      - Changing the type of an existing connection replaces its credentials and needs
        O(update_credentials=always).
    type: str
    choices: [access_key, iam_role]
  s3_access_key:
    description:
      - Access key id of the AWS credentials.
      - Required with O(auth_type=access_key) to create a connection or to replace its credentials.
    type: str
  s3_secret_key:
    description:
      - Secret access key of the AWS credentials.
      - Required with O(auth_type=access_key) to create a connection or to replace its credentials.
    type: str
  s3_session_token:
    description:
      - Session token of temporary AWS credentials.
      - To rotate it on an existing connection, set it with O(update_credentials=always) and the keys.
    type: str
  service_url:
    description:
      - Regional S3 endpoint for a bucket in a specific region, such as C(https://s3.eu-west-1.amazonaws.com).
      - An C(https://) URL. Compared and updated when set.
    type: str
  bucket_name:
    description:
      - The bucket Platform may access. Required with O(auth_type=iam_role).
      - Follows S3's bucket naming rules. Compared and updated when set.
    type: str
  folder_path:
    description:
      - The folder Platform is restricted to, when access to the bucket is limited to a folder.
      - Compared and updated when set.
    type: str
  update_credentials:
    description:
      - V(on_create) sends the credentials only when the connection is created.
      - V(always) replaces all of the connection's credentials and parameters with the given ones on every run
        and so always reports a change, since stored credentials cannot be compared.
    type: str
    choices: [on_create, always]
    default: on_create
seealso:
  - module: aep.platform.aep_s3_connection_info
  - module: aep.platform.aep_s3_explore_info
  - module: aep.platform.aep_s3_dataflow
  - module: aep.platform.aep_access_token
  - name: Connect Amazon S3 to Experience Platform using the Flow Service API
    description: Adobe's tutorial for the call this module makes.
    link: https://experienceleague.adobe.com/en/docs/experience-platform/sources/api-tutorials/create/cloud-storage/s3
  - name: Flow Service API reference
    description: Adobe's reference of the base connection endpoints (C(/connections)) this module calls.
    link: https://developer.adobe.com/experience-platform-apis/references/flow-service/
"""

EXAMPLES = r"""
- name: Ensure the S3 connection of the landing bucket exists
  aep.platform.aep_s3_connection:
    org_id: "{{ aep_org_id }}"
    client_id: "{{ aep_client_id }}"
    client_secret: "{{ aep_client_secret }}"
    sandbox: prod
    name: landing-bucket
    description: Raw files dropped by the ERP export
    s3_access_key: "{{ vault_s3_access_key }}"
    s3_secret_key: "{{ vault_s3_secret_key }}"
    bucket_name: acme-aep-landing
    service_url: https://s3.eu-west-1.amazonaws.com

- name: Use an IAM role instead of keys (Platform on AWS)
  aep.platform.aep_s3_connection:
    name: landing-bucket-iam
    auth_type: iam_role
    bucket_name: acme-aep-landing

- name: Rotate the session token of an existing connection
  aep.platform.aep_s3_connection:
    name: landing-bucket
    s3_access_key: "{{ vault_s3_access_key }}"
    s3_secret_key: "{{ vault_s3_secret_key }}"
    s3_session_token: "{{ new_session_token }}"
    update_credentials: always

- name: Rename a connection, addressed by its id
  aep.platform.aep_s3_connection:
    id: 9e1c8b9a-2f1d-4c2a-9f5e-0c1d2e3f4a5b
    name: landing-bucket-eu

- name: Delete the connection
  aep.platform.aep_s3_connection:
    name: landing-bucket
    state: absent

- name: Set the shared options once for every task of a block
  module_defaults:
    group/aep.platform.aep:
      org_id: "{{ aep_org_id }}"
      client_id: "{{ aep_client_id }}"
      client_secret: "{{ aep_client_secret }}"
      sandbox: dev
  block:
    - name: Ensure the connection exists
      aep.platform.aep_s3_connection:
        name: landing-bucket
        s3_access_key: "{{ vault_s3_access_key }}"
        s3_secret_key: "{{ vault_s3_secret_key }}"
"""

RETURN = r"""
id:
  description:
    - UUID of the connection; null when a connection would be created in check mode, or when none exists.
  returned: always
  type: str
  sample: 9e1c8b9a-2f1d-4c2a-9f5e-0c1d2e3f4a5b
etag:
  description:
    - The connection's current etag (a string with its own double quotes), as needed for a later update.
    - Null when the connection was deleted, or would be created in check mode.
  returned: always
  type: str
  sample: '"1700d77b-0000-0200-0000-5e3b41a10000"'
connection:
  description:
    - The connection as Platform holds it after the task (in check mode, as it would be), secrets removed.
    - For O(state=absent), the connection that was deleted; empty when there was none.
  returned: always
  type: dict
  sample:
    id: 9e1c8b9a-2f1d-4c2a-9f5e-0c1d2e3f4a5b
    name: landing-bucket
    description: Raw files dropped by the ERP export
    connectionSpec:
      id: ecadc60c-7455-4d87-84dc-2a0e293d997b
      version: "1.0"
    auth:
      specName: Access Key
      params:
        bucketName: acme-aep-landing
    state: enabled
    etag: '"1700d77b-0000-0200-0000-5e3b41a10000"'
ansible_facts:
  description: Facts for later tasks.
  returned: always
  type: dict
  sample:
    aep_s3_connection:
      id: 9e1c8b9a-2f1d-4c2a-9f5e-0c1d2e3f4a5b
      etag: '"1700d77b-0000-0200-0000-5e3b41a10000"'
      name: landing-bucket
  contains:
    aep_s3_connection:
      description: The connection's id, etag and name (id and etag null once it is deleted).
      returned: always
      type: dict
      sample:
        id: 9e1c8b9a-2f1d-4c2a-9f5e-0c1d2e3f4a5b
        etag: '"1700d77b-0000-0200-0000-5e3b41a10000"'
        name: landing-bucket
status:
  description: HTTP status of the request that failed.
  returned: failure, when the API answered
  type: int
  sample: 412
error:
  description: Adobe's error for the request that failed.
  returned: failure, when the API answered
  type: dict
  sample:
    code: FLOW-1404-412
    message: The resource was modified since it was read; read it again and retry.
    request_id: 6f1b2c3d4e5f40718293a4b5c6d7e8f9
    method: PATCH
    path: /connections/9e1c8b9a-2f1d-4c2a-9f5e-0c1d2e3f4a5b
  contains:
    code:
      description: Adobe's error code, such as C(FLOW-1404-412) or the gateway's C(401013).
      type: str
      returned: always
      sample: FLOW-1404-412
    message:
      description: Adobe's error message.
      type: str
      returned: always
      sample: The resource was modified since it was read; read it again and retry.
    request_id:
      description: Adobe's request id, to quote to Adobe support.
      type: str
      returned: always
      sample: 6f1b2c3d4e5f40718293a4b5c6d7e8f9
    method:
      description: HTTP method of the failed request.
      type: str
      returned: always
      sample: PATCH
    path:
      description: Path of the failed request, below the Flow Service base URL.
      type: str
      returned: always
      sample: /connections/9e1c8b9a-2f1d-4c2a-9f5e-0c1d2e3f4a5b
ids:
  description: Ids of the connections that share the given name, when the name is ambiguous.
  returned: failure, when several connections have the name
  type: list
  elements: str
  sample: [9e1c8b9a-2f1d-4c2a-9f5e-0c1d2e3f4a5b, 0d4f6a2e-7b3c-4e1d-8a9f-1c2b3d4e5f60]
"""

from ansible_collections.aep.platform.plugins.module_utils._module import run_module
from ansible_collections.aep.platform.plugins.module_utils._s3 import S3Connection


def main():
    run_module(S3Connection)


if __name__ == "__main__":
    main()
