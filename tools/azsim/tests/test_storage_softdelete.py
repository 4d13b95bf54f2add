"""Blob soft delete: blobServices/default deleteRetentionPolicy (azure-mgmt-storage), then deleted blobs listed with
include=deleted, restored by Undelete Blob and purged after the retention period on the simulated clock
(azure-storage-blob through the front door)."""

import uuid

import pytest
import requests
from azsim.providers.storage.azurite import find_binary
from azure.core.exceptions import HttpResponseError, ResourceNotFoundError
from azure.mgmt.storage import StorageManagementClient
from azure.storage.blob import BlobServiceClient

pytestmark = pytest.mark.skipif(find_binary() is None, reason="Azurite is not installed (run `make node` or set AZSIM_AZURITE)")
DAY = 86400


@pytest.fixture(scope="module")
def account(azsim):
    from azure.mgmt.resource.resources import ResourceManagementClient
    rg, name = f"rg-sd-{uuid.uuid4().hex[:6]}", f"sd{uuid.uuid4().hex[:10]}"
    azsim.client(ResourceManagementClient, "proxy").resource_groups.create_or_update(rg, {"location": "westeurope"})
    mgmt = azsim.client(StorageManagementClient, "proxy")
    mgmt.storage_accounts.begin_create(rg, name, {"location": "westeurope", "kind": "StorageV2", "sku": {"name": "Standard_LRS"}}).result()
    svc = mgmt.blob_services.set_service_properties(rg, name, {"properties": {"deleteRetentionPolicy": {"enabled": True, "days": 2}}})
    assert svc.delete_retention_policy.enabled is True and svc.delete_retention_policy.days == 2
    key = mgmt.storage_accounts.list_keys(rg, name).keys_property[0].value
    return {"rg": rg, "name": name, "key": key, "url": f"https://{name}.blob.core.windows.net"}


def _container(account, prefix):
    svc = BlobServiceClient(account["url"], credential=account["key"])
    return svc, svc.create_container(f"{prefix}-{uuid.uuid4().hex[:8]}")


def test_deleted_blob_is_listed_and_undeleted(account):
    svc, cc = _container(account, "sd")
    cc.upload_blob("backups/db.sql", b"select 1;", metadata={"Kind": "dump"})
    cc.upload_blob("backups/files.tar", b"tar")
    cc.delete_blob("backups/db.sql")
    assert [b.name for b in cc.list_blobs()] == ["backups/files.tar"]
    with pytest.raises(ResourceNotFoundError) as err:
        cc.download_blob("backups/db.sql").readall()
    assert err.value.error_code == "BlobNotFound"
    listed = {b.name: b for b in cc.list_blobs(include=["deleted", "metadata"])}
    gone = listed["backups/db.sql"]
    assert gone.deleted is True and gone.remaining_retention_days == 2 and gone.deleted_time is not None
    assert gone.metadata == {"Kind": "dump"} and gone.size == 9 and gone.blob_type == "BlockBlob"
    assert not listed["backups/files.tar"].deleted
    cc.get_blob_client("backups/db.sql").undelete_blob()
    assert cc.download_blob("backups/db.sql").readall() == b"select 1;"
    assert cc.get_blob_client("backups/db.sql").get_blob_properties().metadata == {"Kind": "dump"}
    assert [(b.name, bool(b.deleted)) for b in cc.list_blobs(include=["deleted"])] == [("backups/db.sql", False), ("backups/files.tar", False)]
    cc.get_blob_client("backups/files.tar").undelete_blob()  # on a live blob: no effect
    with pytest.raises(ResourceNotFoundError) as err:
        cc.get_blob_client("never.txt").undelete_blob()
    assert err.value.status_code == 404 and err.value.error_code == "BlobNotFound"


def test_listing_with_deleted_pages_and_groups(account):
    svc, cc = _container(account, "pg")
    for n in ("a/1", "a/2", "b/1", "c"):
        cc.upload_blob(n, n.encode())
    cc.delete_blob("a/2")
    cc.delete_blob("c")
    pages = cc.list_blobs(include=["deleted"], results_per_page=2).by_page()
    seen = [[(b.name, bool(b.deleted)) for b in page] for page in pages]
    assert seen == [[("a/1", False), ("a/2", True)], [("b/1", False), ("c", True)]]
    assert [(b.name, bool(getattr(b, "deleted", False))) for b in cc.walk_blobs(include=["deleted"], delimiter="/")] == \
        [("a/", False), ("b/", False), ("c", True)]
    assert [b.name for b in cc.list_blobs(name_starts_with="a/", include=["deleted"])] == ["a/1", "a/2"]


def test_deleted_blobs_are_purged_after_the_retention_period(azsim, account):
    svc, cc = _container(account, "pu")
    cc.upload_blob("old.tar", b"old")
    cc.delete_blob("old.tar")
    azsim.admin("POST", "clock", {"advance_seconds": 1 * DAY + 60})
    try:
        assert [(b.name, b.remaining_retention_days) for b in cc.list_blobs(include=["deleted"])] == [("old.tar", 1)]
        azsim.admin("POST", "clock", {"advance_seconds": 1 * DAY})
        assert list(cc.list_blobs(include=["deleted"])) == []
        with pytest.raises(ResourceNotFoundError):
            cc.get_blob_client("old.tar").undelete_blob()
    finally:
        azsim.admin("POST", "clock", {"advance_seconds": -(2 * DAY + 60)})


def test_without_soft_delete_a_delete_is_final_and_the_hidden_container_stays_hidden(azsim, account):
    mgmt = azsim.client(StorageManagementClient, "proxy")
    mgmt.blob_services.set_service_properties(account["rg"], account["name"], {"properties": {"deleteRetentionPolicy": {"enabled": False}}})
    try:
        svc, cc = _container(account, "off")
        cc.upload_blob("x.txt", b"x")
        cc.delete_blob("x.txt")
        assert list(cc.list_blobs(include=["deleted"])) == []
        with pytest.raises(ResourceNotFoundError):
            cc.get_blob_client("x.txt").undelete_blob()
    finally:
        mgmt.blob_services.set_service_properties(account["rg"], account["name"], {"properties": {"deleteRetentionPolicy": {"enabled": True, "days": 2}}})
    assert all(not c.name.startswith("$") for c in svc.list_containers())
    with pytest.raises(HttpResponseError) as err:
        svc.create_container("$azsim-deleted")
    assert err.value.status_code == 400 and err.value.error_code == "InvalidResourceName"
    r = requests.get(f"{account['url']}/?comp=list", verify=azsim.ca, proxies={"https": azsim.info["proxy"]}, timeout=30)
    assert r.status_code == 409  # anonymous: refused before anything is listed


def test_deleting_the_container_forgets_its_deleted_blobs(account):
    svc, cc = _container(account, "gone")
    cc.upload_blob("x.txt", b"x")
    cc.delete_blob("x.txt")
    assert [b.name for b in cc.list_blobs(include=["deleted"])] == ["x.txt"]
    name = cc.container_name
    svc.delete_container(name)
    again = svc.create_container(name)
    assert list(again.list_blobs(include=["deleted"])) == []


def test_a_blob_written_over_a_deleted_one_keeps_it_as_a_deleted_snapshot(account):
    svc, cc = _container(account, "ow")
    cc.upload_blob("report.csv", b"v1")
    cc.delete_blob("report.csv")
    cc.upload_blob("report.csv", b"v2")
    assert [(b.name, bool(b.deleted)) for b in cc.list_blobs(include=["deleted"])] == [("report.csv", False)]
    both = [(b.name, bool(b.deleted), bool(b.snapshot)) for b in cc.list_blobs(include=["deleted", "snapshots"])]
    assert both == [("report.csv", True, True), ("report.csv", False, False)]
    cc.get_blob_client("report.csv").undelete_blob()
    assert cc.download_blob("report.csv").readall() == b"v2"
