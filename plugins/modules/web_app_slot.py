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
  - Only the options you set are compared and written; values of app settings and connection strings are never returned or shown.
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
  linux_fx_version:
    description: Runtime stack of a Linux app, C(RUNTIME|VERSION) (C(PYTHON|3.11), C(NODE|20-lts), C(DOCKER|image:tag)). Needs a Linux plan.
    type: str
  app_command_line:
    description: Startup command (C(appCommandLine)), for example the gunicorn line of a Django app.
    type: str
  always_on:
    description: Keep the app loaded when idle. Basic tier and above.
    type: bool
  ftps_state:
    description: FTP/FTPS access to the content.
    type: str
    choices: [AllAllowed, FtpsOnly, Disabled]
  min_tls_version:
    description: Lowest TLS version the app accepts.
    type: str
    choices: ['1.0', '1.1', '1.2', '1.3']
  http20_enabled:
    description: Serve HTTP/2.
    type: bool
  health_check_path:
    description: Path App Service probes on each instance (starting with C(/)), for example C(/health/).
    type: str
  https_only:
    description: Redirect HTTP to HTTPS.
    type: bool
  client_affinity_enabled:
    description: ARR affinity cookie (sticky sessions).
    type: bool
  identity:
    description: The app's managed identity. User-assigned identities already on the app are kept.
    type: dict
    suboptions:
      system_assigned:
        description: Whether the app has a system-assigned identity (needed for Key Vault references without a user-assigned identity).
        type: bool
        required: true
  tags:
    description: Tags of the web app.
    type: dict
  purge_tags:
    description: Remove tags not listed in O(tags). With V(false), O(tags) are added to the existing ones.
    type: bool
    default: true
  app_settings:
    description:
      - App settings (environment variables of the app), name to value. Values are strings; numbers are sent as their
        text and booleans as C(true)/C(false) (quote a value to send another spelling, such as C("True")).
      - Key Vault references (C(@Microsoft.KeyVault(SecretUri=...))) are ordinary values, sent and compared untouched.
      - The whole option is secret (C(no_log)); results and diffs show the names with masked values, and a value that
        changes is marked C(******** (changed)) in the diff.
      - Ansible masks every value of a C(no_log) option wherever it appears in the task output, so a short value such as
        C(5432) or C(true) also masks that text in unrelated output of the task.
    type: dict
  purge_app_settings:
    description:
      - Remove app settings not listed in O(app_settings).
      - Defaults to V(false) because other tools add settings of their own (Application Insights'
        C(APPLICATIONINSIGHTS_CONNECTION_STRING), deployment center's C(SCM_DO_BUILD_DURING_DEPLOYMENT)); with V(false) the
        listed settings are added or updated and the others kept.
    type: bool
    default: false
  connection_strings:
    description:
      - Connection strings of the app (C(config/connectionstrings)).
      - Only the values are secret (C(no_log)); results and diffs show names and types with masked values.
    type: list
    elements: dict
    suboptions:
      name:
        description: Name of the connection string (the app reads it as C(<TYPE>CONNSTR_<name>)).
        type: str
        required: true
      value:
        description: The connection string. Key Vault references are sent and compared untouched.
        type: str
        required: true
      type:
        description: Database type.
        type: str
        default: Custom
        choices: [MySql, SQLServer, SQLAzure, Custom, NotificationHub, ServiceBus, EventHub, ApiHub, DocDb, RedisCache, PostgreSQL]
  purge_connection_strings:
    description: Remove connection strings not listed in O(connection_strings).
    type: bool
    default: false
  basic_publishing_auth:
    description:
      - Basic (user name and password) authentication of the SCM (Kudu, Web Deploy) and FTP publishing endpoints.
        Microsoft Entra authentication keeps working when it is off.
      - A new app is created with both B(disabled) unless this option says otherwise (like the portal's secure default).
        On an existing app, an unset value is left alone.
    type: dict
    suboptions:
      scm:
        description: Allow basic authentication on the SCM / Web Deploy endpoint.
        type: bool
      ftp:
        description: Allow basic authentication on FTP/FTPS.
        type: bool
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
extends_documentation_fragment:
  - erpops.azure.azure
  - erpops.azure.azure.wait
attributes:
  check_mode:
    description: Can run in check_mode and return changed status prediction without modifying target.
    support: full
  diff_mode:
    description: Will return details on what has changed (or possibly needs changing in check_mode), when in diff mode.
    support: full
    details: App setting and connection string values are masked.
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
    sticky_app_settings: [DB_NAME]

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
      C(app_settings) and C(connection_strings) (values masked), C(basic_publishing_auth), C(sticky_app_settings) and
      C(sticky_connection_strings) added.
    - Empty when the slot was deleted.
  returned: always
  type: dict
  sample:
    name: erp-supermarket-prod/staging
    type: Microsoft.Web/sites/slots
    location: West Europe
    properties: {state: Running, defaultHostName: erp-supermarket-prod-staging.azurewebsites.net, httpsOnly: true}
    app_settings: {DJANGO_SETTINGS_MODULE: "********", DB_NAME: "********"}
    connection_strings: {}
    basic_publishing_auth: {scm: false, ftp: false}
    sticky_app_settings: [DB_NAME]
    sticky_connection_strings: []
operation:
  description: The pending creation, when O(wait=false); pass it to M(erpops.azure.operation_wait).
  returned: when a creation was started and not awaited
  type: dict
"""

from ansible_collections.erpops.azure.plugins.module_utils import reconcile
from ansible_collections.erpops.azure.plugins.module_utils.errors import AzureApiError
from ansible_collections.erpops.azure.plugins.module_utils.module import AzureModule

API_VERSION = "2025-05-01"
MASK = reconcile.REDACTED
CHANGED_MASK = MASK + " (changed)"
# Option -> SiteConfig property (config/web); option -> site property.
CONFIG_OPTIONS = (("linux_fx_version", "linuxFxVersion"), ("app_command_line", "appCommandLine"), ("always_on", "alwaysOn"),
                  ("ftps_state", "ftpsState"), ("min_tls_version", "minTlsVersion"), ("http20_enabled", "http20Enabled"),
                  ("health_check_path", "healthCheckPath"))
SITE_OPTIONS = (("https_only", "httpsOnly"), ("client_affinity_enabled", "clientAffinityEnabled"))
CONNECTION_TYPES = ("MySql", "SQLServer", "SQLAzure", "Custom", "NotificationHub", "ServiceBus", "EventHub", "ApiHub", "DocDb",
                    "RedisCache", "PostgreSQL")
POLICIES = ("scm", "ftp")


def setting_text(value):
    if isinstance(value, bool):
        return "true" if value else "false"
    return "" if value is None else str(value)


def check_input(az, p):
    """Everything that can be refused before a request is sent."""
    for key in p["app_settings"] or {}:
        if not key or not isinstance(key, str):
            az.fail("app_settings: every setting needs a non-empty name")
    names = [c["name"] for c in p["connection_strings"] or []]
    for key in names:
        if not key or names.count(key) > 1:
            az.fail("connection_strings: names must be non-empty and unique; %r is not" % key)
    if p["health_check_path"] and not p["health_check_path"].startswith("/"):
        az.fail("health_check_path must start with /, not %s" % p["health_check_path"])
    if p["linux_fx_version"] is not None and p["linux_fx_version"] and "|" not in p["linux_fx_version"]:
        az.fail("linux_fx_version must look like RUNTIME|VERSION (PYTHON|3.11), not %s" % p["linux_fx_version"])


def wanted_connection_strings(p):
    if p["connection_strings"] is None:
        return None
    return dict((c["name"], {"value": c["value"], "type": c["type"]}) for c in p["connection_strings"])


def wanted_map(current, wanted, purge):
    """The full map to PUT: ``wanted`` alone when purging, else ``current`` updated with ``wanted``."""
    if wanted is None:
        return None
    out = {} if purge else dict(current or {})
    out.update(wanted)
    return out


def masked(values, before=None):
    """Names with masked values; with ``before``, values that differ are marked as changed."""
    out = {}
    for key, value in (values or {}).items():
        changed = before is not None and (key not in before or before[key] != value)
        if isinstance(value, dict):
            out[key] = {"type": value.get("type"), "value": CHANGED_MASK if changed else MASK}
        else:
            out[key] = CHANGED_MASK if changed else MASK
    return out


def identity_wanted(current, system_assigned):
    """The identity to send, keeping user-assigned identities; None when it already matches."""
    cur = current or {}
    cur_type = (cur.get("type") or "None").replace(" ", "")
    user = "UserAssigned" in cur_type
    if ("SystemAssigned" in cur_type) == system_assigned:
        return None
    if system_assigned:
        new_type = "SystemAssigned, UserAssigned" if user else "SystemAssigned"
    else:
        new_type = "UserAssigned" if user else "None"
    out = {"type": new_type}
    if user:
        out["userAssignedIdentities"] = dict((k, {}) for k in cur.get("userAssignedIdentities") or {})
    return out


class WebApp:
    """A slot: the site document, its config/web, app settings, connection strings and publishing policies."""

    def __init__(self, az, path):
        self.az = az
        self.path = path

    def get(self):
        return self.az.arm.get(self.path, API_VERSION)

    def read(self, site):
        arm = self.az.arm
        config = arm.get(self.path + "/config/web", API_VERSION) or {}
        _status, _hdrs, settings = arm.request("POST", self.path + "/config/appsettings/list", API_VERSION, read_only=True)
        _status, _hdrs, strings = arm.request("POST", self.path + "/config/connectionstrings/list", API_VERSION, read_only=True)
        policies = dict((x.get("name"), (x.get("properties") or {}).get("allow"))
                        for x in arm.list(self.path + "/basicPublishingCredentialsPolicies", API_VERSION))
        return {"site": site, "config": config.get("properties") or {}, "app_settings": (settings or {}).get("properties") or {},
                "connection_strings": (strings or {}).get("properties") or {},
                "policies": dict((k, policies.get(k, True)) for k in POLICIES)}

    @staticmethod
    def view(state, before=None):
        """What the diff shows: managed fields, secrets masked."""
        if state is None:
            return {}
        site = state["site"] or {}
        props = site.get("properties") or {}
        return {"location": site.get("location"), "tags": site.get("tags") or {},
                "identity": (site.get("identity") or {}).get("type") or "None",
                "serverFarmId": props.get("serverFarmId"),
                "httpsOnly": props.get("httpsOnly"), "clientAffinityEnabled": props.get("clientAffinityEnabled"),
                "siteConfig": dict((prop, state["config"].get(prop)) for _opt, prop in CONFIG_OPTIONS),
                "appSettings": masked(state["app_settings"], before and before["app_settings"]),
                "connectionStrings": masked(state["connection_strings"], before and before["connection_strings"]),
                "basicPublishingCredentialsPolicies": dict(state["policies"])}

    @staticmethod
    def result(state):
        if state is None:
            return {}
        out = dict(state["site"])
        out["properties"] = dict(out.get("properties") or {})
        cfg = dict(state["config"])
        cfg.pop("appSettings", None)
        cfg.pop("connectionStrings", None)
        out["properties"]["siteConfig"] = cfg
        out["app_settings"] = masked(state["app_settings"])
        out["connection_strings"] = masked(state["connection_strings"])
        out["basic_publishing_auth"] = dict(state["policies"])
        return out

    def changes(self, p, state, farm_id=None):
        """The writes that bring ``state`` to what ``p`` asks: (site_patch, config_patch, settings, strings, policies)."""
        site = state["site"]
        props = site.get("properties") or {}
        site_props = {}
        for opt, prop in SITE_OPTIONS:
            if p[opt] is not None and p[opt] != props.get(prop):
                site_props[prop] = p[opt]
        site_patch = {}
        if farm_id and farm_id.lower() != (props.get("serverFarmId") or "").lower():
            site_props["serverFarmId"] = farm_id
        if site_props:
            site_patch["properties"] = site_props
        tags = reconcile.tags_wanted(site.get("tags"), p["tags"], p["purge_tags"])
        if tags is not None and tags != (site.get("tags") or {}):
            site_patch["tags"] = tags
        if p["identity"] is not None:
            ident = identity_wanted(site.get("identity"), p["identity"]["system_assigned"])
            if ident is not None:
                site_patch["identity"] = ident
        want_cfg = dict((prop, p[opt]) for opt, prop in CONFIG_OPTIONS if p[opt] is not None)
        config_patch = dict((k, v) for k, v in want_cfg.items()
                            if reconcile.differences({k: v}, state["config"], ci_paths=("linuxFxVersion", "ftpsState")))
        settings = wanted_map(state["app_settings"], dict((k, setting_text(v)) for k, v in p["app_settings"].items())
                              if p["app_settings"] is not None else None, p["purge_app_settings"])
        if settings == state["app_settings"]:
            settings = None
        strings = wanted_map(state["connection_strings"], wanted_connection_strings(p), p["purge_connection_strings"])
        if strings is not None and _same_strings(strings, state["connection_strings"]):
            strings = None
        policies = dict((k, v) for k, v in (p["basic_publishing_auth"] or {}).items() if v is not None and v != state["policies"].get(k))
        return site_patch, config_patch, settings, strings, policies

    def apply(self, state, changes):
        """Send the writes (nothing in check mode); returns the predicted state."""
        site_patch, config_patch, settings, strings, policies = changes
        arm = self.az.arm
        predicted = {"site": reconcile.merge(state["site"], site_patch), "config": reconcile.merge(state["config"], config_patch),
                     "app_settings": settings if settings is not None else state["app_settings"],
                     "connection_strings": strings if strings is not None else state["connection_strings"],
                     "policies": reconcile.merge(state["policies"], policies)}
        if "identity" in site_patch:
            predicted["site"]["identity"] = site_patch["identity"]
        if self.az.check_mode:
            return predicted
        if site_patch:
            arm.request("PATCH", self.path, API_VERSION, body=site_patch)
        if config_patch:
            arm.request("PATCH", self.path + "/config/web", API_VERSION, body={"properties": config_patch})
        if settings is not None:
            arm.request("PUT", self.path + "/config/appsettings", API_VERSION, body={"properties": settings})
        if strings is not None:
            arm.request("PUT", self.path + "/config/connectionstrings", API_VERSION, body={"properties": strings})
        self.put_policies(policies)
        return predicted

    def put_policies(self, policies):
        for name in POLICIES:
            if name in policies:
                self.az.arm.request("PUT", "%s/basicPublishingCredentialsPolicies/%s" % (self.path, name), API_VERSION,
                                    body={"properties": {"allow": policies[name]}})


def _same_strings(want, have):
    if set(want) != set(have or {}):
        return False
    return all(want[k]["value"] == (have[k] or {}).get("value") and want[k]["type"].lower() == str((have[k] or {}).get("type")).lower()
               for k in want)


def creation_body(p, location, kind, farm_id, reserved):
    """The PUT that creates the app with its configuration, settings and connection strings in one request."""
    cfg = dict((prop, p[opt]) for opt, prop in CONFIG_OPTIONS if p[opt] is not None)
    if p["app_settings"]:
        cfg["appSettings"] = [{"name": k, "value": setting_text(v)} for k, v in p["app_settings"].items()]
    strings = wanted_connection_strings(p)
    if strings:
        cfg["connectionStrings"] = [{"name": k, "connectionString": v["value"], "type": v["type"]} for k, v in strings.items()]
    props = {"serverFarmId": farm_id, "reserved": reserved, "siteConfig": cfg}
    for opt, prop in SITE_OPTIONS:
        if p[opt] is not None:
            props[prop] = p[opt]
    body = {"location": location, "kind": kind, "tags": p["tags"] or {}, "properties": props}
    if p["identity"] is not None and p["identity"]["system_assigned"]:
        body["identity"] = {"type": "SystemAssigned"}
    return body


def predicted_creation(body, path, name, p):
    props = dict(body["properties"])
    cfg = props.pop("siteConfig")
    site = {"id": path, "name": name, "type": "Microsoft.Web/sites", "kind": body["kind"], "location": body["location"],
            "tags": body["tags"], "properties": dict(props, defaultHostName="%s.azurewebsites.net" % name.lower())}
    if body.get("identity"):
        site["identity"] = body["identity"]
    return {"site": site, "config": dict((k, v) for k, v in cfg.items() if k not in ("appSettings", "connectionStrings")),
            "app_settings": dict((k, setting_text(v)) for k, v in (p["app_settings"] or {}).items()),
            "connection_strings": wanted_connection_strings(p) or {}, "policies": creation_policies(p)}


def creation_policies(p):
    """Basic auth is off on a new app unless asked for."""
    asked = p["basic_publishing_auth"] or {}
    return dict((k, asked.get(k) if asked.get(k) is not None else False) for k in POLICIES)


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
        app_settings=dict(type="dict", no_log=True),
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
        parent = az.arm.get(site_path, API_VERSION)
        if parent is None:
            az.fail("web app %s not found in resource group %s; create it first with erpops.azure.web_app" % (p["web_app"], p["resource_group"]))
        app = WebApp(az, path)
        slot = app.get()
        names_path = site_path + "/config/slotConfigNames"
        if p["state"] == "absent":
            if slot is None:
                return dict(changed=False, web_app_slot={}, diff={"before": {}, "after": {}})
            before = app.view(app.read(slot))
            if not az.check_mode:
                az.arm.request("DELETE", path, API_VERSION, params={"deleteEmptyServerFarm": "false"})
            return dict(changed=True, web_app_slot={}, diff={"before": before, "after": {}})

        names = (az.arm.get(names_path, API_VERSION) or {}).get("properties") or {}
        new_names = sticky_changes(p, names)

        def finish(state, changed, diff, **extra):
            shown = new_names if new_names is not None else names
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
            if not p["wait"] and not op.get("done"):
                return finish(predicted, True, diff, operation=op)
            az.arm.wait(op, p["wait_timeout"])
            app.put_policies(creation_policies(p))
            return finish(app.read(app.get()), True, diff)

        state = app.read(slot)
        changes = app.changes(p, state)
        if not any(x for x in changes) and new_names is None:
            view = app.view(state)
            return finish(state, False, {"before": view, "after": dict(view)})
        predicted = app.apply(state, changes)
        diff = {"before": app.view(state), "after": app.view(predicted, before=state)}
        if az.check_mode:
            return finish(predicted, True, diff)
        return finish(app.read(app.get()), True, diff)

    az.run(run)


if __name__ == "__main__":
    main()
