# -*- coding: utf-8 -*-
# Copyright: (c) 2026, erpops.azure contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""The audit's document (``erpops-audit/1``) from the rules' metadata and the evaluated findings: suppressions,
drift against the deploy's desired values, changes since the previous audit, the summary and the exit threshold.

Pure functions on plain data; the writers of the five files are in ``audit_render`` and ``audit_html``.
Bad input raises ``AuditInputError`` with a message that says what is wrong and how to fix it, before anything is written.
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import datetime
import fnmatch
import glob
import json
import os
import re

FORMAT = "erpops-audit/1"
INVENTORY_FORMAT = "erpops-audit-inventory/1"
SEVERITIES = ("critical", "high", "medium", "low", "info")
STATUSES = ("pass", "fail", "error", "not_applicable", "not_evaluated", "suppressed")
OPEN = ("fail", "error")
FAIL_ON = SEVERITIES + ("none",)
SUPPRESSION_KEYS = ("check", "resource", "reason", "owner", "expires")
GROUP_ORDER = ("IAM", "APP", "ASP", "PG", "STG", "KV", "MON", "DEF", "GOV", "DNS", "NET")  # the catalog's order
_RANK = dict((s, len(SEVERITIES) - i) for i, s in enumerate(SEVERITIES))  # critical 5 ... info 1
_DATE = re.compile(r"^\d{4}-\d{2}-\d{2}$")


class AuditInputError(ValueError):
    """Input the audit cannot use (an inventory, a rule, a suppression, a desired value, a previous audit)."""


def severity_rank(severity):
    return _RANK.get(severity, 0)


def is_open(finding):
    return finding.get("status") in OPEN


def parse_date(value, what):
    """A ``datetime.date`` from YYYY-MM-DD text (or a date, as YAML gives an unquoted one)."""
    if isinstance(value, datetime.datetime):
        return value.date()
    if isinstance(value, datetime.date):
        return value
    if isinstance(value, str) and _DATE.match(value.strip()):
        try:
            return datetime.datetime.strptime(value.strip(), "%Y-%m-%d").date()
        except ValueError:
            pass
    raise AuditInputError("%s must be a date written YYYY-MM-DD, got %r" % (what, value))


# ----------------------------------------------------------------------------------------------------------------------
# Rules' metadata

def rules_meta(rules):
    """``{check id: {id, title, group, group_title, severity, anchors, rationale, remediation, help_uri}}`` in the catalog's
    group order, from what ``audit_rules.load_rules`` gives (a rule set ``{groups: {GROUP: {title}}, rules: [...]}``), a
    list of group documents (``{group, title, rules: [...]}``) or a list of rules (each with its ``group``)."""
    titles = {}
    if isinstance(rules, dict) and isinstance(rules.get("rules"), list):
        titles = dict((g, (v or {}).get("title")) for g, v in (rules.get("groups") or {}).items())
        rules = rules["rules"]
    elif isinstance(rules, dict):
        rules = list(rules.values())
    meta = {}
    for item in rules or []:
        if isinstance(item, dict) and isinstance(item.get("rules"), list):
            for rule in item["rules"]:
                _add_rule(meta, rule, item.get("group"), item.get("title"))
        else:
            _add_rule(meta, item, None, titles.get(item.get("group")) if isinstance(item, dict) else None)
    order = dict((g, i) for i, g in enumerate(GROUP_ORDER))
    ids = sorted(meta, key=lambda rid: (order.get(meta[rid]["group"], len(order)), meta[rid]["group"]))  # stable: file order within a group
    return dict((rid, meta[rid]) for rid in ids)


def _add_rule(meta, rule, group, group_title):
    if not isinstance(rule, dict) or not rule.get("id"):
        raise AuditInputError("a rule without an id: %r" % (rule,))
    severity = rule.get("severity", "medium")
    if severity not in SEVERITIES:
        raise AuditInputError("rule %s: severity %r is not one of %s" % (rule["id"], severity, ", ".join(SEVERITIES)))
    rid = str(rule["id"])
    if group and rule.get("group") and rule["group"] != group:  # a rule filed under another group's title keeps its own group's name
        group_title = None
    group = rule.get("group") or group or rid.partition("-")[0]
    anchors = rule.get("anchors") or {}
    meta[rid] = {
        "id": rid, "title": rule.get("title") or rid, "group": group,
        "group_title": rule.get("group_title") or group_title or group, "severity": severity,
        "anchors": dict((k, [str(x) for x in (v if isinstance(v, list) else [v])]) for k, v in anchors.items() if v),
        "rationale": rule.get("rationale") or "", "remediation": rule.get("remediation") or "",
        "help_uri": rule.get("help_uri") or rule.get("helpUri") or _first_url(rule),
    }


def _first_url(rule):
    for value in [rule.get("references")] + list((rule.get("anchors") or {}).values()):
        for item in value if isinstance(value, list) else [value]:
            if isinstance(item, str) and item.startswith("https://"):
                return item
    return None


def normalise_findings(findings, meta):
    """Findings in a stable order (group, check, resource), each with its rule's title, group and severity."""
    out = []
    for f in findings or []:
        if not isinstance(f, dict) or not f.get("check") or f.get("resource") in (None, ""):
            raise AuditInputError("a finding needs a check and a resource: %r" % (f,))
        rule = meta.get(f["check"], {})
        item = {
            "check": f["check"], "status": f.get("status"), "severity": f.get("severity") or rule.get("severity", "medium"),
            "resource": str(f["resource"]), "expected": f.get("expected"), "actual": f.get("actual"),
            "message": str(f.get("message") or ""), "title": f.get("title") or rule.get("title") or f["check"],
            "group": f.get("group") or rule.get("group") or f["check"].partition("-")[0],
        }
        if item["status"] not in STATUSES:
            raise AuditInputError("finding %s on %s: status %r is not one of %s" % (f["check"], f["resource"], item["status"], ", ".join(STATUSES)))
        if item["severity"] not in SEVERITIES:
            raise AuditInputError("finding %s: severity %r is not one of %s" % (f["check"], item["severity"], ", ".join(SEVERITIES)))
        if f.get("suppression"):
            item["suppression"] = f["suppression"]
        out.append(item)
    order = dict((g, i) for i, g in enumerate(_unique(m["group"] for m in meta.values())))
    out.sort(key=lambda f: (order.get(f["group"], len(order)), f["group"], f["check"], f["resource"].lower()))
    return out


def _unique(items):
    seen, out = set(), []
    for item in items:
        if item not in seen:
            seen.add(item)
            out.append(item)
    return out


# ----------------------------------------------------------------------------------------------------------------------
# Suppressions

def parse_suppressions(items, known_checks=None):
    """Check every suppression before anything is evaluated: all five keys, a known check, a usable pattern, a date."""
    out = []
    for n, item in enumerate(items or []):
        where = "suppressions[%d]" % n
        if not isinstance(item, dict):
            raise AuditInputError("%s must be a mapping with %s" % (where, ", ".join(SUPPRESSION_KEYS)))
        unknown = sorted(set(item) - set(SUPPRESSION_KEYS))
        if unknown:
            raise AuditInputError("%s has unknown keys %s; a suppression has exactly %s" % (where, ", ".join(unknown), ", ".join(SUPPRESSION_KEYS)))
        missing = [k for k in SUPPRESSION_KEYS if item.get(k) in (None, "") or (isinstance(item.get(k), str) and not item[k].strip())]
        if missing:
            raise AuditInputError("%s (%s on %s) lacks %s: every suppression is documented with a reason, an owner and an expiry date"
                                  % (where, item.get("check"), item.get("resource"), ", ".join(missing)))
        check = str(item["check"]).strip()
        if known_checks is not None:
            match = [c for c in known_checks if c.lower() == check.lower()]
            if not match:
                raise AuditInputError("%s names check %s, which no rule has (a typo would suppress nothing)" % (where, check))
            check = match[0]
        pattern = str(item["resource"]).strip()
        try:
            regex = re.compile(fnmatch.translate(pattern.lower()))
        except re.error as exc:
            raise AuditInputError("%s: resource pattern %r is not a valid fnmatch pattern (%s)" % (where, pattern, exc)) from exc
        expires = parse_date(item["expires"], "%s.expires" % where)
        out.append({"check": check, "resource": pattern, "reason": str(item["reason"]).strip(), "owner": str(item["owner"]).strip(),
                    "expires": expires.isoformat(), "_regex": regex, "_expires": expires})
    return out


def _matches(suppression, finding):
    resource = finding["resource"].lower()
    # A pattern may name the whole ARM id, the host name, or only the resource's own name.
    names = (resource, resource.rstrip("/").rsplit("/", 1)[-1])
    return suppression["check"].lower() == finding["check"].lower() and any(suppression["_regex"].match(n) for n in names)


def public_suppression(s):
    return dict((k, s[k]) for k in SUPPRESSION_KEYS)


def apply_suppressions(findings, suppressions, today):
    """An open finding matched by an unexpired suppression (valid through its ``expires`` day) becomes ``suppressed``
    with the suppression attached. An expired one leaves the finding open, says so in its message and attaches the
    suppression with ``expired: true``; every suppression is reported with its state (active, expired, unused) and
    the resources it matched."""
    report = []
    for s in suppressions:
        s["_matched"] = []
    for f in findings:
        if not is_open(f):
            continue
        matching = [s for s in suppressions if _matches(s, f)]
        for s in matching:
            s["_matched"].append(f["resource"])
        active = [s for s in matching if s["_expires"] >= today]
        if active:  # a renewed suppression listed beside the expired one it replaces wins
            attached = public_suppression(active[0])
            attached["status_before"] = f["status"]
            f["status"] = "suppressed"
            f["suppression"] = attached
        elif matching:
            s = matching[0]
            attached = public_suppression(s)
            attached["expired"] = True
            f["suppression"] = attached
            f["message"] = ("%s (suppression expired on %s: %s, owner %s)" % (f["message"], s["expires"], s["reason"], s["owner"])).strip()
    for s in suppressions:
        state = "expired" if s["_expires"] < today else ("active" if s["_matched"] else "unused")
        entry = public_suppression(s)
        entry.update(state=state, matched=sorted(s["_matched"], key=str.lower))
        report.append(entry)
    return report


# ----------------------------------------------------------------------------------------------------------------------
# Drift: the live state against the deploy's desired values

def validate_desired(desired):
    """``{<resource type>: {<dotted path>: value, ..., by_name: {<resource name>: {<dotted path>: value}}}}``."""
    if not isinstance(desired, dict):
        raise AuditInputError("desired must be a mapping of resource type to {property path: value}")
    for rtype, props in desired.items():
        if not isinstance(rtype, str) or "/" not in rtype:
            raise AuditInputError("desired: %r is not a resource type such as Microsoft.Web/sites" % (rtype,))
        if not isinstance(props, dict):
            raise AuditInputError("desired[%s] must be a mapping of property path to value" % rtype)
        by_name = props.get("by_name", {})
        if not isinstance(by_name, dict) or not all(isinstance(v, dict) for v in by_name.values()):
            raise AuditInputError("desired[%s].by_name must map a resource name to {property path: value}" % rtype)
        for path in list(props) + [p for v in by_name.values() for p in v]:
            if path != "by_name" and (not isinstance(path, str) or not path or path.startswith(".") or path.endswith(".")):
                raise AuditInputError("desired[%s]: %r is not a dotted property path such as properties.httpsOnly" % (rtype, path))


def resolve(doc, path):
    """``(found, value)`` for a dotted path; a key that itself holds dots (a PostgreSQL parameter such as
    ``azure.extensions``) is matched whole, the longest key first."""
    parts = path.split(".")
    cur = doc
    i = 0
    while i < len(parts):
        if isinstance(cur, dict):
            for j in range(len(parts), i, -1):
                key = ".".join(parts[i:j])
                if key in cur:
                    cur, i = cur[key], j
                    break
            else:
                return False, None
        elif isinstance(cur, list) and parts[i].isdigit() and int(parts[i]) < len(cur):
            cur, i = cur[int(parts[i])], i + 1
        else:
            return False, None
    return True, cur


def _norm(value):
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    if isinstance(value, (int, float, str)):
        return str(value).strip().lower()
    return value


def same(expected, actual):
    """Equal as the deploy means it: scalars as text without case ("1.2" == 1.2, "Enabled" == "enabled"), a mapping by
    the keys it names, a list as a set."""
    if isinstance(expected, dict):
        return isinstance(actual, dict) and all(same(v, actual.get(k)) for k, v in expected.items())
    if isinstance(expected, list):
        return isinstance(actual, list) and sorted(json.dumps(_norm(x), sort_keys=True, default=str) for x in expected) == \
            sorted(json.dumps(_norm(x), sort_keys=True, default=str) for x in actual)
    if expected is None:
        return actual is None
    return actual is not None and _norm(expected) == _norm(actual)


def drift(inventory, desired):
    """``[{resource, type, property, expected, actual, message}]``: every desired value the live resource does not have.
    A value that could not be read (its part failed) is listed with ``actual: null`` and the reason, never as equal."""
    out = []
    if not desired:
        return out
    types = dict((t.lower(), t) for t in desired)
    errors = inventory.get("errors") or {}
    for res in inventory.get("resources") or []:
        rtype = types.get(str(res.get("type", "")).lower())
        if rtype is None:
            continue
        wanted = dict((k, v) for k, v in desired[rtype].items() if k != "by_name")
        for name, props in (desired[rtype].get("by_name") or {}).items():
            if str(name).lower() == str(res.get("name", "")).lower():
                wanted.update(props)
        for path, expected in wanted.items():
            found, actual = resolve(res, path)
            message = ""
            if not found:
                error = _part_error(errors, res.get("id", ""), path)
                message = ("not read: %s" % error) if error else "not set"
            if found and same(expected, actual):
                continue
            out.append({"resource": res.get("id"), "type": res.get("type"), "property": path, "expected": expected,
                        "actual": actual if found else None, "message": message or "differs from the desired value"})
    return out


def _part_error(errors, rid, path):
    if not path.startswith("parts."):
        return None
    part = path.split(".")[1]
    for key, err in errors.items():
        if key.lower() == ("%s|%s" % (rid, part)).lower():
            if isinstance(err, dict):
                return " ".join(str(x) for x in (err.get("status"), err.get("code"), err.get("action") and "(%s)" % err["action"]) if x)
            return str(err)
    return None


# ----------------------------------------------------------------------------------------------------------------------
# Changes since the previous audit

def read_json(path, what):
    """The JSON document at ``path``; an AuditInputError naming ``what`` when it cannot be read or parsed."""
    try:
        with open(path, "rb") as f:
            return json.loads(f.read().decode("utf-8"))
    except (OSError, ValueError) as exc:
        raise AuditInputError("%s %s cannot be read: %s" % (what, path, exc)) from exc


def load_previous(path):
    doc = read_json(path, "previous audit")
    if not isinstance(doc, dict) or doc.get("format") != FORMAT or not isinstance(doc.get("findings"), list):
        raise AuditInputError("previous audit %s is not an %s document (format %r)" % (path, FORMAT, doc.get("format") if isinstance(doc, dict) else None))
    doc["_path"] = path
    return doc


def _scope_key(scope):
    return sorted(str(s).lower().rstrip("/") for s in scope or [])


def find_previous(history_dir, scope, exclude_dir=None):
    """The newest ``audit.json`` under ``history_dir`` (``<dir>/audit.json``, ``<dir>/<run>/audit.json``,
    ``<dir>/<run>/<host>/audit.json`` or, the maintain role's quarterly routine, ``<dir>/<run>/<host>/audit/audit.json``)
    of the same scope, other than the one in ``exclude_dir``; None when there is none."""
    best = None
    exclude = os.path.realpath(exclude_dir) if exclude_dir else None
    for path in (glob.glob(os.path.join(history_dir, "audit.json")) + glob.glob(os.path.join(history_dir, "*", "audit.json"))
                 + glob.glob(os.path.join(history_dir, "*", "*", "audit.json"))
                 + glob.glob(os.path.join(history_dir, "*", "*", "audit", "audit.json"))):
        if exclude and os.path.realpath(os.path.dirname(path)) == exclude:
            continue
        try:
            doc = load_previous(path)
        except AuditInputError:
            continue  # a stray or half-written file in the history is not this audit's business
        if _scope_key(doc.get("scope")) != _scope_key(scope):
            continue
        if best is None or str(doc.get("generated")) > str(best.get("generated")):
            best = doc
    return best


def changes(findings, previous, scope=None):
    """new: open now and not before; fixed: open before, now passing, not applicable or gone; still_open: open both
    times; unverified: open before, now suppressed or not evaluated (not known to be fixed)."""
    if previous is None:
        return None
    before = dict(((f.get("check"), str(f.get("resource", "")).lower()), f) for f in previous.get("findings") or [] if isinstance(f, dict))
    now = dict(((f["check"], f["resource"].lower()), f) for f in findings)
    out = {"previous": {"generated": previous.get("generated"), "path": previous.get("_path")},
           "scope_changed": scope is not None and _scope_key(previous.get("scope")) != _scope_key(scope),
           "new": [], "fixed": [], "still_open": [], "unverified": []}
    for key, f in now.items():
        was = before.get(key)
        if is_open(f):
            out["still_open" if was is not None and was.get("status") in OPEN else "new"].append(_change(f, was))
    for key, was in before.items():
        if was.get("status") not in OPEN:
            continue
        f = now.get(key)
        if f is None or f["status"] in ("pass", "not_applicable"):
            out["fixed"].append(_change(f, was))
        elif f["status"] in ("suppressed", "not_evaluated"):
            out["unverified"].append(_change(f, was))
    for k in ("new", "fixed", "still_open", "unverified"):
        out[k].sort(key=lambda c: (-severity_rank(c["severity"]), c["check"], c["resource"].lower()))
    return out


def _change(now, was):
    base = now or was
    return {"check": base.get("check"), "resource": base.get("resource"), "severity": base.get("severity"),
            "title": base.get("title") or base.get("check"),
            "status": now["status"] if now else "absent", "previous_status": was.get("status") if was else None}


# ----------------------------------------------------------------------------------------------------------------------
# Summary and the exit threshold

def threshold(findings, fail_on):
    """``(open_at_or_above, failed_checks)``: open findings at or above ``fail_on`` and their checks, worst first."""
    if fail_on not in FAIL_ON:
        raise AuditInputError("fail_on must be one of %s, got %r" % (", ".join(FAIL_ON), fail_on))
    if fail_on == "none":
        return 0, []
    hit = [f for f in findings if is_open(f) and severity_rank(f["severity"]) >= severity_rank(fail_on)]
    checks = sorted({(f["check"], f["severity"]) for f in hit}, key=lambda cs: (-severity_rank(cs[1]), cs[0]))
    return len(hit), [c for c, _s in checks]


def summarize(findings, fail_on, suppressions=(), drift_items=(), resources=None):
    by_status = dict((s, 0) for s in STATUSES)
    open_by_severity = dict((s, 0) for s in SEVERITIES)
    by_severity = dict((s, dict((st, 0) for st in STATUSES)) for s in SEVERITIES)
    by_group = {}
    for f in findings:
        by_status[f["status"]] += 1
        by_severity[f["severity"]][f["status"]] += 1
        by_group.setdefault(f["group"], dict((s, 0) for s in STATUSES))[f["status"]] += 1
        if is_open(f):
            open_by_severity[f["severity"]] += 1
    count, failed = threshold(findings, fail_on)
    states = [s.get("state") for s in suppressions]
    return {
        "findings": len(findings), "checks": len({f["check"] for f in findings}),
        "resources": resources if resources is not None else len({f["resource"].lower() for f in findings}),
        "open": by_status["fail"] + by_status["error"], "by_status": by_status, "open_by_severity": open_by_severity,
        "by_severity": by_severity, "by_group": by_group, "fail_on": fail_on, "open_at_or_above": count, "failed_checks": failed,
        "suppressions": {"active": states.count("active"), "expired": states.count("expired"), "unused": states.count("unused")},
        "drift": len(drift_items),
    }


def build(meta, findings, scope, generated, today, fail_on="high", suppressions=None, previous=None, drift_items=None,
          security_logs=None, inventory=None):
    """The ``erpops-audit/1`` document. ``suppressions`` are already parsed (``parse_suppressions``); ``previous`` is a
    loaded previous document or None; ``inventory`` (optional) adds the collection's time, calls and read errors."""
    findings = normalise_findings(findings, meta)
    supp_report = apply_suppressions(findings, suppressions or [], today)
    drift_items = list(drift_items or [])
    doc = {"format": FORMAT, "generated": generated, "scope": list(scope or []), "findings": findings}
    resources = None
    if inventory is not None:
        resources = len(inventory.get("resources") or []) + len(inventory.get("hosts") or []) + len(inventory.get("subscriptions") or [])
    doc["summary"] = summarize(findings, fail_on, supp_report, drift_items, resources)
    doc["suppressions"] = supp_report
    doc["drift"] = drift_items
    doc["security_logs"] = security_logs if security_logs is not None else {}
    doc["changes"] = changes(findings, previous, scope)
    if inventory is not None:
        doc["inventory"] = {"collected": inventory.get("collected"), "principal": inventory.get("principal") or {},
                            "calls": (inventory.get("calls") or {}).get("total"), "errors": len(inventory.get("errors") or {}),
                            "directory": inventory.get("directory") or {}}
    return doc


def check_inventory(inventory, path="inventory"):
    if not isinstance(inventory, dict) or inventory.get("format") != INVENTORY_FORMAT:
        raise AuditInputError("%s is not an %s document (format %r): run erpops.azure.audit_inventory to write it"
                              % (path, INVENTORY_FORMAT, inventory.get("format") if isinstance(inventory, dict) else type(inventory).__name__))
    for key in ("resources", "subscriptions", "hosts"):
        if not isinstance(inventory.get(key) or [], list):
            raise AuditInputError("%s: %s must be a list" % (path, key))
    return inventory
