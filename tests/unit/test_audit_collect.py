"""Pure pieces of the audit's collector: scope parsing, call typing, secret classification, pacing, DNS, activity
summaries, and the TLS verdicts (with a fake handshake)."""

import base64
import json
import ssl
from datetime import UTC, datetime

import pytest
from ansible_collections.erpops.azure.plugins.module_utils import audit_collect as ac
from ansible_collections.erpops.azure.plugins.module_utils import audit_logs, tls_probe
from ansible_collections.erpops.azure.plugins.module_utils.errors import AzureApiError

SUB = "00000000-0000-0000-0000-000000000001"


def test_scope_entries_become_arm_ids_and_a_group_inside_a_listed_subscription_is_read_once():
    got = ac.normalize_scope(["erp-rg", f"/subscriptions/{SUB}/resourceGroups/other-rg", "11111111-1111-1111-1111-111111111111",
                              "/subscriptions/22222222-2222-2222-2222-222222222222", "/subscriptions/11111111-1111-1111-1111-111111111111/resourceGroups/x",
                              "erp-rg"], SUB)
    assert got == [f"/subscriptions/{SUB}/resourceGroups/erp-rg", f"/subscriptions/{SUB}/resourceGroups/other-rg",
                   "/subscriptions/11111111-1111-1111-1111-111111111111", "/subscriptions/22222222-2222-2222-2222-222222222222"]


@pytest.mark.parametrize("entry", [f"/subscriptions/{SUB}/providers/Microsoft.Web/sites/x", "bad/name", "trailing."])
def test_a_malformed_scope_entry_is_refused_before_any_request(entry):
    with pytest.raises(ac.ScopeError, match="neither a resource group name"):
        ac.normalize_scope([entry], SUB)


def test_an_empty_scope_is_refused():
    with pytest.raises(ac.ScopeError, match="scope is empty"):
        ac.normalize_scope([], SUB)


@pytest.mark.parametrize("method,url,kind", [
    ("GET", f"https://management.azure.com/subscriptions/{SUB}/resourceGroups/rg/providers/Microsoft.Web/sites/a/config/web?api-version=1",
     "GET Microsoft.Web/sites/config"),
    ("POST", f"https://management.azure.com/subscriptions/{SUB}/resourceGroups/rg/providers/Microsoft.Web/sites/a/slots/s/config/appsettings/list",
     "POST Microsoft.Web/sites/slots/config/list"),
    ("GET", f"/subscriptions/{SUB}/resourceGroups/rg/providers/Microsoft.Web/sites/a/providers/Microsoft.Insights/diagnosticSettings",
     "GET Microsoft.Insights/diagnosticSettings"),
    ("GET", f"https://management.azure.com/subscriptions/{SUB}/resourceGroups/rg/resources?$expand=x", "GET resources"),
    ("GET", f"https://management.azure.com/subscriptions/{SUB}", "GET subscriptions"),
])
def test_calls_are_counted_by_method_and_resource_type(method, url, kind):
    assert ac.call_type(method, url) == kind


def test_a_403_records_the_action_arm_names():
    exc = AzureApiError(403, "AuthorizationFailed", "The client 'x' with object id 'y' does not have authorization to perform action "
                        "'Microsoft.Web/sites/config/list/Action' over scope '/subscriptions/s/...' or the scope is invalid.")
    entry = ac.error_entry(exc)
    assert entry["status"] == 403 and entry["action"] == "Microsoft.Web/sites/config/list/Action"
    assert "action" not in ac.error_entry(AzureApiError(404, "NotFound", "gone"))


def test_settings_keep_names_and_a_classification_never_the_value():
    body = {"properties": {"SECRET_KEY": "s3cret", "DB_PASSWORD": "@Microsoft.KeyVault(SecretUri=https://v.vault.azure.net/secrets/db/)",
                           "DJANGO_SETTINGS_MODULE": "erp.settings", "EMPTY": ""}}
    got = ac.classify_app_settings(body)
    assert got == {"SECRET_KEY": {"kind": "plain", "secret_like": True}, "DB_PASSWORD": {"kind": "keyvault_reference", "secret_like": True},
                   "DJANGO_SETTINGS_MODULE": {"kind": "plain", "secret_like": False}, "EMPTY": {"kind": "empty", "secret_like": False}}
    conn = ac.classify_connection_strings({"properties": {"Reporting": {"value": "Server=x;Password=p", "type": "PostgreSQL"}}})
    assert conn == {"Reporting": {"kind": "plain", "secret_like": True, "type": "PostgreSQL"}}
    assert "s3cret" not in json.dumps(got) and "Password=p" not in json.dumps(conn)


def test_auth_settings_lose_their_secrets_but_keep_the_setting_names():
    doc = {"identityProviders": {"azureActiveDirectory": {"registration": {"clientId": "abc", "clientSecretSettingName": "AAD_SECRET",
                                                                           "clientSecret": "plain-secret"}}}}
    got = ac.strip_secrets(doc)
    reg = got["identityProviders"]["azureActiveDirectory"]["registration"]
    assert reg == {"clientId": "abc", "clientSecretSettingName": "AAD_SECRET", "clientSecret": "<redacted>"}


def test_key_vault_items_keep_attributes_only():
    item = {"id": "i", "name": "db", "properties": {"attributes": {"enabled": True, "exp": 1}, "value": "v", "contentType": "text/plain"}}
    assert ac.secret_attributes(item) == {"id": "i", "name": "db", "tags": None,
                                          "properties": {"attributes": {"enabled": True, "exp": 1}, "contentType": "text/plain"}}


def test_the_principal_comes_from_the_token_claims():
    payload = base64.urlsafe_b64encode(json.dumps({"oid": "o", "tid": "t"}).encode()).decode().rstrip("=")
    assert ac.token_claims("h." + payload + ".s") == {"object_id": "o", "tenant_id": "t"}
    assert ac.token_claims("garbage") == {}


def test_workers_slow_down_before_the_read_bucket_empties():
    waits = []
    stats = ac.Stats(sleep=waits.append, low_water=40)
    stats.hook("GET", "https://m/subscriptions/s/resources", 200, {"x-ms-ratelimit-remaining-subscription-reads": "200"})
    stats.hook("GET", "https://m/subscriptions/s/resources", 200, {"x-ms-ratelimit-remaining-subscription-reads": "15"})
    stats.hook("GET", "https://m/subscriptions/s/resources", 429, {"Retry-After": "1"})
    assert waits == [1.0]  # (40 - 15) reads at 25 per second
    assert stats.total == 3 and stats.throttled == 1 and stats.by_type == {"GET resources": 3}


def test_dns_records_of_a_host_come_from_its_zone_in_scope():
    zone = {"id": "/z", "name": "example.com", "parts": {"record_sets": [
        {"name": "www", "type": "Microsoft.Network/dnszones/CNAME", "properties": {"CNAMERecord": {"cname": "app.azurewebsites.net"}}},
        {"name": "asuid.www", "type": "Microsoft.Network/dnszones/TXT", "properties": {"TXTRecords": [{"value": ["ABC"]}]}},
        {"name": "@", "type": "Microsoft.Network/dnszones/A", "properties": {"ARecords": [{"ipv4Address": "20.1.2.3"}]}},
        {"name": "asuid", "type": "Microsoft.Network/dnszones/TXT", "properties": {"TXTRecords": [{"value": ["DEF"]}]}}]}}
    zones = {"example.com": zone}
    assert ac.dns_records("www.example.com", zones) == {"zone": "/z", "CNAME": ["app.azurewebsites.net"], "A": [], "TXT_asuid": ["ABC"]}
    assert ac.dns_records("example.com", zones) == {"zone": "/z", "CNAME": [], "A": ["20.1.2.3"], "TXT_asuid": ["DEF"]}
    assert ac.dns_records("www.other.org", zones) is None


def _event(op, caller, status, at, corr="c1", rid="/subscriptions/s/resourceGroups/rg/providers/Microsoft.Web/sites/a"):
    return {"operationName": {"value": op}, "caller": caller, "status": {"value": status}, "eventTimestamp": at, "correlationId": corr,
            "resourceId": rid, "category": {"value": "Administrative"}}


def test_the_activity_log_is_summarised_one_operation_per_correlation():
    events = audit_logs.compact_events([
        _event("Microsoft.Web/sites/write", "dev@example.com", "Started", "2026-11-01T10:00:00Z"),
        _event("Microsoft.Web/sites/write", "dev@example.com", "Succeeded", "2026-11-01T10:00:05Z"),
        _event("Microsoft.Authorization/roleAssignments/write", "owner@example.com", "Succeeded", "2026-11-02T10:00:00Z", corr="c2"),
        _event("Microsoft.DBforPostgreSQL/flexibleServers/firewallRules/write", "dev@example.com", "Succeeded", "2026-11-03T10:00:00Z",
               corr="c3"),
        _event("Microsoft.Web/sites/read", "dev@example.com", "Succeeded", "2026-11-03T11:00:00Z", corr="c4")])
    assert len(events) == 4
    got = audit_logs.summarize_activity(events)
    by = {e["caller"]: e for e in got["arm_writes_by_principal"]}
    assert by["dev@example.com"]["writes"] == 2 and by["owner@example.com"]["writes"] == 1
    assert [e["operation"] for e in got["role_assignment_changes"]] == ["Microsoft.Authorization/roleAssignments/write"]
    assert [e["operation"] for e in got["firewall_rule_changes"]] == ["Microsoft.DBforPostgreSQL/flexibleServers/firewallRules/write"]


def test_host_names_match_exactly_or_by_one_wildcard_label():
    assert tls_probe.name_matches("erp.example.com", ["erp.example.com"])
    assert tls_probe.name_matches("erp.example.com", ["*.example.com"])
    assert not tls_probe.name_matches("a.erp.example.com", ["*.example.com"])
    assert not tls_probe.name_matches("erp.example.com", ["*.azurewebsites.net"])


def test_a_refused_version_is_false_and_a_version_this_openssl_cannot_offer_is_untestable():
    def refused(host, ctx, port, timeout):
        raise ssl.SSLError(1, "[SSL: TLSV1_ALERT_PROTOCOL_VERSION] tlsv1 alert protocol version")

    def local(host, ctx, port, timeout):
        err = ssl.SSLError(1, "[SSL: NO_PROTOCOLS_AVAILABLE] no protocols available")
        err.reason = "NO_PROTOCOLS_AVAILABLE"
        raise err

    assert tls_probe.accepts("h", "TLSv1", connect=refused) is False
    assert tls_probe.accepts("h", "TLSv1", connect=local) == tls_probe.UNTESTABLE
    assert tls_probe.accepts("h", "TLSv1_2", connect=lambda *a: ("TLSv1.2", b"")) is True


def test_the_summary_counts_calls_per_resource_and_the_missing_actions():
    doc = {"resources": [{"id": "/a", "type": "Microsoft.Web/sites"}, {"id": "/b", "type": "Microsoft.Web/sites"}], "subscriptions": [{}],
           "hosts": [], "calls": {"total": 10, "by_type": {}, "throttled": 0},
           "errors": {"/a|app_settings": {"status": 403, "action": "Microsoft.Web/sites/config/list/Action"}, "/b|x": {"status": 404}}}
    stats = ac.Stats()
    stats.by_owner = {"/a": 4, "/b": 2}
    got = ac.summary(doc, 1.234, stats)
    assert got["calls_per_resource"] == 5.0 and got["calls_by_resource_type"] == {"Microsoft.Web/sites": 3.0}
    assert got["missing_actions"] == ["Microsoft.Web/sites/config/list/Action"] and got["errors"] == 2 and got["wall_seconds"] == 1.23


def test_every_part_the_collector_reads_can_be_skipped_by_name():
    types = ["Microsoft.Web/sites", "Microsoft.Web/sites/slots", "Microsoft.DBforPostgreSQL/flexibleServers", "Microsoft.Storage/storageAccounts",
             "Microsoft.KeyVault/vaults", "Microsoft.Network/dnszones", "Microsoft.Web/serverfarms"]
    collector = ac.Collector(lambda: None, [f"/subscriptions/{SUB}"])
    read = {t[1] for kind in types for t in collector._resource_tasks({"id": "/x", "type": kind, "parts": {}})}
    read |= {t[1] for t in collector._subscription_tasks({"id": f"/subscriptions/{SUB}", "parts": {}})}
    read |= {t[1] for t in collector._reference_tasks({"id": "/x", "type": "Microsoft.Web/sites", "parts": {}})}
    # host_name_bindings is still a name skip_parts accepts (playbooks written for the earlier collector name it).
    assert read | {"host_name_bindings"} == ac.PART_NAMES
    skipping = ac.Collector(lambda: None, [f"/subscriptions/{SUB}"], skip_parts=["host_name_bindings", "locks"])
    assert "host_name_bindings" not in {t[1] for t in skipping._resource_tasks({"id": "/x", "type": "Microsoft.Web/sites", "parts": {}})}


# -- Azure Resource Graph ------------------------------------------------------------------------------------------------
RG_ID = f"/subscriptions/{SUB}/resourceGroups/erp-rg"
SITE = f"{RG_ID}/providers/Microsoft.Web/sites/erp"
SLOT = f"{SITE}/slots/staging"
PG_ID = f"{RG_ID}/providers/Microsoft.DBforPostgreSQL/flexibleServers/erp-pg"


class FakeArm:
    """An ArmClient stand-in: Resource Graph answers by table (the resources in two pages), ARM reads recorded."""

    def __init__(self, calls, graph_error=None):
        self.calls = calls
        self.graph_error = graph_error
        self.response_hook = None
        self.auth = None

    def request(self, method, path, api_version=None, body=None, params=None, expect=(200,), read_only=False, **_kw):
        assert read_only, "the collector sends only read-only POSTs"
        self.calls.append((method, path, (body or {}).get("query"), dict((body or {}).get("options") or {})))
        if path == ac.ARG_PATH:
            if self.graph_error is not None:
                raise self.graph_error
            return 200, {"x-ms-user-quota-remaining": "10"}, self.graph(body)
        settings = {"SECRET_KEY": "@Microsoft.KeyVault(SecretUri=https://kv.vault.azure.net/secrets/k/)"} if path.startswith(SITE + "/") \
            and "/slots/" not in path else {"DEBUG": "0"}
        return 200, {}, {"properties": settings if "appsettings" in path else {}}

    def graph(self, body):
        q, opts = body["query"], body["options"]
        assert opts["$top"] == ac.ARG_TOP and body["subscriptions"] == [SUB]
        if q.startswith("resources"):
            assert "order by id asc" in q and "resourceGroup in~ ('erp-rg')" in q
            rows = [{"id": PG_ID, "name": "erp-pg", "type": "microsoft.dbforpostgresql/flexibleservers", "kind": "", "location": "westeurope",
                     "tags": {}, "sku": {"name": "Standard_B1ms"}, "identity": None, "properties": {"state": "Ready"}},
                    {"id": SITE, "name": "erp", "type": "microsoft.web/sites", "kind": "app,linux", "location": "westeurope", "tags": {"env": "p"},
                     "sku": None, "identity": {"type": "SystemAssigned"}, "properties": {"httpsOnly": True}},
                    {"id": SLOT, "name": "erp/staging", "type": "microsoft.web/sites/slots", "kind": "app,linux", "location": "westeurope",
                     "tags": {}, "properties": {"httpsOnly": False}},
                    {"id": SITE + "/hostNameBindings/www.example.com", "name": "erp/www.example.com", "type": "microsoft.web/sites/hostnamebindings",
                     "location": "westeurope", "properties": {}}]
            if "$skipToken" not in opts:
                return {"totalRecords": 4, "count": 1, "data": rows[:1], "$skipToken": "page2"}
            assert opts["$skipToken"] == "page2"
            return {"totalRecords": 4, "count": 3, "data": rows[1:]}
        if q.startswith("resourcecontainers"):
            return {"data": [{"id": RG_ID, "name": "erp-rg"}]}
        if q.startswith("appserviceresources"):
            return {"data": [{"id": SITE + "/config/web", "name": "web", "type": "microsoft.web/sites/config", "location": "westeurope",
                              "properties": {"minTlsVersion": "1.2"}},
                             {"id": SLOT + "/config/web", "name": "web", "type": "microsoft.web/sites/slots/config", "location": "westeurope",
                              "properties": {"minTlsVersion": "1.0"}}]}
        if q.startswith("authorizationresources"):
            assert opts["authorizationScopeFilter"] == "AtScopeAboveAndBelow"
            if "roleassignments" in q:
                return {"data": [{"id": f"/subscriptions/{SUB}/providers/Microsoft.Authorization/roleAssignments/a1", "name": "a1",
                                  "type": "microsoft.authorization/roleassignments", "properties": {"principalId": "p1"}}]}
            return {"data": [{"id": "/providers/Microsoft.Authorization/roleDefinitions/d1", "name": "d1",
                              "type": "microsoft.authorization/roledefinitions", "properties": {"roleName": "Reader"}}]}
        raise AssertionError(q)

    def get(self, path, api_version, params=None):
        self.calls.append(("GET", path, None, None))
        return {"displayName": "sub"} if path == f"/subscriptions/{SUB}" else {"properties": {"from": "arm"}}

    def list(self, path, api_version, params=None):
        self.calls.append(("LIST", path, None, None))
        if path.endswith("/resources"):
            return [{"id": SITE, "type": "Microsoft.Web/sites", "name": "erp"}]
        if path.endswith("/providers/Microsoft.Web/sites"):
            return [{"id": SITE, "properties": {"httpsOnly": True}}]
        return []


def _collect(graph_error=None, **kw):
    calls = []
    collector = ac.Collector(lambda: FakeArm(calls, graph_error), [RG_ID], concurrency=2, probe_hosts=False, security_logs_days=0,
                             sleep=lambda s: None, **kw)
    doc, _wall = collector.collect()
    return doc, calls


def test_resource_graph_gives_the_resources_config_web_and_roles_without_arm_reads_of_them():
    doc, calls = _collect()
    by_id = {r["id"]: r for r in doc["resources"]}
    assert sorted(by_id) == sorted([SITE, SLOT, PG_ID])
    # Types back in the provider's casing (from the id), properties as the resources table holds them, both pages read.
    types = [by_id[i]["type"] for i in (SITE, SLOT, PG_ID)]
    assert types == ["Microsoft.Web/sites", "Microsoft.Web/sites/slots", "Microsoft.DBforPostgreSQL/flexibleServers"]
    assert by_id[SITE]["properties"] == {"httpsOnly": True} and by_id[SITE]["identity"] == {"type": "SystemAssigned"}
    assert "kind" not in by_id[PG_ID] and by_id[SITE]["resource_group"] == "erp-rg"
    assert by_id[SITE]["parts"]["config_web"]["properties"] == {"minTlsVersion": "1.2"}
    assert by_id[SITE]["parts"]["config_web"]["type"] == "Microsoft.Web/sites/config"
    assert by_id[SLOT]["parts"]["config_web"]["properties"] == {"minTlsVersion": "1.0"}
    sub = doc["subscriptions"][0]["parts"]
    assert [a["name"] for a in sub["role_assignments"]] == ["a1"] and sub["role_definitions"][0]["type"] == "Microsoft.Authorization/roleDefinitions"
    assert sorted(doc["resource_graph"]["used_for"]) == ["appserviceresources", "authorizationresources", "resources"]
    assert doc["resource_graph"]["queries"] == 6 and doc["resource_graph"]["fallbacks"] == [] and doc["errors"] == {}
    paths = [c[1] for c in calls if c[0] in ("GET", "LIST")]
    assert not [p for p in paths if p.endswith(("/config/web", "/resources", "/slots", "/roleAssignments", "/roleDefinitions",
                                                "/hostNameBindings"))]
    assert not [p for p in paths if "/providers/Microsoft.Web/sites" == p[-len("/providers/Microsoft.Web/sites"):]]
    # The site has a Key Vault reference: its statuses are read; the slot has none: no read, an empty part.
    assert [p for p in paths if "configreferences" in p] == [SITE + "/config/configreferences/appsettings"]
    assert by_id[SLOT]["parts"]["config_references"] == [] and "config_references" in by_id[SITE]["parts"]
    # Only the site's backup configuration and diagnostic settings: no rule reads the slot's.
    posts = [c[1] for c in calls if c[0] == "POST" and c[1] != ac.ARG_PATH]
    assert SITE + "/config/backup/list" in posts and SLOT + "/config/backup/list" not in posts
    assert SLOT + "/providers/Microsoft.Insights/diagnosticSettings" not in paths and SITE + "/providers/Microsoft.Insights/diagnosticSettings" in paths


def test_a_resource_graph_error_is_recorded_and_arm_reads_instead():
    denied = AzureApiError(403, "AuthorizationFailed", "The client 'x' does not have authorization to perform action "
                           "'Microsoft.ResourceGraph/resources/read' over scope '/providers/Microsoft.ResourceGraph'")
    doc, calls = _collect(graph_error=denied)
    assert doc["errors"][f"/subscriptions/{SUB}|resource_graph"]["action"] == "Microsoft.ResourceGraph/resources/read"
    assert doc["resource_graph"]["fallbacks"][0]["table"] == "resourcecontainers" and doc["resource_graph"]["used_for"] == []
    paths = [c[1] for c in calls if c[0] in ("GET", "LIST")]
    assert RG_ID + "/resources" in paths and SITE + "/config/web" in paths
    assert f"/subscriptions/{SUB}/providers/Microsoft.Authorization/roleAssignments" in paths
    site = next(r for r in doc["resources"] if r["id"] == SITE)
    assert site["parts"]["config_web"] == {"properties": {"from": "arm"}} and site["properties"] == {"httpsOnly": True}


def test_a_resource_group_resource_graph_does_not_know_is_refused_like_arm_refuses_it():
    calls = []
    collector = ac.Collector(lambda: FakeArm(calls), [RG_ID + "-missing"], probe_hosts=False, security_logs_days=0)
    with pytest.raises(ac.ScopeError, match="erp-rg-missing"):
        collector.collect()


def test_use_resource_graph_false_sends_no_query():
    doc, calls = _collect(use_resource_graph=False)
    assert not [c for c in calls if c[1] == ac.ARG_PATH]
    assert doc["resource_graph"] == {"enabled": False, "queries": 0, "used_for": [], "fallbacks": []} and doc["errors"] == {}


def test_the_query_quota_is_waited_out_between_pages_and_kql_strings_are_quoted():
    waits = []
    collector = ac.Collector(lambda: None, [RG_ID], sleep=waits.append)
    collector._graph_pace({"x-ms-user-quota-remaining": "0", "x-ms-user-quota-resets-after": "00:00:03"})
    collector._graph_pace({"x-ms-user-quota-remaining": "4", "x-ms-user-quota-resets-after": "00:00:03"})
    assert waits == [3.0]
    assert ac.kql_string("it's") == "'it\\'s'"
    assert ac.type_of_id(SLOT + "/config/web") == "Microsoft.Web/sites/slots/config" and ac.type_of_id("/subscriptions/x") is None
    # Log Analytics answers its ids in lower case: the type keeps ARM's spelling all the same.
    ws = f"/subscriptions/{SUB}/resourcegroups/rg/providers/microsoft.operationalinsights/workspaces/logs"
    assert ac.arm_type(ws, "microsoft.operationalinsights/workspaces") == "Microsoft.OperationalInsights/workspaces"
    assert ac.arm_type(SITE + "/extensions/x", "microsoft.web/sites/extensions") == "Microsoft.Web/sites/extensions"


def test_reads_and_list_actions_pace_on_their_own_bucket_headers():
    waits = []
    stats = ac.Stats(sleep=waits.append)
    stats.hook("POST", "https://management.azure.com/x/config/appsettings/list", 200, {"x-ms-ratelimit-remaining-subscription-writes": "10"})
    stats.hook("GET", "https://management.azure.com/x/config/web", 200, {"x-ms-ratelimit-remaining-subscription-reads": "30"})
    assert waits == [1.0, 0.4]


def test_the_activity_log_window_is_clamped_on_arms_clock_not_this_machines():
    """The activity log refuses a start more than 90 days before ARM's now: a machine whose clock lags ARM's (by 3 h here)
    must clamp on the Date of ARM's answers, or the whole quarter's log is refused."""
    seen = []

    class Arm(FakeArm):
        def list(self, path, api_version, params=None):
            seen.append((path, params))
            return []

    collector = ac.Collector(lambda: Arm([]), [RG_ID], concurrency=1, probe_hosts=False, security_logs_days=92, sleep=lambda s: None)
    now = datetime(2026, 12, 7, 4, 0, tzinfo=UTC)
    collector.stats.hook("GET", "https://management.azure.com/subscriptions/x", 200, {"date": "Mon, 07 Dec 2026 07:00:00 GMT"})
    out = collector._security_logs([{"id": f"/subscriptions/{SUB}", "parts": {}}], [], now)
    assert out["window"]["activity_log_from"] == "2026-09-08T07:10:00Z"
    assert [p for p, _q in seen] == [f"/subscriptions/{SUB}/providers/Microsoft.Insights/eventtypes/management/values"]
    assert "eventTimestamp ge '2026-09-08T07:10:00Z'" in seen[0][1]["$filter"]
    # Its end is ARM's now too: the events ARM stamped in the 3 h this machine has not reached yet are in the window.
    assert out["window"]["activity_log_to"] == "2026-12-07T07:00:00Z"
    assert seen[0][1]["$filter"].endswith("eventTimestamp le '2026-12-07T07:00:00Z'")
