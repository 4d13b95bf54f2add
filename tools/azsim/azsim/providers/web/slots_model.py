"""Deployment slots: quota, what a swap exchanges, the multi-phase swap preview and slot diffs.

What swaps and what stays is Microsoft Learn "Set up staging environments in Azure App Service"
(section "Which settings are swapped?"): app settings and connection strings swap unless marked
slot-sticky (``config/slotConfigNames`` of the production site) or named ``*_EXTENSION_VERSION``;
general settings (framework/runtime, 32/64-bit, web sockets, HTTP version, handler mappings) and
the content swap; publishing endpoints, custom domains, TLS bindings, scale, IP restrictions,
Always On, CORS, VNet integration and managed identities stay with the slot.
"""

import copy

from ...core import resource
from ...core.errors import WebError
from . import common

# siteConfig fields that stay with the slot during a swap (Microsoft Learn, see module doc).
STICKY_CONFIG = ("alwaysOn", "ipSecurityRestrictions", "ipSecurityRestrictionsDefaultAction", "scmIpSecurityRestrictions",
                 "scmIpSecurityRestrictionsDefaultAction", "scmIpSecurityRestrictionsUseMain", "cors", "vnetName", "vnetRouteAllEnabled",
                 "numberOfWorkers", "httpLoggingEnabled", "detailedErrorLoggingEnabled", "requestTracingEnabled", "logsDirectorySizeLimit")


def quota_exceeded(tier):
    """409 with the message of arm-web.md §4.3 [OBS]; ExtendedCode unverified (left null)."""
    return WebError(409, "Conflict", f"Cannot complete the operation because the site will exceed the number of slots allowed for the '{tier}' SKU.",
                    template="Cannot complete the operation because the site will exceed the number of slots allowed for the '{0}' SKU.",
                    parameters=[tier])


def sticky_names(production):
    names = production.get("_slotConfigNames") or {}
    return ({n.lower() for n in names.get("appSettingNames") or []}, {n.lower() for n in names.get("connectionStringNames") or []})


def _is_sticky_setting(name, sticky):
    return name.lower() in sticky or name.upper().endswith("_EXTENSION_VERSION")


def _split(values, sticky):
    keep = {k: v for k, v in values.items() if _is_sticky_setting(k, sticky)}
    move = {k: v for k, v in values.items() if not _is_sticky_setting(k, sticky)}
    return keep, move


def keep_sticky(current, incoming, sticky):
    """``incoming`` without its slot settings, plus ``current``'s slot settings: what the slot receiving content keeps."""
    keep = _split(current, sticky)[0]
    move = _split(incoming, sticky)[1]
    return {**copy.deepcopy(move), **copy.deepcopy(keep)}


def slot_label(doc):
    """``production`` for the site, the slot's own name otherwise."""
    return doc["name"].split("/")[1] if "/" in doc["name"] else "production"


def restore_preview(doc):
    backup = doc.pop("_previewBackup", None)
    if backup is not None:
        doc["_appSettings"] = backup["appSettings"]
        doc["_connectionStrings"] = backup["connectionStrings"]
    doc["properties"]["targetSwapSlot"] = None


def swap(app, a, b, production, source_name, target_name):
    """Exchange content and non-sticky configuration of documents ``a`` and ``b`` (in place)."""
    restore_preview(a)
    restore_preview(b)
    sticky_app, sticky_cs = sticky_names(production)
    a_keep, a_move = _split(a.get("_appSettings") or {}, sticky_app)
    b_keep, b_move = _split(b.get("_appSettings") or {}, sticky_app)
    a["_appSettings"], b["_appSettings"] = {**b_move, **a_keep}, {**a_move, **b_keep}
    a_keep, a_move = _split(a.get("_connectionStrings") or {}, sticky_cs)
    b_keep, b_move = _split(b.get("_connectionStrings") or {}, sticky_cs)
    a["_connectionStrings"], b["_connectionStrings"] = {**b_move, **a_keep}, {**a_move, **b_keep}
    ca, cb = a.get("_siteConfig") or {}, b.get("_siteConfig") or {}
    new_a = {k: copy.deepcopy(cb.get(k)) for k in cb if k not in STICKY_CONFIG}
    new_b = {k: copy.deepcopy(ca.get(k)) for k in ca if k not in STICKY_CONFIG}
    new_a.update({k: ca[k] for k in STICKY_CONFIG if k in ca})
    new_b.update({k: cb[k] for k in STICKY_CONFIG if k in cb})
    a["_siteConfig"], b["_siteConfig"] = new_a, new_b
    a["_content"], b["_content"] = b.get("_content"), a.get("_content")
    if a.get("_sourceControl") or b.get("_sourceControl"):
        a["_sourceControl"], b["_sourceControl"] = b.get("_sourceControl"), a.get("_sourceControl")
    status = {"timestampUtc": app.clock.iso(), "sourceSlotName": source_name, "destinationSlotName": target_name}
    now = app.clock.iso()[:23] + "Z"
    for d in (a, b):
        d["properties"]["slotSwapStatus"] = dict(status)
        d["properties"]["lastModifiedTimeUtc"] = now
        d.pop("_swapping", None)


def apply_preview(source, target, production):
    """Phase one of a swap with preview: the source gets the target's slot-sticky settings (so it
    warms up with the configuration it will run with) and both record ``targetSwapSlot``."""
    if "_previewBackup" not in source:
        source["_previewBackup"] = {"appSettings": dict(source.get("_appSettings") or {}),
                                    "connectionStrings": copy.deepcopy(source.get("_connectionStrings") or {})}
    sticky_app, sticky_cs = sticky_names(production)
    for key, sticky in (("_appSettings", sticky_app), ("_connectionStrings", sticky_cs)):
        cur = {k: v for k, v in (source.get(key) or {}).items() if not _is_sticky_setting(k, sticky)}
        cur.update({k: copy.deepcopy(v) for k, v in (target.get(key) or {}).items() if _is_sticky_setting(k, sticky)})
        source[key] = cur
    source["properties"]["targetSwapSlot"] = slot_label(target)
    target["properties"]["targetSwapSlot"] = slot_label(source)


def differences(source, target, production):
    """``SlotDifference`` items for app settings and connection strings (shape from the SDK model;
    the ``diffRule``/``level`` values are unverified)."""
    out = []
    sticky_app, sticky_cs = sticky_names(production)
    for key, setting_type, sticky in (("_appSettings", "AppSetting", sticky_app), ("_connectionStrings", "ConnectionString", sticky_cs)):
        a, b = source.get(key) or {}, target.get(key) or {}
        for name in sorted(set(a) | set(b)):
            va, vb = a.get(name), b.get(name)
            if isinstance(va, dict):
                va = va.get("value")
            if isinstance(vb, dict):
                vb = vb.get("value")
            if va == vb:
                continue
            rule = "SettingsNotInSource" if va is None else ("SettingsNotInTarget" if vb is None else "SettingsWillBeModifiedInSource")
            out.append({"id": None, "name": name, "type": "Microsoft.Web/sites/slots/slotsdiffs",
                        "properties": {"level": "Information" if _is_sticky_setting(name, sticky) else "Warning", "settingType": setting_type,
                                       "diffRule": rule, "settingName": name, "valueInCurrentSlot": va, "valueInTargetSlot": vb,
                                       "description": f"{setting_type} '{name}' differs between the slots."}})
    return out


def slots_of(app, site_doc):
    return resource.children(app, site_doc["id"], "slots")


def tier_slot_limit(app, site_doc):
    tier = common.tier_of(app, site_doc)
    return tier, common.tier_limits(tier)["slots"]
