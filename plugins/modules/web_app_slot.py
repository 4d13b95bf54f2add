#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright: (c) 2026, erpops.azure contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import absolute_import, division, print_function

__metaclass__ = type

DOCUMENTATION = r"""
module: web_app_slot
short_description: Create, update or delete a deployment slot of an Azure App Service web app
version_added: 0.1.0
description:
  - Creates a deployment slot (C(Microsoft.Web/sites/slots), for example C(staging)) of an existing web app, keeps its
    configuration, identity, app settings, connection strings and basic-auth publishing policies as asked, or deletes it.
  - Marks app settings and connection strings as slot-sticky (C(config/slotConfigNames) of the production app), so they stay
    with their slot when slots are swapped.
  - Deployment slots need a Standard plan or higher; on Free, Shared and Basic plans Azure refuses the slot and the module
    says so.
  - Only the options you set are compared and written.
  - A run that changes nothing reads the slot, the app's C(config/slotConfigNames), the slot's C(config/web), app settings
    and publishing policies; its connection strings only when O(connection_strings) is set. The production app itself is
    read only when the slot does not exist (to create the slot in the app's region, on its plan, or to say the app is missing).
  - App settings come in two options written together, O(app_settings) (values shown in results and diffs) and
    O(secret_app_settings) (C(no_log); names shown, values masked), so that one task sets them all without hiding its output.
    Values of secret app settings and connection strings are never returned or shown.
author:
  - erpops.azure maintainers (@erpops)
options:
  name:
    description: Name of the slot (2-59 letters, digits, hyphens; C(<web_app>-<name>) is its host name and must fit in 60 characters).
    type: str
    required: true
  web_app:
    description: Name of the production web app the slot belongs to.
    type: str
    required: true
  resource_group:
    description: Resource group of the web app.
    type: str
    required: true
  sticky_app_settings:
    description:
      - Names of the app settings that stay with their slot during a swap (for example the database of each slot).
      - The list is the production app's whole list (it applies to every slot of the app); V([]) clears it.
    type: list
    elements: str
  sticky_connection_strings:
    description: Names of the connection strings that stay with their slot during a swap; the app's whole list, like O(sticky_app_settings).
    type: list
    elements: str
  state:
    description: Whether the slot should exist.
    type: str
    default: present
    choices: [present, absent]
notes:
  - A new app (or slot) is always awaited, whatever O(wait) says, because its basic publishing credentials policies can only be
    written once it exists, and creation takes seconds. O(wait=false) is accepted for playbooks that pass it to every module.
extends_documentation_fragment:
  - erpops.azure.attributes
  - erpops.azure.web_app
  - erpops.azure.azure
attributes:
  check_mode:
    support: full
  diff_mode:
    support: full
    details: The values of O(secret_app_settings), of app settings the task does not name and of connection strings are masked.
"""

EXAMPLES = r"""
- name: Create the staging slot of the ERP app
  erpops.azure.web_app_slot:
    name: staging
    web_app: erp-supermarket-prod
    resource_group: erp-supermarket-production-rg
    linux_fx_version: PYTHON|3.11
    app_command_line: gunicorn --bind 0.0.0.0:8000 --workers 4 --timeout 120 erp_project.wsgi:application
    https_only: true
    min_tls_version: "1.2"
    app_settings:
      DJANGO_SETTINGS_MODULE: erp_project.settings_production
      DB_NAME: erp_staging
    secret_app_settings:
      SECRET_KEY: "{{ vault_staging_secret_key }}"
    sticky_app_settings: [DB_NAME, SECRET_KEY]

- name: Delete the staging slot
  erpops.azure.web_app_slot:
    name: staging
    web_app: erp-supermarket-prod
    resource_group: erp-supermarket-production-rg
    state: absent
"""

RETURN = r"""
web_app_slot:
  description:
    - The slot as Azure returns it, with C(properties.siteConfig) the full configuration of C(config/web), and
      C(app_settings) (the values of the settings named in O(app_settings), the others masked), C(connection_strings)
      (values masked; C(null) when O(connection_strings) is unset, as they are not read then), C(basic_publishing_auth),
      C(sticky_app_settings) and C(sticky_connection_strings) added.
    - Empty when the slot was deleted.
  returned: always
  type: dict
  sample:
    name: erp-supermarket-prod/staging
    type: Microsoft.Web/sites/slots
    location: West Europe
    properties: {state: Running, defaultHostName: erp-supermarket-prod-staging.azurewebsites.net, httpsOnly: true}
    app_settings: {DJANGO_SETTINGS_MODULE: erp_project.settings_production, DB_NAME: erp_staging, SECRET_KEY: "********"}
    connection_strings: {}
    basic_publishing_auth: {scm: false, ftp: false}
    sticky_app_settings: [DB_NAME, SECRET_KEY]
    sticky_connection_strings: []
"""

from ansible_collections.erpops.azure.plugins.module_utils.errors import AzureApiError
from ansible_collections.erpops.azure.plugins.module_utils.module import KNOWN_AFTER_CREATE, AzureModule
from ansible_collections.erpops.azure.plugins.module_utils.web import (
    API_VERSION,
    CONNECTION_TYPES,
    WebApp,
    check_input,
    creation_body,
    creation_policies,
    predicted_creation,
)


def argument_spec():
    return dict(
        name=dict(type="str", required=True),
        web_app=dict(type="str", required=True),
        resource_group=dict(type="str", required=True),
        linux_fx_version=dict(type="str"),
        app_command_line=dict(type="str"),
        always_on=dict(type="bool"),
        ftps_state=dict(type="str", choices=["AllAllowed", "FtpsOnly", "Disabled"]),
        min_tls_version=dict(type="str", choices=["1.0", "1.1", "1.2", "1.3"]),
        http20_enabled=dict(type="bool"),
        health_check_path=dict(type="str"),
        https_only=dict(type="bool"),
        client_affinity_enabled=dict(type="bool"),
        identity=dict(type="dict", options=dict(system_assigned=dict(type="bool", required=True))),
        tags=dict(type="dict"),
        purge_tags=dict(type="bool", default=True),
        app_settings=dict(type="dict"),
        secret_app_settings=dict(type="dict", no_log=True),
        purge_app_settings=dict(type="bool", default=False),
        connection_strings=dict(type="list", elements="dict", options=dict(
            name=dict(type="str", required=True),
            value=dict(type="str", required=True, no_log=True),
            type=dict(type="str", default="Custom", choices=list(CONNECTION_TYPES)))),
        purge_connection_strings=dict(type="bool", default=False),
        basic_publishing_auth=dict(type="dict", options=dict(scm=dict(type="bool"), ftp=dict(type="bool"))),
        sticky_app_settings=dict(type="list", elements="str", no_log=False),
        sticky_connection_strings=dict(type="list", elements="str", no_log=False),
        state=dict(type="str", default="present", choices=["present", "absent"]),
    )


STICKY = (("sticky_app_settings", "appSettingNames"), ("sticky_connection_strings", "connectionStringNames"))
SLOT_QUOTA_HINT = ("; deployment slots need a Standard (S1) plan or higher: Free, Shared and Basic plans have none, "
                   "Standard has 5, Premium 20")


def sticky_changes(p, current):
    """The slotConfigNames record to PUT (it replaces the whole record), or None."""
    props = current or {}
    want = dict(props)
    for opt, prop in STICKY:
        if p[opt] is not None:
            want[prop] = list(p[opt])
    same = all(sorted(want.get(prop) or []) == sorted(props.get(prop) or []) for _opt, prop in STICKY)
    return None if same else want


def main():
    az = AzureModule(argument_spec(), wait=True)
    p = az.params

    def run():
        check_input(az, p)
        site_path = "/subscriptions/%s/resourceGroups/%s/providers/Microsoft.Web/sites/%s" % (az.subscription_id, p["resource_group"], p["web_app"])
        path = "%s/slots/%s" % (site_path, p["name"])
        app = WebApp(az, path, shown=p["app_settings"])
        # Connection strings are listed only when the task manages them (a list action each run otherwise).
        managed_strings = p["connection_strings"] is not None
        # An existing slot implies its app: the app is read only when the slot is missing, to create the slot (its
        # region, plan and kind) or to say that the app itself is missing.
        slot = app.get()
        parent = None
        planned = False
        if slot is None:
            parent = az.arm.get(site_path, API_VERSION)
            planned = parent is None
        if planned:
            az.parent_missing("web app %s not found in resource group %s; create it first with erpops.azure.web_app" % (p["web_app"], p["resource_group"]))
            # Check mode: the app is only planned, so is its slot. A slot takes its app's region, plan and kind.
            parent = {"id": site_path, "location": az.resource_group_location(p["resource_group"]),
                      "kind": "app,linux" if p["linux_fx_version"] else "app",
                      "properties": {"serverFarmId": KNOWN_AFTER_CREATE, "reserved": bool(p["linux_fx_version"])}}
        names_path = site_path + "/config/slotConfigNames"
        if p["state"] == "absent":
            if slot is None:
                return dict(changed=False, web_app_slot={}, diff={"before": {}, "after": {}})
            before = app.view(app.read(slot))
            if not az.check_mode:
                az.arm.request("DELETE", path, API_VERSION, params={"deleteEmptyServerFarm": "false"})
            return dict(changed=True, web_app_slot={}, diff={"before": before, "after": {}})

        names = ((az.arm.get(names_path, API_VERSION) if not planned else None) or {}).get("properties") or {}
        new_names = sticky_changes(p, names)

        def finish(state, changed, diff, **extra):
            shown = new_names if new_names is not None else names
            if diff["before"]:  # a new slot has no before, whatever the app's sticky names (deploy_summary: "created")
                diff["before"]["sticky"] = dict((prop, names.get(prop) or []) for _opt, prop in STICKY)
            diff["after"]["sticky"] = dict((prop, shown.get(prop) or []) for _opt, prop in STICKY)
            if changed and new_names is not None and not az.check_mode:
                az.arm.request("PUT", names_path, API_VERSION, body={"properties": new_names})
            out = app.result(state)
            out["sticky_app_settings"] = list(shown.get("appSettingNames") or [])
            out["sticky_connection_strings"] = list(shown.get("connectionStringNames") or [])
            return dict(changed=changed, web_app_slot=out, diff=diff, **extra)

        if slot is None:
            props = parent.get("properties") or {}
            body = creation_body(p, parent["location"], parent.get("kind") or "app", props.get("serverFarmId"), bool(props.get("reserved")))
            predicted = predicted_creation(body, path, "%s/%s" % (p["web_app"], p["name"]), p)
            predicted["site"]["type"] = "Microsoft.Web/sites/slots"
            predicted["site"]["properties"]["defaultHostName"] = "%s-%s.azurewebsites.net" % (p["web_app"].lower(), p["name"].lower())
            diff = {"before": {}, "after": app.view(predicted)}
            if az.check_mode:
                return finish(predicted, True, diff)
            try:
                op = az.arm.start("PUT", path, API_VERSION, body=body)
            except AzureApiError as exc:
                if exc.status == 409 and "number of slots" in exc.message:
                    az.fail(exc.describe() + SLOT_QUOTA_HINT, status=exc.status, error_code=exc.code)
                raise
            az.arm.wait(op, p["wait_timeout"])
            app.put_policies(creation_policies(p))
            return finish(app.read(app.get(), managed_strings), True, diff)

        state = app.read(slot, managed_strings)
        changes = app.changes(p, state)
        if not any(x for x in changes) and new_names is None:
            view = app.view(state)
            return finish(state, False, {"before": view, "after": dict(view)})
        predicted = app.apply(state, changes)
        diff = {"before": app.view(state), "after": app.view(predicted, before=state)}
        if az.check_mode:
            return finish(predicted, True, diff)
        return finish(app.read(app.get(), managed_strings), True, diff)

    az.run(run)


if __name__ == "__main__":
    main()
