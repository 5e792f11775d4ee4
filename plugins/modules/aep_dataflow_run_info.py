#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright: (c) 2026, aep.platform contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import annotations

DOCUMENTATION = r"""
module: aep_dataflow_run_info
short_description: Show a dataflow's runs in Adobe Experience Platform, and wait for one to finish
version_added: 1.0.0
description:
  - Lists a dataflow's newest runs through the Flow Service API (C(GET /runs?property=flowId==...)), newest first,
    with their status, times, record and file counts, errors and the Catalog batches they wrote.
  - With O(wait=true), first waits until the newest run (or the first one, when none has started yet) has
    finished. A run that ends failed fails the task with its errors; a timeout fails naming the run still going.
  - Statuses are reported as Adobe sends them, lower-cased; anything other than V(success) or V(failed) counts
    as running.
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
    details: The module only reads (every request is a GET), so it runs, and waits, in check mode too.
  diff_mode:
    support: N/A
    details: The module changes nothing, so there is no diff.
  platform:
    platforms: all
options:
  dataflow_id:
    description:
      - UUID of the dataflow. One of O(dataflow_id) and O(dataflow_name) is required.
    type: str
  dataflow_name:
    description:
      - Exact name of the dataflow; several dataflows with the name fail listing their ids.
    type: str
  limit:
    description: The most runs to return, newest first.
    type: int
    default: 10
  wait:
    description: Wait until the newest run, or the first one if there is none yet, has finished.
    type: bool
    default: false
  wait_timeout:
    description: How long to wait, in seconds.
    type: int
    default: 1800
  poll_interval:
    description: Seconds between two looks at the newest run while waiting.
    type: int
    default: 15
notes:
  - "Request budget: one GET to find the dataflow, one per page of runs, and one per poll while waiting."
seealso:
  - module: aep.platform.aep_s3_dataflow
  - module: aep.platform.aep_dataset
  - name: Monitor dataflows
    description: Adobe's guide to dataflow runs.
    link: https://experienceleague.adobe.com/docs/experience-platform/dataflows/api/monitor.html
  - name: Flow Service API reference
    description: Adobe's reference of the flow and run endpoints (C(/flows), C(/runs)) this module calls.
    link: https://developer.adobe.com/experience-platform-apis/references/flow-service/
"""

EXAMPLES = r"""
- name: Wait for the first run of the loyalty dataflow, and show what it wrote
  aep.platform.aep_dataflow_run_info:
    dataflow_name: loyalty-members
    wait: true
    wait_timeout: 3600
    poll_interval: 30
  register: runs

- name: Show the records written
  ansible.builtin.debug:
    msg: "{{ runs.latest.records_written }} of {{ runs.latest.records_read }} records in {{ runs.latest.batch_ids }}"

- name: The last 3 runs by id
  aep.platform.aep_dataflow_run_info:
    dataflow_id: 3d17a4ff-9e0a-4f7c-94bb-bc0b61a3a76d
    limit: 3
"""

RETURN = r"""
dataflow_id:
  description: UUID of the dataflow.
  returned: always
  type: str
  sample: 3d17a4ff-9e0a-4f7c-94bb-bc0b61a3a76d
runs:
  description: The newest runs, newest first.
  returned: always
  type: list
  elements: dict
  sample:
    - id: 65b7cfcc-6b2e-47c8-8194-13005b792752
      status: success
      started_at: "2026-11-30T06:00:05.922Z"
      completed_at: "2026-11-30T06:01:02.413Z"
      duration_seconds: 56.491
      records_read: 26758
      records_written: 26758
      records_failed: 0
      files_read: 11
      bytes_read: 87885
      errors: []
      batch_ids: [01EF01X41KJD82Y9ZX6ET54PCZ]
  contains:
    id:
      description: UUID of the run.
      type: str
      returned: always
      sample: 65b7cfcc-6b2e-47c8-8194-13005b792752
    status:
      description: The run's status as Adobe sends it, lower-cased, such as V(success), V(failed), V(inprogress).
      type: str
      returned: always
      sample: success
    started_at:
      description: When the run started, ISO 8601 UTC; null before it has.
      type: str
      returned: always
      sample: "2026-11-30T06:00:05.922Z"
    completed_at:
      description: When the run finished, ISO 8601 UTC; null while it runs.
      type: str
      returned: always
      sample: "2026-11-30T06:01:02.413Z"
    duration_seconds:
      description: Seconds from start to finish; null while it runs.
      type: float
      returned: always
      sample: 56.491
    records_read:
      description: Records read from the files.
      type: int
      returned: always
      sample: 26758
    records_written:
      description: Records written to the dataset.
      type: int
      returned: always
      sample: 26758
    records_failed:
      description: Records that failed.
      type: int
      returned: always
      sample: 0
    files_read:
      description: Files read.
      type: int
      returned: always
      sample: 11
    bytes_read:
      description: Bytes read.
      type: int
      returned: always
      sample: 87885
    errors:
      description: The run's errors, each with C(code) and C(message).
      type: list
      elements: dict
      returned: always
      sample: [{code: MAPPER-3700-400, message: Mapper Transform Error}]
    batch_ids:
      description: The Catalog batches the run wrote.
      type: list
      elements: str
      returned: always
      sample: [01EF01X41KJD82Y9ZX6ET54PCZ]
latest:
  description: The newest run (the first item of RV(runs)); null when there is none.
  returned: always
  type: dict
  sample: {id: 65b7cfcc-6b2e-47c8-8194-13005b792752, status: success, records_written: 26758}
run:
  description: The run that failed, or that was still going when O(wait_timeout) ran out.
  returned: failure, while waiting
  type: dict
  sample: {id: 65b7cfcc-6b2e-47c8-8194-13005b792752, status: failed}
status:
  description: HTTP status of the request that failed.
  returned: failure, when the API answered
  type: int
  sample: 404
error:
  description: Adobe's error for the request that failed, with C(code), C(message), C(request_id), C(method), C(path).
  returned: failure, when the API answered
  type: dict
  sample: {code: FLOW-1101-404, message: Resource not found, request_id: 5b1f, method: GET, path: /flows/x}
"""

from ansible_collections.aep.platform.plugins.module_utils._module import run_module
from ansible_collections.aep.platform.plugins.module_utils._runs import DataflowRunInfo


def main():
    run_module(DataflowRunInfo)


if __name__ == "__main__":
    main()
