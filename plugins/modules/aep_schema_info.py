#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright: (c) 2026, aep.platform contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import annotations

DOCUMENTATION = r"""
module: aep_schema_info
short_description: Find XDM schemas in the Adobe Experience Platform Schema Registry
version_added: 1.0.0
description:
  - Lists the sandbox's tenant XDM schemas through the Schema Registry API
    (C(/data/foundation/schemaregistry/tenant/schemas)), following every page of the list.
  - With O(title), only the schemas with exactly that title; with O(id), only that schema.
  - With O(fields=true), also returns each schema's fields flattened to dot paths (from the schema with its
    field groups resolved), which is what a dataflow's mappings name as destinations.
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
  title:
    description:
      - Only the schemas with exactly this title (case-sensitive). Titles are not unique, so there may be several.
      - Mutually exclusive with O(id). Without O(title) and O(id), every tenant schema of the sandbox is listed.
    type: str
  id:
    description:
      - Only the schema with this id, its C($id) URI (C(https://ns.adobe.com/<tenant>/schemas/<hex>)) or its
        C(meta:altId) (C(_<tenant>.schemas.<hex>)).
      - An unknown id gives an empty list. Mutually exclusive with O(title).
    type: str
  fields:
    description:
      - Also return RV(schemas[].fields), the schema's leaf fields in dot notation.
      - One more request per schema when the schemas are listed or found by title.
    type: bool
    default: false
notes:
  - "Request budget: one GET per page of schemas (300 a page); with O(fields=true) one more GET per schema
    listed; with O(id), one GET."
seealso:
  - module: aep.platform.aep_dataset
  - module: aep.platform.aep_s3_dataflow
  - module: aep.platform.aep_s3_explore_info
  - name: Schema Registry API
    description: Adobe's guide to the schemas endpoint.
    link: https://experienceleague.adobe.com/docs/experience-platform/xdm/api/schemas.html
  - name: Schema Registry API reference
    description: Adobe's reference of the tenant schema endpoints (C(/tenant/schemas)) this module calls.
    link: https://developer.adobe.com/experience-platform-apis/references/schema-registry/
"""

EXAMPLES = r"""
- name: Find the schema of the loyalty data, with its fields
  aep.platform.aep_schema_info:
    title: Loyalty Members
    fields: true
  register: loyalty

- name: Show the paths a mapping can write to
  ansible.builtin.debug:
    msg: "{{ loyalty.schemas[0].fields | map(attribute='path') | list }}"

- name: List every tenant schema of the sandbox
  aep.platform.aep_schema_info:
  register: all_schemas

- name: Read one schema by its id
  aep.platform.aep_schema_info:
    id: https://ns.adobe.com/acme/schemas/0238be5d2e8a4e0fa6bd4e6c1f0e1b2c
"""

RETURN = r"""
schemas:
  description: The schemas found, in the order the Schema Registry lists them; empty when none matches.
  returned: always
  type: list
  elements: dict
  sample:
    - id: https://ns.adobe.com/acme/schemas/0238be5d2e8a4e0fa6bd4e6c1f0e1b2c
      alt_id: _acme.schemas.0238be5d2e8a4e0fa6bd4e6c1f0e1b2c
      title: Loyalty Members
      version: "1.2"
      description: Members of the loyalty programme
      class: https://ns.adobe.com/xdm/context/profile
      fields: [{path: person.name.firstName, type: string}, {path: _acme.loyalty.points, type: integer}]
  contains:
    id:
      description: The schema's C($id) URI, which datasets and dataflows refer to.
      type: str
      returned: always
      sample: https://ns.adobe.com/acme/schemas/0238be5d2e8a4e0fa6bd4e6c1f0e1b2c
    alt_id:
      description: The schema's C(meta:altId).
      type: str
      returned: always
      sample: _acme.schemas.0238be5d2e8a4e0fa6bd4e6c1f0e1b2c
    title:
      description: The schema's title.
      type: str
      returned: always
      sample: Loyalty Members
    version:
      description: The schema's version.
      type: str
      returned: always
      sample: "1.2"
    description:
      description: The schema's description; null when it has none.
      type: str
      returned: always
      sample: Members of the loyalty programme
    class:
      description: The C($id) of the schema's XDM class (C(meta:class)).
      type: str
      returned: always
      sample: https://ns.adobe.com/xdm/context/profile
    fields:
      description:
        - The schema's leaf fields, sorted by C(path). Fields inside an array of objects have C([]) after the
          array's name in their path.
        - Each has C(path) and C(type), and C(format), C(xdm_type) (the field's C(meta:xdmType)) and C(items_type)
          (for an array of scalars) when the schema gives them.
      type: list
      elements: dict
      returned: when O(fields=true)
      sample: [{path: person.name.firstName, type: string}, {path: _acme.loyalty.points, type: integer}]
status:
  description: HTTP status of the request that failed.
  returned: failure, when the API answered
  type: int
  sample: 406
error:
  description: Adobe's error for the request that failed.
  returned: failure, when the API answered
  type: dict
  sample:
    code: XDM-1010-406
    message: The Accept header is not supported.
    request_id: 6f1b2c3d4e5f40718293a4b5c6d7e8f9
    method: GET
    path: /tenant/schemas/_acme.schemas.0238be5d2e8a4e0fa6bd4e6c1f0e1b2c
  contains:
    code:
      description: Adobe's error code.
      type: str
      returned: always
      sample: XDM-1010-406
    message:
      description: Adobe's error message.
      type: str
      returned: always
      sample: The Accept header is not supported.
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
      description: Path of the failed request, below the Schema Registry base URL.
      type: str
      returned: always
      sample: /tenant/schemas/_acme.schemas.0238be5d2e8a4e0fa6bd4e6c1f0e1b2c
"""

from ansible_collections.aep.platform.plugins.module_utils._module import run_module
from ansible_collections.aep.platform.plugins.module_utils._schema import SchemaInfo


def main():
    run_module(SchemaInfo)


if __name__ == "__main__":
    main()
