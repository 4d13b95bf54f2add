"""Container-level WORM with azure-mgmt-storage (immutability policies, legal holds) and what the blob data plane then
refuses, seen with azure-storage-blob through the front door (https://{account}.blob.core.windows.net)."""

import uuid

import pytest
from azsim.providers.storage.azurite import find_binary
from azure.core import MatchConditions
from azure.core.exceptions import HttpResponseError, ResourceExistsError, ResourceModifiedError
from azure.mgmt.storage import StorageManagementClient
from azure.storage.blob import BlobServiceClient

pytestmark = pytest.mark.skipif(find_binary() is None, reason="Azurite is not installed (run `make node` or set AZSIM_AZURITE)")
DAY = 86400


@pytest.fixture(scope="module")
def account(azsim):
    from azure.mgmt.resource.resources import ResourceManagementClient
    rg, name = f"rg-worm-{uuid.uuid4().hex[:6]}", f"wm{uuid.uuid4().hex[:10]}"
    azsim.client(ResourceManagementClient, "proxy").resource_groups.create_or_update(rg, {"location": "westeurope"})
    mgmt = azsim.client(StorageManagementClient, "proxy")
    mgmt.storage_accounts.begin_create(rg, name, {"location": "westeurope", "kind": "StorageV2", "sku": {"name": "Standard_LRS"}}).result()
    key = mgmt.storage_accounts.list_keys(rg, name).keys_property[0].value
    return {"rg": rg, "name": name, "key": key, "url": f"https://{name}.blob.core.windows.net"}


@pytest.fixture
def storage(azsim, mode):
    return azsim.client(StorageManagementClient, mode)


def _container(storage, account, prefix):
    name = f"{prefix}-{uuid.uuid4().hex[:8]}"
    storage.blob_containers.create(account["rg"], account["name"], name, {})
    return name


def test_policy_is_created_locked_extended_and_audited(account, storage):
    rg, name = account["rg"], account["name"]
    c = _container(storage, account, "audit")
    empty = storage.blob_containers.get_immutability_policy(rg, name, c)
    assert empty.immutability_period_since_creation_in_days == 0 and empty.state == "Unlocked" and empty.etag.startswith('"')
    pol = storage.blob_containers.create_or_update_immutability_policy(rg, name, c, {"properties": {"immutabilityPeriodSinceCreationInDays": 3}})
    assert (pol.immutability_period_since_creation_in_days, pol.state, pol.allow_protected_append_writes) == (3, "Unlocked", False)
    assert pol.name == "default" and pol.type == "Microsoft.Storage/storageAccounts/blobServices/containers/immutabilityPolicies"
    assert pol.id.endswith(f"/blobServices/default/containers/{c}/immutabilityPolicies/default") and pol.etag != empty.etag
    got = storage.blob_containers.get(rg, name, c)
    assert got.has_immutability_policy is True and got.immutability_policy.properties.immutability_period_since_creation_in_days == 3
    # An unlocked policy can be shortened; a stale etag is refused.
    pol = storage.blob_containers.create_or_update_immutability_policy(rg, name, c, {"properties": {"immutabilityPeriodSinceCreationInDays": 2}},
                                                                       etag=pol.etag, match_condition=MatchConditions.IfNotModified)
    with pytest.raises(ResourceModifiedError) as err:
        storage.blob_containers.lock_immutability_policy(rg, name, c, etag=empty.etag, match_condition=MatchConditions.IfNotModified)
    assert err.value.status_code == 412 and err.value.error.code == "ContainerImmutabilityPolicyFailure"
    assert err.value.error.message == "Operation not allowed on immutability policy with incorrect etag."
    locked = storage.blob_containers.lock_immutability_policy(rg, name, c, etag=pol.etag, match_condition=MatchConditions.IfNotModified)
    assert locked.state == "Locked" and locked.immutability_period_since_creation_in_days == 2
    shorter = {"properties": {"immutabilityPeriodSinceCreationInDays": 1}}
    for call in (lambda: storage.blob_containers.create_or_update_immutability_policy(rg, name, c, shorter),
                 lambda: storage.blob_containers.delete_immutability_policy(rg, name, c, etag=locked.etag, match_condition=MatchConditions.IfNotModified)):
        with pytest.raises(ResourceExistsError) as err:
            call()
        assert err.value.status_code == 409 and err.value.error.code == "ContainerImmutabilityPolicyFailure"
        assert err.value.error.message == "Operation not allowed on immutability policy with current state."
    extended = storage.blob_containers.extend_immutability_policy(rg, name, c, {"properties": {"immutabilityPeriodSinceCreationInDays": 10}},
                                                                  etag=locked.etag, match_condition=MatchConditions.IfNotModified)
    assert (extended.state, extended.immutability_period_since_creation_in_days) == ("Locked", 10)
    with pytest.raises(HttpResponseError) as err:
        storage.blob_containers.extend_immutability_policy(rg, name, c, {"properties": {"immutabilityPeriodSinceCreationInDays": 5}},
                                                           etag=extended.etag, match_condition=MatchConditions.IfNotModified)
    assert err.value.status_code == 400
    history = storage.blob_containers.get(rg, name, c).immutability_policy.update_history
    assert [(h.update_property, h.immutability_period_since_creation_in_days) for h in history] == [("put", 3), ("put", 2), ("lock", 2), ("extend", 10)]
    assert all(h.object_identifier and h.tenant_id and h.timestamp for h in history)
    # Deleting a locked policy is refused; the container itself goes through the control plane once it is empty.
    storage.blob_containers.delete(rg, name, c)


def test_unlocked_policy_is_deleted_with_its_etag(account, storage):
    rg, name = account["rg"], account["name"]
    c = _container(storage, account, "unl")
    pol = storage.blob_containers.create_or_update_immutability_policy(rg, name, c, {"properties": {
        "immutabilityPeriodSinceCreationInDays": 7, "allowProtectedAppendWrites": True}})
    assert pol.allow_protected_append_writes is True and pol.allow_protected_append_writes_all is False
    with pytest.raises(HttpResponseError) as err:
        storage.blob_containers.create_or_update_immutability_policy(rg, name, c, {"properties": {"immutabilityPeriodSinceCreationInDays": 146001}})
    assert err.value.status_code == 400
    gone = storage.blob_containers.delete_immutability_policy(rg, name, c, etag=pol.etag, match_condition=MatchConditions.IfNotModified)
    assert gone.immutability_period_since_creation_in_days == 0 and gone.state == "Unlocked"
    assert storage.blob_containers.get(rg, name, c).has_immutability_policy is False


def test_legal_hold_tags_are_appended_and_cleared(account, storage):
    rg, name = account["rg"], account["name"]
    c = _container(storage, account, "hold")
    hold = storage.blob_containers.set_legal_hold(rg, name, c, {"tags": ["Case2025", "audit"]})
    assert hold.has_legal_hold is True and hold.tags == ["case2025", "audit"]
    hold = storage.blob_containers.set_legal_hold(rg, name, c, {"tags": ["audit", "sox"]})
    assert hold.tags == ["case2025", "audit", "sox"]
    got = storage.blob_containers.get(rg, name, c)
    assert got.has_legal_hold is True and [t.tag for t in got.legal_hold.tags] == ["case2025", "audit", "sox"]
    with pytest.raises(HttpResponseError) as err:
        storage.blob_containers.set_legal_hold(rg, name, c, {"tags": ["no"]})
    assert err.value.status_code == 400
    with pytest.raises(HttpResponseError) as err:
        storage.blob_containers.delete(rg, name, c)
    assert err.value.status_code == 409
    assert storage.blob_containers.clear_legal_hold(rg, name, c, {"tags": ["case2025", "missing"]}).tags == ["audit", "sox"]
    cleared = storage.blob_containers.clear_legal_hold(rg, name, c, {"tags": ["audit", "sox"]})
    assert cleared.has_legal_hold is False and cleared.tags == []
    assert storage.blob_containers.get(rg, name, c).has_legal_hold is False
    storage.blob_containers.delete(rg, name, c)


def test_data_plane_refuses_deletes_and_overwrites_under_a_policy(azsim, account):
    storage = azsim.client(StorageManagementClient, "proxy")
    rg, name = account["rg"], account["name"]
    c = _container(storage, account, "worm")
    svc = BlobServiceClient(account["url"], credential=account["key"])
    cc = svc.get_container_client(c)
    cc.upload_blob("before.tar", b"existing before the policy")
    storage.blob_containers.create_or_update_immutability_policy(rg, name, c, {"properties": {"immutabilityPeriodSinceCreationInDays": 1}})
    cc.upload_blob("audit/2025.tar", b"audit archive", metadata={"kind": "audit"})  # new blobs are allowed
    blocks = BlobServiceClient(account["url"], credential=account["key"], max_single_put_size=1024, max_block_size=1024)
    big = blocks.get_container_client(c).get_blob_client("audit/blocks.bin")
    big.upload_blob(b"b" * 4096)  # Put Block x4 + Put Block List: a new blob
    with pytest.raises(HttpResponseError) as err:
        big.upload_blob(b"c" * 4096, overwrite=True)  # Put Block List over it
    assert err.value.status_code == 409 and err.value.error_code == "BlobImmutableDueToPolicy"
    assert big.download_blob().readall() == b"b" * 4096
    props = cc.get_container_properties()
    assert props.has_immutability_policy is True and props.has_legal_hold is False
    assert [x.has_immutability_policy for x in svc.list_containers(name_starts_with=c)] == [True]
    refusals = (lambda: cc.delete_blob("audit/2025.tar"), lambda: cc.delete_blob("before.tar"),
                lambda: cc.upload_blob("audit/2025.tar", b"rewritten", overwrite=True),
                lambda: cc.get_blob_client("audit/2025.tar").set_blob_metadata({"kind": "other"}))
    for call in refusals:
        with pytest.raises(HttpResponseError) as err:
            call()
        assert err.value.status_code == 409 and err.value.error_code == "BlobImmutableDueToPolicy"
        assert "This operation is not permitted as the blob is immutable due to a policy." in str(err.value)
    assert cc.download_blob("audit/2025.tar").readall() == b"audit archive"
    storage.blob_containers.lock_immutability_policy(rg, name, c, etag=storage.blob_containers.get_immutability_policy(rg, name, c).etag,
                                                     match_condition=MatchConditions.IfNotModified)
    with pytest.raises(HttpResponseError) as err:
        svc.delete_container(c)
    assert err.value.status_code == 409 and err.value.error_code == "ContainerImmutabilityPolicyLocked"
    azsim.admin("POST", "clock", {"advance_seconds": 2 * DAY})
    try:
        cc.delete_blob("audit/2025.tar")  # the retention interval is over: deletes are allowed...
        with pytest.raises(HttpResponseError) as err:
            cc.upload_blob("before.tar", b"rewritten", overwrite=True)  # ...overwrites still are not
        assert err.value.error_code == "BlobImmutableDueToPolicy"
        cc.delete_blob("before.tar")
        cc.delete_blob("audit/blocks.bin")
        assert list(cc.list_blobs()) == []
        azsim.client(StorageManagementClient, "proxy").blob_containers.delete(rg, name, c)  # empty: the control plane may delete it
    finally:
        azsim.admin("POST", "clock", {"advance_seconds": -2 * DAY})


def test_data_plane_refuses_under_legal_hold_and_allows_protected_appends(azsim, account):
    storage = azsim.client(StorageManagementClient, "proxy")
    rg, name = account["rg"], account["name"]
    c = _container(storage, account, "lh")
    cc = BlobServiceClient(account["url"], credential=account["key"]).get_container_client(c)
    cc.upload_blob("evidence.bin", b"evidence")
    log = cc.get_blob_client("app.log")
    log.create_append_blob()
    log.append_block(b"line 1\n")
    storage.blob_containers.set_legal_hold(rg, name, c, {"tags": ["case42"]})
    assert cc.get_container_properties().has_legal_hold is True
    with pytest.raises(HttpResponseError) as err:
        cc.delete_blob("evidence.bin")
    assert err.value.status_code == 409 and err.value.error_code == "BlobImmutableDueToLegalHold"
    with pytest.raises(HttpResponseError) as err:
        log.append_block(b"line 2\n")
    assert err.value.error_code == "BlobImmutableDueToLegalHold"
    storage.blob_containers.set_legal_hold(rg, name, c, {"tags": ["case42"], "allowProtectedAppendWritesAll": True})
    log.append_block(b"line 2\n")
    assert log.download_blob().readall() == b"line 1\nline 2\n"
    with pytest.raises(HttpResponseError) as err:
        BlobServiceClient(account["url"], credential=account["key"]).delete_container(c)
    assert err.value.status_code == 409 and err.value.error_code == "ContainerHasLegalHold"
    storage.blob_containers.clear_legal_hold(rg, name, c, {"tags": ["case42"]})
    cc.delete_blob("evidence.bin")
