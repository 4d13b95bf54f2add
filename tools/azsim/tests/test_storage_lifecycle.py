"""Lifecycle management: the account's managementPolicies/default with azure-mgmt-storage (validated as Azure does), and
its rules applied to the blobs on the simulated clock (azure-storage-blob through the front door)."""

import time

import pytest
from azsim.providers.storage.azurite import find_binary
from azure.core.exceptions import HttpResponseError, ResourceNotFoundError
from azure.mgmt.storage import StorageManagementClient
from azure.storage.blob import BlobServiceClient

pytestmark = pytest.mark.skipif(find_binary() is None, reason="Azurite is not installed (run `make node` or set AZSIM_AZURITE)")
DAY = 86400
API = "2023-05-01"

# The spec example StorageAccountSetManagementPolicy.json (rules on blockBlob with prefix and blob index filters).
EXAMPLE = {"properties": {"policy": {"rules": [
    {"name": "olcmtest1", "type": "Lifecycle", "enabled": True, "definition": {
        "actions": {"baseBlob": {"delete": {"daysAfterModificationGreaterThan": 1000}, "tierToArchive": {"daysAfterModificationGreaterThan": 90},
                                 "tierToCool": {"daysAfterModificationGreaterThan": 30}},
                    "snapshot": {"delete": {"daysAfterCreationGreaterThan": 30}}},
        "filters": {"blobTypes": ["blockBlob"], "prefixMatch": ["olcmtestcontainer1"]}}},
    {"name": "olcmtest2", "type": "Lifecycle", "enabled": True, "definition": {
        "actions": {"baseBlob": {"delete": {"daysAfterModificationGreaterThan": 1000}}},
        "filters": {"blobIndexMatch": [{"name": "tag1", "op": "==", "value": "val1"}], "blobTypes": ["blockBlob"],
                    "prefixMatch": ["olcmtestcontainer2"]}}}]}}}


@pytest.fixture
def storage(azsim, mode):
    return azsim.client(StorageManagementClient, mode)


def _account(storage, rg, name):
    storage.storage_accounts.begin_create(rg, name, {"location": "westeurope", "kind": "StorageV2", "sku": {"name": "Standard_LRS"}}).result()


def test_policy_crud_and_missing_policy(azsim, mode, resource_group, unique, storage):
    name = f"lc{unique}"
    _account(storage, resource_group, name)
    with pytest.raises(ResourceNotFoundError) as err:
        storage.management_policies.get(resource_group, name, "default")
    assert err.value.status_code == 404 and err.value.error.code == "ManagementPolicyNotFound"
    assert err.value.error.message == f"No ManagementPolicy found for account {name}"
    pol = storage.management_policies.create_or_update(resource_group, name, "default", EXAMPLE)
    assert pol.name == "DefaultManagementPolicy" and pol.type == "Microsoft.Storage/storageAccounts/managementPolicies"
    assert pol.id.endswith(f"/storageAccounts/{name}/managementPolicies/default") and pol.last_modified_time is not None
    got = storage.management_policies.get(resource_group, name, "default")
    rule = got.policy.rules[0]
    assert [r.name for r in got.policy.rules] == ["olcmtest1", "olcmtest2"] and rule.type == "Lifecycle" and rule.enabled is True
    assert rule.definition.actions.base_blob.tier_to_cool.days_after_modification_greater_than == 30
    assert rule.definition.actions.snapshot.delete.days_after_creation_greater_than == 30
    assert got.policy.rules[1].definition.filters.blob_index_match[0].name == "tag1"
    storage.management_policies.delete(resource_group, name, "default")
    with pytest.raises(ResourceNotFoundError):
        storage.management_policies.get(resource_group, name, "default")
    storage.management_policies.delete(resource_group, name, "default")  # deleting an absent policy does not fail
    s = azsim.session(mode)
    r = s.get(f"{azsim.arm(mode)}/subscriptions/{azsim.sub}/resourceGroups/{resource_group}/providers/Microsoft.Storage/storageAccounts/"
              f"{name}/managementPolicies/other", params={"api-version": API})
    assert r.status_code == 404


def test_policy_is_validated(azsim, mode, resource_group, unique, storage):
    name = f"lv{unique}"
    _account(storage, resource_group, name)

    def rule(**over):
        r = {"name": "r1", "type": "Lifecycle", "definition": {
            "actions": {"baseBlob": {"delete": {"daysAfterModificationGreaterThan": 30}}}, "filters": {"blobTypes": ["blockBlob"]}}}
        r.update(over)
        return {"properties": {"policy": {"rules": [r]}}}

    bad = [
        rule(definition={"actions": {"baseBlob": {"delete": {"daysAfterModificationGreaterThan": 30}}}}),  # no blobTypes
        rule(type="Other"),
        rule(definition={"actions": {}, "filters": {"blobTypes": ["blockBlob"]}}),
        rule(definition={"actions": {"baseBlob": {"delete": {"daysAfterModificationGreaterThan": 3, "daysAfterCreationGreaterThan": 3}}},
                         "filters": {"blobTypes": ["blockBlob"]}}),
        rule(definition={"actions": {"baseBlob": {"delete": {"daysAfterModificationGreaterThan": 30}}},
                         "filters": {"blobTypes": ["pageBlob"]}}),
        {"properties": {"policy": {"rules": [rule()["properties"]["policy"]["rules"][0]] * 2}}},  # duplicate names
    ]
    for body in bad:
        with pytest.raises(HttpResponseError) as err:
            storage.management_policies.create_or_update(resource_group, name, "default", body)
        assert err.value.status_code == 400, body
    access = rule(definition={"actions": {"baseBlob": {"tierToCool": {"daysAfterLastAccessTimeGreaterThan": 30},
                                                       "enableAutoTierToHotFromCool": True}},
                              "filters": {"blobTypes": ["blockBlob"]}})
    with pytest.raises(HttpResponseError) as err:
        storage.management_policies.create_or_update(resource_group, name, "default", access)
    assert err.value.status_code == 400 and err.value.error.code == "MissingLastAccessTimeBasedTrackingPolicy"
    assert err.value.error.message == ("Last access time based tracking policy must be enabled before using its specific actions in object "
                                       "lifecycle management policy")
    svc = storage.blob_services.set_service_properties(resource_group, name, {"properties": {"lastAccessTimeTrackingPolicy": {"enable": True}}})
    assert svc.last_access_time_tracking_policy.enable is True and svc.last_access_time_tracking_policy.name == "AccessTimeTracking"
    got = storage.management_policies.create_or_update(resource_group, name, "default", access)
    assert got.policy.rules[0].definition.actions.base_blob.enable_auto_tier_to_hot_from_cool is True


def _wait(check, timeout=10.0):
    deadline = time.time() + timeout
    while not check() and time.time() < deadline:
        time.sleep(0.1)
    return check()


def test_rules_tier_and_delete_blobs_on_the_simulated_clock(azsim, unique):
    rm_rg = f"rg-lce-{unique}"
    from azure.mgmt.resource.resources import ResourceManagementClient
    azsim.client(ResourceManagementClient, "proxy").resource_groups.create_or_update(rm_rg, {"location": "westeurope"})
    storage = azsim.client(StorageManagementClient, "proxy")
    name = f"le{unique}"
    _account(storage, rm_rg, name)
    storage.blob_services.set_service_properties(rm_rg, name, {"properties": {"deleteRetentionPolicy": {"enabled": True, "days": 7}}})
    storage.management_policies.create_or_update(rm_rg, name, "default", {"properties": {"policy": {"rules": [
        {"name": "archives", "type": "Lifecycle", "definition": {
            "actions": {"baseBlob": {"tierToCool": {"daysAfterModificationGreaterThan": 7}, "tierToArchive": {"daysAfterModificationGreaterThan": 14},
                                     "delete": {"daysAfterModificationGreaterThan": 30}}},
            "filters": {"blobTypes": ["blockBlob"], "prefixMatch": ["archives/daily/"]}}},
        {"name": "disabled", "type": "Lifecycle", "enabled": False, "definition": {
            "actions": {"baseBlob": {"delete": {"daysAfterCreationGreaterThan": 1}}}, "filters": {"blobTypes": ["blockBlob"]}}}]}}})
    key = storage.storage_accounts.list_keys(rm_rg, name).keys_property[0].value
    svc = BlobServiceClient(f"https://{name}.blob.core.windows.net", credential=key)
    cc = svc.create_container("archives")
    hold = svc.create_container("held")
    storage.blob_containers.set_legal_hold(rm_rg, name, "held", {"tags": ["keep"]})
    cc.upload_blob("daily/2025-01-01.tar", b"daily")
    cc.upload_blob("monthly/2025-01.tar", b"monthly")
    hold.upload_blob("daily/x.tar", b"held")

    def tier(blob):
        return cc.get_blob_client(blob).get_blob_properties().blob_tier

    moved = 0
    try:
        for days, expected in ((8, "Cool"), (7, "Archive")):
            azsim.admin("POST", "clock", {"advance_seconds": days * DAY})
            moved += days * DAY
            assert _wait(lambda exp=expected: tier("daily/2025-01-01.tar") == exp)
            assert tier("monthly/2025-01.tar") == "Hot"
        azsim.admin("POST", "clock", {"advance_seconds": 16 * DAY})
        moved += 16 * DAY
        assert _wait(lambda: [b.name for b in cc.list_blobs()] == ["monthly/2025-01.tar"])
        # A lifecycle delete is a delete: with soft delete on, the blob is kept for the retention period.
        assert [(b.name, b.deleted) for b in cc.list_blobs(include=["deleted"]) if b.deleted] == [("daily/2025-01-01.tar", True)]
        assert [b.name for b in hold.list_blobs()] == ["daily/x.tar"]  # no lifecycle delete in an immutable container
        report = azsim.admin("POST", "lifecycle")
        assert report["ran"] and report["actions"] == []
    finally:
        azsim.admin("POST", "clock", {"advance_seconds": -moved})
        storage = azsim.client(StorageManagementClient, "proxy")
        storage.blob_containers.clear_legal_hold(rm_rg, name, "held", {"tags": ["keep"]})
