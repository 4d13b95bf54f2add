"""Microsoft.DBforPostgreSQL/flexibleServers: the control-plane rules (validation, documents, errors).

Sources: azure-rest-api-specs PostgreSQL ``stable/2024-08-01`` swagger and examples (ServerCreate.json, ServerGet.json,
ConfigurationListByServer.json, BackupListByServer.json, CheckNameAvailability*.json), the azure-cli ``rdbms`` validators
and /work/shared/reference/arm-data.md §2 (which names them). Unverified rules say so.
"""

import ipaddress
import re

from ...core import resource
from ...core.errors import AzureError

NS = "Microsoft.DBforPostgreSQL"
SERVER_TYPE = NS + "/flexibleServers"
DOMAIN = "postgres.database.azure.com"
# arm-data §2.3 (spec enum 11-16; 17 accepted by 2025 API versions).
VERSIONS = ("11", "12", "13", "14", "15", "16", "17")


def _family(prefix, suffix, sizes, mem, iops):
    return {f"Standard_{prefix}{n}{suffix}": (n, iops(n), mem(n)) for n in sizes}


def _scaled(per_core, cap):
    return lambda n: min(cap, per_core * n)


# SKUs per tier: name -> (vCores, supportedIops, supportedMemoryPerVcoreMb), as the capabilities API lists them
# (azure-rest-api-specs stable/2025-08-01/examples/CapabilitiesByLocationList.json); the create/update validation and
# GET .../locations/{loc}/capabilities (capabilities.py) both read this table. An unknown name answers as azure-cli's
# validator words it: "The SKU name does not exist in {tier} tier".
SKU_SPECS = {
    "Burstable": {
        "Standard_B1ms": (1, 640, 2048), "Standard_B2s": (2, 1280, 2048), "Standard_B2ms": (2, 1920, 4096), "Standard_B4ms": (4, 2880, 4096),
        "Standard_B8ms": (8, 4320, 4096), "Standard_B12ms": (12, 4320, 4096), "Standard_B16ms": (16, 4320, 4096),
        "Standard_B20ms": (20, 4320, 4096),
    },
    "GeneralPurpose": {
        **_family("D", "s_v3", (2, 4, 8, 16, 32, 48, 64), lambda n: 4096, _scaled(1600, 80000)),
        **_family("D", "ds_v4", (2, 4, 8, 16, 32, 48, 64), lambda n: 4096, _scaled(1600, 80000)),
        **_family("D", "ads_v5", (2, 4, 8, 16, 32, 48, 64, 96), lambda n: 4096, _scaled(1600, 80000)),
        **_family("D", "ds_v5", (2, 4, 8, 16, 32, 48, 64, 96), lambda n: 4096, lambda n: 3750 if n == 2 else min(80000, 1600 * n)),
    },
    "MemoryOptimized": {
        **_family("E", "s_v3", (2, 4, 8, 16, 32, 48, 64), lambda n: 6912 if n == 64 else 8192,
                  {2: 3200, 4: 6400, 8: 12800, 16: 25600, 32: 32000, 48: 51200, 64: 76800}.get),
        **_family("E", "ds_v4", (2, 4, 8, 16, 20, 32, 48, 64), lambda n: 6912 if n == 64 else 8192, _scaled(1600, 80000)),
        **_family("E", "ads_v5", (2, 4, 8, 16, 20, 32, 48, 64, 96), lambda n: 7168 if n == 96 else 8192,
                  lambda n: 3750 if n == 2 else min(80000, 1600 * n)),
        **_family("E", "ds_v5", (2, 4, 8, 16, 20, 32, 48, 64, 96), lambda n: 7168 if n == 96 else 8192,
                  lambda n: 3750 if n == 2 else min(80000, 1600 * n)),
    },
}
SKUS = {tier: tuple(names) for tier, names in SKU_SPECS.items()}
# Premium_LRS (ManagedDisk) sizes in GiB and the default performance tier of each: the capabilities examples list
# storageSizeMb 32768 ... 33553408 with defaultIopsTier P4 ... P80 (4095 GiB and 32767 GiB are the largest sizes of
# the P50 and P80 disks: Learn "Premium SSD" managed disk sizes).
STORAGE_TIERS = {32: "P4", 64: "P6", 128: "P10", 256: "P15", 512: "P20", 1024: "P30", 2048: "P40", 4095: "P50", 4096: "P50",
                 8192: "P60", 16384: "P70", 32767: "P80"}
IOPS = {"P4": 120, "P6": 240, "P10": 500, "P15": 1100, "P20": 2300, "P30": 5000, "P40": 7500, "P50": 7500, "P60": 16000,
        "P70": 18000, "P80": 20000}  # the capabilities examples' supportedIopsTiers (Learn "Premium SSD" figures)
NAME_RE = re.compile(r"^[a-z0-9][a-z0-9-]{1,61}[a-z0-9]$")
RULE_RE = re.compile(r"^[a-zA-Z0-9][-_a-zA-Z0-9]{0,79}$")  # azure-cli firewall rule validator (1-80, no trailing hyphen)
AZURE_SERVICES_ADDR = "127.0.0.2"  # azsim: the 0.0.0.0-0.0.0.0 "Azure services" rule admits this loopback address only


def server_id(sub, rg, name):
    return resource.provider_id(sub, rg, NS, f"flexibleServers/{name}")


def fqdn(name):
    return f"{name.lower()}.{DOMAIN}"


# -- errors ---------------------------------------------------------------------------------------------
def busy(name):
    # Text quoted in Azure/bicep-registry-modules#4451 and Azure/azure-cli#30459 (code ServerBusy).
    return AzureError(409, "ServerBusy", f"Server '{name}' is busy with another operation. Please try again later.")


def stopped(name):
    # turbot/steampipe-plugin-azure#1015: configuration calls on a stopped server answer 400 ServerStoppedError (text unverified).
    return AzureError(400, "ServerStoppedError", f"Server '{name}' is stopped. Start the server and try the operation again.")


def not_ready(name, state):
    # hashicorp/terraform-provider-azurerm#29219 quotes this service text (code ServerIsNotReady).
    return AzureError(400, "ServerIsNotReady", f"Restart or Stop Server can only be performed on Started servers. Sever Name = {name}, "
                                               f"Current Server State = {state}")


def invalid(message, code="InvalidParameterValue", target=None):
    return AzureError(400, code, message, target=target)


def parent_missing(name):
    # ARM's answer for a nested resource under a missing parent.
    return AzureError(404, "ParentResourceNotFound", f"Can not perform requested operation on nested resource. Parent resource '{name}' not found.")


# -- names ----------------------------------------------------------------------------------------------
def name_problem(name):
    """None when ``name`` is a valid server name, else the reason text (arm-data §2.4)."""
    if not isinstance(name, str) or not NAME_RE.match(name):
        return (f"Specified server name '{name}' is invalid. Server name must be 3 to 63 characters long, contain only lowercase "
                "letters, numbers and hyphens, and must not start or end with a hyphen.")  # text unverified
    return None


def name_taken(app, name):
    """Server names are global (DNS ``<name>.postgres.database.azure.com``): any resource group, any subscription."""
    n = name.lower()
    return any(d.get("type") == SERVER_TYPE and d["name"].lower() == n for _k, d in app.store.items(resource.TABLE, "/subscriptions/"))


def check_name(app, body):
    """checkNameAvailability (examples CheckNameAvailability.json / CheckNameAvailabilityLocationBased.json)."""
    if not isinstance(body, dict) or not body.get("name"):
        raise invalid("The name is required.", "InvalidParameterValue")  # unverified
    name, rtype = body["name"], body.get("type") or SERVER_TYPE
    out = {"name": name, "type": rtype}
    problem = name_problem(name)
    if problem:
        return {**out, "nameAvailable": False, "reason": "Invalid", "message": problem}
    if name_taken(app, name):
        return {**out, "nameAvailable": False, "reason": "AlreadyExists", "message": "Specified server name is already used."}
    return {**out, "nameAvailable": True, "message": ""}


# -- server validation ------------------------------------------------------------------------------------
def _sku(sku):
    if not isinstance(sku, dict) or not sku.get("name") or not sku.get("tier"):
        raise invalid("The SKU name and tier are required.", "InvalidSkuParameters")  # unverified text
    tier = next((t for t in SKUS if t.lower() == str(sku["tier"]).lower()), None)
    if tier is None:
        raise invalid(f"The tier '{sku['tier']}' is not supported. Allowed values: Burstable, GeneralPurpose, MemoryOptimized.",
                      "InvalidSkuTier")  # unverified
    name = next((n for n in SKUS[tier] if n.lower() == str(sku["name"]).lower()), None)
    if name is None:
        # azure-cli: "The SKU name does not exist in {tier} tier"; service code unverified.
        raise invalid(f"The SKU name '{sku['name']}' does not exist in {tier} tier.", "InvalidSkuName")
    return {"name": name, "tier": tier}


def _storage(storage, previous=None):
    s = dict(previous or {"storageSizeGB": 128, "autoGrow": "Disabled", "type": "Premium_LRS"})
    storage = storage or {}
    if "storageSizeGB" in storage and storage["storageSizeGB"] is not None:
        size = storage["storageSizeGB"]
        if not isinstance(size, int) or size not in STORAGE_TIERS:
            # azure-cli: "Allowed values (in GiB) : ..."; code unverified.
            raise invalid(f"Invalid storage size {size}. Allowed values (in GiB) : {', '.join(str(k) for k in STORAGE_TIERS)}.",
                          "InvalidStorageSize")
        if previous and size < previous["storageSizeGB"]:
            # arm-data §2.3: storage only grows ("Decrease of current storage size isn't supported"); code unverified.
            raise invalid("Decrease of current storage size isn't supported.", "StorageSizeDecreaseNotSupported")
        if not previous or size != previous["storageSizeGB"]:
            s["tier"] = STORAGE_TIERS[size]
        s["storageSizeGB"] = size
    if storage.get("autoGrow") is not None:
        if str(storage["autoGrow"]) not in ("Enabled", "Disabled"):
            raise invalid(f"Invalid value '{storage['autoGrow']}' for storage autoGrow. Allowed values: Enabled, Disabled.")
        s["autoGrow"] = storage["autoGrow"]
    if storage.get("tier"):
        s["tier"] = storage["tier"]
    s.setdefault("tier", STORAGE_TIERS[s["storageSizeGB"]])
    s["iops"] = IOPS.get(s["tier"], 500)
    return s


def _backup(backup, previous=None):
    b = dict(previous or {"backupRetentionDays": 7, "geoRedundantBackup": "Disabled"})
    backup = backup or {}
    if backup.get("backupRetentionDays") is not None:
        days = backup["backupRetentionDays"]
        if not isinstance(days, int) or not 7 <= days <= 35:
            # azure-cli rdbms: "Backup retention days ... Range is 7 to 35 days."; service code unverified.
            raise invalid(f"Invalid backup retention days {days}. Range is 7 to 35 days.", "InvalidBackupRetentionDays")
        b["backupRetentionDays"] = days
    geo = backup.get("geoRedundantBackup")
    if geo is not None:
        if geo not in ("Enabled", "Disabled"):
            raise invalid(f"Invalid value '{geo}' for geoRedundantBackup. Allowed values: Enabled, Disabled.")
        if previous and geo != previous.get("geoRedundantBackup"):
            # Swagger: geoRedundantBackup x-ms-mutability [create, read]; text unverified.
            raise invalid("Geo-redundant backup can only be configured when the server is created.", "GeoRedundantBackupUpdateNotSupported")
        b["geoRedundantBackup"] = geo
    return b


def _ha(ha, tier, previous=None):
    h = dict(previous or {"mode": "Disabled", "state": "NotEnabled"})
    ha = ha or {}
    mode = ha.get("mode")
    if mode is not None:
        m = next((x for x in ("Disabled", "ZoneRedundant", "SameZone") if x.lower() == str(mode).lower()), None)
        if m is None:
            raise invalid(f"Invalid high availability mode '{mode}'. Allowed values: Disabled, ZoneRedundant, SameZone.")
        h["mode"] = m
        h["state"] = "NotEnabled" if m == "Disabled" else "Healthy"
    if h["mode"] != "Disabled" and tier == "Burstable":
        # arm-data §2.3: "High availability is not supported for Burstable tier"; code unverified.
        raise invalid("High availability is not supported for Burstable tier.", "HighAvailabilityNotSupportedForBurstable")
    if h["mode"] == "ZoneRedundant":
        h["standbyAvailabilityZone"] = ha.get("standbyAvailabilityZone") or h.get("standbyAvailabilityZone") or "2"
    else:
        h.pop("standbyAvailabilityZone", None)
    return h


def validate_login(login, password):
    """Admin login and password rules (Learn "Create an Azure Database for PostgreSQL flexible server"; API codes unverified)."""
    if not isinstance(login, str) or not re.match(r"^[A-Za-z_][A-Za-z0-9_]{0,62}$", login) or login.lower().startswith("pg_") or \
            login.lower() in ("azure_superuser", "azure_pg_admin", "admin", "administrator", "root", "guest", "public", "azuresu"):
        raise invalid(f"The administrator login '{login}' is not valid. It can't be azure_superuser, azure_pg_admin, admin, administrator, "
                      "root, guest, public, or start with pg_.", "InvalidAdministratorLogin")
    validate_password(password, login)


def validate_password(password, login=""):
    classes = sum(bool(re.search(p, password or "")) for p in (r"[A-Z]", r"[a-z]", r"[0-9]", r"[^A-Za-z0-9]"))
    if not isinstance(password, str) or not 8 <= len(password) <= 128 or classes < 3 or (login and login.lower() in password.lower()):
        raise invalid("The password does not meet the complexity requirements: 8 to 128 characters from three of uppercase letters, "
                      "lowercase letters, numbers and non-alphanumeric characters, and must not contain the login name.",
                      "PasswordNotComplex")


def new_server(app, req, sub, rg, name, body, installed_major):
    """Validate a create (createMode Default/Create) and build the stored document (state Provisioning)."""
    props = body.get("properties") or {}
    sku = _sku(body.get("sku"))
    version = str(props.get("version") or "16")
    if version not in VERSIONS:
        raise invalid(f"The version '{version}' is not supported. Supported versions: {', '.join(VERSIONS)}.", "InvalidServerVersion")  # unverified
    validate_login(props.get("administratorLogin"), props.get("administratorLoginPassword"))
    doc = _base_doc(app, req, sub, rg, name, body, sku, version)
    p = doc["properties"]
    p["administratorLogin"] = props["administratorLogin"]
    p["storage"] = _storage(props.get("storage"))
    p["backup"] = _backup(props.get("backup"))
    p["highAvailability"] = _ha(props.get("highAvailability"), sku["tier"])
    if installed_major != version:
        doc["tags"] = {**doc["tags"], "azsim-actual-version": installed_major}
    return doc


def restored_server(app, req, sub, rg, name, body, source):
    """A PointInTimeRestore target: sku/storage/version/admin inherited from the source (arm-data §2.3)."""
    sp = source["properties"]
    doc = _base_doc(app, req, sub, rg, name, body, dict(source["sku"]), sp["version"])
    p = doc["properties"]
    p["administratorLogin"] = sp["administratorLogin"]
    p["storage"] = dict(sp["storage"])
    p["backup"] = {k: v for k, v in sp["backup"].items() if k != "earliestRestoreDate"}
    p["highAvailability"] = {"mode": "Disabled", "state": "NotEnabled"}
    p["sourceServerResourceId"] = source["id"]
    if "azsim-actual-version" in source.get("tags", {}):
        doc["tags"] = {**doc["tags"], "azsim-actual-version": source["tags"]["azsim-actual-version"]}
    return doc


def _base_doc(app, req, sub, rg, name, body, sku, version):
    from ...core import locations
    loc = locations.normalize(body.get("location"))
    if not loc:
        raise AzureError(400, "LocationRequired", "The location property is required for this definition.") if not body.get("location") else \
            AzureError(400, "LocationNotAvailableForResourceType",
                       f"The provided location '{body.get('location')}' is not available for resource type '{SERVER_TYPE}'.")
    props = body.get("properties") or {}
    net = props.get("network") or {}
    return {
        "id": server_id(sub, rg, name), "name": name, "type": SERVER_TYPE, "location": loc,
        "tags": resource.validate_tags(body.get("tags")), "sku": sku, "systemData": resource.system_data(app, req),
        "properties": {
            "version": version, "minorVersion": "0", "state": "Provisioning", "fullyQualifiedDomainName": fqdn(name),
            "authConfig": _auth_config(props.get("authConfig"), {"activeDirectoryAuth": "Disabled", "passwordAuth": "Enabled"}),
            "dataEncryption": {"type": "SystemManaged"},
            "network": {"publicNetworkAccess": net.get("publicNetworkAccess") or "Enabled"},
            "availabilityZone": str(props.get("availabilityZone") or "1"),
            "maintenanceWindow": {"customWindow": "Disabled", "dayOfWeek": 0, "startHour": 0, "startMinute": 0},
            "replicationRole": "Primary", "replicaCapacity": 5, "replica": {"role": "Primary", "capacity": 5},
        },
    }


def _auth_config(auth, previous):
    """AuthConfig (spec 2024-08-01: activeDirectoryAuth and passwordAuth Enabled|Disabled, tenantId; az postgres flexible-server
    update --microsoft-entra-auth/--password-auth). A server needs one way in: both disabled is refused (Learn "Microsoft Entra
    authentication": "PostgreSQL and Microsoft Entra authentication" or "Microsoft Entra authentication only"); texts unverified."""
    out = dict(previous)
    for key in ("activeDirectoryAuth", "passwordAuth"):
        value = (auth or {}).get(key)
        if value is None:
            continue
        norm = next((x for x in ("Enabled", "Disabled") if x.lower() == str(value).lower()), None)
        if norm is None:
            raise invalid(f"Invalid value '{value}' for authConfig {key}. Allowed values: Enabled, Disabled.")
        out[key] = norm
    if out["activeDirectoryAuth"] == "Disabled" and out["passwordAuth"] == "Disabled":
        raise invalid("At least one authentication method must be enabled: Microsoft Entra or password authentication.",
                      "InvalidAuthenticationConfiguration")
    if (auth or {}).get("tenantId"):
        out["tenantId"] = auth["tenantId"]
    return out


def _maintenance_window(window, previous):
    """MaintenanceWindow of a PATCH (spec 2024-08-01: customWindow string, dayOfWeek/startHour/startMinute int32, Sunday = 0;
    az postgres flexible-server update --maintenance-window "Sun:2:0"). Azure ignores it in a create (azurerm sets it with an
    update after the creation), which _base_doc does by never reading it. Range error texts unverified."""
    w = {**previous, **{k: v for k, v in window.items() if v is not None}}
    custom = next((x for x in ("Enabled", "Disabled") if x.lower() == str(w.get("customWindow")).lower()), None)
    if custom is None:
        raise invalid(f"Invalid value '{w.get('customWindow')}' for maintenanceWindow customWindow. Allowed values: Enabled, Disabled.")
    for key, top in (("dayOfWeek", 6), ("startHour", 23), ("startMinute", 59)):
        if not isinstance(w.get(key), int) or isinstance(w.get(key), bool) or not 0 <= w[key] <= top:
            raise invalid(f"Invalid value '{w.get(key)}' for maintenanceWindow {key}: it must be an integer from 0 to {top}.",
                          "InvalidMaintenanceWindow")
    w["customWindow"] = custom
    return w


def apply_patch(doc, body):
    """PATCH (ServerForPatch): returns (changes needing a restart, new password or None)."""
    props = body.get("properties") or {}
    p = doc["properties"]
    restart = False
    if "tags" in body and body["tags"] is not None:
        doc["tags"] = {**resource.validate_tags(body["tags"]), **({"azsim-actual-version": doc["tags"]["azsim-actual-version"]}
                                                                  if "azsim-actual-version" in doc.get("tags", {}) else {})}
    if body.get("sku"):
        sku = _sku({**doc["sku"], **body["sku"]})
        restart = sku != doc["sku"]
        doc["sku"] = sku
    if props.get("administratorLogin") and props["administratorLogin"] != p["administratorLogin"]:
        raise invalid("The administrator login cannot be changed.", "AdministratorLoginCannotBeChanged")  # swagger: create-only; text unverified
    if props.get("version") and str(props["version"]) != p["version"]:
        raise invalid("Major version upgrade is not supported by azsim.", "MajorVersionUpgradeNotSupported")  # azsim limitation
    p["storage"] = _storage(props.get("storage"), p["storage"])
    p["backup"] = _backup(props.get("backup"), {k: v for k, v in p["backup"].items() if k != "earliestRestoreDate"}) | \
        ({"earliestRestoreDate": p["backup"]["earliestRestoreDate"]} if "earliestRestoreDate" in p["backup"] else {})
    p["highAvailability"] = _ha(props.get("highAvailability"), doc["sku"]["tier"], p["highAvailability"])
    if props.get("maintenanceWindow"):
        p["maintenanceWindow"] = _maintenance_window(props["maintenanceWindow"], p["maintenanceWindow"])
    if props.get("authConfig"):
        p["authConfig"] = _auth_config(props["authConfig"], p["authConfig"])
    if (props.get("network") or {}).get("publicNetworkAccess"):
        p["network"]["publicNetworkAccess"] = props["network"]["publicNetworkAccess"]
    password = props.get("administratorLoginPassword")
    if password is not None:
        validate_password(password, p["administratorLogin"])
    return restart, password


# -- firewall rules ---------------------------------------------------------------------------------------
def firewall_rule(server, name, body):
    if not RULE_RE.match(name or "") or name.endswith("-"):
        raise invalid(f"The firewall rule name '{name}' is invalid.", "InvalidFirewallRuleName")  # azure-cli regex; text unverified
    props = (body or {}).get("properties") or {}
    try:
        start = ipaddress.IPv4Address(props.get("startIpAddress"))
        end = ipaddress.IPv4Address(props.get("endIpAddress"))
    except (ipaddress.AddressValueError, ValueError):
        raise invalid("The start and end IP addresses must be valid IPv4 addresses.", "InvalidIpAddress") from None  # unverified
    if end < start:
        raise invalid("The end IP address is smaller than the start IP address.", "InvalidFirewallRuleRange")  # arm-data §2.4
    return {"id": f"{server['id']}/firewallRules/{name}", "name": name, "type": SERVER_TYPE + "/firewallRules",
            "properties": {"startIpAddress": str(start), "endIpAddress": str(end)}}


def hba_networks(rules):
    """pg_hba client networks for the firewall rules: each start-end range as CIDRs; 0.0.0.0-0.0.0.0 ("allow Azure services",
    arm-data §2.5) becomes the loopback address Azure-hosted clients use in azsim (127.0.0.2)."""
    nets = []
    for r in rules:
        start, end = r["properties"]["startIpAddress"], r["properties"]["endIpAddress"]
        if start == end == "0.0.0.0":  # noqa: S104 - Azure's "allow Azure services" marker, not a bind address
            nets.append(f"{AZURE_SERVICES_ADDR}/32")
            continue
        for net in ipaddress.summarize_address_range(ipaddress.IPv4Address(start), ipaddress.IPv4Address(end)):
            nets.append(str(net))
    return list(dict.fromkeys(nets))


# -- databases --------------------------------------------------------------------------------------------
def database(server, name, body):
    if not isinstance(name, str) or not 1 <= len(name) <= 63:
        raise invalid(f"The database name '{name}' is invalid.", "InvalidDatabaseName")  # PostgreSQL identifier limit; text unverified
    props = (body or {}).get("properties") or {}
    return {"id": f"{server['id']}/databases/{name}", "name": name, "type": SERVER_TYPE + "/databases",
            "properties": {"charset": props.get("charset") or "UTF8", "collation": props.get("collation") or "en_US.utf8"}}
