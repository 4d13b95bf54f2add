"""Pure logic of the restores: Azure's timestamps and "now", and backups shown without their SAS."""

import datetime

from ansible_collections.erpops.azure.plugins.module_utils import timestamps, web_backup

UTC = datetime.UTC


def test_iso_times_as_arm_writes_them_and_as_users_type_them():
    expected = datetime.datetime(2026, 5, 1, 6, 30, 0, 123456, tzinfo=UTC)
    assert timestamps.parse_utc("2026-05-01T06:30:00.1234567Z") == expected  # ARM's seven digits
    assert timestamps.parse_utc("2026-05-01T08:30:00.123456+02:00") == expected
    assert timestamps.parse_utc("2026-05-01 06:30") == expected.replace(microsecond=0)  # no offset: UTC
    assert timestamps.parse_utc("2026-05-01T01:00:00-0530") == datetime.datetime(2026, 5, 1, 6, 30, tzinfo=UTC)
    for bad in ("yesterday", "2026-13-01T00:00:00Z", "2026-05-01", "", None, 1714545000):
        assert timestamps.parse_utc(bad) is None


def test_format_is_the_spec_examples_form():
    assert timestamps.format_utc(datetime.datetime(2026, 5, 1, 6, 30, tzinfo=UTC)) == "2026-05-01T06:30:00.000000Z"
    ahead = datetime.datetime(2026, 5, 1, 8, 30, tzinfo=datetime.timezone(datetime.timedelta(hours=2)))
    assert timestamps.format_utc(ahead) == "2026-05-01T06:30:00.000000Z"


def test_now_is_the_services_clock_when_it_gives_one():
    assert timestamps.service_now({"date": "Fri, 01 May 2026 06:30:00 GMT"}) == datetime.datetime(2026, 5, 1, 6, 30, tzinfo=UTC)
    before = datetime.datetime.now(UTC)
    for headers in ({}, None, {"date": "not a date"}):
        assert before <= timestamps.service_now(headers) <= datetime.datetime.now(UTC)


SAS_URL = "https://st1.blob.core.windows.net/erp-backups?sv=2022-11-02&sr=c&sp=rwdl&se=2027-05-01T00%3A00%3A00Z&spr=https&sig=c2VjcmV0%3D"


def test_a_backup_item_is_shown_without_its_sas_or_connection_strings():
    item = {"id": "/subscriptions/s/resourceGroups/rg/providers/Microsoft.Web/sites/app/backups/3",
            "properties": {"id": 3, "name": "app_202605010200", "status": "Succeeded", "sizeInBytes": 10, "storageAccountUrl": SAS_URL,
                           "blobName": "app_202605010200.zip", "created": "2026-05-01T02:00:00Z",
                           "databases": [{"name": "erp", "databaseType": "PostgreSql", "connectionString": "password=hunter2"}]}}
    out = web_backup.public_item(item)
    assert out["id"] == 3 and out["resource_id"].endswith("/backups/3") and out["status"] == "Succeeded"
    assert out["storageAccountUrl"] == "https://st1.blob.core.windows.net/erp-backups"
    assert out["databases"] == [{"name": "erp", "databaseType": "PostgreSql"}]
    assert "sig" not in repr(out) and "hunter2" not in repr(out)


def test_the_secrets_of_a_sas_url_and_the_configuration_view():
    assert web_backup.sas_secrets(SAS_URL) == [SAS_URL.split("?", 1)[1], "c2VjcmV0="]
    assert web_backup.sas_secrets("https://st1.blob.core.windows.net/erp-backups") == []
    view = web_backup.public_view({"enabled": True, "backupName": "app", "storageAccountUrl": SAS_URL,
                                   "backupSchedule": {"frequencyInterval": 1, "frequencyUnit": "Day", "retentionPeriodInDays": 10,
                                                      "keepAtLeastOneBackup": True, "startTime": "2026-04-01T00:00:00Z"}})
    assert view["container_url"] == "https://st1.blob.core.windows.net/erp-backups" and view["sas_expiry"] == "2027-05-01T00:00:00Z"
    assert "startTime" not in view["schedule"] and "sig" not in repr(view)


def test_newest_backup_first():
    items = [{"id": 1, "created": "2026-05-01T02:00:00Z"}, {"id": 3, "created": None}, {"id": 2, "created": "2026-05-02T02:00:00.1234567Z"}]
    assert [i["id"] for i in web_backup.newest_first(items)] == [2, 1, 3]
