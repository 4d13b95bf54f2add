"""A vault's secrets and keys through Resource Manager (azure-mgmt-keyvault 14.x ``secrets`` and ``keys``): the Reader, who
has no data-plane role, sees every secret's attributes and never a value; keys are created if they do not exist, with their
rotation policy."""

import uuid

import pytest
from azure.core.exceptions import HttpResponseError, ResourceNotFoundError
from azure.keyvault.secrets import SecretClient
from azure.mgmt.keyvault import KeyVaultManagementClient
from azure.mgmt.resource.resources import ResourceManagementClient


@pytest.fixture(scope="module")
def vault(azsim):
    rg = f"rg-kva-{uuid.uuid4().hex[:6]}"
    azsim.client(ResourceManagementClient, "proxy").resource_groups.create_or_update(rg, {"location": "westeurope"})
    name = f"kva-{uuid.uuid4().hex[:10]}"
    policies = [{"tenantId": azsim.tenant, "objectId": azsim.principal("deployer")["object_id"], "permissions": {"secrets": ["all"]}}]
    made = azsim.client(KeyVaultManagementClient, "proxy").vaults.begin_create_or_update(rg, name, {"location": "westeurope", "properties": {
        "tenantId": azsim.tenant, "sku": {"family": "A", "name": "standard"}, "enableRbacAuthorization": False, "accessPolicies": policies}},
        polling_interval=0).result()
    return rg, name, made


def test_reader_sees_secret_attributes_never_values(azsim, vault):
    rg, name, made = vault
    data = SecretClient(f"https://{name}.vault.azure.net", azsim.credential("proxy"))
    first = data.set_secret("db-password", "s3cret", content_type="text/plain", expires_on=None)
    data.set_secret("api-key", "k")
    data.update_secret_properties("api-key", enabled=False)
    reader = azsim.client(KeyVaultManagementClient, "proxy", "auditor")
    listed = {s.name: s for s in reader.secrets.list(rg, name)}
    assert set(listed) == {"db-password", "api-key"}
    db = listed["db-password"]
    assert db.id == f"{made.id}/secrets/db-password" and db.type == "Microsoft.KeyVault/vaults/secrets"
    assert db.properties.value is None and db.properties.content_type == "text/plain"
    assert db.properties.secret_uri == f"https://{name}.vault.azure.net/secrets/db-password"
    assert db.properties.secret_uri_with_version.endswith("/" + first.properties.version)
    assert db.properties.attributes.enabled is True and db.properties.attributes.created is not None
    assert listed["api-key"].properties.attributes.enabled is False
    assert reader.secrets.get(rg, name, "db-password").properties.value is None
    with pytest.raises(ResourceNotFoundError):
        reader.secrets.get(rg, name, "nosuchsecret")


def test_keys_create_if_not_exist_with_rotation_policy(azsim, vault):
    rg, name, made = vault
    kv = azsim.client(KeyVaultManagementClient, "proxy")
    reader = azsim.client(KeyVaultManagementClient, "proxy", "auditor")
    assert list(reader.keys.list(rg, name)) == []
    body = {"properties": {"kty": "RSA", "keySize": 3072, "rotationPolicy": {
        "attributes": {"expiryTime": "P1Y"},
        "lifetimeActions": [{"trigger": {"timeBeforeExpiry": "P30D"}, "action": {"type": "rotate"}},
                            {"trigger": {"timeBeforeExpiry": "P7D"}, "action": {"type": "notify"}}]}}}
    key = kv.keys.create_if_not_exist(rg, name, "cmk", body)
    assert key.id == f"{made.id}/keys/cmk" and key.properties.kty == "RSA" and key.properties.key_size == 3072
    assert key.properties.rotation_policy.attributes.expiry_time == "P1Y"
    assert [a.action.type for a in key.properties.rotation_policy.lifetime_actions] == ["rotate", "notify"]
    again = kv.keys.create_if_not_exist(rg, name, "cmk", {"properties": {"kty": "EC"}})
    assert again.properties.kty == "RSA" and again.properties.key_uri_with_version == key.properties.key_uri_with_version  # no write
    assert [k.name for k in reader.keys.list(rg, name)] == ["cmk"]
    assert reader.keys.get(rg, name, "cmk").properties.rotation_policy.lifetime_actions[0].trigger.time_before_expiry == "P30D"
    with pytest.raises(HttpResponseError) as exc:
        reader.keys.create_if_not_exist(rg, name, "other", {"properties": {"kty": "RSA"}})
    assert exc.value.status_code == 403
    with pytest.raises(HttpResponseError) as exc:
        kv.keys.create_if_not_exist(rg, name, "bad", {"properties": {"kty": "RSA", "rotationPolicy": {"lifetimeActions": [
            {"trigger": {"timeBeforeExpiry": "thirty days"}, "action": {"type": "rotate"}}]}}})
    assert exc.value.status_code == 400
