#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright: (c) 2026, erpops.azure contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import absolute_import, division, print_function

__metaclass__ = type

DOCUMENTATION = r"""
module: web_app
short_description: Create, update or delete an Azure App Service web app
version_added: 0.1.0
description:
  - Creates a web app (C(Microsoft.Web/sites)) on an existing App Service plan, keeps its runtime, startup command,
    TLS/HTTPS settings, identity, app settings, connection strings and basic-auth publishing policies as asked, or deletes it.
  - Only the options you set are compared and written, each to its own endpoint (site, C(config/web), C(config/appsettings),
    C(config/connectionstrings), C(basicPublishingCredentialsPolicies)), so a second run with the same options sends no write.
  - A run that changes nothing reads the site, C(config/web), the app settings and the publishing policies; the connection
    strings only when O(connection_strings) is set.
  - App settings come in two options written together, O(app_settings) (values shown in results and diffs) and
    O(secret_app_settings) (C(no_log); names shown, values masked), so that one task sets them all without hiding its output.
  - Secret app setting and connection string values are never returned, shown in a diff or logged; the module returns
    their names with masked values.
author:
  - erpops.azure maintainers (@erpops)
options:
  name:
    description:
      - Name of the web app (2-60 letters, digits, hyphens).
      - It is also the host name C(<name>.azurewebsites.net), so it must be unique in all of Azure.
    type: str
    required: true
  resource_group:
    description: Resource group of the web app.
    type: str
    required: true
  plan:
    description:
      - The App Service plan, by name (in O(plan_resource_group)) or by resource id.
      - Required to create the app. On an existing app, a different plan moves the app to it.
    type: str
  plan_resource_group:
    description: Resource group of O(plan) when it is a name; defaults to O(resource_group).
    type: str
  location:
    description:
      - Azure region. Defaults to the plan's region; an app must live in its plan's region and cannot move.
    type: str
  state:
    description: Whether the web app should exist. Deleting an app keeps its plan, even when the plan becomes empty.
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
- name: Create the ERP web app on the production plan
  erpops.azure.web_app:
    name: erp-supermarket-prod
    resource_group: erp-supermarket-production-rg
    plan: erp-production-plan
    linux_fx_version: PYTHON|3.11
    app_command_line: gunicorn --bind 0.0.0.0:8000 --workers 4 --timeout 120 erp_project.wsgi:application
    always_on: true
    https_only: true
    min_tls_version: "1.2"
    ftps_state: Disabled
    http20_enabled: true
    identity:
      system_assigned: true
    app_settings:
      DJANGO_SETTINGS_MODULE: erp_project.settings_production
      ALLOWED_HOSTS: erp-supermarket-prod.azurewebsites.net
      DB_NAME: postgres
      DB_USER: erpadmin
      DB_HOST: erp-postgres-prod.postgres.database.azure.com
      DB_PORT: "5432"
      SECURE_SSL_REDIRECT: "True"
      SCM_DO_BUILD_DURING_DEPLOYMENT: "true"
    # Shown in the output by name only; the task needs no no_log.
    secret_app_settings:
      SECRET_KEY: "@Microsoft.KeyVault(SecretUri=https://erp-kv-prod.vault.azure.net/secrets/django-secret-key/)"
      DB_PASSWORD: "{{ vault_db_password }}"

- name: Replace the app settings with exactly these
  erpops.azure.web_app:
    name: erp-supermarket-prod
    resource_group: erp-supermarket-production-rg
    app_settings:
      DJANGO_SETTINGS_MODULE: erp_project.settings_production
    secret_app_settings:
      SECRET_KEY: "{{ vault_django_secret_key }}"
    purge_app_settings: true

- name: Delete the web app (the plan stays)
  erpops.azure.web_app:
    name: erp-supermarket-prod
    resource_group: erp-supermarket-production-rg
    state: absent
"""

RETURN = r"""
web_app:
  description:
    - The web app as Azure returns it, with C(properties.siteConfig) the full configuration of C(config/web), and three
      additions, C(app_settings) (the values of the settings named in O(app_settings), the others masked),
      C(connection_strings) (values masked; C(null) when O(connection_strings) is unset, as they are not read then) and
      C(basic_publishing_auth).
    - Empty when the app was deleted.
  returned: always
  type: dict
  sample:
    id: /subscriptions/00000000-0000-0000-0000-000000000000/resourceGroups/erp-supermarket-production-rg/providers/Microsoft.Web/sites/erp-supermarket-prod
    name: erp-supermarket-prod
    kind: app,linux
    location: West Europe
    properties:
      state: Running
      defaultHostName: erp-supermarket-prod.azurewebsites.net
      httpsOnly: true
      serverFarmId: /subscriptions/00000000-0000-0000-0000-000000000000/resourceGroups/erp-supermarket-production-rg/providers/Microsoft.Web/serverfarms/plan
      siteConfig: {linuxFxVersion: PYTHON|3.11, alwaysOn: true, minTlsVersion: "1.2", ftpsState: Disabled}
    app_settings: {DJANGO_SETTINGS_MODULE: erp_project.settings_production, SECRET_KEY: "********"}
    connection_strings: {}
    basic_publishing_auth: {scm: false, ftp: false}
"""

from ansible_collections.erpops.azure.plugins.module_utils import reconcile
from ansible_collections.erpops.azure.plugins.module_utils.module import AzureModule
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
        resource_group=dict(type="str", required=True),
        plan=dict(type="str"),
        plan_resource_group=dict(type="str"),
        location=dict(type="str"),
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
        state=dict(type="str", default="present", choices=["present", "absent"]),
    )


def main():
    az = AzureModule(argument_spec(), wait=True)
    p = az.params

    def run():
        check_input(az, p)
        base = "/subscriptions/%s/resourceGroups/%s/providers/Microsoft.Web" % (az.subscription_id, p["resource_group"])
        path = "%s/sites/%s" % (base, p["name"])
        app = WebApp(az, path, shown=p["app_settings"])
        # Connection strings are listed only when the task manages them (a list action each run otherwise).
        managed_strings = p["connection_strings"] is not None
        site = app.get()
        if p["state"] == "absent":
            if site is None:
                return dict(changed=False, web_app={}, diff={"before": {}, "after": {}})
            before = app.view(app.read(site))
            if not az.check_mode:
                # Azure deletes a plan left empty unless told otherwise; the plan is managed on its own.
                az.arm.request("DELETE", path, API_VERSION, params={"deleteEmptyServerFarm": "false"})
            return dict(changed=True, web_app={}, diff={"before": before, "after": {}})

        farm_id = plan = None
        if p["plan"]:
            if p["plan"].lower().startswith("/subscriptions/"):
                farm_id = p["plan"]
            else:
                farm_id = "/subscriptions/%s/resourceGroups/%s/providers/Microsoft.Web/serverfarms/%s" % (
                    az.subscription_id, p["plan_resource_group"] or p["resource_group"], p["plan"])
            if site is None or farm_id.lower() != (site["properties"].get("serverFarmId") or "").lower():
                plan = az.arm.get(farm_id, API_VERSION)
                if plan is None:
                    az.parent_missing("App Service plan %s not found (%s); create it first, for example with erpops.azure.app_service_plan"
                                      % (p["plan"], farm_id))
                    # Check mode: the plan is only planned (an earlier task predicts it). A Linux runtime means a Linux plan.
                    plan = {"id": farm_id, "name": farm_id.rsplit("/", 1)[-1], "planned": True,
                            "location": p["location"] or (site or {}).get("location")
                            or az.resource_group_location(p["plan_resource_group"] or p["resource_group"]),
                            "properties": {"reserved": bool(p["linux_fx_version"])}}
                farm_id = plan["id"]

        if site is None:
            if plan is None:
                az.fail("plan is required to create web app %s" % p["name"])
            location = p["location"] or plan["location"]
            if reconcile.norm_location(location) != reconcile.norm_location(plan["location"]):
                az.fail("web app %s must be in its plan's region (%s), not %s" % (p["name"], plan["location"], location))
            reserved = bool((plan.get("properties") or {}).get("reserved"))
            if p["linux_fx_version"] and not reserved:
                az.fail("linux_fx_version needs a Linux plan; plan %s is a Windows plan" % plan["name"])
            body = creation_body(p, location, "app,linux" if reserved else "app", farm_id, reserved)
            predicted = predicted_creation(body, path, p["name"], p)
            diff = {"before": {}, "after": app.view(predicted)}
            if az.check_mode:
                return dict(changed=True, web_app=app.result(predicted), diff=diff)
            op = az.arm.start("PUT", path, API_VERSION, body=body)
            az.arm.wait(op, p["wait_timeout"])
            app.put_policies(creation_policies(p))
            return dict(changed=True, web_app=app.result(app.read(app.get(), managed_strings)), diff=diff)

        if p["location"] and reconcile.norm_location(p["location"]) != reconcile.norm_location(site["location"]):
            az.fail("web app %s is in %s; an app cannot move to %s" % (p["name"], site["location"], p["location"]))
        if plan is not None and reconcile.norm_location(plan["location"]) != reconcile.norm_location(site["location"]):
            az.fail("plan %s is in %s; web app %s in %s can only move to a plan of its region" % (plan["name"], plan["location"], p["name"],
                                                                                                  site["location"]))
        state = app.read(site, managed_strings)
        changes = app.changes(p, state, farm_id)
        if not any(x for x in changes):
            view = app.view(state)
            return dict(changed=False, web_app=app.result(state), diff={"before": view, "after": view})
        predicted = app.apply(state, changes)
        diff = {"before": app.view(state), "after": app.view(predicted, before=state)}
        if az.check_mode:
            return dict(changed=True, web_app=app.result(predicted), diff=diff)
        return dict(changed=True, web_app=app.result(app.read(app.get(), managed_strings)), diff=diff)

    az.run(run)


if __name__ == "__main__":
    main()
