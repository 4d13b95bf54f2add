"""What the audit reads of a flexible server beyond its properties, through azure-mgmt-postgresqlflexibleservers 3.0.0:
Defender for open-source relational databases (``server_threat_protection_settings`` to set, ``advanced_threat_protection_settings``
to read: Disabled until set or until the subscription's plan is on, Enabled once set) and the Microsoft Entra administrators
(``administrators_microsoft_entra``); the Reader reads both and may change neither."""

import uuid

import pytest
from azure.core.exceptions import HttpResponseError, ResourceNotFoundError
from azure.mgmt.postgresqlflexibleservers import PostgreSQLManagementClient
from azure.mgmt.resource.resources import ResourceManagementClient
from azure.mgmt.security import SecurityCenter

BODY = {"location": "westeurope", "sku": {"name": "Standard_B1ms", "tier": "Burstable"},
        "properties": {"version": "15", "administratorLogin": "pgadmin", "administratorLoginPassword": "Sup3r-Secret!pw", "storage": {"storageSizeGB": 32}}}


@pytest.fixture(scope="module")
def server(azsim):
    rg = f"rg-atp-{uuid.uuid4().hex[:6]}"
    azsim.client(ResourceManagementClient, "direct").resource_groups.create_or_update(rg, {"location": "westeurope"})
    pg = azsim.client(PostgreSQLManagementClient, "direct")
    name = f"pgatp-{uuid.uuid4().hex[:6]}"
    body = {**BODY, "properties": {**BODY["properties"], "authConfig": {"activeDirectoryAuth": "Enabled", "passwordAuth": "Enabled"}}}
    made = pg.servers.begin_create_or_update(rg, name, body, polling_interval=0).result()
    yield pg, rg, name, made
    pg.servers.begin_delete(rg, name, polling_interval=0).result()


def test_threat_protection_setting(azsim, server):
    pg, rg, name, server = server
    reader = azsim.client(PostgreSQLManagementClient, "proxy", "auditor")
    got = reader.advanced_threat_protection_settings.get(rg, name, "Default")
    assert got.id == f"{server.id}/advancedThreatProtectionSettings/Default" and got.name == "Default"
    assert got.type == "Microsoft.DBforPostgreSQL/flexibleServers/advancedThreatProtectionSettings"
    assert got.properties.state == "Disabled"
    # The subscription's plan protects every server.
    sec = azsim.client(SecurityCenter, "direct")
    scope = f"subscriptions/{azsim.sub}"
    sec.pricings.update(scope, "OpenSourceRelationalDatabases", {"properties": {"pricingTier": "Standard"}})
    try:
        assert reader.advanced_threat_protection_settings.get(rg, name, "Default").properties.state == "Enabled"
    finally:
        sec.pricings.update(scope, "OpenSourceRelationalDatabases", {"properties": {"pricingTier": "Free"}})
    poller = pg.server_threat_protection_settings.begin_create_or_update(rg, name, "Default", {"properties": {"state": "Enabled"}})
    made = poller.result()
    assert made.properties.state == "Enabled" and made.properties.creation_time is not None
    assert [s.properties.state for s in reader.advanced_threat_protection_settings.list_by_server(rg, name)] == ["Enabled"]
    with pytest.raises(HttpResponseError) as exc:
        reader.server_threat_protection_settings.begin_create_or_update(rg, name, "Default", {"properties": {"state": "Disabled"}}).result()
    assert exc.value.status_code == 403
    with pytest.raises(HttpResponseError) as exc:
        pg.server_threat_protection_settings.begin_create_or_update(rg, name, "Default", {"properties": {"state": "On"}}).result()
    assert exc.value.status_code == 400


def test_entra_administrators(azsim, server):
    pg, rg, name, made = server
    reader = azsim.client(PostgreSQLManagementClient, "proxy", "auditor")
    assert list(reader.administrators_microsoft_entra.list_by_server(rg, name)) == []
    oid = str(uuid.uuid4())
    admin = pg.administrators_microsoft_entra.begin_create_or_update(rg, name, oid, {"properties": {
        "principalType": "Group", "principalName": "erp-dba"}}).result()
    assert admin.id == f"{made.id}/administrators/{oid}" and admin.name == "erp-dba"
    assert admin.type == "Microsoft.DBforPostgreSQL/flexibleServers/administrators"
    assert admin.properties.principal_type == "Group" and admin.properties.tenant_id == azsim.tenant and admin.properties.object_id == oid
    assert [a.properties.principal_name for a in reader.administrators_microsoft_entra.list_by_server(rg, name)] == ["erp-dba"]
    assert reader.administrators_microsoft_entra.get(rg, name, oid).properties.principal_type == "Group"
    with pytest.raises(HttpResponseError) as exc:
        reader.administrators_microsoft_entra.begin_delete(rg, name, oid).result()
    assert exc.value.status_code == 403
    pg.administrators_microsoft_entra.begin_delete(rg, name, oid).result()
    with pytest.raises(ResourceNotFoundError):
        pg.administrators_microsoft_entra.get(rg, name, oid)


def test_entra_authentication_turned_on_by_an_update(azsim, resource_group):
    """A server created with password authentication only takes an administrator once an update enables Entra; a server
    needs one way in, so disabling both is refused."""
    pg = azsim.client(PostgreSQLManagementClient, "direct")
    name = f"pgauth-{uuid.uuid4().hex[:6]}"
    made = pg.servers.begin_create_or_update(resource_group, name, BODY, polling_interval=0).result()
    try:
        assert made.auth_config.active_directory_auth == "Disabled" and made.auth_config.password_auth == "Enabled"
        oid = str(uuid.uuid4())
        with pytest.raises(HttpResponseError) as exc:
            pg.administrators_microsoft_entra.begin_create_or_update(resource_group, name, oid, {"properties": {
                "principalType": "Group", "principalName": "erp-dba"}}, polling_interval=0).result()
        assert exc.value.status_code == 400
        with pytest.raises(HttpResponseError) as exc:
            pg.servers.begin_update(resource_group, name, {"properties": {"authConfig": {"passwordAuth": "Disabled"}}},
                                    polling_interval=0).result()
        assert exc.value.status_code == 400 and "At least one authentication method" in exc.value.message
        on = pg.servers.begin_update(resource_group, name, {"properties": {"authConfig": {"activeDirectoryAuth": "Enabled"}}},
                                     polling_interval=0).result()
        assert on.auth_config.active_directory_auth == "Enabled" and on.auth_config.password_auth == "Enabled"
        admin = pg.administrators_microsoft_entra.begin_create_or_update(resource_group, name, oid, {"properties": {
            "principalType": "Group", "principalName": "erp-dba"}}, polling_interval=0).result()
        assert admin.name == "erp-dba"
    finally:
        pg.servers.begin_delete(resource_group, name, polling_interval=0).result()
