"""Management locks through azure-mgmt-resource-locks' ManagementLockClient (api 2020-05-01) and raw REST (2016-09-01): CRUD at
subscription, resource-group and resource scope, the lists (at, above and below a scope; ``atScope()`` at or above), who may
manage them (Owner yes, Contributor 403, Reader reads), and ARM's enforcement: 409 ScopeLocked for a delete under or over any
lock, and for a write or a POST action (listKeys) under a ReadOnly one."""

import pytest
from azure.core.exceptions import HttpResponseError, ResourceNotFoundError
from azure.mgmt.resource.locks import ManagementLockClient
from azure.mgmt.resource.locks.models import ManagementLockObject, ManagementLockOwner
from azure.mgmt.storage import StorageManagementClient

API_OLD = "2016-09-01"


def _locks(azsim, mode, principal="owner"):
    return azsim.client(ManagementLockClient, mode, principal)


def _account(azsim, mode, rg, name):
    storage = azsim.client(StorageManagementClient, mode)
    body = {"location": "westeurope", "kind": "StorageV2", "sku": {"name": "Standard_LRS"}}
    return storage, storage.storage_accounts.begin_create(rg, name, body).result()


def _locked(exc, scope, locked, verb="delete"):
    assert exc.status_code == 409, exc.response.text()
    assert exc.error.code == "ScopeLocked"
    assert exc.error.message == (f"The scope '{scope}' cannot perform {verb} operation because following scope(s) are locked: '{locked}'. "
                                 "Please remove the lock and try again.")


def test_crud_and_lists_at_three_scopes(azsim, mode, resource_group, unique):
    c = _locks(azsim, mode)
    sub = f"/subscriptions/{azsim.sub}"
    rg_scope = f"{sub}/resourceGroups/{resource_group}"
    _storage, acct = _account(azsim, mode, resource_group, f"lk{unique}")
    sub_lock = c.management_locks.create_or_update_at_subscription_level(f"sub-{unique}", ManagementLockObject(
        level="CanNotDelete", notes="the subscription stays"))
    try:
        assert sub_lock.id == f"{sub}/providers/Microsoft.Authorization/locks/sub-{unique}"
        assert sub_lock.type == "Microsoft.Authorization/locks" and sub_lock.level == "CanNotDelete" and sub_lock.notes == "the subscription stays"
        assert sub_lock.system_data.created_by == azsim.principal("owner")["client_id"]
        rg_lock = c.management_locks.create_or_update_at_resource_group_level(resource_group, "rg-lock", ManagementLockObject(
            level="CanNotDelete", owners=[ManagementLockOwner(application_id="00000000-0000-0000-0000-000000000001")]))
        assert rg_lock.id == f"{rg_scope}/providers/Microsoft.Authorization/locks/rg-lock"
        assert rg_lock.owners[0].application_id == "00000000-0000-0000-0000-000000000001" and rg_lock.notes is None
        res_lock = c.management_locks.create_or_update_at_resource_level(resource_group, "Microsoft.Storage", "", "storageAccounts", acct.name,
                                                                         "res-lock", ManagementLockObject(level="ReadOnly"))
        assert res_lock.id.lower() == f"{acct.id}/providers/Microsoft.Authorization/locks/res-lock".lower()
        # A second PUT updates (200 on the wire; the SDK returns the lock either way).
        again = c.management_locks.create_or_update_by_scope(rg_scope, "rg-lock", ManagementLockObject(level="ReadOnly", notes="now read-only"))
        assert again.level == "ReadOnly" and again.notes == "now read-only"
        assert c.management_locks.get_at_resource_group_level(resource_group, "rg-lock").level == "ReadOnly"
        assert c.management_locks.get_by_scope(acct.id, "res-lock").level == "ReadOnly"
        assert c.management_locks.get_at_subscription_level(f"sub-{unique}").notes == "the subscription stays"

        names = {lk.name for lk in c.management_locks.list_at_resource_group_level(resource_group)}
        assert {f"sub-{unique}", "rg-lock", "res-lock"} <= names  # above, at and below the group
        at_rg = {lk.name for lk in c.management_locks.list_at_resource_group_level(resource_group, filter="atScope()")}
        assert {f"sub-{unique}", "rg-lock"} <= at_rg and "res-lock" not in at_rg
        at_res = {lk.name for lk in c.management_locks.list_at_resource_level(resource_group, "Microsoft.Storage", "", "storageAccounts", acct.name)}
        assert {f"sub-{unique}", "rg-lock", "res-lock"} <= at_res
        assert {f"sub-{unique}", "rg-lock", "res-lock"} <= {lk.name for lk in c.management_locks.list_at_subscription_level()}
        assert {"rg-lock", "res-lock"} <= {lk.name for lk in c.management_locks.list_by_scope(rg_scope)}

        # The 2016-09-01 shape has no systemData.
        s = azsim.session(mode, "owner")
        old = s.get(f"{azsim.arm(mode)}{rg_scope}/providers/Microsoft.Authorization/locks/rg-lock", params={"api-version": API_OLD})
        assert old.status_code == 200 and "systemData" not in old.json() and old.json()["properties"]["level"] == "ReadOnly"

        # The Reader lists locks; nobody but Owner / User Access Administrator manages them.
        reader = _locks(azsim, mode, "auditor")
        assert "rg-lock" in {lk.name for lk in reader.management_locks.list_at_resource_group_level(resource_group)}
        deployer = _locks(azsim, mode, "deployer")
        with pytest.raises(HttpResponseError) as exc:
            deployer.management_locks.delete_at_resource_group_level(resource_group, "rg-lock")
        assert exc.value.status_code == 403 and "'Microsoft.Authorization/locks/delete'" in exc.value.error.message
        with pytest.raises(HttpResponseError) as exc:
            deployer.management_locks.create_or_update_at_resource_group_level(resource_group, "mine", ManagementLockObject(level="CanNotDelete"))
        assert exc.value.status_code == 403 and exc.value.error.code == "AuthorizationFailed"
        assert "'Microsoft.Authorization/locks/write'" in exc.value.error.message

        c.management_locks.delete_at_resource_level(resource_group, "Microsoft.Storage", "", "storageAccounts", acct.name, "res-lock")
        c.management_locks.delete_at_resource_group_level(resource_group, "rg-lock")
        with pytest.raises(ResourceNotFoundError) as exc:
            c.management_locks.get_at_resource_group_level(resource_group, "rg-lock")
        assert exc.value.error.code == "LockNotFound" and exc.value.error.message == "The lock 'rg-lock' could not be found."
        r = s.delete(f"{azsim.arm(mode)}{rg_scope}/providers/Microsoft.Authorization/locks/rg-lock", params={"api-version": "2020-05-01"})
        assert r.status_code == 204  # already gone
    finally:
        c.management_locks.delete_at_subscription_level(f"sub-{unique}")
    assert f"sub-{unique}" not in {lk.name for lk in c.management_locks.list_at_subscription_level()}


def test_lock_refusals(azsim, mode, resource_group):
    c = _locks(azsim, mode)
    with pytest.raises(ResourceNotFoundError) as exc:
        c.management_locks.create_or_update_at_resource_group_level("rg-never-made", "x", ManagementLockObject(level="CanNotDelete"))
    assert exc.value.error.code == "ResourceGroupNotFound"
    with pytest.raises(ResourceNotFoundError) as exc:
        c.management_locks.create_or_update_at_resource_level(resource_group, "Microsoft.Storage", "", "storageAccounts", "nosuchacct",
                                                              "x", ManagementLockObject(level="CanNotDelete"))
    assert exc.value.error.code == "ResourceNotFound"
    assert exc.value.error.message.startswith(f"The Resource 'Microsoft.Storage/storageAccounts/nosuchacct' under resource group '{resource_group}'")
    s = azsim.session(mode, "owner")
    url = f"{azsim.arm(mode)}/subscriptions/{azsim.sub}/resourceGroups/{resource_group}/providers/Microsoft.Authorization/locks/bad"
    r = s.put(url, params={"api-version": "2020-05-01"}, json={"properties": {"level": "NotSpecified"}})
    assert r.status_code == 400
    r = s.put(url, params={"api-version": "2020-05-01"}, json={"properties": {"level": "CanNotDelete", "notes": "n" * 513}})
    assert r.status_code == 400


def test_cannot_delete_lock_blocks_deletes_under_and_over_it(azsim, mode, resource_client, unique):
    c = _locks(azsim, mode)
    rg = f"rg-lock-{unique}"
    resource_client.resource_groups.create_or_update(rg, {"location": "westeurope"})
    storage, acct = _account(azsim, mode, rg, f"cd{unique}")
    rg_scope = f"/subscriptions/{azsim.sub}/resourceGroups/{rg}"
    c.management_locks.create_or_update_at_resource_group_level(rg, "keep", ManagementLockObject(level="CanNotDelete"))
    seq = azsim.last_seq()
    # Deleting the group, or anything in it, is refused; changing what is in it is not.
    with pytest.raises(HttpResponseError) as exc:
        resource_client.resource_groups.begin_delete(rg)
    _locked(exc.value, f"/subscriptions/{azsim.sub}/resourcegroups/{rg}", rg_scope)
    with pytest.raises(HttpResponseError) as exc:
        storage.storage_accounts.delete(rg, acct.name)
    _locked(exc.value, acct.id, rg_scope)
    assert storage.storage_accounts.update(rg, acct.name, {"tags": {"still": "writable"}}).tags == {"still": "writable"}
    assert storage.storage_accounts.list_keys(rg, acct.name).keys_property
    # The refusals are in the request log like any answer (the activity log records them too).
    log = [e for e in azsim.requests_since(seq) if e["status"] == 409]
    assert {e["method"] for e in log} == {"DELETE"}

    # A lock on a resource blocks the deletion of its group.
    c.management_locks.delete_at_resource_group_level(rg, "keep")
    c.management_locks.create_or_update_by_scope(acct.id, "acct", ManagementLockObject(level="CanNotDelete"))
    with pytest.raises(HttpResponseError) as exc:
        resource_client.resource_groups.begin_delete(rg)
    _locked(exc.value, f"/subscriptions/{azsim.sub}/resourcegroups/{rg}", acct.id)
    c.management_locks.delete_by_scope(acct.id, "acct")
    resource_client.resource_groups.begin_delete(rg).result()
    assert not resource_client.resource_groups.check_existence(rg)


def test_read_only_lock_blocks_writes_and_post_actions(azsim, mode, resource_group, unique):
    c = _locks(azsim, mode)
    storage, acct = _account(azsim, mode, resource_group, f"ro{unique}")
    c.management_locks.create_or_update_by_scope(acct.id, "frozen", ManagementLockObject(level="ReadOnly"))
    try:
        assert storage.storage_accounts.get_properties(resource_group, acct.name).name == acct.name  # reads pass
        with pytest.raises(HttpResponseError) as exc:
            storage.storage_accounts.list_keys(resource_group, acct.name)  # a POST: refused, as Learn warns
        _locked(exc.value, acct.id, acct.id, "write")
        with pytest.raises(HttpResponseError) as exc:
            storage.storage_accounts.update(resource_group, acct.name, {"tags": {"a": "b"}})
        _locked(exc.value, acct.id, acct.id, "write")
        with pytest.raises(HttpResponseError) as exc:
            storage.storage_accounts.delete(resource_group, acct.name)
        _locked(exc.value, acct.id, acct.id)
        # Below the lock too: a container is a write under the account.
        with pytest.raises(HttpResponseError) as exc:
            storage.blob_containers.create(resource_group, acct.name, "data", {})
        assert exc.value.status_code == 409 and exc.value.error.code == "ScopeLocked"
        # A Reader still gets 403 first: RBAC runs before the lock check.
        reader = azsim.client(StorageManagementClient, mode, "auditor")
        with pytest.raises(HttpResponseError) as exc:
            reader.storage_accounts.list_keys(resource_group, acct.name)
        assert exc.value.status_code == 403
    finally:
        c.management_locks.delete_by_scope(acct.id, "frozen")  # lock management itself is never locked
    assert storage.storage_accounts.list_keys(resource_group, acct.name).keys_property
