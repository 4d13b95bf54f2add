"""The weekly routine and the monthly update check against the deployment of `make demo` on an azsim of their own.

The stack is deployed once (access.yml as the owner, then deploy.yml); each routine runs as AWX runs it
(playbooks/maintain_<cadence>.yml) and is judged from its exit status, its report and azsim's request log. The daily
routine is tested in test_deploy.py, on a stack with a history; the restore drills, the archive, the cost review and the
rotation in test_maintain_acting.py.
"""

import contextlib
import datetime
import json
import os
import re
import time
import types
import uuid

import pytest

from . import maintain_stack
from .maintain_stack import maintain, verdicts
from .package_index import osv_record, osv_service, pypiserver
from .stack import RG, clock_moved

# A deployment and several routines on two busy cores; pytest.ini's 300 s is for single operations.
pytestmark = pytest.mark.timeout(900)
# The shared fixtures (module-scoped: this file deploys its own stack).
azsim, run, stack = maintain_stack.azsim, maintain_stack.run, maintain_stack.stack


def test_a_bad_cadence_or_part_fails_before_any_request(run, azsim):
    """The role's argument spec refuses them before anything is read: no token, no ARM call."""
    for args, expected in ((("-e", "maintain_cadence=hourly"), "maintain_cadence must be one of: daily, weekly, monthly, quarterly"),
                           (("-e", "maintain_cadence=weekly", "-e", '{"maintain_skip": ["backup"]}'), "maintain_skip must be one or more of")):
        mark = azsim.last_seq()
        rc, out, _writes = run(*args, playbook="playbooks/maintain.yml")
        assert rc != 0 and expected in out, out[-3000:]
        assert azsim.requests_since(mark) == [], azsim.requests_since(mark)


# -- Weekly: performance, backups, costs --------------------------------------------------------------------------------

# Reader lacks two rights the backup checks use: listing the backup schedule (a list action) and reading blobs (a data role).
# The tests grant them to the auditor the way playbooks/access.yml would, and take them back.
BLOB_DATA_READER = "2a2b9908-6ea1-4ae2-8e65-a410df84e7d1"
SCHEDULE_READER = "5d1c8f5e-4b1a-4c53-9a57-3e1f0b7c2a61"  # a custom role: Microsoft.Web/sites/config/list/action only
SITE = f"/resourceGroups/{RG}/providers/Microsoft.Web/sites/erp-supermarket-prod"
# Cost Management's Query and Forecast: POST requests that only read (stack.WRITE_EXEMPT leaves them out of the writes).
COST_READS = re.compile(r"/providers/Microsoft\.CostManagement/(query|forecast)$", re.IGNORECASE)
WEEKLY_PARTS = ("performance", "backups", "costs")


def weekly(run, *parts, principal="auditor", clock=None, cadence="weekly", skip=None):
    """A weekly part (or parts) as AWX runs the routine: (rc, output, writes, report JSON, wall seconds)."""
    skip = list(skip) if skip is not None else [p for p in WEEKLY_PARTS if p not in parts]
    started = time.monotonic()
    rc, out, writes = run("-e", f"azsim_principal={principal}", "-e", json.dumps({"maintain_skip": skip}),
                          "-e", f"maintain_report_dir={os.path.join(run.azsim.state_dir, 'reports')}",
                          playbook=f"playbooks/maintain_{cadence}.yml", clock=clock)
    wall = time.monotonic() - started
    # The summary's lines may be folded by the YAML callback: the report's path can follow "report:" on the next line.
    found = re.findall(r"report:\s+(\S+)/report\.html", out)
    report = None
    if found:
        with open(found[-1] + "/report.json", encoding="utf-8") as f:
            report = json.load(f)
    return rc, out, [w for w in writes if not COST_READS.search(w["path"])], report, wall


def check(report, check_id):
    return next(c for c in report["checks"] if c["id"] == check_id)


def arm(azsim):
    return azsim.session("direct", principal="owner")


def grant(azsim, scope, role, name):
    r = arm(azsim).put(f"{azsim.url}{scope}/providers/Microsoft.Authorization/roleAssignments/{name}", params={"api-version": "2022-04-01"},
                       json={"properties": {"roleDefinitionId": f"/subscriptions/{azsim.sub}/providers/Microsoft.Authorization/roleDefinitions/{role}",
                                            "principalId": azsim.principal("auditor")["object_id"], "principalType": "ServicePrincipal"}})
    assert r.status_code in (200, 201), r.text


@contextlib.contextmanager
def backup_rights_for_the_auditor(azsim):
    """What the weekly backup checks need beyond Reader: a custom role with Microsoft.Web/sites/config/list/action on the web
    app, and Storage Blob Data Reader on the backup container."""
    s, sub = arm(azsim), f"/subscriptions/{azsim.sub}"
    role = f"{sub}/providers/Microsoft.Authorization/roleDefinitions/{SCHEDULE_READER}"
    r = s.put(f"{azsim.url}{role}", params={"api-version": "2022-04-01"}, json={"properties": {
        "roleName": "ERP backup schedule reader", "description": "Reads App Service backup configurations (and app settings).",
        "assignableScopes": [sub], "permissions": [{"actions": ["Microsoft.Web/sites/config/list/action"]}]}})
    assert r.status_code in (200, 201), r.text
    site = sub + SITE
    container = f"{sub}/resourceGroups/{RG}/providers/Microsoft.Storage/storageAccounts/erpsupermarketbackup/blobServices/default/containers/app-backups"
    names = [str(uuid.uuid5(uuid.NAMESPACE_URL, f"weekly-{n}")) for n in ("schedule", "blobs")]
    grant(azsim, site, SCHEDULE_READER, names[0])
    grant(azsim, container, BLOB_DATA_READER, names[1])
    try:
        yield
    finally:
        s = arm(azsim)
        for scope, name in ((site, names[0]), (container, names[1])):
            s.delete(f"{azsim.url}{scope}/providers/Microsoft.Authorization/roleAssignments/{name}", params={"api-version": "2022-04-01"})
        s.delete(f"{azsim.url}{role}", params={"api-version": "2022-04-01"})


def app_backups(azsim):
    r = arm(azsim).get(f"{azsim.url}/subscriptions/{azsim.sub}{SITE}/backups", params={"api-version": "2024-11-01"})
    assert r.status_code == 200, r.text
    return [b["properties"] for b in r.json()["value"]]


def postgresql_backups(azsim):
    r = arm(azsim).get(f"{azsim.url}/subscriptions/{azsim.sub}/resourceGroups/{RG}/providers/Microsoft.DBforPostgreSQL/flexibleServers/"
                       "erp-postgres-prod/backups", params={"api-version": "2024-08-01"})
    assert r.status_code == 200, r.text
    return r.json()["value"]


def newest_postgresql_backup_hours(azsim, offset):
    """Hours between the newest automatic backup and azsim's clock (``offset`` seconds ahead of this machine's)."""
    done = [datetime.datetime.fromisoformat(b["properties"]["completedTime"]).timestamp() for b in postgresql_backups(azsim)]
    return (time.time() + offset - max(done)) / 3600 if done else float("inf")


def iso(t):
    return time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime(t))


def wait_for(what, predicate, timeout=180):
    deadline = time.time() + timeout
    while time.time() < deadline:
        value = predicate()
        if value:
            return value
        time.sleep(1)
    raise AssertionError(f"timed out waiting for {what}")


def test_weekly_routine_on_the_fresh_stack_as_the_auditor(stack, azsim):
    """Right after the deploy, as a Reader: every part runs, nothing is written; the only warning is the app backup none of
    which exists yet (the schedule's first run is a day after the deploy, which Reader cannot read), the backup schedule and
    blobs are not evaluated for want of rights the report names."""
    mark = azsim.last_seq()
    rc, out, writes, report, wall = weekly(stack, *WEEKLY_PARTS)
    print(f"weekly routine on the fresh stack, as the auditor: {wall:.1f} s")
    assert rc == 0 and report, out[-4000:]
    assert writes == [], writes
    verdicts_ = verdicts(report)
    cost = {c["id"]: c for c in report["checks"] if c["section"] == "Costs (month to date)"}
    forecast_over = report["figures"]["cost_forecast"] > report["figures"]["cost_budget"]
    expected_warnings = {"app-backup-newest"} | ({"cost-forecast"} if forecast_over else set())
    assert {k for k, v in verdicts_.items() if v in ("warn", "fail")} == expected_warnings, report["checks"]
    assert "Microsoft.Web/sites/config/list/action" in check(report, "app-backup-newest")["detail"]
    assert verdicts_["app-backup-schedule"] == "not_evaluated"
    assert "Microsoft.Web/sites/config/list/action" in check(report, "app-backup-schedule")["detail"]
    assert verdicts_["app-backup-blobs"] == "info"  # no backup yet to look for
    for passed in ("perf-plan-cpu", "perf-plan-memory", "perf-database-cpu", "perf-database-memory", "postgresql-backups-present",
                   "postgresql-backup-newest", "postgresql-restore-window", "postgresql-backup-retention", "cost-budget", "cost-actual",
                   "cost-estimate"):
        assert verdicts_[passed] == "pass", (passed, report["checks"])
    # The deploy's health checks are the only requests: figures without a verdict.
    assert verdicts_["perf-response-time"] == "info" and "too few requests to judge" in check(report, "perf-response-time")["detail"]
    assert any(c["section"] == "Slowest endpoints (7 days)" and c["title"].endswith("health/") for c in report["checks"])
    assert cost["cost-actual"]["measured"].startswith(f"{report['figures']['cost_month_to_date']:.2f} EUR")
    assert report["figures"]["cost_month_to_date"] >= 15.0  # the domain's yearly price, charged on the day it was bought
    assert any(c["id"].startswith("cost-line-") and c["title"] == "erp-supermarket-demo.com (domains)" for c in report["checks"])
    assert report["charts"] == ["Response time per day (ms): the last 7 days and the 7 before", "CPU and memory per day (%, mean of the day's hours)",
                                "Requests per day: the last 7 days and the 7 before",
                                "Cost of the month (EUR, cumulative): actual, forecast and the budget (dashed)"]
    html_path = re.findall(r"report:\s+(\S+/report\.html)", out)[-1]
    with open(html_path, encoding="utf-8") as f:
        html = f.read()
    assert html.count("<svg") == 4 and html.count("<polyline") >= 4 and 'class="threshold"' in html
    assert not re.search(r"<script|<link|src=|url\(|@import|sig=", html)
    # What it read: the Metrics API, the Log Analytics query API, Cost Management, the backups; refused the schedule.
    seen = azsim.requests_since(mark)
    hosts_paths = [(r["host"], r["method"], r["path"]) for r in seen]
    assert sum(1 for h, m, p in hosts_paths if h.startswith("api.loganalytics") and m == "POST") == 4
    assert sum(1 for h, m, p in hosts_paths if m == "POST" and COST_READS.search(p)) == 2
    assert any(p.endswith("/config/backup/list") and r["status"] == 403 for (h, m, p), r in zip(hosts_paths, seen, strict=True))


# -- Quarterly: the security audit -------------------------------------------------------------------------------------
# The archive, the cost review and the rotation are tested in test_maintain_acting.py; here the quarterly routine runs only
# its audit part, on the fresh stack, as its AWX job template runs it: as the deployer (the archive and the rotation write).
RESOURCE_GRAPH = re.compile(r"/providers/Microsoft\.ResourceGraph/resources$", re.IGNORECASE)
AUDIT_FILES = ["audit.html", "audit.json", "audit.junit.xml", "audit.md", "audit.sarif", "inventory.json"]


def test_quarterly_routine_audits_the_erp_beside_its_report(stack, azsim):
    """The guide's quarterly "Vérifier les accès, les certificats SSL, les règles de pare-feu, analyser les logs de
    sécurité" is the audit: its five reports are written next to the maintenance report (<report>/audit/), the report's
    section "Security audit" summarises them (nothing open on the demo but the documented suppressions, among them the
    deployer's own User Access Administrator grant and no other), and nothing is written to Azure."""
    rc, out, writes, report = maintain(stack, "quarterly", "-e", '{"maintain_skip": ["archive", "cost_review", "rotation"]}')
    assert rc == 0 and report, out[-4000:]
    assert [w for w in writes if not RESOURCE_GRAPH.search(w["path"])] == [], writes
    audit_rows = {c["id"]: c for c in report["checks"] if c["section"] == "Security audit"}
    assert list(audit_rows) == ["audit"], audit_rows
    row = audit_rows["audit"]
    assert row["verdict"] == "pass" and row["measured"].startswith("0 open (critical 0, high 0, medium 0, low 0, info 0), "), row
    assert row["target"] == "no open finding at or above high" and row["link"] == "audit/audit.html", row
    assert {c["section"] for c in report["checks"]} == {"Security audit"}, report["checks"]
    assert report["figures"]["audit_open"] == 0 and report["figures"]["audit_suppressed"] > 0, report["figures"]
    where = re.findall(r"report: (\S+)/report\.html", " ".join(out.split()))[-1]
    assert row["detail"] == f"report: {where}/audit/audit.html", row
    assert sorted(os.listdir(os.path.join(where, "audit"))) == AUDIT_FILES
    with open(os.path.join(where, "audit", "audit.json"), encoding="utf-8") as f:
        audit = json.load(f)
    assert audit["format"] == "erpops-audit/1" and len({f["check"] for f in audit["findings"]}) == 111
    assert audit["summary"]["open"] == 0, [f for f in audit["findings"] if f["status"] in ("fail", "error")]
    # As the deployer (a Contributor) the audit reads what the ERP Auditor role reads: no check lacks a permission.
    assert not [f for f in audit["findings"] if f["status"] == "not_evaluated" and "permission" in f["message"]]
    # IAM-002, one finding per assignment: the deployer's grant on the resource group (playbooks/access.yml) is the one
    # suppressed, by its ARM id.
    deployer = azsim.principal("deployer")["object_id"]
    uaa = [f for f in audit["findings"] if f["check"] == "IAM-002"]
    assert [(f["status"], f["actual"]["principal"], f["actual"]["scope"].rsplit("/", 1)[-1]) for f in uaa] == \
        [("suppressed", deployer, RG)], uaa
    assert uaa[0]["resource"].lower() == uaa[0]["suppression"]["resource"].lower(), uaa
    with open(os.path.join(where, "report.html"), encoding="utf-8") as f:
        assert '<a href="audit/audit.html">' in f.read()


def test_weekly_backups_with_and_without_the_rights_reader_lacks_and_when_the_schedule_stops(stack, azsim):
    """A day after the deploy the first scheduled app backup is there. As a plain Reader the routine sees it, and names the
    rights it lacks for the schedule and the blobs; with those two rights every backup check passes. Then someone turns
    scheduled backups off: a day later the newest app backup is 27 hours old and the routine fails, naming it; PostgreSQL's
    own daily backup still passes."""
    site = f"{azsim.url}/subscriptions/{azsim.sub}{SITE}"
    config = arm(azsim).post(f"{site}/config/backup/list", params={"api-version": "2024-11-01"})
    assert config.status_code == 200, config.text
    body = {"properties": {k: v for k, v in config.json()["properties"].items() if k != "backupSchedule"}}
    body["properties"]["backupSchedule"] = {k: v for k, v in config.json()["properties"]["backupSchedule"].items() if k != "lastExecutionTime"}
    first_day, second_day = 25 * 3600, 27 * 3600
    try:
        with clock_moved(azsim, first_day):
            wait_for("the first scheduled app backup", lambda: [b for b in app_backups(azsim) if b["status"] == "Succeeded"])
            rc, out, writes, report, wall = weekly(stack, "backups", clock="+25h")
            print(f"weekly backups as the auditor: {wall:.1f} s")
            assert rc == 0 and writes == [], out[-4000:]
            assert verdicts(report)["app-backup-newest"] == "pass" and verdicts(report)["app-backup-schedule"] == "not_evaluated"
            blobs = check(report, "app-backup-blobs")
            assert blobs["verdict"] == "not_evaluated", blobs
            assert blobs["detail"] == ("reading the blobs needs a data role: Storage Blob Data Reader on container app-backups of account "
                                       "erpsupermarketbackup (Reader gives no access to blob data)"), blobs
            with backup_rights_for_the_auditor(azsim):
                rc, out, writes, report, wall = weekly(stack, "backups", clock="+25h")
                print(f"weekly backups with the extra rights: {wall:.1f} s")
                assert rc == 0 and writes == [], out[-4000:]
                for passed in ("app-backup-newest", "app-backup-schedule", "app-backup-retention", "app-backup-blobs",
                               "postgresql-backups-present", "postgresql-backup-newest", "postgresql-restore-window"):
                    assert verdicts(report)[passed] == "pass", (passed, report["checks"])
                assert check(report, "app-backup-blobs")["measured"] == "1 of 1"
                assert check(report, "app-backup-schedule")["measured"] == "every 1 day, kept 10 days"

                off = json.loads(json.dumps(body))
                off["properties"]["enabled"] = False
                # A new token each time: one issued before the clock moved has expired by azsim's clock.
                assert arm(azsim).put(f"{site}/config/backup", params={"api-version": "2024-11-01"}, json=off).status_code == 200
                with clock_moved(azsim, second_day):
                    # PostgreSQL keeps taking its daily backup: wait for it, so only the app's backups are late.
                    wait_for("PostgreSQL's next daily backup", lambda: newest_postgresql_backup_hours(azsim, first_day + second_day) < 1)
                    rc, out, writes, report, wall = weekly(stack, "backups", clock="+52h")
    finally:
        # Turned back on, on the real clock: the schedule's next run is computed from now, as before the test.
        assert arm(azsim).put(f"{site}/config/backup", params={"api-version": "2024-11-01"}, json=body).status_code == 200
    assert rc != 0 and writes == [] and report, out[-4000:]
    newest = check(report, "app-backup-newest")
    assert newest["verdict"] == "fail" and newest["measured"].startswith("succeeded 27.") and "scheduled backups are turned off" in newest["detail"]
    assert check(report, "app-backup-schedule")["verdict"] == "fail" and check(report, "app-backup-schedule")["measured"] == "turned off"
    assert verdicts(report)["postgresql-backup-newest"] == "pass"
    failure = re.search(r"Weekly maintenance of localhost failed: (.*)", out).group(1)
    assert "Last app backup succeeded / succeeded 27." in failure and "within 26 h" in failure, failure


def test_weekly_performance_fails_on_a_plan_busy_for_days(stack, azsim):
    """The plan's CPU sat at 85 % for the last three days (until an hour ago): over the guide's 70 % for most hours of the
    week, so the review fails, and suggests the autoscale bounds and S2/S3 with the guide's prices, not the database."""
    plan = f"/subscriptions/{azsim.sub}/resourceGroups/{RG}/providers/Microsoft.Web/serverfarms/erp-production-plan"
    now = time.time()  # azsim's clock, when no test has moved it
    levels = azsim.admin("GET", f"load?resource={plan}")["value"]
    kept = [lv for d in levels if d["metric"] == "CpuPercentage" for lv in d["levels"]]
    start, end = now - 3 * 86400, now - 3600
    azsim.admin("POST", "load", [{"resource": plan, "metric": "CpuPercentage", "value": 85, "at": iso(start)},
                                 {"resource": plan, "metric": "CpuPercentage", "value": 10, "at": iso(end)}])
    try:
        rc, out, writes, report, wall = weekly(stack, "performance")
        print(f"weekly performance review: {wall:.1f} s")
    finally:
        # The history as it was: the level in force before the busy days, and any level set after them.
        idle = [v for t, v in kept if t <= iso(start)]
        azsim.admin("POST", "load", [{"resource": plan, "metric": "CpuPercentage", "value": idle[-1] if idle else 10, "at": iso(start)}]
                    + [{"resource": plan, "metric": "CpuPercentage", "value": v, "at": t} for t, v in kept if t > iso(start)])
    assert rc != 0 and writes == [] and report, out[-4000:]
    cpu = check(report, "perf-plan-cpu")
    assert cpu["verdict"] == "fail" and cpu["measured"] == "85.0 %", cpu
    assert "↑" in cpu["detail"] and "busiest hour 85.0 %" in cpu["detail"]
    assert "Plan CPU (95th percentile of the hours, 7 days) / 85.0 % / < 70 %" in out
    suggestions = {c["id"]: c for c in report["checks"] if c["section"] == "Performance suggestions"}
    assert set(suggestions) == {"suggest-autoscale-bounds", "suggest-plan-scale-up"}, suggestions
    autoscale = suggestions["suggest-autoscale-bounds"]
    assert autoscale["measured"] == "CPU busiest hour 85 %, 2 instances of at most 4", autoscale
    assert "or raise the minimum from 2 for a lasting load (each instance 60.00 €/month, S1)." in autoscale["detail"], autoscale
    assert "Standard S2 (2 cores, 3.5 GB): 120.00 €/month an instance, 240.00 € for 2" in suggestions["suggest-plan-scale-up"]["detail"]
    assert "Standard S3 (4 cores, 7 GB)" in suggestions["suggest-plan-scale-up"]["detail"]
    assert verdicts(report)["perf-database-cpu"] == "pass"


def test_weekly_costs_fail_when_the_month_is_over_its_budget(stack, azsim):
    """The budget was cut to 10 € and the domain's yearly renewal (15 €) landed this month: the actual cost is over the
    budget (the job fails, naming it) and so is the forecast (a warning)."""
    url = f"{azsim.url}/subscriptions/{azsim.sub}/resourceGroups/{RG}/providers/Microsoft.Consumption/budgets/erp-supermarket-production-monthly"
    s = arm(azsim)
    original = s.get(url, params={"api-version": "2024-08-01"}).json()

    def put(amount):
        current = s.get(url, params={"api-version": "2024-08-01"}).json()
        props = {k: v for k, v in original["properties"].items() if k in ("category", "amount", "timeGrain", "timePeriod", "notifications", "filter")}
        r = s.put(url, params={"api-version": "2024-08-01"}, json={"eTag": current["eTag"], "properties": {**props, "amount": amount}})
        assert r.status_code in (200, 201), r.text

    put(10)
    try:
        rc, out, writes, report, wall = weekly(stack, "costs")
        print(f"weekly cost review: {wall:.1f} s")
    finally:
        put(original["properties"]["amount"])
    assert rc != 0 and writes == [] and report, out[-4000:]
    actual = check(report, "cost-actual")
    assert actual["verdict"] == "fail" and actual["target"] == "<= 10.00 EUR (the budget)", actual
    assert check(report, "cost-forecast")["verdict"] == "warn"
    failure = re.search(r"Weekly maintenance of localhost failed: (.*)", out).group(1)
    # The month so far holds the domain's renewal (15 €) and each day's running cost, so the figure grows with the date.
    found = re.match(r"Cost of the month so far / (\d+\.\d\d) EUR \((\d+) % of the budget\) / <= 10\.00 EUR \(the budget\) \(report ", failure)
    assert found and float(found.group(1)) > 15 and abs(int(found.group(2)) - float(found.group(1)) * 10) <= 1, failure


def test_monthly_performance_review_compares_thirty_days_with_the_thirty_before(stack, azsim):
    """The monthly "Revue des performances" alone (the other monthly parts skipped): the database's memory grew from 40 % to
    62 % between the two months - under the 80 % target, but a trend worth a warning and the guide's levers."""
    server = f"/subscriptions/{azsim.sub}/resourceGroups/{RG}/providers/Microsoft.DBforPostgreSQL/flexibleServers/erp-postgres-prod"
    now = time.time()
    kept = [lv for d in azsim.admin("GET", f"load?resource={server}")["value"] if d["metric"] == "memory_percent" for lv in d["levels"]]
    azsim.admin("POST", "load", [{"resource": server, "metric": "memory_percent", "value": 40, "at": iso(now - 60 * 86400)},
                                 {"resource": server, "metric": "memory_percent", "value": 62, "at": iso(now - 30 * 86400)}])
    try:
        rc, out, writes, report, wall = weekly(stack, cadence="monthly", skip=["updates", "drill_postgresql", "drill_app_backup"])
        print(f"monthly performance review: {wall:.1f} s")
    finally:
        idle = [v for t, v in kept if t <= iso(now - 60 * 86400)]
        azsim.admin("POST", "load", [{"resource": server, "metric": "memory_percent", "value": idle[-1] if idle else 30, "at": iso(now - 60 * 86400)}]
                    + [{"resource": server, "metric": "memory_percent", "value": v, "at": t} for t, v in kept if t > iso(now - 60 * 86400)])
    assert rc == 0 and writes == [] and report, out[-4000:]
    assert report["cadence"] == "monthly" and {c["section"] for c in report["checks"]} >= {"Performance (30 days)", "Performance suggestions"}
    memory = check(report, "perf-database-memory")
    assert memory["verdict"] == "warn" and memory["measured"] == "62.0 %", memory
    assert memory["detail"].startswith("worsening: ↑ +55 % vs the 30 days before (40.0 %)"), memory
    assert {c["id"] for c in report["checks"] if c["section"] == "Performance suggestions"} == {"suggest-redis-cache", "suggest-database-size"}
    assert "Standard_D4s_v3 (4 vCores, 16 GB): 120.00 €/month" in check(report, "suggest-database-size")["detail"]
    html_path = re.findall(r"report:\s+(\S+/report\.html)", out)[-1]
    with open(html_path, encoding="utf-8") as f:
        html = f.read()
    assert html.count("<svg") == 3 and "the last 30 days and the 30 before" in html


# -- Monthly: updates ---------------------------------------------------------------------------------------------------
# Only the update check runs (the other monthly parts skipped), as the auditor (Reader). Its verdicts are measured against
# azsim's webAppStacks (PYTHON|3.11 ends 2027-10-31) and the role's maintain_postgresql_end_of_life (PostgreSQL 15,
# 2027-11-11): make demo's runtime and version. The clock moves (azsim's and the controller's) relative to those dates.
UPDATES_ONLY = json.dumps({"maintain_skip": ["drill_postgresql", "drill_app_backup", "performance"]})
PYTHON_311_EOL = datetime.date(2027, 10, 31)
POSTGRESQL_15_EOL = datetime.date(2027, 11, 11)
# A local index holding the release's requirements (examples/erp_app/requirements.txt: django>=5.2,<5.3,
# psycopg[binary]>=3.2,<4, gunicorn>=23.0,<28, whitenoise>=6.6,<7, azure-monitor-opentelemetry>=1.8,<2), with releases
# beyond two of those ranges, a pre-release, wheels and sdists; and an advisory (OSV) on the django a build installs.
RELEASES = {"django": [("5.2.1", "wheel"), ("5.2.1", "sdist"), ("6.0.0", "wheel"), ("6.1.0rc1", "wheel")],
            "psycopg": [("3.2.0", "sdist"), ("3.3.1", "sdist")], "gunicorn": [("23.0.0", "wheel")],
            "whitenoise": [("6.6.0", "wheel"), ("7.0.0", "wheel")],
            "azure-monitor-opentelemetry": [("1.8.0", "wheel"), ("1.8.1", "wheel")]}
ADVISORIES = [osv_record("PYSEC-2025-47", "django", "5.2", "5.2.2", "Potential log injection via unescaped request path", ["CVE-2025-48432"])]


@pytest.fixture(scope="module")
def package_index(tmp_path_factory):
    """pypiserver on loopback with those packages, and an OSV query service with that advisory."""
    packages = tmp_path_factory.mktemp("index") / "packages"
    packages.mkdir()
    with pypiserver(str(packages), RELEASES) as url, osv_service(ADVISORIES) as (osv_url, queries):
        yield types.SimpleNamespace(url=url, osv_url=osv_url, queries=queries)


def updates(run, *args, clock=None):
    return maintain(run, "monthly", "-e", UPDATES_ONLY, *args, principal="auditor", clock=clock)


def days_left(eol, offset_days=0):
    return (eol - datetime.datetime.now(datetime.UTC).date()).days - offset_days


def by_id(report):
    return {c["id"]: c for c in report["checks"]}


def assert_read_as_reader(azsim, mark, writes):
    """Nothing written, and every ARM read of the auditor answered (Reader is enough: no list action, no 403)."""
    assert writes == [], writes
    arm = [r for r in azsim.requests_since(mark) if r["host"] == "management.azure.com"]
    assert arm and all(r["method"] == "GET" and r["status"] == 200 for r in arm), [r for r in arm if r["status"] != 200 or r["method"] != "GET"]


def test_updates_compare_the_release_with_the_index_and_find_its_vulnerability(stack, azsim, package_index):
    """Against the local index and advisory service: the ranges that exclude a newer release warn, the vulnerable django a
    build installs fails the job; the runtime and the database are judged by the days left to their end of life."""
    mark = azsim.last_seq()
    rc, out, writes, report = updates(stack, "-e", f"maintain_package_index_url={package_index.url}", "-e", "maintain_pip_audit_service=osv",
                                      "-e", f"maintain_pip_audit_osv_url={package_index.osv_url}")
    assert rc != 0 and report, out[-4000:]
    assert "failed: Known vulnerabilities (pip-audit, osv) / 1 / none" in out, out[-3000:]
    assert_read_as_reader(azsim, mark, writes)
    checks = by_id(report)
    assert {k: v["verdict"] for k, v in checks.items() if k.startswith(("package", "vuln"))} == {
        "package-django": "warn", "package-psycopg": "pass", "package-gunicorn": "pass", "package-whitenoise": "warn",
        "package-azure-monitor-opentelemetry": "pass", "vulnerabilities": "fail"}
    # django>=5.2,<5.3 installs 5.2.1; 6.0.0 is out of its range; 6.1.0rc1, a pre-release, is not a candidate.
    assert checks["package-django"]["measured"] == "5.2.1 → 6.0.0 (major)", checks["package-django"]
    assert "6.0.0 is outside the range: widen it in" in checks["package-django"]["detail"]
    assert "playbooks/release.yml" in checks["package-django"]["detail"] and "6.1.0rc1" not in json.dumps(report)
    assert checks["package-psycopg"]["measured"] == "3.3.1, the latest"  # sdists only
    assert "django 5.2.1: PYSEC-2025-47, CVE-2025-48432" in checks["vulnerabilities"]["detail"]
    assert "(fixed in 5.2.2)" in checks["vulnerabilities"]["detail"]
    # pip-audit asked the advisory service about exactly what a build installs today.
    assert sorted((q["package"]["name"], q["version"]) for q in package_index.queries) == [
        ("azure-monitor-opentelemetry", "1.8.1"), ("django", "5.2.1"), ("gunicorn", "23.0.0"), ("psycopg", "3.3.1"), ("whitenoise", "6.6.0")]
    python_days, postgresql_days = days_left(PYTHON_311_EOL), days_left(POSTGRESQL_15_EOL)
    assert report["figures"] == {"python_end_of_life_days": python_days, "postgresql_end_of_life_days": postgresql_days,
                                 "packages_outdated": 2, "vulnerabilities": 1}
    expected = {"pass": 180, "warn": 0}
    for check, days in (("python-runtime", python_days), ("postgresql-version", postgresql_days)):
        assert checks[check]["verdict"] == next((v for v, floor in expected.items() if days >= floor), "fail"), checks[check]
    assert "Newer on App Service: PYTHON|3.14 (end of life 2030-10-31), PYTHON|3.13" in checks["python-runtime"]["detail"]
    assert "Newer in westeurope: 17, 16." in checks["postgresql-version"]["detail"]


def test_updates_warn_before_end_of_life_and_say_why_pip_audit_could_not_tell(stack, azsim, package_index):
    """100 days before Python 3.11's end of life (111 before PostgreSQL 15's) both warn and name the way to move; pip-audit's
    default service, PyPI, is out of reach from azsim's sandbox: not evaluated, in pip-audit's own words. Warnings only:
    the job succeeds."""
    offset = days_left(PYTHON_311_EOL, 100)
    mark = azsim.last_seq()
    with clock_moved(azsim, offset * 86400):
        rc, out, writes, report = updates(stack, "-e", f"maintain_package_index_url={package_index.url}", clock=f"{offset:+d}d")
    assert rc == 0 and report, out[-4000:]
    assert_read_as_reader(azsim, mark, writes)
    checks = by_id(report)
    assert checks["python-runtime"]["verdict"] == "warn" and checks["python-runtime"]["measured"].endswith("(100 days)"), checks["python-runtime"]
    assert "staging slot" in checks["python-runtime"]["detail"] and "playbooks/release.yml" in checks["python-runtime"]["detail"]
    assert checks["postgresql-version"]["verdict"] == "warn" and checks["postgresql-version"]["measured"].endswith("(111 days)")
    vulns = checks["vulnerabilities"]
    assert vulns["verdict"] == "not_evaluated" and vulns["measured"] == "not evaluated", vulns
    assert "host='pypi.org'" in vulns["detail"] and "Tunnel connection failed: 403 Forbidden" in vulns["detail"], vulns
    assert report["figures"]["vulnerabilities"] == "not evaluated" and report["figures"]["packages_outdated"] == 2
    # The summary a person reads (the callback folds long lines).
    assert "WARN Python runtime end of life (App Service): PYTHON|3.11: end of life 2027-10-31 (100 days)" in " ".join(out.split()), out[-3000:]


def test_updates_fail_past_end_of_life_and_name_the_unreachable_index(stack, azsim):
    """Ten days after PostgreSQL 15's end of life (21 after Python 3.11's) both fail the job; the default index, PyPI, is out
    of reach from azsim's sandbox: the packages are not evaluated, with the error the request met."""
    offset = days_left(POSTGRESQL_15_EOL, -10)
    mark = azsim.last_seq()
    with clock_moved(azsim, offset * 86400):
        rc, out, writes, report = updates(stack, clock=f"{offset:+d}d")
    assert rc != 0 and report, out[-4000:]
    assert_read_as_reader(azsim, mark, writes)
    checks = by_id(report)
    assert checks["python-runtime"]["verdict"] == "fail" and checks["python-runtime"]["measured"].endswith("(-21 days)")
    assert "App Service marks it deprecated." in checks["python-runtime"]["detail"]  # azsim's clock is past the date too
    assert checks["postgresql-version"]["verdict"] == "fail" and checks["postgresql-version"]["measured"].endswith("(-10 days)")
    assert re.search(r"failed: Python runtime end of life .*; PostgreSQL major version support", out), out[-3000:]
    packages = checks["packages"]
    assert packages["verdict"] == "not_evaluated" and packages["measured"] == "5 packages not evaluated", packages
    assert packages["detail"].startswith("https://pypi.org/simple/: ") and "Tunnel connection failed: 403 Forbidden" in packages["detail"]
    assert checks["vulnerabilities"]["verdict"] == "not_evaluated"
    assert report["figures"]["packages_outdated"] == "not evaluated"
