"""Microsoft.DBforPostgreSQL capabilities (CapabilitiesByLocation_List / LocationBasedCapabilities_Execute,
CapabilitiesByServer_List) and the server's minorVersion, through azure-mgmt-postgresqlflexibleservers 3.0.0 and
azure-mgmt-rdbms 10.1.1 (api 2021-06-01, the older shape)."""

import uuid

import psycopg
import pytest
from azure.core.exceptions import HttpResponseError, ResourceNotFoundError
from azure.mgmt.postgresqlflexibleservers import PostgreSQLManagementClient
from azure.mgmt.rdbms.postgresql_flexibleservers import PostgreSQLManagementClient as RdbmsClient

ADMIN = "pgadmin"
PASSWORD = "Sup3r-Secret!pw"


def test_location_capabilities(azsim, mode):
    client = azsim.client(PostgreSQLManagementClient, mode)
    caps = list(client.capabilities_by_location.list("westeurope"))
    assert len(caps) == 1 and caps[0].name == "FlexibleServerCapabilities"
    cap = caps[0]
    assert [v.name for v in cap.supported_server_versions] == ["11", "12", "13", "14", "15", "16", "17"]
    editions = {e.name: e for e in cap.supported_server_editions}
    assert set(editions) == {"Burstable", "GeneralPurpose", "MemoryOptimized"}
    skus = {s.name: s for e in editions.values() for s in e.supported_server_skus}
    b1 = skus["Standard_B1ms"]
    assert (b1.v_cores, b1.supported_memory_per_vcore_mb, b1.supported_iops) == (1, 2048, 640)
    assert b1.supported_ha_mode == []  # no HA in the Burstable tier
    d2 = skus["Standard_D2s_v3"]
    assert (d2.v_cores, d2.supported_memory_per_vcore_mb) == (2, 4096) and set(d2.supported_ha_mode) == {"SameZone", "ZoneRedundant"}
    assert skus["Standard_E2s_v3"].supported_memory_per_vcore_mb == 8192 and d2.supported_zones == ["1", "2", "3"]
    assert editions["GeneralPurpose"].default_sku_name == "Standard_D4ds_v5"
    storage = editions["GeneralPurpose"].supported_storage_editions[0]
    assert storage.name == "ManagedDisk"
    sizes = {m.storage_size_mb: m for m in storage.supported_storage_mb}
    assert 32768 in sizes and 131072 in sizes and max(sizes) == 32767 * 1024
    assert sizes[131072].default_iops_tier == "P10" and sizes[131072].supported_iops == 500
    assert [t.name for t in sizes[1048576].supported_iops_tiers] == ["P30", "P40", "P50"]
    assert cap.geo_backup_supported == "Enabled" and cap.zone_redundant_ha_supported == "Enabled"
    assert cap.storage_auto_growth_supported == "Enabled" and cap.restricted == "Disabled"


def test_capabilities_match_what_create_accepts(azsim, resource_group):
    """Every SKU the capabilities list passes the create validation; a name they do not list is refused."""
    client = azsim.client(PostgreSQLManagementClient, "direct")
    cap = next(iter(client.capabilities_by_location.list("westeurope")))
    body = {"location": "westeurope", "properties": {"createMode": "Create", "version": "15", "administratorLogin": ADMIN,
                                                     "administratorLoginPassword": PASSWORD, "storage": {"storageSizeGB": 100}}}
    for edition in cap.supported_server_editions:
        sku = edition.supported_server_skus[-1].name
        # storageSizeGB 100 is not offered, so a valid SKU gets as far as the storage check, an unlisted one stops before.
        with pytest.raises(HttpResponseError) as exc:
            client.servers.begin_create_or_update(resource_group, f"pgc-{uuid.uuid4().hex[:8]}", {**body, "sku": {"name": sku, "tier": edition.name}})
        assert "Allowed values" in exc.value.message
    with pytest.raises(HttpResponseError) as exc:
        client.servers.begin_create_or_update(resource_group, f"pgc-{uuid.uuid4().hex[:8]}",
                                              {**body, "sku": {"name": "Standard_D3s_v3", "tier": "GeneralPurpose"}})
    assert "does not exist in GeneralPurpose tier" in exc.value.message


def test_legacy_shape_through_rdbms(azsim, mode):
    client = azsim.client(RdbmsClient, mode)
    caps = list(client.location_based_capabilities.execute("westeurope"))
    assert caps[0].zone == "none" and caps[0].geo_backup_supported is True
    editions = {e.name: e for e in caps[0].supported_flexible_server_editions}
    gp = editions["GeneralPurpose"]
    assert [v.name for v in gp.supported_server_versions][-1] == "17"
    vcores = {v.name: v for v in gp.supported_server_versions[0].supported_vcores}
    assert vcores["Standard_D2s_v3"].v_cores == 2 and vcores["Standard_D2s_v3"].supported_memory_per_vcore_mb == 4096
    assert gp.supported_storage_editions[0].supported_storage_mb[0].storage_size_mb == 32768


def test_unknown_location(azsim):
    client = azsim.client(PostgreSQLManagementClient, "direct")
    with pytest.raises(HttpResponseError) as exc:
        list(client.capabilities_by_location.list("atlantis"))
    assert exc.value.status_code == 400


def test_minor_version_is_the_running_release(azsim, resource_group):
    client = azsim.client(PostgreSQLManagementClient, "direct")
    name = f"pgm-{uuid.uuid4().hex[:8]}"
    body = {"location": "westeurope", "sku": {"name": "Standard_B1ms", "tier": "Burstable"},
            "properties": {"createMode": "Create", "version": "15", "administratorLogin": ADMIN, "administratorLoginPassword": PASSWORD,
                           "storage": {"storageSizeGB": 32}}}
    client.servers.begin_create_or_update(resource_group, name, body).result()
    try:
        server = client.servers.get(resource_group, name)
        assert server.minor_version and server.minor_version.isdigit()
        rule = {"properties": {"startIpAddress": "127.0.0.1", "endIpAddress": "127.0.0.1"}}
        client.firewall_rules.begin_create_or_update(resource_group, name, "local", rule).result()
        host, port = azsim.admin("GET", "endpoints")[f"{name}.postgres.database.azure.com"].split(":")
        with psycopg.connect(host=f"{name}.postgres.database.azure.com", hostaddr=host, port=int(port), user=ADMIN, password=PASSWORD,
                             dbname="postgres", sslmode="verify-full", sslrootcert=azsim.ca, connect_timeout=5) as conn:
            running = conn.execute("SHOW server_version").fetchone()[0].split()[0]
        actual_major = server.tags.get("azsim-actual-version", server.version)
        assert running == f"{actual_major}.{server.minor_version}"
        caps = list(client.capabilities_by_server.list(resource_group, name))
        assert caps[0].name == "FlexibleServerCapabilities"
    finally:
        client.servers.begin_delete(resource_group, name).result()
    with pytest.raises(ResourceNotFoundError):
        list(client.capabilities_by_server.list(resource_group, name))
