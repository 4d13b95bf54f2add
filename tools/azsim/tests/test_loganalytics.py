"""Log Analytics workspaces (Microsoft.OperationalInsights/workspaces) through azure-mgmt-loganalytics's
LogAnalyticsManagementClient (api 2025-07-01), plus raw REST for status codes and bodies the SDK hides."""

import uuid

import pytest
from azure.core.exceptions import HttpResponseError, ResourceNotFoundError
from azure.mgmt.loganalytics import LogAnalyticsManagementClient

API = "api-version=2025-07-01"


@pytest.fixture
def la(azsim, mode):
    return azsim.client(LogAnalyticsManagementClient, mode)


def _url(azsim, mode, rg, name=""):
    base = f"{azsim.arm(mode)}/subscriptions/{azsim.sub}/resourceGroups/{rg}/providers/Microsoft.OperationalInsights/workspaces"
    return f"{base}/{name}" if name else base


def _error(resp):
    err = resp.json()["error"]
    return resp.status_code, err["code"], err["message"]


def test_create_get_update_list_keys(azsim, mode, la, resource_group, unique):
    name = f"law-{unique}"
    s = azsim.session(mode)
    r = s.put(f"{_url(azsim, mode, resource_group, name)}?{API}", json={"location": "westeurope", "tags": {"env": "test"}})
    # Spec example Workspaces_CreateOrUpdate: 201, provisioningState Creating, lower-cased id, customerId GUID.
    assert r.status_code == 201, r.text
    body = r.json()
    assert body["properties"]["provisioningState"] == "Creating"
    assert body["id"] == body["id"].lower() and body["id"].endswith(f"/providers/microsoft.operationalinsights/workspaces/{name}")
    assert body["name"] == name and body["type"] == "Microsoft.OperationalInsights/workspaces"
    uuid.UUID(body["properties"]["customerId"])
    p = body["properties"]
    assert p["sku"]["name"] == "PerGB2018" and p["retentionInDays"] == 30 and p["workspaceCapping"]["dailyQuotaGb"] == -1
    assert p["publicNetworkAccessForIngestion"] == "Enabled" and p["publicNetworkAccessForQuery"] == "Enabled"
    assert "_keys" not in p
    ws = la.workspaces.get(resource_group, name)
    assert ws.provisioning_state == "Succeeded" and ws.customer_id == p["customerId"]
    # SDK create: body polling to Succeeded; update keeps customerId.
    props = {"retentionInDays": 90, "workspaceCapping": {"dailyQuotaGb": 5}, "publicNetworkAccessForQuery": "Disabled"}
    ws = la.workspaces.begin_create_or_update(resource_group, name, {"location": "westeurope", "properties": props}).result()
    assert ws.retention_in_days == 90 and ws.workspace_capping.daily_quota_gb == 5 and ws.public_network_access_for_query == "Disabled"
    assert ws.customer_id == p["customerId"] and ws.tags == {}
    ws = la.workspaces.update(resource_group, name, {"tags": {"a": "b"}, "properties": {"retentionInDays": 60}})
    assert ws.tags == {"a": "b"} and ws.retention_in_days == 60 and ws.workspace_capping.daily_quota_gb == 5
    keys = la.shared_keys.get_shared_keys(resource_group, name)
    assert len(keys.primary_shared_key) == 88 and keys.primary_shared_key != keys.secondary_shared_key
    new = la.shared_keys.regenerate(resource_group, name)
    assert new.primary_shared_key != keys.primary_shared_key
    assert name in [w.name for w in la.workspaces.list_by_resource_group(resource_group)]
    assert name in [w.name for w in la.workspaces.list()]


def test_sdk_create_new_workspace(la, resource_group, unique):
    ws = la.workspaces.begin_create_or_update(resource_group, f"law2-{unique}", {
        "location": "northeurope", "properties": {"sku": {"name": "CapacityReservation", "capacityReservationLevel": 100}}}).result()
    assert ws.provisioning_state == "Succeeded" and ws.sku.name == "CapacityReservation" and ws.sku.capacity_reservation_level == 100
    assert ws.location == "northeurope"


@pytest.mark.parametrize(("props", "code", "needle"), [
    ({"sku": {"name": "Free"}}, "BadRequest", "Pricing tier doesn't match the subscription's billing model"),
    ({"sku": {"name": "Standalone"}}, "BadRequest", "Pricing tier doesn't match"),
    ({"sku": {"name": "PerNode"}}, "BadRequest", "Pricing tier doesn't match"),
    ({"sku": {"name": "CapacityReservation"}}, "BadRequest", "capacity reservation level"),
    ({"sku": {"name": "CapacityReservation", "capacityReservationLevel": 150}}, "BadRequest", "capacity reservation level"),
    ({"sku": {"name": "Bogus"}}, "BadRequest", "sku 'Bogus' is invalid"),
    ({"retentionInDays": 29}, "BadRequest", "between 30 and 730"),
    ({"retentionInDays": 731}, "BadRequest", "between 30 and 730"),
    ({"workspaceCapping": {"dailyQuotaGb": 0}}, "BadRequest", "daily quota"),
    ({"publicNetworkAccessForIngestion": "Sometimes"}, "BadRequest", "publicNetworkAccessForIngestion"),
])
def test_property_validation(azsim, resource_group, unique, props, code, needle):
    s = azsim.session("direct")
    r = s.put(f"{_url(azsim, 'direct', resource_group, f'law-{unique}')}?{API}", json={"location": "westeurope", "properties": props})
    status, got, message = _error(r)
    assert status == 400 and got == code and needle in message, r.text
    if "Pricing tier" in needle:
        assert r.json()["error"]["target"] == "PricingTier"


@pytest.mark.parametrize("name", ["abc", "-abcd", "abcd-", "ab_cd", "a" * 64])
def test_name_rules(azsim, resource_group, name):
    r = azsim.session("direct").put(f"{_url(azsim, 'direct', resource_group, name)}?{API}", json={"location": "westeurope"})
    assert r.status_code == 400 and r.json()["error"]["code"] == "InvalidParameter", r.text


def test_valid_edge_names(azsim, resource_group, unique):
    s = azsim.session("direct")
    for name in (f"a{unique[:2]}b", (f"A1-{unique}-" + "x" * 63)[:62] + "9"):
        assert len(name) in (4, 63)
        r = s.put(f"{_url(azsim, 'direct', resource_group, name)}?{API}", json={"location": "westeurope"})
        assert r.status_code == 201, (name, r.text)


def test_soft_delete_recover_and_force(azsim, mode, la, resource_group, unique):
    name = f"law-sd-{unique}"
    ws = la.workspaces.begin_create_or_update(resource_group, name, {"location": "westeurope"}).result()
    keys = la.shared_keys.get_shared_keys(resource_group, name)
    la.workspaces.begin_delete(resource_group, name).result()
    with pytest.raises(ResourceNotFoundError):
        la.workspaces.get(resource_group, name)
    assert name in [w.name for w in la.deleted_workspaces.list_by_resource_group(resource_group)]
    # Same name, group, other region: the name is reserved (409 "is not unique").
    s = azsim.session(mode)
    r = s.put(f"{_url(azsim, mode, resource_group, name)}?{API}", json={"location": "northeurope"})
    assert r.status_code == 409 and r.json()["error"]["message"] == f"The workspace name '{name}' is not unique", r.text
    # Same name, group and region within 14 days: recovered with the same customerId and keys.
    back = la.workspaces.begin_create_or_update(resource_group, name, {"location": "westeurope"}).result()
    assert back.customer_id == ws.customer_id and back.provisioning_state == "Succeeded"
    assert la.shared_keys.get_shared_keys(resource_group, name).primary_shared_key == keys.primary_shared_key
    assert name not in [w.name for w in la.deleted_workspaces.list_by_resource_group(resource_group)]
    # force=true deletes permanently: a re-create is a new workspace (new customerId), even in another region.
    la.workspaces.begin_delete(resource_group, name, force=True).result()
    assert name not in [w.name for w in la.deleted_workspaces.list_by_resource_group(resource_group)]
    fresh = la.workspaces.begin_create_or_update(resource_group, name, {"location": "northeurope"}).result()
    assert fresh.customer_id != ws.customer_id
    # Deleting what is not there: 204 (spec Workspaces_Delete).
    assert s.delete(f"{_url(azsim, mode, resource_group, 'law-none-' + unique)}?{API}").status_code == 204


def test_soft_delete_expires_after_14_days(azsim, mode, la, resource_group, unique):
    name = f"law-exp-{unique}"
    first = la.workspaces.begin_create_or_update(resource_group, name, {"location": "westeurope"}).result()
    la.workspaces.begin_delete(resource_group, name).result()
    # Past the soft-delete period; a fresh client gets a token valid on azsim's moved clock.
    azsim.admin("POST", "clock", {"advance_seconds": 14 * 86400 + 60})
    try:
        later = azsim.client(LogAnalyticsManagementClient, mode)
        assert name not in [w.name for w in later.deleted_workspaces.list_by_resource_group(resource_group)]
        again = later.workspaces.begin_create_or_update(resource_group, name, {"location": "northeurope"}).result()
    finally:
        azsim.admin("POST", "clock", {"advance_seconds": -(14 * 86400 + 60)})
    assert again.customer_id != first.customer_id


def test_not_found_and_bad_location(azsim, la, resource_group, unique):
    with pytest.raises(ResourceNotFoundError) as e:
        la.workspaces.get(resource_group, f"law-missing-{unique}")
    assert e.value.error.code == "ResourceNotFound"
    with pytest.raises(HttpResponseError) as e:
        la.workspaces.begin_create_or_update(resource_group, f"law-{unique}", {"location": "atlantis"}).result()
    assert e.value.status_code == 400 and e.value.error.code == "LocationNotAvailableForResourceType"
