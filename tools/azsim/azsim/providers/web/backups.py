"""Custom backups of sites and slots: the backup configuration (schedule), backup now, the backup
items, restore, and the scheduled-backup engine (azure-mgmt-web WebAppsOperations.*backup*; arm-web.md §4.7).

Blob upload to the storage account arrives with the data services: a backup keeps its ``blobName``
and ``storageAccountUrl`` but no bytes are written yet.

State (private tables keyed under the site id, so deleting a site cascades):
* ``webBackupConfig``: ``{site_id}/config/backup`` -> the BackupRequest, plus ``_nextRun`` (epoch seconds);
* ``webBackups``: ``{site_id}/backups/{n}`` -> the BackupItem, plus ``_finishAt`` while InProgress.
"""

import urllib.parse
import zlib

from ...core import ids
from ...core.clock import iso, parse_iso
from ...core.errors import AzureError, WebError
from ...core.http import Response
from ...core.lro import DURATIONS
from . import common

CONFIGS = "webBackupConfig"
ITEMS = "webBackups"
RESTORE_HOOK = "web.backup.restored"
SITE = "/subscriptions/{subscriptionId}/resourceGroups/{resourceGroupName}/providers/Microsoft.Web/sites/{name}"
SLOT = SITE + "/slots/{slot}"
UNIT_SECONDS = {"day": 86400, "hour": 3600}
DAY = 86400


def register(app):
    h = Handlers(app)
    r = app.router
    for base in (SITE, SLOT):
        r.add("PUT", base + "/config/backup", h.put_config)
        r.add("POST", base + "/config/backup/list", h.get_config, action="Microsoft.Web/sites/config/list/action")
        r.add("DELETE", base + "/config/backup", h.delete_config)
        r.add("POST", base + "/backup", h.backup_now)
        r.add("GET", base + "/backups", h.list_items)
        r.add("POST", base + "/listbackups", h.list_items)
        r.add("GET", base + "/backups/{backupId}", h.get_item)
        r.add("POST", base + "/backups/{backupId}/list", h.get_item)
        r.add("DELETE", base + "/backups/{backupId}", h.delete_item)
        r.add("POST", base + "/backups/{backupId}/restore", h.restore)
    app.lro.register(RESTORE_HOOK, h.restored)
    app.tick_hooks.append(h.tick)


def _bad(message, template=None, params=None):
    return WebError(400, "BadRequest", message, None, template or message, params or [])


def validate_storage_url(url):
    """A container SAS URL (BackupRequest.storageAccountUrl is REQUIRED, SDK model)."""
    if not isinstance(url, str) or not url:
        # unverified text; the property is required by the spec.
        raise _bad("The parameter StorageAccountUrl is required.", "The parameter {0} is required.", ["StorageAccountUrl"])
    u = urllib.parse.urlsplit(url)
    q = {k.lower() for k, _value in urllib.parse.parse_qsl(u.query, keep_blank_values=True)}
    if u.scheme != "https" or not u.hostname or not u.path.strip("/"):
        raise _bad(f"The parameter StorageAccountUrl has an invalid value '{u.scheme}://{u.hostname or ''}{u.path}'.",  # unverified
                   "The parameter {0} has an invalid value '{1}'.", ["StorageAccountUrl", f"{u.scheme}://{u.hostname or ''}{u.path}"])
    if not {"sig", "sv"} <= q or not ({"se"} <= q or "si" in q):
        # Text from Microsoft Learn, "Back up and restore your app", error table.
        raise _bad("Missing mandatory parameters for valid Shared Access Signature.")
    return url


def validate_schedule(sched, tier):
    """BackupSchedule: frequencyInterval, frequencyUnit (Day|Hour), keepAtLeastOneBackup and
    retentionPeriodInDays are REQUIRED (SDK model)."""
    if not isinstance(sched, dict):
        raise AzureError(400, "InvalidRequestContent", "The request content was invalid and could not be deserialized: 'backupSchedule must be an object'.")
    for field in ("frequencyInterval", "frequencyUnit", "keepAtLeastOneBackup", "retentionPeriodInDays"):
        if sched.get(field) is None:
            raise _bad(f"The parameter BackupSchedule.{field[0].upper() + field[1:]} is required.", "The parameter {0} is required.",  # unverified
                       [f"BackupSchedule.{field[0].upper() + field[1:]}"])
    unit = str(sched["frequencyUnit"]).lower()
    interval = sched["frequencyInterval"]
    if unit not in UNIT_SECONDS:
        raise AzureError(400, "InvalidRequestContent", f"The request content was invalid and could not be deserialized: "
                         f"'Requested value '{sched['frequencyUnit']}' was not found.'.")
    if not isinstance(interval, int) or isinstance(interval, bool) or interval < 1:
        raise _bad("Frequency interval must be a positive number.")  # unverified
    retention = sched["retentionPeriodInDays"]
    if not isinstance(retention, int) or isinstance(retention, bool) or retention < 0:
        raise _bad("Retention period must be a non-negative number of days.")  # unverified
    # Microsoft Learn, "App Service limits": scheduled backups every 2 hours on Basic/Standard, hourly on
    # Premium and up; text unverified.
    if unit == "hour" and interval < 2 and tier in ("Basic", "Standard"):
        raise _bad(f"Backups can be scheduled at most every 2 hours for sites in the {tier} tier.")
    return {**sched, "frequencyUnit": "Day" if unit == "day" else "Hour"}


class _Ctx:
    """The request-like object the LRO engine needs, for work started by the engine itself."""

    def __init__(self, sub):
        self.context = {"subscription": sub}
        self.api_version = "2025-05-01"
        self.fail_lro = None


class Handlers:
    def __init__(self, app):
        self.app = app

    def _site(self, sub, rg, name, slot):
        site = common.get_site(self.app, sub, rg, name, slot)
        tier = common.tier_of(self.app, site)
        if not common.tier_limits(tier)["backups"]:
            # Microsoft Learn, "Back up and restore your app in Azure App Service": Basic, Standard, Premium
            # and Isolated only; text unverified.
            raise WebError(409, "Conflict", f"The backup feature is not available for sites in the {tier} tier. Scale up the App Service plan "
                           "to Basic or higher.", None, "The backup feature is not available for sites in the {0} tier.", [tier])
        if tier == "Basic" and common.site_and_slot(site)[1]:
            # Same page: "For Basic tier, only the production slot can be backed up and restored."
            raise WebError(409, "Conflict", "For Basic tier, only the production slot can be backed up and restored.", None,
                           "For Basic tier, only the production slot can be backed up and restored.", [])
        return site, tier

    # -- configuration ---------------------------------------------------------------------------
    def put_config(self, req, subscriptionId, resourceGroupName, name, slot=None):
        site, tier = self._site(subscriptionId, resourceGroupName, name, slot)
        body = req.json()
        props = body.get("properties") if isinstance(body, dict) else None
        if not isinstance(props, dict):
            raise AzureError(400, "InvalidRequestContent", "The request content was invalid and could not be deserialized: 'properties is required'.")
        validate_storage_url(props.get("storageAccountUrl"))
        cfg = {"backupName": props.get("backupName"), "enabled": props.get("enabled", True), "storageAccountUrl": props["storageAccountUrl"],
               "backupSchedule": None, "databases": props.get("databases") or []}
        now = self.app.clock.now()
        if props.get("backupSchedule") is not None:
            sched = validate_schedule(props["backupSchedule"], tier)
            start = parse_iso(sched.get("startTime")) or now
            sched = {"frequencyInterval": sched["frequencyInterval"], "frequencyUnit": sched["frequencyUnit"],
                     "keepAtLeastOneBackup": bool(sched["keepAtLeastOneBackup"]), "retentionPeriodInDays": sched["retentionPeriodInDays"],
                     "startTime": iso(start), "lastExecutionTime": None}
            cfg["backupSchedule"] = sched
        key = f"{site['id']}/config/backup"
        old = self.app.store.get(CONFIGS, key)
        if old and cfg["backupSchedule"] and old["backupSchedule"]:
            cfg["backupSchedule"]["lastExecutionTime"] = old["backupSchedule"].get("lastExecutionTime")
        cfg["_site"] = site["id"]
        cfg["_nextRun"] = self._next_run(cfg, now) if cfg["backupSchedule"] else None
        self.app.store.put(CONFIGS, key, cfg)
        return Response(200, self._config_wire(site, cfg))

    def _config_wire(self, site, cfg):
        s, slot = common.site_and_slot(site)
        return {"id": f"{site['id']}/config/backup", "name": "backup", "type": "Microsoft.Web/sites/slots/config" if slot else "Microsoft.Web/sites/config",
                "properties": {k: v for k, v in cfg.items() if not k.startswith("_")}}

    def get_config(self, req, subscriptionId, resourceGroupName, name, slot=None):
        site = self._site(subscriptionId, resourceGroupName, name, slot)[0]
        cfg = self.app.store.get(CONFIGS, f"{site['id']}/config/backup")
        if cfg is None:
            raise WebError(404, "NotFound", f"Backup configuration not found for site '{name}'.", None,  # unverified
                           "Backup configuration not found for site '{0}'.", [name])
        return Response(200, self._config_wire(site, cfg))

    def delete_config(self, req, subscriptionId, resourceGroupName, name, slot=None):
        site = common.get_site(self.app, subscriptionId, resourceGroupName, name, slot)
        self.app.store.delete(CONFIGS, f"{site['id']}/config/backup")
        return Response(200)

    # -- backup items ----------------------------------------------------------------------------
    def _new_item(self, site, url, backup_name, databases, scheduled):
        app = self.app
        now = app.clock.now()
        prefix = f"{site['id']}/backups/"
        number = 1 + max([int(d["properties"]["id"]) for d in app.store.values(ITEMS, prefix)] or [0])
        s, slot = common.site_and_slot(site)
        stamp = app.clock.utcnow().strftime("%Y%m%d%H%M")
        label = backup_name or f"{s}_{stamp}"
        item = {"id": f"{prefix}{number}", "name": f"{s}/{slot}/{number}" if slot else f"{s}/{number}",
                "type": "Microsoft.Web/sites/slots/backups" if slot else "Microsoft.Web/sites/backups",
                "properties": {"id": number, "storageAccountUrl": url, "blobName": f"{label}.zip", "name": label, "status": "InProgress",
                               "sizeInBytes": 0, "created": iso(now), "log": None, "databases": databases or [], "scheduled": scheduled,
                               "lastRestoreTimeStamp": None, "finishedTimeStamp": None, "correlationId": ids.new_guid(), "websiteSizeInBytes": 0},
                "_finishAt": now + app.clock.scaled(DURATIONS["web.backup"])}
        app.store.put(ITEMS, item["id"], item)
        return item

    def _settle(self, prefix=None):
        """InProgress -> Succeeded once the backup's time is up."""
        now = self.app.clock.now()
        for item in self.app.store.values(ITEMS, prefix):
            if item.get("_finishAt") is not None and item["_finishAt"] <= now:
                done = self.app.store.get(ITEMS, item["id"])
                size = 4096 + zlib.crc32(done["id"].encode()) % 4096
                done["properties"].update({"status": "Succeeded", "finishedTimeStamp": iso(done["_finishAt"]), "sizeInBytes": size,
                                           "websiteSizeInBytes": size})
                done["_finishAt"] = None
                self.app.store.put(ITEMS, done["id"], done)

    @staticmethod
    def _wire(item):
        return {k: v for k, v in item.items() if not k.startswith("_")}

    def backup_now(self, req, subscriptionId, resourceGroupName, name, slot=None):
        site = self._site(subscriptionId, resourceGroupName, name, slot)[0]
        body = req.json()
        props = body.get("properties") if isinstance(body, dict) else None
        if not isinstance(props, dict):
            raise AzureError(400, "InvalidRequestContent", "The request content was invalid and could not be deserialized: 'properties is required'.")
        url = validate_storage_url(props.get("storageAccountUrl"))
        item = self._new_item(site, url, props.get("backupName"), props.get("databases"), scheduled=False)
        # The service answers 200 with the BackupItem while it runs (SDK: backup -> 200 BackupItem).
        return Response(200, self._wire(item))

    def list_items(self, req, subscriptionId, resourceGroupName, name, slot=None):
        site = common.get_site(self.app, subscriptionId, resourceGroupName, name, slot)
        prefix = f"{site['id']}/backups/"
        self._settle(prefix)
        return self.app.page(req, [self._wire(d) for d in self.app.store.values(ITEMS, prefix)])

    def _item(self, site, backup_id):
        self._settle(f"{site['id']}/backups/")
        item = self.app.store.get(ITEMS, f"{site['id']}/backups/{backup_id}")
        if item is None:
            raise WebError(404, "NotFound", f"Backup with id {backup_id} not found.", None, "Backup with id {0} not found.", [backup_id])  # unverified
        return item

    def get_item(self, req, subscriptionId, resourceGroupName, name, backupId, slot=None):
        site = common.get_site(self.app, subscriptionId, resourceGroupName, name, slot)
        return Response(200, self._wire(self._item(site, backupId)))

    def delete_item(self, req, subscriptionId, resourceGroupName, name, backupId, slot=None):
        site = common.get_site(self.app, subscriptionId, resourceGroupName, name, slot)
        item = self._item(site, backupId)
        self.app.store.delete(ITEMS, item["id"])
        return Response(200)

    def restore(self, req, subscriptionId, resourceGroupName, name, backupId, slot=None):
        app = self.app
        site = self._site(subscriptionId, resourceGroupName, name, slot)[0]
        item = self._item(site, backupId)
        body = req.json()
        props = body.get("properties") if isinstance(body, dict) else None
        if not isinstance(props, dict):
            raise AzureError(400, "InvalidRequestContent", "The request content was invalid and could not be deserialized: 'properties is required'.")
        validate_storage_url(props.get("storageAccountUrl"))
        if props.get("overwrite") is None:
            raise _bad("The parameter Overwrite is required.", "The parameter {0} is required.", ["Overwrite"])  # RestoreRequest REQ (SDK); text unverified
        target = props.get("siteName") or name
        if target.lower() == name.lower() and not props["overwrite"]:
            # RestoreRequest.overwrite: "true is needed if trying to restore over an existing app" (SDK docstring); text unverified.
            raise _bad(f"The site {target} already exists. Set overwrite to true to restore over it.")
        if item["properties"]["status"] != "Succeeded":
            raise _bad(f"Backup {backupId} cannot be restored because its status is {item['properties']['status']}.")  # unverified
        if app.lro.pending_for(site["id"]):
            raise WebError(409, "Conflict", "Cannot modify this site because another operation is in progress.", None,  # [MEM]
                           "Cannot modify this site because another operation is in progress.", [])
        op = app.lro.create(req, namespace="Microsoft.Web", location=site.get("location"), duration_key="web.site.restore", on_done=RESTORE_HOOK,
                            args={"item": item["id"]}, resource_id=site["id"], poll_hint=10)
        # 202 + Location on the site's operationresults (arm-web.md §1.4, Web's own LRO URL shape); final 204.
        return app.lro.accepted(req, op, status=202, async_header=False, result_path=f"{site['id']}/operationresults/{op['id']}")

    def restored(self, op):
        item = self.app.store.get(ITEMS, op["args"]["item"])
        if item is not None:
            item["properties"]["lastRestoreTimeStamp"] = iso(self.app.clock.now())
            self.app.store.put(ITEMS, item["id"], item)
        return {"status": 200, "body": None}

    # -- the scheduled-backup engine ----------------------------------------------------------------
    @staticmethod
    def _next_run(cfg, now):
        sched = cfg["backupSchedule"]
        period = sched["frequencyInterval"] * UNIT_SECONDS[sched["frequencyUnit"].lower()]
        start = parse_iso(sched["startTime"]) or now
        if start > now + 1.0:  # a start in the future is the first run; "now" (or no startTime) runs one period later
            return start
        return start + period * (max(0, int((now - start) // period)) + 1)

    def tick(self):
        """Run due schedules (one backup even when several periods were skipped) and apply retention."""
        app = self.app
        now = app.clock.now()
        with app.store.transaction():
            due = [c for c in app.store.values(CONFIGS) if c.get("_nextRun") is not None and c["_nextRun"] <= now and c.get("enabled", True)]
            pending = any(i.get("_finishAt") is not None and i["_finishAt"] <= now for i in app.store.values(ITEMS))
            if pending:
                self._settle()
            for cfg in due:
                self._run_schedule(cfg, now)

    def _run_schedule(self, cfg, now):
        app = self.app
        site = app.store.get("resources", cfg["_site"])
        key = f"{cfg['_site']}/config/backup"
        cfg = app.store.get(CONFIGS, key)
        if site is None or cfg is None:
            app.store.delete(CONFIGS, key)
            return
        self._new_item(site, cfg["storageAccountUrl"], cfg.get("backupName"), cfg.get("databases"), scheduled=True)
        cfg["backupSchedule"]["lastExecutionTime"] = iso(now)
        cfg["_nextRun"] = self._next_run(cfg, now)
        app.store.put(CONFIGS, key, cfg)
        self._retention(site, cfg["backupSchedule"], now)

    def _retention(self, site, sched, now):
        """Scheduled backups older than retentionPeriodInDays go (0 keeps them forever; on-demand backups are
        kept indefinitely: Microsoft Learn "Back up and restore your app"); keepAtLeastOneBackup keeps the newest."""
        days = sched["retentionPeriodInDays"]
        if not days:
            return
        items = [i for i in self.app.store.values(ITEMS, f"{site['id']}/backups/") if i["properties"]["scheduled"]]
        old = [i for i in items if (parse_iso(i["properties"]["created"]) or now) < now - days * DAY]
        if sched["keepAtLeastOneBackup"] and old and len(old) == len(items):
            old = old[:-1]
        for i in old:
            self.app.store.delete(ITEMS, i["id"])
