"""playbooks/deploy.yml against azsim, run the way an operator runs it: from the checkout, with inventories/local.

The tests run in order on one azsim (time scale 0): bad variables fail before any write; check mode on an empty
subscription writes nothing; a run killed half-way converges when re-run; a second run changes nothing; the resources
are what the guide asks for, read back with the official SDK clients.
"""

import contextlib
import json
import os
import re
import signal
import subprocess
import sys
import time

import pytest

from . import chromium
from .stack import RG, ROOT, browser, clock_moved, playbook_runner, started_azsim

# A whole deployment takes 1-3 minutes on two busy cores; pytest.ini's 300 s is for single operations.
pytestmark = pytest.mark.timeout(900)


@pytest.fixture(scope="module")
def azsim(tmp_path_factory):
    """Its own azsim: the deployment's fixed names (erp-supermarket-prod, ...) and the owner's grants stay here."""
    with started_azsim(str(tmp_path_factory.mktemp("azsim-deploy"))) as sim:
        yield sim


@pytest.fixture(scope="module")
def deploy(azsim, collections_path):
    """Run deploy.yml (or another playbook) from the checkout; returns (rc, output, writes sent to azsim)."""
    return playbook_runner(azsim, collections_path)


def counts(output):
    m = re.search(r"(\d+) created, (\d+) changed, (\d+) deleted, (\d+) unchanged", output)
    assert m, "the deploy_summary callback printed no resource counts:\n" + output[-3000:]
    return dict(zip(("created", "changed", "deleted", "unchanged"), map(int, m.groups()), strict=True))


def test_group_vars_are_loaded(deploy, azsim):
    """The guide's configuration in group_vars/ reaches the hosts of both inventories."""
    env = dict(os.environ, AZSIM_STATE_DIR=azsim.state_dir, ANSIBLE_CONFIG=os.path.join(ROOT, "ansible.cfg"))
    for inventory in ("inventories/local/hosts.yml", "inventories/production/hosts.yml"):
        out = subprocess.run([os.path.join(os.path.dirname(sys.executable), "ansible-inventory"), "-i", inventory, "--host", "localhost"],
                             cwd=ROOT, env=env, capture_output=True, text=True, check=True).stdout
        host = json.loads(out)
        assert host["erp_web_app_name"] == "erp-supermarket-prod" and host["erp_postgresql_admin_login"] == "erpadmin", inventory
        assert host["erp_resource_group"] == RG
    # The local inventory's own group (erp) wins over the guide's defaults (all).
    assert host["erp_dns_mode"] == "azure"


def test_access_playbook_grants_the_deployer(deploy, azsim):
    """What an Owner runs once: the resource group and the deployer's two extra roles on it, then the maintenance
    principals' roles; idempotent."""
    for expected_changed in (True, False):
        rc, out, writes = deploy("-e", "azsim_principal=owner", playbook="playbooks/access.yml")
        assert rc == 0, out[-4000:]
        assert bool(writes) is expected_changed, writes
    s = azsim.session("direct", principal="owner")
    scope = f"/subscriptions/{azsim.sub}/resourceGroups/{RG}"
    got = s.get(f"{azsim.url}{scope}/providers/Microsoft.Authorization/roleAssignments", params={
        "api-version": "2022-04-01", "$filter": f"principalId eq '{azsim.principal('deployer')['object_id']}'"}).json()["value"]
    assert len([a for a in got if a["properties"]["scope"].lower() == scope.lower()]) == 2, got
    # Once, for the maintenance routines: the deployer's blob data role (the SQL archive) and the read-only maintenance
    # principal's Reader and Storage Blob Data Reader.
    for expected_changed in (True, False):
        rc, out, writes = deploy("-e", "azsim_principal=owner", "-e", "access_maintenance=true", playbook="playbooks/access.yml")
        assert rc == 0, out[-4000:]
        assert len(writes) == (3 if expected_changed else 0), writes
    roles = {}
    for who in ("deployer", "auditor"):
        got = s.get(f"{azsim.url}{scope}/providers/Microsoft.Authorization/roleAssignments", params={
            "api-version": "2022-04-01", "$filter": f"principalId eq '{azsim.principal(who)['object_id']}'"}).json()["value"]
        roles[who] = {a["properties"]["roleDefinitionId"].rsplit("/", 1)[-1] for a in got if a["properties"]["scope"].lower() == scope.lower()}
    assert "ba92f5b4-2d11-453d-a403-e96b0029c9fe" in roles["deployer"] and len(roles["deployer"]) == 3, roles  # Storage Blob Data Contributor
    assert roles["auditor"] == {"acdd72a7-3385-48ef-bd42-f606fba81ae7", "2a2b9908-6ea1-4ae2-8e65-a410df84e7d1"}, roles  # Reader, Blob Data Reader


def test_bad_variable_fails_before_any_write(deploy):
    rc, out, writes = deploy("-e", "postgresql_storage_size_gb=100")
    assert rc != 0
    assert "postgresql_storage_size_gb" in out and "128" in out, out[-3000:]
    assert writes == [], writes


@pytest.fixture(scope="module")
def plan(tmp_path_factory):
    """What the check-mode run on the empty subscription said it would do, for the plan test after the real deploy:
    ``rows`` (the recorder's JSON lines) and ``mark`` (azsim's request log before the real deploy)."""
    return {"dir": tmp_path_factory.mktemp("plan"), "rows": None, "mark": None}


def recorded(plan, name):
    """(environment enabling the plan_recorder callback besides deploy_summary, the JSON-lines file it appends to)."""
    path = plan["dir"] / f"{name}.jsonl"
    return {"ANSIBLE_CALLBACK_PLUGINS": os.path.join(ROOT, "tests", "integration", "callback_plugins"),
            "ANSIBLE_CALLBACKS_ENABLED": "erpops.azure.deploy_summary,plan_recorder", "PLAN_RECORD": str(path)}, path


def read_rows(path):
    with open(path, encoding="utf-8") as f:
        return [json.loads(line) for line in f if line.strip()]


def test_check_mode_on_an_empty_subscription_writes_nothing(deploy, azsim, plan):
    env, path = recorded(plan, "check")
    rc, out, writes = deploy("--check", "--diff", env=env)
    assert rc == 0, out[-5000:]
    assert writes == [], writes
    c = counts(out)
    # Only the resource group exists (access.yml made it); everything else would be created.
    assert c["created"] >= 20 and c["unchanged"] <= 1 and c["deleted"] == 0, c
    assert "check mode" in out
    # Each resource once in the summary (the media account and the domain were listed twice), the new server as created.
    listed = re.findall(r"^  (created|changed|deleted)\s+(.+)$", out, re.M)
    assert len(listed) == len(set(listed)), [x for x in listed if listed.count(x) > 1]
    assert ("created", "postgresql_flexible_server erp-postgres-prod") in listed, listed
    assert ("created", "storage_account erpsupermarketmedia") in listed, listed
    plan["rows"], plan["mark"] = read_rows(path), azsim.last_seq()
    # --diff shows the properties; the administrator password never (redacted by the module, masked by Ansible).
    server = next(r for r in plan["rows"] if r["module"] == "postgresql_flexible_server")
    assert server["diff"]["after"]["properties"]["fullyQualifiedDomainName"] == "erp-postgres-prod.postgres.database.azure.com", server
    assert server["diff"]["after"]["sku"] == {"name": "Standard_D2s_v3", "tier": "GeneralPurpose"}, server
    with open(os.path.join(azsim.state_dir, "secrets", "postgresql-admin"), encoding="utf-8") as f:
        password = "Pg1-" + f.read().strip()  # the local inventory's password (see erp_database_closed)
    assert password not in out + json.dumps(plan["rows"])


def test_a_killed_run_converges(deploy, azsim):
    """SIGKILL right after the PostgreSQL server was asked for: the re-run finishes the deployment."""
    rc, out, writes = deploy(kill_after_write=r"/flexibleServers/erp-postgres-prod$")
    assert rc == -signal.SIGKILL, out[-3000:]
    assert writes, "the run was killed before it wrote anything"
    rc, out, _writes = deploy()
    assert rc == 0, out[-6000:]
    assert "Estimated monthly cost" in out and "https://erp-supermarket-demo.com/" in out, out[-4000:]
    assert "curl --proxy" in out, out[-4000:]
    c = counts(out)
    assert c["created"] >= 15, c


# Writes that configure a resource rather than create one count as their owner: a site's or slot's config/* (settings,
# connection strings, sticky names, logs), its deployments (extensions/*), a storage account's blob service settings, a
# resource's tags, a PostgreSQL server's parameters (Azure creates them all with the server, at their defaults).
SETTINGS = re.compile(r"/(config|extensions|basicpublishingcredentialspolicies|configurations)/[^/]+$|/blobservices/default$"
                      r"|/providers/microsoft\.resources/tags/default$")
# A role assignment's name derives from its principal, which a plan knows only once the identity exists: compared by scope.
ASSIGNMENT = re.compile(r"(/providers/microsoft\.authorization/roleassignments/)[^/]+$")
# Modules that act (deploy a package, swap slots, run a command) rather than create a resource. resource_tags plans the tags
# of its scope (a write to <scope>/providers/Microsoft.Resources/tags/default counts as its scope's), which names the DNS
# zone Azure creates with an App Service Domain.
ACTIONS = {"web_app_zip_deploy", "web_app_slot_swap", "web_app_command", "web_app_health", "operation_wait"}


def arm_resource(path):
    """The ARM resource (lower case) a write or a planned id is about."""
    path = path.split("?", 1)[0].rstrip("/").lower()
    while SETTINGS.search(path):
        path = SETTINGS.sub("", path)
    return ASSIGNMENT.sub(r"\1*", path)


def test_the_plan_is_what_the_deploy_created(azsim, plan):
    """Resource for resource, what the check-mode run on the empty subscription said it would create or change is what the
    real deploy (the killed run and its re-run) then wrote: the successful ARM PUTs and PATCHes in azsim's request log."""
    assert plan["rows"] is not None, "the check-mode test did not run first"
    written = {arm_resource(r["path"]) for r in azsim.requests_since(plan["mark"])
               if r["method"] in ("PUT", "PATCH") and 200 <= int(r["status"]) < 300 and r["path"].lower().startswith("/subscriptions/")
               and (r["host"].startswith("management.") or r["host"].split(":")[0] in ("127.0.0.1", "localhost"))}
    changed = [r for r in plan["rows"] if r["changed"] and r["status"] == "ok" and not r["read"] and r["module"] not in ACTIONS]
    # No planned change may go unnamed, a no_log one included: the secret app settings are a no_log option of the web app
    # and slot tasks (secret_app_settings), which show their names and ids.
    unnamed = sorted({f'{r["module"]} ({r["task"]})' + (" (no_log)" if r["censored"] else "") for r in changed if not r["id"]})
    planned = {arm_resource(r["id"]) for r in changed if r["id"]}
    missing, extra = sorted(written - planned), sorted(planned - written)
    assert not (missing or extra or unnamed), (
        f"created but not in the plan ({len(missing)}): {missing}\nplanned but not created ({len(extra)}): {extra}\n"
        f"planned changes that name no resource id ({len(unnamed)}): {unnamed}")
    # Key properties: each planned creation shows what it would set, not just a name.
    bare = sorted(r["id"] for r in changed if r["id"] and not ((r["diff"] or {}).get("after") or {}).keys() - {"id", "name", "type"})
    assert not bare, f"planned without properties: {bare}"


def test_second_run_changes_nothing(deploy):
    rc, out, writes = deploy()
    assert rc == 0, out[-5000:]
    c = counts(out)
    assert c["created"] == c["changed"] == c["deleted"] == 0, out[-5000:]
    assert writes == [], writes
    assert re.search(r"localhost\s*:\s*ok=\d+\s+changed=0 ", out), out[-1500:]


def test_check_mode_shows_exactly_one_drifted_property(deploy, azsim, plan):
    """One PostgreSQL parameter changed behind the deployment's back (the official SDK, as an operator in the portal would):
    the plan (--check --diff) shows that change alone, on the right resource and path, and writes nothing."""
    from azure.mgmt.postgresqlflexibleservers import PostgreSQLManagementClient

    configurations = azsim.client(PostgreSQLManagementClient, "direct").configurations
    configurations.begin_put(RG, "erp-postgres-prod", "log_disconnections", {"properties": {"value": "off", "source": "user-override"}}).result()
    try:
        env, path = recorded(plan, "drift")
        rc, out, writes = deploy("--check", "--diff", env=env)
        assert rc == 0, out[-5000:]
        assert writes == [], writes
        assert re.search(r"localhost\s*:\s*ok=\d+\s+changed=1 ", out), out[-1500:]
        c = counts(out)
        assert (c["created"], c["changed"], c["deleted"]) == (0, 1, 0), c
        changed = [r for r in read_rows(path) if r["changed"] and not r["read"]]
        assert len(changed) == 1, changed
        row = changed[0]
        assert row["module"] == "postgresql_flexible_server_configuration", row
        assert row["id"].lower().endswith("/flexibleservers/erp-postgres-prod/configurations/log_disconnections"), row
        assert (row["diff"]["before"]["properties"]["value"], row["diff"]["after"]["properties"]["value"]) == ("off", "on"), row["diff"]
        # What the operator reads at the end: the one change, named.
        assert "  changed   postgresql_flexible_server_configuration log_disconnections" in out, out[-3000:]
    finally:
        configurations.begin_put(RG, "erp-postgres-prod", "log_disconnections", {"properties": {"value": "on", "source": "user-override"}}).result()


@contextlib.contextmanager
def erp_database_closed(azsim):
    """The ERP database refuses new connections and loses its open ones, as an outage would: nothing changes in Azure's
    configuration, so a deploy has nothing to write. The operator's firewall rule of the local inventory lets us in."""
    import psycopg

    fqdn = "erp-postgres-prod.postgres.database.azure.com"
    address, port = azsim.admin("GET", "endpoints")[fqdn].split(":")
    with open(os.path.join(azsim.state_dir, "secrets", "postgresql-admin"), encoding="utf-8") as f:
        password = "Pg1-" + f.read().strip()
    with psycopg.connect(host=fqdn, hostaddr=address, port=int(port), dbname="postgres", user="erpadmin", password=password,
                         sslmode="require", connect_timeout=10, autocommit=True) as conn:
        conn.execute("ALTER DATABASE erp ALLOW_CONNECTIONS false")
        conn.execute("SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = 'erp'")
        try:
            yield
        finally:
            conn.execute("ALTER DATABASE erp ALLOW_CONNECTIONS true")


def test_a_no_op_deploy_over_an_unhealthy_production_fails_clearly(deploy, azsim):
    """Nothing to change, but production answers 503 (its database is unreachable): the deploy fails, naming each host
    name with its status and the body's reason, writes nothing, and never says how to open the ERP."""
    with erp_database_closed(azsim):
        rc, out, writes = deploy("-e", "release_verify_timeout=6", "-e", "release_verify_delay=1")
    assert rc != 0, out[-3000:]
    assert writes == [], writes
    assert "web app erp-supermarket-prod is not healthy" in out, out[-3000:]
    for host in ("erp-supermarket-prod.azurewebsites.net", "erp-supermarket-demo.com", "www.erp-supermarket-demo.com"):
        assert f"https://{host}/health/ answered HTTP 503 (status: error, database: unavailable" in out, (host, out[-3000:])
    assert "curl --proxy" not in out and "open it" not in out
    c = counts(out)
    assert c["created"] == c["changed"] == c["deleted"] == 0, c


def test_the_deployment_is_the_guides(azsim):
    """Read back with the official SDK clients (not our modules)."""
    from azure.mgmt.web import WebSiteManagementClient

    web = azsim.client(WebSiteManagementClient, "direct")
    plan = web.app_service_plans.get(RG, "erp-production-plan")
    assert (plan.sku.name, plan.sku.capacity, plan.reserved) == ("S1", 2, True)
    site = web.web_apps.get(RG, "erp-supermarket-prod")
    assert site.https_only
    config = web.web_apps.get_configuration(RG, "erp-supermarket-prod")
    assert config.linux_fx_version == "PYTHON|3.11" and config.min_tls_version == "1.2" and config.ftps_state == "Disabled"
    assert "gunicorn" in config.app_command_line and config.health_check_path == "/health/"
    settings = web.web_apps.list_application_settings(RG, "erp-supermarket-prod").properties
    assert settings["DB_USER"] == "erpadmin" and settings["DB_HOST"] == "erp-postgres-prod.postgres.database.azure.com"
    hosts = {"erp-supermarket-prod.azurewebsites.net", "erp-supermarket-demo.com", "www.erp-supermarket-demo.com"}
    assert set(settings["ALLOWED_HOSTS"].split(",")) >= hosts
    slots = [s.name.split("/")[-1] for s in web.web_apps.list_slots(RG, "erp-supermarket-prod")]
    assert slots == ["staging"]
    bindings = {b.name.split("/")[-1] for b in web.web_apps.list_host_name_bindings(RG, "erp-supermarket-prod")}
    assert {"erp-supermarket-demo.com", "www.erp-supermarket-demo.com"} <= bindings
    ssl = {s.name: s.ssl_state for s in web.web_apps.get(RG, "erp-supermarket-prod").host_name_ssl_states}
    assert ssl["erp-supermarket-demo.com"] == ssl["www.erp-supermarket-demo.com"] == "SniEnabled"

    s = azsim.session("direct")
    base = f"{azsim.url}/subscriptions/{azsim.sub}/resourceGroups/{RG}/providers"
    pg = s.get(f"{base}/Microsoft.DBforPostgreSQL/flexibleServers/erp-postgres-prod", params={"api-version": "2024-08-01"}).json()
    assert (pg["sku"]["name"], pg["sku"]["tier"], pg["properties"]["storage"]["storageSizeGB"]) == ("Standard_D2s_v3", "GeneralPurpose", 128)
    assert pg["properties"]["backup"]["backupRetentionDays"] == 30 and pg["properties"]["administratorLogin"] == "erpadmin"
    dbs = s.get(f"{base}/Microsoft.DBforPostgreSQL/flexibleServers/erp-postgres-prod/databases", params={"api-version": "2024-08-01"}).json()
    assert "erp" in {d["name"] for d in dbs["value"]}
    autoscale = s.get(f"{base}/Microsoft.Insights/autoscalesettings", params={"api-version": "2022-10-01"}).json()["value"]
    profile = autoscale[0]["properties"]["profiles"][0]
    assert profile["capacity"] == {"minimum": "2", "maximum": "4", "default": "2"}
    rules = {(r["metricTrigger"]["operator"], r["metricTrigger"]["threshold"], r["metricTrigger"]["timeWindow"], r["scaleAction"]["direction"])
             for r in profile["rules"]}
    assert rules == {("GreaterThan", 70, "PT5M", "Increase"), ("LessThan", 30, "PT10M", "Decrease")}
    alerts = s.get(f"{base}/Microsoft.Insights/metricAlerts", params={"api-version": "2018-03-01"}).json()["value"]
    assert len(alerts) >= 4

    # The subscription's activity log alerts (audit MON-009, MON-010) and Defender's security contact (DEF-008).
    from azure.mgmt.monitor import MonitorManagementClient
    from azure.mgmt.security import SecurityCenter

    rules = {r.name: r for r in azsim.client(MonitorManagementClient, "direct").activity_log_alerts.list_by_resource_group(RG)}
    health = rules["erp-supermarket-prod-service-health"]
    assert health.scopes == [f"/subscriptions/{azsim.sub}"] and health.enabled
    assert (health.condition.all_of[0].field, health.condition.all_of[0].equals) == ("category", "ServiceHealth")
    operations = {r.condition.all_of[1].equals for r in rules.values() if r.condition.all_of[0].equals == "Administrative"}
    assert len(operations) == 10 and "Microsoft.DBforPostgreSQL/flexibleServers/firewallRules/write" in operations
    assert {a.action_group_id.lower() for r in rules.values() for a in r.actions.action_groups} == {
        f"/subscriptions/{azsim.sub}/resourcegroups/{RG}/providers/microsoft.insights/actiongroups/erp-ops-alerts".lower()}
    contact = azsim.client(SecurityCenter, "direct").security_contacts.get("default")
    assert contact.emails and contact.alert_notifications.minimal_severity == "High" and contact.notifications_by_role.roles == ["Owner"]

    from azure.mgmt.portal import Portal

    dashboards = list(azsim.client(Portal, "direct").dashboards.list_by_resource_group(RG))
    assert [(d.name, d.tags["hidden-title"]) for d in dashboards] == [("erp-supermarket-prod-dashboard", "erp-supermarket-prod - monitoring")]
    assert len(dashboards[0].properties.lenses[0].parts) == 7  # the targets, then six charts (the guide's "Dashboard personnalisé")


def test_the_erp_answers_over_https_on_its_custom_domain(azsim):
    """The released Django app serves /health/ (read from PostgreSQL) on the custom domain and the default host name, over
    TLS with the certificate bound to each name, through azsim's front door."""
    import requests

    for host in ("erp-supermarket-demo.com", "www.erp-supermarket-demo.com", "erp-supermarket-prod.azurewebsites.net"):
        r = requests.get(f"https://{host}/health/", proxies={"https": azsim.info["proxy"]}, verify=azsim.ca, timeout=30)
        assert r.status_code == 200, (host, r.status_code, r.text[:300])
        body = r.json()
        assert body["status"] == "ok" and body["database"] == "ok" and body["version"] not in ("", "dev"), body


def test_traffic_and_a_failing_view_reach_the_workspace(deploy, azsim, tmp_path, monkeypatch):
    """Real traffic and an unhandled error in a view of the deployed ERP (a build of it with one failing view, released the
    way an operator releases), found with KQL through LogsQueryClient as the auditor (Reader): the front door's HTTP log,
    the app's request and exception telemetry (the monitoring role's diagnostic setting and Application Insights)."""
    import shutil

    from azure.mgmt.loganalytics import LogAnalyticsManagementClient
    from azure.monitor.query import LogsQueryClient

    drill = tmp_path / "erp_drill"
    shutil.copytree(os.path.join(ROOT, "examples", "erp_app"), drill, ignore=shutil.ignore_patterns("__pycache__", "*.pyc", "staticfiles"))
    with open(drill / "erp_project" / "urls.py", "a", encoding="utf-8") as f:
        f.write("\n\ndef telemetry_drill(request):\n    raise RuntimeError('telemetry drill: an unhandled error in a view')\n\n\n"
                "urlpatterns.append(path('drill/failure/', telemetry_drill))\n")
    rc, out, _writes = deploy("-e", f"release_source={drill}", playbook="playbooks/release.yml")
    assert rc == 0, out[-4000:]
    user = browser(azsim)
    for _unused in range(5):
        assert user.get("https://erp-supermarket-demo.com/health/", timeout=30).status_code == 200
    # The distro samples at most 5 traces a second by default (azure-monitor-opentelemetry's rate-limited sampler): a user's
    # pace, not a burst, so the failing request is kept.
    time.sleep(1.5)
    assert user.get("https://erp-supermarket-demo.com/drill/failure/", timeout=30).status_code == 500

    monkeypatch.setenv("HTTPS_PROXY", azsim.info["proxy"])
    monkeypatch.setenv("NO_PROXY", "127.0.0.1,localhost")
    ws = azsim.client(LogAnalyticsManagementClient, "direct").workspaces.get(RG, "erp-logs")
    logs = LogsQueryClient(azsim.credential("proxy", "auditor"))

    def first(query):
        def ask():
            table = logs.query_workspace(ws.customer_id, query, timespan=None).tables[0]
            return [dict(zip(table.columns, row, strict=True)) for row in table.rows] or None
        deadline = time.time() + 90
        while time.time() < deadline:
            got = ask()
            if got:
                return got[0]
            time.sleep(1)
        raise AssertionError(f"no row for: {query}")

    http = first("AppServiceHTTPLogs | where CsUriStem == '/drill/failure/' | project ScStatus, CsHost, CsMethod")
    assert http == {"ScStatus": 500, "CsHost": "erp-supermarket-demo.com", "CsMethod": "GET"}
    assert first("AppServiceHTTPLogs | where CsUriStem == '/health/' | summarize n = count()")["n"] >= 5
    request = first("AppRequests | where Url contains '/drill/failure/' | project Success, ResultCode, Name")
    assert request["Success"] is False and request["ResultCode"] == "500", request
    exc = first("AppExceptions | where OuterMessage contains 'telemetry drill' | project ExceptionType, OuterMessage, Details")
    assert exc["ExceptionType"].endswith("RuntimeError") and "telemetry_drill" in str(exc["Details"]), exc


def maintain(deploy, *args, clock=None):
    """The daily routine as AWX runs it, as the auditor (Reader): returns (rc, output, writes, the report's JSON)."""
    reports = os.path.join(deploy.azsim.state_dir, "reports")  # not the checkout's reports/
    rc, out, writes = deploy("-e", "azsim_principal=auditor", "-e", f"maintain_report_dir={reports}", *args,
                             playbook="playbooks/maintain_daily.yml", clock=clock)
    found = re.findall(r"report: (\S+)/report\.html", out)
    report = None
    if found:
        with open(found[-1] + "/report.json", encoding="utf-8") as f:
            report = json.load(f)
    return rc, out, writes, report


A_DAY_LATER = 25 * 3600  # the routine looks at the last 24 hours: the outage and the releases above are out of them


def test_daily_maintenance_passes_on_a_healthy_stack(deploy, azsim, tmp_path):
    """A day after the tests above (a database outage, releases), users browse a healthy ERP: every check passes."""
    user = browser(azsim)
    with clock_moved(azsim, A_DAY_LATER):
        for _unused in range(10):
            assert user.get("https://erp-supermarket-demo.com/health/", timeout=30).status_code == 200
        time.sleep(2)  # the front door flushes its traffic into the metrics once a second
        rc, out, writes, report = maintain(deploy)
    assert rc == 0, out[-4000:]
    assert writes == [], writes  # read-only, with the auditor's rights
    verdicts = {c["id"]: c["verdict"] for c in report["checks"]}
    for check in ("web-app-running", "staging-slot-running", "plan-instances", "postgresql-ready", "storage-reachable",
                  "health-erp-supermarket-demo.com", "certificate-erp-supermarket-demo.com", "availability", "response-time",
                  "error-rate", "cpu", "memory", "database-cpu", "database-memory"):
        assert verdicts[check] == "pass", (check, report["checks"])
    assert report["status"] in ("pass", "warn") and report["erp"] == "localhost"
    html_path = re.findall(r"report: (\S+/report\.html)", out)[-1]
    with open(html_path, encoding="utf-8") as f:
        html = f.read()
    assert html.count("<svg") == 3 and "<polyline" in html  # three charts, drawn
    assert not re.search(r"<script|<link|src=|url\(|@import", html), "the report fetches something"  # self-contained
    assert_report_draws_its_charts(html_path, html, tmp_path)


def assert_report_draws_its_charts(html_path, html, tmp_path):
    """Chromium renders the page: the status banner shows, and the charts alone (the page cut to its charts, same CSS)
    draw their series in the palette's colours — a line per series, not an empty frame."""
    page = chromium.screenshot(html_path, str(tmp_path / "report.png"))
    banner = "#059669" if '<div class="banner">PASS' in html else "#d97706"
    assert chromium.pixels_near(page, chromium.hex_rgb(banner)) > 20000, "no status banner in the picture"
    charts = html[:html.index("<body>") + 6] + html[html.index('<div class="charts">'):html.index("</div>", html.index('<div class="charts">'))]
    cut = tmp_path / "charts.html"
    cut.write_text(charts + "</div></body></html>", encoding="utf-8")
    picture = chromium.screenshot(str(cut), str(tmp_path / "charts.png"), height=900)
    for color, least in (("#2563eb", 1000), ("#dc2626", 300)):  # the first series of each chart (legend swatches: 300 px); the second
        assert chromium.pixels_near(picture, chromium.hex_rgb(color)) > least, (color, "not drawn")


def test_daily_maintenance_fails_when_cpu_is_over_target(deploy, azsim):
    """The load knob holds the plan at 80 % CPU for an hour: the busiest hour is over the guide's 70 % target."""
    plan = f"/subscriptions/{azsim.sub}/resourceGroups/{RG}/providers/Microsoft.Web/serverfarms/erp-production-plan"
    with clock_moved(azsim, A_DAY_LATER):
        azsim.admin("POST", "load", {"resource": plan, "metric": "CpuPercentage", "value": 80})
        try:
            with clock_moved(azsim, 3600):
                rc, out, writes, report = maintain(deploy)
        finally:
            azsim.admin("POST", "load", {"resource": plan, "metric": "CpuPercentage", "value": 10})
    assert rc != 0 and writes == []
    cpu = next(c for c in report["checks"] if c["id"] == "cpu")
    assert cpu["verdict"] == "fail" and cpu["measured"].startswith("80"), cpu
    assert "Plan CPU (busiest hour) / 80.00 % / < 70 %" in out, out[-3000:]


def test_daily_maintenance_fails_when_a_certificate_is_close_to_expiry(deploy, azsim):
    """172 days later (azsim's clock and the controller's) the domain's six-month certificate has 8 days left: it fails.

    The days left are counted on the controller's clock against the certificate served, so both clocks move.
    """
    with clock_moved(azsim, 172 * 86400):
        rc, out, writes, report = maintain(deploy, clock="+172d")
    assert rc != 0 and writes == [] and report, out[-4000:]
    cert = next(c for c in report["checks"] if c["id"] == "certificate-erp-supermarket-demo.com")
    assert cert["verdict"] == "fail" and int(cert["measured"].split()[0]) < 14, cert


def test_destroy_needs_the_confirmation(deploy):
    rc, out, writes = deploy(playbook="playbooks/destroy.yml")
    assert rc != 0 and f"teardown_confirm={RG}" in out, out[-3000:]
    assert writes == [], writes
    rc, out, writes = deploy("-e", "teardown_confirm=some-other-rg", playbook="playbooks/destroy.yml")
    assert rc != 0 and writes == []


def test_destroy_exports_then_deletes_in_order(deploy, azsim):
    rc, out, writes = deploy("-e", f"teardown_confirm={RG}", playbook="playbooks/destroy.yml")
    assert rc == 0, out[-5000:]
    exports = os.listdir(os.path.join(azsim.state_dir, "exports"))
    assert len(exports) == 1 and exports[0].startswith("erp-postgres-prod-erp-final-"), exports
    # The play names the file it wrote (its time stamp is computed once).
    printed = re.search(r"Final SQL export: (\S+)\s+\((\d+) bytes\)", out)
    assert printed and printed.group(1) == os.path.join(azsim.state_dir, "exports", exports[0]), out[-3000:]
    assert int(printed.group(2)) == os.path.getsize(printed.group(1))
    with open(os.path.join(azsim.state_dir, "exports", exports[0]), "rb") as f:
        assert f.read(5) == b"PGDMP"  # pg_dump's custom format
    deletes = [w["path"].lower() for w in writes if w["method"] == "DELETE"]
    site = next(i for i, p in enumerate(deletes) if p.endswith("/sites/erp-supermarket-prod"))
    group = next(i for i, p in enumerate(deletes) if p.endswith(f"/resourcegroups/{RG.lower()}"))
    bound = [i for i, p in enumerate(deletes) if "/certificates/" in p or "/hostnamebindings/" in p]
    assert all(i < site for i in bound) and site < group, deletes
    # Per host name, the order Azure needs: the SNI binding off (a certificate in use cannot be deleted), then the
    # certificate, then the host name binding, all before the site goes.
    seq = [(w["method"], w["path"].lower()) for w in writes]
    site_at = seq.index(("DELETE", next(p for m, p in seq if m == "DELETE" and p.endswith("/sites/erp-supermarket-prod"))))
    for host in ("erp-supermarket-demo.com", "www.erp-supermarket-demo.com"):
        unbind = next(i for i, (m, p) in enumerate(seq) if m == "PUT" and p.endswith(f"/hostnamebindings/{host}"))
        cert = next(i for i, (m, p) in enumerate(seq) if m == "DELETE" and p.endswith(f"/certificates/{host}"))
        unhost = next(i for i, (m, p) in enumerate(seq) if m == "DELETE" and p.endswith(f"/hostnamebindings/{host}"))
        assert unbind < cert < unhost < site_at, (host, seq)
    s = azsim.session("direct")
    assert s.get(f"{azsim.url}/subscriptions/{azsim.sub}/resourcegroups/{RG}", params={"api-version": "2022-09-01"}).status_code == 404
