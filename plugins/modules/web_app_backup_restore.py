#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright: (c) 2026, erpops.azure contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import absolute_import, division, print_function

__metaclass__ = type

DOCUMENTATION = r"""
module: web_app_backup_restore
short_description: Restore a backup of an App Service web app into the app, one of its slots or another app
version_added: 0.1.0
description:
  - Restores a custom backup of O(web_app), chosen by O(backup_id) or as the newest one that succeeded (O(latest=true)),
    into a deployment slot (O(slot)), into another web app of the resource group (O(target_web_app)), or into the app itself.
  - The target's files and configuration (app settings, connection strings, site configuration) become the backup's.
    Databases in the backup are never restored (C(ignoreDatabases)); restore a PostgreSQL flexible server with
    M(erpops.azure.postgresql_flexible_server) and O(erpops.azure.postgresql_flexible_server#module:create_mode=PointInTimeRestore).
  - Restoring over an app's production slot replaces what its users are served, so it is refused unless
    O(force_production=true). A restore drill restores into a temporary slot instead.
  - The restore reads the backup's container with the SAS of the app's backup configuration (C(config/backup/list)) when
    that configuration still points at the backup's container, otherwise with the SAS the backup was taken with
    (C(backups/{id}/list)). The SAS is a secret and never appears in the result, in messages or in logs.
  - A restore is an action, not a state, so every run that restores reports a change. In check mode the module reads the
    app and its backups and reports what it would restore, and sends nothing.
author:
  - erpops.azure maintainers (@erpops)
options:
  resource_group:
    description: Resource group of the web apps.
    type: str
    required: true
  web_app:
    description: The web app whose backup is restored.
    type: str
    required: true
  backup_id:
    description:
      - The number of the backup to restore (the RV(erpops.azure.web_app_backup_info#module:backups[].id) value of
        M(erpops.azure.web_app_backup_info)). Its status must be C(Succeeded).
      - Exactly one of O(backup_id) and O(latest) is required.
    type: int
  latest:
    description: Restore the most recently created backup whose status is C(Succeeded).
    type: bool
  target_web_app:
    description:
      - Another web app of O(resource_group) to restore into. Unset, the backup is restored into O(web_app) itself.
    type: str
  slot:
    description:
      - A deployment slot of the target app (O(target_web_app), or O(web_app) when that is unset) to restore into. Unset, the
        target is the app's production slot, which needs O(force_production=true).
      - The slot must exist; create it first with M(erpops.azure.web_app_slot).
    type: str
  force_production:
    description:
      - Allow the restore to overwrite an app's production slot, the content its users are served.
    type: bool
    default: false
  ignore_conflicting_host_names:
    description:
      - Restore without the custom domains recorded in the backup (C(ignoreConflictingHostNames)). A custom domain stays bound to
        the app that has it, usually the live app, so restoring it into a slot or another app would fail on the conflict.
    type: bool
    default: true
extends_documentation_fragment:
  - erpops.azure.attributes
  - erpops.azure.azure
  - erpops.azure.azure.wait
attributes:
  check_mode:
    support: full
    details: Reads the apps, the backups and the backup configuration (C(config/backup/list) and C(backups/{id}/list) change nothing).
  diff_mode:
    support: none
notes:
  - Azure restores in the background (HTTP 202 and C(Azure-AsyncOperation)). With O(wait=false) the module returns as soon as
    Azure accepted the restore, with an RV(operation) to pass to M(erpops.azure.operation_wait).
  - On the Basic tier Azure backs up and restores the production slot only.
"""

EXAMPLES = r"""
- name: Create the slot the drill restores into
  erpops.azure.web_app_slot:
    resource_group: erp-supermarket-production-rg
    web_app: erp-supermarket-prod
    name: drill

- name: Restore the newest backup into the drill slot
  erpops.azure.web_app_backup_restore:
    resource_group: erp-supermarket-production-rg
    web_app: erp-supermarket-prod
    latest: true
    slot: drill
  register: drill_restore

- name: Roll production back to backup 42, on purpose
  erpops.azure.web_app_backup_restore:
    resource_group: erp-supermarket-production-rg
    web_app: erp-supermarket-prod
    backup_id: 42
    force_production: true
"""

RETURN = r"""
restore:
  description: What was restored, and where.
  returned: always
  type: dict
  contains:
    backup:
      description: The backup restored, as M(erpops.azure.web_app_backup_info) shows it (without its SAS).
      type: dict
      returned: always
    web_app:
      description: The app the backup belongs to.
      type: str
      returned: always
    target_web_app:
      description: The app restored into.
      type: str
      returned: always
    slot:
      description: The slot restored into, or V(production).
      type: str
      returned: always
  sample:
    backup: {id: 3, name: erp-supermarket-prod_202605010200, status: Succeeded, sizeInBytes: 1843211,
             created: "2026-05-01T02:00:00.0000000Z", blobName: erp-supermarket-prod_202605010200.zip,
             storageAccountUrl: "https://erpsupermarketprodst.blob.core.windows.net/erp-backups"}
    web_app: erp-supermarket-prod
    target_web_app: erp-supermarket-prod
    slot: drill
operation:
  description: The running restore, when O(wait=false); pass it to M(erpops.azure.operation_wait).
  returned: when a restore was started and not awaited
  type: dict
"""

from ansible_collections.erpops.azure.plugins.module_utils import web_backup
from ansible_collections.erpops.azure.plugins.module_utils.module import AzureModule

API_VERSION = "2024-11-01"
SUCCEEDED = "succeeded"
# az CLI's `az webapp config backup restore` addresses the target app (or slot) and names the blob, with backup id 0: the
# target has no backup item of that number, the blob says what to restore.
BLOB_BACKUP_ID = "0"


def _choose(az, p, items):
    """The backup to restore, from the public items (newest first)."""
    if p["latest"]:
        done = [i for i in items if str(i.get("status") or "").lower() == SUCCEEDED]
        if not done:
            az.fail("web app %s has no backup that succeeded (%d backups: %s); take one first"
                    % (p["web_app"], len(items), ", ".join("%s %s" % (i["id"], i["status"]) for i in items) or "none"))
        return done[0]
    hit = next((i for i in items if str(i.get("id")) == str(p["backup_id"])), None)
    if hit is None:
        az.fail("web app %s has no backup %d; its backups are %s" % (p["web_app"], p["backup_id"],
                                                                     ", ".join(str(i["id"]) for i in items) or "none"))
    if str(hit.get("status") or "").lower() != SUCCEEDED:
        az.fail("backup %s of web app %s cannot be restored: its status is %s%s"
                % (hit["id"], p["web_app"], hit.get("status"), (" (%s)" % hit["log"]) if hit.get("log") else ""))
    return hit


def _sas_url(az, site, backup):
    """The container SAS URL the restore reads the blob with: the configuration's when it names the backup's container (the
    freshest SAS), else the one the backup was taken with."""
    status, _h, cfg = az.arm.request("POST", site + "/config/backup/list", API_VERSION, expect=(200, 404), read_only=True)
    url = (((cfg or {}).get("properties") or {}).get("storageAccountUrl") if status == 200 else None) or ""
    az.module.no_log_values.update(web_backup.sas_secrets(url))
    if not (url and "?" in url and (web_backup.container_url(url) or "").lower() == (backup.get("storageAccountUrl") or "").lower()):
        _st, _h, item = az.arm.request("POST", "%s/backups/%s/list" % (site, backup["id"]), API_VERSION, read_only=True)
        url = ((item or {}).get("properties") or {}).get("storageAccountUrl") or ""
        az.module.no_log_values.update(web_backup.sas_secrets(url))
    if "?" not in url:
        az.fail("no SAS to read container %s with: configure the app's backups with erpops.azure.web_app_backup, whose SAS "
                "the restore uses" % backup.get("storageAccountUrl"))
    return url


def main():
    az = AzureModule(dict(
        resource_group=dict(type="str", required=True),
        web_app=dict(type="str", required=True),
        backup_id=dict(type="int"),
        latest=dict(type="bool"),
        target_web_app=dict(type="str"),
        slot=dict(type="str"),
        force_production=dict(type="bool", default=False),
        ignore_conflicting_host_names=dict(type="bool", default=True),
    ), wait=True, mutually_exclusive=[("backup_id", "latest")], required_one_of=[("backup_id", "latest")])
    p = az.params
    if p["latest"] is False:
        az.fail("latest=false chooses no backup: give backup_id, or latest=true for the newest backup that succeeded")
    target_app = p["target_web_app"] or p["web_app"]
    if p["slot"] and p["slot"].lower() == "production":
        az.fail("slot production is the app itself: leave slot unset (with force_production=true) to restore over it")
    if not p["slot"] and not p["force_production"]:
        az.fail("restoring into the production slot of web app %s replaces what its users are served with the backup; restore into "
                "a slot (slot: drill) or, if this is meant, set force_production: true" % target_app)

    def run():
        base = "/subscriptions/%s/resourceGroups/%s/providers/Microsoft.Web/sites/" % (az.subscription_id, p["resource_group"])
        site = base + p["web_app"]
        target = base + target_app + ("/slots/%s" % p["slot"] if p["slot"] else "")
        if az.arm.get(site, API_VERSION) is None:
            az.fail("web app %s not found in resource group %s" % (p["web_app"], p["resource_group"]))
        if target.lower() != site.lower() and az.arm.get(target, API_VERSION) is None:
            if p["slot"]:
                az.fail("slot %s of web app %s not found in resource group %s; create it first with erpops.azure.web_app_slot"
                        % (p["slot"], target_app, p["resource_group"]))
            az.fail("web app %s not found in resource group %s" % (target_app, p["resource_group"]))
        items = web_backup.newest_first([web_backup.public_item(i) for i in az.arm.list(site + "/backups", API_VERSION)])
        backup = _choose(az, p, items)
        out = dict(backup=backup, web_app=p["web_app"], target_web_app=target_app, slot=p["slot"] or "production")
        url = _sas_url(az, site, backup)
        if az.check_mode:
            return dict(changed=True, restore=out)
        in_place = target.lower() == site.lower()
        # RestoreRequest (REST spec WebApps_Restore, 2024-11-01): the SAS URL of the container, the blob, overwrite (required to
        # restore over an existing app) and the app's name; the site content only (ignoreDatabases).
        body = {"properties": {"storageAccountUrl": url, "blobName": backup["blobName"], "overwrite": True, "siteName": target_app,
                               "ignoreDatabases": True, "ignoreConflictingHostNames": p["ignore_conflicting_host_names"],
                               "operationType": "Default"}}
        op = az.arm.start("POST", "%s/backups/%s/restore" % (target, backup["id"] if in_place else BLOB_BACKUP_ID), API_VERSION, body=body)
        if not p["wait"] and not op.get("done"):
            return dict(changed=True, restore=out, operation=op)
        az.arm.wait(op, p["wait_timeout"])
        return dict(changed=True, restore=out)

    az.run(run)


if __name__ == "__main__":
    main()
