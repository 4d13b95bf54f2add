"""The quarterly audit (playbooks/audit.yml) of `make demo`'s deployment, as AWX or a security lead runs it.

One stack for the module (maintain_stack's fixtures), in this order: the auditor with Reader only (what it cannot see is
"not evaluated", naming the action), then with the ERP Auditor role of access.yml (the demo audits clean but for the
documented suppressions, and nothing is written), then the deployment misconfigured in known ways (exactly those checks
fail, on exactly those resources, and the report says what changed since the previous audit).
"""

import importlib.util
import json
import os
import re
import sys
import xml.etree.ElementTree as ET

import jsonschema
import pytest

from . import chromium, maintain_stack
from .stack import RG, ROOT

azsim, run, stack = maintain_stack.azsim, maintain_stack.run, maintain_stack.stack
# The first test pays for the module's deployment (about 4 minutes alone, more on a shared machine).
pytestmark = pytest.mark.timeout(900)

HERE = os.path.dirname(os.path.abspath(__file__))
SARIF_SCHEMA = os.path.join(os.path.dirname(HERE), "unit", "schemas", "sarif-2.1.0.json")
OPEN = ("fail", "error")
# The auditor's POSTs that only read: Resource Graph queries (Microsoft.ResourceGraph/resources/read).
READ_POSTS = re.compile(r"/providers/Microsoft\.ResourceGraph/resources$", re.I)


def audit(run, *args, principal="auditor"):
    """playbooks/audit.yml as its AWX job template runs it: (rc, output, writes, audit.json or None, report dir)."""
    root = os.path.join(run.azsim.state_dir, "reports", "audit")
    rc, out, writes = run("-e", f"azsim_principal={principal}", "-e", f"audit_report_root={root}", *args, playbook="playbooks/audit.yml")
    writes = [w for w in writes if not READ_POSTS.search(w["path"])]
    found = re.findall(r"report: (\S+)/audit\.html", " ".join(out.split()))
    if not found:
        return rc, out, writes, None, None
    with open(found[-1] + "/audit.json", encoding="utf-8") as f:
        return rc, out, writes, json.load(f), found[-1]


def opened(report):
    return sorted((f["check"], f["resource"]) for f in report["findings"] if f["status"] in OPEN)


def test_reader_alone_sees_all_but_what_needs_list_actions(stack):
    rc, out, writes, report, _where = audit(stack)
    assert writes == [], writes
    assert report is not None, out[-4000:]
    assert report["format"] == "erpops-audit/1"
    not_evaluated = {(f["check"], f["resource"].rsplit("/", 1)[-1]): f["message"] for f in report["findings"] if f["status"] == "not_evaluated"}
    # The site's settings need the sites action, the slot's the slots action: each finding names its own.
    assert re.search(r"'Microsoft\.Web/sites/config/list/action'", not_evaluated[("APP-007", "erp-supermarket-prod")], re.I)
    assert re.search(r"'Microsoft\.Web/sites/slots/config/list/action'", not_evaluated[("APP-007", "staging")], re.I)
    # Reader sees the rest: the configuration, the firewall, the Defender plans, the role assignments.
    evaluated = {f["check"] for f in report["findings"] if f["status"] in ("pass", "fail", "suppressed")}
    assert {"APP-001", "APP-002", "APP-003", "APP-004", "PG-001", "PG-008", "STG-003", "IAM-008", "DEF-001", "GOV-001"} <= evaluated
    # What Reader cannot see is not a finding: the demo passes with it too, the rest being the documented suppressions.
    assert opened(report) == [] and rc == 0, (opened(report), out[-2000:])


def _coverage_table(report, collections_path):
    """tools/audit_coverage.py's table for this audit (the README shows the demo's)."""
    if collections_path not in sys.path:
        sys.path.insert(0, collections_path)
    spec = importlib.util.spec_from_file_location("audit_coverage", os.path.join(ROOT, "tools", "audit_coverage.py"))
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module.table(report)


def test_the_erp_auditor_role_sees_everything_and_writes_nothing(stack, tmp_path, collections_path):
    rc, out, _writes = stack("-e", "azsim_principal=owner", "-e", "access_audit=true", playbook="playbooks/access.yml")
    assert rc == 0, out[-4000:]
    rc, out, writes, report, where = audit(stack)
    assert writes == [], writes
    assert report is not None, out[-4000:]
    # Every catalog row is reported, and nothing is hidden by a missing right: what is not evaluated needs the directory
    # (Microsoft Graph) or what the deployment does not have.
    assert len({f["check"] for f in report["findings"]}) == 111
    assert not [f for f in report["findings"] if f["status"] == "not_evaluated" and "permission" in f["message"]], report["findings"]
    assert {f["status"] for f in report["findings"] if f["check"] == "APP-007"} <= {"pass", "fail", "suppressed"}
    # The demo audits clean: no open finding but what group_vars (the guide's choices, the gaps with a date) and the
    # local inventory (what only azsim does) suppress, each with its reason, owner and expiry attached, none expired.
    assert opened(report) == [], opened(report)
    assert rc == 0, out[-4000:]
    # group_vars/all/audit.yml reaches the audit (the inventory links it) and the demo is what it asks for: no drift.
    assert report["drift"] == [], report["drift"]
    suppressed = [f for f in report["findings"] if f["status"] == "suppressed"]
    assert suppressed
    for f in suppressed:
        s = f["suppression"]
        assert s["reason"].strip() and "@" in s["owner"] and re.match(r"^\d{4}-\d{2}-\d{2}$", s["expires"]), f
        assert s["expires"] > report["generated"][:10] and not s.get("expired"), f
    by_check = {f["check"]: f["suppression"]["reason"] for f in suppressed}
    assert "errata 3" in by_check["PG-008"].lower() and "azsim" in by_check["IAM-001"]
    used = [s for s in report["suppressions"] if s["matched"]]
    assert used and all(s["state"] == "active" for s in used), report["suppressions"]
    # What the deploy now sets itself is not suppressed but passes.
    fixed = {(f["check"], f["resource"].rsplit("/", 1)[-1]): f["status"] for f in report["findings"]
             if f["check"] in ("APP-011", "APP-017", "PG-007", "MON-003", "MON-006", "STG-016")
             and (f["check"], f["resource"].rsplit("/", 1)[-1]) != ("MON-006", "erp-insights")}  # workspace-based: suppressed
    assert set(fixed.values()) == {"pass"}, fixed
    assert {("MON-006", "erp-production-plan"), ("STG-016", "erpsupermarketbackup"), ("APP-017", "staging")} <= set(fixed)
    # The storage and backups roles set soft delete, the key and SAS policies, OAuth by default, no cross-tenant replication,
    # and Shared Key off on the media account: those rows pass. The backup account keeps Shared Key (errata 8) and no
    # versioning (App Service's deleted backups would pile up as billed versions): two dated suppressions.
    stg = {(f["check"], f["resource"].rsplit("/", 1)[-1]): f["status"] for f in report["findings"]
           if f["check"] in ("STG-004", "STG-008", "STG-009", "STG-010", "STG-012", "STG-013", "STG-014", "STG-018")}
    want = {(c, a): "pass" for c in ("STG-008", "STG-009", "STG-012", "STG-014", "STG-018") for a in ("erpsupermarketmedia", "erpsupermarketbackup")}
    want.update({("STG-004", "erpsupermarketmedia"): "pass", ("STG-004", "erpsupermarketbackup"): "suppressed",
                 ("STG-010", "erpsupermarketbackup"): "suppressed", ("STG-010", "erpsupermarketmedia"): "not_applicable",
                 ("STG-013", "erpsupermarketbackup"): "pass", ("STG-013", "erpsupermarketmedia"): "not_applicable"})
    assert stg == want, stg
    with open(SARIF_SCHEMA, encoding="utf-8") as f:
        schema = json.load(f)
    with open(os.path.join(where, "audit.sarif"), encoding="utf-8") as f:
        sarif = json.load(f)
    jsonschema.validate(sarif, schema)
    assert len(sarif["runs"][0]["tool"]["driver"]["rules"]) == 111
    suites = ET.parse(os.path.join(where, "audit.junit.xml")).getroot()  # noqa: S314 - our own report
    cases = suites.findall(".//testcase")
    assert len(cases) == len(report["findings"])
    assert len(suites.findall(".//failure")) == report["summary"]["by_status"]["fail"]
    # The README's coverage table is this audit's.
    with open(os.path.join(ROOT, "README.md"), encoding="utf-8") as f:
        assert _coverage_table(report, collections_path) in f.read()
    png = chromium.screenshot(os.path.join(where, "audit.html"), str(tmp_path / "audit.png"))
    # The banner is green (nothing open at or above high), and the severity chart says there is nothing open.
    assert chromium.pixels_near(png, chromium.hex_rgb("#059669")) > 20000
    with open(os.path.join(where, "audit.html"), encoding="utf-8") as f:
        assert "No open finding" in f.read()


WEB, PG, STORAGE = "2024-11-01", "2024-08-01", "2025-06-01"
UAA_GRANT = "3c9e4b1a-6d2f-4e8a-b5c7-0a1b2c3d4e5f"


def _misconfigure(azsim):
    """The deployment broken the ways the issue names, as an owner would break it by hand (portal, az CLI)."""
    s = azsim.session("direct", principal="owner")
    rg = f"{azsim.url}/subscriptions/{azsim.sub}/resourceGroups/{RG}"
    site = f"{rg}/providers/Microsoft.Web/sites/erp-supermarket-prod"
    server = f"{rg}/providers/Microsoft.DBforPostgreSQL/flexibleServers/erp-postgres-prod"

    def ok(r):
        assert r.status_code in (200, 201, 202, 204), (r.request.method, r.request.url, r.status_code, r.text[:500])
        return r

    ok(s.patch(site, params={"api-version": WEB}, json={"properties": {"httpsOnly": False}}))
    ok(s.patch(f"{site}/slots/staging/config/web", params={"api-version": WEB}, json={"properties": {"minTlsVersion": "1.0"}}))
    ok(s.patch(f"{site}/config/web", params={"api-version": WEB}, json={"properties": {"ftpsState": "AllAllowed"}}))
    ok(s.put(f"{site}/basicPublishingCredentialsPolicies/scm", params={"api-version": WEB}, json={"properties": {"allow": True}}))
    ok(s.put(f"{server}/firewallRules/everyone", params={"api-version": PG},
             json={"properties": {"startIpAddress": "0.0.0.0", "endIpAddress": "255.255.255.255"}}))  # noqa: S104 - the open range
    ok(s.put(f"{server}/configurations/require_secure_transport", params={"api-version": PG},
             json={"properties": {"value": "off", "source": "user-override"}}))
    ok(s.patch(f"{rg}/providers/Microsoft.Storage/storageAccounts/erpsupermarketmedia", params={"api-version": STORAGE},
               json={"properties": {"allowBlobPublicAccess": True}}))
    principal = ok(s.get(site, params={"api-version": WEB})).json()["identity"]["principalId"]
    ok(s.put(f"{rg}/providers/Microsoft.Authorization/roleAssignments/{'7f1d7a52-0c2b-4f6e-9a3d-1b2c3d4e5f60'}",
             params={"api-version": "2022-04-01"},
             json={"properties": {"roleDefinitionId": f"/subscriptions/{azsim.sub}/providers/Microsoft.Authorization/roleDefinitions/"
                                                      "b24988ac-6180-42a0-ab88-20f7382dd24c", "principalId": principal,
                                  "principalType": "ServicePrincipal"}}))
    # A second User Access Administrator on the resource group, beside the deployer's accepted grant (IAM-002).
    ok(s.put(f"{rg}/providers/Microsoft.Authorization/roleAssignments/{UAA_GRANT}", params={"api-version": "2022-04-01"},
             json={"properties": {"roleDefinitionId": f"/subscriptions/{azsim.sub}/providers/Microsoft.Authorization/roleDefinitions/"
                                                      "18d7d88d-d35e-4fb5-a5c3-7773c20a72d9",
                                  "principalId": azsim.principal("auditor")["object_id"], "principalType": "ServicePrincipal"}}))
    groups = ok(s.get(f"{rg}/providers/Microsoft.Insights/actionGroups", params={"api-version": "2023-01-01"})).json()["value"]
    for group in groups:
        ok(s.patch(f"{azsim.url}{group['id']}", params={"api-version": "2023-01-01"}, json={"properties": {"enabled": False}}))
    budgets = ok(s.get(f"{rg}/providers/Microsoft.Consumption/budgets", params={"api-version": "2024-08-01"})).json()["value"]
    for budget in budgets:
        ok(s.delete(f"{azsim.url}{budget['id']}", params={"api-version": "2024-08-01"}))
    return [g["id"] for g in groups], [b["id"] for b in budgets]


def test_a_misconfigured_deployment_fails_exactly_those_checks(stack):
    _rc, out, _writes, before, _where = audit(stack)
    assert before is not None, out[-4000:]
    groups, budgets = _misconfigure(stack.azsim)
    assert groups and budgets
    rc, out, writes, after, _where = audit(stack)
    assert writes == [], writes
    assert rc != 0
    new = sorted(set(opened(after)) - set(opened(before)))
    names = sorted((check, resource.split("/providers/", 1)[-1] if "/providers/" in resource else "subscription") for check, resource in new)
    site = "Microsoft.Web/sites/erp-supermarket-prod"
    # Exactly the checks the breakage concerns, on exactly the resources broken. The disabled action group also leaves
    # the site's, the plan's and Application Insights' metric alerts (the guide's five) notifying no one (MON-008), and the
    # subscription's activity log alerts, Service Health's (MON-009) and the security operations' (MON-010), too.
    assert names == sorted([
        ("APP-001", site), ("APP-002", site + "/slots/staging"), ("APP-003", site), ("APP-004", site), ("IAM-008", site),
        ("PG-001", "Microsoft.DBforPostgreSQL/flexibleServers/erp-postgres-prod"),
        ("PG-009", "Microsoft.DBforPostgreSQL/flexibleServers/erp-postgres-prod"),
        ("STG-003", "Microsoft.Storage/storageAccounts/erpsupermarketmedia"),
        ("MON-007", "Microsoft.Insights/actionGroups/erp-ops-alerts"),
        ("MON-008", "Microsoft.Insights/components/erp-insights"), ("MON-008", "Microsoft.Web/serverfarms/erp-production-plan"),
        ("MON-008", site),
        ("MON-009", "subscription"), ("MON-010", "subscription"),
        ("GOV-001", "subscription"),
        ("IAM-002", f"Microsoft.Authorization/roleAssignments/{UAA_GRANT}"),
    ]), names
    # The deployer's grant stays accepted by its dated suppression: one holder suppressed, the other open.
    uaa = {f["resource"].rsplit("/", 1)[-1]: f["status"] for f in after["findings"] if f["check"] == "IAM-002"}
    assert uaa[UAA_GRANT] == "fail" and sorted(uaa.values()) == ["fail", "suppressed"], uaa
    # Nothing that was open got fixed by breaking things, and the report says what is new since the previous audit.
    assert set(opened(before)) <= set(opened(after))
    assert sorted((c["check"], c["resource"]) for c in after["changes"]["new"]) == new, after["changes"]["new"]
