"""Intelligence packs of a Log Analytics workspace through azure-mgmt-loganalytics 14.0.0 (``intelligence_packs``,
api 2025-07-01) and raw REST at 2020-08-01 (the list is a plain JSON array, as in WorkspacesListIntelligencePacks.json)."""

import pytest
from azure.core.exceptions import ResourceNotFoundError
from azure.mgmt.loganalytics import LogAnalyticsManagementClient


@pytest.fixture
def la(azsim, mode):
    return azsim.client(LogAnalyticsManagementClient, mode)


def test_list_enable_disable(azsim, mode, la, resource_group, unique):
    ws = la.workspaces.begin_create_or_update(resource_group, f"law-{unique}", {"location": "westeurope"}).result()
    packs = {p.name: p for p in la.intelligence_packs.list(resource_group, ws.name)}
    assert packs["LogManagement"].enabled is True and packs["LogManagement"].display_name == "Log Management"
    assert packs["ChangeTracking"].enabled is False and packs["AzureActivity"].display_name == "Activity Log Analytics"
    assert la.intelligence_packs.enable(resource_group, ws.name, "ChangeTracking") is None
    la.intelligence_packs.disable(resource_group, ws.name, "LogManagement")
    packs = {p.name: p.enabled for p in la.intelligence_packs.list(resource_group, ws.name)}
    assert packs["ChangeTracking"] is True and packs["LogManagement"] is False

    r = azsim.session(mode).get(f"{azsim.arm(mode)}{ws.id}/intelligencePacks", params={"api-version": "2020-08-01"})
    assert r.status_code == 200 and isinstance(r.json(), list)
    row = next(x for x in r.json() if x["name"] == "ChangeTracking")
    assert row == {"name": "ChangeTracking", "enabled": True, "displayName": "Change Tracking"}
    r = azsim.session(mode).post(f"{azsim.arm(mode)}{ws.id}/intelligencePacks/changetracking/Disable", params={"api-version": "2020-08-01"})
    assert r.status_code == 200 and not r.content
    assert not {p.name: p.enabled for p in la.intelligence_packs.list(resource_group, ws.name)}["ChangeTracking"]


def test_missing_workspace(la, resource_group, unique):
    with pytest.raises(ResourceNotFoundError):
        la.intelligence_packs.list(resource_group, f"nope-{unique}")
    with pytest.raises(ResourceNotFoundError):
        la.intelligence_packs.enable(resource_group, f"nope-{unique}", "ChangeTracking")
