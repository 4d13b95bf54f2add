"""What the audit reads of a web app's configuration beyond config/web, through azure-mgmt-web 11: the Key Vault references
among its app settings with their resolution status (configreferences/appsettings), for the site and a slot, and App Service
authentication (authsettingsV2: off until set), both readable by the Reader."""

import uuid

import pytest
from azure.core.exceptions import HttpResponseError, ResourceNotFoundError
from azure.keyvault.secrets import SecretClient
from azure.mgmt.keyvault import KeyVaultManagementClient
from azure.mgmt.web import WebSiteManagementClient

from ._web_helpers import make_plan


@pytest.fixture(scope="module")
def site(azsim):
    from azure.mgmt.resource.resources import ResourceManagementClient
    rg = f"rg-wac-{uuid.uuid4().hex[:6]}"
    azsim.client(ResourceManagementClient, "proxy").resource_groups.create_or_update(rg, {"location": "westeurope"})
    web = azsim.client(WebSiteManagementClient, "proxy")
    plan = make_plan(web, rg, f"plan-{uuid.uuid4().hex[:6]}")
    name = f"wac-{uuid.uuid4().hex[:8]}"
    made = web.web_apps.begin_create_or_update(rg, name, {"location": "westeurope", "identity": {"type": "SystemAssigned"},
                                                          "properties": {"serverFarmId": plan.id}}).result()
    vault = f"kv{uuid.uuid4().hex[:10]}"
    policies = [{"tenantId": azsim.tenant, "objectId": oid, "permissions": {"secrets": perms}}
                for oid, perms in ((azsim.principal("deployer")["object_id"], ["all"]), (made.identity.principal_id, ["get"]))]
    azsim.client(KeyVaultManagementClient, "proxy").vaults.begin_create_or_update(rg, vault, {"location": "westeurope", "properties": {
        "tenantId": azsim.tenant, "sku": {"family": "A", "name": "standard"}, "enableRbacAuthorization": False,
        "accessPolicies": policies}}, polling_interval=0).result()
    secret = SecretClient(f"https://{vault}.vault.azure.net", azsim.credential("proxy")).set_secret("db-password", "s3cret")
    web.web_apps.update_application_settings(rg, name, {"properties": {
        "PLAIN": "value",
        "DB_PASSWORD": f"@Microsoft.KeyVault(SecretUri=https://{vault}.vault.azure.net/secrets/db-password)",
        "MISSING": f"@Microsoft.KeyVault(VaultName={vault};SecretName=no-such-secret)",
        "NO_VAULT": "@Microsoft.KeyVault(VaultName=kvnosuchvault1;SecretName=x)",
        "BAD": "@Microsoft.KeyVault(nonsense)"}})
    web.web_apps.begin_create_or_update_slot(rg, name, "staging", {"location": "westeurope", "properties": {"serverFarmId": plan.id}}).result()
    web.web_apps.update_application_settings_slot(rg, name, "staging", {"properties": {
        "DB_PASSWORD": f"@Microsoft.KeyVault(SecretUri=https://{vault}.vault.azure.net/secrets/db-password)"}})
    return {"rg": rg, "name": name, "vault": vault, "version": secret.properties.version, "site": made}


def test_key_vault_references_and_their_status(azsim, site):
    reader = azsim.client(WebSiteManagementClient, "proxy", "auditor")
    rg, name = site["rg"], site["name"]
    refs = {r.name: r.properties for r in reader.web_apps.get_app_settings_key_vault_references(rg, name)}
    assert set(refs) == {"DB_PASSWORD", "MISSING", "NO_VAULT", "BAD"}  # plain settings are not references
    ok = refs["DB_PASSWORD"]
    assert ok.status == "Resolved" and ok.vault_name == site["vault"] and ok.secret_name == "db-password" and ok.source == "KeyVault"
    assert ok.active_version == site["version"] and ok.identity_type.type == "SystemAssigned"
    assert refs["MISSING"].status == "SecretNotFound" and refs["NO_VAULT"].status == "VaultNotFound"
    assert refs["BAD"].status == "InvalidSyntax"
    one = reader.web_apps.get_app_setting_key_vault_reference(rg, name, "DB_PASSWORD")
    assert one.id == f"{site['site'].id}/config/configreferences/appsettings/DB_PASSWORD" and one.properties.status == "Resolved"
    # The staging slot has no identity: its reference cannot resolve.
    slot = {r.name: r.properties.status for r in reader.web_apps.get_app_settings_key_vault_references_slot(rg, name, "staging")}
    assert slot == {"DB_PASSWORD": "MSINotEnabled"}
    with pytest.raises(ResourceNotFoundError):
        reader.web_apps.get_app_setting_key_vault_reference(rg, name, "PLAIN")


def test_auth_settings_v2_off_until_set(azsim, site):
    web = azsim.client(WebSiteManagementClient, "proxy")
    reader = azsim.client(WebSiteManagementClient, "proxy", "auditor")
    rg, name = site["rg"], site["name"]
    got = reader.web_apps.get_auth_settings_v2_without_secrets(rg, name)
    assert got.name == "authsettingsV2" and got.platform.enabled is False and got.global_validation.require_authentication is False
    assert got.http_settings.require_https is True
    web.web_apps.update_auth_settings_v2(rg, name, {"properties": {
        "platform": {"enabled": True}, "globalValidation": {"requireAuthentication": True, "unauthenticatedClientAction": "Return401"}}})
    got = reader.web_apps.get_auth_settings_v2_without_secrets(rg, name)
    assert got.platform.enabled is True and got.global_validation.unauthenticated_client_action == "Return401"
    assert got.http_settings.require_https is True
    with pytest.raises(HttpResponseError) as exc:
        reader.web_apps.get_auth_settings_v2(rg, name)  # GET .../authsettingsV2/list: with secrets, a list action the Reader lacks
    assert exc.value.status_code == 403
    assert web.web_apps.get_auth_settings_v2(rg, name).platform.enabled is True
    assert reader.web_apps.get_auth_settings_v2_without_secrets_slot(rg, name, "staging").platform.enabled is False
