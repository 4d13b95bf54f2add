"""The weekly, monthly and quarterly maintenance routines against the deployment of `make demo` on an azsim of their own.

The stack is deployed once (access.yml as the owner, then deploy.yml); each routine runs as AWX runs it
(playbooks/maintain_<cadence>.yml) and is judged from its exit status, its report and azsim's request log. The daily
routine is tested in test_deploy.py, on a stack with a history.
"""

import json
import re

import pytest

from .stack import playbook_runner, started_azsim

# A deployment and several routines on two busy cores; pytest.ini's 300 s is for single operations.
pytestmark = pytest.mark.timeout(900)


@pytest.fixture(scope="module")
def azsim(tmp_path_factory):
    with started_azsim(str(tmp_path_factory.mktemp("azsim-maintain"))) as sim:
        yield sim


@pytest.fixture(scope="module")
def run(azsim, collections_path):
    """Run a playbook from the checkout: (rc, output, writes sent to azsim)."""
    return playbook_runner(azsim, collections_path)


@pytest.fixture(scope="module")
def stack(run):
    """`make demo`'s deployment: the owner's grants, then deploy.yml (the ERP released on it)."""
    rc, out, _writes = run("-e", "azsim_principal=owner", playbook="playbooks/access.yml")
    assert rc == 0, out[-4000:]
    rc, out, _writes = run()
    assert rc == 0, out[-6000:]
    return run


def maintain(run, cadence, *args, principal="deployer", clock=None):
    """A routine as its AWX job template runs it: returns (rc, output, writes, the report's JSON or None)."""
    rc, out, writes = run("-e", f"azsim_principal={principal}", *args, playbook=f"playbooks/maintain_{cadence}.yml", clock=clock)
    found = re.findall(r"report: (\S+)/report\.html", out)
    report = None
    if found:
        with open(found[-1] + "/report.json", encoding="utf-8") as f:
            report = json.load(f)
    return rc, out, writes, report


def verdicts(report):
    return {c["id"]: c["verdict"] for c in report["checks"]}


def test_a_bad_cadence_or_part_fails_before_any_request(run, azsim):
    """The role's argument spec refuses them before anything is read: no token, no ARM call."""
    for args, expected in ((("-e", "maintain_cadence=hourly"), "maintain_cadence must be one of: daily, weekly, monthly, quarterly"),
                           (("-e", "maintain_cadence=weekly", "-e", '{"maintain_skip": ["backup"]}'), "maintain_skip must be one or more of")):
        mark = azsim.last_seq()
        rc, out, _writes = run(*args, playbook="playbooks/maintain.yml")
        assert rc != 0 and expected in out, out[-3000:]
        assert azsim.requests_since(mark) == [], azsim.requests_since(mark)


# -- Weekly: performance, backups, costs --------------------------------------------------------------------------------


# -- Monthly: updates ---------------------------------------------------------------------------------------------------


# -- Monthly: restore drills --------------------------------------------------------------------------------------------

from .stack import RG  # noqa: E402 - the section's own import, kept with its tests

PG_PROD = "erp-postgres-prod"
APP = "erp-supermarket-prod"
DRILLS_ONLY = '{"maintain_skip": ["updates", "performance"]}'
# Production's own resources: the server and its children, the app and its children except the drill's slots.
PRODUCTION_PATHS = re.compile(rf"/flexibleServers/{PG_PROD}(/|$)|/sites/{APP}(/(?!slots/drill-)|$)", re.I)
DRILL_SERVER = re.compile(rf"/flexibleServers/({PG_PROD}-drill-\d{{8}}t\d{{6}}z)$", re.I)
DRILL_SLOT = re.compile(rf"/sites/{APP}/slots/(drill-\d{{14}})$", re.I)


def _production_db(azsim):
    """A session on production's ERP database through the local inventory's operator firewall rule (test_deploy.py does
    the same)."""
    import psycopg

    address, port = azsim.admin("GET", "endpoints")[f"{PG_PROD}.postgres.database.azure.com"].split(":")
    with open(f"{azsim.state_dir}/secrets/postgresql-admin", encoding="utf-8") as f:
        password = "Pg1-" + f.read().strip()
    return psycopg.connect(host=f"{PG_PROD}.postgres.database.azure.com", hostaddr=address, port=int(port), dbname="erp",
                           user="erpadmin", password=password, sslmode="require", connect_timeout=10, autocommit=True)


def _production_rows(azsim):
    """Every user table of production's ERP database: its row count and a checksum of its rows, and the row changes
    PostgreSQL counted on them (inserts, updates, deletes since the statistics began)."""
    from psycopg import sql

    checksum = sql.SQL("SELECT count(*), md5(coalesce(string_agg(x::text, ',' ORDER BY x::text), '')) FROM {} AS x")
    with _production_db(azsim) as conn:
        tables = [r[0] for r in conn.execute("SELECT relname FROM pg_stat_user_tables WHERE schemaname = 'public' ORDER BY 1")]
        sums = {t: conn.execute(checksum.format(sql.Identifier(t))).fetchone() for t in tables}
        changes = conn.execute("SELECT sum(n_tup_ins + n_tup_upd + n_tup_del) FROM pg_stat_user_tables").fetchone()[0]
        heads = dict(conn.execute("SELECT DISTINCT ON (app) app, name FROM django_migrations ORDER BY app, id DESC").fetchall())
    return sums, changes, heads


def _take_app_backup(azsim):
    """An on-demand backup with the app's backup configuration (the schedule's first run is a day away), as an operator
    takes one before a release; returns its id once it succeeded."""
    import time

    from azure.mgmt.web import WebSiteManagementClient

    web = azsim.client(WebSiteManagementClient, "direct", "owner")
    config = web.web_apps.get_backup_configuration(RG, APP)
    config.backup_name = f"{APP}-before-drill"
    item = web.web_apps.backup(RG, APP, config)
    deadline = time.time() + 120
    while time.time() < deadline:
        status = web.web_apps.get_backup_status(RG, APP, str(item.backup_id)).status
        if status not in ("Created", "InProgress", "Queued"):
            break
        time.sleep(0.5)
    assert status == "Succeeded", status
    return item.backup_id


def _nothing_left(azsim):
    """No drill server, no drill slot, no drill endpoint: what Azure lists after a drill, read with the official SDKs."""
    from azure.mgmt.postgresqlflexibleservers import PostgreSQLManagementClient
    from azure.mgmt.web import WebSiteManagementClient

    servers = [s.name for s in azsim.client(PostgreSQLManagementClient, "direct", "owner").servers.list_by_resource_group(RG)]
    slots = [s.name.split("/")[-1] for s in azsim.client(WebSiteManagementClient, "direct", "owner").web_apps.list_slots(RG, APP)]
    endpoints = [e for e in azsim.admin("GET", "endpoints") if "-drill-" in e]
    assert (servers, slots, endpoints) == ([PG_PROD], ["staging"], []), (servers, slots, endpoints)


def _drill_writes(writes):
    servers = {m.group(1) for w in writes if (m := DRILL_SERVER.search(w["path"]))}
    slots = {m.group(1) for w in writes if (m := DRILL_SLOT.search(w["path"]))}
    return servers, slots


def test_the_restore_drills_restore_real_rows_and_never_write_production(stack, azsim):
    """Known rows written to production's ERP database just before are in the point-in-time copy (row counts and the
    migration head equal production's, RTO and RPO measured); the newest app backup restored into a temporary slot answers
    /health/; both temporary resources are deleted; production's server and app received no write (azsim's request log) and
    its database no row change (checksums and PostgreSQL's own counters)."""
    import time
    import uuid

    probe = f"DRILL-{uuid.uuid4().hex[:8]}"
    with _production_db(azsim) as conn:
        conn.execute("INSERT INTO inventory_product (sku, name, unit_price, stock_quantity, reorder_level, active, created_at, updated_at) "
                     "SELECT %s || '-' || n, 'Restore drill probe ' || n, n * 1.5, 0, 0, true, now(), now() FROM generate_series(1, 7) AS n",
                     (probe,))
    backup_id = _take_app_backup(azsim)
    time.sleep(1.5)  # PostgreSQL publishes a backend's row counters within a second
    before, changes_before, heads = _production_rows(azsim)
    assert before["inventory_product"][0] >= 7
    try:
        rc, out, writes, report = maintain(stack, "monthly", "-e", DRILLS_ONLY)
        assert rc == 0, out[-5000:]
        v = verdicts(report)
        for check in ("restore", "migrations", "rows", "rto", "rpo", "cleanup"):
            assert v[f"drill-postgresql-{check}"] == "pass", (check, report["checks"])
        for check in ("restore", "health", "cleanup"):
            assert v[f"drill-app-{check}"] == "pass", (check, report["checks"])
        checks = {c["id"]: c for c in report["checks"]}
        # The copy's figures are production's: every table's count (our seven rows included) and the migration head per app.
        assert f"inventory_product {before['inventory_product'][0]}" in checks["drill-postgresql-rows"]["detail"], checks["drill-postgresql-rows"]
        assert checks["drill-postgresql-rows"]["measured"] == f"equal in {len(before)} tables"
        assert report["figures"]["postgresql_rows_compared"] == sum(n for n, _sum in before.values())
        assert checks["drill-postgresql-migrations"]["target"] == ", ".join(f"{a} {n}" for a, n in sorted(heads.items()))
        figures = report["figures"]
        assert figures["rpo_seconds"] > 0 and 0 < figures["postgresql_restore_seconds"] <= figures["rto_seconds"], figures
        assert figures["app_restore_health"] == "healthy" and figures["app_restore_seconds"] > 0
        assert f"backup {backup_id} of " in checks["drill-app-restore"]["measured"]
        assert checks["drill-app-health"]["measured"].startswith("HTTP 200")

        # azsim's request log: the temporary server and slot were created and deleted; production's server and app got no write.
        assert [w for w in writes if PRODUCTION_PATHS.search(w["path"])] == [], [w for w in writes if PRODUCTION_PATHS.search(w["path"])]
        servers, slots = _drill_writes(writes)
        assert len(servers) == 1 and len(slots) == 1, (servers, slots)
        server, slot = servers.pop(), slots.pop()
        for method, path in (("PUT", f"/flexibleServers/{server}"), ("PUT", f"/flexibleServers/{server}/firewallRules/erpops-drill-controller"),
                             ("DELETE", f"/flexibleServers/{server}"), ("PUT", f"/slots/{slot}"), ("DELETE", f"/slots/{slot}")):
            assert any(w["method"] == method and w["path"].endswith(path) for w in writes), (method, path, writes)
        assert [a["resource"] for a in report["actions"] if a["action"] == "delete"] == [f"PostgreSQL server {server}", f"slot {slot} of web app {APP}"]
        _nothing_left(azsim)

        time.sleep(1.5)
        after, changes_after, _heads = _production_rows(azsim)
        assert after == before, {t: (before.get(t), after.get(t)) for t in set(before) | set(after) if before.get(t) != after.get(t)}
        assert changes_after == changes_before, (changes_before, changes_after)
    finally:
        with _production_db(azsim) as conn:
            conn.execute("DELETE FROM inventory_product WHERE sku LIKE %s", (probe + "-%",))


def test_a_drill_that_fails_midway_leaves_nothing_behind(stack, azsim):
    """A table list naming a table production does not have fails the row check after the copy exists: the job fails with
    the reason, the temporary server is deleted all the same."""
    extra = '{"maintain_skip": ["updates", "performance", "drill_app_backup"], "maintain_drill_tables": ["inventory_product", "no_such_table"]}'
    rc, out, writes, report = maintain(stack, "monthly", "-e", extra)
    assert rc != 0, out[-3000:]
    v = verdicts(report)
    assert v["drill-postgresql-rows"] == "fail" and v["drill-postgresql-cleanup"] == "pass", report["checks"]
    assert v["drill-postgresql-rpo"] == "not_evaluated"
    assert "Row counts of the copy equal production's at the restore point / missing on production: no_such_table" in out, out[-3000:]
    servers, _slots = _drill_writes(writes)
    assert len(servers) == 1 and [w["method"] for w in writes if DRILL_SERVER.search(w["path"])] == ["PUT", "DELETE"], writes
    _nothing_left(azsim)


def test_an_interrupted_drill_is_cleaned_up_by_the_next_one(stack, azsim):
    """A run killed right after it asked for the temporary server (and one killed right after it created the slot) leaves
    them behind; the next drill finds them by their erpops-drill tag, deletes them, says so, and leaves nothing."""
    import glob
    import os
    import time

    _take_app_backup(azsim)
    started = time.time()
    left = []
    for pattern, skip in ((DRILL_SERVER.pattern, "drill_app_backup"), (DRILL_SLOT.pattern, "drill_postgresql")):
        rc, _out, writes = stack("-e", "azsim_principal=deployer", "-e", f'{{"maintain_skip": ["updates", "performance", "{skip}"]}}',
                                 playbook="playbooks/maintain_monthly.yml", kill_after_write=pattern)
        assert rc != 0
        servers, slots = _drill_writes(writes)
        left += sorted(servers | slots)
    assert len(left) == 2, left
    # The killed PostgreSQL drill could not remove its passfile (the next drill removes those older than a day): a test
    # leaves none behind.
    for path in glob.glob(os.path.join(os.environ.get("TMPDIR", "/tmp"), "erpops-drill-*.pgpass")):  # noqa: S108 - tempfile's own default
        if os.path.getmtime(path) >= started:
            os.unlink(path)
    rc, out, writes, report = maintain(stack, "monthly", "-e", DRILLS_ONLY)
    assert rc == 0, out[-5000:]
    checks = {c["id"]: c for c in report["checks"]}
    assert checks["drill-postgresql-cleanup"]["detail"] == f"also deleted, left by interrupted drills: {left[0]}", checks
    assert checks["drill-app-cleanup"]["detail"] == f"also deleted, left by interrupted drills: {left[1]}", checks
    deleted = [a["resource"] for a in report["actions"] if a["action"] == "delete (left by an interrupted drill)"]
    assert deleted == [f"PostgreSQL server {left[0]}", f"slot {left[1]} of web app {APP}"], report["actions"]
    assert [w for w in writes if PRODUCTION_PATHS.search(w["path"])] == []
    _nothing_left(azsim)


def test_the_drills_need_exactly_the_rights_the_readme_names(stack, azsim):
    """The auditor (Reader) is refused before anything is created, each drill naming the actions it lacks; granted a custom
    role with the PostgreSQL drill's four actions on the resource group and Website Contributor on the web app (what
    access.yml grants the maintenance principal), the same principal runs both drills."""
    import uuid

    from azure.mgmt.authorization import AuthorizationManagementClient

    rc, out, writes, report = maintain(stack, "monthly", "-e", DRILLS_ONLY, principal="auditor")
    assert rc != 0 and writes == [], writes
    v = verdicts(report)
    assert v["drill-postgresql-restore"] == v["drill-app-restore"] == "fail", report["checks"]
    assert "lacks, at /subscriptions/" in out and "Microsoft.DBforPostgreSQL/flexibleServers/write" in out
    assert "Microsoft.Web/sites/slots/backups/restore/action" in out

    _take_app_backup(azsim)
    auth = azsim.client(AuthorizationManagementClient, "direct", "owner")
    group = f"/subscriptions/{azsim.sub}/resourceGroups/{RG}"
    auditor = azsim.principal("auditor")["object_id"]
    role = auth.role_definitions.create_or_update(group, str(uuid.uuid4()), {
        "role_name": "ERP restore drill (test)", "description": "Creates, opens and deletes the restore drill's temporary servers",
        "role_type": "CustomRole", "assignable_scopes": [group],
        "permissions": [{"actions": ["Microsoft.DBforPostgreSQL/flexibleServers/read", "Microsoft.DBforPostgreSQL/flexibleServers/write",
                                     "Microsoft.DBforPostgreSQL/flexibleServers/delete",
                                     "Microsoft.DBforPostgreSQL/flexibleServers/firewallRules/write"], "not_actions": []}]})
    website_contributor = f"/subscriptions/{azsim.sub}/providers/Microsoft.Authorization/roleDefinitions/de139f84-1756-47ae-9be6-808fbbe84772"
    grants = [(group, role.id), (f"{group}/providers/Microsoft.Web/sites/{APP}", website_contributor)]
    names = []
    try:
        for scope, role_id in grants:
            names.append((scope, auth.role_assignments.create(scope, str(uuid.uuid4()), {
                "role_definition_id": role_id, "principal_id": auditor, "principal_type": "ServicePrincipal"}).name))
        rc, out, writes, report = maintain(stack, "monthly", "-e", DRILLS_ONLY, principal="auditor")
        assert rc == 0, out[-5000:]
        assert all(c["verdict"] == "pass" for c in report["checks"]), report["checks"]
    finally:
        for scope, name in names:
            auth.role_assignments.delete(scope, name)
        auth.role_definitions.delete(group, role.name)
    _nothing_left(azsim)


# -- Quarterly: archive and cost review ---------------------------------------------------------------------------------


# -- Quarterly: secret rotation (last: it changes the secrets every later test would use) --------------------------------
