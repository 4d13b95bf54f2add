"""Custom backups through the official SDK: configuration, backup now, restore, and the scheduled
backup engine driven by azsim's clock."""

import time

import pytest
from azure.core.exceptions import HttpResponseError

from ._web_helpers import expect_web_error, make_plan, make_site, web_client

SAS = "https://backupsacct.blob.core.windows.net/backups?sv=2022-11-02&ss=b&srt=co&sp=rwdlac&se=2030-01-01T00:00:00Z&sig=abc%3D"


@pytest.fixture
def web(azsim, mode):
    return web_client(azsim, mode)


@pytest.fixture
def site(web, resource_group, unique):
    plan = make_plan(web, resource_group, f"plan-{unique}", "S1")
    return make_site(web, resource_group, f"app-{unique}", plan.id)


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


def test_backup_now_restore_and_delete(web, resource_group, site):
    item = web.web_apps.backup(resource_group, site.name, {"properties": {"storageAccountUrl": SAS, "backupName": "manual1"}})
    assert item.properties.status == "InProgress" and item.properties.scheduled is False
    assert item.properties.blob_name == "manual1.zip" and item.name == f"{site.name}/{item.properties.backup_id}"
    got = web.web_apps.get_backup_status(resource_group, site.name, str(item.properties.backup_id))
    assert got.properties.status == "Succeeded" and got.properties.finished_time_stamp is not None  # time scale 0: done at once
    assert [b.properties.backup_id for b in web.web_apps.list_backups(resource_group, site.name)] == [item.properties.backup_id]
    web.web_apps.begin_restore(resource_group, site.name, str(item.properties.backup_id),
                               {"properties": {"storageAccountUrl": SAS, "overwrite": True}}, polling_interval=0.1).result()
    assert web.web_apps.get_backup_status(resource_group, site.name, str(item.properties.backup_id)).properties.last_restore_time_stamp is not None
    with pytest.raises(HttpResponseError) as err:
        web.web_apps.begin_restore(resource_group, site.name, str(item.properties.backup_id), {"properties": {"storageAccountUrl": SAS, "overwrite": False}})
    assert err.value.status_code == 400
    web.web_apps.delete_backup(resource_group, site.name, str(item.properties.backup_id))
    assert list(web.web_apps.list_backups(resource_group, site.name)) == []


def test_free_tier_has_no_backups(web, resource_group, unique):
    plan = make_plan(web, resource_group, f"free-{unique}", "F1")
    free = make_site(web, resource_group, f"free-{unique}", plan.id)
    with pytest.raises(HttpResponseError) as err:
        web.web_apps.backup(resource_group, free.name, {"properties": {"storageAccountUrl": SAS}})
    assert err.value.status_code == 409
    assert "not available for sites in the Free tier" in err.value.response.text()


def test_scheduled_engine_and_retention(azsim, mode, resource_group, site):
    web = web_client(azsim, mode)
    now = azsim.admin("GET", "clock")["now"]
    sched = schedule(startTime=now, retentionPeriodInDays=2)
    web.web_apps.update_backup_configuration(resource_group, site.name, {"properties": {"storageAccountUrl": SAS, "backupSchedule": sched}})
    web.web_apps.backup(resource_group, site.name, {"properties": {"storageAccountUrl": SAS, "backupName": "keepme"}})
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
            assert [b.properties.name for b in items if not b.properties.scheduled] == ["keepme"]  # on-demand backups are kept
    finally:
        azsim.admin("POST", "clock", {"advance_seconds": -moved})
        web = web_client(azsim, mode)
    # Three daily runs (plus a minute each) with a two-day retention: the first scheduled backup is gone.
    assert len(scheduled) == 2 and all(b.properties.status == "Succeeded" for b in scheduled)
    cfg = web.web_apps.get_backup_configuration(resource_group, site.name)
    assert cfg.properties.backup_schedule.last_execution_time is not None
