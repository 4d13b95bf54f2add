#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright: (c) 2026, erpops.azure contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import absolute_import, division, print_function

__metaclass__ = type

DOCUMENTATION = r"""
module: web_app_info
short_description: Read Azure App Service web apps for maintenance and audit
version_added: 0.1.0
description:
  - Returns one web app, the web apps of a resource group, or every web app of the subscription, each with its full
    configuration (C(config/web)), the names of its app settings and connection strings (never their values), the
    slot-sticky setting names, its host names, state and basic-auth publishing policies.
author:
  - erpops.azure maintainers (@erpops)
options:
  name:
    description: Name of one web app; needs O(resource_group).
    type: str
  resource_group:
    description: Resource group to list; without it, every web app of the subscription is listed.
    type: str
  include_setting_names:
    description:
      - Read the names of the app settings and connection strings (C(POST .../config/appsettings/list) and
        C(.../config/connectionstrings/list)). These list actions need C(Microsoft.Web/sites/config/list/action), which the
        Reader role does not grant.
      - V(false) reads with Reader alone; RV(web_apps[].app_setting_names) and RV(web_apps[].connection_strings) are then
        C(null).
    type: bool
    default: true
    version_added: 0.2.0
  slots:
    description:
      - Also list each app's deployment slots (C(GET .../sites/{name}/slots)) in RV(web_apps[].slots), one more read per app.
    type: bool
    default: false
extends_documentation_fragment:
  - erpops.azure.attributes
  - erpops.azure.azure
attributes:
  check_mode:
    support: full
    details: The module only reads (the C(.../list) calls that read settings change nothing).
  diff_mode:
    support: none
"""

EXAMPLES = r"""
- name: Read the ERP web app
  erpops.azure.web_app_info:
    name: erp-supermarket-prod
    resource_group: erp-supermarket-production-rg
  register: erp_app

- name: Check that nobody enabled FTP basic authentication
  ansible.builtin.assert:
    that:
      - not erp_app.web_apps[0].basic_publishing_auth.ftp

- name: Read the runtime as a Reader (no list action on the settings)
  erpops.azure.web_app_info:
    name: erp-supermarket-prod
    resource_group: erp-supermarket-production-rg
    include_setting_names: false
  register: erp_app_read

- name: Show the runtime stack
  ansible.builtin.debug:
    msg: "{{ erp_app_read.web_apps[0].site_config.linuxFxVersion }}"
"""

RETURN = r"""
web_apps:
  description: The web apps found (empty when O(name) does not exist).
  returned: always
  type: list
  elements: dict
  contains:
    site:
      description: The web app as Azure returns it (C(properties.state), C(properties.hostNames), C(properties.defaultHostName)...).
      type: dict
      returned: always
    site_config:
      description: The full configuration (C(config/web) properties).
      type: dict
      returned: always
    app_setting_names:
      description: Names of the app settings, sorted; null when O(include_setting_names=false).
      type: list
      elements: str
      returned: always
    connection_strings:
      description: Connection string names and types (values are never returned); null when O(include_setting_names=false).
      type: list
      elements: dict
      returned: always
    sticky_app_setting_names:
      description: App setting names that stay with their slot during a swap (C(config/slotConfigNames)).
      type: list
      elements: str
      returned: always
    sticky_connection_string_names:
      description: Connection string names that stay with their slot during a swap.
      type: list
      elements: str
      returned: always
    host_names:
      description: Host names the app answers to.
      type: list
      elements: str
      returned: always
    state:
      description: C(Running) or C(Stopped).
      type: str
      returned: always
    basic_publishing_auth:
      description: Whether basic authentication is allowed on the C(scm) and C(ftp) publishing endpoints.
      type: dict
      returned: always
    slots:
      description:
        - The app's deployment slots, each with its C(name) (the slot's own, without the app's), C(id), C(state),
          C(default_host_name), C(tags) and C(last_modified) (C(properties.lastModifiedTimeUtc), the last change Azure records).
      type: list
      elements: dict
      returned: with O(slots=true)
      sample:
        - {name: staging, id: /subscriptions/.../sites/erp-supermarket-prod/slots/staging, state: Running,
           default_host_name: erp-supermarket-prod-staging.azurewebsites.net, tags: {}, last_modified: "2026-05-01T02:00:00Z"}
  sample:
    - site: {name: erp-supermarket-prod, location: West Europe, kind: "app,linux", properties: {state: Running}}
      site_config: {linuxFxVersion: PYTHON|3.11, alwaysOn: true, minTlsVersion: "1.2", ftpsState: Disabled}
      app_setting_names: [DB_HOST, DB_PASSWORD, DJANGO_SETTINGS_MODULE, SECRET_KEY]
      connection_strings: []
      sticky_app_setting_names: [DB_PASSWORD]
      sticky_connection_string_names: []
      host_names: [erp-supermarket-prod.azurewebsites.net]
      state: Running
      basic_publishing_auth: {scm: false, ftp: false}
"""

from ansible_collections.erpops.azure.plugins.module_utils.module import AzureModule

API_VERSION = "2025-05-01"


def describe(az, site, setting_names=True):
    arm = az.arm
    path = site["id"]
    config = (arm.get(path + "/config/web", API_VERSION) or {}).get("properties") or {}
    config.pop("appSettings", None)
    config.pop("connectionStrings", None)
    settings = strings = None
    if setting_names:
        _status, _hdrs, settings = arm.request("POST", path + "/config/appsettings/list", API_VERSION, read_only=True)
        _status, _hdrs, strings = arm.request("POST", path + "/config/connectionstrings/list", API_VERSION, read_only=True)
    sticky = (arm.get(path + "/config/slotConfigNames", API_VERSION) or {}).get("properties") or {}
    policies = dict((x.get("name"), (x.get("properties") or {}).get("allow"))
                    for x in arm.list(path + "/basicPublishingCredentialsPolicies", API_VERSION))
    props = site.get("properties") or {}
    return {"site": site, "site_config": config,
            "app_setting_names": sorted(((settings or {}).get("properties") or {}).keys()) if setting_names else None,
            "connection_strings": [{"name": k, "type": (v or {}).get("type")} for k, v in sorted(((strings or {}).get("properties") or {}).items())]
            if setting_names else None,
            "sticky_app_setting_names": list(sticky.get("appSettingNames") or []),
            "sticky_connection_string_names": list(sticky.get("connectionStringNames") or []),
            "host_names": list(props.get("hostNames") or []), "state": props.get("state"),
            "basic_publishing_auth": {"scm": policies.get("scm", True), "ftp": policies.get("ftp", True)}}


def slots(az, site):
    """The app's slots, named by their own name (Azure names them ``<app>/<slot>``)."""
    out = []
    for slot in az.arm.list(site["id"] + "/slots", API_VERSION):
        props = slot.get("properties") or {}
        out.append({"name": str(slot.get("name") or "").rsplit("/", maxsplit=1)[-1], "id": slot.get("id"), "state": props.get("state"),
                    "default_host_name": props.get("defaultHostName"), "tags": slot.get("tags") or {},
                    "last_modified": props.get("lastModifiedTimeUtc")})
    return out


def main():
    az = AzureModule(dict(name=dict(type="str"), resource_group=dict(type="str"), include_setting_names=dict(type="bool", default=True),
                          slots=dict(type="bool", default=False)),
                     required_by={"name": "resource_group"})
    p = az.params

    def run():
        sub = "/subscriptions/%s" % az.subscription_id
        if p["name"]:
            one = az.arm.get("%s/resourceGroups/%s/providers/Microsoft.Web/sites/%s" % (sub, p["resource_group"], p["name"]), API_VERSION)
            sites = [one] if one else []
        elif p["resource_group"]:
            sites = az.arm.list("%s/resourceGroups/%s/providers/Microsoft.Web/sites" % (sub, p["resource_group"]), API_VERSION)
        else:
            sites = az.arm.list("%s/providers/Microsoft.Web/sites" % sub, API_VERSION)
        apps = [describe(az, s, p["include_setting_names"]) for s in sites]
        if p["slots"]:
            for app, site in zip(apps, sites):
                app["slots"] = slots(az, site)
        return dict(changed=False, web_apps=apps)

    az.run(run)


if __name__ == "__main__":
    main()
