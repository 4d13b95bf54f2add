"""What a deployed app sees when azsim, or a PostgreSQL cluster, goes away and comes back: the site processes are started
again and reach every flexible server by its FQDN exactly as before, whatever the start order, with nobody calling ARM in
between.  In Azure neither a platform restart of the app nor a restart of the server's PostgreSQL process changes the
server's name or what it resolves to (Microsoft Learn, "Overview of business continuity with Azure Database for
PostgreSQL - Flexible Server": unplanned downtime is recovered by restarting the server, the connection string is kept)."""

import os
import signal
import time
import uuid

from azsim.testing import Azsim
from azure.mgmt.postgresqlflexibleservers import PostgreSQLManagementClient
from azure.mgmt.resource.resources import ResourceManagementClient
from azure.mgmt.web import WebSiteManagementClient

from .test_kudu import GUNICORN, browser, deploy

PG_ADMIN, PG_PASSWORD = "pgadmin", "Sup3r-Secret!pw"
AZURE_SERVICES = {"properties": {"startIpAddress": "0.0.0.0", "endIpAddress": "0.0.0.0"}}  # noqa: S104 - Azure's marker, not a bind
BOUND = 45  # seconds a site may take to answer again after a restart (a cold start of gunicorn, a cluster's recovery)


def _db_answers(sim, host, bound=BOUND):
    """The site's /db answer once it is a 200 within ``bound`` seconds, else the last answer (for the assertion)."""
    deadline, last = time.time() + bound, None
    while time.time() < deadline:
        try:
            r = browser(sim).get(f"https://{host}/db", timeout=30)
            last = (r.status_code, r.text)
            if r.status_code == 200:
                return r.json()
        except OSError as exc:
            last = exc
        time.sleep(0.3)
    raise AssertionError(f"https://{host}/db did not answer 200 within {bound} s: {last}")


def _postmaster_pid(cluster_dir):
    with open(os.path.join(cluster_dir, "data", "postmaster.pid"), encoding="ascii") as f:
        return int(f.readline())


def test_sites_reach_their_servers_after_restarts_and_crashes(tmp_path, monkeypatch):
    state = str(tmp_path / "state")
    os.makedirs(state)
    sim = Azsim(state).start()
    monkeypatch.setenv("REQUESTS_CA_BUNDLE", sim.ca)
    monkeypatch.delenv("HTTPS_PROXY", raising=False)
    try:
        sim.client(ResourceManagementClient, "direct").resource_groups.create_or_update("rg", {"location": "westeurope"})
        pg = sim.client(PostgreSQLManagementClient, "direct")
        server = f"pg-{uuid.uuid4().hex[:8]}"
        pg.servers.begin_create_or_update("rg", server, {
            "location": "westeurope", "sku": {"name": "Standard_B1ms", "tier": "Burstable"},
            "properties": {"version": "15", "administratorLogin": PG_ADMIN, "administratorLoginPassword": PG_PASSWORD,
                           "storage": {"storageSizeGB": 32}}}, polling_interval=0).result()
        pg.firewall_rules.begin_create_or_update("rg", server, "AllowAllAzureServicesAndResourcesWithinAzureIps", AZURE_SERVICES,
                                                 polling_interval=0).result()
        web = sim.client(WebSiteManagementClient, "direct")
        plan = web.app_service_plans.begin_create_or_update("rg", "plan", {
            "location": "westeurope", "kind": "linux", "sku": {"name": "S1"}, "properties": {"reserved": True}}).result()
        hosts = []
        for i in range(2):  # two sites: the runtime starts several at once after a restart
            name = f"db-{i}-{uuid.uuid4().hex[:6]}"
            web.web_apps.begin_create_or_update("rg", name, {"location": "westeurope", "properties": {
                "serverFarmId": plan.id, "siteConfig": {"linuxFxVersion": "PYTHON|3.11", "appCommandLine": GUNICORN}}}).result()
            conn = f"host={server}.postgres.database.azure.com port=5432 dbname=postgres user={PG_ADMIN} password={PG_PASSWORD} sslmode=require"
            web.web_apps.update_connection_strings("rg", name, {"properties": {"erpdb": {"value": conn, "type": "PostgreSQL"}}})
            deploy(sim, name, f"v{i}")
            hosts.append(f"{name}.azurewebsites.net")
        for host in hosts:
            assert _db_answers(sim, host)["client_addr"] == "127.0.0.2"
        clusters = os.path.realpath(os.path.join(state, "postgresql"))
        (cluster_dir,) = [os.path.join(clusters, d) for d in os.listdir(clusters) if d.startswith(server)]

        # 1. A clean stop and start of azsim: no ARM call in between.
        sim.stop()
        sim = Azsim(state).start()
        seq = sim.last_seq()
        for host in hosts:
            assert _db_answers(sim, host)["client_addr"] == "127.0.0.2"

        # 2. kill -9 of azsim: its site processes die with it, the cluster is adopted.
        sim.kill(signal.SIGKILL)
        sim = Azsim(state).start()
        for host in hosts:
            assert _db_answers(sim, host)["client_addr"] == "127.0.0.2"

        # 3. The cluster's postmaster dies: the platform restarts it, the server stays Ready, the name still resolves.
        os.kill(_postmaster_pid(cluster_dir), signal.SIGKILL)
        for host in hosts:
            assert _db_answers(sim, host)["client_addr"] == "127.0.0.2"
        assert sim.client(PostgreSQLManagementClient, "direct").servers.get("rg", server).state == "Ready"
        writes = [r for r in sim.requests_since(seq) if r["method"] != "GET" and r["path"].lower().startswith("/subscriptions/")]
        assert not writes, writes
    finally:
        sim.stop()
