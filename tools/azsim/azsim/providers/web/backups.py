"""Custom backups of sites and slots: the backup configuration (schedule), backup now, the backup
items, restore (from a backup item or from a blob), and the scheduled-backup engine (azure-mgmt-web
WebAppsOperations.*backup* / *restore*; arm-web.md §4.7).

A backup really writes its blob (a zip of the app's files and configuration, :mod:`.backup_archive`) into the
container of ``storageAccountUrl`` with that SAS, and a restore really reads it back: the target's files, app
settings, connection strings and siteConfig become the backed-up ones and its process restarts on them.  The blob
and file work runs in worker threads (:class:`Engine`), never under the state lock; the tick hook settles what they
finished once the operation's Azure duration has passed.

State (private tables keyed under the site id, so deleting a site cascades):
* ``webBackupConfig``: ``{site_id}/config/backup`` -> the BackupRequest, plus ``_nextRun`` (epoch seconds);
* ``webBackups``: ``{site_id}/backups/{n}`` -> the BackupItem, plus ``_finishAt`` while InProgress and ``_result``
  (size, or the failure) once its blob is written.
Restores are core operations created with ``external=True`` (their args name the blob and the target).
"""

import re
import threading
import time
import traceback
import urllib.parse
import uuid

from ...core import ids, resource
from ...core.clock import iso, parse_iso
from ...core.errors import AzureError, WebError
from ...core.http import Response
from ...core.lro import DURATIONS, TERMINAL
from . import backup_archive as archive
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
        r.add("POST", base + "/backups/{backupId}/list", h.list_secrets)
        r.add("DELETE", base + "/backups/{backupId}", h.delete_item)
        # WebApps_Restore[Slot] and WebApps_RestoreFromBackupBlob[Slot] (spec 2024-11-01/2025-05-01: POST, 200/202,
        # x-ms-long-running-operation).
        r.add("POST", base + "/backups/{backupId}/restore", h.restore)
        r.add("POST", base + "/restoreFromBackupBlob", h.restore)
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


class Job:
    def __init__(self):
        self.done = False
        self.error = None
        self.result = None


class Engine:
    """Worker threads for the blob and file work of backups and restores (outside the state lock), one per key."""

    def __init__(self):
        self.jobs = {}
        self._guard = threading.Lock()

    def submit(self, key, fn, *args):
        with self._guard:
            if key in self.jobs:
                return
            job = self.jobs[key] = Job()
        threading.Thread(target=self._run, args=(job, fn, args), name="web-backup", daemon=True).start()

    @staticmethod
    def _run(job, fn, args):
        try:
            job.result = fn(*args)
        except AzureError as exc:
            job.error = exc
        except Exception as exc:  # noqa: BLE001 - any other failure fails the backup or restore, visibly
            traceback.print_exc()
            job.error = archive.Failure(f"An unexpected error occurred: {exc}", 500, "InternalServerError")  # unverified text
        job.done = True

    def known(self, key):
        return key in self.jobs

    def keys(self):
        with self._guard:
            return list(self.jobs)

    def finished(self, key):
        job = self.jobs.get(key)
        return job if job is not None and job.done else None

    def forget(self, key):
        with self._guard:
            self.jobs.pop(key, None)


class Handlers:
    def __init__(self, app):
        self.app = app
        self.engine = Engine()
        self.results = {}
        self._recovered = False
        self._last_scan = 0.0

    @property
    def runtime(self):
        return self.app.web_runtime

    def _check_tier(self, site):
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
        return tier

    def _site(self, sub, rg, name, slot):
        site = common.get_site(self.app, sub, rg, name, slot)
        return site, self._check_tier(site)

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
        self.engine.submit(item["id"], self._write_backup, item["id"])
        return item

    def _write_backup(self, item_id):
        """The worker: archive the app as it is now and write the blobs; the outcome waits in the item's ``_result``."""
        app = self.app
        with app.store.lock:
            item = app.store.get(ITEMS, item_id)
        if item is None:
            return
        result = {"ok": False}
        try:
            snap = archive.snapshot(app, self.runtime, item_id.rsplit("/backups/", 1)[0])
            if snap is None:
                return
            meta, sources = snap
            data, website = archive.build_archive(meta, sources)
            url, blob = item["properties"]["storageAccountUrl"], item["properties"]["blobName"]
            archive.put_blob(app, url, blob, data, "application/zip")
            archive.put_blob(app, url, archive.manifest_name(blob), archive.manifest(meta, item, len(data)), "application/xml")
            result = {"ok": True, "size": len(data), "websiteSize": website}
        except AzureError as exc:
            result = {"ok": False, "log": exc.message}
        finally:
            with app.store.transaction():
                cur = app.store.get(ITEMS, item_id)
                if cur is not None and cur["properties"]["status"] == "InProgress":
                    cur["_result"] = {**result, "at": app.clock.now()}
                    app.store.put(ITEMS, item_id, cur)

    def _settle(self, prefix=None):
        """InProgress -> Succeeded (or Failed, with the reason in ``log``) once the backup's time is up and its blob
        written (BackupItemStatus; Learn "Back up and restore your app": a failed backup shows its error in the log)."""
        now = self.app.clock.now()
        for item in self.app.store.values(ITEMS, prefix):
            if item.get("_finishAt") is not None and item["_finishAt"] <= now and item.get("_result") is not None:
                done = self.app.store.get(ITEMS, item["id"])
                res = done.pop("_result")
                if res.get("ok"):
                    done["properties"].update({"status": "Succeeded", "sizeInBytes": res["size"], "websiteSizeInBytes": res["websiteSize"]})
                else:
                    done["properties"].update({"status": "Failed", "log": res.get("log")})
                done["properties"]["finishedTimeStamp"] = iso(max(done["_finishAt"], res.get("at") or 0))
                done["_finishAt"] = None
                self.app.store.put(ITEMS, done["id"], done)
                self.engine.forget(done["id"])

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

    def _find_item(self, site, backup_id):
        self._settle(f"{site['id']}/backups/")
        return self.app.store.get(ITEMS, f"{site['id']}/backups/{backup_id}")

    def _item(self, site, backup_id):
        item = self._find_item(site, backup_id)
        if item is None:
            raise WebError(404, "NotFound", f"Backup with id {backup_id} not found.", None, "Backup with id {0} not found.", [backup_id])  # unverified
        return item

    def get_item(self, req, subscriptionId, resourceGroupName, name, backupId, slot=None):
        site = common.get_site(self.app, subscriptionId, resourceGroupName, name, slot)
        return Response(200, self._wire(self._item(site, backupId)))

    def list_secrets(self, req, subscriptionId, resourceGroupName, name, backupId, slot=None):
        """WebApps_ListBackupStatusSecrets: the item with its SAS URL; "can be used to update the SAS URL for the backup if a
        new URL is passed in the request body" (spec summary; Learn "Use REST to back up and restore App Service apps",
        "Manage a backup's SAS URL": the service deletes the blobs with it)."""
        site = common.get_site(self.app, subscriptionId, resourceGroupName, name, slot)
        item = self._item(site, backupId)
        body = req.json(required=False)
        props = body.get("properties") if isinstance(body, dict) else None
        if isinstance(props, dict) and props.get("storageAccountUrl"):
            item["properties"]["storageAccountUrl"] = validate_storage_url(props["storageAccountUrl"])
            self.app.store.put(ITEMS, item["id"], item)
        return Response(200, self._wire(item))

    def delete_item(self, req, subscriptionId, resourceGroupName, name, backupId, slot=None):
        site = common.get_site(self.app, subscriptionId, resourceGroupName, name, slot)
        item = self._item(site, backupId)
        self.app.store.delete(ITEMS, item["id"])
        self._delete_blobs(item)
        return Response(200)

    def _delete_blobs(self, item):
        """The service deletes the backup's blobs with the SAS URL it was made with (Learn "Use REST to back up and restore
        App Service apps", "Manage a backup's SAS URL"), in the background."""
        p = item["properties"]
        self.engine.submit("delete:" + item["id"] + ":" + uuid.uuid4().hex, archive.delete_blobs, self.app, p["storageAccountUrl"], p["blobName"])

    # -- restore -----------------------------------------------------------------------------------
    def _target(self, sub, rg, site, site_name):
        """The app the restore writes to: the addressed app or slot, or ``siteName`` - another app of the resource group
        (Learn "Restore an app in Azure": "restore the app backup to another app in the same resource group"), or a slot
        of one as ``app(slot)`` / ``app/slot`` (those two spellings are unverified)."""
        s = common.site_and_slot(site)[0]
        if not site_name or site_name.lower() == s.lower():
            return site
        m = re.fullmatch(r"([^/()]+)(?:\(([^()/]+)\)|/([^/()]+))?", site_name)
        if not m:
            raise _bad(f"The parameter SiteName has an invalid value '{site_name}'.", "The parameter {0} has an invalid value '{1}'.",
                       ["SiteName", site_name])  # unverified
        other, tslot = m.group(1), m.group(2) or m.group(3)
        if tslot and tslot.lower() == "production":
            tslot = None
        doc = common.get_site(self.app, sub, rg, other, tslot, required=False)
        if doc is None:
            # Restoring into a new app (which Azure creates) is not simulated; text unverified.
            raise WebError(404, "NotFound", f"Cannot find Site with name {site_name}.", None, "Cannot find Site with name {0}.", [site_name])
        return doc

    def restore(self, req, subscriptionId, resourceGroupName, name, backupId=None, slot=None):
        """WebApps_Restore[Slot] (``backups/{id}/restore``) and WebApps_RestoreFromBackupBlob[Slot]: RestoreRequest
        (storageAccountUrl and overwrite REQUIRED, SDK model RestoreRequestProperties).  The blob is ``blobName`` when given
        (az CLI's ``az webapp config backup restore`` sends backup id 0 with the blob name), else the backup item's."""
        app = self.app
        site = self._site(subscriptionId, resourceGroupName, name, slot)[0]
        body = req.json()
        props = body.get("properties") if isinstance(body, dict) else None
        if not isinstance(props, dict):
            raise AzureError(400, "InvalidRequestContent", "The request content was invalid and could not be deserialized: 'properties is required'.")
        url = validate_storage_url(props.get("storageAccountUrl"))
        overwrite = props.get("overwrite")
        if overwrite is None:
            raise _bad("The parameter Overwrite is required.", "The parameter {0} is required.", ["Overwrite"])  # RestoreRequest REQ (SDK); text unverified
        overwrite = overwrite if isinstance(overwrite, bool) else str(overwrite).strip().lower() == "true"
        blob = props.get("blobName") or None
        item = None
        if backupId is not None:
            item = self._find_item(site, backupId)
            if item is None and blob is None:
                raise WebError(404, "NotFound", f"Backup with id {backupId} not found.", None, "Backup with id {0} not found.", [backupId])  # unverified
            if item is not None and blob is None:
                if item["properties"]["status"] != "Succeeded":
                    raise _bad(f"Backup {backupId} cannot be restored because its status is {item['properties']['status']}.")  # unverified
                blob = item["properties"]["blobName"]
        elif blob is None:
            # WebApps_RestoreFromBackupBlob restores "from a backup blob in Azure Storage": the blob is required; text unverified.
            raise _bad("The parameter BlobName is required.", "The parameter {0} is required.", ["BlobName"])
        target = self._target(subscriptionId, resourceGroupName, site, props.get("siteName"))
        if target is not site:
            self._check_tier(target)
        if not overwrite:
            # RestoreRequest.overwrite: "true is needed if trying to restore over an existing app" (SDK docstring); text unverified.
            label = common.site_and_slot(target)[0]
            raise _bad(f"The site {label} already exists. Set overwrite to true to restore over it.")
        if app.lro.pending_for(target["id"]) or target.get("_swapping") or target.get("_creating"):
            raise WebError(409, "Conflict", "Cannot modify this site because another operation is in progress.", None,  # [MEM]
                           "Cannot modify this site because another operation is in progress.", [])
        databases = [d.get("name") for d in props.get("databases") or [] if isinstance(d, dict)]
        op = app.lro.create(req, namespace="Microsoft.Web", location=target.get("location"), duration_key="web.site.restore", on_done=RESTORE_HOOK,
                            args={"item": item["id"] if item and item["properties"]["blobName"] == blob else None, "target": target["id"],
                                  "url": url, "blob": blob, "databases": databases, "ignoreDatabases": bool(props.get("ignoreDatabases"))},
                            resource_id=target["id"], poll_hint=10, external=True)
        self.engine.submit(op["id"], self._read_backup, op["id"], dict(op["args"]))
        # 202 + Azure-AsyncOperation on .../providers/Microsoft.Web/sites/{name}/operationResults/{id} (spec example
        # RestoreWebAppBackup.json, 2024-11-01); the status answers Succeeded, or Failed with the reason.
        status = f"/subscriptions/{subscriptionId}/providers/Microsoft.Web/sites/{name}/operationResults/{op['id']}"
        return app.lro.accepted(req, op, status=202, async_header=True, location_header=False, status_path=status)

    def _read_backup(self, op_id, args):
        """The worker of a restore: read the blob, check it against the request and the target, unpack its files into a
        new package of the target (its settings are applied when the operation completes)."""
        app = self.app
        data = archive.get_blob(app, args["url"], args["blob"])
        meta, zf = archive.read_archive(data, args["blob"])
        with zf:
            with app.store.lock:
                target = resource.get(app, args["target"])
            if target is None:
                raise archive.Failure("The target app of the restore no longer exists.", 404, "NotFound")  # unverified
            if args["databases"] and not args["ignoreDatabases"]:
                held = {d.get("name") for d in meta.get("databases") or []}
                missing = [d for d in args["databases"] if d not in held]
                if missing:
                    # RestoreRequest.databases: "This list has to match the list of databases included in the backup" (SDK
                    # docstring); azsim's backups hold no database.  Text unverified.
                    raise archive.Failure(f"The backup does not contain the database '{missing[0]}'.")
            if archive.is_linux(meta.get("kind")) != archive.is_linux(target.get("kind")):
                # Learn "Back up and restore your app": "Backups can be restored to a target app of the same OS platform as the
                # source app" (stated for App Service Environments; applied to every app, unverified).
                raise archive.Failure("Backups can be restored to a target app of the same OS platform as the source app.")
            dep_id = str(uuid.uuid4())
            self.runtime.platform_log(target, f"Restoring the backup {args['blob']} into site {target['name']}.")
            self.runtime.restore_content(target, dep_id, zf, meta.get("build"), meta.get("appSettings") or {}, meta.get("filter") or [],
                                         lambda text: None)
        return {"deploymentId": dep_id, "meta": meta}

    def restored(self, op):
        """The restore's completion (under the state lock): the target runs the restored package with the backed-up
        configuration; the runtime restarts it on the change (Learn: the target app is stopped while restoring)."""
        job = self.results.get(op["id"])
        if job is None:
            raise AzureError(500, "InternalServerError", "The operation was interrupted.")  # unverified
        if job.error is not None:
            raise job.error
        target = resource.get(self.app, op["args"]["target"])
        if target is None:
            raise archive.Failure("The target app of the restore no longer exists.", 404, "NotFound")  # unverified
        archive.apply_configuration(self.app, target, job.result["meta"])
        content = target.setdefault("_content", {})
        content["deploymentId"] = job.result["deploymentId"]
        common.save(self.app, target)
        if op["args"].get("item"):
            item = self.app.store.get(ITEMS, op["args"]["item"])
            if item is not None:
                item["properties"]["lastRestoreTimeStamp"] = iso(self.app.clock.now())
                self.app.store.put(ITEMS, item["id"], item)
        return {"status": 200, "body": None}

    def _finish_restores(self, now):
        """Complete the restores whose work is done and whose Azure duration has passed; re-run the work of restores an
        earlier azsim accepted (the worker is idempotent: a new package each time)."""
        app = self.app
        if not self._recovered:
            self._recovered = True
            for op in app.store.values("operations"):
                if op.get("on_done") == RESTORE_HOOK and op["status"] not in TERMINAL:
                    self.engine.submit(op["id"], self._read_backup, op["id"], dict(op["args"]))
        for key in self.engine.keys():
            job = self.engine.finished(key)
            if job is None:
                continue
            if key.startswith("delete:"):
                self.engine.forget(key)
                continue
            if key.startswith("/"):
                item = app.store.peek(ITEMS, key)
                if item is None or item.get("_finishAt") is None:
                    self.engine.forget(key)  # the backup item went away while its blob was written
                continue
            op = app.store.peek("operations", key)
            if op is None or op["status"] in TERMINAL:
                self.engine.forget(key)
                continue
            if now < op["due"] and job.error is None:
                continue
            self.results[key] = job
            try:
                app.lro.run_now(op)
            finally:
                self.results.pop(key, None)
                self.engine.forget(key)
            self._collect_packages(op["args"]["target"])

    def _collect_packages(self, target_id):
        with self.app.store.lock:
            target = resource.get(self.app, target_id)
            if target is None:
                return
            key = self.runtime.site_key(target)
            keep = [(d.get("_content") or {}).get("deploymentId") for d in common.all_sites(self.app) if self.runtime.site_key(d) == key]
        self.runtime.kick()
        self.runtime.gc_packages(target, keep)

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
            pending = any(i.get("_finishAt") is not None and i["_finishAt"] <= now and i.get("_result") is not None
                          for i in app.store.values(ITEMS))
            if pending:
                self._settle()
            for cfg in due:
                self._run_schedule(cfg, now)
            if time.monotonic() - self._last_scan >= 1.0:
                # Backups an earlier azsim accepted (or whose worker died) are written again.
                self._last_scan = time.monotonic()
                for item in app.store.values(ITEMS):
                    if item.get("_finishAt") is not None and item.get("_result") is None and not self.engine.known(item["id"]):
                        self.engine.submit(item["id"], self._write_backup, item["id"])
        self._finish_restores(now)

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
            self._delete_blobs(i)
