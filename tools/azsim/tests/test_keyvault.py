"""Microsoft.KeyVault vaults on the management plane with azure-mgmt-keyvault (and raw REST): create in RBAC mode, name
rules and global uniqueness, soft delete, recovery, purge and the one-way settings."""

import time
import uuid

import pytest
from azure.core.exceptions import HttpResponseError, ResourceExistsError, ResourceNotFoundError
from azure.mgmt.keyvault import KeyVaultManagementClient
from azure.mgmt.resource.resources import ResourceManagementClient


def _kv(azsim, mode, principal="deployer"):
    return azsim.client(KeyVaultManagementClient, mode, principal)


def _name(prefix="kv"):
    return f"{prefix}-{uuid.uuid4().hex[:10]}"


def _params(azsim, **props):
    base = {"tenantId": azsim.tenant, "sku": {"family": "A", "name": "standard"}}
    base.update(props)
    return {"location": "westeurope", "properties": base}


def _create(azsim, kv, rg, name=None, tags=None, **props):
    name = name or _name()
    props.setdefault("enableRbacAuthorization", True)
    body = _params(azsim, **props)
    if tags is not None:
        body["tags"] = tags
    return kv.vaults.begin_create_or_update(rg, name, body, polling_interval=0).result()


def test_create_rbac_vault_read_and_list(azsim, mode, resource_group):
    kv = _kv(azsim, mode)
    name = _name()
    v = _create(azsim, kv, resource_group, name)
    p = v.properties
    assert v.id == f"/subscriptions/{azsim.sub}/resourceGroups/{resource_group}/providers/Microsoft.KeyVault/vaults/{name}"
    assert v.type == "Microsoft.KeyVault/vaults" and v.location == "westeurope"
    assert p.enable_rbac_authorization is True and p.enable_soft_delete is True and p.soft_delete_retention_in_days == 90
    assert p.vault_uri == f"https://{name}.vault.azure.net/" and p.provisioning_state == "Succeeded" and p.tenant_id == azsim.tenant
    assert p.sku.family == "A" and p.sku.name == "standard" and p.public_network_access == "Enabled" and not p.enable_purge_protection
    assert kv.vaults.get(resource_group, name).properties.vault_uri == p.vault_uri
    assert name in [x.name for x in kv.vaults.list_by_resource_group(resource_group)]
    assert name in [x.name for x in kv.vaults.list_by_subscription()]
    # vaults.list is the generic resources list ($filter=resourceType eq 'Microsoft.KeyVault/vaults', api 2015-11-01).
    assert name in [x.name for x in kv.vaults.list()]
    updated = kv.vaults.update(resource_group, name, {"tags": {"env": "test"}, "properties": {"enabledForDeployment": True}})
    assert updated.tags == {"env": "test"} and updated.properties.enabled_for_deployment is True
    # The reader sees the vault but cannot change it.
    assert _kv(azsim, mode, "auditor").vaults.get(resource_group, name).name == name
    with pytest.raises(HttpResponseError) as err:
        _kv(azsim, mode, "auditor").vaults.update(resource_group, name, {"tags": {}})
    assert err.value.status_code == 403 and err.value.error.code == "AuthorizationFailed"


def test_raw_put_answers_synchronously_with_the_vault(azsim, mode, resource_group):
    s = azsim.session(mode)
    name = _name()
    url = f"{azsim.arm(mode)}/subscriptions/{azsim.sub}/resourceGroups/{resource_group}/providers/Microsoft.KeyVault/vaults/{name}"
    body = {"location": "westeurope", "properties": {"tenantId": azsim.tenant, "sku": {"family": "A", "name": "premium"}, "accessPolicies": []}}
    r = s.put(url, params={"api-version": "2023-07-01"}, json=body)
    assert r.status_code == 200 and "Azure-AsyncOperation" not in r.headers
    props = r.json()["properties"]
    assert props["provisioningState"] == "Succeeded" and props["sku"] == {"family": "A", "name": "premium"}
    assert props["enableRbacAuthorization"] is False and props["accessPolicies"] == []  # omitted before api 2026-02-01: access policies
    assert s.delete(url, params={"api-version": "2023-07-01"}).status_code == 200
    assert s.delete(url, params={"api-version": "2023-07-01"}).status_code == 204


@pytest.mark.parametrize("bad", ["ab", "1vault", "vault-", "va--ult", "a" * 25, "vault_x"])
def test_name_rules(azsim, bad):
    kv = _kv(azsim, "proxy")
    res = kv.vaults.check_name_availability({"name": bad, "type": "Microsoft.KeyVault/vaults"})
    assert res.name_available is False and res.reason == "AccountNameInvalid"


def test_invalid_name_on_put_and_global_uniqueness(azsim, mode, resource_client, resource_group, unique):
    kv = _kv(azsim, mode)
    with pytest.raises(HttpResponseError) as err:
        _create(azsim, kv, resource_group, "9starts-with-digit")
    assert err.value.status_code == 400 and err.value.error.code == "VaultNameNotValid"
    assert "must begin with a letter" in err.value.error.message
    name = _name()
    assert kv.vaults.check_name_availability({"name": name, "type": "Microsoft.KeyVault/vaults"}).name_available is True
    _create(azsim, kv, resource_group, name)
    res = kv.vaults.check_name_availability({"name": name.upper(), "type": "Microsoft.KeyVault/vaults"})
    assert res.name_available is False and res.reason == "AlreadyExists"
    other = f"rg-other-{unique}"
    resource_client.resource_groups.create_or_update(other, {"location": "westeurope"})
    with pytest.raises(ResourceExistsError) as err:
        _create(azsim, kv, other, name)
    assert err.value.error.code == "VaultAlreadyExists" and f"The vault name '{name}' is already in use." in err.value.error.message


def test_validation_errors(azsim, mode, resource_group):
    kv = _kv(azsim, mode)
    cases = [
        ({"tenantId": "00000000-0000-0000-0000-000000000000"}, "tenant"),
        ({"sku": {"family": "A", "name": "gold"}}, "sku"),
        ({"enableSoftDelete": False}, "enableSoftDelete"),
        ({"enablePurgeProtection": False}, "enablePurgeProtection"),
        ({"softDeleteRetentionInDays": 5}, "softDeleteRetentionInDays"),
    ]
    for props, word in cases:
        with pytest.raises(HttpResponseError) as err:
            _create(azsim, kv, resource_group, **props)
        assert err.value.status_code == 400 and word in err.value.error.message, (props, err.value.error.message)
    with pytest.raises(HttpResponseError) as err:
        _create(azsim, kv, resource_group, enablePurgeProtection=False)
    assert err.value.error.message == ('The property "enablePurgeProtection" cannot be set to false. Enabling the purge protection for a vault '
                                       "is an irreversible action.")


def test_soft_delete_recover_and_one_way_settings(azsim, mode, resource_group):
    kv = _kv(azsim, mode)
    name = _name()
    _create(azsim, kv, resource_group, name, softDeleteRetentionInDays=7, tags={"keep": "me"})
    kv.vaults.delete(resource_group, name)
    with pytest.raises(ResourceNotFoundError):
        kv.vaults.get(resource_group, name)
    d = kv.vaults.get_deleted(name, "westeurope")
    assert d.type == "Microsoft.KeyVault/deletedVaults" and d.properties.vault_id.endswith(f"/vaults/{name}")
    assert d.properties.location == "westeurope" and d.properties.tags == {"keep": "me"} and d.properties.purge_protection_enabled is False
    assert round((d.properties.scheduled_purge_date - d.properties.deletion_date).total_seconds()) == 7 * 86400
    assert name in [x.name for x in kv.vaults.list_deleted()]
    with pytest.raises(ResourceNotFoundError):
        kv.vaults.get_deleted(name, "northeurope")
    assert kv.vaults.check_name_availability({"name": name, "type": "Microsoft.KeyVault/vaults"}).reason == "AlreadyExists"
    with pytest.raises(ResourceExistsError) as err:
        _create(azsim, kv, resource_group, name)
    assert err.value.error.code == "ConflictError" and "already exists in deleted state" in err.value.error.message
    v = _create(azsim, kv, resource_group, name, createMode="recover")
    assert v.properties.soft_delete_retention_in_days == 7 and v.tags == {"keep": "me"}
    assert name not in [x.name for x in kv.vaults.list_deleted()]
    # Retention is immutable; purge protection is one-way.
    with pytest.raises(HttpResponseError) as err:
        kv.vaults.update(resource_group, name, {"properties": {"softDeleteRetentionInDays": 30}})
    assert err.value.status_code == 400 and "softDeleteRetentionInDays" in err.value.error.message
    assert kv.vaults.update(resource_group, name, {"properties": {"enablePurgeProtection": True}}).properties.enable_purge_protection is True
    with pytest.raises(HttpResponseError) as err:
        kv.vaults.update(resource_group, name, {"properties": {"enablePurgeProtection": False}})
    assert err.value.status_code == 400 and "irreversible" in err.value.error.message
    kv.vaults.delete(resource_group, name)
    assert kv.vaults.get_deleted(name, "westeurope").properties.purge_protection_enabled is True
    with pytest.raises(HttpResponseError) as err:
        kv.vaults.begin_purge_deleted(name, "westeurope").result()
    assert err.value.error.code == "InvalidOperation" and "DeletedVaultPurge" in err.value.error.message


def test_purge_frees_the_name(azsim, mode, resource_group):
    kv = _kv(azsim, mode)
    name = _name()
    _create(azsim, kv, resource_group, name)
    kv.vaults.delete(resource_group, name)
    kv.vaults.begin_purge_deleted(name, "westeurope", polling_interval=0).result()
    with pytest.raises(ResourceNotFoundError):
        kv.vaults.get_deleted(name, "westeurope")
    assert kv.vaults.check_name_availability({"name": name, "type": "Microsoft.KeyVault/vaults"}).name_available is True
    assert _create(azsim, kv, resource_group, name).properties.provisioning_state == "Succeeded"


def test_purge_is_a_location_polled_operation(azsim, resource_group):
    kv = _kv(azsim, "proxy")
    name = _name()
    _create(azsim, kv, resource_group, name)
    kv.vaults.delete(resource_group, name)
    s = azsim.session("proxy")
    r = s.post(f"https://management.azure.com/subscriptions/{azsim.sub}/providers/Microsoft.KeyVault/locations/westeurope/deletedVaults/{name}/purge",
               params={"api-version": "2023-07-01"})
    assert r.status_code == 202 and "Location" in r.headers and int(r.headers["Retry-After"]) >= 1
    assert s.get(r.headers["Location"]).status_code == 200


def test_resource_group_delete_soft_deletes_its_vaults_and_retention_expiry_purges(azsim, unique):
    rm = azsim.client(ResourceManagementClient, "proxy")
    rg = f"rg-kvdel-{unique}"
    rm.resource_groups.create_or_update(rg, {"location": "westeurope"})
    kv = _kv(azsim, "proxy")
    name = _name()
    _create(azsim, kv, rg, name, softDeleteRetentionInDays=7)
    rm.resource_groups.begin_delete(rg, polling_interval=0).result()
    deadline = time.time() + 5
    while name not in [x.name for x in kv.vaults.list_deleted()] and time.time() < deadline:
        time.sleep(0.05)
    assert kv.vaults.get_deleted(name, "westeurope").properties.vault_id.lower().endswith(f"/resourcegroups/{rg}/providers/microsoft.keyvault/vaults/{name}")
    azsim.admin("POST", "clock", {"advance_seconds": 8 * 86400})
    try:
        kv = _kv(azsim, "proxy")  # a fresh token: the old one expired with the clock's jump
        deadline = time.time() + 5
        while name in [x.name for x in kv.vaults.list_deleted()] and time.time() < deadline:
            time.sleep(0.05)
        assert name not in [x.name for x in kv.vaults.list_deleted()]
    finally:
        azsim.admin("POST", "clock", {"advance_seconds": -8 * 86400})
