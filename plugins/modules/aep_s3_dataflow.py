#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright: (c) 2026, aep.platform contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import annotations

DOCUMENTATION = r"""
module: aep_s3_dataflow
short_description: Manage a dataflow from an Amazon S3 path into a Platform dataset, on a schedule
version_added: 1.0.0
description:
  - Declares one dataflow that ingests the files under an S3 path into a Catalog dataset, and manages the four
    Adobe objects behind it, a source connection, a target connection, a Data Prep mapping set and the flow
    (flow spec C(CloudStorageToAEP)), which Adobe says belong together and should not change apart.
  - A dataflow is found by O(id), or by its exact O(name) among C(CloudStorageToAEP) flows reading from S3;
    several with the name fail listing their ids.
  - On create, the children are created first (source connection named after the flow, target connection to the
    dataset with the dataset's schema, mapping set), then the flow, then it is disabled when asked. A step that
    fails removes what the task created before it, newest first, and the message names the step and any id it
    could not remove.
  - On an existing flow, O(name) (with O(id)), O(description), O(schedule), O(mappings) and O(state) are compared
    and changed. The connection, O(path), O(format) and its properties, O(recursive) and the dataset cannot change;
    O(on_immutable_change) decides what then happens.
  - The options needed only to create (connection, O(path), dataset, O(mappings) of a delimited flow) may be left
    out when the flow exists.
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
    details: Sends only GETs; C(changed) is true only when a write would happen.
  diff_mode:
    support: full
    details: Shows the name, description, path, format and its properties, dataset, mappings, schedule and state.
  facts:
    support: full
  platform:
    platforms: all
options:
  name:
    description:
      - The dataflow's name, compared exactly. Required to create. With O(id), the flow is renamed to O(name).
    type: str
  id:
    description:
      - UUID of an existing dataflow. An unknown id fails; it never creates a flow.
    type: str
  description:
    description: The dataflow's description (also given to its connections on create). Not compared when not given.
    type: str
  connection_id:
    description: UUID of the S3 base connection to read from (M(aep.platform.aep_s3_connection)).
    type: str
  connection_name:
    description: Exact name of the S3 base connection; mutually exclusive with O(connection_id).
    type: str
  path:
    description:
      - What to ingest, as Platform writes paths (M(aep.platform.aep_s3_explore_info) shows them), a file
        (V(/acme-aep-landing/in/members.csv)), a folder (V(/acme-aep-landing/in/)) or a wildcard
        (V(/acme-aep-landing/in/*.csv)).
    type: str
  format:
    description:
      - The files' format. V(json) and V(parquet) files without O(mappings) must be XDM-compliant.
    type: str
    choices: [delimited, json, parquet]
    default: delimited
  column_delimiter:
    description: The column delimiter of delimited files, one character; Platform's default is a comma.
    type: str
  compression:
    description: The files' compression.
    type: str
    choices: [bzip2, gzip, deflate, zipDeflate, tarGzip, tar]
  encoding:
    description: The encoding of delimited files.
    type: str
    choices: [UTF-8, ISO-8859-1]
  recursive:
    description: Also ingest the files in sub-folders of O(path).
    type: bool
  dataset_id:
    description: Catalog id of the target dataset (M(aep.platform.aep_dataset)); its schema is the flow's target schema.
    type: str
  dataset_name:
    description: Exact name of the target dataset; mutually exclusive with O(dataset_id).
    type: str
  mappings:
    description:
      - How source columns fill the schema's fields (M(aep.platform.aep_schema_info) with O(aep.platform.aep_schema_info#module:fields=true)
        lists the paths). Required for a delimited flow; compared, in any order, with the flow's mapping set.
      - A change is a new version of the mapping set (C(PUT)) and a patch of the flow to that version.
    type: list
    elements: dict
    suboptions:
      source:
        description: A source column, or an expression when O(mappings[].source_type=expression).
        type: str
        required: true
      destination:
        description: The XDM field's path in dot notation, such as V(person.name.firstName).
        type: str
        required: true
      source_type:
        description: What O(mappings[].source) is.
        type: str
        choices: [attribute, expression]
        default: attribute
  schedule:
    description:
      - When the flow runs. Omitted on create, it runs once, now. Only the keys given are compared.
      - These rules are checked before any request.
    type: dict
    suboptions:
      frequency:
        description: How often.
        type: str
        required: true
        choices: [once, minute, hour, day, week]
      interval:
        description:
          - Every how many O(schedule.frequency) units; required unless O(schedule.frequency=once), where it must
            not be given. At least 15 for V(minute), 1 otherwise.
        type: int
      start_time:
        description:
          - When the first run starts, epoch seconds or an ISO 8601 time (UTC when it names no zone). Default now,
            on create only; when not given it is never compared. Platform refuses a start time in the past, and
            refuses to change it once it has passed.
        type: raw
      backfill:
        description:
          - Whether the first run ingests the files already there. Default V(true); not allowed with
            O(schedule.frequency=once).
        type: bool
  state:
    description:
      - V(enabled) and V(disabled) ensure the flow exists in that state (C(POST /flows/{id}/action?op=...)).
      - V(absent) deletes the flow, then its source and target connections. The mapping set stays (Data Prep
        documents no delete).
    type: str
    choices: [enabled, disabled, absent]
    default: enabled
  on_immutable_change:
    description:
      - What to do when the connection, O(path), O(format) or its properties, O(recursive) or the dataset differ on
        an existing flow. V(fail) names each difference and changes nothing. V(replace) deletes the flow and its
        connections and creates them anew; B(the run history goes with them).
    type: str
    choices: [fail, replace]
    default: fail
notes:
  - "Request budget: a converged task sends only GETs, at most 4 when the connection and dataset are given by id
    (flow, source connection, target connection, mapping set), 6 when they are given by name. A create sends the
    look-ups, four POSTs (three without mappings) and a GET."
  - A create whose reply is lost is looked up before it is sent again, for every child and the flow. A mapping set
    is created with a name of its own, so that such a look-up finds it instead of making a second one.
  - Tasks on one controller that create the same name take turns (a lock around look-up and create). Across
    controllers, a create is followed by one look-up by name; when other tasks created flows of that name at the
    same time, all keep the earliest created, and a task whose flow is not that one deletes its flow and its own
    source and target connections (its mapping set stays, since Data Prep documents no delete) and returns the
    kept flow.
seealso:
  - module: aep.platform.aep_s3_connection
  - module: aep.platform.aep_dataset
  - module: aep.platform.aep_dataflow_run_info
  - module: aep.platform.aep_s3_explore_info
  - module: aep.platform.aep_schema_info
  - name: Create a dataflow for a cloud storage source
    description: Adobe's tutorial of the calls this module makes.
    link: https://experienceleague.adobe.com/docs/experience-platform/sources/api-tutorials/collect/cloud-storage.html
  - name: Update dataflows
    description: Adobe's guide to changing a dataflow's name, schedule, mappings and state.
    link: https://experienceleague.adobe.com/docs/experience-platform/sources/api-tutorials/update-dataflows.html
  - name: Flow Service API reference
    description: Adobe's reference of the source connection, target connection and flow endpoints this module calls.
    link: https://developer.adobe.com/experience-platform-apis/references/flow-service/
  - name: Data Prep API reference
    description: Adobe's reference of the mapping set endpoints (C(/mappingSets)) this module calls.
    link: https://developer.adobe.com/experience-platform-apis/references/data-prep/
"""

EXAMPLES = r"""
- name: Ingest the loyalty CSV files every day
  aep.platform.aep_s3_dataflow:
    name: loyalty-members
    description: Nightly members export
    connection_name: landing-bucket
    path: /acme-aep-landing/in/loyalty/*.csv
    dataset_name: Loyalty Members
    mappings:
      - {source: id, destination: _acme.loyalty.memberId}
      - {source: first_name, destination: person.name.firstName}
      - {source: email, destination: personalEmail.address}
      - {source: points, destination: _acme.loyalty.points}
    schedule:
      frequency: day
      interval: 1
      start_time: "2026-12-01T06:00:00Z"
  register: flow

- name: Pause it
  aep.platform.aep_s3_dataflow:
    name: loyalty-members
    state: disabled

- name: Point it at another folder, replacing the flow and its connections
  aep.platform.aep_s3_dataflow:
    name: loyalty-members
    path: /acme-aep-landing/in/loyalty-v2/*.csv
    on_immutable_change: replace

- name: Delete it (the dataset and its data stay)
  aep.platform.aep_s3_dataflow:
    name: loyalty-members
    state: absent
"""

RETURN = r"""
id:
  description: UUID of the flow; null when check mode would create it.
  returned: always
  type: str
  sample: 3d17a4ff-9e0a-4f7c-94bb-bc0b61a3a76d
etag:
  description: The flow's etag; null once deleted.
  returned: always
  type: str
  sample: '"7e05f181-0000-0200-0000-638e84f40000"'
dataflow:
  description: The flow as Flow Service returns it (as it was, for O(state=absent)); empty when there is none.
  returned: always
  type: dict
  sample: {id: 3d17a4ff-9e0a-4f7c-94bb-bc0b61a3a76d, name: loyalty-members, state: enabled}
source_connection_id:
  description: UUID of the flow's source connection.
  returned: always
  type: str
  sample: eb19c882-f19c-4d63-ad21-1d7ba9b21a85
target_connection_id:
  description: UUID of the flow's target connection.
  returned: always
  type: str
  sample: eea7eaf4-3fe5-4792-b59b-2ec24c3e8331
mapping_set_id:
  description: Id of the flow's mapping set; null without mappings.
  returned: always
  type: str
  sample: 0b090130b58b4819afc78b6dc98b484d
mapping_version:
  description: The mapping set version the flow uses; null without mappings.
  returned: always
  type: int
  sample: 1
replaced:
  description: The id of the flow that O(on_immutable_change=replace) deleted.
  returned: when the flow was replaced
  type: str
  sample: 3d17a4ff-9e0a-4f7c-94bb-bc0b61a3a76d
ansible_facts:
  description: Facts about the dataflow, for later tasks.
  returned: always
  type: dict
  sample:
    aep_s3_dataflow:
      id: 3d17a4ff-9e0a-4f7c-94bb-bc0b61a3a76d
      etag: '"7e05f181-0000-0200-0000-638e84f40000"'
      name: loyalty-members
      source_connection_id: eb19c882-f19c-4d63-ad21-1d7ba9b21a85
      target_connection_id: eea7eaf4-3fe5-4792-b59b-2ec24c3e8331
      mapping_set_id: 0b090130b58b4819afc78b6dc98b484d
  contains:
    aep_s3_dataflow:
      description: C(id), C(etag), C(name), C(source_connection_id), C(target_connection_id), C(mapping_set_id).
      type: dict
      returned: always
      sample: {id: 3d17a4ff-9e0a-4f7c-94bb-bc0b61a3a76d, name: loyalty-members}
ids:
  description: The ids of the flows sharing O(name), when the task failed because there are several.
  returned: failure, when the name is ambiguous
  type: list
  elements: str
  sample: [3d17a4ff-9e0a-4f7c-94bb-bc0b61a3a76d, 1b2c3d4e-0000-4000-8000-000000000002]
status:
  description: HTTP status of the request that failed.
  returned: failure, when the API answered
  type: int
  sample: 400
error:
  description: Adobe's error for the request that failed, with C(code), C(message), C(request_id), C(method), C(path).
  returned: failure, when the API answered
  type: dict
  sample: {code: FLOW-1360-400, message: The start time cannot be set in the past, request_id: 5b1f, method: POST,
           path: /flows}
"""

from ansible_collections.aep.platform.plugins.module_utils._dataflow import S3Dataflow
from ansible_collections.aep.platform.plugins.module_utils._module import run_module


def main():
    run_module(S3Dataflow)


if __name__ == "__main__":
    main()
