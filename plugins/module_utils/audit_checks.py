# -*- coding: utf-8 -*-
# Copyright: (c) 2026, erpops.azure contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Named checks of the audit: the catalog rows that need logic across resources (``{check: name, args: {}}``).

Each check is ``fn(ctx, target, args) -> Result`` (see ``audit_rules``): ``ctx`` is the evaluation context (inventory,
indexes by id and type, parameters), ``target`` the resource, subscription or host being judged, ``args`` the rule's
arguments with ``{param: x}`` already resolved. A check raises ``NotEvaluated`` when the inventory cannot tell (a
subscription part the collector could not read, a fact only Microsoft Graph knows) and ``NotApplicable`` when the
row does not concern this target. "Now" is the inventory's ``collected`` time, so an audit is reproducible.
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import datetime
import re

from ansible_collections.erpops.azure.plugins.module_utils.audit_rules import (
    NotApplicable,
    NotEvaluated,
    PerResource,
    Result,
    shorten,
)
from ansible_collections.erpops.azure.plugins.module_utils.rbac import grants
from ansible_collections.erpops.azure.plugins.module_utils.timestamps import parse_utc

# Built-in role definition ids (the same in every tenant).
OWNER = "8e3af657-a8ff-443c-a75c-2fe8c4bcb635"
CONTRIBUTOR = "b24988ac-6180-42a0-ab88-20f7382dd24c"
USER_ACCESS_ADMIN = "18d7d88d-d35e-4fb5-a5c3-7773c20a72d9"
RBAC_ADMIN = "f58310d9-a9f6-439a-9e8d-f62e7b41a168"
BUILTIN_NAMES = {OWNER: "Owner", CONTRIBUTOR: "Contributor", USER_ACCESS_ADMIN: "User Access Administrator",
                 RBAC_ADMIN: "Role Based Access Control Administrator"}
# Azure Security Benchmark / MCSB initiative, assigned by Defender for Cloud as "ASC Default" (SecurityCenterBuiltIn).
MCSB_INITIATIVE = "1f3afdf9-d0c9-4c3d-847f-89da613e70a8"
# Azure Service Management API, the application Conditional Access targets for "Azure management".
AZURE_MANAGEMENT_APP = "797f4846-ba00-4fd7-ba43-dac1f8f63013"
DIAG_DESTINATIONS = ("workspaceId", "storageAccountId", "eventHubAuthorizationRuleId", "marketplacePartnerId")

CHECKS = {}


def check(fn):
    CHECKS[fn.__name__] = fn
    return fn


# --------------------------------------------------------------------------------------------------------------------
# helpers
# --------------------------------------------------------------------------------------------------------------------

def _now(ctx):
    return parse_utc(ctx.inventory.get("collected")) or datetime.datetime.now(datetime.timezone.utc)


def _low(text):
    return (text or "").lower()


def _props(obj):
    return (obj or {}).get("properties") or {}


def _values(value):
    if isinstance(value, dict) and isinstance(value.get("value"), list):
        return value["value"]
    return value if isinstance(value, list) else []


def _guid(role_definition_id):
    return _low(role_definition_id).rstrip("/").rsplit("/", 1)[-1]


def _cached(ctx, obj, name, build):
    sub = obj if obj in ctx.subscriptions else ctx.subscription_of(obj)
    key = (name, id(sub))
    if key not in ctx.cache:
        ctx.cache[key] = build()
    return ctx.cache[key]


def _role_defs(ctx, obj):
    return _cached(ctx, obj, "role_definitions", lambda: dict(
        (_low(d.get("name")) or _guid(d.get("id")), d) for d in _values(ctx.sub_part(obj, "role_definitions"))))


def _role_name(defs, guid):
    d = defs.get(guid)
    return _props(d).get("roleName") or BUILTIN_NAMES.get(guid) or guid


def _assignments(ctx, obj):
    return _cached(ctx, obj, "role_assignments",
                   lambda: [a for a in _values(ctx.sub_part(obj, "role_assignments")) if isinstance(a, dict)])


def _assignments_of(ctx, obj, principals):
    """The role assignments held by any of ``principals`` (object ids), from an index built once."""
    def build():
        index = {}
        for a in _assignments(ctx, obj):
            index.setdefault(_low(_props(a).get("principalId")), []).append(a)
        return index
    index = _cached(ctx, obj, "assignments_by_principal", build)
    return [a for p in principals for a in index.get(p, [])]


def _scope_kind(scope):
    """subscription, resource_group, resource, management_group or root for an assignment scope."""
    s = _low(scope).rstrip("/")
    if s in ("", "/"):
        return "root"
    if s.startswith("/providers/microsoft.management/managementgroups/"):
        return "management_group"
    parts = s.strip("/").split("/")
    if len(parts) == 2:
        return "subscription"
    if len(parts) == 4 and parts[2] == "resourcegroups":
        return "resource_group"
    return "resource"


def _within(resource_id, scope):
    """True when ``scope`` (an ARM scope) contains ``resource_id``."""
    s, r = _low(scope).rstrip("/"), _low(resource_id).rstrip("/")
    return _scope_kind(scope) in ("root", "management_group") or r == s or r.startswith(s + "/")


def _in_audit_scope(ctx, resource_id):
    scopes = ctx.inventory.get("scope") or []
    return not scopes or any(_within(resource_id, s) for s in scopes)


def _result(problems, expected, actual, ok_message):
    if problems:
        return Result(False, expected, actual, "; ".join(problems[:10]) + (" ..." if len(problems) > 10 else ""))
    return Result(True, expected, actual, ok_message)


def _subscription_resources(ctx, obj, part, rtype):
    """Items of a subscription part unioned with resources of ``rtype`` in scope (budgets, alerts), by id."""
    items, seen = [], set()
    try:
        listed = _values(ctx.sub_part(obj, part))
    except NotEvaluated:
        listed = None
    for item in (listed or []) + ctx.of_type(rtype):
        key = _low(item.get("id")) or id(item)
        if key not in seen:
            seen.add(key)
            items.append(item)
    if listed is None and not items:
        ctx.sub_part(obj, part)  # raises the NotEvaluated naming the permission
    return items


def _host_of(url):
    m = re.match(r"^[a-z]+://([^/:?#]+)", url or "", re.I)
    return _low(m.group(1)) if m else ""


# --------------------------------------------------------------------------------------------------------------------
# generic
# --------------------------------------------------------------------------------------------------------------------

@check
def flag(ctx, target, args):
    """True when ``args.value`` (usually a parameter) is true: gates rows that are policy choices."""
    return Result(bool(args.get("value")), "%s is true" % args.get("name", "the parameter"),
                  {args.get("name", "value"): args.get("value")}, args.get("reason") or "")


@check
def diagnostic_categories(ctx, target, args):
    """A diagnostic setting on ``args.part`` sends every category of ``args.categories`` to a destination.

    A category is sent when a setting with a destination lists it enabled, or enables a category group that holds it
    (``allLogs``; ``audit`` for audit categories such as AuditEvent). Several settings add up.
    """
    settings = _values((target.get("parts") or {}).get(args.get("part", "diagnostic_settings")))
    wanted = list(args.get("categories") or [])
    audit_like = {c.lower() for c in args.get("audit_categories") or ["AuditEvent"]}
    sent, dests = set(), []
    for s in settings:
        p = _props(s)
        if not any(p.get(k) for k in DIAG_DESTINATIONS):
            continue
        dests.append(s.get("name"))
        for log in p.get("logs") or []:
            if not log.get("enabled"):
                continue
            if log.get("category"):
                sent.add(log["category"].lower())
            group = _low(log.get("categoryGroup"))
            if group == "alllogs":
                sent.update(c.lower() for c in wanted)
            elif group == "audit":
                sent.update(c.lower() for c in wanted if c.lower() in audit_like)
    missing = [c for c in wanted if c.lower() not in sent]
    actual = {"settings": shorten(dests), "categories_sent": sorted(sent), "missing": missing}
    expected = "a diagnostic setting sends %s" % ", ".join(wanted) if wanted else "a diagnostic setting with a destination"
    if not dests:
        return Result(False, expected, actual, "no diagnostic setting with a destination")
    return _result(["categories not sent: %s" % ", ".join(missing)] if missing else [], expected, actual,
                   "sent by %s" % ", ".join(str(d) for d in dests))


# --------------------------------------------------------------------------------------------------------------------
# IAM
# --------------------------------------------------------------------------------------------------------------------

@check
def iam_owner_count(ctx, sub, args):
    """IAM-001: between min and max Owners at subscription scope (or above), and no Owner at resource scope."""
    assigns = _assignments(ctx, sub)
    lo, hi = int(args.get("min", 2)), int(args.get("max", 3))
    owners, deep = set(), []
    for a in assigns:
        p = _props(a)
        if _guid(p.get("roleDefinitionId")) != OWNER:
            continue
        kind = _scope_kind(p.get("scope"))
        if kind in ("subscription", "management_group", "root"):
            owners.add(p.get("principalId"))
        elif kind == "resource":
            deep.append("%s at %s" % (p.get("principalId"), p.get("scope")))
    problems = []
    if not lo <= len(owners) <= hi:
        problems.append("%d subscription Owner(s), expected %d to %d" % (len(owners), lo, hi))
    if deep:
        problems.append("Owner assigned at resource scope: %s" % ", ".join(deep[:5]))
    return _result(problems, "%d..%d Owners at subscription scope; none at resource scope" % (lo, hi),
                   {"owners": len(owners), "principals": shorten(sorted(str(o) for o in owners)),
                    "resource_scope_owners": shorten(deep)}, "%d subscription Owners" % len(owners))


@check
def iam_no_standing_admins(ctx, sub, args):
    """IAM-002: no standing User Access Administrator / RBAC Administrator outside the allowed principals.

    One finding per such role assignment (its ARM id), so a dated suppression accepts one holder (the deployer's grant
    on the resource group) and every other holder stays open; the subscription has a finding of its own only when
    nobody holds either role."""
    allowed = {_low(p) for p in args.get("allowed") or []}
    defs = _role_defs(ctx, sub)
    expected = ("no User Access Administrator or RBAC Administrator assignment (allowed: %s)"
                % (", ".join(sorted(allowed)) or "none"))
    items, found = [], []
    for a in _assignments(ctx, sub):
        p = _props(a)
        guid = _guid(p.get("roleDefinitionId"))
        if guid not in (USER_ACCESS_ADMIN, RBAC_ADMIN):
            continue
        holder = dict(principal=p.get("principalId"), type=p.get("principalType"), role=_role_name(defs, guid), scope=p.get("scope"))
        resource = a.get("id") or "%s/providers/Microsoft.Authorization/roleAssignments/%s" % ((p.get("scope") or "").rstrip("/"), a.get("name"))
        says = "%s %s holds %s at %s" % (holder["type"] or "principal", holder["principal"], holder["role"], holder["scope"])
        if _low(holder["principal"]) in allowed:
            items.append((resource, Result(True, expected, holder, says + " (allowed by iam_admin_allowed_principals)")))
        else:
            found.append(holder)
            items.append((resource, Result(False, expected, holder, says + ", a standing assignment")))
    result = _result(["%s holds %s at %s" % (f["principal"], f["role"], f["scope"]) for f in found], expected,
                     {"assignments": shorten(found)}, "no standing access administrator")
    return PerResource(result.ok, result.expected, result.actual, result.message, items)


@check
def iam_wildcard_custom_roles(ctx, sub, args):
    """IAM-003: no custom role grants ``*`` at subscription, management group or root scope."""
    bad = []
    for d in _values(ctx.sub_part(sub, "role_definitions")):
        p = _props(d)
        if _low(p.get("type")) != "customrole":
            continue
        if not any("*" == a for block in p.get("permissions") or [] for a in block.get("actions") or []):
            continue
        scopes = [s for s in p.get("assignableScopes") or [] if _scope_kind(s) in ("subscription", "management_group", "root")]
        if scopes:
            bad.append(dict(role=p.get("roleName"), scopes=scopes))
    return _result(["custom role %r grants * at %s" % (b["role"], ", ".join(b["scopes"])) for b in bad],
                   "no custom role with actions [*] assignable at subscription scope", {"roles": shorten(bad)},
                   "no wildcard custom role")


def _graph(ctx, what, key):
    directory = ctx.inventory.get("directory") or {}
    if not directory.get("graph"):
        raise NotEvaluated("needs Microsoft Graph (%s); %s" % (what, directory.get("reason") or "no Graph endpoint configured"))
    if directory.get(key) is None:
        raise NotEvaluated("needs Microsoft Graph (%s): the inventory's directory has no %s" % (what, key))
    return directory[key]


@check
def iam_guests(ctx, sub, args):
    """IAM-004: guest (B2B) users hold no role assignment on the audited scopes (directory.guests: object ids)."""
    guests = {_low(g if isinstance(g, str) else g.get("id")) for g in _graph(ctx, "guest users", "guests")}
    found = [_props(a) for a in _assignments(ctx, sub) if _low(_props(a).get("principalId")) in guests]
    found = [dict(principal=p.get("principalId"), scope=p.get("scope")) for p in found]
    return _result(["guest %s assigned at %s" % (f["principal"], f["scope"]) for f in found],
                   "no role assignment to a guest user", {"guest_assignments": shorten(found)}, "no guest assignment")


@check
def iam_pim(ctx, sub, args):
    """IAM-005: privileged roles are PIM-eligible, not permanently assigned (role_assignment_schedules part)."""
    parts = sub.get("parts") or {}
    if "role_assignment_schedules" not in parts:
        raise NotEvaluated("needs the PIM schedules (Microsoft.Authorization/roleAssignmentSchedules, Entra ID P2); "
                           "not collected")
    privileged = (OWNER, USER_ACCESS_ADMIN, RBAC_ADMIN, CONTRIBUTOR)
    bad = []
    for s in _values(ctx.sub_part(sub, "role_assignment_schedules")):
        p = _props(s)
        if _guid(p.get("roleDefinitionId")) in privileged and _low(p.get("assignmentType")) == "assigned" \
                and not p.get("endDateTime"):
            bad.append(dict(principal=p.get("principalId"), role=BUILTIN_NAMES.get(_guid(p.get("roleDefinitionId"))),
                            scope=p.get("scope")))
    return _result(["%s is a permanent %s at %s" % (b["principal"], b["role"], b["scope"]) for b in bad],
                   "privileged roles only through PIM eligibility or time-bound assignments",
                   {"permanent": shorten(bad)}, "no permanent privileged assignment")


@check
def iam_use_groups(ctx, sub, args):
    """IAM-006: inside the audited scopes, roles go to groups (or identities), not to individual users."""
    bad = []
    for a in _assignments(ctx, sub):
        p = _props(a)
        scope = p.get("scope") or ""
        if _low(p.get("principalType")) != "user" or _scope_kind(scope) not in ("resource_group", "resource"):
            continue
        if _in_audit_scope(ctx, scope):
            bad.append(dict(principal=p.get("principalId"), scope=scope))
    return _result(["user %s assigned directly at %s" % (b["principal"], b["scope"]) for b in bad],
                   "role assignments in the audited scope go to groups or managed identities",
                   {"user_assignments": shorten(bad)}, "no direct user assignment in scope")


@check
def iam_identity_least_privilege(ctx, site, args):
    """IAM-008: the site's (slot's) managed identities hold no Owner, Contributor, access-administrator or
    wildcard role anywhere in the subscription."""
    identity = site.get("identity") or {}
    principals = [identity.get("principalId")] if identity.get("principalId") else []
    principals += [u.get("principalId") for u in (identity.get("userAssignedIdentities") or {}).values()
                   if isinstance(u, dict) and u.get("principalId")]
    if not principals:
        raise NotApplicable("the app has no managed identity (APP-006)")
    principals = {_low(p) for p in principals}
    defs = _role_defs(ctx, site)
    bad, held = [], []
    for a in _assignments_of(ctx, site, sorted(principals)):
        p = _props(a)
        guid = _guid(p.get("roleDefinitionId"))
        name = _role_name(defs, guid)
        held.append("%s at %s" % (name, p.get("scope")))
        blocks = _props(defs.get(guid)).get("permissions") or []
        wide = guid in (OWNER, CONTRIBUTOR, USER_ACCESS_ADMIN, RBAC_ADMIN) or grants(blocks, "*") or \
            grants(blocks, "Microsoft.Authorization/roleAssignments/write")
        if wide:
            bad.append("%s at %s" % (name, p.get("scope")))
    return _result(["the identity holds %s" % b for b in bad],
                   "no Owner, Contributor, User Access Administrator, RBAC Administrator or wildcard role",
                   {"roles": shorten(held)}, "roles held: %s" % (", ".join(held) or "none"))


@check
def iam_credentials(ctx, sub, args):
    """IAM-009: credentials of the service principals holding roles here are not expired or expiring.

    Needs directory.credentials: [{app_id, name, end_date_time}] from Graph.
    """
    creds = _graph(ctx, "application credentials", "credentials")
    now = _now(ctx)
    warn = int(args.get("warn_days", 30))
    bad = []
    for c in creds:
        end = parse_utc(c.get("end_date_time") or c.get("endDateTime"))
        if end is None or (end - now).days < warn:
            bad.append(dict(app=c.get("name") or c.get("app_id"), end=c.get("end_date_time") or c.get("endDateTime")))
    return _result(["credential of %s ends %s" % (b["app"], b["end"]) for b in bad],
                   "every credential valid for >= %d days" % warn, {"expiring": shorten(bad)}, "credentials valid")


@check
def iam_stale_principals(ctx, sub, args):
    """IAM-010: principals with role assignments are enabled and signed in within ``stale_days``.

    Needs directory.users: [{id, accountEnabled, lastSignInDateTime}] from Graph.
    """
    users = dict((_low(u.get("id")), u) for u in _graph(ctx, "account state and sign-in activity", "users"))
    now = _now(ctx)
    days = int(args.get("stale_days", 90))
    bad = []
    for a in _assignments(ctx, sub):
        p = _props(a)
        u = users.get(_low(p.get("principalId")))
        if not u:
            continue
        last = parse_utc(u.get("lastSignInDateTime"))
        if u.get("accountEnabled") is False or last is None or (now - last).days > days:
            bad.append(dict(principal=p.get("principalId"), enabled=u.get("accountEnabled"),
                            last_sign_in=u.get("lastSignInDateTime")))
    return _result(["%s disabled or stale" % b["principal"] for b in bad],
                   "assigned users enabled and active within %d days" % days, {"stale": shorten(bad)},
                   "no stale principal")


@check
def iam_mfa(ctx, sub, args):
    """IAM-011: an enabled Conditional Access policy requires MFA for Azure management.

    Needs directory.conditional_access_policies (Graph identity/conditionalAccess/policies).
    """
    policies = _graph(ctx, "Conditional Access policies", "conditional_access_policies")
    good = []
    for p in policies:
        apps = ((p.get("conditions") or {}).get("applications") or {}).get("includeApplications") or []
        controls = (p.get("grantControls") or {}).get("builtInControls") or []
        if _low(p.get("state")) == "enabled" and "mfa" in [_low(c) for c in controls] and \
                any(_low(a) in ("all", AZURE_MANAGEMENT_APP) for a in apps):
            good.append(p.get("displayName"))
    return _result([] if good else ["no enabled policy requires MFA for Azure management"],
                   "an enabled Conditional Access policy requires MFA for Azure management",
                   {"policies": shorten(good)}, "MFA required by %s" % ", ".join(str(g) for g in good))


# --------------------------------------------------------------------------------------------------------------------
# APP
# --------------------------------------------------------------------------------------------------------------------

@check
def app_secret_settings(ctx, site, args):
    """APP-007: secret-like app settings and every connection string are Key Vault references, not plain values."""
    patterns = [re.compile(p, re.I) for p in args.get("patterns") or []]
    bad, refs = [], 0
    parts = site.get("parts") or {}
    for part, always in (("app_settings", False), ("connection_strings", True)):
        for name, info in (parts.get(part) or {}).items():
            info = info if isinstance(info, dict) else {"kind": info}
            secret = always or info.get("secret_like") or any(p.search(name) for p in patterns)
            if info.get("kind") == "keyvault_reference":
                refs += 1
            elif secret and info.get("kind") == "plain":
                bad.append("%s:%s" % (part, name))
    return _result(["plain secret value in %s" % ", ".join(bad)] if bad else [],
                   "secret-like settings are Key Vault references",
                   {"plain_secrets": shorten(bad), "keyvault_references": refs},
                   "%d Key Vault reference(s), no plain secret" % refs)


@check
def app_config_references(ctx, site, args):
    """APP-008: every Key Vault reference of the app settings resolves (status Resolved)."""
    refs = _values((site.get("parts") or {}).get("config_references"))
    if not refs:
        raise NotApplicable("no Key Vault reference in the app settings")
    bad = [dict(name=r.get("name"), status=_props(r).get("status"), details=_props(r).get("details"))
           for r in refs if _low(_props(r).get("status")) != "resolved"]
    return _result(["%s: %s" % (b["name"], b["status"]) for b in bad], "every Key Vault reference Resolved",
                   {"references": len(refs), "unresolved": shorten(bad)}, "%d reference(s) resolved" % len(refs))


def _custom_states(site):
    return [s for s in _props(site).get("hostNameSslStates") or []
            if not _low(s.get("name")).endswith(".azurewebsites.net") and s.get("name")]


@check
def app_custom_hosts_sni(ctx, site, args):
    """APP-021: every custom host name is bound with a certificate (SNI, or IP-based SSL)."""
    states = _custom_states(site)
    bindings = list(_values((site.get("parts") or {}).get("host_name_bindings")))
    names = {_low(s.get("name")) for s in states}
    for b in bindings:
        name = _low(b.get("name")).split("/")[-1]
        if name and not name.endswith(".azurewebsites.net") and name not in names:
            names.add(name)
            states.append(dict(name=name, sslState=_props(b).get("sslState")))
    if not states:
        raise NotApplicable("no custom host name")
    bad = [s["name"] for s in states if _low(s.get("sslState")) not in ("snienabled", "ipbasedenabled")]
    return _result(["%s has no TLS binding" % n for n in bad], "every custom host name SniEnabled",
                   {"hosts": shorten(dict((s["name"], s.get("sslState")) for s in states))},
                   "%d custom host name(s) bound" % len(states))


@check
def app_scm_restricted(ctx, site, args):
    """APP-013: the SCM (Kudu) site is not open to all: public access off, or default action Deny, or an allow list."""
    web = (site.get("parts") or {}).get("config_web") or {}
    web = _props(web) or web
    if _low(_props(site).get("publicNetworkAccess")) == "disabled":
        return Result(True, "SCM site restricted", {"publicNetworkAccess": "Disabled"}, "public network access disabled")
    if web.get("scmIpSecurityRestrictionsUseMain"):
        rules, default = web.get("ipSecurityRestrictions") or [], web.get("ipSecurityRestrictionsDefaultAction")
        which = "main site's"
    else:
        rules, default = web.get("scmIpSecurityRestrictions") or [], web.get("scmIpSecurityRestrictionsDefaultAction")
        which = "SCM"
    allow = [r for r in rules if _low(r.get("action")) == "allow" and _low(r.get("ipAddress")) not in ("any", "")]
    open_all = [r for r in rules if _low(r.get("ipAddress")) in ("any", "0.0.0.0/0", "::/0") and _low(r.get("action")) == "allow"]
    restricted = _low(default) == "deny" or (allow and not open_all)
    actual = {"rules": shorten([dict(name=r.get("name"), ip=r.get("ipAddress"), action=r.get("action")) for r in rules]),
              "default_action": default, "uses_main": bool(web.get("scmIpSecurityRestrictionsUseMain"))}
    return _result([] if restricted else ["the %s access restrictions allow all" % which],
                   "SCM site restricted (default action Deny or an allow list)", actual, "SCM site restricted")


@check
def app_slot_posture(ctx, slot, args):
    """APP-020: the slot is not more exposed than production: access restrictions (site and SCM), public network
    access, client certificates and authentication match or are stricter. HTTPS, TLS, FTP, remote debugging and
    identity are the rows APP-001..006, which judge every slot as a resource of its own."""
    site_id = slot.get("id", "").rsplit("/slots/", 1)[0]
    site = ctx.by_id.get(_low(site_id))
    if site is None:
        raise NotEvaluated("the slot's site %s is not in the inventory" % site_id)
    problems, actual = [], {}

    def web(obj):
        w = (obj.get("parts") or {}).get("config_web") or {}
        return _props(w) or w

    def restr(w, key):
        return sorted((_low(r.get("ipAddress")), _low(r.get("action"))) for r in w.get(key) or []
                      if _low(r.get("ipAddress")) not in ("any",))

    for key in ("ipSecurityRestrictions", "scmIpSecurityRestrictions"):
        a, b = restr(web(site), key), restr(web(slot), key)
        actual[key] = {"production": len(a), "slot": len(b)}
        if a and a != b:
            problems.append("%s differ from production" % key)
    for key, weaker in (("ipSecurityRestrictionsDefaultAction", "allow"), ("scmIpSecurityRestrictionsDefaultAction", "allow")):
        a, b = _low(web(site).get(key)), _low(web(slot).get(key))
        if a == "deny" and b == weaker:
            problems.append("%s is Allow on the slot, Deny in production" % key)
    a, b = _low(_props(site).get("publicNetworkAccess")), _low(_props(slot).get("publicNetworkAccess"))
    actual["publicNetworkAccess"] = {"production": a or None, "slot": b or None}
    if a == "disabled" and b != "disabled":
        problems.append("public network access is disabled in production only")
    if _props(site).get("clientCertEnabled") and not _props(slot).get("clientCertEnabled"):
        problems.append("client certificates required in production only")
    auth = [(((o.get("parts") or {}).get("auth_settings_v2") or {}).get("properties") or {}).get("platform", {})
            .get("enabled") for o in (site, slot)]
    if auth[0] and not auth[1]:
        problems.append("App Service authentication on in production only")
    return _result(problems, "slot as strict as production", actual, "slot as strict as production")


@check
def certificate_validity(ctx, cert, args):
    """APP-022: a Microsoft.Web/certificates entry is valid for at least ``warn_days`` more days."""
    p = _props(cert)
    end = parse_utc(p.get("expirationDate"))
    warn = int(args.get("warn_days", 30))
    if end is None:
        return Result(False, "expirationDate >= %d days ahead" % warn, {"expirationDate": p.get("expirationDate")},
                      "no readable expiration date")
    days = (end - _now(ctx)).days
    actual = {"expirationDate": p.get("expirationDate"), "days_left": days, "thumbprint": p.get("thumbprint"),
              "hostNames": shorten(p.get("hostNames"))}
    return _result(["certificate expires in %d days" % days] if days < warn else [],
                   "valid for >= %d days" % warn, actual, "valid %d more days" % days)


# --------------------------------------------------------------------------------------------------------------------
# ASP
# --------------------------------------------------------------------------------------------------------------------

def _autoscales_of(ctx, plan_id):
    return [a for a in ctx.of_type("Microsoft.Insights/autoscalesettings")
            if _low(_props(a).get("targetResourceUri")) == _low(plan_id)]


@check
def asp_min_instances(ctx, plan, args):
    """ASP-002: the plan runs at least ``minimum`` instances: autoscale minimum when an enabled autoscale setting
    targets it, otherwise the plan's own worker count."""
    minimum = int(args.get("minimum", 2))
    scales = [a for a in _autoscales_of(ctx, plan.get("id")) if _props(a).get("enabled", True)]
    if scales:
        mins = [int((pr.get("capacity") or {}).get("minimum") or 0) for a in scales for pr in _props(a).get("profiles") or []]
        low = min(mins) if mins else 0
        return Result(low >= minimum, "autoscale minimum >= %d" % minimum, {"autoscale_minimum": low},
                      "autoscale minimum is %d" % low)
    cap = int((plan.get("sku") or {}).get("capacity") or _props(plan).get("numberOfWorkers") or 0)
    return Result(cap >= minimum, "sku.capacity >= %d" % minimum, {"sku.capacity": cap}, "the plan runs %d instance(s)" % cap)


@check
def asp_autoscale_exists(ctx, plan, args):
    """ASP-004: an enabled autoscale setting targets the plan."""
    scales = _autoscales_of(ctx, plan.get("id"))
    enabled = [a.get("name") for a in scales if _props(a).get("enabled") is not False]
    actual = {"autoscale_settings": shorten([a.get("name") for a in scales]), "enabled": shorten(enabled)}
    if not scales:
        return Result(False, "an enabled autoscale setting targets the plan", actual, "no autoscale setting targets the plan")
    return _result([] if enabled else ["the autoscale setting is disabled"], "an enabled autoscale setting targets the plan",
                   actual, "autoscaled by %s" % ", ".join(enabled))


def _minutes(duration):
    m = re.match(r"^P(?:(\d+)D)?(?:T(?:(\d+)H)?(?:(\d+)M)?(?:(\d+)S)?)?$", duration or "", re.I)
    if not m:
        return None
    d, h, mi, s = (int(x or 0) for x in m.groups())
    return d * 1440 + h * 60 + mi + s / 60.0


@check
def asp_autoscale_sanity(ctx, scale, args):
    """ASP-005: every profile has minimum >= min_instances, maximum > minimum and <= the tier's limit, a scale-out and
    a scale-in rule on the same metric with a gap between thresholds, cooldowns >= min_cooldown_minutes; and the
    setting notifies someone."""
    p = _props(scale)
    min_inst = int(args.get("min_instances", 2))
    gap = float(args.get("min_threshold_gap", 20))
    cooldown = float(args.get("min_cooldown_minutes", 5))
    limits = args.get("tier_limits") or {}
    plan = ctx.by_id.get(_low(p.get("targetResourceUri")))
    tier = ((plan or {}).get("sku") or {}).get("tier")
    limit = limits.get(tier) if tier else None
    problems = []
    if p.get("enabled") is False:
        problems.append("the setting is disabled")
    for prof in p.get("profiles") or []:
        name = prof.get("name") or "profile"
        cap = prof.get("capacity") or {}
        lo, hi = int(cap.get("minimum") or 0), int(cap.get("maximum") or 0)
        if lo < min_inst:
            problems.append("%s: minimum %d < %d" % (name, lo, min_inst))
        if hi <= lo:
            problems.append("%s: maximum %d not above minimum %d" % (name, hi, lo))
        if limit is not None and hi > int(limit):
            problems.append("%s: maximum %d above the %s limit %s" % (name, hi, tier, limit))
        outs, ins = {}, {}
        for r in prof.get("rules") or []:
            trig, act = r.get("metricTrigger") or {}, r.get("scaleAction") or {}
            metric = _low(trig.get("metricName"))
            if _low(act.get("direction")) == "increase":
                outs.setdefault(metric, []).append(trig)
            elif _low(act.get("direction")) == "decrease":
                ins.setdefault(metric, []).append(trig)
            cd = _minutes(act.get("cooldown"))
            if cd is None or cd < cooldown:
                problems.append("%s: cooldown %s < PT%dM" % (name, act.get("cooldown"), cooldown))
        if not outs or not ins:
            problems.append("%s: needs both a scale-out and a scale-in rule" % name)
        elif not set(outs) & set(ins):
            problems.append("%s: scale-out and scale-in rules watch different metrics" % name)
        for metric in set(outs) & set(ins):
            out_t = min(float(t.get("threshold") or 0) for t in outs[metric])
            in_t = max(float(t.get("threshold") or 0) for t in ins[metric])
            if out_t - in_t < gap:
                problems.append("%s: %s thresholds %s/%s closer than %s (flapping)" % (name, metric, out_t, in_t, gap))
    notes = p.get("notifications") or []
    notified = any((n.get("email") or {}).get("sendToSubscriptionAdministrator")
                   or (n.get("email") or {}).get("sendToSubscriptionCoAdministrators")
                   or (n.get("email") or {}).get("customEmails") or n.get("webhooks") for n in notes)
    if not notified:
        problems.append("no notification (e-mail or webhook)")
    actual = {"profiles": shorten([dict(name=pr.get("name"), capacity=pr.get("capacity"),
                                        rules=len(pr.get("rules") or [])) for pr in p.get("profiles") or []]),
              "tier": tier, "tier_limit": limit, "notified": bool(notified)}
    return _result(problems, "min >= %d, max > min and <= tier limit, paired rules, gap >= %s, cooldown >= %s min, "
                   "notifications" % (min_inst, gap, cooldown), actual, "autoscale setting sane")


# --------------------------------------------------------------------------------------------------------------------
# PG, STG, KV
# --------------------------------------------------------------------------------------------------------------------

def _ip(text):
    try:
        parts = [int(x) for x in str(text).split(".")]
    except ValueError:
        return None
    if len(parts) != 4 or not all(0 <= x <= 255 for x in parts):
        return None
    return ((parts[0] * 256 + parts[1]) * 256 + parts[2]) * 256 + parts[3]


@check
def pg_firewall(ctx, server, args):
    """PG-009: no firewall rule spans more than ``max_addresses`` addresses (0.0.0.0-0.0.0.0, Azure services, is
    PG-008's), and at most ``max_rules`` rules."""
    rules = _values((server.get("parts") or {}).get("firewall_rules"))
    most = int(args.get("max_addresses", 256))
    max_rules = int(args.get("max_rules", 10))
    wide = []
    for r in rules:
        p = _props(r)
        a, b = _ip(p.get("startIpAddress")), _ip(p.get("endIpAddress"))
        if a == 0 and b == 0:
            continue
        if a is None or b is None or b - a + 1 > most:
            wide.append("%s %s-%s" % (r.get("name"), p.get("startIpAddress"), p.get("endIpAddress")))
    problems = ["rule %s admits more than %d addresses" % (w, most) for w in wide]
    if len(rules) > max_rules:
        problems.append("%d rules (at most %d)" % (len(rules), max_rules))
    return _result(problems, "no rule wider than %d addresses, <= %d rules" % (most, max_rules),
                   {"rules": len(rules), "too_wide": shorten(wide)}, "%d narrow rule(s)" % len(rules))


@check
def stg_backup_retention(ctx, account, args):
    """STG-015: an account holding backup containers has a lifecycle rule deleting old blobs and its backup
    containers are immutable (version-level immutability, an immutability policy or a legal hold)."""
    names = {_low(n) for n in args.get("containers") or []}
    containers = [c for c in _values((account.get("parts") or {}).get("containers")) if _low(c.get("name")) in names]
    if not containers:
        raise NotApplicable("no backup container (%s)" % ", ".join(sorted(names)))
    policy = (account.get("parts") or {}).get("management_policy") or {}
    rules = ((_props(policy).get("policy") or {}).get("rules")) or []
    deleting = [r.get("name") for r in rules if r.get("enabled", True) and
                (((r.get("definition") or {}).get("actions") or {}).get("baseBlob") or {}).get("delete")]
    problems = [] if deleting else ["no lifecycle rule deletes old backups"]
    for c in containers:
        p = _props(c)
        immutable = (p.get("immutableStorageWithVersioning") or {}).get("enabled") or p.get("hasImmutabilityPolicy") \
            or p.get("hasLegalHold")
        if not immutable:
            problems.append("container %s is not immutable" % c.get("name"))
    return _result(problems, "a lifecycle delete rule and immutable backup containers",
                   {"lifecycle_delete_rules": deleting, "containers": [c.get("name") for c in containers]},
                   "retention and immutability set")


def _epoch(value):
    if isinstance(value, (int, float)) and not isinstance(value, bool):
        return datetime.datetime.fromtimestamp(value, datetime.timezone.utc)
    return parse_utc(value)


def _attrs(item):
    return item.get("attributes") or _props(item).get("attributes") or {}


@check
def kv_secrets_expiry(ctx, vault, args):
    """KV-005: every enabled secret has an expiry, none within ``warn_days``."""
    warn = int(args.get("warn_days", 30))
    now = _now(ctx)
    bad = []
    secrets = _values((vault.get("parts") or {}).get("secrets"))
    for s in secrets:
        a = _attrs(s)
        if a.get("enabled") is False:
            continue
        name = s.get("name") or _low(s.get("id")).rsplit("/", 1)[-1]
        exp = _epoch(a.get("exp") if "exp" in a else a.get("expires"))
        if exp is None:
            bad.append("%s has no expiry" % name)
        elif (exp - now).days < warn:
            bad.append("%s expires in %d days" % (name, (exp - now).days))
    return _result(bad, "every secret expires, none within %d days" % warn, {"secrets": len(secrets), "problems": shorten(bad)},
                   "%d secret(s) with expiry" % len(secrets))


@check
def kv_keys(ctx, vault, args):
    """KV-006: every enabled key has an expiry and a rotation policy with a Rotate action."""
    bad = []
    keys = _values((vault.get("parts") or {}).get("keys"))
    for k in keys:
        a = _attrs(k)
        if a.get("enabled") is False:
            continue
        name = k.get("name") or _low(k.get("id")).rsplit("/", 1)[-1]
        if a.get("exp") is None and a.get("expires") is None:
            bad.append("%s has no expiry" % name)
        policy = k.get("rotation_policy") or k.get("rotationPolicy") or {}
        actions = [_low((la.get("action") or {}).get("type")) for la in policy.get("lifetimeActions") or []]
        if "rotate" not in actions:
            bad.append("%s has no rotation policy" % name)
    return _result(bad, "keys expire and rotate", {"keys": len(keys), "problems": shorten(bad)},
                   "%d key(s) expire and rotate" % len(keys))


# --------------------------------------------------------------------------------------------------------------------
# MON
# --------------------------------------------------------------------------------------------------------------------

@check
def mon_activity_log_export(ctx, sub, args):
    """MON-004: a subscription diagnostic setting exports the activity log categories ``categories``."""
    wanted = list(args.get("categories") or [])
    sent, names = set(), []
    for s in _values(ctx.sub_part(sub, "diagnostic_settings")):
        p = _props(s)
        if not any(p.get(k) for k in DIAG_DESTINATIONS):
            continue
        names.append(s.get("name"))
        sent.update(_low(log.get("category")) for log in p.get("logs") or [] if log.get("enabled"))
    missing = [c for c in wanted if c.lower() not in sent]
    if not names:
        return Result(False, "the activity log exported with %s" % ", ".join(wanted), {"settings": []},
                      "no subscription diagnostic setting")
    return _result(["categories not exported: %s" % ", ".join(missing)] if missing else [],
                   "the activity log exported with %s" % ", ".join(wanted),
                   {"settings": names, "missing": missing}, "exported by %s" % ", ".join(str(n) for n in names))


@check
def mon_activity_log_storage_private(ctx, sub, args):
    """MON-005: a storage account receiving the activity log allows no public blob access."""
    accounts = [_props(s).get("storageAccountId") for s in _values(ctx.sub_part(sub, "diagnostic_settings"))
                if _props(s).get("storageAccountId")]
    if not accounts:
        raise NotApplicable("the activity log is not sent to a storage account")
    problems, seen = [], []
    for acc_id in accounts:
        acc = ctx.by_id.get(_low(acc_id))
        if acc is None:
            raise NotEvaluated("the activity log's storage account %s is not in the audited scope" % acc_id)
        seen.append(acc.get("name"))
        if _props(acc).get("allowBlobPublicAccess") is not False:
            problems.append("%s allows public blob access" % acc.get("name"))
        for c in _values((acc.get("parts") or {}).get("containers")):
            if _low(c.get("name")) == "insights-activity-logs" and _low(_props(c).get("publicAccess")) not in ("", "none"):
                problems.append("container insights-activity-logs is public")
    return _result(problems, "activity log storage private", {"accounts": seen}, "activity log storage private")


@check
def mon_diagnostic_setting(ctx, resource, args):
    """MON-006: the resource has a diagnostic setting with a destination."""
    return diagnostic_categories(ctx, resource, dict(part="diagnostic_settings", categories=[]))


@check
def mon_action_group(ctx, group, args):
    """MON-007: the action group is enabled and has at least one receiver."""
    p = _props(group)
    kinds = ("emailReceivers", "smsReceivers", "webhookReceivers", "voiceReceivers", "azureAppPushReceivers",
             "armRoleReceivers", "logicAppReceivers", "azureFunctionReceivers", "automationRunbookReceivers",
             "itsmReceivers", "eventHubReceivers")
    counts = dict((k, len(p.get(k) or [])) for k in kinds if p.get(k))
    problems = []
    if p.get("enabled") is not True:
        problems.append("the action group is disabled")
    if not counts:
        problems.append("the action group has no receiver")
    emails = [r for r in p.get("emailReceivers") or [] if _low(r.get("status")) == "disabled"]
    if emails and len(emails) == sum(counts.values()):
        problems.append("every receiver is disabled (unsubscribed)")
    return _result(problems, "enabled with >= 1 receiver", {"enabled": p.get("enabled"), "receivers": counts},
                   "enabled, %d receiver(s)" % sum(counts.values()))


def _enabled_action_groups(ctx):
    return dict((_low(g.get("id")), _props(g).get("enabled") is True) for g in ctx.of_type("Microsoft.Insights/actionGroups"))


def _alert_wired(alert, groups):
    """True when an alert notifies an enabled action group; groups outside the scope are taken on trust."""
    ids = [_low(a.get("actionGroupId")) for a in _props(alert).get("actions") or [] if a.get("actionGroupId")]
    if not ids:
        ids = [_low(a.get("actionGroupId")) for a in (_props(alert).get("actions") or {}).get("actionGroups") or []] \
            if isinstance(_props(alert).get("actions"), dict) else ids
    return any(groups.get(i, True) for i in ids)


@check
def mon_metric_alert_coverage(ctx, resource, args):
    """MON-008: for the resource's type, each metric of ``coverage`` (``A|B`` = either) has an enabled metric alert
    scoped to the resource and wired to an enabled action group."""
    coverage = dict((_low(k), v) for k, v in (args.get("coverage") or {}).items())
    wanted = coverage.get(_low(resource.get("type")))
    if not wanted:
        raise NotApplicable("no metric coverage asked for %s" % resource.get("type"))
    groups = _enabled_action_groups(ctx)
    rid = _low(resource.get("id"))
    covered, unwired = set(), set()
    for alert in ctx.of_type("Microsoft.Insights/metricAlerts"):
        p = _props(alert)
        if p.get("enabled") is False or rid not in [_low(s) for s in p.get("scopes") or []]:
            continue
        criteria = (p.get("criteria") or {}).get("allOf") or []
        metrics = {_low(c.get("metricName")) for c in criteria if c.get("metricName")}
        if _alert_wired(alert, groups):
            covered.update(metrics)
        else:
            unwired.update(metrics)
    missing = []
    for item in wanted:
        options = [o.strip() for o in str(item).split("|")]
        if not any(o.lower() in covered for o in options):
            missing.append(item)
    actual = {"covered": sorted(covered), "missing": missing, "not_wired": sorted(unwired - covered)}
    return _result(["no enabled, wired metric alert on %s" % ", ".join(missing)] if missing else [],
                   "enabled alerts wired to an enabled action group on %s" % ", ".join(str(w) for w in wanted), actual,
                   "all %d metric(s) alerted" % len(wanted))


def _activity_alerts(ctx, sub):
    return [a for a in _subscription_resources(ctx, sub, "activity_log_alerts", "Microsoft.Insights/activityLogAlerts")
            if _props(a).get("enabled") is not False]


def _conditions(alert):
    return list(((_props(alert).get("condition") or {}).get("allOf") or []))


@check
def mon_service_health_alert(ctx, sub, args):
    """MON-009: an enabled activity log alert on category ServiceHealth, wired to an enabled action group."""
    groups = _enabled_action_groups(ctx)
    found = []
    for a in _activity_alerts(ctx, sub):
        conds = _conditions(a)
        if any(_low(c.get("field")) == "category" and _low(c.get("equals")) == "servicehealth" for c in conds):
            if _alert_wired_activity(a, groups):
                found.append(a.get("name"))
    return _result([] if found else ["no enabled Service Health alert wired to an enabled action group"],
                   "a Service Health activity log alert", {"alerts": found}, "Service Health alert %s" % ", ".join(found))


def _alert_wired_activity(alert, groups):
    acts = _props(alert).get("actions") or {}
    ids = [_low(g.get("actionGroupId")) for g in (acts.get("actionGroups") or [] if isinstance(acts, dict) else acts)]
    return any(groups.get(i, True) for i in ids)


@check
def mon_security_operation_alerts(ctx, sub, args):
    """MON-010: an enabled activity log alert (wired to an action group) watches each operation of ``operations``."""
    groups = _enabled_action_groups(ctx)
    watched = set()
    for a in _activity_alerts(ctx, sub):
        if not _alert_wired_activity(a, groups):
            continue
        for c in _conditions(a):
            if _low(c.get("field")) == "operationname":
                watched.add(_low(c.get("equals")))
            for alt in c.get("anyOf") or []:
                if _low(alt.get("field")) == "operationname":
                    watched.add(_low(alt.get("equals")))
    wanted = list(args.get("operations") or [])
    missing = [op for op in wanted if op.lower() not in watched]
    return _result(["no alert on %s" % ", ".join(missing)] if missing else [],
                   "activity log alerts on %d security operations" % len(wanted),
                   {"watched": len([w for w in wanted if w.lower() in watched]), "missing": shorten(missing)},
                   "all %d operations alerted" % len(wanted))


def _test_url(test):
    req = _props(test).get("Request") or _props(test).get("request") or {}
    return req.get("RequestUrl") or req.get("requestUrl") or ""


@check
def mon_web_test(ctx, test, args):
    """MON-011: a standard availability test checks the TLS certificate; with custom host names, some test targets one."""
    p = _props(test)
    url = _test_url(test)
    rules = p.get("ValidationRules") or p.get("validationRules") or {}
    problems = []
    if _low(p.get("Kind") or p.get("kind") or test.get("kind")) != "standard":
        problems.append("not a standard test")
    if not (rules.get("SSLCheck") or rules.get("sslCheck")):
        problems.append("the TLS certificate is not checked (SSLCheck)")
    hosts = {_low(h.get("host")) for h in ctx.hosts if h.get("host")}
    if hosts:
        tested = {_host_of(_test_url(t)) for t in ctx.of_type("Microsoft.Insights/webtests")}
        if not tested & hosts:
            problems.append("no availability test targets a custom host name (%s)" % ", ".join(sorted(hosts)))
    return _result(problems, "standard test with SSLCheck on a custom host name",
                   {"url": url, "ssl_check": bool(rules.get("SSLCheck") or rules.get("sslCheck"))}, "test %s" % url)


# --------------------------------------------------------------------------------------------------------------------
# DEF
# --------------------------------------------------------------------------------------------------------------------

@check
def def_pricing(ctx, sub, args):
    """DEF-00x: the Defender plan ``plan`` is Standard (``if_type``: only when such a resource is in scope)."""
    if args.get("if_type") and not ctx.of_type(args["if_type"]):
        raise NotApplicable("no %s in scope" % args["if_type"])
    plan = args.get("plan")
    items = [p for p in _values(ctx.sub_part(sub, "pricings")) if _low(p.get("name")) == _low(plan)]
    tier = _props(items[0]).get("pricingTier") if items else None
    problems = [] if _low(tier) == "standard" else ["Defender plan %s is %s" % (plan, tier or "absent")]
    actual = {"pricingTier": tier}
    if items and args.get("extension"):
        exts = dict((_low(e.get("name")), _low(e.get("isEnabled"))) for e in _props(items[0]).get("extensions") or [])
        actual[args["extension"]] = exts.get(_low(args["extension"]))
        if exts.get(_low(args["extension"])) != "true":
            problems.append("extension %s is off" % args["extension"])
    return _result(problems, "pricings/%s Standard" % plan, actual, "Defender plan %s Standard" % plan)


@check
def def_security_contact(ctx, sub, args):
    """DEF-008: a security contact with an e-mail, notifications to Owners and alert notifications from High.

    Reads both the 2023-12-01-preview shape (notificationsByRole, notificationsSources) and the older one
    (alertNotifications.minimalSeverity, alertsToAdmins). Any minimal severity Low/Medium/High includes High alerts.
    """
    contacts = _values(ctx.sub_part(sub, "security_contacts"))
    if not contacts:
        return Result(False, "a security contact", {"contacts": 0}, "no security contact")
    problems = []
    p = _props(contacts[0])
    emails = p.get("emails") or p.get("email")
    if not emails:
        problems.append("no e-mail address")
    by_role = p.get("notificationsByRole") or {}
    if _low(by_role.get("state")) != "on" or "owner" not in [_low(r) for r in by_role.get("roles") or []]:
        if _low(p.get("alertsToAdmins")) != "on":
            problems.append("Owners are not notified")
    sev = None
    for src in p.get("notificationsSources") or []:
        if _low(src.get("sourceType")) == "alert":
            sev = src.get("minimalSeverity")
    alert_notes = p.get("alertNotifications") or {}
    if sev is None and isinstance(alert_notes, dict) and _low(alert_notes.get("state")) == "on":
        sev = alert_notes.get("minimalSeverity")
    if _low(sev) not in ("low", "medium", "high"):
        problems.append("alert notifications off")
    return _result(problems, "e-mail set, Owners notified, alerts from High", {"emails": emails,
                   "notify_roles": by_role.get("roles"), "minimal_severity": sev}, "security contact complete")


@check
def def_mcsb_assignment(ctx, sub, args):
    """DEF-009: the MCSB initiative (ASC Default, SecurityCenterBuiltIn) is assigned with enforcementMode Default."""
    found = [a for a in _values(ctx.sub_part(sub, "policy_assignments"))
             if _low(a.get("name")) == "securitycenterbuiltin" or
             _low(_props(a).get("policyDefinitionId")).endswith(MCSB_INITIATIVE)]
    if not found:
        return Result(False, "ASC Default assigned, enforcementMode Default", {"assigned": False}, "MCSB initiative not assigned")
    mode = _props(found[0]).get("enforcementMode") or "Default"
    return _result([] if _low(mode) == "default" else ["enforcementMode is %s" % mode],
                   "ASC Default assigned, enforcementMode Default", {"assigned": True, "enforcementMode": mode},
                   "MCSB initiative enforced")


@check
def def_open_findings(ctx, sub, args):
    """DEF-010: no unhealthy High assessment and no active High alert on a resource of the audited scope."""
    severity = _low(args.get("severity", "High"))
    bad = []
    for a in _values(ctx.sub_part(sub, "assessments")):
        p = _props(a)
        rid = (p.get("resourceDetails") or {}).get("Id") or (p.get("resourceDetails") or {}).get("ResourceId") or \
            (p.get("resourceDetails") or {}).get("id") or a.get("id", "").split("/providers/Microsoft.Security/")[0]
        if _low((p.get("status") or {}).get("code")) == "unhealthy" and _low((p.get("metadata") or {}).get("severity")) == severity \
                and _in_audit_scope(ctx, rid):
            bad.append("assessment %s on %s" % (p.get("displayName") or a.get("name"), rid))
    for a in _values(ctx.sub_part(sub, "alerts")):
        p = _props(a)
        rids = [r.get("azureResourceId") for r in p.get("resourceIdentifiers") or [] if r.get("azureResourceId")]
        if _low(p.get("status")) == "active" and _low(p.get("severity")) == severity and \
                (not rids or any(_in_audit_scope(ctx, r) for r in rids)):
            bad.append("alert %s on %s" % (p.get("alertDisplayName") or a.get("name"), ", ".join(rids) or "the subscription"))
    return _result(bad, "no open %s Defender finding in scope" % severity, {"open": shorten(bad)}, "no open finding")


# --------------------------------------------------------------------------------------------------------------------
# GOV
# --------------------------------------------------------------------------------------------------------------------

@check
def gov_budget(ctx, sub, args):
    """GOV-001: a budget on the subscription or an audited resource group, with an enabled notification that
    reaches someone (contact e-mails, groups or roles)."""
    budgets = [b for b in _subscription_resources(ctx, sub, "budgets", "Microsoft.Consumption/budgets")
               if _in_audit_scope(ctx, b.get("id", "").split("/providers/Microsoft.Consumption/")[0] or sub.get("id"))
               or _scope_kind(b.get("id", "").split("/providers/Microsoft.Consumption/")[0]) == "subscription"]
    good, seen = [], []
    for b in budgets:
        p = _props(b)
        seen.append(b.get("name"))
        notes = [n for n in (p.get("notifications") or {}).values() if isinstance(n, dict)]
        if any(n.get("enabled") is not False and (n.get("contactEmails") or n.get("contactGroups") or n.get("contactRoles"))
               for n in notes):
            good.append(b.get("name"))
    if not budgets:
        return Result(False, "a budget with notifications", {"budgets": []}, "no budget on the subscription or the audited scope")
    return _result([] if good else ["budget(s) %s notify no one" % ", ".join(str(s) for s in seen)],
                   "a budget with notifications", {"budgets": shorten(seen), "notifying": shorten(good)},
                   "budget %s notifies" % ", ".join(str(g) for g in good))


@check
def gov_delete_lock(ctx, resource, args):
    """GOV-002: a CanNotDelete or ReadOnly lock on the resource, its resource group or its subscription."""
    locks = _values(ctx.sub_part(resource, "locks"))
    rid = resource.get("id")
    applying = []
    for lock in locks:
        scope = _low(lock.get("id")).split("/providers/microsoft.authorization/locks/")[0]
        if scope and _within(rid, scope) and _low(_props(lock).get("level")) in ("cannotdelete", "readonly"):
            applying.append("%s (%s) at %s" % (lock.get("name"), _props(lock).get("level"), scope))
    return _result([] if applying else ["no delete lock on the resource, its resource group or subscription"],
                   "a CanNotDelete lock (own or inherited)", {"locks": shorten(applying)}, "locked by %s" % "; ".join(applying))


@check
def gov_required_tags(ctx, resource, args):
    """GOV-003: the resource carries every tag of ``tags`` (non-empty); ``exempt_types`` are skipped."""
    if _low(resource.get("type")) in [_low(t) for t in args.get("exempt_types") or []]:
        raise NotApplicable("%s is exempt from tagging" % resource.get("type"))
    tags = dict((_low(k), v) for k, v in (resource.get("tags") or {}).items())
    missing = [t for t in args.get("tags") or [] if not tags.get(t.lower())]
    return _result(["missing tag(s) %s" % ", ".join(missing)] if missing else [], "tags %s" % ", ".join(args.get("tags") or []),
                   {"tags": shorten(sorted(resource.get("tags") or {})), "missing": missing}, "tags present")


@check
def gov_location(ctx, resource, args):
    """GOV-004: the resource's region is allowed ('West Europe' and 'westeurope' are the same)."""
    loc = re.sub(r"\s+", "", _low(resource.get("location")))
    if not loc:
        raise NotApplicable("the resource has no location")
    allowed = [re.sub(r"\s+", "", _low(a)) for a in args.get("allowed") or []]
    return Result(loc in allowed, "location in %s" % ", ".join(allowed), {"location": resource.get("location")},
                  "location %s%s" % (resource.get("location"), "" if loc in allowed else " is not allowed"))


# --------------------------------------------------------------------------------------------------------------------
# DNS
# --------------------------------------------------------------------------------------------------------------------

def _sites_by_host(ctx):
    out = {}
    for s in ctx.of_type("Microsoft.Web/sites", "Microsoft.Web/sites/slots"):
        for h in [_props(s).get("defaultHostName")] + list(_props(s).get("hostNames") or []):
            if h:
                out[_low(h).rstrip(".")] = s
    return out


def _record_sets(zone):
    return _values((zone.get("parts") or {}).get("record_sets"))


def _rs_type(rs):
    return (rs.get("type") or "").rsplit("/", 1)[-1].upper()


@check
def dns_host_records(ctx, host, args):
    """DNS-001 (host): the host's CNAME points at its site's azurewebsites.net name (or its A at the site's inbound
    address) and the asuid TXT holds the site's customDomainVerificationId."""
    dns = host.get("dns") or {}
    site_id = host.get("site_id") or ""
    if host.get("slot") and "/slots/" not in _low(site_id):
        site_id = "%s/slots/%s" % (site_id, host["slot"])
    site = ctx.by_id.get(_low(site_id))
    if site is None:
        raise NotEvaluated("the host's site %s is not in the inventory" % site_id)
    p = _props(site)
    problems = []
    cnames = [_low(c).rstrip(".") for c in dns.get("CNAME") or []]
    names = {_low(h).rstrip(".") for h in [p.get("defaultHostName")] + list(p.get("hostNames") or []) if h}
    if cnames:
        wrong = [c for c in cnames if c not in names]
        if wrong:
            problems.append("CNAME to %s, not the site's %s" % (", ".join(wrong), p.get("defaultHostName")))
    elif dns.get("A"):
        ips = [p.get("inboundIpAddress")] + list(p.get("possibleInboundIpAddresses", "").split(",") if p.get("possibleInboundIpAddresses") else [])
        ips = [i for i in ips if i]
        if ips and not set(dns["A"]) & set(ips):
            problems.append("A %s is not the site's inbound address %s" % (", ".join(dns["A"]), p.get("inboundIpAddress")))
    else:
        problems.append("no CNAME or A record")
    want = p.get("customDomainVerificationId")
    txt = [str(t).strip('"') for t in dns.get("TXT_asuid") or []]
    if not want:
        raise NotEvaluated("the site's customDomainVerificationId is not in the inventory")
    if want not in txt:
        problems.append("asuid TXT %s does not hold the site's verification id" % (txt or "missing"))
    return _result(problems, "CNAME/A to the site and asuid TXT = customDomainVerificationId",
                   {"CNAME": dns.get("CNAME"), "A": dns.get("A"), "TXT_asuid": shorten(txt)}, "DNS records correct")


@check
def dns_zone_dangling(ctx, zone, args):
    """DNS-001 (zone): no CNAME of the zone points at an azurewebsites.net name that no site in scope answers."""
    known = _sites_by_host(ctx)
    dangling, checked = [], 0
    for rs in _record_sets(zone):
        if _rs_type(rs) != "CNAME":
            continue
        target = _low((_props(rs).get("CNAMERecord") or _props(rs).get("cnameRecord") or {}).get("cname")).rstrip(".")
        if target.endswith(".azurewebsites.net"):
            checked += 1
            if target not in known:
                dangling.append("%s -> %s" % (rs.get("name"), target))
    return _result(["dangling CNAME %s" % d for d in dangling], "every CNAME to azurewebsites.net names a site in scope",
                   {"app_service_cnames": checked, "dangling": shorten(dangling)}, "%d CNAME(s) to existing sites" % checked)


@check
def dns_caa(ctx, zone, args):
    """DNS-002: when the zone has CAA records, they permit each issuer of ``issuers`` (digicert.com issues App
    Service managed certificates)."""
    caa = [r for rs in _record_sets(zone) if _rs_type(rs) == "CAA"
           for r in (_props(rs).get("caaRecords") or [])]
    if not caa:
        raise NotApplicable("the zone has no CAA record")
    issuers = {_low(str(r.get("value")).split(";", maxsplit=1)[0].strip().strip('"'))
               for r in caa if _low(r.get("tag")) in ("issue", "issuewild")}
    missing = [i for i in args.get("issuers") or [] if i.lower() not in issuers]
    return _result(["CAA does not permit %s" % ", ".join(missing)] if missing else [],
                   "CAA permits %s" % ", ".join(args.get("issuers") or []), {"issuers": sorted(issuers)}, "CAA permits the issuer")
