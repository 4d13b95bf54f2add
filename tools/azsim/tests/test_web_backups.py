"""Custom backups through the official SDK: configuration, backup now (a real blob in the storage container, read with
azure-storage-blob through the front door), restore, and the scheduled backup engine driven by azsim's clock."""

import datetime
import io
import json
import time
import uuid
import zipfile

import pytest
from azsim.providers.storage.azurite import find_binary
from azure.core.exceptions import HttpResponseError, ResourceNotFoundError
from azure.mgmt.resource.resources import ResourceManagementClient
from azure.mgmt.storage import StorageManagementClient
from azure.storage.blob import ContainerClient, ContainerSasPermissions, generate_container_sas

from ._web_helpers import expect_web_error, make_plan, make_site, web_client

SAS = "https://backupsacct.blob.core.windows.net/backups?sv=2022-11-02&ss=b&srt=co&sp=rwdlac&se=2030-01-01T00:00:00Z&sig=abc%3D"
needs_azurite = pytest.mark.skipif(find_binary() is None, reason="Azurite is not installed (run `make node` or set AZSIM_AZURITE)")


@pytest.fixture
def web(azsim, mode):
    return web_client(azsim, mode)


@pytest.fixture
def site(web, resource_group, unique):
    plan = make_plan(web, resource_group, f"plan-{unique}", "S1")
    return make_site(web, resource_group, f"app-{unique}", plan.id)


def make_storage(azsim, container="websitebackups"):
    """A storage account with a container and a container SAS URL (read, write, delete, list; as Microsoft Learn's
    PowerShell sample makes one), and a key-authorised client of that container through the front door."""
    rg, name = f"rg-bk-{uuid.uuid4().hex[:6]}", f"bk{uuid.uuid4().hex[:10]}"
    azsim.client(ResourceManagementClient, "proxy").resource_groups.create_or_update(rg, {"location": "westeurope"})
    mgmt = azsim.client(StorageManagementClient, "proxy")
    mgmt.storage_accounts.begin_create(rg, name, {"location": "westeurope", "kind": "StorageV2", "sku": {"name": "Standard_LRS"}}).result()
    mgmt.blob_containers.create(rg, name, container, {})
    key = mgmt.storage_accounts.list_keys(rg, name).keys_property[0].value
    endpoint = f"https://{name}.blob.core.windows.net"
    storage = {"container": ContainerClient(endpoint, container, credential=key), "name": name, "key": key, "container_name": container}
    storage["url"] = container_url(storage)
    return storage


def container_url(storage, days=7):
    sas = generate_container_sas(storage["name"], storage["container_name"], account_key=storage["key"],
                                 permission=ContainerSasPermissions(read=True, write=True, delete=True, list=True),
                                 expiry=datetime.datetime.now(datetime.UTC) + datetime.timedelta(days=days))
    return f"https://{storage['name']}.blob.core.windows.net/{storage['container_name']}?{sas}"


@pytest.fixture(scope="module")
def storage(azsim):
    return make_storage(azsim)


def wait_backup(web, rg, name, backup_id, timeout=60.0, slot=None):
    """The backup item once it left InProgress (its blob is written by a worker, as the service writes it)."""
    deadline = time.time() + timeout
    while True:
        got = (web.web_apps.get_backup_status_slot(rg, name, str(backup_id), slot) if slot else
               web.web_apps.get_backup_status(rg, name, str(backup_id)))
        if got.properties.status != "InProgress" or time.time() > deadline:
            return got
        time.sleep(0.1)


def schedule(**over):
    s = {"frequencyInterval": 1, "frequencyUnit": "Day", "keepAtLeastOneBackup": True, "retentionPeriodInDays": 1}
    s.update(over)
    return s


def test_configuration_validation_and_round_trip(web, resource_group, site):
    put = web.web_apps.update_backup_configuration
    # Microsoft Learn's error table: a URL without a SAS.
    expect_web_error(lambda: put(resource_group, site.name, {"properties": {"storageAccountUrl": SAS.split("?", maxsplit=1)[0] + "?sv=2022-11-02"}}),
                     400, "BadRequest", "Missing mandatory parameters for valid Shared Access Signature.")
    expect_web_error(lambda: put(resource_group, site.name, {"properties": {"storageAccountUrl": SAS, "backupSchedule": schedule(frequencyUnit=None)}}),
                     400, "BadRequest", "The parameter BackupSchedule.FrequencyUnit is required.")
    with pytest.raises(HttpResponseError) as err:
        web.web_apps.get_backup_configuration(resource_group, site.name)
    assert err.value.status_code == 404
    cfg = put(resource_group, site.name, {"properties": {"storageAccountUrl": SAS, "enabled": True, "backupSchedule": schedule()}})
    assert cfg.name == "backup" and cfg.properties.backup_schedule.frequency_unit == "Day"
    got = web.web_apps.get_backup_configuration(resource_group, site.name)
    assert got.properties.storage_account_url == SAS and got.properties.backup_schedule.retention_period_in_days == 1
    assert got.properties.backup_schedule.last_execution_time is None
    web.web_apps.delete_backup_configuration(resource_group, site.name)
    with pytest.raises(HttpResponseError):
        web.web_apps.get_backup_configuration(resource_group, site.name)


@needs_azurite
def test_backup_writes_its_blob_then_restore_and_delete(web, resource_group, site, storage, unique):
    item = web.web_apps.backup(resource_group, site.name, {"properties": {"storageAccountUrl": storage["url"], "backupName": f"manual-{unique}"}})
    assert item.properties.status == "InProgress" and item.properties.scheduled is False
    assert item.properties.blob_name == f"manual-{unique}.zip" and item.name == f"{site.name}/{item.properties.backup_id}"
    got = wait_backup(web, resource_group, site.name, item.properties.backup_id)
    assert got.properties.status == "Succeeded" and got.properties.finished_time_stamp is not None
    listed = list(web.web_apps.list_backups(resource_group, site.name))
    assert [b.properties.backup_id for b in listed] == [item.properties.backup_id]
    b = listed[0].properties
    assert b.status == "Succeeded" and b.size_in_bytes > 0 and b.created is not None and b.created <= b.finished_time_stamp
    # The blob is in the container, as big as the item says, and a manifest next to it (Learn: "How backups are stored").
    blob = storage["container"].get_blob_client(b.blob_name)
    assert blob.get_blob_properties().size == b.size_in_bytes
    archive = zipfile.ZipFile(io.BytesIO(blob.download_blob().readall()))
    assert json.loads(archive.read("meta"))["siteName"] == site.name
    assert storage["container"].get_blob_client(f"manual-{unique}.xml").exists()
    web.web_apps.begin_restore(resource_group, site.name, str(item.properties.backup_id),
                               {"properties": {"storageAccountUrl": storage["url"], "overwrite": True}}).result()
    assert web.web_apps.get_backup_status(resource_group, site.name, str(item.properties.backup_id)).properties.last_restore_time_stamp is not None
    with pytest.raises(HttpResponseError) as err:
        web.web_apps.begin_restore(resource_group, site.name, str(item.properties.backup_id),
                                   {"properties": {"storageAccountUrl": storage["url"], "overwrite": False}})
    assert err.value.status_code == 400
    # backups/{id}/list answers with the SAS URL and takes a new one (WebApps_ListBackupStatusSecrets).
    renewed = container_url(storage, days=30)
    secrets = web.web_apps.list_backup_status_secrets(resource_group, site.name, str(item.properties.backup_id),
                                                      {"properties": {"storageAccountUrl": renewed}})
    assert secrets.properties.storage_account_url == renewed
    web.web_apps.delete_backup(resource_group, site.name, str(item.properties.backup_id))
    assert list(web.web_apps.list_backups(resource_group, site.name)) == []
    # The service deletes the blobs with the backup's SAS (Learn "Use REST to back up and restore App Service apps").
    deadline = time.time() + 30
    while blob.exists() and time.time() < deadline:
        time.sleep(0.1)
    assert not blob.exists()


@needs_azurite
def test_backup_to_unusable_storage_fails_with_its_log(web, resource_group, site, storage):
    base, _sep, query = storage["url"].partition("?")
    forged = base + "?" + "&".join(p if not p.startswith("sig=") else "sig=AAAA" for p in query.split("&"))
    bad = web.web_apps.backup(resource_group, site.name, {"properties": {"storageAccountUrl": forged, "backupName": "forged"}})
    got = wait_backup(web, resource_group, site.name, bad.properties.backup_id)
    # Learn's error table: "Storage access failed." / "Cannot resolve {0}. {1} (CannotResolveStorageAccount)".
    assert got.properties.status == "Failed" and got.properties.log.startswith("Storage access failed.")
    gone = web.web_apps.backup(resource_group, site.name, {"properties": {"storageAccountUrl": SAS, "backupName": "nowhere"}})
    got = wait_backup(web, resource_group, site.name, gone.properties.backup_id)
    assert got.properties.status == "Failed" and got.properties.log.startswith("Cannot resolve backupsacct.blob.core.windows.net.")
    assert got.properties.log.endswith("(CannotResolveStorageAccount)")
    # A failed backup cannot be restored; a backup id that does not exist is 404, without a blob name to use instead.
    with pytest.raises(HttpResponseError) as err:
        web.web_apps.begin_restore(resource_group, site.name, str(got.properties.backup_id),
                                   {"properties": {"storageAccountUrl": storage["url"], "overwrite": True}})
    assert err.value.status_code == 400
    with pytest.raises(ResourceNotFoundError):
        web.web_apps.begin_restore(resource_group, site.name, "4242", {"properties": {"storageAccountUrl": storage["url"], "overwrite": True}})


def test_free_tier_has_no_backups(web, resource_group, unique):
    plan = make_plan(web, resource_group, f"free-{unique}", "F1")
    free = make_site(web, resource_group, f"free-{unique}", plan.id)
    with pytest.raises(HttpResponseError) as err:
        web.web_apps.backup(resource_group, free.name, {"properties": {"storageAccountUrl": SAS}})
    assert err.value.status_code == 409
    assert "not available for sites in the Free tier" in err.value.response.text()


@needs_azurite
def test_scheduled_engine_and_retention(azsim, mode, resource_group, site, storage):
    web = web_client(azsim, mode)
    now = azsim.admin("GET", "clock")["now"]
    sched = schedule(startTime=now, retentionPeriodInDays=2)
    url = storage["url"]
    web.web_apps.update_backup_configuration(resource_group, site.name, {"properties": {"storageAccountUrl": url, "backupSchedule": sched}})
    web.web_apps.backup(resource_group, site.name, {"properties": {"storageAccountUrl": url, "backupName": f"keepme-{mode}"}})
    scheduled = []
    moved = 0
    try:
        for _day in range(3):
            azsim.admin("POST", "clock", {"advance_seconds": 86400 + 60})
            moved += 86400 + 60
            time.sleep(0.3)  # the engine ticks every ~50 ms
            web = web_client(azsim, mode)  # tokens are dated on azsim's clock: a fresh credential after moving it
            items = list(web.web_apps.list_backups(resource_group, site.name))
            scheduled = [b for b in items if b.properties.scheduled]
            assert [b.properties.name for b in items if not b.properties.scheduled] == [f"keepme-{mode}"]  # on-demand backups are kept
    finally:
        azsim.admin("POST", "clock", {"advance_seconds": -moved})
        web = web_client(azsim, mode)
    # Three daily runs (plus a minute each) with a two-day retention: the first scheduled backup is gone; the others
    # are written (their blobs too) and succeed.
    assert len(scheduled) == 2
    done = [wait_backup(web, resource_group, site.name, b.properties.backup_id) for b in scheduled]
    assert all(b.properties.status == "Succeeded" and b.properties.size_in_bytes > 0 for b in done)
    assert all(storage["container"].get_blob_client(b.properties.blob_name).exists() for b in done)
    cfg = web.web_apps.get_backup_configuration(resource_group, site.name)
    assert cfg.properties.backup_schedule.last_execution_time is not None
