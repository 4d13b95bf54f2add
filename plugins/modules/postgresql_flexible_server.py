#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright: (c) 2026, erpops.azure contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import absolute_import, division, print_function

__metaclass__ = type

DOCUMENTATION = r"""
module: postgresql_flexible_server
short_description: Create, restore, update, start, stop or delete an Azure Database for PostgreSQL flexible server
version_added: 0.1.0
description:
  - Creates a PostgreSQL flexible server (C(Microsoft.DBforPostgreSQL/flexibleServers)), keeps its SKU, storage, backup
    retention, high availability, maintenance window and tags as asked, starts or stops it, or deletes it.
  - With O(create_mode=PointInTimeRestore) it creates the server as a point-in-time restore of another server's backups
    instead, the way the portal's Restore button does. The new server takes its SKU, storage, version, administrator and
    backup settings from the source, in the source's region; firewall rules are not restored, so add them afterwards.
  - Only the options you set are compared, so a second run with the same options changes nothing.
  - Rules Azure enforces are checked before any request, so a wrong value fails without touching the server.
    The SKU must belong to its tier, storage only grows, geo-redundant backup and the administrator login are fixed
    at creation, and high availability is not offered on the Burstable tier.
  - The administrator password is write-only. Azure never returns it, so it cannot be compared. It is sent when
    the server is created, and on every run with O(update_password=always).
author:
  - erpops.azure maintainers (@erpops)
options:
  name:
    description:
      - Name of the server, 3-63 lowercase letters, digits and hyphens. It is part of the host name
        C(<name>.postgres.database.azure.com), so it is unique across all of Azure.
    type: str
    required: true
  resource_group:
    description: Resource group of the server.
    type: str
    required: true
  location:
    description: Azure region (C(westeurope), C(West Europe)). Required to create the server; a server cannot move.
    type: str
  version:
    description: PostgreSQL major version. Set at creation; changing it later is refused.
    type: str
    choices: ['11', '12', '13', '14', '15', '16', '17']
  sku:
    description:
      - Compute size. Required to create the server.
      - The name must belong to the tier. Burstable uses C(Standard_B*), GeneralPurpose C(Standard_D*) and
        MemoryOptimized C(Standard_E*).
    type: dict
    suboptions:
      name:
        description: SKU name, for example C(Standard_D2s_v3).
        type: str
        required: true
      tier:
        description: Pricing tier.
        type: str
        required: true
        choices: [Burstable, GeneralPurpose, MemoryOptimized]
  storage_size_gb:
    description:
      - Storage size in GiB (C(properties.storage.storageSizeGB)), one of the steps the region's capabilities list, from 32
        GiB to 32767 GiB (the P80 disk); 4095 and 4096 are both offered. Storage can grow but never shrink.
        A smaller value than the server has is refused before any request.
    type: int
    choices: [32, 64, 128, 256, 512, 1024, 2048, 4095, 4096, 8192, 16384, 32767]
  storage_auto_grow:
    description:
      - Grow the storage by itself before it fills up (C(properties.storage.autoGrow)). Azure grows it one step when the free
        space falls under 10 % (20 % up to 64 GiB), never shrinks it, and bills the larger size.
    type: bool
  backup_retention_days:
    description: Days automatic backups are kept, 7 to 35.
    type: int
  geo_redundant_backup:
    description:
      - Keep backups in the paired region too. Azure only lets you set this when the server is created,
        so a change on an existing server is refused.
    type: bool
  high_availability:
    description:
      - High availability mode (C(properties.highAvailability.mode)). The Burstable tier does not offer it.
    type: str
    choices: [Disabled, ZoneRedundant, SameZone]
  maintenance_window:
    description:
      - When Azure may patch and restart the server (C(properties.maintenanceWindow)), a one-hour window a week, in UTC. Azure
        announces each maintenance five days ahead.
      - Azure takes the window only from an update, never when it creates a server. For a new server the module creates it,
        waits for the creation, then sets the window, so with O(wait=false) the creation is awaited and the window's update
        is the RV(operation) returned.
      - Unset leaves the window as it is.
    type: dict
    suboptions:
      custom_window:
        description: V(true) for this window; V(false) lets Azure choose one between 11 PM and 7 AM of the region's time.
        type: bool
        default: true
      day_of_week:
        description: Day the window starts, C(0) for Sunday to C(6) for Saturday.
        type: int
        default: 0
        choices: [0, 1, 2, 3, 4, 5, 6]
      start_hour:
        description: Hour the window starts, 0 to 23, UTC.
        type: int
        default: 0
      start_minute:
        description: Minute the window starts, 0 to 59.
        type: int
        default: 0
  authentication:
    description:
      - How clients may log in (C(properties.authConfig)). Unset leaves it as it is; a new server takes passwords only.
      - Microsoft Entra administrators (M(erpops.azure.postgresql_flexible_server_administrator)) can be added only once
        O(authentication.microsoft_entra=true).
    type: dict
    suboptions:
      microsoft_entra:
        description: Accept Microsoft Entra tokens (C(activeDirectoryAuth)).
        type: bool
      password:
        description: Accept PostgreSQL passwords (C(passwordAuth)). At least one of the two must stay on.
        type: bool
  administrator_login:
    description:
      - Name of the administrator role, for example C(erpadmin). Set at creation; a different value later is refused.
      - Give the plain role name. The C(user@server) form was only used by the retired Single Server, and it is refused here.
    type: str
  administrator_login_password:
    description:
      - Password of the administrator. Required to create the server. Never logged, returned or compared.
    type: str
  update_password:
    description:
      - V(on_create) sends O(administrator_login_password) only when the server is created.
      - V(always) sends it on every run and reports a change, because Azure never returns the password to compare.
    type: str
    default: on_create
    choices: [on_create, always]
  tags:
    description: Tags of the server.
    type: dict
  purge_tags:
    description: Remove tags not listed in O(tags). With V(false), O(tags) are added to the existing ones.
    type: bool
    default: true
  create_mode:
    description:
      - How the server is created when it does not exist (C(properties.createMode)).
      - V(Default) creates an empty server from the options of this task.
      - V(PointInTimeRestore) creates it from the backups of O(source_server) or O(source_server_resource_id), as the data
        was at O(point_in_time_utc). Options the restored server takes from its source or from Azure's defaults (O(sku),
        O(version), O(storage_size_gb), O(storage_auto_grow), O(backup_retention_days), O(geo_redundant_backup),
        O(high_availability), O(maintenance_window), O(authentication), O(administrator_login), O(administrator_login_password))
        are refused; change them in a later task once the server exists.
      - A server that already exists is never restored again. The task changes nothing and warns, because Azure does not
        say which backup an existing server came from. Delete it first (O(state=absent)) to restore afresh.
      - Azure's other create modes (C(GeoRestore), C(Replica), C(ReviveDropped)) are not supported by this module.
    type: str
    default: Default
    choices: [Default, PointInTimeRestore]
  source_server:
    description:
      - With O(create_mode=PointInTimeRestore), the name of the server to restore, in O(resource_group).
      - Use O(source_server_resource_id) for a server of another resource group or subscription.
    type: str
  source_server_resource_id:
    description:
      - With O(create_mode=PointInTimeRestore), the resource ID of the server to restore (C(properties.sourceServerResourceId)),
        C(/subscriptions/<id>/resourceGroups/<group>/providers/Microsoft.DBforPostgreSQL/flexibleServers/<name>).
    type: str
    aliases: [source_server_id]
  point_in_time_utc:
    description:
      - With O(create_mode=PointInTimeRestore), the moment whose data the new server gets (C(properties.pointInTimeUTC)), in
        ISO 8601, for example C(2026-05-01T06:30:00Z). A time without an offset is read as UTC, and other offsets are converted.
      - It must lie between the source's earliest restore date (C(properties.backup.earliestRestoreDate), the oldest backup
        kept) and now. Both rules are checked against the source server and Azure's clock before anything is created.
      - Unset, the latest restore point is used, which is now by Azure's clock (the C(Date) of its answer), as the portal's
        "Latest restore point (Now)" does.
    type: str
  power_state:
    description:
      - Start or stop the server. Unset leaves it as it is.
      - A stopped server does not accept changes; with V(started) the server is started before other changes are sent,
        with V(stopped) it is stopped after them.
    type: str
    choices: [started, stopped]
  state:
    description: Whether the server should exist. Deleting a server deletes its databases and backups.
    type: str
    default: present
    choices: [present, absent]
extends_documentation_fragment:
  - erpops.azure.attributes
  - erpops.azure.azure
  - erpops.azure.azure.wait
attributes:
  check_mode:
    support: full
  diff_mode:
    support: full
    details: The administrator password is shown as C(********) in the diff.
notes:
  - Creating or restoring a server takes several minutes in Azure. With O(wait=false) the module returns an RV(operation) to pass to
    M(erpops.azure.operation_wait). When a run needs several operations, for example a start followed by an update,
    it awaits each one except the last.
"""

EXAMPLES = r"""
- name: Create the ERP database server
  erpops.azure.postgresql_flexible_server:
    name: erp-postgres-prod
    resource_group: erp-supermarket-production-rg
    location: West Europe
    version: "15"
    sku:
      name: Standard_D2s_v3
      tier: GeneralPurpose
    storage_size_gb: 128
    backup_retention_days: 30
    administrator_login: erpadmin
    administrator_login_password: "{{ erp_db_admin_password }}"
    tags:
      application: erp

- name: Rotate the administrator password
  erpops.azure.postgresql_flexible_server:
    name: erp-postgres-prod
    resource_group: erp-supermarket-production-rg
    administrator_login_password: "{{ erp_db_admin_password_new }}"
    update_password: always

- name: Stop the server for the night
  erpops.azure.postgresql_flexible_server:
    name: erp-postgres-prod
    resource_group: erp-supermarket-production-rg
    power_state: stopped

- name: Restore last night's data into a temporary server for the restore drill
  erpops.azure.postgresql_flexible_server:
    name: erp-postgres-drill
    resource_group: erp-supermarket-production-rg
    create_mode: PointInTimeRestore
    source_server: erp-postgres-prod
    point_in_time_utc: "2026-05-01T02:00:00Z"
    tags:
      purpose: restore-drill
  register: drill_server

- name: Delete the temporary server
  erpops.azure.postgresql_flexible_server:
    name: erp-postgres-drill
    resource_group: erp-supermarket-production-rg
    state: absent
"""

RETURN = r"""
server:
  description: The server as Azure returns it (never with the password); empty when it was deleted.
  returned: always
  type: dict
  sample:
    id: /subscriptions/.../resourceGroups/erp-supermarket-production-rg/providers/Microsoft.DBforPostgreSQL/flexibleServers/erp-postgres-prod
    name: erp-postgres-prod
    location: westeurope
    sku: {name: Standard_D2s_v3, tier: GeneralPurpose}
    properties:
      version: "15"
      state: Ready
      administratorLogin: erpadmin
      fullyQualifiedDomainName: erp-postgres-prod.postgres.database.azure.com
      storage: {storageSizeGB: 128, autoGrow: Disabled, tier: P10}
      backup: {backupRetentionDays: 30, geoRedundantBackup: Disabled}
      highAvailability: {mode: Disabled, state: NotEnabled}
restore:
  description: The point-in-time restore this task did, or would do in check mode.
  returned: with O(create_mode=PointInTimeRestore) and O(state=present)
  type: dict
  contains:
    restored:
      description: Whether the server was restored by this task. It is V(false) when the server already existed.
      type: bool
      returned: always
    source_server_resource_id:
      description: The resource ID of the source server.
      type: str
      returned: always
    point_in_time_utc:
      description: The restore point sent to Azure, or the one asked when the server already existed.
      type: str
      returned: always
    earliest_restore_date:
      description: The source's earliest restore date when the restore was asked for.
      type: str
      returned: when restored
  sample:
    restored: true
    source_server_resource_id: /subscriptions/.../resourceGroups/erp-rg/providers/Microsoft.DBforPostgreSQL/flexibleServers/erp-postgres-prod
    point_in_time_utc: "2026-05-01T02:00:00.000000Z"
    earliest_restore_date: "2026-04-03T02:05:11.0000000Z"
operation:
  description: The last operation started, when O(wait=false); pass it to M(erpops.azure.operation_wait).
  returned: when an operation was started and not awaited
  type: dict
"""

import copy
import datetime
import re

from ansible_collections.erpops.azure.plugins.module_utils import reconcile, timestamps
from ansible_collections.erpops.azure.plugins.module_utils.module import AzureModule, Resource
from ansible_collections.erpops.azure.plugins.module_utils.plan import identity

API_VERSION = "2024-08-01"
RESTORE = "PointInTimeRestore"
# What a point-in-time restore takes from its source (REST spec example ServersCreatePointInTimeRestore.json sends only
# location, createMode, sourceServerResourceId and pointInTimeUTC; Learn "Backup and restore": the new server has the
# source's configuration, in the source's region).
INHERITED = ("version", "sku", "storage_size_gb", "storage_auto_grow", "backup_retention_days", "geo_redundant_backup",
             "high_availability", "maintenance_window", "authentication", "administrator_login", "administrator_login_password")
RESTORE_OPTIONS = ("source_server", "source_server_resource_id", "point_in_time_utc")
SERVER_ID = re.compile(r"^/subscriptions/[^/]+/resourceGroups/[^/]+/providers/Microsoft\.DBforPostgreSQL/flexibleServers/[^/]+$", re.I)
# The Date header has whole seconds: a point within a second of it is not "in the future".
CLOCK_SLACK = datetime.timedelta(seconds=1)
SKU_PREFIX = {"Burstable": "Standard_B", "GeneralPurpose": "Standard_D", "MemoryOptimized": "Standard_E"}
SECRET_KEYS = ("administratorLoginPassword",)
SEND_ALWAYS = "always"  # update_password value: send the write-only password on every run
PATH = "/subscriptions/%s/resourceGroups/%s/providers/Microsoft.DBforPostgreSQL/flexibleServers/%s"


def _public(doc):
    """A copy without any password, for results and operation handles."""
    return reconcile.redact(doc, secret_keys=SECRET_KEYS) if doc is not None else None


def _validate(az, p, current):
    """Every rule that can be checked here fails before any request."""
    sku = p["sku"]
    if sku and not sku["name"].lower().startswith(SKU_PREFIX[sku["tier"]].lower()):
        az.fail("sku.name %s does not belong to tier %s: %s uses %s* sizes (Burstable Standard_B*, GeneralPurpose Standard_D*, "
                "MemoryOptimized Standard_E*)" % (sku["name"], sku["tier"], sku["tier"], SKU_PREFIX[sku["tier"]]))
    days = p["backup_retention_days"]
    if days is not None and not 7 <= days <= 35:
        az.fail("backup_retention_days must be between 7 and 35, got %d" % days)
    auth = p["authentication"]
    if auth and auth["microsoft_entra"] is False and auth["password"] is False:
        az.fail("authentication must leave a way in: microsoft_entra and password cannot both be false")
    window = p["maintenance_window"]
    if window and not (0 <= window["start_hour"] <= 23 and 0 <= window["start_minute"] <= 59):
        az.fail("maintenance_window must start at a time of day: start_hour 0 to 23 and start_minute 0 to 59 (UTC), got %s:%s"
                % (window["start_hour"], window["start_minute"]))
    login = p["administrator_login"]
    if login and "@" in login:
        az.fail("administrator_login must be the plain role name (for example %s): the user@server form belonged to the retired "
                "Single Server and is not accepted by flexible servers" % login.split("@", 1)[0])
    tier = sku["tier"] if sku else ((current or {}).get("sku") or {}).get("tier")
    if p["high_availability"] not in (None, "Disabled") and tier == "Burstable":
        az.fail("high_availability %s is not available on the Burstable tier; use GeneralPurpose or MemoryOptimized, or Disabled"
                % p["high_availability"])
    if current is None:
        missing = [k for k in ("location", "sku", "administrator_login", "administrator_login_password") if not p[k]]
        if missing:
            az.fail("%s required to create server %s" % (", ".join(missing) + (" is" if len(missing) == 1 else " are"), p["name"]))
        return
    props = current.get("properties") or {}
    if p["location"] and reconcile.norm_location(p["location"]) != reconcile.norm_location(current.get("location")):
        az.fail("server %s is in %s; a server cannot move to %s" % (p["name"], current.get("location"), p["location"]))
    size = (props.get("storage") or {}).get("storageSizeGB")
    if p["storage_size_gb"] is not None and size and p["storage_size_gb"] < size:
        az.fail("storage_size_gb cannot shrink: server %s has %d GiB and Azure only grows storage (asked %d)"
                % (p["name"], size, p["storage_size_gb"]))
    geo = (props.get("backup") or {}).get("geoRedundantBackup")
    if p["geo_redundant_backup"] is not None and geo and (geo == "Enabled") != p["geo_redundant_backup"]:
        az.fail("geo_redundant_backup can only be set when the server is created (server %s has it %s); create a new server "
                "or restore into one to change it" % (p["name"], geo))
    if login and props.get("administratorLogin") and login != props["administratorLogin"]:
        az.fail("administrator_login can only be set when the server is created (server %s has %s)" % (p["name"], props["administratorLogin"]))
    if p["version"] and props.get("version") and str(props["version"]) != p["version"]:
        az.fail("version can only be set when the server is created (server %s runs %s, asked %s)" % (p["name"], props["version"], p["version"]))


def _validate_restore_args(az, p):
    """The restore options alone, before any request: (source id or None, point or None)."""
    if p["create_mode"] != RESTORE:
        given = [k for k in RESTORE_OPTIONS if p[k]]
        if given:
            az.fail("%s only apply with create_mode=PointInTimeRestore" % ", ".join(given))
        return None, None
    inherited = [k for k in INHERITED if p[k] is not None]
    if inherited:
        az.fail("%s cannot be set with create_mode=PointInTimeRestore: a restored server takes them from its source server; "
                "leave them unset and change what Azure allows in a later task" % ", ".join(inherited))
    source = p["source_server_resource_id"]
    if not source and not p["source_server"]:
        az.fail("create_mode=PointInTimeRestore needs the server to restore: source_server (a server of resource group %s) "
                "or source_server_resource_id" % p["resource_group"])
    if source and not SERVER_ID.match(source.rstrip("/")):
        az.fail("source_server_resource_id must be the resource ID of a flexible server, /subscriptions/<id>/resourceGroups/<group>"
                "/providers/Microsoft.DBforPostgreSQL/flexibleServers/<name>, got %s" % source)
    point = None
    if p["point_in_time_utc"]:
        point = timestamps.parse_utc(p["point_in_time_utc"])
        if point is None:
            az.fail("point_in_time_utc must be an ISO 8601 time such as 2026-05-01T06:30:00Z, got %s" % p["point_in_time_utc"])
    return (source.rstrip("/") if source else None), point


def _restore_plan(az, p, source_id, point):
    """Read the source and check the restore point against its window and Azure's clock; (body, predicted, restore)."""
    status, headers, source = az.arm.request("GET", source_id, API_VERSION, expect=(200, 404))
    label = source_id.rsplit("/", 1)[-1]
    if status == 404 or not isinstance(source, dict):
        az.fail("source server %s not found (%s); nothing was created" % (label, source_id))
    now = timestamps.service_now(headers)
    props = source.get("properties") or {}
    backup = props.get("backup") or {}
    earliest = timestamps.parse_utc(backup.get("earliestRestoreDate"))
    if earliest is None:
        az.fail("source server %s has no backup to restore yet (no earliestRestoreDate); Azure takes the first one minutes after "
                "the server is created" % label)
    if point is None:
        # The latest restore point; a source whose first backup completed within the Date header's second restores from it.
        point = max(now, earliest)
    elif point > now + CLOCK_SLACK:
        az.fail("point_in_time_utc %s is in the future (Azure's time is %s); restore a time between the earliest restore date %s "
                "and now, or leave it unset for the latest restore point"
                % (timestamps.format_utc(point), timestamps.format_utc(now), timestamps.format_utc(earliest)))
    elif point < earliest:
        first = timestamps.format_utc(earliest)
        az.fail("point_in_time_utc %s is before the earliest restore date %s of server %s (its backups are kept %s days); restore "
                "a time between %s and now" % (timestamps.format_utc(point), first, label, backup.get("backupRetentionDays"), first))
    if p["location"] and reconcile.norm_location(p["location"]) != reconcile.norm_location(source.get("location")):
        az.fail("a point-in-time restore creates the server in the region of its source (%s is in %s), not in %s; leave location "
                "unset" % (label, source.get("location"), p["location"]))
    body = {"location": source.get("location"),
            "properties": {"createMode": RESTORE, "sourceServerResourceId": source.get("id") or source_id,
                           "pointInTimeUTC": timestamps.format_utc(point)}}
    if p["tags"]:
        body["tags"] = dict(p["tags"])
    inherited = dict((k, copy.deepcopy(props[k])) for k in ("version", "administratorLogin", "storage") if k in props)
    inherited["backup"] = dict((k, v) for k, v in backup.items() if k != "earliestRestoreDate")
    inherited["state"] = "Ready"
    predicted = reconcile.merge({"name": p["name"], "sku": source.get("sku"), "properties": inherited}, body)
    restore = {"restored": True, "source_server_resource_id": body["properties"]["sourceServerResourceId"],
               "point_in_time_utc": body["properties"]["pointInTimeUTC"], "earliest_restore_date": backup.get("earliestRestoreDate")}
    return body, predicted, restore


def _wanted(p, current):
    """What must match: only the options the user set."""
    tags = reconcile.tags_wanted((current or {}).get("tags"), p["tags"], p["purge_tags"])
    geo = _enabled(p["geo_redundant_backup"])
    window = p["maintenance_window"]
    return {
        "location": p["location"], "tags": tags, "sku": dict(p["sku"]) if p["sku"] else None,
        "properties": {
            "version": p["version"], "administratorLogin": p["administrator_login"],
            "storage": {"storageSizeGB": p["storage_size_gb"], "autoGrow": _enabled(p["storage_auto_grow"])},
            "backup": {"backupRetentionDays": p["backup_retention_days"], "geoRedundantBackup": geo},
            "highAvailability": {"mode": p["high_availability"]},
            "maintenanceWindow": _window(window),
            "authConfig": _auth(p["authentication"]),
        },
    }


def _enabled(flag):
    """Azure's Enabled/Disabled strings for a boolean option; None when unset."""
    return None if flag is None else ("Enabled" if flag else "Disabled")


def _auth(auth):
    """The AuthConfig document for the option: only the switches the user set."""
    if auth is None:
        return None
    return {"activeDirectoryAuth": _enabled(auth["microsoft_entra"]), "passwordAuth": _enabled(auth["password"])}


def _window(window):
    """The MaintenanceWindow document for the option; a system-managed window carries no schedule to compare."""
    if window is None:
        return None
    if not window["custom_window"]:
        return {"customWindow": "Disabled"}
    return {"customWindow": "Enabled", "dayOfWeek": window["day_of_week"], "startHour": window["start_hour"],
            "startMinute": window["start_minute"]}


def _prune(value):
    """``value`` without None leaves and empty dicts (a minimal PATCH body)."""
    if isinstance(value, dict):
        out = dict((k, _prune(v)) for k, v in value.items() if v is not None)
        return dict((k, v) for k, v in out.items() if v != {})
    return value


def _patch(want, current, res):
    """The PATCH body: each differing field the user set."""
    body = {}
    for path in reconcile.differences(want, current, ci_paths=res.ci_paths, exact=res.exact):
        keys = path.split(".")
        if keys[0] == "sku":
            body["sku"] = want["sku"]
            continue
        src, dst = want, body
        for key in keys[:-1]:
            src = src[key]
            dst = dst.setdefault(key, {})
        dst[keys[-1]] = copy.deepcopy(src[keys[-1]])
    return body


def main():
    az = AzureModule(dict(
        name=dict(type="str", required=True),
        resource_group=dict(type="str", required=True),
        location=dict(type="str"),
        version=dict(type="str", choices=["11", "12", "13", "14", "15", "16", "17"]),
        sku=dict(type="dict", options=dict(name=dict(type="str", required=True),
                                           tier=dict(type="str", required=True, choices=["Burstable", "GeneralPurpose", "MemoryOptimized"]))),
        storage_size_gb=dict(type="int", choices=[32, 64, 128, 256, 512, 1024, 2048, 4095, 4096, 8192, 16384, 32767]),
        storage_auto_grow=dict(type="bool"),
        backup_retention_days=dict(type="int"),
        geo_redundant_backup=dict(type="bool"),
        high_availability=dict(type="str", choices=["Disabled", "ZoneRedundant", "SameZone"]),
        maintenance_window=dict(type="dict", options=dict(
            custom_window=dict(type="bool", default=True),
            day_of_week=dict(type="int", default=0, choices=[0, 1, 2, 3, 4, 5, 6]),
            start_hour=dict(type="int", default=0),
            start_minute=dict(type="int", default=0))),
        authentication=dict(type="dict", options=dict(microsoft_entra=dict(type="bool"), password=dict(type="bool"))),
        administrator_login=dict(type="str"),
        administrator_login_password=dict(type="str", no_log=True),
        update_password=dict(type="str", default="on_create", choices=["on_create", "always"], no_log=False),
        tags=dict(type="dict"),
        purge_tags=dict(type="bool", default=True),
        power_state=dict(type="str", choices=["started", "stopped"]),
        create_mode=dict(type="str", default="Default", choices=["Default", RESTORE]),
        source_server=dict(type="str"),
        source_server_resource_id=dict(type="str", aliases=["source_server_id"]),
        point_in_time_utc=dict(type="str"),
        state=dict(type="str", default="present", choices=["present", "absent"]),
    ), wait=True, mutually_exclusive=[("source_server", "source_server_resource_id")])
    p = az.params
    source_id = point = None
    if p["state"] == "present":
        source_id, point = _validate_restore_args(az, p)

    def run():
        path = PATH % (az.subscription_id, p["resource_group"], p["name"])
        res = Resource(az, path, API_VERSION, ci_paths=("sku.name", "sku.tier", "properties.highAvailability.mode"), secret_keys=SECRET_KEYS,
                       update_method="PATCH")
        if p["state"] == "absent":
            changed, _doc, diff, op = res.ensure_absent(wait=p["wait"], wait_timeout=p["wait_timeout"])
            return dict(changed=changed, server={}, diff=diff, **({"operation": _public(op)} if op else {}))

        source = source_id
        if p["create_mode"] == RESTORE and not source:
            source = PATH % (az.subscription_id, p["resource_group"], p["source_server"])
        if source and source.lower() == path.lower():
            az.fail("source server and restored server are both %s: a point-in-time restore creates a new server, give it another "
                    "name" % p["name"])
        current = res.get()
        extra = {}
        if source and current is not None:
            az.module.warn("server %s already exists, so it was not restored from %s: a point-in-time restore only creates a new "
                           "server. Delete it first (state=absent) to restore again." % (p["name"], source.rsplit("/", 1)[-1]))
            extra["restore"] = {"restored": False, "source_server_resource_id": source,
                                "point_in_time_utc": timestamps.format_utc(point) if point else None}
        if not source or current is not None:
            _validate(az, p, current)
        want = _wanted(p, current)
        ops = []
        if current is None and source:
            body, predicted, extra["restore"] = _restore_plan(az, p, source, point)
            steps = [("PUT", path, body)]
        elif current is None:
            body = _prune(want)
            # Azure ignores a maintenance window in a create (it keeps the system-managed one): an update sets it.
            window = body["properties"].pop("maintenanceWindow", None)
            body["properties"].update(createMode="Default", administratorLoginPassword=p["administrator_login_password"])
            steps = [("PUT", path, body)]
            predicted = reconcile.merge({"properties": {"state": "Ready"}}, body)
            if window:
                steps.append(("PATCH", path, {"properties": {"maintenanceWindow": window}}))
                predicted["properties"]["maintenanceWindow"] = window
        else:
            body = _prune(_patch(want, current, res))
            if p["update_password"] == SEND_ALWAYS and p["administrator_login_password"]:
                body.setdefault("properties", {})["administratorLoginPassword"] = p["administrator_login_password"]
            steps = [("PATCH", path, body)] if body else []
            predicted = reconcile.merge(current, body)
        state = ((current or {}).get("properties") or {}).get("state")
        if p["power_state"] == "started" and state == "Stopped":
            steps.insert(0, ("POST", path + "/start", None))
            predicted["properties"]["state"] = "Ready"
        elif p["power_state"] == "stopped" and state != "Stopped":
            steps.append(("POST", path + "/stop", None))
            predicted["properties"]["state"] = "Stopped"
        diff = {"before": res.redacted(current) or {}, "after": res.redacted(predicted)}
        if not steps:
            return dict(changed=False, server=_public(current), diff=diff, **extra)
        if az.check_mode:
            if current is None:
                # The plan: the id Azure gives the server, and its address by Azure's naming rule (public cloud).
                predicted = dict(identity(path), **predicted)
                predicted.setdefault("properties", {}).setdefault("fullyQualifiedDomainName", "%s.postgres.database.azure.com" % p["name"])
                diff["after"] = res.redacted(predicted)
            return dict(changed=True, server=_public(predicted), diff=diff, **extra)
        for i, (method, url, payload) in enumerate(steps):
            op = az.arm.start(method, url, API_VERSION, body=payload)
            if p["wait"] or i < len(steps) - 1:
                az.arm.wait(op, p["wait_timeout"])
            else:
                ops.append(op)
        if ops:
            # Not awaited: a new server is returned with the id it will have (as in check mode), so a later task's result
            # names the same resource.
            started = dict(identity(path), **predicted) if current is None else predicted
            return dict(changed=True, server=_public(started), diff=diff, operation=_public(ops[-1]), **extra)
        return dict(changed=True, server=_public(res.get()), diff=diff, **extra)

    az.run(run)


if __name__ == "__main__":
    main()
