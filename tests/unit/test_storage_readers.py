"""Pure logic of the readers the quarterly review uses: which lifecycle rules reach a container, which host names a
certificate is bound to, and a List Blobs page read into dicts."""

from ansible_collections.erpops.azure.plugins.module_utils.blob import parse_listing, rfc1123_to_iso
from ansible_collections.erpops.azure.plugins.module_utils.inventory import bound_host_names, ssl_states
from ansible_collections.erpops.azure.plugins.modules.storage_container_info import rules_for


def _rule(name, prefixes=None, enabled=True):
    filters = {"blobTypes": ["blockBlob"]}
    if prefixes is not None:
        filters["prefixMatch"] = prefixes
    return {"name": name, "enabled": enabled, "definition": {"filters": filters, "actions": {"baseBlob": {"delete": {"daysAfterModificationGreaterThan": 7}}}}}


def test_a_rule_reaches_a_container_by_a_prefix_that_names_it():
    rules = [_rule("all"), _rule("part", ["sql-archive/erp/"]), _rule("whole", ["sql-archive"]), _rule("other", ["sql-archive-old/"]),
             _rule("sql", ["sql"], enabled=False)]
    found = {r["name"]: (r["whole_container"], r["enabled"]) for r in rules_for("sql-archive", rules)}
    assert found == {"all": (True, True), "part": (False, True), "whole": (True, True), "sql": (True, False)}
    assert [r["name"] for r in rules_for("media", rules)] == ["all"]


def test_a_certificate_is_bound_where_a_site_or_slot_uses_its_thumbprint():
    site = {"properties": {"hostNameSslStates": [
        {"name": "erp.example.com", "sslState": "SniEnabled", "thumbprint": "abc123"},
        {"name": "erp.azurewebsites.net", "sslState": "Disabled", "thumbprint": None}]}}
    slot = {"properties": {"hostNameSslStates": [{"name": "staging.example.com", "sslState": "SniEnabled", "thumbprint": "ABC123"}]}}
    apps = [{"host_name_ssl_states": ssl_states(site)}, {"host_name_ssl_states": ssl_states(slot)}]
    assert ssl_states(site) == [{"name": "erp.example.com", "sslState": "SniEnabled", "thumbprint": "abc123"}]
    assert bound_host_names({"thumbprint": "ABC123"}, apps) == ["erp.example.com", "staging.example.com"]
    assert bound_host_names({"thumbprint": "FFFF"}, apps) == [] and bound_host_names({}, apps) == []


def test_a_list_blobs_page_is_read_with_its_marker():
    page = (b'<?xml version="1.0" encoding="utf-8"?><EnumerationResults ServiceEndpoint="https://a.blob.core.windows.net/" ContainerName="c">'
            b"<Blobs><Blob><Name>erp/2026-Q1/x.dump</Name><Properties><Creation-Time>Tue, 31 Mar 2026 22:10:03 GMT</Creation-Time>"
            b"<Last-Modified>Tue, 31 Mar 2026 22:10:04 GMT</Last-Modified><Etag>0x1</Etag><Content-Length>42</Content-Length>"
            b"<Content-Type>application/octet-stream</Content-Type><Content-MD5>bWQ1</Content-MD5><BlobType>BlockBlob</BlobType>"
            b"<AccessTier>Cool</AccessTier></Properties><Metadata><SHA256>ab</SHA256><database>erp</database></Metadata></Blob></Blobs>"
            b"<NextMarker>2!abc</NextMarker></EnumerationResults>")
    blobs, marker = parse_listing(page)
    assert marker == "2!abc"
    assert blobs == [{"name": "erp/2026-Q1/x.dump", "size": 42, "blob_type": "BlockBlob", "content_type": "application/octet-stream",
                      "content_md5": "bWQ1", "creation_time": "2026-03-31T22:10:03Z", "last_modified": "2026-03-31T22:10:04Z",
                      "access_tier": "Cool", "access_tier_inferred": False, "etag": "0x1", "metadata": {"SHA256": "ab", "database": "erp"},
                      "sha256": "ab"}]
    assert rfc1123_to_iso("not a date") is None
