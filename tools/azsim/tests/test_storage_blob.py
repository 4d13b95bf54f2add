"""The blob data plane through the front door (https://{account}.blob.core.windows.net, served by Azurite) with
azure-storage-blob, as an unmodified client addresses it: real host names, account keys and SAS tokens."""

import datetime
import hashlib
import uuid

import pytest
import requests
from azsim.providers.storage.azurite import find_binary
from azure.core.exceptions import HttpResponseError
from azure.mgmt.storage import StorageManagementClient
from azure.storage.blob import BlobServiceClient, ContainerClient, ContainerSasPermissions, ContentSettings, generate_container_sas

pytestmark = pytest.mark.skipif(find_binary() is None, reason="Azurite is not installed (run `make node` or set AZSIM_AZURITE)")


@pytest.fixture(scope="module")
def account(azsim):
    """One account (and a container made through the management plane) shared by the data-plane tests."""
    from azure.mgmt.resource.resources import ResourceManagementClient
    rg, name = f"rg-blob-{uuid.uuid4().hex[:6]}", f"bl{uuid.uuid4().hex[:10]}"
    azsim.client(ResourceManagementClient, "proxy").resource_groups.create_or_update(rg, {"location": "westeurope"})
    mgmt = azsim.client(StorageManagementClient, "proxy")
    mgmt.storage_accounts.begin_create(rg, name, {"location": "westeurope", "kind": "StorageV2", "sku": {"name": "Standard_LRS"}}).result()
    mgmt.blob_containers.create(rg, name, "backups", {})
    key = mgmt.storage_accounts.list_keys(rg, name).keys_property[0].value
    return {"rg": rg, "name": name, "key": key, "mgmt": mgmt, "url": f"https://{name}.blob.core.windows.net"}


def _expiry(hours=1):
    return datetime.datetime.now(datetime.UTC) + datetime.timedelta(hours=hours)


def test_mgmt_container_is_visible_and_blobs_round_trip_with_the_key(account):
    svc = BlobServiceClient(account["url"], credential=account["key"])
    assert "backups" in [c.name for c in svc.list_containers()]
    blob = svc.get_blob_client("backups", "db/dump.sql")
    blob.upload_blob(b"select 1;\n", overwrite=True)
    assert blob.download_blob().readall() == b"select 1;\n"
    assert blob.get_blob_properties().size == 10  # HEAD (Get Blob Properties) carries the blob's Content-Length
    assert [b.name for b in svc.get_container_client("backups").list_blobs()] == ["db/dump.sql"]


def test_container_sas_least_scope(account):
    sas = generate_container_sas(account["name"], "backups", account_key=account["key"], permission=ContainerSasPermissions(read=True, write=True,
                                 create=True, list=True), expiry=_expiry(), protocol="https")
    cc = ContainerClient(account["url"], "backups", credential=sas)
    cc.upload_blob("app/backup.zip", b"PK\x03\x04zip", overwrite=True)
    assert cc.download_blob("app/backup.zip").readall() == b"PK\x03\x04zip"
    ro = generate_container_sas(account["name"], "backups", account_key=account["key"], permission=ContainerSasPermissions(read=True),
                                expiry=_expiry())
    with pytest.raises(HttpResponseError) as err:
        ContainerClient(account["url"], "backups", credential=ro).upload_blob("nope.txt", b"x")
    assert err.value.status_code == 403 and err.value.error_code == "AuthorizationPermissionMismatch"
    expired = generate_container_sas(account["name"], "backups", account_key=account["key"], permission=ContainerSasPermissions(read=True),
                                     expiry=_expiry(-1))
    with pytest.raises(HttpResponseError) as err:
        ContainerClient(account["url"], "backups", credential=expired).download_blob("app/backup.zip").readall()
    assert err.value.status_code == 403


def test_rp_signed_service_sas_works(account):
    token = account["mgmt"].storage_accounts.list_service_sas(account["rg"], account["name"], {
        "canonicalizedResource": f"/blob/{account['name']}/backups", "signedResource": "c", "signedPermission": "rcwl",
        "signedExpiry": _expiry().strftime("%Y-%m-%dT%H:%M:%SZ"), "signedProtocol": "https"}).service_sas_token
    cc = ContainerClient(account["url"], "backups", credential=token)
    cc.upload_blob("rp.txt", b"rp", overwrite=True)
    assert cc.download_blob("rp.txt").readall() == b"rp"


def test_data_plane_container_shows_in_mgmt_and_urls_are_azure_urls(azsim, account):
    svc = BlobServiceClient(account["url"], credential=account["key"])
    svc.create_container("made-by-sdk")
    assert "made-by-sdk" in [c.name for c in account["mgmt"].blob_containers.list(account["rg"], account["name"])]
    sas = generate_container_sas(account["name"], "made-by-sdk", account_key=account["key"], permission=ContainerSasPermissions(list=True),
                                 expiry=_expiry())
    r = requests.get(f"{account['url']}/made-by-sdk", params={"restype": "container", "comp": "list"} | dict(
        p.split("=", 1) for p in sas.split("&")), verify=azsim.ca, proxies={"https": azsim.info["proxy"]}, timeout=30)
    assert r.status_code == 200 and f'ServiceEndpoint="{account["url"]}/"' in r.text
    svc.delete_container("made-by-sdk")
    assert "made-by-sdk" not in [c.name for c in account["mgmt"].blob_containers.list(account["rg"], account["name"])]


def test_anonymous_and_public_access_refused(azsim, account):
    r = requests.get(f"{account['url']}/backups/db/dump.sql", verify=azsim.ca, proxies={"https": azsim.info["proxy"]}, timeout=30)
    assert r.status_code == 409 and r.headers["x-ms-error-code"] == "PublicAccessNotPermitted"
    with pytest.raises(HttpResponseError) as err:
        BlobServiceClient(account["url"], credential=account["key"]).create_container("pub", public_access="blob")
    assert err.value.status_code == 409 and err.value.error_code == "PublicAccessNotPermitted"


def test_shared_key_disabled_and_firewall(account):
    mgmt, rg, name = account["mgmt"], account["rg"], account["name"]
    svc = BlobServiceClient(account["url"], credential=account["key"])
    sas = generate_container_sas(name, "backups", account_key=account["key"], permission=ContainerSasPermissions(read=True), expiry=_expiry())
    mgmt.storage_accounts.update(rg, name, {"properties": {"allowSharedKeyAccess": False}})
    try:
        for call in (lambda: list(svc.list_containers()), lambda: ContainerClient(account["url"], "backups", credential=sas).download_blob("rp.txt")):
            with pytest.raises(HttpResponseError) as err:
                call()
            assert err.value.status_code == 403 and err.value.error_code == "KeyBasedAuthenticationNotPermitted"
    finally:
        mgmt.storage_accounts.update(rg, name, {"properties": {"allowSharedKeyAccess": True}})
    mgmt.storage_accounts.update(rg, name, {"properties": {"networkAcls": {"defaultAction": "Deny", "ipRules": [{"value": "203.0.113.7"}]}}})
    try:
        with pytest.raises(HttpResponseError) as err:
            list(svc.list_containers())
        assert err.value.status_code == 403 and err.value.error_code == "AuthorizationFailure"
    finally:
        mgmt.storage_accounts.update(rg, name, {"properties": {"networkAcls": {"defaultAction": "Allow"}}})
    assert "backups" in [c.name for c in svc.list_containers()]


def test_regenerated_key_is_the_one_that_works(account):
    mgmt, rg, name = account["mgmt"], account["rg"], account["name"]
    new = mgmt.storage_accounts.regenerate_key(rg, name, {"keyName": "key2"}).keys_property[1].value
    svc = BlobServiceClient(account["url"], credential=new)
    assert svc.get_container_client("backups").get_blob_client("rp.txt").download_blob().readall() == b"rp"


def test_metadata_and_content_md5_are_kept(account):
    """Put Blob keeps user metadata with its names' case and the Content-MD5 it was sent, computes one when none was sent
    (Learn "Put Blob", "Set Blob Metadata"); a body that does not match the MD5 sent is refused (Md5Mismatch)."""
    cc = BlobServiceClient(account["url"], credential=account["key"]).get_container_client("backups")
    data = b"archive bytes\n" * 100
    digest = hashlib.md5(data).digest()  # noqa: S324 - Content-MD5 is an MD5 by definition
    blob = cc.upload_blob("meta/archive.tar", data, overwrite=True, metadata={"Owner": "erp", "backup_kind": "full"},
                          content_settings=ContentSettings(content_type="application/x-tar", content_md5=bytearray(digest)))
    props = blob.get_blob_properties()
    assert props.metadata == {"Owner": "erp", "backup_kind": "full"} and props.size == len(data)
    assert bytes(props.content_settings.content_md5) == digest and props.content_settings.content_type == "application/x-tar"
    computed = cc.upload_blob("meta/plain.txt", b"no md5 sent", overwrite=True).get_blob_properties()
    assert bytes(computed.content_settings.content_md5) == hashlib.md5(b"no md5 sent").digest()  # noqa: S324
    blob.set_blob_metadata({"Owner": "audit", "Retention": "7y"})
    assert blob.get_blob_properties().metadata == {"Owner": "audit", "Retention": "7y"}
    listed = {b.name: b for b in cc.list_blobs(name_starts_with="meta/", include=["metadata"])}
    assert listed["meta/archive.tar"].metadata == {"Owner": "audit", "Retention": "7y"}
    assert bytes(listed["meta/archive.tar"].content_settings.content_md5) == digest
    with pytest.raises(HttpResponseError) as err:
        cc.upload_blob("meta/bad.txt", b"body", overwrite=True, content_settings=ContentSettings(content_md5=bytearray(digest)))
    assert err.value.status_code == 400 and err.value.error_code == "Md5Mismatch"


def test_acknowledged_blobs_survive_a_kill_of_azsim(tmp_path, monkeypatch):
    """A blob Azure acknowledged is there after azsim is killed (-9) and started again: Azurite, told by the kernel that its
    parent died, saves its metadata; a new azsim waits for an Azurite left behind before starting its own on the data."""
    import signal

    from azsim.testing import Azsim
    from azure.mgmt.resource.resources import ResourceManagementClient

    sim = Azsim(str(tmp_path)).start()
    monkeypatch.setenv("REQUESTS_CA_BUNDLE", sim.ca)
    monkeypatch.setenv("HTTPS_PROXY", sim.info["proxy"])
    monkeypatch.setenv("NO_PROXY", "127.0.0.1,localhost")
    try:
        sim.client(ResourceManagementClient, "direct").resource_groups.create_or_update("rg", {"location": "westeurope"})
        mgmt = sim.client(StorageManagementClient, "direct")
        name = f"kill{uuid.uuid4().hex[:10]}"
        mgmt.storage_accounts.begin_create("rg", name, {"location": "westeurope", "kind": "StorageV2", "sku": {"name": "Standard_LRS"}}).result()
        key = mgmt.storage_accounts.list_keys("rg", name).keys_property[0].value
        svc = BlobServiceClient(f"https://{name}.blob.core.windows.net", credential=key)
        svc.create_container("kept").upload_blob("acknowledged.txt", b"written before the kill")
        sim.kill(signal.SIGKILL)
        sim = Azsim(str(tmp_path)).start()
        monkeypatch.setenv("HTTPS_PROXY", sim.info["proxy"])
        svc = BlobServiceClient(f"https://{name}.blob.core.windows.net", credential=key)
        assert svc.get_blob_client("kept", "acknowledged.txt").download_blob().readall() == b"written before the kill"
    finally:
        sim.stop()
