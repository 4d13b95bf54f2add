"""Azure Front Door Standard/Premium (Microsoft.Cdn) through azure-mgmt-cdn 14.x; retired classic SKUs refused."""

import re

import pytest
from azure.core.exceptions import HttpResponseError, ResourceNotFoundError
from azure.mgmt.cdn import CdnManagementClient


@pytest.fixture
def cdn(azsim, mode):
    return azsim.client(CdnManagementClient, mode)


def profile(cdn, rg, name, sku="Standard_AzureFrontDoor"):
    return cdn.profiles.begin_create(rg, name, {"location": "Global", "sku": {"name": sku}}).result()


def test_front_door_chain(cdn, resource_group, unique):
    p = profile(cdn, resource_group, f"fd-{unique}")
    assert p.sku.name == "Standard_AzureFrontDoor" and p.kind == "frontdoor" and p.location == "Global"
    assert p.provisioning_state == "Succeeded" and p.resource_state == "Active" and p.front_door_id
    ep = cdn.afd_endpoints.begin_create(resource_group, p.name, f"ep-{unique}", {"location": "Global"}).result()
    assert re.fullmatch(rf"ep-{unique}-[a-z0-9]{{16}}\.z01\.azurefd\.net", ep.host_name)
    assert ep.enabled_state == "Enabled" and ep.auto_generated_domain_name_label_scope == "TenantReuse"
    og = cdn.afd_origin_groups.begin_create(resource_group, p.name, "og1", {"properties": {
        "loadBalancingSettings": {"sampleSize": 4, "successfulSamplesRequired": 3},
        "healthProbeSettings": {"probePath": "/healthz", "probeProtocol": "Https", "probeRequestType": "GET", "probeIntervalInSeconds": 60}}}).result()
    assert og.health_probe_settings.probe_path == "/healthz"
    origin = cdn.afd_origins.begin_create(resource_group, p.name, "og1", "app", {"properties": {"hostName": "app.azurewebsites.net"}}).result()
    assert origin.origin_host_header == "app.azurewebsites.net" and origin.https_port == 443 and origin.priority == 1 and origin.weight == 1000
    route = cdn.routes.begin_create(resource_group, p.name, ep.name, "default", {"properties": {
        "originGroup": {"id": og.id}, "supportedProtocols": ["Https"], "patternsToMatch": ["/*"], "httpsRedirect": "Enabled",
        "linkToDefaultDomain": "Enabled", "forwardingProtocol": "HttpsOnly"}}).result()
    assert route.origin_group.id == og.id and route.provisioning_state == "Succeeded"
    with pytest.raises(HttpResponseError) as e:  # same pattern and protocol on the same endpoint
        cdn.routes.begin_create(resource_group, p.name, ep.name, "dup", {"properties": {"originGroup": {"id": og.id},
                                                                                        "supportedProtocols": ["Https"]}}).result()
    assert e.value.status_code == 409
    with pytest.raises(HttpResponseError) as e:  # the origin group a route uses cannot go
        cdn.afd_origin_groups.begin_delete(resource_group, p.name, "og1").result()
    assert e.value.status_code == 409
    assert [r.name for r in cdn.routes.list_by_endpoint(resource_group, p.name, ep.name)] == ["default"]
    cdn.routes.begin_delete(resource_group, p.name, ep.name, "default").result()
    cdn.afd_origin_groups.begin_delete(resource_group, p.name, "og1").result()
    cdn.profiles.begin_delete(resource_group, p.name).result()
    with pytest.raises(ResourceNotFoundError):
        cdn.afd_endpoints.get(resource_group, p.name, ep.name)


@pytest.mark.parametrize(("sku", "text"), [
    ("Standard_Microsoft", "Azure CDN from Microsoft (classic) no longer support new profile creation."),
    ("Standard_Akamai", "Akamai"), ("Standard_Verizon", "Edgio"), ("Premium_Verizon", "Edgio")])
def test_retired_classic_skus_refused(cdn, resource_group, unique, sku, text):
    with pytest.raises(HttpResponseError) as e:
        profile(cdn, resource_group, f"c-{unique}", sku)
    assert e.value.status_code == 400 and e.value.error.code == "BadRequest" and text in e.value.error.message


def test_validation(azsim, mode, cdn, resource_group, unique):
    s = azsim.session(mode)
    base = f"{azsim.arm(mode)}/subscriptions/{azsim.sub}/resourceGroups/{resource_group}/providers/Microsoft.Cdn/profiles"
    r = s.put(f"{base}/fd-{unique}?api-version=2024-02-01", json={"location": "westeurope", "sku": {"name": "Standard_AzureFrontDoor"}})
    assert r.status_code == 400
    p = profile(cdn, resource_group, f"v-{unique}", "Premium_AzureFrontDoor")
    with pytest.raises(HttpResponseError) as e:
        cdn.afd_origin_groups.begin_create(resource_group, p.name, "og", {"properties": {"healthProbeSettings": {"probeIntervalInSeconds": 500}}}).result()
    assert e.value.status_code == 400
    with pytest.raises(HttpResponseError) as e:
        cdn.afd_origins.begin_create(resource_group, p.name, "missing", "o", {"properties": {"hostName": "x.example.com"}}).result()
    assert e.value.status_code == 404
    ep = cdn.afd_endpoints.begin_create(resource_group, p.name, f"e-{unique}", {"location": "Global"}).result()
    missing = f"{p.id}/originGroups/nope"
    with pytest.raises(HttpResponseError) as e:
        cdn.routes.begin_create(resource_group, p.name, ep.name, "r", {"properties": {"originGroup": {"id": missing}}}).result()
    assert e.value.status_code == 400
    with pytest.raises(HttpResponseError) as e:
        cdn.afd_endpoints.begin_create(resource_group, p.name, "bad--", {"location": "Global"}).result()
    assert e.value.status_code == 400


def test_profile_create_lro_with_async_monitor(cdn, resource_group, unique, time_scale):
    time_scale(0.02)  # cdn.profile.create ~30 s of Azure time, cdn.endpoint.create ~60 s: ~0.6 s and ~1.2 s here
    poller = cdn.profiles.begin_create(resource_group, f"slow-{unique}", {"location": "Global", "sku": {"name": "Standard_AzureFrontDoor"}})
    assert poller.status() != "Succeeded"
    assert poller.result().provisioning_state == "Succeeded"
    ep = cdn.afd_endpoints.begin_create(resource_group, f"slow-{unique}", f"se-{unique}", {"location": "Global"}).result()
    assert ep.provisioning_state == "Succeeded"
    cdn.profiles.begin_delete(resource_group, f"slow-{unique}").result()
