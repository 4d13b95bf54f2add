"""Microsoft.Storage management plane with azure-mgmt-storage's StorageManagementClient and raw REST.

azure-mgmt-storage 25.x (TypeSpec models) sends a dict body as given, so bodies here are in wire format (camelCase)."""

import base64

import pytest
from azure.core.exceptions import HttpResponseError, ResourceNotFoundError
from azure.mgmt.storage import StorageManagementClient

API = "2023-05-01"


@pytest.fixture
def storage(azsim, mode):
    return azsim.client(StorageManagementClient, mode)


def _create(storage, rg, name, **props):
    body = {"location": "westeurope", "kind": "StorageV2", "sku": {"name": "Standard_LRS"}, "properties": props}
    return storage.storage_accounts.begin_create(rg, name, body).result()


def test_create_is_a_location_lro_then_the_account(azsim, mode, resource_group, unique):
    s = azsim.session(mode)
    base = f"{azsim.arm(mode)}/subscriptions/{azsim.sub}/resourceGroups/{resource_group}/providers/Microsoft.Storage/storageAccounts/st{unique}"
    r = s.put(base, params={"api-version": API}, json={"location": "westeurope", "kind": "StorageV2", "sku": {"name": "Standard_GRS"}})
    assert r.status_code == 202 and not r.content
    assert "Azure-AsyncOperation" not in r.headers and int(r.headers["Retry-After"]) >= 1
    assert r.headers["Location"].startswith(azsim.arm(mode) + f"/subscriptions/{azsim.sub}/providers/Microsoft.Storage/operations/")
    done = s.get(r.headers["Location"])
    assert done.status_code == 200
    acct = done.json()
    assert acct["name"] == f"st{unique}" and acct["sku"] == {"name": "Standard_GRS", "tier": "Standard"}
    p = acct["properties"]
    assert p["provisioningState"] == "Succeeded" and p["minimumTlsVersion"] == "TLS1_2"
    assert p["allowBlobPublicAccess"] is False and p["supportsHttpsTrafficOnly"] is True and p["accessTier"] == "Hot"
    assert p["primaryEndpoints"]["blob"] == f"https://st{unique}.blob.core.windows.net/"
    assert p["secondaryLocation"] == "northeurope" and p["networkAcls"]["defaultAction"] == "Allow"
    assert p["encryption"]["keySource"] == "Microsoft.Storage" and "creationTime" in p
    assert "_keys" not in acct and "keys" not in p


def test_sdk_create_get_update_list_delete(azsim, mode, resource_group, unique, storage):
    name = f"sd{unique}"
    acct = _create(storage, resource_group, name, minimumTlsVersion="TLS1_2", allowSharedKeyAccess=True)
    assert acct.provisioning_state == "Succeeded" and acct.kind == "StorageV2"
    upd = storage.storage_accounts.update(resource_group, name, {"properties": {"accessTier": "Cool", "networkAcls": {
        "defaultAction": "Deny", "ipRules": [{"value": "203.0.113.0/24"}]}}, "tags": {"env": "test"}})
    assert upd.access_tier == "Cool" and upd.network_rule_set.default_action == "Deny" and upd.tags == {"env": "test"}
    assert upd.network_rule_set.ip_rules[0].ip_address_or_range == "203.0.113.0/24"
    assert name in [a.name for a in storage.storage_accounts.list_by_resource_group(resource_group)]
    assert name in [a.name for a in storage.storage_accounts.list()]
    storage.storage_accounts.delete(resource_group, name)
    with pytest.raises(ResourceNotFoundError):
        storage.storage_accounts.get_properties(resource_group, name)


def test_names_are_checked_and_global(azsim, mode, resource_group, resource_client, unique, storage):
    bad = storage.storage_accounts.check_name_availability({"name": "Bad_Name", "type": "Microsoft.Storage/storageAccounts"})
    assert bad.name_available is False and bad.reason == "AccountNameInvalid"
    assert bad.message.startswith("Bad_Name is not a valid storage account name. Storage account name must be between 3 and 24")
    name = f"nm{unique}"
    assert storage.storage_accounts.check_name_availability({"name": name, "type": "Microsoft.Storage/storageAccounts"}).name_available
    _create(storage, resource_group, name)
    taken = storage.storage_accounts.check_name_availability({"name": name, "type": "Microsoft.Storage/storageAccounts"})
    assert (taken.name_available, taken.reason, taken.message) == (False, "AlreadyExists", f"The storage account named {name} is already taken.")
    with pytest.raises(HttpResponseError) as err:
        storage.storage_accounts.begin_create(resource_group, "UPPER", {"location": "westeurope", "kind": "StorageV2", "sku": {"name": "Standard_LRS"}})
    assert err.value.status_code == 400 and err.value.error.code == "AccountNameInvalid"
    resource_client.resource_groups.create_or_update(resource_group + "b", {"location": "westeurope"})
    with pytest.raises(HttpResponseError) as err:
        storage.storage_accounts.begin_create(resource_group + "b", name, {"location": "westeurope", "kind": "StorageV2", "sku": {"name": "Standard_LRS"}})
    assert err.value.status_code == 409 and err.value.error.code == "StorageAccountAlreadyExists"


def test_keys_and_regenerate(azsim, mode, resource_group, unique, storage):
    name = f"ky{unique}"
    _create(storage, resource_group, name)
    keys = storage.storage_accounts.list_keys(resource_group, name).keys_property
    assert [k.key_name for k in keys] == ["key1", "key2"] and all(k.permissions == "FULL" for k in keys)
    assert all(len(base64.b64decode(k.value)) == 64 for k in keys)
    new = storage.storage_accounts.regenerate_key(resource_group, name, {"keyName": "key1"}).keys_property
    assert new[0].value != keys[0].value and new[1].value == keys[1].value
    sas = storage.storage_accounts.list_account_sas(resource_group, name, {
        "signedServices": "b", "signedResourceTypes": "sco", "signedPermission": "rl", "signedExpiry": "2030-01-01T00:00:00Z",
        "signedProtocol": "https"}).account_sas_token
    assert "sig=" in sas and "ss=b" in sas and "spr=https" in sas


def test_blob_service_and_containers(azsim, mode, resource_group, unique, storage):
    name = f"ct{unique}"
    _create(storage, resource_group, name)
    svc = storage.blob_services.set_service_properties(resource_group, name, {"properties": {
        "deleteRetentionPolicy": {"enabled": True, "days": 7}, "containerDeleteRetentionPolicy": {"enabled": True, "days": 3},
        "isVersioningEnabled": True}})
    assert svc.delete_retention_policy.days == 7 and svc.is_versioning_enabled is True
    got = storage.blob_services.get_service_properties(resource_group, name)
    assert got.container_delete_retention_policy.days == 3
    c = storage.blob_containers.create(resource_group, name, "backups", {})
    assert c.public_access == "None" and c.has_legal_hold is False and c.default_encryption_scope == "$account-encryption-key"
    assert c.deleted is False and c.lease_state == "Available"
    c2 = storage.blob_containers.create(resource_group, name, "worm", {"properties": {"immutableStorageWithVersioning": {"enabled": True}}})
    assert c2.immutable_storage_with_versioning.enabled is True
    with pytest.raises(HttpResponseError) as err:
        storage.blob_containers.create(resource_group, name, "public", {"properties": {"publicAccess": "Blob"}})
    assert err.value.status_code == 409 and err.value.error.code == "PublicAccessNotPermitted"
    assert err.value.error.message == "Public access is not permitted on this storage account."
    with pytest.raises(HttpResponseError) as err:
        storage.blob_containers.create(resource_group, name, "Bad--Name", {})
    assert err.value.status_code == 400
    upd = storage.blob_containers.update(resource_group, name, "backups", {"properties": {"metadata": {"app": "erp"}}})
    assert upd.metadata == {"app": "erp"}
    assert sorted(x.name for x in storage.blob_containers.list(resource_group, name)) == ["backups", "worm"]
    storage.blob_containers.delete(resource_group, name, "worm")
    with pytest.raises(ResourceNotFoundError):
        storage.blob_containers.get(resource_group, name, "worm")


def test_key_and_sas_policies_and_auth_flags(azsim, mode, resource_group, unique, storage):
    """keyPolicy, sasPolicy, allowCrossTenantReplication and defaultToOAuthAuthentication round-trip through create and update;
    a malformed period, an unknown action or a missing field is refused with 400 (swagger KeyPolicy / SasPolicy)."""
    name = f"po{unique}"
    acct = _create(storage, resource_group, name, allowCrossTenantReplication=False, defaultToOAuthAuthentication=True,
                   keyPolicy={"keyExpirationPeriodInDays": 90}, sasPolicy={"sasExpirationPeriod": "1.00:00:00", "expirationAction": "Log"})
    assert acct.allow_cross_tenant_replication is False and acct.default_to_o_auth_authentication is True
    assert acct.key_policy.key_expiration_period_in_days == 90
    assert (acct.sas_policy.sas_expiration_period, acct.sas_policy.expiration_action) == ("1.00:00:00", "Log")
    upd = storage.storage_accounts.update(resource_group, name, {"properties": {
        "keyPolicy": {"keyExpirationPeriodInDays": 30}, "sasPolicy": {"sasExpirationPeriod": "0.12:30:00", "expirationAction": "Block"}}})
    assert upd.key_policy.key_expiration_period_in_days == 30 and upd.sas_policy.expiration_action == "Block"
    assert upd.default_to_o_auth_authentication is True  # untouched by a PATCH that omits it
    for bad in ({"sasPolicy": {"sasExpirationPeriod": "1 day", "expirationAction": "Log"}},
                {"sasPolicy": {"sasExpirationPeriod": "1.25:00:00", "expirationAction": "Log"}},
                {"sasPolicy": {"sasExpirationPeriod": "0.00:00:00", "expirationAction": "Log"}},
                {"sasPolicy": {"sasExpirationPeriod": "1.00:00:00", "expirationAction": "Warn"}},
                {"sasPolicy": {"sasExpirationPeriod": "1.00:00:00"}},
                {"keyPolicy": {}},
                {"keyPolicy": {"keyExpirationPeriodInDays": 0}}):
        with pytest.raises(HttpResponseError) as err:
            storage.storage_accounts.update(resource_group, name, {"properties": bad})
        assert err.value.status_code == 400, bad
    got = storage.storage_accounts.get_properties(resource_group, name)
    assert got.sas_policy.sas_expiration_period == "0.12:30:00" and got.key_policy.key_expiration_period_in_days == 30


def test_resource_group_delete_removes_account(azsim, mode, resource_client, unique, storage):
    rg = f"rg-st-{unique}"
    resource_client.resource_groups.create_or_update(rg, {"location": "westeurope"})
    name = f"rd{unique}"
    _create(storage, rg, name)
    resource_client.resource_groups.begin_delete(rg).result()
    assert storage.storage_accounts.check_name_availability({"name": name, "type": "Microsoft.Storage/storageAccounts"}).name_available
    assert name not in [a.name for a in storage.storage_accounts.list()]
