"""Sites really run what Kudu deploys: the app behind https://<site>.azurewebsites.net gets App Service's environment
(app settings, Key Vault references resolved with its identity, connection strings, WEBSITE_*) and front-end headers;
a swap exchanges what the host names serve; stop, start, restart, settings changes and crashes act on the process;
real traffic feeds the site's metrics; the app reaches a flexible server by its FQDN as an Azure service.  (That no site
process outlives azsim is in test_kudu.py, which has the time to spare.)"""

import json
import os
import signal
import tempfile
import time
import uuid

import psycopg
import pytest
from azure.keyvault.secrets import SecretClient
from azure.mgmt.keyvault import KeyVaultManagementClient
from azure.mgmt.monitor import MonitorManagementClient
from azure.mgmt.postgresqlflexibleservers import PostgreSQLManagementClient
from azure.mgmt.resource.resources import ResourceManagementClient
from azure.mgmt.web import WebSiteManagementClient

from .test_kudu import GUNICORN, alive, browser, deploy, env_of, wait_for

PG_ADMIN, PG_PASSWORD = "pgadmin", "Sup3r-Secret!pw"
AZURE_SERVICES = {"properties": {"startIpAddress": "0.0.0.0", "endIpAddress": "0.0.0.0"}}  # noqa: S104 - Azure's marker, not a bind


@pytest.fixture(scope="module")
def web(azsim):
    return azsim.client(WebSiteManagementClient, "proxy")


@pytest.fixture(scope="module")
def app(azsim, web):
    """A site with a system-assigned identity and a staging slot, a vault whose secret the identity may read, and
    app settings that use it; v1 runs in production, v2 in staging."""
    rg = f"rg-run-{uuid.uuid4().hex[:6]}"
    azsim.client(ResourceManagementClient, "proxy").resource_groups.create_or_update(rg, {"location": "westeurope"})
    plan = web.app_service_plans.begin_create_or_update(rg, f"plan-{uuid.uuid4().hex[:6]}", {
        "location": "westeurope", "kind": "linux", "sku": {"name": "S1"}, "properties": {"reserved": True}}).result()
    name = f"run-{uuid.uuid4().hex[:8]}"
    site = web.web_apps.begin_create_or_update(rg, name, {"location": "westeurope", "identity": {"type": "SystemAssigned"}, "properties": {
        "serverFarmId": plan.id, "httpsOnly": False, "siteConfig": {"linuxFxVersion": "PYTHON|3.11", "appCommandLine": GUNICORN}}}).result()
    vault = f"kv{uuid.uuid4().hex[:10]}"
    policies = [{"tenantId": azsim.tenant, "objectId": oid, "permissions": {"secrets": perms}}
                for oid, perms in ((azsim.principal("deployer")["object_id"], ["all"]), (site.identity.principal_id, ["get"]))]
    azsim.client(KeyVaultManagementClient, "proxy").vaults.begin_create_or_update(rg, vault, {"location": "westeurope", "properties": {
        "tenantId": azsim.tenant, "sku": {"family": "A", "name": "standard"}, "enableRbacAuthorization": False,
        "accessPolicies": policies}}, polling_interval=0).result()
    SecretClient(f"https://{vault}.vault.azure.net", azsim.credential("proxy")).set_secret("db-password", "from-the-vault")
    settings = {"SCM_DO_BUILD_DURING_DEPLOYMENT": "true", "GREETING": "production", "STICKY": "production-only",
                "DB_PASSWORD": f"@Microsoft.KeyVault(SecretUri=https://{vault}.vault.azure.net/secrets/db-password)",
                "BROKEN_REF": f"@Microsoft.KeyVault(VaultName={vault};SecretName=no-such-secret)"}
    web.web_apps.update_application_settings(rg, name, {"properties": settings})
    web.web_apps.update_slot_configuration_names(rg, name, {"properties": {"appSettingNames": ["STICKY"]}})
    web.web_apps.update_connection_strings(rg, name, {"properties": {"my-cache": {"value": "redis://cache", "type": "RedisCache"}}})
    web.web_apps.begin_create_or_update_slot(rg, name, "staging", {"location": "westeurope", "properties": {"serverFarmId": plan.id}}).result()
    web.web_apps.update_application_settings_slot(rg, name, "staging", {"properties": {
        "SCM_DO_BUILD_DURING_DEPLOYMENT": "true", "GREETING": "staging", "STICKY": "staging-only"}})
    deploy(azsim, name, "v1")
    deploy(azsim, f"{name}-staging", "v2")
    return {"rg": rg, "name": name, "plan": plan, "site": site, "vault": vault}


def test_the_app_sees_app_service_environment_and_headers(azsim, app):
    name = app["name"]
    t0 = time.time()
    got = env_of(azsim, f"{name}.azurewebsites.net")
    first = time.time() - t0
    env, headers = got["env"], got["headers"]
    assert got["version"] == "v1" and first < 30
    assert env["WEBSITE_SITE_NAME"] == name and env["WEBSITE_HOSTNAME"] == f"{name}.azurewebsites.net"
    assert env["GREETING"] == "production" and env["DB_PASSWORD"] == "from-the-vault"
    assert env["BROKEN_REF"].startswith("@Microsoft.KeyVault(VaultName=")  # unresolvable: the literal reference
    assert env["REDISCACHECONNSTR_mycache"] == "redis://cache"
    assert env["PORT"].isdigit() and len(env["WEBSITE_INSTANCE_ID"]) == 64 and env["HOME"].endswith("/home")
    assert got["cwd"].endswith("/wwwroot") and env["WEBSITE_RESOURCE_GROUP"] == app["rg"]
    assert headers["host"] == f"{name}.azurewebsites.net" and headers["x-forwarded-proto"] == "https"
    assert headers["x-arr-ssl"] and headers["x-original-url"] == "/env" and headers["x-forwarded-for"].startswith("127.0.0.1:")
    # Plain HTTP is served too while httpsOnly is off, and the app is told so.
    assert env_of(azsim, f"{name}.azurewebsites.net", "http")["headers"]["x-forwarded-proto"] == "http"
    r = browser(azsim).get(f"https://{name}.azurewebsites.net/cookies", timeout=30)
    assert r.headers["Set-Cookie"] == "a=1; Path=/, b=2; Path=/"  # both of the app's Set-Cookie headers
    missing = browser(azsim).get(f"https://{name}.azurewebsites.net/missing", timeout=30)
    assert missing.status_code == 404 and missing.json() == {"error": "no such page"}
    staging = env_of(azsim, f"{name}-staging.azurewebsites.net")
    assert staging["version"] == "v2" and staging["env"]["GREETING"] == "staging"
    assert staging["env"]["WEBSITE_HOSTNAME"] == f"{name}-staging.azurewebsites.net"


def test_swap_exchanges_what_the_host_names_serve(azsim, web, app):
    rg, name = app["rg"], app["name"]
    prod_before = env_of(azsim, f"{name}.azurewebsites.net")
    stage_before = env_of(azsim, f"{name}-staging.azurewebsites.net")
    web.web_apps.begin_swap_slot_with_production(rg, name, {"targetSlot": "staging", "preserveVnet": True}, polling_interval=0).result()
    prod = env_of(azsim, f"{name}.azurewebsites.net")
    stage = env_of(azsim, f"{name}-staging.azurewebsites.net")
    assert prod["version"] == "v2" and stage["version"] == "v1"
    # Non-sticky settings travel with the content, the sticky one stays; both apps restarted with their new environment.
    assert prod["env"]["GREETING"] == "staging" and prod["env"]["STICKY"] == "production-only"
    assert stage["env"]["GREETING"] == "production" and stage["env"]["STICKY"] == "staging-only"
    assert prod["pid"] not in (prod_before["pid"], stage_before["pid"]) and stage["pid"] not in (prod_before["pid"], stage_before["pid"])
    web.web_apps.begin_swap_slot_with_production(rg, name, {"targetSlot": "staging", "preserveVnet": True}, polling_interval=0).result()
    assert env_of(azsim, f"{name}.azurewebsites.net")["version"] == "v1"


def test_stop_start_restart_and_settings_act_on_the_process(azsim, web, app):
    rg, name = app["rg"], app["name"]
    host = f"{name}.azurewebsites.net"
    pid = env_of(azsim, host)["pid"]
    web.web_apps.stop(rg, name)
    r = browser(azsim).get(f"https://{host}/", timeout=30)
    assert r.status_code == 403 and "This web app is stopped" in r.text
    assert wait_for(lambda: not alive(pid), 15)
    web.web_apps.start(rg, name)
    started = env_of(azsim, host)
    assert started["pid"] != pid
    web.web_apps.restart(rg, name)
    restarted = env_of(azsim, host)
    assert restarted["pid"] != started["pid"]
    # Each container has its own /tmp, which goes with it: a restart starts with a new, empty one (temporary files are local
    # to an instance and not kept: projectkudu/kudu wiki "Understanding the Azure App Service file system").
    tmp = started["env"]["TMPDIR"]
    assert restarted["env"]["TMPDIR"] != tmp and tmp != tempfile.gettempdir() and os.path.isdir(restarted["env"]["TMPDIR"])
    assert wait_for(lambda: not os.path.exists(tmp), 15)
    assert env_of(azsim, f"{name}-staging.azurewebsites.net")["env"]["TMPDIR"] != restarted["env"]["TMPDIR"]
    settings = web.web_apps.list_application_settings(rg, name).properties
    web.web_apps.update_application_settings(rg, name, {"properties": {**settings, "GREETING": "changed"}})
    changed = env_of(azsim, host)
    assert changed["env"]["GREETING"] == "changed" and changed["pid"] != restarted["pid"]


def test_a_crashed_app_is_restarted(azsim, app):
    host = f"{app['name']}.azurewebsites.net"
    pid = env_of(azsim, host)["pid"]
    r = browser(azsim).get(f"https://{host}/crash", timeout=30)
    assert r.status_code == 502
    # gunicorn's master replaces the worker: the app answers again; kill the whole container to see App Service restart it.
    revived = wait_for(lambda: (r := browser(azsim).get(f"https://{host}/env", timeout=30)).status_code == 200 and r.json(), 20, 0.2)
    assert revived and revived["pgid"] == env_of(azsim, host)["pgid"]
    os.killpg(revived["pgid"], signal.SIGKILL)
    statuses = []

    def back():
        resp = browser(azsim).get(f"https://{host}/env", timeout=30)
        statuses.append(resp.status_code)
        return resp.json() if resp.status_code == 200 and resp.json()["pid"] != pid else None
    again = wait_for(back, 30, 0.2)
    assert again is not None and any(code in (502, 503) for code in statuses), statuses


def test_metrics_count_real_traffic(azsim, app):
    host = f"{app['name']}.azurewebsites.net"
    s = browser(azsim)
    for _unused in range(5):
        assert s.get(f"https://{host}/", timeout=30).status_code == 200
    for _unused in range(2):
        assert s.get(f"https://{host}/missing", timeout=30).status_code == 404
    monitor = azsim.client(MonitorManagementClient, "proxy")

    def counted():
        got = monitor.metrics.list(app["site"].id, metricnames="Requests,Http2xx,Http4xx,HttpResponseTime,BytesSent", timespan="PT10M",
                                   interval="PT1M", aggregation="Total,Average")
        totals = {m.name.value: sum(p.total or 0 for p in m.timeseries[0].data) for m in got.value}
        avg = [p.average for p in got.value[3].timeseries[0].data if p.average]
        return (totals, avg) if totals["Requests"] >= 7 and totals["Http4xx"] >= 2 else None
    result = wait_for(counted, 15, 0.5)
    assert result is not None
    totals, avg = result
    assert totals["Http2xx"] >= 5 and totals["BytesSent"] > 0 and avg and all(0 < a < 30 for a in avg)


def test_the_app_reaches_a_flexible_server_as_an_azure_service(azsim, web, app):
    rg, name = app["rg"], app["name"]
    pg = azsim.client(PostgreSQLManagementClient, "proxy")
    server = f"pg-{uuid.uuid4().hex[:8]}"
    pg.servers.begin_create_or_update(rg, server, {
        "location": "westeurope", "sku": {"name": "Standard_D2s_v3", "tier": "GeneralPurpose"},
        "properties": {"createMode": "Create", "version": "15", "administratorLogin": PG_ADMIN, "administratorLoginPassword": PG_PASSWORD,
                       "storage": {"storageSizeGB": 32}, "backup": {"backupRetentionDays": 7, "geoRedundantBackup": "Disabled"},
                       "highAvailability": {"mode": "Disabled"}}}, polling_interval=0).result()
    fqdn = f"{server}.postgres.database.azure.com"
    conn = f"host={fqdn} port=5432 dbname=postgres user={PG_ADMIN} password={PG_PASSWORD} sslmode=require"
    web.web_apps.update_connection_strings(rg, name, {"properties": {"erpdb": {"value": conn, "type": "PostgreSQL"}}})
    host = f"{name}.azurewebsites.net"
    # No rule admits Azure services yet (the forwarder for a new server appears within a second).

    def hba_refusal():
        body = browser(azsim).get(f"https://{host}/db", timeout=60).json()
        return body if "no pg_hba.conf entry" in body.get("error", "") else None
    refused = wait_for(hba_refusal, 15, 0.3)
    assert refused and 'host "127.0.0.2"' in refused["error"], refused
    pg.firewall_rules.begin_create_or_update(rg, server, "AllowAllAzureServicesAndResourcesWithinAzureIps", AZURE_SERVICES,
                                             polling_interval=0).result()
    got = browser(azsim).get(f"https://{host}/db", timeout=60).json()
    assert got == {"client_addr": "127.0.0.2", "user": PG_ADMIN, "ssl": True, "host": fqdn, "hostaddr": got["hostaddr"], "port": 5432}, got
    # The same address from this test process (an operator outside Azure) comes from 127.0.0.1: no rule admits it.
    with open(os.path.join(azsim.state_dir, "postgresql-azure-hosts.json"), encoding="utf-8") as f:
        addr = json.load(f)[fqdn]
    assert addr == got["hostaddr"]
    with pytest.raises(psycopg.OperationalError, match="no pg_hba.conf entry for host \"127.0.0.1\""):
        psycopg.connect(host=fqdn, hostaddr=addr, port=5432, user=PG_ADMIN, password=PG_PASSWORD, dbname="postgres", sslmode="require",
                        connect_timeout=10)
    pg.servers.begin_delete(rg, server, polling_interval=0).result()
