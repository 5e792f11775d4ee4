#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright: (c) 2026, aep.platform contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import annotations

DOCUMENTATION = r"""
module: aep_s3_explore_info
short_description: List the folders and files an Amazon S3 connection sees, and preview a file
version_added: 1.0.0
description:
  - Explores an Amazon S3 base connection through the Flow Service API
    (C(GET /data/foundation/flowservice/connections/{id}/explore)), as Platform sees the bucket with the
    connection's credentials.
  - Without O(path) and O(file), lists the root (the buckets); with O(path), that folder; with O(recursive=true),
    the folders below it too, breadth first, up to O(max_objects).
  - With O(file), previews the file instead; its columns, their types, and its first rows, so that a dataflow's
    mappings can be written.
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
  connection_id:
    description:
      - UUID of the S3 base connection to explore. A base connection of another source fails.
      - One of O(connection_id) and O(connection_name) is required.
    type: str
  connection_name:
    description:
      - Exact name of the S3 base connection to explore. When several S3 connections have that name, the task
        fails and lists their ids.
    type: str
  path:
    description:
      - The folder to list, as Platform writes it, starting with the bucket (V(/acme-aep-landing/in/)).
      - Omitted, the root is listed. Mutually exclusive with O(file).
    type: str
  file:
    description:
      - A file to preview instead of listing (V(/acme-aep-landing/in/members.csv)).
    type: str
  file_type:
    description:
      - The file's format. By default read from its extension (before a C(.gz), C(.bz2), C(.zip), C(.tgz) or
        C(.tar) one), C(.csv), C(.tsv), C(.txt) and C(.dsv) as V(delimited), C(.json) as V(json),
        C(.parquet) as V(parquet); required for any other extension.
    type: str
    choices: [delimited, json, parquet]
  column_delimiter:
    description:
      - The column delimiter of a delimited file, one character; Platform's default is a comma.
    type: str
  compression:
    description:
      - The file's compression; by default V(gzip) for C(.gz), V(bzip2) for C(.bz2), V(zipDeflate) for C(.zip),
        V(tarGzip) for C(.tgz) and V(tar) for C(.tar), none otherwise.
    type: str
    choices: [bzip2, gzip, deflate, zipDeflate, tarGzip, tar]
  encoding:
    description:
      - The encoding of a delimited file.
    type: str
    choices: [UTF-8, ISO-8859-1]
  recursive:
    description:
      - Also list the sub-folders, breadth first; RV(objects) then holds the folders and files of every level.
      - One request per folder listed.
    type: bool
    default: false
  max_objects:
    description:
      - The most objects (folders and files alike) to return; the listing stops at exactly that many, and
        RV(truncated) says so.
    type: int
    default: 1000
notes:
  - "Request budget: one GET to find the connection (by id or by name), then one GET per folder listed, or
    one for a preview."
seealso:
  - module: aep.platform.aep_s3_connection
  - module: aep.platform.aep_s3_dataflow
  - module: aep.platform.aep_schema_info
  - name: Explore a cloud storage system
    description: Adobe's guide to the explore calls.
    link: https://experienceleague.adobe.com/docs/experience-platform/sources/api-tutorials/explore/cloud-storage.html
  - name: Flow Service API reference
    description: Adobe's reference of the explore endpoint (C(/connections/{id}/explore)) this module calls.
    link: https://developer.adobe.com/experience-platform-apis/references/flow-service/
"""

EXAMPLES = r"""
- name: List the buckets the landing connection sees
  aep.platform.aep_s3_explore_info:
    connection_name: landing-bucket
  register: root

- name: List everything under the incoming folder, at most 200 objects
  aep.platform.aep_s3_explore_info:
    connection_name: landing-bucket
    path: /acme-aep-landing/in/
    recursive: true
    max_objects: 200
  register: incoming

- name: Show the CSV files found
  ansible.builtin.debug:
    msg: "{{ incoming.objects | selectattr('type', 'equalto', 'file') | map(attribute='path') | list }}"

- name: Preview a file and its columns
  aep.platform.aep_s3_explore_info:
    connection_id: 9e1c8b9a-2f1d-4c2a-9f5e-0c1d2e3f4a5b
    file: /acme-aep-landing/in/loyalty/members.tsv
    column_delimiter: "\t"
  register: members

- name: Show the columns
  ansible.builtin.debug:
    msg: "{{ members.preview.columns | map(attribute='name') | list }}"
"""

RETURN = r"""
connection_id:
  description: UUID of the base connection explored.
  returned: always
  type: str
  sample: 9e1c8b9a-2f1d-4c2a-9f5e-0c1d2e3f4a5b
objects:
  description: The folders and files listed, in the order Platform lists them, level after level.
  returned: unless O(file) is given
  type: list
  elements: dict
  sample:
    - {type: folder, name: loyalty, path: /acme-aep-landing/in/loyalty, can_preview: false, can_fetch_schema: false}
    - {type: file, name: members.csv, path: /acme-aep-landing/in/loyalty/members.csv, can_preview: true,
       can_fetch_schema: true}
  contains:
    type:
      description: V(file) or V(folder).
      type: str
      returned: always
      sample: file
    name:
      description: The object's name.
      type: str
      returned: always
      sample: members.csv
    path:
      description: The object's path, to give as O(path), O(file), or a dataflow's path.
      type: str
      returned: always
      sample: /acme-aep-landing/in/loyalty/members.csv
    can_preview:
      description: Whether Platform can preview the object.
      type: bool
      returned: always
      sample: true
    can_fetch_schema:
      description: Whether Platform can read the object's columns.
      type: bool
      returned: always
      sample: true
truncated:
  description: Whether the listing stopped at O(max_objects) before everything was listed.
  returned: unless O(file) is given
  type: bool
  sample: false
preview:
  description: The previewed file's format, columns and first rows.
  returned: when O(file) is given
  type: dict
  sample:
    format: flat
    columns: [{name: id, type: integer, xdm_type: integer}, {name: email, type: string, xdm_type: string}]
    rows: [{id: 1, email: ada@example.com}]
  contains:
    format:
      description: Platform's name of the file's shape, such as V(flat) for a delimited file.
      type: str
      returned: always
      sample: flat
    columns:
      description: The file's columns, each with C(name), C(type) (the file's type) and C(xdm_type) (the XDM type).
      type: list
      elements: dict
      returned: always
      sample: [{name: id, type: integer, xdm_type: integer}, {name: email, type: string, xdm_type: string}]
    rows:
      description: The first rows, each a dict of column name to value.
      type: list
      elements: dict
      returned: always
      sample: [{id: 1, email: ada@example.com}]
status:
  description: HTTP status of the request that failed.
  returned: failure, when the API answered
  type: int
  sample: 400
error:
  description: Adobe's error for the request that failed.
  returned: failure, when the API answered
  type: dict
  sample:
    code: FLOW-1337-400
    message: The path could not be explored.
    request_id: 6f1b2c3d4e5f40718293a4b5c6d7e8f9
    method: GET
    path: /connections/9e1c8b9a-2f1d-4c2a-9f5e-0c1d2e3f4a5b/explore
  contains:
    code:
      description: Adobe's error code, such as C(FLOW-1337-400).
      type: str
      returned: always
      sample: FLOW-1337-400
    message:
      description: Adobe's error message.
      type: str
      returned: always
      sample: The path could not be explored.
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
      sample: /connections/9e1c8b9a-2f1d-4c2a-9f5e-0c1d2e3f4a5b/explore
"""

from ansible_collections.aep.platform.plugins.module_utils._explore import S3Explore
from ansible_collections.aep.platform.plugins.module_utils._module import run_module


def main():
    run_module(S3Explore)


if __name__ == "__main__":
    main()
