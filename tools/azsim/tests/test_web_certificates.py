"""Microsoft.Web/certificates through the official SDK (and raw REST where the SDK cannot follow the
service): PFX upload, App Service Managed Certificates (202 + Location), SNI bindings, tier gates."""

import datetime as _dt
import re
import uuid

import pytest
from azure.core.exceptions import HttpResponseError
from azure.keyvault.secrets import SecretClient
from azure.mgmt.authorization import AuthorizationManagementClient
from azure.mgmt.keyvault import KeyVaultManagementClient

from ._web_helpers import Dns, bind, dns_client, expect_web_error, make_pfx, make_plan, make_site, poll_location, web_client

API = "api-version=2024-11-01"


@pytest.fixture
def web(azsim, mode):
    return web_client(azsim, mode)


@pytest.fixture
def dns(azsim, mode):
    return dns_client(azsim, mode)


def bound_site(web, dns, rg, unique, sku, label="www"):
    """A site on a ``sku`` plan with a verified custom hostname."""
    plan = make_plan(web, rg, f"plan-{sku.lower()}-{unique}", sku)
    site = make_site(web, rg, f"app-{sku.lower()}-{unique}", plan.id)
    zone = Dns(dns, rg, f"{sku.lower()}-{unique}.com")
    host = f"{label}.{zone.zone}"
    zone.verify(site, host)
    bind(web, rg, site.name, host)
    return plan, site, zone, host


def test_pfx_upload_round_trip(web, resource_group, unique):
    blob, thumb, cert = make_pfx([f"www.pfx-{unique}.com", f"api.pfx-{unique}.com"], "s3cret!")
    name = f"pfx-{unique}"
    c = web.certificates.create_or_update(resource_group, name, {"location": "westeurope", "properties": {"pfxBlob": blob, "password": "s3cret!"}})
    assert c.location == "West Europe" and c.type == "Microsoft.Web/certificates"
    assert c.properties.thumbprint == thumb
    assert c.properties.subject_name == f"www.pfx-{unique}.com" and c.properties.issuer == f"www.pfx-{unique}.com"
    assert c.properties.host_names == [f"www.pfx-{unique}.com", f"api.pfx-{unique}.com"]
    assert c.properties.expiration_date.date() == cert.not_valid_after_utc.date()
    assert c.properties.password is None and c.properties.pfx_blob is None
    assert [x.name for x in web.certificates.list_by_resource_group(resource_group)] == [name]
    assert name in [x.name for x in web.certificates.list()]
    web.certificates.delete(resource_group, name)
    with pytest.raises(HttpResponseError) as err:
        web.certificates.get(resource_group, name)
    assert err.value.status_code == 404


def test_pfx_wrong_password_is_refused(web, resource_group, unique):
    blob = make_pfx([f"www.bad-{unique}.com"], "right")[0]
    expect_web_error(lambda: web.certificates.create_or_update(resource_group, f"bad-{unique}",
                                                               {"location": "westeurope", "properties": {"pfxBlob": blob, "password": "wrong"}}),
                     400, "BadRequest", "The specified network password is not correct.")


SECRETS_OFFICER = "b86a8fe4-44ce-4948-aee5-eccb2c155cd7"


def _rbac_vault(azsim, rg, unique):
    """An RBAC-mode vault where the deployer is Key Vault Secrets Officer (granted by the owner principal)."""
    name = f"kvc-{unique}"[:24]
    body = {"location": "westeurope", "properties": {"tenantId": azsim.tenant, "sku": {"family": "A", "name": "standard"},
                                                     "enableRbacAuthorization": True, "accessPolicies": []}}
    vault = azsim.client(KeyVaultManagementClient, "proxy").vaults.begin_create_or_update(rg, name, body, polling_interval=0).result()
    azsim.client(AuthorizationManagementClient, "proxy", "owner").role_assignments.create(vault.id, str(uuid.uuid4()), {
        "role_definition_id": f"/subscriptions/{azsim.sub}/providers/Microsoft.Authorization/roleDefinitions/{SECRETS_OFFICER}",
        "principal_id": azsim.principal("deployer")["object_id"], "principal_type": "ServicePrincipal"})
    return vault, SecretClient(f"https://{name}.vault.azure.net", azsim.credential("proxy", "deployer"))


def test_key_vault_import_reads_the_pfx_secret(web, resource_group, unique, azsim):
    vault, secrets = _rbac_vault(azsim, resource_group, unique)
    blob, thumb, cert = make_pfx([f"www.kv-{unique}.com", f"api.kv-{unique}.com"], "")
    secrets.set_secret("tls", blob, content_type="application/x-pkcs12")
    c = web.certificates.create_or_update(resource_group, f"kv-{unique}", {"location": "westeurope",
                                                                           "properties": {"keyVaultId": vault.id, "keyVaultSecretName": "tls"}})
    assert c.properties.key_vault_id == vault.id and c.properties.key_vault_secret_name == "tls"
    assert c.properties.key_vault_secret_status == "Succeeded"
    assert c.properties.thumbprint == thumb and c.properties.subject_name == f"www.kv-{unique}.com"
    assert c.properties.host_names == [f"www.kv-{unique}.com", f"api.kv-{unique}.com"] and c.properties.issuer == f"www.kv-{unique}.com"
    assert c.properties.expiration_date.date() == cert.not_valid_after_utc.date()
    assert web.certificates.get(resource_group, f"kv-{unique}").properties.thumbprint == thumb
    missing = web.certificates.create_or_update(resource_group, f"kv-missing-{unique}", {
        "location": "westeurope", "properties": {"keyVaultId": vault.id, "keyVaultSecretName": "absent"}})
    assert missing.properties.key_vault_secret_status == "KeyVaultSecretDoesNotExist" and missing.properties.thumbprint is None


def test_key_vault_import_without_the_vault(web, resource_group, unique, azsim):
    kv = f"/subscriptions/{azsim.sub}/resourceGroups/{resource_group}/providers/Microsoft.KeyVault/vaults/kv-{unique}"
    c = web.certificates.create_or_update(resource_group, f"kv-{unique}", {"location": "westeurope",
                                                                           "properties": {"keyVaultId": kv, "keyVaultSecretName": "tls"}})
    assert c.properties.key_vault_id == kv and c.properties.key_vault_secret_name == "tls"
    assert c.properties.key_vault_secret_status == "KeyVaultDoesNotExist" and c.properties.thumbprint is None


def test_managed_certificate_202_then_sni(web, dns, resource_group, unique, azsim, mode, time_scale):
    plan, site, zone, host = bound_site(web, dns, resource_group, unique, "B1")
    time_scale(0.01)  # issuance: 180 s of Azure time -> 1.8 s
    body = {"location": "westeurope", "properties": {"canonicalName": host, "serverFarmId": plan.id, "password": ""}}
    # What SDK users see against Azure: the 202 is not in the spec, so the client raises (azure-sdk-for-python#34395).
    with pytest.raises(HttpResponseError) as err:
        web.certificates.create_or_update(resource_group, host, body)
    assert err.value.status_code == 202
    s = azsim.session(mode)
    url = f"{azsim.arm(mode)}/subscriptions/{azsim.sub}/resourceGroups/{resource_group}/providers/Microsoft.Web/certificates/{host}?{API}"
    r = s.put(url, json=body)
    assert r.status_code == 202 and not r.content
    loc = r.headers["Location"]
    assert re.search(rf"/resourceGroups/{resource_group}/providers/Microsoft\.Web/certificates/{re.escape(host)}/operationresults/[0-9a-f-]{{36}}\?",
                     loc), loc
    assert int(r.headers["Retry-After"]) >= 1
    assert s.get(url).status_code == 404  # not there until issued
    done = poll_location(s, loc)
    assert done.status_code == 200, done.text
    cert = done.json()
    p = cert["properties"]
    assert re.fullmatch(r"[0-9A-F]{40}", p["thumbprint"])
    assert p["subjectName"] == host and p["hostNames"] == [host] and p["canonicalName"] == host
    assert p["keyVaultId"] is None and p["issuer"]
    months = (_dt.datetime.fromisoformat(p["expirationDate"][:19]) - _dt.datetime.fromisoformat(p["issueDate"][:19])).days
    assert 180 <= months <= 190
    assert web.certificates.get(resource_group, host).properties.thumbprint == p["thumbprint"]

    # SNI binding with the issued certificate.
    b = bind(web, resource_group, site.name, host, sslState="SniEnabled", thumbprint=p["thumbprint"])
    assert b.properties.ssl_state == "SniEnabled" and b.properties.thumbprint == p["thumbprint"]
    state = next(x for x in web.web_apps.get(resource_group, site.name).properties.host_name_ssl_states if x.name == host)
    assert state.ssl_state == "SniEnabled" and state.thumbprint == p["thumbprint"]
    # A certificate in use cannot go (observed text).
    expect_web_error(lambda: web.certificates.delete(resource_group, host), 409, "Conflict",
                     f"Cannot remove certificate with thumbprint {p['thumbprint']} because it is used for hostname {host}.")
    bind(web, resource_group, site.name, host, sslState="Disabled")
    web.certificates.delete(resource_group, host)


def test_managed_certificate_preconditions(web, dns, resource_group, unique, azsim, mode):
    plan, site, zone, host = bound_site(web, dns, resource_group, unique, "D1")
    s = azsim.session(mode)
    base = f"{azsim.arm(mode)}/subscriptions/{azsim.sub}/resourceGroups/{resource_group}/providers/Microsoft.Web/certificates"

    def put(name, canonical, farm):
        props = {"canonicalName": canonical, "serverFarmId": farm, "password": ""}
        return s.put(f"{base}/{name}?{API}", json={"location": "westeurope", "properties": props})

    r = put("shared", host, plan.id)
    assert r.status_code == 400 and r.json()["Message"] == "Managed Certificate is not supported for Free and Shared sku."
    bplan, bsite, bzone, bhost = bound_site(web, dns, resource_group, unique, "B1", label="shop")
    r = put("wild", f"*.{bzone.zone}", bplan.id)
    assert r.status_code == 400 and r.json()["Message"].startswith("Properties.CanonicalName is invalid.")
    r = put("unbound", f"other.{bzone.zone}", bplan.id)
    assert r.status_code == 400 and "is not a hostname bound" in r.json()["Message"]
    bzone.caa(bzone.zone, "letsencrypt.org")  # CAA that does not allow DigiCert
    r = put("caa", bhost, bplan.id)
    assert r.status_code == 400
    assert r.json()["Message"] == f"Properties.CanonicalName is invalid. Certificate creation failed unexpectedly for canonical name {bhost}."
    bzone.caa(bzone.zone, "digicert.com")
    assert put("caa", bhost, bplan.id).status_code == 202


def test_sni_gates(web, dns, resource_group, unique):
    plan, site, zone, host = bound_site(web, dns, resource_group, unique, "D1")
    blob, thumb = make_pfx([host], "pw")[:2]
    web.certificates.create_or_update(resource_group, f"c-{unique}", {"location": "westeurope", "properties": {"pfxBlob": blob, "password": "pw"}})
    expect_web_error(lambda: bind(web, resource_group, site.name, host, sslState="SniEnabled", thumbprint=thumb), 400, "BadRequest",
                     "SSL bindings are not supported for sites in the Shared tier. Scale up the App Service plan to Basic or higher.")
    bplan, bsite, bzone, bhost = bound_site(web, dns, resource_group, unique, "B1", label="api")
    with pytest.raises(HttpResponseError) as err:  # the certificate does not cover this host
        bind(web, resource_group, bsite.name, bhost, sslState="SniEnabled", thumbprint=thumb)
    assert err.value.status_code == 400
    wblob, wthumb = make_pfx([f"*.{bzone.zone}"], "pw")[:2]
    web.certificates.create_or_update(resource_group, f"w-{unique}", {"location": "westeurope", "properties": {"pfxBlob": wblob, "password": "pw"}})
    b = bind(web, resource_group, bsite.name, bhost, sslState="SniEnabled", thumbprint=wthumb)
    assert b.properties.ssl_state == "SniEnabled"


def test_sni_through_site_put_like_az_cli(web, dns, resource_group, unique):
    plan, site, zone, host = bound_site(web, dns, resource_group, unique, "B1")
    blob, thumb = make_pfx([host], "pw")[:2]
    web.certificates.create_or_update(resource_group, f"c-{unique}", {"location": "westeurope", "properties": {"pfxBlob": blob, "password": "pw"}})
    put = web.web_apps.begin_create_or_update
    # az webapp config ssl bind: PUT the site with location, tags and the one state marked toUpdate.
    states = [{"name": host, "sslState": "SniEnabled", "thumbprint": "AB" * 20, "toUpdate": True}]
    with pytest.raises(HttpResponseError) as err:  # no such certificate in the webspace
        put(resource_group, site.name, {"location": "westeurope", "properties": {"hostNameSslStates": states}}).result()
    assert err.value.status_code == 404
    expect_web_error(lambda: put(resource_group, site.name, {"location": "westeurope", "properties": {"hostNameSslStates": [
        {"name": f"nope.{zone.zone}", "sslState": "SniEnabled", "thumbprint": thumb, "toUpdate": True}]}}).result(),
        404, "NotFound", f"Hostname 'nope.{zone.zone}' does not exist.", "04020")
    states[0]["thumbprint"] = thumb
    put(resource_group, site.name, {"location": "westeurope", "properties": {"hostNameSslStates": states}}).result()
    assert web.web_apps.get_host_name_binding(resource_group, site.name, host).properties.ssl_state == "SniEnabled"
