"""The maintenance parts that act - the monthly restore drills, the quarterly SQL archive and secret rotation - and the
quarterly cost review, against the deployment of `make demo` on an azsim of their own: the same stack as
test_maintain.py, deployed again so that both files run in parallel.

The drills come first: azsim's clock has not moved yet. The tests after them move it forward (and back), and a stack
that has lived months ahead keeps only the backups of those months, so no earlier point can be restored.
"""

import datetime
import glob
import hashlib
import json
import os
import re
import threading
import time
import uuid

import pytest
from azure.mgmt.web import WebSiteManagementClient

from . import maintain_stack, secrets_scan
from .maintain_stack import maintain, verdicts
from .stack import RG, browser, clock_moved

# A deployment and several routines on two busy cores; pytest.ini's 300 s is for single operations.
pytestmark = pytest.mark.timeout(900)
# The shared fixtures (module-scoped: this file deploys its own stack).
azsim, run, stack = maintain_stack.azsim, maintain_stack.run, maintain_stack.stack


# -- Monthly: restore drills --------------------------------------------------------------------------------------------


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
# The archive runs as the deployer with what playbooks/access.yml grants it (Contributor, plus Storage Blob Data Contributor
# on the resource group: the blobs); the cost review as the auditor with Reader and Storage Blob Data Reader.
DAY = 86400
FQDN = "erp-postgres-prod.postgres.database.azure.com"
BACKUP_ACCOUNT = "erpsupermarketbackup"
ARCHIVE_PREFIX = "erp-postgres-prod/erp/"
# A short retention and a longer lock: archives older than 25 days may go once their 60 days (+1 of margin) have passed.
ARCHIVE_ARGS = ("-e", '{"maintain_skip": ["cost_review", "audit", "rotation"], "maintain_archive_retention_days": 25, '
                '"maintain_archive_immutability_days": 60}')
BLOB_DATA_READER = "2a2b9908-6ea1-4ae2-8e65-a410df84e7d1"
BLOB_DATA_CONTRIBUTOR = "ba92f5b4-2d11-453d-a403-e96b0029c9fe"


def _grant(azsim, scope, principal, role):
    """A role assignment made by the owner (what playbooks/access.yml does), kept if it exists; returns its id or None."""
    import uuid

    from azure.core.exceptions import ResourceExistsError
    from azure.mgmt.authorization import AuthorizationManagementClient

    auth = azsim.client(AuthorizationManagementClient, "direct", principal="owner")
    try:
        return auth.role_assignments.create(scope, str(uuid.uuid4()), {
            "role_definition_id": f"/subscriptions/{azsim.sub}/providers/Microsoft.Authorization/roleDefinitions/{role}",
            "principal_id": azsim.principal(principal)["object_id"], "principal_type": "ServicePrincipal"}).id
    except ResourceExistsError:
        return None


def _production(azsim):
    import psycopg

    address, port = azsim.admin("GET", "endpoints")[FQDN].split(":")
    with open(os.path.join(azsim.state_dir, "secrets", "postgresql-admin"), encoding="utf-8") as f:
        password = "Pg1-" + f.read().strip()
    return psycopg.connect(host=FQDN, hostaddr=address, port=int(port), dbname="erp", user="erpadmin", password=password,
                           sslmode="verify-full", sslrootcert=azsim.ca, connect_timeout=10, autocommit=True)


def _blobs(azsim, monkeypatch):
    """The archive container as the deployer sees it through azsim's front door (azure-storage-blob)."""
    from azure.storage.blob import BlobServiceClient

    monkeypatch.setenv("HTTPS_PROXY", azsim.info["proxy"])
    monkeypatch.setenv("NO_PROXY", "127.0.0.1,localhost")
    return BlobServiceClient(f"https://{BACKUP_ACCOUNT}.blob.core.windows.net", credential=azsim.credential("proxy")).get_container_client("sql-archive")


def _maintain(run, cadence, *args, principal="deployer", clock=None):
    """maintain(), with the HTML report's path too."""
    rc, out, writes, report = maintain(run, cadence, *args, principal=principal, clock=clock)
    found = re.findall(r"report: (\S+/report\.html)", " ".join(out.split()))
    return rc, out, writes, report, found[-1] if found else None


def _check(report, check_id):
    return next(c for c in report["checks"] if c["id"] == check_id)


@pytest.fixture(scope="module")
def archive_rights(stack, azsim):
    """playbooks/access.yml with access_maintenance=true, as the owner runs it before scheduling the routines that act: the
    deploying principal gets Storage Blob Data Contributor on the group (the archive's blobs)."""
    rc, out, _writes = stack("-e", "azsim_principal=owner", "-e", "access_maintenance=true", playbook="playbooks/access.yml")
    assert rc == 0, out[-4000:]
    return stack


def test_quarterly_archive_without_a_blob_data_role_writes_nothing(stack):
    """The auditor (Reader, no data role) is told which role the archive needs before anything is written."""
    rc, out, writes, report, _html = _maintain(stack, "quarterly", *ARCHIVE_ARGS, principal="auditor")
    assert rc != 0 and writes == [], writes
    check = _check(report, "archive")
    assert check["verdict"] == "fail" and "Storage Blob Data Contributor" in check["measured"], check


def test_quarterly_archive_restores_and_uploads_once_a_quarter(archive_rights, azsim, monkeypatch):
    """pg_dump -Fc over TLS into the immutable container, read back and restored with pg_restore into a scratch cluster
    on the controller: the rows written to production before are there; a second run in the quarter uploads nothing."""
    with _production(azsim) as conn:
        conn.execute("CREATE TABLE IF NOT EXISTS archive_probe (id int PRIMARY KEY, note text)")
        conn.execute("INSERT INTO archive_probe SELECT i, 'quarter ' || i FROM generate_series(1, 7) i ON CONFLICT DO NOTHING")
    try:
        rc, out, writes, report, _html = _maintain(archive_rights, "quarterly", *ARCHIVE_ARGS)
        assert rc == 0, out[-4000:]
        verdicts = {c["id"]: c["verdict"] for c in report["checks"]}
        assert {k: verdicts.get(k) for k in ("archive-storage", "archive-upload", "archive-integrity", "archive-restore")} == \
            {"archive-storage": "pass", "archive-upload": "pass", "archive-integrity": "pass", "archive-restore": "pass"}, report["checks"]
        restored = _check(report, "archive-restore")["rows"]
        assert restored["public.archive_probe"] == 7 and sum(restored.values()) == report["figures"]["archive_rows"], restored
        name, sha = report["figures"]["archive_blob"], report["figures"]["archive_sha256"]
        assert re.fullmatch(ARCHIVE_PREFIX + r"\d{4}-Q[1-4]/erp-\d{8}T\d{6}Z\.dump", name), name
        # The blob holds a custom-format dump whose SHA-256 is the one in its metadata and in the report.
        blob = _blobs(azsim, monkeypatch).get_blob_client(name)
        content = blob.download_blob().readall()
        assert content[:5] == b"PGDMP" and hashlib.sha256(content).hexdigest() == sha == blob.get_blob_properties().metadata["sha256"]
        # Writes: the container, its policy, the lifecycle rule and the blob; nothing on the database server.
        paths = [(w["method"], w["path"]) for w in writes]
        assert ("PUT", f"/sql-archive/{name}") in paths, paths
        assert any(m == "PUT" and p.endswith("/containers/sql-archive/immutabilityPolicies/default") for m, p in paths), paths
        assert any(m == "PUT" and p.endswith(f"/storageAccounts/{BACKUP_ACCOUNT}/managementPolicies/default") for m, p in paths), paths
        assert not [p for _m, p in paths if "flexibleServers" in p], paths
        wrote = {a["action"] for a in report["actions"]}
        assert wrote >= {"create the archive container", "set the time-based retention policy", "upload the quarterly archive"}, wrote
        from azure.mgmt.storage import StorageManagementClient

        mgmt = azsim.client(StorageManagementClient, "direct")
        policy = mgmt.blob_containers.get_immutability_policy(RG, BACKUP_ACCOUNT, "sql-archive")
        assert policy.immutability_period_since_creation_in_days == 60 and policy.state == "Unlocked"
        rule = next(r for r in mgmt.management_policies.get(RG, BACKUP_ACCOUNT, "default").policy.rules if r.name.startswith("maintain-archive"))
        assert rule.definition.filters.prefix_match == ["sql-archive/" + ARCHIVE_PREFIX]
        base = rule.definition.actions.base_blob
        assert (base.tier_to_cool.days_after_modification_greater_than, base.tier_to_archive.days_after_modification_greater_than,
                base.delete.days_after_modification_greater_than) == (30, 180, 25)

        # The same quarter again: the archive is checked again, nothing is written.
        rc, out, writes, report, _html = _maintain(archive_rights, "quarterly", *ARCHIVE_ARGS)
        assert rc == 0 and writes == [], (writes, out[-3000:])
        again = _check(report, "archive-upload")
        assert again["verdict"] == "info" and name in again["measured"] and _check(report, "archive-restore")["verdict"] == "pass"
    finally:
        with _production(azsim) as conn:
            conn.execute("DROP TABLE IF EXISTS archive_probe")


def test_quarterly_archive_prunes_only_what_no_policy_locks(archive_rights, azsim, monkeypatch):
    """40 days on, the first archive is past the 25-day retention but its 60-day lock holds: nothing is deleted. 70 days
    on it is free and deleted - only it: the archive of day 40, past the retention too, is locked and never touched, and
    azsim refuses its deletion as Azure does."""
    first = [b.name for b in _blobs(azsim, monkeypatch).list_blobs(name_starts_with=ARCHIVE_PREFIX)]
    assert len(first) == 1, first
    force = ("-e", '{"maintain_archive_force": true}')
    with clock_moved(azsim, 40 * DAY):
        rc, out, writes, report, _html = _maintain(archive_rights, "quarterly", *ARCHIVE_ARGS, *force, clock="+40d")
    assert rc == 0, out[-4000:]
    assert [w for w in writes if w["method"] == "DELETE"] == [], writes
    prune = _check(report, "archive-prune")
    assert prune["measured"].startswith("0 deleted, 1 still locked"), prune
    second = report["figures"]["archive_blob"]
    with clock_moved(azsim, 70 * DAY):
        rc, out, writes, report, _html = _maintain(archive_rights, "quarterly", *ARCHIVE_ARGS, *force, clock="+70d")
        assert rc == 0, out[-4000:]
        deletes = [w["path"] for w in writes if w["method"] == "DELETE"]
        assert deletes == [f"/sql-archive/{first[0]}"], writes
        assert _check(report, "archive-prune")["measured"].startswith("1 deleted, 1 still locked"), report["checks"]
        assert {"action": "delete an expired archive", "resource": first[0]} in [
            {k: a[k] for k in ("action", "resource")} for a in report["actions"]]
        from azure.core.exceptions import HttpResponseError

        with pytest.raises(HttpResponseError) as err:
            _blobs(azsim, monkeypatch).delete_blob(second)
        assert err.value.status_code == 409 and err.value.error_code == "BlobImmutableDueToPolicy"
    left = [b.name for b in _blobs(azsim, monkeypatch).list_blobs(name_starts_with=ARCHIVE_PREFIX)]
    assert first[0] not in left and second in left and len(left) == 2, left


# The least the archive needs, as documented in the role README: Reader, these management actions on the backups account
# (container, retention policy, lifecycle policy) and Storage Blob Data Contributor there.
ARCHIVE_ACTIONS = ["Microsoft.Storage/storageAccounts/blobServices/containers/write",
                   "Microsoft.Storage/storageAccounts/blobServices/containers/immutabilityPolicies/write",
                   "Microsoft.Storage/storageAccounts/managementPolicies/write"]


def test_quarterly_archive_with_the_least_rights(archive_rights, azsim):
    """The auditor (Reader) with a custom role holding only the three management actions and Storage Blob Data Contributor
    on the backups account archives into a new container: it creates it, its policy and its rule, uploads and prunes."""
    import uuid

    from azure.core import MatchConditions
    from azure.mgmt.authorization import AuthorizationManagementClient
    from azure.mgmt.storage import StorageManagementClient

    account = f"/subscriptions/{azsim.sub}/resourceGroups/{RG}/providers/Microsoft.Storage/storageAccounts/{BACKUP_ACCOUNT}"
    auth = azsim.client(AuthorizationManagementClient, "direct", principal="owner")
    storage = azsim.client(StorageManagementClient, "direct", principal="owner")
    lifecycle = storage.management_policies.get(RG, BACKUP_ACCOUNT, "default")
    role = auth.role_definitions.create_or_update(f"/subscriptions/{azsim.sub}/resourceGroups/{RG}", str(uuid.uuid4()), {
        "role_name": "ERP SQL archive writer", "description": "The quarterly archive's management writes",
        "permissions": [{"actions": ARCHIVE_ACTIONS}], "assignable_scopes": [f"/subscriptions/{azsim.sub}/resourceGroups/{RG}"]})
    grants = [_grant(azsim, account, "auditor", role.name), _grant(azsim, account, "auditor", BLOB_DATA_CONTRIBUTOR)]
    try:
        least = ('{"maintain_skip": ["cost_review", "audit", "rotation"], "maintain_archive_container": "sql-archive-least", '
                 '"maintain_archive_immutability_days": 1}')
        rc, out, writes, report, _html = _maintain(archive_rights, "quarterly", "-e", least, principal="auditor")
        assert rc == 0, out[-4000:]
        verdicts = {c["id"]: c["verdict"] for c in report["checks"]}
        assert verdicts["archive-upload"] == "pass" and verdicts["archive-restore"] == "pass", report["checks"]
        written = sorted((w["method"], "/".join(w["path"].split("/")[-2:]) if w["host"] == "management.azure.com" else "blob") for w in writes)
        assert written == [("PUT", "blob"), ("PUT", "containers/sql-archive-least"), ("PUT", "immutabilityPolicies/default"),
                           ("PUT", "managementPolicies/default")], writes
    finally:
        for grant in grants:
            if grant:
                auth.role_assignments.delete_by_id(grant)
        auth.role_definitions.delete(f"/subscriptions/{azsim.sub}/resourceGroups/{RG}", role.name)
        policy = storage.blob_containers.get_immutability_policy(RG, BACKUP_ACCOUNT, "sql-archive-least")
        storage.blob_containers.delete_immutability_policy(RG, BACKUP_ACCOUNT, "sql-archive-least", etag=policy.etag,
                                                           match_condition=MatchConditions.IfNotModified)
        storage.blob_containers.delete(RG, BACKUP_ACCOUNT, "sql-archive-least")
        storage.management_policies.create_or_update(RG, BACKUP_ACCOUNT, "default", lifecycle)


def test_quarterly_cost_review_reads_and_suggests(stack, azsim, monkeypatch):
    """As the auditor (Reader, Storage Blob Data Reader), 40 days on, with the plan held busy by the load knob, an
    uploaded certificate nothing binds and an empty container: the review suggests S2 with its cost, finds the idle
    resources, computes the guide's reservation figures from its prices, and writes nothing."""
    from azure.mgmt.storage import StorageManagementClient
    from azure.mgmt.web import WebSiteManagementClient

    _grant(azsim, f"/subscriptions/{azsim.sub}/resourceGroups/{RG}", "auditor", BLOB_DATA_READER)
    web = azsim.client(WebSiteManagementClient, "direct", principal="owner")
    storage = azsim.client(StorageManagementClient, "direct", principal="owner")
    pfx, password = _self_signed_pfx("old.erp-supermarket-demo.com")
    web.certificates.create_or_update(RG, "old-erp-cert", {"location": "westeurope", "properties": {"pfxBlob": pfx, "password": password}})
    storage.blob_containers.create(RG, "erpsupermarketmedia", "unused-exports", {})
    plan = f"/subscriptions/{azsim.sub}/resourceGroups/{RG}/providers/Microsoft.Web/serverfarms/erp-production-plan"
    now = datetime.datetime.strptime(azsim.admin("GET", "clock")["now"][:19], "%Y-%m-%dT%H:%M:%S")
    since = (now - datetime.timedelta(days=60)).strftime("%Y-%m-%dT%H:%M:%SZ")  # the plan busy over the whole quarter read
    azsim.admin("POST", "load", {"resource": plan, "metric": "CpuPercentage", "value": 85, "at": since})
    try:
        with clock_moved(azsim, 40 * DAY):
            rc, out, writes, report, html = _maintain(stack, "quarterly", "-e", '{"maintain_skip": ["archive", "audit", "rotation"]}',
                                                      principal="auditor", clock="+40d")
    finally:
        azsim.admin("POST", "load", {"resource": plan, "metric": "CpuPercentage", "value": 10, "at": since})
        web.certificates.delete(RG, "old-erp-cert")
        storage.blob_containers.delete(RG, "erpsupermarketmedia", "unused-exports")
    assert rc == 0, out[-4000:]
    # Read-only: Cost Management's query is a POST that reads.
    assert [w for w in writes if "Microsoft.CostManagement/query" not in w["path"]] == [], writes
    checks = {c["id"]: c for c in report["checks"]}
    plan_check = checks["rightsize-plan"]
    # S2 costs 60 € more than S1 per instance, for each of the instances the plan runs (autoscale keeps 2 to 4; the busy
    # plan may have scaled out by the time of the run).
    assert plan_check["verdict"] == "warn" and "scale up to S2" in plan_check["detail"], plan_check
    assert plan_check["saving"] in (-120.0, -180.0, -240.0) and f"{-plan_check['saving']:.2f} € more a month" in plan_check["detail"], plan_check
    assert checks["idle-certificate-old-erp-cert"]["verdict"] == "warn", checks.keys()
    assert checks["idle-container-erpsupermarketmedia-unused-exports"]["verdict"] == "warn", checks.keys()
    assert checks["idle-slot-staging"]["verdict"] == "warn", checks["idle-slot-staging"]
    f = report["figures"]
    assert (f["guide_monthly_total"], f["guide_monthly_total_ri"], f["ri_saving_purchasable_monthly"]) == (186.61, 116.41, 19.8), f
    # The running configuration's saving: 70.20 € with the guide's two S1 instances, 25.20 € more per instance autoscale added.
    assert f["ri_saving_monthly"] in (70.2, 95.4, 120.6), f
    assert "186.61 € -> 116.41 €" in checks["reserved-instances"]["detail"]
    assert f["cost_saving_possible_monthly"] == 19.8 and checks["cost-history"]["verdict"] == "info", (f, checks["cost-history"])
    with open(html, encoding="utf-8") as fh:
        assert fh.read().count("<svg") == 2  # utilisation over 90 days, cost by month


def _self_signed_pfx(host):
    """A PKCS#12 certificate for ``host`` (base64) and its password, as an operator would upload one."""
    import base64

    from cryptography import x509
    from cryptography.hazmat.primitives import hashes, serialization
    from cryptography.hazmat.primitives.asymmetric import rsa
    from cryptography.hazmat.primitives.serialization import pkcs12
    from cryptography.x509.oid import NameOID

    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, host)])
    now = datetime.datetime.now(datetime.UTC)
    cert = (x509.CertificateBuilder().subject_name(name).issuer_name(name).public_key(key.public_key()).serial_number(x509.random_serial_number())
            .not_valid_before(now).not_valid_after(now + datetime.timedelta(days=365))
            .add_extension(x509.SubjectAlternativeName([x509.DNSName(host)]), critical=False).sign(key, hashes.SHA256()))
    password = "archive-test"
    blob = pkcs12.serialize_key_and_certificates(b"old", key, cert, None, serialization.BestAvailableEncryption(password.encode()))
    return base64.b64encode(blob).decode(), password


# -- Quarterly: secret rotation (last: it changes the secrets every later test would use) --------------------------------


class Prober:
    """Production through azsim's front door every ~100 ms, as a user sees it: /health/ and a page behind the admin's
    session (the API answers 401 without it), with a session cookie made before the rotation."""

    base = "https://erp-supermarket-demo.com"

    def __init__(self, sim):
        self.session = self.logged_in(sim)
        self.failures, self.count, self.slowest = [], 0, 0.0
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)

    @classmethod
    def logged_in(cls, sim):
        """A browser logged in to the ERP's admin as its superuser (a Django session cookie)."""
        session = browser(sim)
        with open(f"{sim.state_dir}/secrets/django-superuser", encoding="utf-8") as f:
            password = f.read().strip()
        page = session.get(cls.base + "/admin/login/", timeout=60)
        token = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', page.text).group(1)
        r = session.post(cls.base + "/admin/login/?next=/admin/", timeout=60, headers={"Referer": cls.base + "/admin/login/"},
                         data={"csrfmiddlewaretoken": token, "username": "admin", "password": password, "next": "/admin/"})
        assert r.url.endswith("/admin/") and session.cookies.get("sessionid"), r.text[:500]
        return session

    def get(self, path):
        return self.session.get(self.base + path, timeout=120, allow_redirects=False)

    def _run(self):
        deadline = time.monotonic() + 900  # bounded whatever happens to the test
        while not self._stop.is_set() and time.monotonic() < deadline:
            for path in ("/health/", "/api/products/"):
                started = time.monotonic()
                try:
                    r = self.get(path)
                    if r.status_code != 200:
                        self.failures.append((time.strftime("%H:%M:%S"), path, r.status_code, r.text[:200]))
                except Exception as exc:  # noqa: BLE001 - every failure counts, whatever it is
                    self.failures.append((time.strftime("%H:%M:%S"), path, repr(exc)[:200]))
                self.count += 1
                self.slowest = max(self.slowest, time.monotonic() - started)
            time.sleep(0.1)

    def __enter__(self):
        self._thread.start()
        return self

    def __exit__(self, *exc):
        self._stop.set()
        self._thread.join(timeout=180)


def postgresql_login(sim, password):
    """A log-in to the demo's server as its administrator from this machine (psycopg over TLS): None, or why it failed."""
    import psycopg

    fqdn = "erp-postgres-prod.postgres.database.azure.com"
    host, port = sim.admin("GET", "endpoints")[fqdn].rsplit(":", 1)
    try:
        psycopg.connect(host=fqdn, hostaddr=host, port=int(port), dbname="erp", user="erpadmin", password=password,
                        sslmode="require", connect_timeout=15).close()
    except psycopg.OperationalError as exc:
        return str(exc)
    return None


def rotation_writes(writes):
    return sorted({(w["method"], re.sub(r"^.*?/resourceGroups/[^/]+/providers/", "", w["path"]) if "/providers/" in w["path"] else w["host"] + w["path"])
                   for w in writes})


def test_rotation_loses_no_request_and_refuses_the_previous_password(stack, azsim):
    """Key Vault off (the local inventory's default): the quarterly routine with only the rotation, a prober on production
    all along; the session made before still works, the previous password is refused, the deploy's files hold the new
    values, and azsim saw only the rotation's writes."""
    secrets_dir = f"{azsim.state_dir}/secrets"
    with open(f"{secrets_dir}/postgresql-admin", encoding="utf-8") as f:
        previous = "Pg1-" + f.read().strip()
    with open(f"{secrets_dir}/django-secret-key", encoding="utf-8") as f:
        previous_key = f.read().strip()
    assert postgresql_login(azsim, previous) is None
    idle = Prober.logged_in(azsim)  # a session made before the rotation and not used during it
    idle_cookie = idle.cookies.get("sessionid")
    with Prober(azsim) as prober:
        assert prober.get("/api/products/").status_code == 200
        rc, out, writes, report = maintain(stack, "quarterly", "-e", '{"maintain_skip": ["archive", "cost_review", "audit"]}')
        time.sleep(2)
    assert rc == 0, out[-5000:]
    assert prober.count > 100 and prober.failures == [], (prober.count, prober.failures[:10])
    assert {k: v for k, v in verdicts(report).items() if k.startswith("rotation")} == {
        "rotation-secret-key": "pass", "rotation-postgresql-password": "pass", "rotation-previous-password-refused": "pass",
        "rotation-production-health": "pass", "rotation-next-deploy": "pass"}
    assert report["figures"]["rotation"] == "rotated" and report["figures"]["rotation_secret_key_version"] == "app setting"
    # The session cookie made with the previous key is still logged in (SECRET_KEY_FALLBACKS); Django then renews it.
    r = idle.get(Prober.base + "/api/products/", timeout=60, allow_redirects=False)
    assert r.status_code == 200, (r.status_code, r.text[:300])
    assert idle.cookies.get("sessionid") != idle_cookie
    assert idle.get(Prober.base + "/api/products/", timeout=60, allow_redirects=False).status_code == 200
    with open(f"{secrets_dir}/postgresql-admin", encoding="utf-8") as f:
        new = "Pg1-" + f.read().strip()
    with open(f"{secrets_dir}/django-secret-key", encoding="utf-8") as f:
        new_key = f.read().strip()
    assert new != previous and new_key != previous_key and len(new_key) == 50
    assert "password authentication failed" in (postgresql_login(azsim, previous) or "accepted")
    assert postgresql_login(azsim, new) is None
    # One settings write per slot (each one restart), one server PATCH; never a secret in the output or the report.
    assert rotation_writes(writes) == [
        ("PATCH", "Microsoft.DBforPostgreSQL/flexibleServers/erp-postgres-prod"),
        ("PUT", "Microsoft.Web/sites/erp-supermarket-prod/config/appsettings"),
        ("PUT", "Microsoft.Web/sites/erp-supermarket-prod/slots/staging/config/appsettings")], rotation_writes(writes)
    assert len(writes) == 3, writes
    text = out + json.dumps(report)
    for secret in (previous, new, previous_key, new_key):
        assert secret not in text


def test_the_next_deploy_writes_nothing_after_a_rotation(stack):
    """The rotation wrote its values where deploy.yml reads them (the local inventory's password files)."""
    rc, out, writes = stack()
    assert rc == 0, out[-5000:]
    assert writes == [], writes


def test_rotation_with_key_vault_as_the_principal_with_only_its_rights(stack, azsim):
    """Key Vault on (a second deploy converges the same stack to references), then the rotation as the auditor (Reader)
    granted exactly what the README names: Website Contributor on the web app, a role with
    Microsoft.DBforPostgreSQL/flexibleServers/write on the server, Key Vault Secrets Officer on the vault. New secret
    versions; the fallbacks are references to the previous versions; nothing lost, the previous password refused."""
    kv = ("-e", "erp_keyvault_enabled=true")
    rc, out, _writes = stack(*kv)
    # deploy.yml switches the settings to references (a restart) before it grants the app's identity on the vault, so
    # that restart resolved nothing and its last health check fails: App Service resolves them again at the next restart
    # (a defect of deploy.yml on a stack that enables Key Vault, reported; not the rotation's).
    assert rc == 0 or "database: unavailable" in out, out[-5000:]
    owner = azsim.session("direct", principal="owner")
    rg = f"{azsim.url}/subscriptions/{azsim.sub}/resourceGroups/erp-supermarket-production-rg"
    site = f"{rg}/providers/Microsoft.Web/sites/erp-supermarket-prod"
    page = browser(azsim)
    if page.get(Prober.base + "/health/", timeout=120).status_code != 200:
        assert owner.post(f"{site}/restart", params={"api-version": "2024-04-01"}).status_code == 200
        deadline = time.monotonic() + 300
        while page.get(Prober.base + "/health/", timeout=120).status_code != 200:
            assert time.monotonic() < deadline, "production did not come back after its restart"
            time.sleep(2)
    api = {"api-version": "2022-04-01"}
    role = owner.put(f"{rg}/providers/Microsoft.Authorization/roleDefinitions/{uuid.uuid4()}", params=api, json={"properties": {
        "roleName": "ERP PostgreSQL password rotation (test)", "type": "CustomRole", "assignableScopes": [rg.replace(azsim.url, "")],
        "permissions": [{"actions": ["Microsoft.DBforPostgreSQL/flexibleServers/read", "Microsoft.DBforPostgreSQL/flexibleServers/write"]}]}})
    assert role.status_code in (200, 201), role.text
    grants = ((site, "de139f84-1756-47ae-9be6-808fbbe84772"),  # Website Contributor
              (f"{rg}/providers/Microsoft.DBforPostgreSQL/flexibleServers/erp-postgres-prod", role.json()["name"]),
              (f"{rg}/providers/Microsoft.KeyVault/vaults/erp-supermarket-kv", "b86a8fe4-44ce-4948-aee5-eccb2c155cd7"))  # Secrets Officer
    for scope, definition in grants:
        r = owner.put(f"{scope}/providers/Microsoft.Authorization/roleAssignments/{uuid.uuid4()}", params=api, json={"properties": {
            "roleDefinitionId": f"/subscriptions/{azsim.sub}/providers/Microsoft.Authorization/roleDefinitions/{definition}",
            "principalId": azsim.principal("auditor")["object_id"], "principalType": "ServicePrincipal"}})
        assert r.status_code in (200, 201), r.text
    with open(f"{azsim.state_dir}/secrets/postgresql-admin", encoding="utf-8") as f:
        previous = "Pg1-" + f.read().strip()
    with Prober(azsim) as prober:
        rc, out, writes, report = maintain(stack, "quarterly", *kv, "-e", '{"maintain_skip": ["archive", "cost_review", "audit"]}', principal="auditor")
        time.sleep(2)
    assert rc == 0, out[-5000:]
    assert prober.count > 100 and prober.failures == [], (prober.count, prober.failures[:10])
    assert all(v == "pass" for k, v in verdicts(report).items() if k.startswith("rotation")), verdicts(report)
    versions = report["figures"]["rotation_secret_key_version"], report["figures"]["rotation_db_password_version"]
    assert all(re.fullmatch(r"[0-9a-f]{32}", v) for v in versions), versions
    assert prober.get("/api/products/").status_code == 200
    assert "password authentication failed" in (postgresql_login(azsim, previous) or "accepted")
    assert rotation_writes(writes) == [
        ("PATCH", "Microsoft.DBforPostgreSQL/flexibleServers/erp-postgres-prod"),
        ("PUT", "Microsoft.Web/sites/erp-supermarket-prod/config/appsettings"),
        ("PUT", "Microsoft.Web/sites/erp-supermarket-prod/slots/staging/config/appsettings"),
        ("PUT", "erp-supermarket-kv.vault.azure.net/secrets/db-admin-password"),
        ("PUT", "erp-supermarket-kv.vault.azure.net/secrets/django-secret-key")], rotation_writes(writes)
    # The fallbacks name the versions the secrets had before; App Service resolves them with the app's identity.
    refs = azsim.client(WebSiteManagementClient, "direct").web_apps.list_application_settings(
        "erp-supermarket-production-rg", "erp-supermarket-prod").properties
    assert re.fullmatch(r"@Microsoft\.KeyVault\(VaultName=erp-supermarket-kv;SecretName=db-admin-password;SecretVersion=[0-9a-f]{32}\)",
                        refs["DB_PASSWORD_FALLBACKS"]), refs["DB_PASSWORD_FALLBACKS"]
    assert refs["SECRET_KEY"] == "@Microsoft.KeyVault(VaultName=erp-supermarket-kv;SecretName=django-secret-key)"
    assert refs["DB_PASSWORD_FALLBACKS"].split("SecretVersion=")[1][:-1] not in versions


# -- Secrets (issue 14): the runner scans every playbook's -vvv output and the reports it wrote; this one last looks again ---


def test_no_report_holds_a_secret_the_run_knows(stack, azsim):
    """Every report this module's routines wrote (maintenance report.json/md/html, the quarterly audit's json/sarif/junit/
    md/html) against every secret the stack knows, the storage keys read again through ARM's listKeys (official SDK)."""
    reports = os.path.join(azsim.state_dir, "reports")
    if not glob.glob(os.path.join(reports, "**", "report.json"), recursive=True):  # this test alone: one routine first
        rc, out, _writes, _report = maintain(stack, "daily")
        assert rc == 0, out[-4000:]
    secrets = stack.secrets.refresh()
    official = secrets_scan.official_keys(azsim)
    assert len(official) >= 2 and all(len(keys) == 2 for keys in official.values()), sorted(official)
    # What ARM's listKeys answers is what the scan looks for (azsim's state is where it collects them from).
    assert all(value in secrets.known for keys in official.values() for value in keys.values())
    for value in (p["client_secret"] for p in azsim.info["principals"].values()):
        assert value in secrets.known
    for name in ("postgresql-admin", "django-secret-key", "django-superuser"):
        with open(os.path.join(azsim.state_dir, "secrets", name), encoding="utf-8") as f:
            assert f.read().strip() in secrets.known, name
    files = [f for f in glob.glob(os.path.join(reports, "**", "*"), recursive=True) if f.endswith(secrets_scan.REPORT_SUFFIXES)]
    assert any(f.endswith("report.html") for f in files) and any(f.endswith("report.json") for f in files), files
    assert secrets.scan_reports(reports) == []
