"""Pure logic of storage_account: the SAS expiration period's form and length, and the blob service properties the user set."""

from ansible_collections.erpops.azure.plugins.modules import storage_account as sa


def test_sas_periods_are_parsed_to_seconds():
    assert sa.sas_seconds("1.00:00:00") == 86400
    assert sa.sas_seconds("01.00:00:00") == 86400
    assert sa.sas_seconds("0.12:30:15") == 12 * 3600 + 30 * 60 + 15
    assert sa.sas_seconds("365.00:00:00") == 365 * 86400
    for bad in ("1 day", "1.24:00:00", "1.00:60:00", "1.00:00:60", "00:00:10", "", None, "1.0:0:0"):
        assert sa.sas_seconds(bad) is None, bad
    assert not sa.sas_seconds("0.00:00:00")


def test_sas_policy_keeps_azure_spelling_of_the_same_period():
    assert sa.sas_policy_wanted(None, "Log", {"sasExpirationPeriod": "1.00:00:00"}) is None
    same = sa.sas_policy_wanted("01.00:00:00", "Log", {"sasExpirationPeriod": "1.00:00:00", "expirationAction": "Log"})
    assert same == {"sasExpirationPeriod": "1.00:00:00", "expirationAction": "Log"}
    longer = sa.sas_policy_wanted("7.00:00:00", "Block", {"sasExpirationPeriod": "1.00:00:00"})
    assert longer == {"sasExpirationPeriod": "7.00:00:00", "expirationAction": "Block"}
    assert sa.sas_policy_wanted("1.00:00:00", "Log", None) == {"sasExpirationPeriod": "1.00:00:00", "expirationAction": "Log"}


def test_blob_service_sends_only_what_is_set():
    opts = {"delete_retention_days": None, "container_delete_retention_days": None, "is_versioning_enabled": None}
    assert sa.blob_service_wanted(None) is None
    assert sa.blob_service_wanted(opts) is None
    assert sa.blob_service_wanted(dict(opts, delete_retention_days=7)) == {"deleteRetentionPolicy": {"enabled": True, "days": 7}}
    assert sa.blob_service_wanted(dict(opts, container_delete_retention_days=0, is_versioning_enabled=False)) == {
        "containerDeleteRetentionPolicy": {"enabled": False}, "isVersioningEnabled": False}
