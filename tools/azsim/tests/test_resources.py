"""Microsoft.Resources through the official SDKs: subscriptions, tenants, locations, providers, resource groups."""

import pytest
from azure.core.exceptions import HttpResponseError, ResourceNotFoundError
from azure.mgmt.resource.resources import ResourceManagementClient

API = {"api-version": "2025-04-01"}


@pytest.fixture
def subscription_client(azsim, mode):
    mod = pytest.importorskip("azure.mgmt.resource.subscriptions", reason="azure-mgmt-resource-subscriptions is not installed")
    cred = azsim.credential(mode)
    if mode == "direct":
        return mod.SubscriptionClient(cred, base_url=azsim.url, credential_scopes=[azsim.url + "/.default"])
    return mod.SubscriptionClient(cred)


def test_subscriptions_and_tenants(azsim, subscription_client):
    subs = list(subscription_client.subscriptions.list())
    assert [s.subscription_id for s in subs] == [azsim.sub]
    sub = subscription_client.subscriptions.get(azsim.sub)
    assert sub.id == f"/subscriptions/{azsim.sub}"
    assert sub.tenant_id == azsim.tenant and sub.state == "Enabled"
    assert sub.subscription_policies.spending_limit == "Off"
    tenants = list(subscription_client.tenants.list())
    assert [t.tenant_id for t in tenants] == [azsim.tenant]
    locs = {loc.name: loc for loc in subscription_client.subscriptions.list_locations(azsim.sub)}
    assert locs["westeurope"].display_name == "West Europe"
    assert locs["westeurope"].id == f"/subscriptions/{azsim.sub}/locations/westeurope"


def test_subscription_raw_shape(azsim, mode):
    body = azsim.session(mode).get(f"{azsim.arm(mode)}/subscriptions", params={"api-version": "2022-12-01"}).json()
    assert body["count"] == {"type": "Total", "value": 1}
    assert set(body["value"][0]) >= {"id", "subscriptionId", "tenantId", "displayName", "state", "subscriptionPolicies", "authorizationSource"}


def test_providers(azsim, mode):
    c = azsim.client(ResourceManagementClient, mode)
    namespaces = {p.namespace: p for p in c.providers.list()}
    assert {"Microsoft.Resources", "Microsoft.Authorization"} <= set(namespaces)
    p = c.providers.get("microsoft.authorization")
    assert p.namespace == "Microsoft.Authorization" and p.registration_state == "Registered"
    assert "roleAssignments" in [t.resource_type for t in p.resource_types]
    assert c.providers.register("Microsoft.Authorization").registration_state == "Registered"
    with pytest.raises(HttpResponseError) as exc:
        c.providers.get("Microsoft.Nothing")
    assert exc.value.status_code == 400 and exc.value.error.code == "InvalidResourceNamespace"


def test_resource_group_lifecycle(azsim, mode, unique):
    c = azsim.client(ResourceManagementClient, mode)
    name = f"rg-life-{unique}"
    assert c.resource_groups.check_existence(name) is False
    g = c.resource_groups.create_or_update(name, {"location": "westeurope", "tags": {"env": "test"}})
    assert (g.name, g.location, g.tags, g.properties.provisioning_state) == (name, "westeurope", {"env": "test"}, "Succeeded")
    assert g.type == "Microsoft.Resources/resourceGroups"
    assert c.resource_groups.check_existence(name) is True
    assert c.resource_groups.update(name, {"tags": {"env": "prod"}}).tags == {"env": "prod"}
    assert c.resource_groups.get(name).tags == {"env": "prod"}
    assert list(c.resources.list_by_resource_group(name)) == []
    assert name in [x.name for x in c.resource_groups.list(filter="tagName eq 'env' and tagValue eq 'prod'")]
    c.resource_groups.begin_delete(name, polling_interval=0).result()
    assert c.resource_groups.check_existence(name) is False
    with pytest.raises(ResourceNotFoundError):
        c.resource_groups.begin_delete(name, polling_interval=0)


def test_resource_group_name_rules(azsim, mode):
    s = azsim.session(mode)
    base = f"{azsim.arm(mode)}/subscriptions/{azsim.sub}/resourcegroups"
    for bad in ("ends-with-dot.", "x" * 91, "has%20space", "star*"):
        r = s.put(f"{base}/{bad}", params=API, json={"location": "westeurope"})
        assert r.status_code == 400, bad
        assert r.json()["error"]["code"] == "InvalidResourceGroup"
    for good in ("a", "Under_score-(x).y", "x" * 90):
        r = s.put(f"{base}/{good}", params=API, json={"location": "westeurope"})
        assert r.status_code in (200, 201), (good, r.text)


def test_put_without_location(azsim, mode, unique):
    r = azsim.session(mode).put(f"{azsim.arm(mode)}/subscriptions/{azsim.sub}/resourcegroups/rg-noloc-{unique}", params=API, json={})
    assert r.status_code == 400
    assert r.json()["error"]["code"] == "LocationRequired"
