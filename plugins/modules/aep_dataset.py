#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright: (c) 2026, aep.platform contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import annotations

DOCUMENTATION = r"""
module: aep_dataset
short_description: Manage Catalog datasets in Adobe Experience Platform
version_added: 1.0.0
description:
  - Creates, updates or deletes a dataset through the Catalog Service API (C(/data/foundation/catalog/dataSets)),
    where the data a dataflow ingests lands, typed by an XDM schema.
  - A dataset is found by O(id), or by its exact O(name). Names are not unique in Platform; when several datasets
    share the name, the task fails and lists their ids.
  - A dataset's schema cannot change. When O(schema) names another schema than the existing dataset's, the task
    fails and changes nothing.
  - O(description) is compared and updated; so is O(name) when the dataset is addressed by O(id).
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
    details: Sends only GETs and returns what would change; a dataset that would be created has a null id.
  diff_mode:
    support: full
    details: Shows the name, the description and the schema id before and after.
  facts:
    support: full
  platform:
    platforms: all
options:
  name:
    description:
      - The dataset's name (case-sensitive, compared exactly, C(*) and C(,) included).
      - Required to create a dataset. With O(id), the dataset is renamed to O(name).
    type: str
  id:
    description:
      - The Catalog id of an existing dataset, 24 hexadecimal characters.
      - An unknown id fails; it never creates a dataset.
    type: str
  description:
    description:
      - The dataset's description. Not compared when not given.
    type: str
  schema:
    description:
      - The dataset's XDM schema, by its exact title or its C($id) URI (or C(meta:altId)). A title must match
        exactly one schema of the sandbox (M(aep.platform.aep_schema_info) lists them).
      - Required to create a dataset. On an existing dataset it is only checked.
    type: str
  state:
    description:
      - V(present) creates or updates the dataset; V(absent) deletes it.
      - B(Deleting a dataset deletes the data ingested into it), and any dataflow writing to it then fails.
    type: str
    choices: [present, absent]
    default: present
notes:
  - "Request budget: a converged task sends one Catalog GET (the name look-up or the read by id), and one Schema
    Registry GET more when O(schema) is a title or an altId; a create adds the schema look-up, the POST and a GET
    of the new dataset; an update a PATCH and a GET; a delete one DELETE."
  - A create whose reply is lost is not sent again blindly; the dataset is looked up by name first.
seealso:
  - module: aep.platform.aep_schema_info
  - module: aep.platform.aep_s3_dataflow
  - name: Catalog Service API, create a dataset
    description: Adobe's guide to creating datasets.
    link: https://experienceleague.adobe.com/docs/experience-platform/catalog/api/create-dataset.html
  - name: Catalog Service API reference
    description: Adobe's reference of the dataset endpoints (C(/dataSets)) this module calls.
    link: https://developer.adobe.com/experience-platform-apis/references/catalog/
"""

EXAMPLES = r"""
- name: Ensure the loyalty dataset exists
  aep.platform.aep_dataset:
    name: Loyalty Members
    description: Members exported nightly from the ERP
    schema: Loyalty Members
  register: loyalty

- name: Use its id
  ansible.builtin.debug:
    msg: "{{ loyalty.id }} typed by {{ loyalty.schema_id }}"

- name: Change the description of a dataset found by id
  aep.platform.aep_dataset:
    id: 5f3c3cedb2805c194ff0b69a
    description: Members, deduplicated

- name: Delete the dataset and the data ingested into it
  aep.platform.aep_dataset:
    name: Loyalty Members (test)
    state: absent
"""

RETURN = r"""
id:
  description: The dataset's Catalog id; null when check mode would create it.
  returned: always
  type: str
  sample: 5f3c3cedb2805c194ff0b69a
schema_id:
  description: The C($id) of the dataset's schema.
  returned: when the dataset exists or would be created
  type: str
  sample: https://ns.adobe.com/acme/schemas/0238be5d2e8a4e0fa6bd4e6c1f0e1b2c
dataset:
  description:
    - The dataset as Catalog returns it, with its C(id) added; as it was before it was deleted for
      O(state=absent); empty when there was none to delete.
  returned: always
  type: dict
  sample:
    id: 5f3c3cedb2805c194ff0b69a
    name: Loyalty Members
    description: Members exported nightly from the ERP
    schemaRef: {id: "https://ns.adobe.com/acme/schemas/0238be5d2e8a4e0fa6bd4e6c1f0e1b2c",
                contentType: "application/vnd.adobe.xed+json;version=1"}
    created: 1700000000123
    updated: 1700000000123
ansible_facts:
  description: Facts about the dataset, for later tasks.
  returned: always
  type: dict
  sample:
    aep_dataset: {id: 5f3c3cedb2805c194ff0b69a, name: Loyalty Members,
                  schema_id: "https://ns.adobe.com/acme/schemas/0238be5d2e8a4e0fa6bd4e6c1f0e1b2c"}
  contains:
    aep_dataset:
      description: C(id) (null once deleted), C(name) and C(schema_id) of the dataset.
      type: dict
      returned: always
      sample: {id: 5f3c3cedb2805c194ff0b69a, name: Loyalty Members,
               schema_id: "https://ns.adobe.com/acme/schemas/0238be5d2e8a4e0fa6bd4e6c1f0e1b2c"}
ids:
  description: The ids of the datasets sharing O(name), when the task failed because there are several.
  returned: failure, when the name is ambiguous
  type: list
  elements: str
  sample: [5f3c3cedb2805c194ff0b69a, 5f3c3cedb2805c194ff0b69b]
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
    code: CAT-1402-400
    message: The schema reference is not valid.
    request_id: 6f1b2c3d4e5f40718293a4b5c6d7e8f9
    method: POST
    path: /dataSets
  contains:
    code:
      description: Adobe's error code.
      type: str
      returned: always
      sample: CAT-1402-400
    message:
      description: Adobe's error message.
      type: str
      returned: always
      sample: The schema reference is not valid.
    request_id:
      description: Adobe's request id, to quote to Adobe support.
      type: str
      returned: always
      sample: 6f1b2c3d4e5f40718293a4b5c6d7e8f9
    method:
      description: HTTP method of the failed request.
      type: str
      returned: always
      sample: POST
    path:
      description: Path of the failed request, below the Catalog base URL.
      type: str
      returned: always
      sample: /dataSets
"""

from ansible_collections.aep.platform.plugins.module_utils._dataset import Dataset
from ansible_collections.aep.platform.plugins.module_utils._module import run_module


def main():
    run_module(Dataset)


if __name__ == "__main__":
    main()
