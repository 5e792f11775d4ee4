"""aep_s3_explore_info, aep_schema_info and aep_dataset through ansible-playbook on both execution paths,
with the emulator's journal and store checked where a playbook cannot see."""

from urllib.parse import parse_qs

import requests
from aep_emulator import DEFAULT_ACCESS_TOKEN

CATALOG = "/data/foundation/catalog/dataSets"


def _api(emulator, method, path, **kwargs):
    headers = {"Authorization": "Bearer " + DEFAULT_ACCESS_TOKEN, "x-api-key": emulator.client_id,
               "x-gw-ims-org-id": kwargs.pop("org"), "x-sandbox-name": "prod"}
    response = requests.request(method, emulator.url + path, headers=headers, timeout=10, **kwargs)
    response.raise_for_status()
    return response.json()


def test_explore(ansible, emulator_vars, emulator):
    run = ansible.playbook("explore.yml", extra_vars=emulator_vars)

    explores = [entry for entry in emulator.journal() if entry["path"].endswith("/explore")]
    assert explores and all(entry["method"] == "GET" for entry in explores)
    assert "explore-secret-marker" not in run.output


def test_schema_info(ansible, emulator_vars, emulator):
    ansible.playbook("schema_info.yml", extra_vars=emulator_vars)

    lists = [entry for entry in emulator.journal()
             if entry["path"] == "/data/foundation/schemaregistry/tenant/schemas" and "property" not in entry["query"]]
    assert len(lists) >= 2, "the whole list must span several pages (the emulator serves 3 a page)"
    assert all(entry["method"] == "GET" for entry in emulator.journal())


def test_dataset(ansible, emulator_vars, emulator):
    ansible.playbook("dataset.yml", extra_vars=emulator_vars)

    names = sorted(item["name"] for item in emulator.datasets(emulator_vars["aep_org_id"], "prod"))
    assert names == ["a,b", "a,c", "sales*2026", "sales-any-2026"]
    creates = [entry for entry in emulator.journal() if entry["method"] == "POST" and entry["path"] == CATALOG]
    assert len(creates) == 5  # the loyalty dataset and the four odd names, each once


def test_a_converged_dataset_sends_one_get(ansible, emulator_vars, emulator):
    ansible.playbook("dataset.yml", extra_vars=dict(emulator_vars, name_prefix="budget-"))
    schema_id = next(schema["$id"] for schema in emulator.schemas(emulator_vars["aep_org_id"])
                     if schema["title"] == "Web Events")
    _api(emulator, "POST", CATALOG + "?requestDataSource=true", org=emulator_vars["aep_org_id"],
         json={"name": "steady", "schemaRef": {"id": schema_id, "contentType": "application/vnd.adobe.xed+json;version=1"}})
    emulator.clear_journal()

    ansible.playbook("dataset_converge.yml", extra_vars=dict(emulator_vars, schema_id=schema_id))

    assert [(entry["method"], entry["path"]) for entry in emulator.journal()] == [("GET", CATALOG)]


def test_a_name_shared_by_more_than_a_page_of_datasets(ansible, emulator_vars, emulator):
    org = emulator_vars["aep_org_id"]
    schema_id = next(schema["$id"] for schema in emulator.schemas(org) if schema["title"] == "Web Events")
    for _copy in range(101):
        _api(emulator, "POST", CATALOG, org=org,
             json={"name": "crowded", "schemaRef": {"id": schema_id,
                                                    "contentType": "application/vnd.adobe.xed+json;version=1"}})
    emulator.clear_journal()

    run = ansible.playbook("dataset_converge.yml", extra_vars=dict(emulator_vars, schema_id=schema_id,
                                                                   dataset_name="crowded"), expect_rc=2)

    assert "101 datasets are named 'crowded'" in run.output
    # Two pages per look-up; the look-up may be repeated, since datasets created moments apart may be racers settling.
    pages = [parse_qs(entry["query"]) for entry in emulator.journal()]
    assert pages[:2] == [{"start": [start], "limit": ["100"], "property": ["name==crowded"]} for start in ("0", "100")]
    assert all(page in pages[:2] for page in pages)
