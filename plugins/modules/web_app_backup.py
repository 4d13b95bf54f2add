#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright: (c) 2026, erpops.azure contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import absolute_import, division, print_function

__metaclass__ = type

DOCUMENTATION = r"""
module: web_app_backup
short_description: Configure the scheduled backups of an App Service web app
version_added: 0.1.0
description:
  - Sets the custom backup schedule of a web app into one blob container, or removes it.
  - The container is reached with a service SAS signed locally from the account key (read with C(listKeys)), scoped to that one
    container, HTTPS only, with a bounded expiry. The SAS is a secret; it never appears in the result, the diff or messages.
  - A run on an app whose schedule is set reads that configuration alone (C(config/backup/list)); the app itself is read
    only when there is none, to tell a missing app (an error naming it) from an app without backups.
  - Idempotent without regenerating the SAS each run; the schedule, retention and container are compared, and a new SAS is signed only
    when the current one expires within O(sas_rotate_before_days) days, points elsewhere, or O(rotate_sas=true).
author:
  - erpops.azure maintainers (@erpops)
options:
  resource_group:
    description: Resource group of the web app.
    type: str
    required: true
  name:
    description: Name of the web app. Its plan must be Basic or higher.
    type: str
    required: true
  storage_account:
    description: Storage account receiving the backups. Required with O(state=present).
    type: str
  storage_account_resource_group:
    description: Resource group of O(storage_account); O(resource_group) when unset.
    type: str
  container:
    description: Blob container receiving the backups. Required with O(state=present).
    type: str
  backup_name:
    description: Name prefix of the backup blobs.
    type: str
  enabled:
    description: Whether the schedule runs.
    type: bool
    default: true
  frequency_interval:
    description: How many O(frequency_unit)s between backups.
    type: int
    default: 1
  frequency_unit:
    description: Unit of O(frequency_interval).
    type: str
    choices: [Day, Hour]
    default: Day
  retention_period_in_days:
    description: Days a backup is kept (V(0) keeps them forever).
    type: int
    default: 10
  keep_at_least_one_backup:
    description: Keep the latest backup even when it is older than the retention.
    type: bool
    default: true
  sas_validity_days:
    description: Lifetime of a newly signed SAS, in days (1-3650).
    type: int
    default: 365
  sas_rotate_before_days:
    description: Sign a new SAS when the current one expires within this many days.
    type: int
    default: 30
  rotate_sas:
    description: Sign a new SAS now, whatever the expiry of the current one.
    type: bool
    default: false
  state:
    description: Whether the backup configuration should exist.
    type: str
    default: present
    choices: [present, absent]
extends_documentation_fragment:
  - erpops.azure.attributes
  - erpops.azure.azure
attributes:
  check_mode:
    support: full
  diff_mode:
    support: full
"""

EXAMPLES = r"""
- name: Back the ERP up daily, keeping 10 days
  erpops.azure.web_app_backup:
    resource_group: erp-supermarket-production-rg
    name: erp-supermarket-prod
    storage_account: erpsupermarketprodst
    container: erp-backups
    retention_period_in_days: 10
"""

RETURN = r"""
backup_configuration:
  description: The backup configuration, with the container address but never the SAS; empty when removed.
  returned: always
  type: dict
  sample:
    enabled: true
    backup_name: erp-supermarket-prod
    container_url: "https://erpsupermarketprodst.blob.core.windows.net/erp-backups"
    sas_expiry: "2027-11-25T20:00:00Z"
    schedule: {frequencyInterval: 1, frequencyUnit: Day, retentionPeriodInDays: 10, keepAtLeastOneBackup: true}
"""

import base64
import datetime
import hashlib
import hmac

from ansible.module_utils.six.moves.urllib.parse import urlencode
from ansible_collections.erpops.azure.plugins.module_utils.module import AzureModule
from ansible_collections.erpops.azure.plugins.module_utils.web_backup import public_view

WEB_API = "2024-11-01"
STORAGE_API = "2025-06-01"
SAS_VERSION = "2022-11-02"
# Learn "Back up an app": the SAS needs write (upload), list and delete (retention removes old blobs) and read (restore).
SAS_PERMISSIONS = "rwdl"
TIME_FMT = "%Y-%m-%dT%H:%M:%SZ"


def service_sas(account, container, key, expiry):
    """A container-scoped service SAS (Learn "Create a service SAS", string-to-sign for version 2020-12-06 and later)."""
    fields = [SAS_PERMISSIONS, "", expiry, "/blob/%s/%s" % (account, container), "", "", "https", SAS_VERSION, "c", "", "", "", "", "", "", ""]
    sig = base64.b64encode(hmac.new(base64.b64decode(key), "\n".join(fields).encode("utf-8"), hashlib.sha256).digest()).decode()
    return urlencode([("sv", SAS_VERSION), ("sr", "c"), ("sp", SAS_PERMISSIONS), ("se", expiry), ("spr", "https"), ("sig", sig)])


def main():
    az = AzureModule(dict(
        resource_group=dict(type="str", required=True),
        name=dict(type="str", required=True),
        storage_account=dict(type="str"),
        storage_account_resource_group=dict(type="str"),
        container=dict(type="str"),
        backup_name=dict(type="str"),
        enabled=dict(type="bool", default=True),
        frequency_interval=dict(type="int", default=1),
        frequency_unit=dict(type="str", default="Day", choices=["Day", "Hour"]),
        retention_period_in_days=dict(type="int", default=10),
        keep_at_least_one_backup=dict(type="bool", default=True),
        sas_validity_days=dict(type="int", default=365),
        sas_rotate_before_days=dict(type="int", default=30),
        rotate_sas=dict(type="bool", default=False),
        state=dict(type="str", default="present", choices=["present", "absent"]),
    ), required_if=[("state", "present", ["storage_account", "container"])])
    p = az.params
    if p["frequency_interval"] < 1:
        az.fail("frequency_interval must be 1 or more, not %d" % p["frequency_interval"])
    if p["retention_period_in_days"] < 0:
        az.fail("retention_period_in_days must be 0 (keep forever) or more, not %d" % p["retention_period_in_days"])
    if not 1 <= p["sas_validity_days"] <= 3650:
        az.fail("sas_validity_days must be between 1 and 3650, not %d" % p["sas_validity_days"])
    if not 0 <= p["sas_rotate_before_days"] < p["sas_validity_days"]:
        az.fail("sas_rotate_before_days must be between 0 and sas_validity_days - 1, not %d" % p["sas_rotate_before_days"])

    def run():
        site = "/subscriptions/%s/resourceGroups/%s/providers/Microsoft.Web/sites/%s" % (az.subscription_id, p["resource_group"], p["name"])
        # The configuration alone when it exists; a 404 means no configuration or no app, which only the app's GET tells apart.
        status, _h, cfg = az.arm.request("POST", site + "/config/backup/list", WEB_API, expect=(200, 404), read_only=True)
        current = (cfg or {}).get("properties") if status == 200 else None
        if status == 404 and az.arm.get(site, WEB_API) is None:
            # Check mode: the app is only planned, and so is its first backup configuration.
            az.parent_missing("web app %s not found in resource group %s" % (p["name"], p["resource_group"]))
        before = public_view(current)
        if p["state"] == "absent":
            if current is None:
                return dict(changed=False, backup_configuration={}, diff={"before": {}, "after": {}})
            if not az.check_mode:
                az.arm.request("DELETE", site + "/config/backup", WEB_API)
            return dict(changed=True, backup_configuration={}, diff={"before": before, "after": {}})
        account = p["storage_account"]
        container_url = "https://%s.blob.core.windows.net/%s" % (account, p["container"])
        now = datetime.datetime.now(datetime.timezone.utc).replace(tzinfo=None, microsecond=0)
        schedule = {"frequencyInterval": p["frequency_interval"], "frequencyUnit": p["frequency_unit"],
                    "retentionPeriodInDays": p["retention_period_in_days"], "keepAtLeastOneBackup": p["keep_at_least_one_backup"]}
        wanted = {"enabled": p["enabled"], "backup_name": p["backup_name"] or before.get("backup_name") or p["name"],
                  "container_url": container_url, "schedule": schedule}
        expiry = before.get("sas_expiry")
        try:
            expires = datetime.datetime.strptime(expiry, TIME_FMT) if expiry else None
        except ValueError:
            expires = None
        new_sas = (p["rotate_sas"] or expires is None or before.get("container_url", "").lower() != container_url.lower()
                   or expires - now < datetime.timedelta(days=p["sas_rotate_before_days"]))
        same = not new_sas and all(before.get(k) == v for k, v in wanted.items())
        if same:
            return dict(changed=False, backup_configuration=before, diff={"before": before, "after": before})
        new_expiry = (now + datetime.timedelta(days=p["sas_validity_days"])).strftime(TIME_FMT) if new_sas else expiry
        after = dict(wanted, sas_expiry=new_expiry)
        if current is None:
            after["id"] = site + "/config/backup"
        diff = {"before": before, "after": after}
        if az.check_mode:
            return dict(changed=True, backup_configuration=after, diff=diff)
        if new_sas:
            acct_rg = p["storage_account_resource_group"] or p["resource_group"]
            _st, _h, keys = az.arm.request("POST", "/subscriptions/%s/resourceGroups/%s/providers/Microsoft.Storage/storageAccounts/%s/listKeys"
                                           % (az.subscription_id, acct_rg, account), STORAGE_API, read_only=True)
            key = next((k["value"] for k in (keys or {}).get("keys") or [] if k.get("keyName") == "key1"), None)
            if not key:
                az.fail("storage account %s returned no key1 to sign the backup SAS with" % account)
            url = container_url + "?" + service_sas(account, p["container"], key, new_expiry)
        else:
            url = current["storageAccountUrl"]
        body = {"properties": {"backupName": after["backup_name"], "enabled": p["enabled"], "storageAccountUrl": url,
                               "backupSchedule": dict(schedule, startTime=(current or {}).get("backupSchedule", {}).get("startTime")
                                                      or now.strftime(TIME_FMT))}}
        _st, _h, out = az.arm.request("PUT", site + "/config/backup", WEB_API, body=body)
        return dict(changed=True, backup_configuration=public_view((out or {}).get("properties")), diff=diff)

    az.run(run)


if __name__ == "__main__":
    main()
