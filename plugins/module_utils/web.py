# -*- coding: utf-8 -*-
# Copyright: (c) 2026, erpops.azure contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""What web_app and web_app_slot share: a site or slot read and written through its endpoints (site, config/web,
app settings, connection strings, basic publishing policies), with secret values masked everywhere: only the values of the
settings named in app_settings are shown."""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

from ansible_collections.erpops.azure.plugins.module_utils import reconcile
from ansible_collections.erpops.azure.plugins.module_utils.module import KNOWN_AFTER_CREATE

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
    for opt in ("app_settings", "secret_app_settings"):
        for key in p[opt] or {}:
            if not key or not isinstance(key, str):
                az.fail("%s: every setting needs a non-empty name" % opt)
    both = sorted(set(p["app_settings"] or {}) & set(p["secret_app_settings"] or {}))
    if both:
        az.fail("app_settings and secret_app_settings both name %s: a setting is either shown (app_settings) or secret "
                "(secret_app_settings), not both" % ", ".join(both))
    names = [c["name"] for c in p["connection_strings"] or []]
    for key in names:
        if not key or names.count(key) > 1:
            az.fail("connection_strings: names must be non-empty and unique; %r is not" % key)
    if p["health_check_path"] and not p["health_check_path"].startswith("/"):
        az.fail("health_check_path must start with /, not %s" % p["health_check_path"])
    if p["linux_fx_version"] is not None and p["linux_fx_version"] and "|" not in p["linux_fx_version"]:
        az.fail("linux_fx_version must look like RUNTIME|VERSION (PYTHON|3.11), not %s" % p["linux_fx_version"])


def wanted_settings(p):
    """The settings asked for, as the text Azure stores: app_settings and secret_app_settings together (None if neither is set)."""
    if p["app_settings"] is None and p["secret_app_settings"] is None:
        return None
    out = dict((k, setting_text(v)) for k, v in (p["app_settings"] or {}).items())
    out.update((k, setting_text(v)) for k, v in (p["secret_app_settings"] or {}).items())
    return out


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


def masked(values, before=None, shown=()):
    """Names with masked values, but for the names in ``shown``; with ``before``, masked values that differ are marked as changed."""
    out = {}
    for key, value in (values or {}).items():
        changed = before is not None and (key not in before or before[key] != value)
        if key in shown:
            out[key] = value
        elif isinstance(value, dict):
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
    """A site or a slot: the site document, its config/web, app settings, connection strings and publishing policies.

    Results and diffs show the values of the app settings named in ``shown`` (the module's app_settings) and mask the
    others: secret_app_settings, and the settings set by other tools, whose nature the module does not know."""

    def __init__(self, az, path, shown=()):
        self.az = az
        self.path = path
        self.shown = frozenset(shown or ())

    def get(self):
        return self.az.arm.get(self.path, API_VERSION)

    def read(self, site, connection_strings=True):
        """The state of the site: its document (``site``), config/web, app settings, publishing policies and, with
        ``connection_strings``, its connection strings (else None: a task that does not manage them does not list them)."""
        arm = self.az.arm
        config = arm.get(self.path + "/config/web", API_VERSION) or {}
        _status, _hdrs, settings = arm.request("POST", self.path + "/config/appsettings/list", API_VERSION, read_only=True)
        strings = None
        if connection_strings:
            _status, _hdrs, strings = arm.request("POST", self.path + "/config/connectionstrings/list", API_VERSION, read_only=True)
            strings = (strings or {}).get("properties") or {}
        policies = dict((x.get("name"), (x.get("properties") or {}).get("allow"))
                        for x in arm.list(self.path + "/basicPublishingCredentialsPolicies", API_VERSION))
        return {"site": site, "config": config.get("properties") or {}, "app_settings": (settings or {}).get("properties") or {},
                "connection_strings": strings, "policies": dict((k, policies.get(k, True)) for k in POLICIES)}

    def view(self, state, before=None):
        """What the diff shows: managed fields, secrets masked."""
        if state is None:
            return {}
        site = state["site"] or {}
        props = site.get("properties") or {}
        out = {"id": site.get("id"), "location": site.get("location"), "tags": site.get("tags") or {},
               "identity": (site.get("identity") or {}).get("type") or "None",
               "serverFarmId": props.get("serverFarmId"),
               "httpsOnly": props.get("httpsOnly"), "clientAffinityEnabled": props.get("clientAffinityEnabled"),
               "siteConfig": dict((prop, state["config"].get(prop)) for _opt, prop in CONFIG_OPTIONS),
               "appSettings": masked(state["app_settings"], before and before["app_settings"], self.shown),
               "basicPublishingCredentialsPolicies": dict(state["policies"])}
        if state["connection_strings"] is not None:  # not read when the task does not manage them
            out["connectionStrings"] = masked(state["connection_strings"], before and before["connection_strings"])
        return out

    def result(self, state):
        if state is None:
            return {}
        out = dict(state["site"])
        out["properties"] = dict(out.get("properties") or {})
        cfg = dict(state["config"])
        cfg.pop("appSettings", None)
        cfg.pop("connectionStrings", None)
        out["properties"]["siteConfig"] = cfg
        out["app_settings"] = masked(state["app_settings"], shown=self.shown)
        out["connection_strings"] = None if state["connection_strings"] is None else masked(state["connection_strings"])
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
        settings = wanted_map(state["app_settings"], wanted_settings(p), p["purge_app_settings"])
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
    settings = wanted_settings(p)
    if settings:
        cfg["appSettings"] = [{"name": k, "value": v} for k, v in settings.items()]
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
    # Azure names the app <name>.azurewebsites.net (Microsoft Learn, "App Service overview"); the rest it assigns at creation.
    site = {"id": path, "name": name, "type": "Microsoft.Web/sites", "kind": body["kind"], "location": body["location"],
            "tags": body["tags"], "properties": dict(props, defaultHostName="%s.azurewebsites.net" % name.lower(),
                                                     customDomainVerificationId=KNOWN_AFTER_CREATE, inboundIpAddress=KNOWN_AFTER_CREATE,
                                                     outboundIpAddresses=KNOWN_AFTER_CREATE, possibleOutboundIpAddresses=KNOWN_AFTER_CREATE)}
    if body.get("identity"):
        site["identity"] = dict(body["identity"], principalId=KNOWN_AFTER_CREATE)
    return {"site": site, "config": dict((k, v) for k, v in cfg.items() if k not in ("appSettings", "connectionStrings")),
            "app_settings": wanted_settings(p) or {},
            # None when the task does not manage them, as the real run returns them (it does not list them).
            "connection_strings": wanted_connection_strings(p), "policies": creation_policies(p)}


def creation_policies(p):
    """Basic auth is off on a new app unless asked for."""
    asked = p["basic_publishing_auth"] or {}
    return dict((k, asked.get(k) if asked.get(k) is not None else False) for k in POLICIES)
