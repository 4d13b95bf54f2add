"""The Tags API at a scope through azure-mgmt-resource's ``ResourceManagementClient.tags`` (``*_at_scope``): a resource whose own
PATCH carries no tags (an App Service certificate's does not) is tagged without touching the rest of it; Merge, Replace and
Delete; names are case-insensitive; a resource group and the subscription; 404 for a missing resource; Reader reads, cannot
write; a ReadOnly lock refuses the write."""

import pytest
from azure.core.exceptions import HttpResponseError, ResourceNotFoundError
from azure.mgmt.resource.locks import ManagementLockClient
from azure.mgmt.resource.locks.models import ManagementLockObject
from azure.mgmt.resource.resources import ResourceManagementClient
from azure.mgmt.storage import StorageManagementClient


def _tags(azsim, mode, principal="owner"):
    return azsim.client(ResourceManagementClient, mode, principal).tags


def test_merge_replace_delete_on_a_resource(azsim, mode, resource_group, unique):
    storage = azsim.client(StorageManagementClient, mode)
    acct = storage.storage_accounts.begin_create(resource_group, f"tg{unique}", {
        "location": "westeurope", "kind": "StorageV2", "sku": {"name": "Standard_LRS"}, "tags": {"Env": "prod"}}).result()
    tags = _tags(azsim, mode)
    got = tags.get_at_scope(acct.id)
    assert got.id == f"{acct.id}/providers/Microsoft.Resources/tags/default" and got.name == "default"
    assert got.type == "Microsoft.Resources/tags" and got.properties.tags == {"Env": "prod"}

    merged = tags.begin_update_at_scope(acct.id, {"operation": "Merge", "properties": {"tags": {"env": "production", "owner": "ops"}}}).result()
    assert merged.properties.tags == {"env": "production", "owner": "ops"}  # one name, whatever its case; the given spelling wins
    after = storage.storage_accounts.get_properties(resource_group, f"tg{unique}")
    assert after.tags == {"env": "production", "owner": "ops"} and after.sku.name == "Standard_LRS"

    kept = tags.begin_update_at_scope(acct.id, {"operation": "Delete", "properties": {"tags": {"owner": "someone-else"}}}).result()
    assert kept.properties.tags == {"env": "production", "owner": "ops"}  # a name/value pair deletes only that value
    deleted = tags.begin_update_at_scope(acct.id, {"operation": "Delete", "properties": {"tags": {"OWNER": "ops"}}}).result()
    assert deleted.properties.tags == {"env": "production"}

    replaced = tags.begin_create_or_update_at_scope(acct.id, {"properties": {"tags": {"a": "1"}}}).result()
    assert replaced.properties.tags == {"a": "1"}
    tags.begin_delete_at_scope(acct.id).result()
    assert tags.get_at_scope(acct.id).properties.tags == {}

    with pytest.raises(HttpResponseError) as exc:
        tags.begin_update_at_scope(acct.id, {"operation": "Merge", "properties": {"tags": {f"k{i}": "v" for i in range(51)}}}).result()
    assert exc.value.status_code == 400 and exc.value.error.code == "InvalidTagCount"
    with pytest.raises(ResourceNotFoundError) as exc:
        tags.get_at_scope(acct.id[:-1] + "x")
    assert exc.value.error.code == "ResourceNotFound"


def test_group_subscription_rights_and_locks(azsim, mode, resource_group, unique):
    tags = _tags(azsim, mode)
    rg_scope = f"/subscriptions/{azsim.sub}/resourceGroups/{resource_group}"
    tags.begin_update_at_scope(rg_scope, {"operation": "Merge", "properties": {"tags": {"cost-center": "erp"}}}).result()
    group = azsim.client(ResourceManagementClient, mode).resource_groups.get(resource_group)
    assert group.tags.get("cost-center") == "erp"

    sub_scope = f"/subscriptions/{azsim.sub}"
    before = tags.get_at_scope(sub_scope).properties.tags or {}
    tags.begin_update_at_scope(sub_scope, {"operation": "Merge", "properties": {"tags": {f"t{unique}": "1"}}}).result()
    assert tags.get_at_scope(sub_scope).properties.tags == {**before, f"t{unique}": "1"}
    tags.begin_update_at_scope(sub_scope, {"operation": "Delete", "properties": {"tags": {f"t{unique}": "1"}}}).result()

    reader = _tags(azsim, mode, "auditor")  # Reader on the subscription
    assert reader.get_at_scope(rg_scope).properties.tags.get("cost-center") == "erp"
    with pytest.raises(HttpResponseError) as exc:
        reader.begin_update_at_scope(rg_scope, {"operation": "Merge", "properties": {"tags": {"x": "y"}}}).result()
    assert exc.value.status_code == 403 and exc.value.error.code == "AuthorizationFailed"
    assert "Microsoft.Resources/tags/write" in exc.value.error.message

    locks = azsim.client(ManagementLockClient, mode, "owner")
    locks.management_locks.create_or_update_at_resource_group_level(resource_group, f"ro{unique}", ManagementLockObject(level="ReadOnly"))
    try:
        with pytest.raises(HttpResponseError) as exc:
            tags.begin_update_at_scope(rg_scope, {"operation": "Merge", "properties": {"tags": {"x": "y"}}}).result()
        assert exc.value.status_code == 409 and exc.value.error.code == "ScopeLocked"
    finally:
        locks.management_locks.delete_at_resource_group_level(resource_group, f"ro{unique}")
