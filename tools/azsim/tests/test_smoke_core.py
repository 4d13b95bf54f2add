"""The core pipeline seen through the official SDKs: both ways of reaching azsim work."""

from azure.mgmt.resource.resources import ResourceManagementClient


def test_resource_group_round_trip(azsim, mode, unique):
    c = azsim.client(ResourceManagementClient, mode)
    g = c.resource_groups.create_or_update(f"rg-smoke-{unique}", {"location": "West Europe", "tags": {"env": "test"}})
    assert g.location == "westeurope"
    assert g.tags == {"env": "test"}
    assert g.id == f"/subscriptions/{azsim.sub}/resourceGroups/rg-smoke-{unique}"
    assert c.resource_groups.check_existence(f"rg-smoke-{unique}") is True
    assert c.resource_groups.check_existence(f"rg-missing-{unique}") is False
