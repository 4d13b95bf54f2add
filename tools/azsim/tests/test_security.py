"""Microsoft Defender for Cloud through azure-mgmt-security 7.0.0's SecurityCenter (pricings 2024-01-01, security contacts
2020-01-01-preview, assessments 2021-06-01, alerts 2022-01-01) and raw REST for the other api shapes (pricings 2023-01-01,
security contacts 2023-12-01-preview): what the audit reads, what the Reader may read, and the refusals."""

import uuid

import pytest
from azure.core.exceptions import HttpResponseError, ResourceNotFoundError
from azure.mgmt.security import SecurityCenter
from azure.mgmt.storage import StorageManagementClient

PLANS = {"VirtualMachines", "SqlServers", "AppServices", "StorageAccounts", "SqlServerVirtualMachines", "KubernetesService", "ContainerRegistry",
         "KeyVaults", "Dns", "Arm", "OpenSourceRelationalDatabases", "Containers", "CloudPosture"}


@pytest.fixture
def sec(azsim, mode):
    return azsim.client(SecurityCenter, mode)


def _sub(azsim):
    return f"subscriptions/{azsim.sub}"


def test_pricings_default_free_then_standard_with_sub_plan(azsim, mode, sec):
    scope = _sub(azsim)
    plans = {p.name: p for p in sec.pricings.list(scope).value}
    assert set(plans) == PLANS
    free = plans["OpenSourceRelationalDatabases"]
    assert free.id == f"/subscriptions/{azsim.sub}/providers/Microsoft.Security/pricings/OpenSourceRelationalDatabases"
    assert free.type == "Microsoft.Security/pricings"
    assert plans["KubernetesService"].deprecated is True and plans["KubernetesService"].replaced_by == ["Containers"]
    try:
        got = sec.pricings.update(scope, "VirtualMachines", {"properties": {"pricingTier": "Standard", "subPlan": "P1"}})
        assert got.pricing_tier == "Standard" and got.sub_plan == "P1" and got.enablement_time is not None
        assert got.resources_coverage_status == "FullyCovered" and got.free_trial_remaining_time.total_seconds() == 0
        on = sec.pricings.update(scope, "AppServices", {"properties": {"pricingTier": "Standard"}})
        assert on.pricing_tier == "Standard" and on.sub_plan is None
        again = sec.pricings.get(scope, "VirtualMachines")
        assert again.sub_plan == "P1" and again.enablement_time == got.enablement_time  # a re-read keeps when it was enabled
        # Filtered list (ListPricingsWithPlanFilter_example) and the 2023-01-01 shape, without the 2024 fields.
        assert {p.name for p in sec.pricings.list(scope, filter="name in ('VirtualMachines','Dns')").value} == {"VirtualMachines", "Dns"}
        s = azsim.session(mode)
        old = s.get(f"{azsim.arm(mode)}/{scope}/providers/Microsoft.Security/pricings/VirtualMachines", params={"api-version": "2023-01-01"})
        assert old.status_code == 200 and old.json()["properties"]["subPlan"] == "P1" and "enforce" not in old.json()["properties"]
        # The Reader reads plans, and cannot change them.
        reader = azsim.client(SecurityCenter, mode, "auditor")
        assert reader.pricings.get(scope, "AppServices").pricing_tier == "Standard"
        with pytest.raises(HttpResponseError) as exc:
            reader.pricings.update(scope, "AppServices", {"properties": {"pricingTier": "Free"}})
        assert exc.value.status_code == 403 and "'Microsoft.Security/pricings/write'" in exc.value.error.message
    finally:
        for name in ("VirtualMachines", "AppServices"):
            sec.pricings.update(scope, name, {"properties": {"pricingTier": "Free"}})
    off = sec.pricings.get(scope, "VirtualMachines")
    assert off.pricing_tier == "Free" and off.enablement_time is None and off.sub_plan is None


def test_pricing_refusals(azsim, mode, sec):
    scope = _sub(azsim)
    with pytest.raises(HttpResponseError) as exc:
        sec.pricings.update(scope, "VirtualMachines", {"properties": {"pricingTier": "Standard", "subPlan": "P9"}})
    assert exc.value.status_code == 400
    with pytest.raises(HttpResponseError) as exc:
        sec.pricings.update(scope, "KubernetesService", {"properties": {"pricingTier": "Standard"}})
    assert exc.value.status_code == 400 and "deprecated" in exc.value.error.message
    with pytest.raises(HttpResponseError) as exc:
        sec.pricings.update(scope, "AppServices", {"properties": {"pricingTier": "Gold"}})
    assert exc.value.status_code == 400
    with pytest.raises(ResourceNotFoundError):
        sec.pricings.get(scope, "NoSuchPlan")


def test_security_contact_in_both_api_shapes(azsim, mode, sec):
    s = azsim.session(mode)
    url = f"{azsim.arm(mode)}/subscriptions/{azsim.sub}/providers/Microsoft.Security/securityContacts/default"
    s.delete(url, params={"api-version": "2020-01-01-preview"})
    assert list(sec.security_contacts.list()) == []
    with pytest.raises(ResourceNotFoundError):
        sec.security_contacts.get("default")
    made = sec.security_contacts.create("default", {"emails": "secops@example.com;lead@example.com", "phone": "+33 1 23 45 67 89",
                                                    "alert_notifications": {"state": "On", "minimal_severity": "Medium"},
                                                    "notifications_by_role": {"state": "On", "roles": ["Owner"]}})
    try:
        assert made.id == f"/subscriptions/{azsim.sub}/providers/Microsoft.Security/securityContacts/default" and made.name == "default"
        assert made.emails == "secops@example.com;lead@example.com" and made.alert_notifications.minimal_severity == "Medium"
        assert made.notifications_by_role.roles == ["Owner"]
        assert [c.name for c in sec.security_contacts.list()] == ["default"]
        reader = azsim.client(SecurityCenter, mode, "auditor")
        assert reader.security_contacts.get("default").alert_notifications.state == "On"
        # The 2023-12-01-preview shape of the same contact: notification sources.
        new = s.get(url, params={"api-version": "2023-12-01-preview"}).json()
        assert new["type"] == "Microsoft.Security/securityContact"
        assert new["properties"]["notificationsSources"] == [{"sourceType": "Alert", "minimalSeverity": "Medium"}]
        assert new["properties"]["isEnabled"] is True and new["properties"]["notificationsByRole"] == {"state": "On", "roles": ["Owner"]}
        r = s.put(url, params={"api-version": "2023-12-01-preview"}, json={"properties": {
            "emails": "secops@example.com", "isEnabled": True, "notificationsByRole": {"state": "Off", "roles": []},
            "notificationsSources": [{"sourceType": "Alert", "minimalSeverity": "High"}, {"sourceType": "AttackPath", "minimalRiskLevel": "Critical"}]}})
        assert r.status_code == 200, r.text
        assert sec.security_contacts.get("default").alert_notifications.minimal_severity == "High"
        bad = s.put(url.replace("/default", "/ops"), params={"api-version": "2023-12-01-preview"}, json={"properties": {"emails": "a@example.com"}})
        assert bad.status_code == 400
        bad = s.put(url, params={"api-version": "2023-12-01-preview"}, json={"properties": {"emails": "not-an-address"}})
        assert bad.status_code == 400
    finally:
        sec.security_contacts.delete("default")
    with pytest.raises(ResourceNotFoundError):
        sec.security_contacts.get("default")


def test_assessments_put_by_a_provider_then_listed_at_subscription_and_resource(azsim, mode, sec, resource_group, unique):
    storage = azsim.client(StorageManagementClient, mode)
    acct = storage.storage_accounts.begin_create(resource_group, f"as{unique}", {"location": "westeurope", "kind": "StorageV2",
                                                                                 "sku": {"name": "Standard_LRS"}}).result()
    key = str(uuid.uuid4())

    def body():  # a fresh dict per call: the SDK's serializer consumes the one it is given
        return {"resource_details": {"source": "Azure"}, "status": {"code": "Unhealthy", "cause": "Custom", "description": "public blobs"},
                "additional_data": {"container": "data"},
                "metadata": {"display_name": "Blob containers are private", "severity": "High", "assessment_type": "CustomerManaged"}}
    made = sec.assessments.create_or_update(acct.id, key, body())
    assert made.id.lower() == f"{acct.id}/providers/Microsoft.Security/assessments/{key}".lower()
    assert made.type == "Microsoft.Security/assessments" and made.display_name == "Blob containers are private"
    assert made.status.code == "Unhealthy" and made.status.first_evaluation_date is not None
    assert made.resource_details.source == "Azure" and made.additional_data == {"container": "data"}
    reader = azsim.client(SecurityCenter, mode, "auditor")
    assert key in [a.name for a in reader.assessments.list(_sub(azsim))]
    assert [a.name for a in reader.assessments.list(acct.id)] == [key]
    assert reader.assessments.get(acct.id, key).status.description == "public blobs"
    with pytest.raises(HttpResponseError) as exc:
        reader.assessments.create_or_update(acct.id, key, body())
    assert exc.value.status_code == 403
    with pytest.raises(HttpResponseError) as exc:
        sec.assessments.create_or_update(acct.id, key, {**body(), "status": {"code": "Broken"}})
    assert exc.value.status_code == 400
    with pytest.raises(HttpResponseError) as exc:
        sec.assessments.create_or_update(acct.id, "not-a-guid", body())
    assert exc.value.status_code == 400
    with pytest.raises(ResourceNotFoundError) as exc:
        sec.assessments.create_or_update(acct.id.replace(acct.name, "nosuch"), key, body())
    assert exc.value.error.code == "ResourceNotFound"
    sec.assessments.delete(acct.id, key)
    with pytest.raises(ResourceNotFoundError):
        sec.assessments.get(acct.id, key)
    assert list(sec.assessments.list(acct.id)) == []


def test_alerts_empty_until_defender_raises_one(azsim, mode, sec, resource_group):
    before = {a.name for a in sec.alerts.list()}
    raised = azsim.admin("POST", "security/alerts", {"alertDisplayName": "Suspicious sign-in", "severity": "High", "resourceGroup": resource_group})
    name = raised["name"]
    reader = azsim.client(SecurityCenter, mode, "auditor")
    assert {a.name for a in reader.alerts.list()} - before == {name}
    assert [a.name for a in reader.alerts.list_by_resource_group(resource_group)] == [name]
    got = reader.alerts.get_resource_group_level(resource_group, "westeurope", name)
    assert got.alert_display_name == "Suspicious sign-in" and got.severity == "High" and got.status == "Active"
    with pytest.raises(ResourceNotFoundError):
        reader.alerts.get_subscription_level("westeurope", "nosuchalert")
