#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright: (c) 2026, erpops.azure contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import absolute_import, division, print_function

__metaclass__ = type

DOCUMENTATION = r"""
module: web_app_backup_info
short_description: Read the backups of an App Service web app or slot and its backup configuration
version_added: 0.1.0
description:
  - Lists the custom backups of a web app or of one of its slots (C(GET .../sites/{name}/backups) or
    C(.../slots/{slot}/backups)), the most recent first, with their status, size and blob.
  - Reads the backup configuration (C(config/backup/list), a list action that changes nothing) with its schedule and
    retention, unless O(configuration=skip).
  - The container's SAS token is a secret. It never appears in the result, only the container's address and the SAS expiry.
    Connection strings of backed-up databases are left out too.
author:
  - erpops.azure maintainers (@erpops)
options:
  resource_group:
    description: Resource group of the web app.
    type: str
    required: true
  name:
    description: Name of the web app.
    type: str
    required: true
  slot:
    description: A deployment slot whose own backups to read, instead of the production app's.
    type: str
  configuration:
    description:
      - Whether to read the backup configuration. Azure answers it to a list action, C(POST config/backup/list), which
        needs the permission C(Microsoft.Web/sites/config/list/action); Reader does not have it (it is the permission that
        reads the app settings too), while listing the backups needs only Reader.
      - V(required) fails the task when the configuration cannot be read.
      - V(if_permitted) returns the backups when Azure refuses the configuration with 403, with an empty
        RV(backup_configuration) and the refusal in RV(configuration_error).
      - V(skip) does not ask for the configuration.
    type: str
    choices: [required, if_permitted, skip]
    default: required
    version_added: 0.2.0
extends_documentation_fragment:
  - erpops.azure.attributes
  - erpops.azure.azure
attributes:
  check_mode:
    support: full
    details: The module only reads (C(config/backup/list) changes nothing).
  diff_mode:
    support: none
"""

EXAMPLES = r"""
- name: Read the ERP's backups
  erpops.azure.web_app_backup_info:
    resource_group: erp-supermarket-production-rg
    name: erp-supermarket-prod
  register: erp_backups

- name: Read the backups as a Reader, and the configuration only if the principal may list it
  erpops.azure.web_app_backup_info:
    resource_group: erp-supermarket-production-rg
    name: erp-supermarket-prod
    configuration: if_permitted
  register: erp_backups_read

- name: Check that last night's backup succeeded
  ansible.builtin.assert:
    that:
      - erp_backups.backups | length > 0
      - erp_backups.backups[0].status == "Succeeded"
"""

RETURN = r"""
backups:
  description: The backups, the most recently created first; empty when there are none.
  returned: always
  type: list
  elements: dict
  contains:
    id:
      description: The backup's number, what M(erpops.azure.web_app_backup_restore) takes as O(erpops.azure.web_app_backup_restore#module:backup_id).
      type: int
      returned: always
    resource_id:
      description: The backup's resource ID.
      type: str
      returned: always
    name:
      description: The backup's name.
      type: str
      returned: always
    status:
      description: C(InProgress), C(Succeeded), C(Failed), C(TimedOut), C(Skipped), C(PartiallySucceeded) and so on.
      type: str
      returned: always
    sizeInBytes:
      description: Size of the backup blob.
      type: int
      returned: always
    websiteSizeInBytes:
      description: Size of the app's files that were backed up.
      type: int
      returned: always
    created:
      description: When the backup started.
      type: str
      returned: always
    finishedTimeStamp:
      description: When the backup ended.
      type: str
      returned: always
    lastRestoreTimeStamp:
      description: When the backup was last restored, if ever.
      type: str
      returned: always
    blobName:
      description: Name of the backup's blob in its container.
      type: str
      returned: always
    storageAccountUrl:
      description: Address of the container holding the blob, without its SAS.
      type: str
      returned: always
    scheduled:
      description: Whether the schedule took the backup (V(false) for an on-demand backup).
      type: bool
      returned: always
    log:
      description: Azure's message about the backup, for example why it failed.
      type: str
      returned: always
    correlationId:
      description: Azure's identifier of the backup run, for a support request.
      type: str
      returned: always
    databases:
      description: Names and types of the databases in the backup, without their connection strings.
      type: list
      elements: dict
      returned: always
  sample:
    - id: 3
      resource_id: /subscriptions/.../resourceGroups/erp-rg/providers/Microsoft.Web/sites/erp-supermarket-prod/backups/3
      name: erp-supermarket-prod_202605010200
      status: Succeeded
      sizeInBytes: 1843211
      websiteSizeInBytes: 5120345
      created: "2026-05-01T02:00:00.0000000Z"
      finishedTimeStamp: "2026-05-01T02:01:12.0000000Z"
      lastRestoreTimeStamp: null
      blobName: erp-supermarket-prod_202605010200.zip
      storageAccountUrl: "https://erpsupermarketprodst.blob.core.windows.net/erp-backups"
      scheduled: true
      log: null
      correlationId: 8d0f5a0e-3a55-4c1e-9d2b-5c2f1f0e7a11
      databases: []
backup_configuration:
  description:
    - The backup configuration without its SAS, in the shape M(erpops.azure.web_app_backup) returns, plus when the schedule
      started and last ran. Empty when none is set.
  returned: always
  type: dict
  sample:
    enabled: true
    backup_name: erp-supermarket-prod
    container_url: "https://erpsupermarketprodst.blob.core.windows.net/erp-backups"
    sas_expiry: "2027-05-01T02:00:00Z"
    schedule: {frequencyInterval: 1, frequencyUnit: Day, retentionPeriodInDays: 10, keepAtLeastOneBackup: true}
    start_time: "2026-04-01T02:00:00.0000000Z"
    last_execution_time: "2026-05-01T02:00:00.0000000Z"
configuration_error:
  description:
    - With O(configuration=if_permitted), why Azure refused the backup configuration (the missing permission); null
      when it was read, absent or not asked for.
  returned: always
  type: str
  sample: >-
    Azure answered 403 AuthorizationFailed: The client '...' with object id '...' does not have authorization to perform
    action 'Microsoft.Web/sites/config/list/action' over scope '.../sites/erp-supermarket-prod/config/backup'...
  version_added: 0.2.0
"""

from ansible_collections.erpops.azure.plugins.module_utils import web_backup
from ansible_collections.erpops.azure.plugins.module_utils.errors import AzureApiError
from ansible_collections.erpops.azure.plugins.module_utils.module import AzureModule

API_VERSION = "2024-11-01"


def main():
    az = AzureModule(dict(
        resource_group=dict(type="str", required=True),
        name=dict(type="str", required=True),
        slot=dict(type="str"),
        configuration=dict(type="str", default="required", choices=["required", "if_permitted", "skip"]),
    ))
    p = az.params

    def run():
        site = "/subscriptions/%s/resourceGroups/%s/providers/Microsoft.Web/sites/%s" % (az.subscription_id, p["resource_group"], p["name"])
        label = "web app %s" % p["name"]
        if p["slot"]:
            site += "/slots/%s" % p["slot"]
            label = "slot %s of web app %s" % (p["slot"], p["name"])
        if az.arm.get(site, API_VERSION) is None:
            az.fail("%s not found in resource group %s" % (label, p["resource_group"]))
        items = az.arm.list(site + "/backups", API_VERSION)
        status, cfg, refused = 404, None, None
        if p["configuration"] != "skip":
            try:
                status, _h, cfg = az.arm.request("POST", site + "/config/backup/list", API_VERSION, expect=(200, 404), read_only=True)
            except AzureApiError as exc:
                if exc.status != 403 or p["configuration"] != "if_permitted":
                    raise
                refused = exc.describe()
        props = ((cfg or {}).get("properties") or {}) if status == 200 else {}
        # Whatever Azure puts in a URL's query string stays out of the output, even where this module does not expect it.
        for url in [props.get("storageAccountUrl")] + [(i.get("properties") or {}).get("storageAccountUrl") for i in items]:
            az.module.no_log_values.update(web_backup.sas_secrets(url))
        config = web_backup.public_view(props)
        if config:
            schedule = props.get("backupSchedule") or {}
            config.update(start_time=schedule.get("startTime"), last_execution_time=schedule.get("lastExecutionTime"))
        return dict(changed=False, backups=web_backup.newest_first([web_backup.public_item(i) for i in items]), backup_configuration=config,
                    configuration_error=refused)

    az.run(run)


if __name__ == "__main__":
    main()
