"""The audit's document and its writers: the erpops-audit/1 contract, suppressions, drift, changes since the previous audit, the exit
threshold, SARIF valid against the OASIS schema, JUnit valid against the xunit XSD, Markdown and HTML that escape what they show."""

import datetime
import json
import os
import re
import xml.etree.ElementTree as ET

import jsonschema
import pytest
import xmlschema
from ansible_collections.erpops.azure.plugins.module_utils import audit_html, audit_render
from ansible_collections.erpops.azure.plugins.module_utils import audit_report as report
from audit_fixtures import DB, EVIL, HOST, RG, SITE, SLOT, findings, inventory, rules

SCHEMAS = os.path.join(os.path.dirname(os.path.abspath(__file__)), "schemas")
TODAY = datetime.date(2026, 12, 6)
GENERATED = "2026-12-06T23:45:00Z"
SUPPRESS_PG = {"check": "PG-004", "resource": "*/flexibleServers/ERP-DB", "reason": "The guide's AllowAzureServices rule (errata 3)",
               "owner": "security-lead@example.com", "expires": "2027-03-31"}


def build(fail_on="high", suppressions=(), previous=None, desired=None, items=None):
    meta = report.rules_meta(rules())
    parsed = report.parse_suppressions(list(suppressions), list(meta))
    inv = inventory()
    doc = report.build(meta, findings() if items is None else items, inv["scope"], GENERATED, TODAY, fail_on=fail_on, suppressions=parsed,
                       previous=previous, drift_items=report.drift(inv, desired or {}), security_logs=inv["security_logs"], inventory=inv)
    return doc, meta


def by_key(doc):
    return {(f["check"], f["resource"]): f for f in doc["findings"]}


# ---------------------------------------------------------------------------------------------------------------------- contract

def test_audit_json_keeps_the_fixed_contract():
    doc, meta = build()
    parsed = json.loads(audit_render.to_json(doc))
    assert parsed["format"] == "erpops-audit/1" and parsed["generated"] == GENERATED and parsed["scope"] == [RG]
    assert {"format", "generated", "scope", "findings", "summary", "drift", "security_logs", "changes"} <= set(parsed)
    assert len(parsed["findings"]) == 8
    for f in parsed["findings"]:
        assert {"check", "status", "severity", "resource", "expected", "actual", "message", "title", "group"} <= set(f)
        assert set(f) <= {"check", "status", "severity", "resource", "expected", "actual", "message", "title", "group", "suppression"}
        assert f["status"] in ("pass", "fail", "error", "not_applicable", "not_evaluated", "suppressed")
        assert f["severity"] in ("critical", "high", "medium", "low", "info")
    assert len({(f["check"], f["resource"]) for f in parsed["findings"]}) == 8  # one finding per check and resource
    # title, group and severity come from the rule; a rule's own group wins over its file's (DNS-002 sits in APP.yml here)
    assert by_key(doc)[("DNS-002", HOST)]["group"] == "DNS" and by_key(doc)[("APP-001", SITE)]["title"].startswith("HTTPS Only")
    s = parsed["summary"]
    assert s["by_status"] == {"pass": 2, "fail": 4, "error": 1, "not_applicable": 0, "not_evaluated": 1, "suppressed": 0}
    assert s["open"] == 5 and s["open_by_severity"] == {"critical": 1, "high": 2, "medium": 1, "low": 0, "info": 1}
    assert s["by_group"]["APP"]["fail"] == 2 and s["by_group"]["PG"]["fail"] == 2 and s["by_group"]["DNS"]["pass"] == 1
    assert list(s["by_group"]) == ["APP", "PG", "DNS"]  # the catalog's group order
    assert parsed["inventory"]["collected"] == "2026-12-06T23:40:00Z" and parsed["changes"] is None


def test_rules_metadata_comes_from_a_rule_set_in_the_catalog_order():
    """audit_rules.load_rules gives {groups: {GROUP: {title}}, params, rules: [... each with its group]}, files in name order."""
    ruleset = {"groups": {"APP": {"title": "Web apps"}, "IAM": {"title": "Access"}}, "params": {},
               "rules": [{"id": "APP-001", "group": "APP", "title": "t", "severity": "high", "anchors": {"checkov": ["CKV_AZURE_14"]}},
                         {"id": "IAM-001", "group": "IAM", "title": "o", "severity": "high", "anchors": {}}]}
    meta = report.rules_meta(ruleset)
    assert list(meta) == ["IAM-001", "APP-001"] and meta["APP-001"]["group_title"] == "Web apps"
    assert meta["APP-001"]["anchors"] == {"checkov": ["CKV_AZURE_14"]} and meta["IAM-001"]["rationale"] == ""


def test_a_finding_with_an_unknown_status_or_severity_is_an_input_error():
    meta = report.rules_meta(rules())
    with pytest.raises(report.AuditInputError, match="status 'failed'"):
        report.normalise_findings([{"check": "APP-001", "resource": SITE, "status": "failed"}], meta)
    with pytest.raises(report.AuditInputError, match="severity 'urgent'"):
        report.rules_meta([{"id": "X-1", "severity": "urgent"}])


# ---------------------------------------------------------------------------------------------------------------------- fail_on

@pytest.mark.parametrize("fail_on, count, checks", [
    ("critical", 1, ["PG-004"]),
    ("high", 3, ["PG-004", "APP-001"]),
    ("medium", 4, ["PG-004", "APP-001", "APP-013"]),  # the error on APP-013 is open too
    ("low", 4, ["PG-004", "APP-001", "APP-013"]),
    ("info", 5, ["PG-004", "APP-001", "APP-013", "PG-009"]),
    ("none", 0, []),
])
def test_fail_on_counts_open_findings_at_or_above_it(fail_on, count, checks):
    doc, _meta = build(fail_on=fail_on)
    assert doc["summary"]["open_at_or_above"] == count and doc["summary"]["failed_checks"] == checks


def test_fail_on_must_be_a_severity():
    with pytest.raises(report.AuditInputError, match="fail_on must be one of"):
        build(fail_on="severe")


# ---------------------------------------------------------------------------------------------------------------------- suppressions

def test_an_unexpired_suppression_suppresses_the_matching_open_finding_only():
    doc, _meta = build(suppressions=[SUPPRESS_PG])
    f = by_key(doc)[("PG-004", DB)]
    assert f["status"] == "suppressed" and f["suppression"]["owner"] == "security-lead@example.com"
    assert f["suppression"]["expires"] == "2027-03-31" and f["suppression"]["status_before"] == "fail"
    assert by_key(doc)[("PG-009", DB)]["status"] == "fail"  # another check on the same server stays open
    assert doc["summary"]["open_at_or_above"] == 2 and "PG-004" not in doc["summary"]["failed_checks"]
    assert doc["suppressions"] == [dict(SUPPRESS_PG, state="active", matched=[DB])]
    assert doc["summary"]["suppressions"] == {"active": 1, "expired": 0, "unused": 0}


def test_a_suppression_is_valid_through_its_expiry_day_then_reopens_and_is_reported():
    last_day = dict(SUPPRESS_PG, expires="2026-12-06")
    doc, _meta = build(suppressions=[last_day])
    assert by_key(doc)[("PG-004", DB)]["status"] == "suppressed"
    expired = dict(SUPPRESS_PG, expires="2026-12-05")
    doc, meta = build(suppressions=[expired])
    f = by_key(doc)[("PG-004", DB)]
    assert f["status"] == "fail" and f["suppression"]["expired"] is True
    assert "suppression expired on 2026-12-05" in f["message"]
    assert doc["summary"]["open_at_or_above"] == 3 and doc["summary"]["failed_checks"][0] == "PG-004"
    assert doc["suppressions"][0]["state"] == "expired" and doc["summary"]["suppressions"]["expired"] == 1
    sarif = json.loads(audit_render.to_sarif(doc, meta))
    result = next(r for r in sarif["runs"][0]["results"] if r["ruleId"] == "PG-004")
    assert result["kind"] == "fail" and result["level"] == "error" and result["suppressions"][0]["status"] == "rejected"
    assert "Expired" not in audit_html.to_html(doc, meta) and "1 suppression(s) expired" in audit_html.to_html(doc, meta)
    assert "| expired | PG-004 |" in audit_render.to_markdown(doc, meta)


def test_a_renewed_suppression_wins_over_the_expired_one_it_replaces():
    doc, _meta = build(suppressions=[dict(SUPPRESS_PG, expires="2026-06-30"), SUPPRESS_PG])
    assert by_key(doc)[("PG-004", DB)]["status"] == "suppressed" and by_key(doc)[("PG-004", DB)]["suppression"]["expires"] == "2027-03-31"
    assert [(s["state"], s["matched"]) for s in doc["suppressions"]] == [("expired", [DB]), ("active", [DB])]


def test_a_suppression_matches_the_resource_name_or_a_host_and_an_unmatched_one_is_unused():
    doc, _meta = build(suppressions=[
        {"check": "app-001", "resource": "erp-prod", "reason": "r", "owner": "o", "expires": datetime.date(2027, 1, 1)},
        {"check": "DNS-002", "resource": "*.example.com", "reason": "r", "owner": "o", "expires": "2027-01-01"},
    ])
    assert by_key(doc)[("APP-001", SITE)]["status"] == "suppressed"
    assert by_key(doc)[("APP-001", SLOT)]["status"] == "pass"  # passing findings are never suppressed
    assert by_key(doc)[("APP-001", EVIL)]["status"] == "fail"
    assert [s["state"] for s in doc["suppressions"]] == ["active", "unused"]  # DNS-002 passes: nothing to suppress


@pytest.mark.parametrize("bad, message", [
    ({"check": "PG-004", "resource": "*", "owner": "o", "expires": "2027-01-01"}, "lacks reason"),
    ({"check": "PG-004", "resource": "*", "reason": " ", "owner": "", "expires": "2027-01-01"}, "lacks reason, owner"),
    ({"check": "PG-004", "resource": "*", "reason": "r", "owner": "o"}, "lacks expires"),
    ({"check": "PG-004", "resource": "*", "reason": "r", "owner": "o", "expires": "31/03/2027"}, "YYYY-MM-DD"),
    ({"check": "PG-004", "resource": "*", "reason": "r", "owner": "o", "expires": "2027-02-30"}, "YYYY-MM-DD"),
    ({"check": "PG-044", "resource": "*", "reason": "r", "owner": "o", "expires": "2027-01-01"}, "no rule has"),
    ({"check": "PG-004", "resource": "*", "reason": "r", "owner": "o", "expiry": "2027-01-01"}, "unknown keys expiry"),
    ("PG-004", "must be a mapping"),
])
def test_a_malformed_suppression_is_an_input_error(bad, message):
    with pytest.raises(report.AuditInputError, match=message):
        report.parse_suppressions([bad], ["PG-004"])


# ---------------------------------------------------------------------------------------------------------------------- drift

DESIRED = {
    "Microsoft.Web/sites": {"properties.httpsOnly": True, "parts.config_web.properties.minTlsVersion": 1.2,
                            "parts.app_settings.DJANGO_DEBUG": "False",
                            "by_name": {"erp-prod": {"parts.config_web.properties.ftpsState": "Disabled"}}},
    "microsoft.dbforpostgresql/flexibleservers": {
        "properties.version": 15, "sku.name": "Standard_D2s_v3", "properties.storage.storageSizeGB": "128",
        "properties.backup.backupRetentionDays": 30, "parts.configurations.azure.extensions": "pg_trgm"},
}


def test_drift_lists_each_desired_value_the_live_resource_lacks():
    drift = report.drift(inventory(), DESIRED)
    got = {(d["resource"], d["property"]): d for d in drift}
    assert set(got) == {
        (SITE, "properties.httpsOnly"), (SITE, "parts.app_settings.DJANGO_DEBUG"), (SITE, "parts.config_web.properties.ftpsState"),
        (EVIL, "parts.config_web.properties.minTlsVersion"), (EVIL, "parts.app_settings.DJANGO_DEBUG"),
        (DB, "sku.name"), (DB, "properties.backup.backupRetentionDays"),
    }
    assert got[(SITE, "properties.httpsOnly")]["actual"] is False and got[(DB, "sku.name")]["actual"] == "Standard_B2s"
    # a part the auditor could not read is not "equal": it says why
    assert got[(SITE, "parts.app_settings.DJANGO_DEBUG")]["actual"] is None
    assert "403 AuthorizationFailed (Microsoft.Web/sites/config/list/Action)" in got[(SITE, "parts.app_settings.DJANGO_DEBUG")]["message"]
    assert got[(EVIL, "parts.app_settings.DJANGO_DEBUG")]["message"] == "not set"
    doc, meta = build(desired=DESIRED)
    assert doc["drift"] == drift and doc["summary"]["drift"] == 7
    assert "backupRetentionDays" in audit_render.to_markdown(doc, meta) and "backupRetentionDays" in audit_html.to_html(doc, meta)


@pytest.mark.parametrize("bad, message", [
    (["Microsoft.Web/sites"], "must be a mapping"),
    ({"sites": {"properties.httpsOnly": True}}, "not a resource type"),
    ({"Microsoft.Web/sites": True}, "mapping of property path"),
    ({"Microsoft.Web/sites": {"by_name": {"erp": True}}}, "by_name must map"),
    ({"Microsoft.Web/sites": {"properties.": True}}, "not a dotted property path"),
])
def test_a_malformed_desired_value_is_an_input_error(bad, message):
    with pytest.raises(report.AuditInputError, match=message):
        report.validate_desired(bad)


def test_values_compare_as_the_deploy_means_them():
    assert report.same("1.2", 1.2) and report.same(15, "15") and report.same(True, True) and report.same("Enabled", "enabled")
    assert not report.same(True, "yes") and not report.same(128, None) and not report.same(1, True)
    assert report.same({"a": 1}, {"a": "1", "b": 2}) and report.same(["b", "a"], ["a", "b"]) and not report.same(["a"], ["a", "b"])


# ---------------------------------------------------------------------------------------------------------------------- changes

def previous_doc(items):
    doc, _meta = build(items=items)
    doc["generated"] = "2026-09-06T23:00:00Z"
    return json.loads(audit_render.to_json(doc))


def test_changes_since_the_previous_audit_compare_by_check_and_resource():
    before = [
        {"check": "APP-001", "resource": SITE.upper(), "status": "fail"},   # still open (the id compares without case)
        {"check": "APP-001", "resource": SLOT, "status": "fail"},           # fixed: passes now
        {"check": "PG-004", "resource": DB, "status": "fail"},              # suppressed now: not known to be fixed
        {"check": "APP-013", "resource": SITE, "status": "error"},          # not evaluated now
        {"check": "APP-001", "resource": RG + "/providers/Microsoft.Web/sites/gone", "status": "fail"},  # the resource is gone
        {"check": "PG-009", "resource": DB, "status": "pass"},              # new: failed since
    ]
    doc, meta = build(previous=previous_doc(before), suppressions=[SUPPRESS_PG])
    ch = doc["changes"]
    pairs = {k: [(c["check"], c["resource"]) for c in ch[k]] for k in ("new", "fixed", "still_open", "unverified")}
    assert pairs["still_open"] == [("APP-001", SITE)]
    assert sorted(pairs["fixed"]) == sorted([("APP-001", SLOT), ("APP-001", RG + "/providers/Microsoft.Web/sites/gone")])
    assert {c["status"] for c in ch["fixed"]} == {"pass", "absent"}
    assert sorted(pairs["unverified"]) == [("APP-013", SITE), ("PG-004", DB)]
    assert pairs["new"] == [("APP-001", EVIL), ("APP-013", EVIL), ("PG-009", DB)]  # worst first, then by check
    assert ch["previous"]["generated"] == "2026-09-06T23:00:00Z" and ch["scope_changed"] is False
    sarif = json.loads(audit_render.to_sarif(doc, meta))
    states = {(r["ruleId"], r["locations"][0]["logicalLocations"][0]["fullyQualifiedName"]): r.get("baselineState") for r in sarif["runs"][0]["results"]}
    assert states[("APP-001", SITE)] == "unchanged" and states[("PG-009", DB)] == "new" and states[("APP-001", SLOT)] is None
    html = audit_html.to_html(doc, meta)
    assert "New since the previous audit (3)" in html and "Fixed (2)" in html and "Still open (1)" in html


def test_the_newest_previous_audit_of_the_same_scope_is_found_in_the_history(tmp_path):
    def put(name, generated, scope):
        d = tmp_path / name
        d.mkdir()
        (d / "audit.json").write_text(json.dumps({"format": "erpops-audit/1", "generated": generated, "scope": scope, "findings": []}))
    put("20260601T000000Z", "2026-06-01T00:00:00Z", [RG])
    put("20260901T000000Z", "2026-09-01T00:00:00Z", [RG.upper() + "/"])
    put("20261001T000000Z", "2026-10-01T00:00:00Z", [RG + "-other"])
    put("20261206T234500Z", "2026-12-06T23:45:00Z", [RG])  # this run's own directory
    (tmp_path / "broken").mkdir()
    (tmp_path / "broken" / "audit.json").write_text("{")
    found = report.find_previous(str(tmp_path), [RG], exclude_dir=str(tmp_path / "20261206T234500Z"))
    assert found["generated"] == "2026-09-01T00:00:00Z"
    assert report.find_previous(str(tmp_path), [RG + "-nothing"]) is None


def test_the_quarterly_maintenance_audits_are_a_history_too(tmp_path):
    """The maintain role writes the audit to <cadence dir>/<run>/<host>/audit/: the next quarter compares with it."""
    for run, generated in (("20260901T000000Z", "2026-09-01T00:00:00Z"), ("20261206T234500Z", "2026-12-06T23:45:00Z")):
        d = tmp_path / run / "erp-prod" / "audit"
        d.mkdir(parents=True)
        (d / "audit.json").write_text(json.dumps({"format": "erpops-audit/1", "generated": generated, "scope": [RG], "findings": []}))
    found = report.find_previous(str(tmp_path), [RG], exclude_dir=str(tmp_path / "20261206T234500Z" / "erp-prod" / "audit"))
    assert found["generated"] == "2026-09-01T00:00:00Z"


def test_a_previous_file_that_is_not_an_audit_is_an_input_error(tmp_path):
    path = tmp_path / "audit.json"
    path.write_text(json.dumps({"format": "erpops-audit-inventory/1", "findings": []}))
    with pytest.raises(report.AuditInputError, match="not an erpops-audit/1 document"):
        report.load_previous(str(path))


# ---------------------------------------------------------------------------------------------------------------------- SARIF

def sarif_validator():
    with open(os.path.join(SCHEMAS, "sarif-2.1.0.json"), encoding="utf-8") as f:
        schema = json.load(f)
    return jsonschema.Draft4Validator(schema, format_checker=jsonschema.Draft4Validator.FORMAT_CHECKER)


def test_sarif_validates_against_the_oasis_schema_and_maps_statuses():
    doc, meta = build(suppressions=[SUPPRESS_PG], previous=previous_doc([]))
    log = json.loads(audit_render.to_sarif(doc, meta))
    errors = sorted(sarif_validator().iter_errors(log), key=str)
    assert not errors, [e.message for e in errors[:5]]
    run = log["runs"][0]
    rules_ = run["tool"]["driver"]["rules"]
    assert [r["id"] for r in rules_] == ["APP-001", "APP-013", "PG-004", "PG-009", "DNS-002"]
    app1 = rules_[0]
    assert app1["name"] == "HTTPSOnlyIsOnForTheSiteAndEverySlot" and app1["shortDescription"]["text"].startswith("HTTPS Only")
    assert "erp_web_app_https_only" in app1["help"]["text"] and app1["fullDescription"]["text"] == "Plain HTTP exposes sessions."
    assert app1["properties"]["security-severity"] == "7.0"
    assert {"checkov:CKV_AZURE_14", "prowler:app_ensure_http_is_redirected_to_https", "cis:2.0 9.2", "microsoft:MCSB DP-3"} <= set(app1["properties"]["tags"])
    scores = {r["id"]: r["properties"]["security-severity"] for r in rules_}
    assert scores == {"APP-001": "7.0", "APP-013": "4.0", "DNS-002": "2.0", "PG-004": "9.0", "PG-009": "0.0"}
    results = {(r["ruleId"], r["locations"][0]["logicalLocations"][0]["fullyQualifiedName"]): r for r in run["results"]}
    assert len(results) == len(doc["findings"])
    kinds = {k: (r["kind"], r["level"]) for k, r in results.items()}
    assert kinds[("APP-001", SITE)] == ("fail", "error") and kinds[("APP-001", SLOT)] == ("pass", "none")
    assert kinds[("APP-013", SITE)] == ("review", "none") and kinds[("APP-013", EVIL)] == ("open", "none")
    assert kinds[("PG-009", DB)] == ("fail", "note") and kinds[("PG-004", DB)] == ("fail", "error")
    # SARIF 3.27.10: a result whose kind is not "fail" has level "none" (the schema cannot say so; this test does)
    assert all(r["level"] == "none" for r in run["results"] if r["kind"] != "fail")
    pg = results[("PG-004", DB)]
    assert pg["suppressions"] == [{"kind": "external", "status": "accepted",
                                   "justification": "The guide's AllowAzureServices rule (errata 3) (owner security-lead@example.com, until 2027-03-31)",
                                   "properties": {"owner": "security-lead@example.com", "expires": "2027-03-31", "pattern": "*/flexibleServers/ERP-DB"}}]
    assert all(rules_[r["ruleIndex"]]["id"] == r["ruleId"] for r in run["results"])
    assert results[("APP-001", SITE)]["locations"][0]["logicalLocations"][0]["name"] == "erp-prod"
    assert results[("APP-001", SLOT)]["locations"][0]["logicalLocations"][0]["name"] == "erp-prod/staging"
    assert [n["associatedRule"]["id"] for n in run["invocations"][0]["toolExecutionNotifications"]] == ["APP-013"]


def test_sarif_without_findings_or_previous_still_validates():
    doc, meta = build(items=[])
    log = json.loads(audit_render.to_sarif(doc, meta))
    assert not list(sarif_validator().iter_errors(log)) and log["runs"][0]["results"] == []


# ---------------------------------------------------------------------------------------------------------------------- JUnit

def test_junit_validates_against_the_xsd_with_one_case_per_check_and_resource():
    doc, meta = build(suppressions=[SUPPRESS_PG])
    xml = audit_render.to_junit(doc, meta)
    xmlschema.XMLSchema(os.path.join(SCHEMAS, "junit.xsd")).validate(xml)
    root = ET.fromstring(xml)  # noqa: S314 - the test's own output
    suites = {s.get("name"): s for s in root.findall("testsuite")}
    assert list(suites) == ["APP", "PG", "DNS"]
    assert root.get("tests") == "8" and root.get("failures") == "3" and root.get("errors") == "1"
    app = suites["APP"]
    assert (app.get("tests"), app.get("failures"), app.get("errors"), app.get("skipped")) == ("5", "2", "1", "1")
    cases = {c.get("name"): c for s in suites.values() for c in s.findall("testcase")}
    assert len(cases) == 8 and all(c.get("classname") in suites for c in cases.values())
    assert cases["APP-001 " + SITE].find("failure").get("type") == "high"
    assert "erp_web_app_https_only" in cases["APP-001 " + SITE].find("failure").text
    assert cases["APP-013 " + EVIL].find("error") is not None
    assert cases["APP-013 " + SITE].find("skipped").get("type") == "not_evaluated"
    assert cases["PG-004 " + DB].find("skipped").get("message").startswith("suppressed until 2027-03-31 by security-lead@example.com")
    assert list(cases["APP-001 " + SLOT]) == []  # a pass has no child
    assert "<script>" not in xml and "&lt;script&gt;" in xml


# ---------------------------------------------------------------------------------------------------------------------- MD and HTML

def test_markdown_puts_open_findings_first_and_neutralises_markup():
    doc, meta = build(suppressions=[SUPPRESS_PG])
    text = audit_render.to_markdown(doc, meta)
    assert text.startswith("# Security audit: FAIL")
    app = text[text.index("## APP"):text.index("## PG")]
    rows = [line for line in app.splitlines() if line.startswith("| ") and not line.startswith("| Status")]
    assert [r.split(" | ")[0] for r in rows] == ["| fail", "| fail", "| error", "| not_evaluated"]
    assert "<script>" not in text and "&lt;script&gt;alert(1)" in text
    assert "No previous audit of this scope" in text and "postgresql failed logins: 1" in text


def test_html_is_self_contained_and_escapes_every_value():
    inv = inventory()
    inv["security_logs"]["http_401_403_bursts"] = [{"site": "\"><img src=x onerror=alert(1)>", "count": 3}]
    meta = report.rules_meta(rules())
    doc = report.build(meta, findings(), inv["scope"], GENERATED, TODAY, suppressions=report.parse_suppressions([SUPPRESS_PG], list(meta)),
                       drift_items=report.drift(inv, DESIRED), security_logs=inv["security_logs"], inventory=inv)
    html = audit_html.to_html(doc, meta)
    assert "<script" not in html and "<img" not in html and "<b>admin</b>" not in html
    assert "&lt;script&gt;alert(1)" in html and "&lt;b&gt;admin&lt;/b&gt;" in html
    # nothing fetched: no element that loads, no attribute that points out (data is escaped, so every "<" opens a real tag)
    assert not re.search(r"<(link|script|img|iframe|object|embed)\b|<[^>]*\s(src|href)=|url\(|@import", html), "the page fetches something"
    assert set(re.findall(r"<[^>]*?(https?://[^\s\"']+)", html)) == {"http://www.w3.org/2000/svg"}
    assert html.count("<svg") == 2 and 'class="bar"' in html
    assert '<div class="banner" style="background: #dc2626">FAIL' in html
    for section in ("Changes since the previous audit", "Findings by group", "By resource", "Suppressions", "Drift from the deploy",
                    "Not evaluated, and why", "Security logs", "PostgreSQL failed logins (1)"):
        assert section in html, section
    # the resource table ranks the worst first (highest open severity, then most open), clean ones last
    table = html[html.index("<h2>By resource</h2>"):html.index("<h2>Suppressions</h2>")]
    names = re.findall(r'<div class="res" title="[^"]*">([^<]*)<br>', table)
    assert names == ["&lt;script&gt;alert(1)", "erp-prod", "erp-db", "erp-prod/staging", "erp.example.com"]
    assert "1 high, 1 medium" in table and "1 info" in table


def test_the_banner_passes_when_nothing_is_open_and_warns_below_the_threshold():
    meta = report.rules_meta(rules())
    ok = report.build(meta, [f for f in findings() if f["status"] == "pass"], [RG], GENERATED, TODAY)
    assert '<div class="banner" style="background: #059669">PASS' in audit_html.to_html(ok, meta)
    low = report.build(meta, [f for f in findings() if f["check"] == "PG-009"], [RG], GENERATED, TODAY)
    assert '<div class="banner" style="background: #d97706">WARN' in audit_html.to_html(low, meta)


def test_resource_labels_read_arm_ids_and_hosts():
    assert audit_render.resource_label(SLOT) == "erp-prod/staging" and audit_render.resource_type(SLOT) == "Microsoft.Web/sites/slots"
    assert audit_render.resource_label(RG) == "erp-prod-rg" and audit_render.resource_type(RG) == "resource group"
    assert audit_render.resource_label("/subscriptions/abc") == "subscription abc"
    assert audit_render.resource_label(HOST) == HOST and audit_render.resource_type(HOST) == "host"
