"""Pure logic of the storage modules: lifecycle rules as ARM shapes and their comparison, the immutability policy's view,
and the Blob service's URLs, digests and XML errors."""

import base64
import hashlib

from ansible_collections.erpops.azure.plugins.module_utils import blob
from ansible_collections.erpops.azure.plugins.modules import storage_container_immutability_policy as worm
from ansible_collections.erpops.azure.plugins.modules import storage_management_policy as lifecycle


def rule(**kw):
    base = {"name": "sql-archive-ageing", "enabled": True, "prefix_match": [], "blob_types": ["blockBlob"], "tier_to_cool_after_days": None,
            "tier_to_cold_after_days": None, "tier_to_archive_after_days": None, "delete_after_days_since_modification": None,
            "delete_snapshot_after_days": None}
    base.update(kw)
    return base


def test_rule_options_map_to_the_arm_rule():
    body = lifecycle.rule_body(rule(prefix_match=["sql-archive/"], tier_to_cool_after_days=30, tier_to_archive_after_days=90,
                                    delete_after_days_since_modification=3660, delete_snapshot_after_days=90))
    assert body == {"enabled": True, "name": "sql-archive-ageing", "type": "Lifecycle", "definition": {
        "filters": {"blobTypes": ["blockBlob"], "prefixMatch": ["sql-archive/"]},
        "actions": {"baseBlob": {"tierToCool": {"daysAfterModificationGreaterThan": 30}, "tierToArchive": {"daysAfterModificationGreaterThan": 90},
                                 "delete": {"daysAfterModificationGreaterThan": 3660}},
                    "snapshot": {"delete": {"daysAfterCreationGreaterThan": 90}}}}}
    # A rule without prefixes has no prefixMatch (all blobs), and no baseBlob block when it only deletes snapshots.
    only_snapshots = lifecycle.rule_body(rule(delete_snapshot_after_days=7))
    assert only_snapshots["definition"] == {"filters": {"blobTypes": ["blockBlob"]},
                                            "actions": {"snapshot": {"delete": {"daysAfterCreationGreaterThan": 7}}}}


def test_rules_compare_by_content_not_order_case_or_number_type():
    mine = [lifecycle.rule_body(rule(name="a", blob_types=["blockBlob", "appendBlob"], delete_after_days_since_modification=7)),
            lifecycle.rule_body(rule(name="b", prefix_match=["x/", "y/"], tier_to_cool_after_days=30))]
    azure = [{"name": "b", "type": "Lifecycle", "definition": {"filters": {"blobTypes": ["blockblob"], "prefixMatch": ["y/", "x/"]},
                                                               "actions": {"baseBlob": {"tierToCool": {"daysAfterModificationGreaterThan": 30.0}}}}},
             {"enabled": True, "name": "a", "type": "Lifecycle",
              "definition": {"filters": {"blobTypes": ["appendBlob", "blockBlob"]},
                             "actions": {"baseBlob": {"delete": {"daysAfterModificationGreaterThan": 7}}}}}]
    assert lifecycle.same(azure, mine)
    azure[1]["enabled"] = False
    assert not lifecycle.same(azure, mine)


def test_purge_rules_false_replaces_by_name_and_keeps_the_others():
    current = [{"name": "keep"}, {"name": "a", "old": True}]
    wanted = [{"name": "a"}, {"name": "new"}]
    assert lifecycle.merged(current, wanted, purge=False) == [{"name": "keep"}, {"name": "a"}, {"name": "new"}]
    assert lifecycle.merged(current, wanted, purge=True) == wanted


def test_immutability_policy_view_and_existence():
    assert not worm.exists({"properties": {"immutabilityPeriodSinceCreationInDays": 0, "state": "Unlocked"}})  # GET's empty policy
    locked = {"properties": {"immutabilityPeriodSinceCreationInDays": 30, "state": "Locked", "allowProtectedAppendWrites": True}}
    assert worm.exists(locked)
    assert worm.view(locked["properties"]) == {"immutabilityPeriodSinceCreationInDays": 30, "state": "Locked", "allowProtectedAppendWrites": True,
                                               "allowProtectedAppendWritesAll": False}
    assert worm.view(None) == {}


def test_blob_endpoints_paths_and_digests(tmp_path):
    assert blob.endpoint("ErpArchive") == "https://erparchive.blob.core.windows.net"
    assert blob.endpoint("erparchive", "AzureChinaCloud") == "https://erparchive.blob.core.chinacloudapi.cn"
    assert blob.endpoint("x", blob_endpoint="https://x.example.net/") == "https://x.example.net"
    assert blob.blob_path("sql-archive", "2026/q1/erp dump#1.sql") == "/sql-archive/2026/q1/erp%20dump%231.sql"
    f = tmp_path / "dump.sql"
    f.write_bytes(b"select 1;\n" * 1000)
    data = f.read_bytes()
    assert blob.file_digests(str(f)) == (len(data), hashlib.sha256(data).hexdigest(), base64.b64encode(hashlib.md5(data).digest()).decode())  # noqa: S324


def test_blob_service_errors_are_read_from_xml_or_the_header():
    xml = (b'<?xml version="1.0" encoding="utf-8"?><Error><Code>BlobImmutableDueToPolicy</Code><Message>This operation is not permitted as '
           b"the blob is immutable due to a policy.\nRequestId:1f2e\nTime:2026-03-31T22:10:03.0000000Z</Message></Error>")
    assert blob.parse_error(409, {}, xml) == ("BlobImmutableDueToPolicy", "This operation is not permitted as the blob is immutable due to a policy.", None)
    expired = (b"<Error><Code>InvalidAuthenticationInfo</Code><Message>Server failed to authenticate the request.\nRequestId:1</Message>"
               b"<AuthenticationErrorDetail>Lifetime validation failed. The token is expired.</AuthenticationErrorDetail></Error>")
    assert blob.parse_error(401, {}, expired)[2] == "Lifetime validation failed. The token is expired."
    code, message, _detail = blob.parse_error(403, {"x-ms-error-code": "AuthorizationPermissionMismatch"}, b"")
    assert code == "AuthorizationPermissionMismatch" and "error code" in message
    assert blob.metadata_of({"x-ms-meta-Quarter": "2026-Q1", "Content-Length": "3", "x-ms-meta-sha256": "ab"}) == {"Quarter": "2026-Q1", "sha256": "ab"}
