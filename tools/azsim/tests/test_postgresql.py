"""Microsoft.DBforPostgreSQL/flexibleServers against real PostgreSQL: official SDK clients for the control plane
(azure-mgmt-postgresqlflexibleservers 3.0.0, azure-mgmt-rdbms 10.1.1) and psycopg for the data side."""

import datetime as _dt
import time
import uuid

import psycopg
import pytest
from azure.core.exceptions import HttpResponseError, ResourceExistsError
from azure.mgmt.postgresqlflexibleservers import PostgreSQLManagementClient
from azure.mgmt.rdbms.postgresql_flexibleservers import PostgreSQLManagementClient as RdbmsClient
from azure.mgmt.resource.resources import ResourceManagementClient

ADMIN = "pgadmin"
PASSWORD = "Sup3r-Secret!pw"


def _server_body(**over):
    body = {"location": "westeurope", "sku": {"name": "Standard_D2s_v3", "tier": "GeneralPurpose"},
            "properties": {"createMode": "Create", "version": "15", "administratorLogin": ADMIN, "administratorLoginPassword": PASSWORD,
                           "storage": {"storageSizeGB": 128}, "backup": {"backupRetentionDays": 30, "geoRedundantBackup": "Disabled"},
                           "highAvailability": {"mode": "Disabled"}}}
    for k, v in over.items():
        if k in ("sku", "location"):
            body[k] = v
        else:
            body["properties"][k] = v
    return body


@pytest.fixture(scope="module")
def pg(azsim):
    """One Ready server for the module: (client, rg, name)."""
    rc = azsim.client(ResourceManagementClient, "direct")
    rg = f"rg-pg-{uuid.uuid4().hex[:6]}"
    rc.resource_groups.create_or_update(rg, {"location": "westeurope"})
    client = azsim.client(PostgreSQLManagementClient, "direct")
    name = f"pg-{uuid.uuid4().hex[:8]}"
    server = client.servers.begin_create_or_update(rg, name, _server_body()).result()
    yield client, rg, name, server
    client.servers.begin_delete(rg, name).result()  # removes the real cluster and its backups


def endpoint(azsim, name):
    host, port = azsim.admin("GET", "endpoints")[f"{name}.postgres.database.azure.com"].split(":")
    return host, int(port)


def connect(azsim, name, password=PASSWORD, sslmode="prefer", dbname="postgres", **kw):
    addr, port = endpoint(azsim, name)
    return psycopg.connect(host=f"{name}.postgres.database.azure.com", hostaddr=addr, port=port, user=ADMIN, password=password,
                           dbname=dbname, sslmode=sslmode, sslrootcert=azsim.ca, connect_timeout=5, autocommit=True, **kw)


def allow_local(client, rg, name):
    rule = {"properties": {"startIpAddress": "127.0.0.1", "endIpAddress": "127.0.0.1"}}
    client.firewall_rules.begin_create_or_update(rg, name, "local", rule).result()


@pytest.mark.parametrize("mode", ["direct", "proxy"])
def test_created_server_shape(azsim, pg, mode):
    _client, rg, name, created = pg
    client = azsim.client(PostgreSQLManagementClient, mode)
    s = client.servers.get(rg, name)
    assert created.state == "Ready" and s.state == "Ready"
    assert s.fully_qualified_domain_name == f"{name}.postgres.database.azure.com"
    assert s.version == "15" and s.sku.name == "Standard_D2s_v3" and s.sku.tier == "GeneralPurpose"
    assert s.storage.storage_size_gb == 128 and s.backup.backup_retention_days == 30
    assert s.administrator_login == ADMIN and s.administrator_login_password is None
    assert s.backup.earliest_restore_date is not None
    raw = azsim.session(mode).get(f"{azsim.arm(mode)}{s.id}", params={"api-version": "2024-08-01"}).json()
    assert "administratorLoginPassword" not in raw["properties"] and not any(k.startswith("_") for k in raw)
    assert name in [x.name for x in client.servers.list_by_resource_group(rg)]


def test_validation_errors(azsim, pg, resource_group):
    client, _rg, name, _s = pg
    cases = [
        ({"sku": {"name": "Standard_B1ms", "tier": "GeneralPurpose"}}, "does not exist in GeneralPurpose tier"),
        ({"storage": {"storageSizeGB": 100}}, "Allowed values"),
        ({"backup": {"backupRetentionDays": 40}}, "Range is 7 to 35 days"),
        ({"sku": {"name": "Standard_B1ms", "tier": "Burstable"}, "highAvailability": {"mode": "ZoneRedundant"}}, "Burstable"),
    ]
    for over, text in cases:
        with pytest.raises(HttpResponseError) as exc:
            client.servers.begin_create_or_update(resource_group, f"pgv-{uuid.uuid4().hex[:8]}", _server_body(**over))
        assert exc.value.status_code == 400 and text in exc.value.message
    with pytest.raises(ResourceExistsError) as exc:
        client.servers.begin_create_or_update(resource_group, name, _server_body())
    assert "Specified server name is already used." in exc.value.message
    with pytest.raises(HttpResponseError) as exc:
        client.servers.begin_update(_rg, name, {"properties": {"storage": {"storageSizeGB": 64}}})
    assert exc.value.status_code == 400 and "Decrease" in exc.value.message
    check = client.name_availability.check_globally({"name": name, "type": "Microsoft.DBforPostgreSQL/flexibleServers"})
    assert check.name_available is False and check.reason == "AlreadyExists"
    free = client.name_availability.check_with_location("westeurope", {"name": "free-" + name, "type": "Microsoft.DBforPostgreSQL/flexibleServers"})
    assert free.name_available is True


def test_firewall_refuses_then_admits(azsim, pg):
    client, rg, name, _s = pg
    with pytest.raises(psycopg.OperationalError) as exc:
        connect(azsim, name)
    assert 'no pg_hba.conf entry for host "127.0.0.1"' in str(exc.value)
    allow_local(client, rg, name)
    with connect(azsim, name) as conn:
        assert conn.execute("SELECT current_user").fetchone()[0] == ADMIN
    assert [r.name for r in client.firewall_rules.list_by_server(rg, name)] == ["local"]


def test_password_rotation(azsim, pg):
    client, rg, name, _s = pg
    new = "An0ther-Secret!pw"
    client.servers.begin_update(rg, name, {"properties": {"administratorLoginPassword": new}}).result()
    with pytest.raises(psycopg.OperationalError) as exc:
        connect(azsim, name, password=PASSWORD)
    assert "password authentication failed" in str(exc.value)
    with connect(azsim, name, password=new) as conn:
        conn.execute("SELECT 1")
    client.servers.begin_update(rg, name, {"properties": {"administratorLoginPassword": PASSWORD}}).result()
    assert client.servers.get(rg, name).state == "Ready"


def test_require_secure_transport(azsim, pg):
    client, rg, name, _s = pg
    c = client.configurations.get(rg, name, "require_secure_transport")
    assert c.value == "on" and c.source == "system-default" and c.data_type == "Boolean"
    client.configurations.begin_put(rg, name, "require_secure_transport", {"properties": {"value": "OFF", "source": "user-override"}}).result()
    with connect(azsim, name, sslmode="disable") as conn:
        conn.execute("SELECT 1")
    c = client.configurations.begin_put(rg, name, "require_secure_transport", {"properties": {"value": "on", "source": "user-override"}}).result()
    assert c.value == "on" and c.source == "user-override"
    with pytest.raises(psycopg.OperationalError) as exc:
        connect(azsim, name, sslmode="disable")
    assert "no encryption" in str(exc.value)
    with connect(azsim, name, sslmode="verify-full") as conn:
        assert conn.pgconn.ssl_in_use


def test_configurations_validation_and_restart(azsim, pg):
    client, rg, name, _s = pg
    with pytest.raises(HttpResponseError) as exc:
        client.configurations.begin_put(rg, name, "log_connections", {"properties": {"value": "maybe", "source": "user-override"}})
    assert exc.value.status_code == 400 and "on,off" in exc.value.message
    client.configurations.begin_put(rg, name, "work_mem", {"properties": {"value": "8192", "source": "user-override"}}).result()
    checkpoints = client.configurations.get(rg, name, "log_checkpoints")
    assert (checkpoints.value, checkpoints.default_value, checkpoints.is_dynamic_config) == ("on", "on", True)
    c = client.configurations.begin_put(rg, name, "max_connections", {"properties": {"value": "120", "source": "user-override"}}).result()
    assert c.is_config_pending_restart is True and c.is_dynamic_config is False
    with connect(azsim, name) as conn:
        assert conn.execute("SHOW work_mem").fetchone()[0] == "8MB"
        assert conn.execute("SHOW max_connections").fetchone()[0] == "100"
    client.servers.begin_restart(rg, name).result()
    assert client.configurations.get(rg, name, "max_connections").is_config_pending_restart is False
    with connect(azsim, name) as conn:
        assert conn.execute("SHOW max_connections").fetchone()[0] == "120"


def test_databases_with_rdbms_client(azsim, pg):
    _c, rg, name, _s = pg
    old = azsim.client(RdbmsClient, "direct")
    old.databases.begin_create(rg, name, "appdb", {"charset": "UTF8", "collation": "en_US.utf8"}).result()
    names = [d.name for d in old.databases.list_by_server(rg, name)]
    assert {"postgres", "azure_maintenance", "azure_sys", "appdb"} <= set(names)
    assert old.databases.get(rg, name, "appdb").collation == "en_US.utf8"
    with connect(azsim, name, dbname="appdb") as conn:
        conn.execute("CREATE TABLE t (x int)")
    old.databases.begin_delete(rg, name, "appdb").result()
    with connect(azsim, name) as conn:
        assert conn.execute("SELECT count(*) FROM pg_database WHERE datname = 'appdb'").fetchone()[0] == 0


def test_server_busy_on_parallel_mutation(azsim, pg, time_scale):
    client, rg, name, _s = pg
    time_scale(0.02)
    first = client.configurations.begin_put(rg, name, "log_disconnections", {"properties": {"value": "on", "source": "user-override"}})
    with pytest.raises(ResourceExistsError) as exc:
        client.configurations.begin_put(rg, name, "log_min_duration_statement", {"properties": {"value": "500", "source": "user-override"}})
    assert exc.value.error.code == "ServerBusy" and f"Server '{name}' is busy with another operation" in exc.value.message
    first.result()


def test_stop_start(azsim, pg):
    client, rg, name, _s = pg
    client.servers.begin_stop(rg, name).result()
    assert client.servers.get(rg, name).state == "Stopped"
    with pytest.raises(psycopg.OperationalError):
        connect(azsim, name)
    with pytest.raises(HttpResponseError) as exc:
        client.configurations.get(rg, name, "work_mem")
    assert exc.value.status_code == 400 and exc.value.error.code == "ServerStoppedError"
    client.servers.begin_start(rg, name).result()
    assert client.servers.get(rg, name).state == "Ready"
    with connect(azsim, name) as conn:
        conn.execute("SELECT 1")


def test_backups_and_point_in_time_restore(azsim, pg):
    client, rg, name, _s = pg
    listed = list(client.backups_automatic_and_on_demand.list_by_server(rg, name))
    assert listed and listed[0].backup_type == "Full" and listed[0].source == "Automatic" and listed[0].name.startswith("daily_")
    with connect(azsim, name) as conn:
        conn.execute("CREATE TABLE IF NOT EXISTS pitr (n int)")
        conn.execute("INSERT INTO pitr VALUES (1), (2)")
    time.sleep(1.0)
    mark = _dt.datetime.now(_dt.UTC)
    time.sleep(1.0)
    with connect(azsim, name) as conn:
        conn.execute("INSERT INTO pitr VALUES (3)")
    source_id = client.servers.get(rg, name).id
    with pytest.raises(HttpResponseError) as exc:
        client.servers.begin_create_or_update(rg, f"{name}-future", {"location": "westeurope", "properties": {
            "createMode": "PointInTimeRestore", "sourceServerResourceId": source_id,
            "pointInTimeUTC": (mark + _dt.timedelta(hours=1)).isoformat()}})
    assert exc.value.status_code == 400 and "future" in exc.value.message
    target = f"{name}-r"
    restored = client.servers.begin_create_or_update(rg, target, {"location": "westeurope", "properties": {
        "createMode": "PointInTimeRestore", "sourceServerResourceId": source_id, "pointInTimeUTC": mark.isoformat()}}).result()
    assert restored.state == "Ready" and restored.administrator_login == ADMIN
    allow_local(client, rg, target)
    with connect(azsim, target) as conn:
        assert [r[0] for r in conn.execute("SELECT n FROM pitr ORDER BY n")] == [1, 2]
        conn.execute("INSERT INTO pitr VALUES (9)")  # promoted: writable
    client.servers.begin_delete(rg, target).result()
    assert f"{target}.postgres.database.azure.com" not in azsim.admin("GET", "endpoints")


def test_endpoints_and_lro_headers(azsim, pg):
    client, rg, name, _s = pg
    eps = azsim.admin("GET", "endpoints")
    host, port = eps[f"{name}.postgres.database.azure.com"].split(":")
    assert host == "127.0.0.1" and int(port) > 0
    s = azsim.session("direct")
    url = f"{azsim.url}/subscriptions/{azsim.sub}/resourceGroups/{rg}/providers/Microsoft.DBforPostgreSQL/flexibleServers/{name}/restart"
    r = s.post(url, params={"api-version": "2024-08-01"})
    assert r.status_code == 202 and not r.content
    assert "/providers/Microsoft.DBforPostgreSQL/locations/westeurope/azureAsyncOperation/" in r.headers["Azure-AsyncOperation"]
    assert "/providers/Microsoft.DBforPostgreSQL/locations/westeurope/operationResults/" in r.headers["Location"]
    deadline = time.time() + 30
    while s.get(r.headers["Azure-AsyncOperation"]).json()["status"] == "InProgress" and time.time() < deadline:
        time.sleep(0.1)
    assert s.get(r.headers["Azure-AsyncOperation"]).json()["status"] == "Succeeded"


def test_maintenance_window_and_storage_auto_grow(azsim, pg):
    """The window is set by an update only (a create keeps the system-managed one); autoGrow by either."""
    client, rg, name, created = pg
    assert created.maintenance_window.custom_window == "Disabled" and created.storage.auto_grow == "Disabled"
    updated = client.servers.begin_update(rg, name, {"properties": {
        "maintenanceWindow": {"customWindow": "Enabled", "dayOfWeek": 0, "startHour": 2, "startMinute": 30},
        "storage": {"autoGrow": "Enabled"}}}).result()
    assert (updated.maintenance_window.custom_window, updated.maintenance_window.day_of_week, updated.maintenance_window.start_hour,
            updated.maintenance_window.start_minute) == ("Enabled", 0, 2, 30)
    assert updated.storage.auto_grow == "Enabled" and updated.storage.storage_size_gb == 128
    with pytest.raises(HttpResponseError) as exc:
        client.servers.begin_update(rg, name, {"properties": {"maintenanceWindow": {"customWindow": "Enabled", "startHour": 24}}})
    assert exc.value.status_code == 400 and "startHour" in exc.value.message
    back = client.servers.begin_update(rg, name, {"properties": {"maintenanceWindow": {"customWindow": "Disabled"},
                                                                 "storage": {"autoGrow": "Disabled"}}}).result()
    assert back.maintenance_window.custom_window == "Disabled" and back.storage.auto_grow == "Disabled"
