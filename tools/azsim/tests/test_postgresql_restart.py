"""An acknowledged flexible server keeps working across azsim restarts (kill -9: the cluster is adopted; clean stop: the
cluster is stopped with azsim and started again with it)."""

import signal
import time
import uuid

import psycopg
from azsim.testing import Azsim
from azure.mgmt.postgresqlflexibleservers import PostgreSQLManagementClient
from azure.mgmt.resource.resources import ResourceManagementClient

PASSWORD = "Sup3r-Secret!pw"


def _query(sim, name):
    host, port = sim.admin("GET", "endpoints")[f"{name}.postgres.database.azure.com"].split(":")
    with psycopg.connect(host=f"{name}.postgres.database.azure.com", hostaddr=host, port=int(port), user="pgadmin", password=PASSWORD,
                         dbname="postgres", sslmode="verify-full", sslrootcert=sim.ca, connect_timeout=10) as conn:
        return conn.execute("SELECT count(*) FROM keep").fetchone()[0]


def test_server_survives_azsim_restarts(tmp_path, monkeypatch):
    sim = Azsim(str(tmp_path)).start()
    monkeypatch.setenv("REQUESTS_CA_BUNDLE", sim.ca)
    monkeypatch.delenv("HTTPS_PROXY", raising=False)
    try:
        sim.client(ResourceManagementClient, "direct").resource_groups.create_or_update("rg-keep", {"location": "westeurope"})
        client = sim.client(PostgreSQLManagementClient, "direct")
        name = f"pgkeep-{uuid.uuid4().hex[:8]}"
        client.servers.begin_create_or_update("rg-keep", name, {
            "location": "westeurope", "sku": {"name": "Standard_B1ms", "tier": "Burstable"},
            "properties": {"version": "16", "administratorLogin": "pgadmin", "administratorLoginPassword": PASSWORD,
                           "storage": {"storageSizeGB": 32}}}).result()
        assert client.servers.get("rg-keep", name).tags["azsim-actual-version"] == "15"
        rule = {"properties": {"startIpAddress": "127.0.0.1", "endIpAddress": "127.0.0.1"}}
        client.firewall_rules.begin_create_or_update("rg-keep", name, "local", rule).result()
        host, port = sim.admin("GET", "endpoints")[f"{name}.postgres.database.azure.com"].split(":")
        with psycopg.connect(host=host, port=int(port), user="pgadmin", password=PASSWORD, dbname="postgres", autocommit=True) as conn:
            conn.execute("CREATE TABLE keep AS SELECT 42 AS n")
        sim.kill(signal.SIGKILL)
        sim = Azsim(str(tmp_path)).start()
        assert _query(sim, name) == 1
        sim.stop()
        sim = Azsim(str(tmp_path)).start()
        client = sim.client(PostgreSQLManagementClient, "direct")
        assert client.servers.get("rg-keep", name).state == "Ready"
        for _unused in range(100):
            try:
                assert _query(sim, name) == 1
                break
            except psycopg.OperationalError:
                time.sleep(0.1)
        else:
            raise AssertionError("the cluster did not come back after a clean azsim restart")
        client.servers.begin_delete("rg-keep", name).result()
    finally:
        sim.stop()
