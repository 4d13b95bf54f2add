# -*- coding: utf-8 -*-
# Copyright: (c) 2026, erpops.azure contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""The audit document written as JSON, SARIF 2.1.0, JUnit XML and Markdown (the HTML page is ``audit_html``).

SARIF follows the OASIS 2.1.0 standard with errata 01: one result per check and resource, its ``kind`` from our status
(pass -> pass, fail and suppressed -> fail, not_applicable -> notApplicable, not_evaluated -> review: a person must look,
error -> open: the tool could not conclude), and ``level`` only on ``fail`` results, from the severity, since section
3.27.10 makes every other kind's level ``none``. Suppressions are ``external`` and ``accepted``; an expired one stays on
its open result as ``rejected``. The levels and ``security-severity`` scores are the ones Prowler's SARIF output uses
(critical/high -> error, medium -> warning, low/info -> note; 9.0/7.0/4.0/2.0/0.0).
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import hashlib
import json
import re
import xml.etree.ElementTree as ET

from ansible_collections.erpops.azure.plugins.module_utils.audit_report import OPEN, SEVERITIES, is_open, severity_rank

SARIF_SCHEMA = "https://docs.oasis-open.org/sarif/sarif/v2.1.0/errata01/os/schemas/sarif-schema-2.1.0.json"
TOOL = "erpops.azure audit"
LEVEL = {"critical": "error", "high": "error", "medium": "warning", "low": "note", "info": "note"}
SECURITY_SEVERITY = {"critical": "9.0", "high": "7.0", "medium": "4.0", "low": "2.0", "info": "0.0"}
KIND = {"pass": "pass", "fail": "fail", "suppressed": "fail", "not_applicable": "notApplicable", "not_evaluated": "review", "error": "open"}
_CONTROL = re.compile(u"[\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff]")


def text(value):
    """A value as one line of text: strings as they are, anything else as compact JSON."""
    if value is None:
        return ""
    if isinstance(value, str):
        return value
    return json.dumps(value, sort_keys=True, ensure_ascii=False, default=str)


def resource_label(resource):
    """A short name for an ARM id (``erp-prod``, ``erp-prod/staging`` for a slot, the group or subscription for a scope);
    a host name as it is."""
    parts = str(resource).strip("/").split("/")
    if not str(resource).startswith("/subscriptions/") or len(parts) < 2:
        return str(resource)
    low = [p.lower() for p in parts]
    if "providers" in low:
        i = len(low) - 1 - low[::-1].index("providers")
        names = parts[i + 2:][1::2]
        return "/".join(names) or parts[-1]
    if "resourcegroups" in low:
        return parts[low.index("resourcegroups") + 1]
    return "subscription " + parts[1]


def resource_type(resource):
    parts = str(resource).strip("/").split("/")
    low = [p.lower() for p in parts]
    if "providers" not in low:
        if not str(resource).startswith("/subscriptions/"):
            return "host"
        return "resource group" if "resourcegroups" in low else "subscription"
    i = len(low) - 1 - low[::-1].index("providers")
    return "/".join([parts[i + 1]] + parts[i + 2:][0::2])


def to_json(doc):
    return json.dumps(doc, indent=2, ensure_ascii=False, default=str) + "\n"


# ----------------------------------------------------------------------------------------------------------------------
# SARIF

def _rule_name(title):
    words = re.findall(r"[A-Za-z0-9]+", title)
    return "".join(w[:1].upper() + w[1:] for w in words)[:120] or "Check"


def _tags(rule):
    tags = ["security", rule["group"]]
    for tool in sorted(rule["anchors"]):
        tags.extend("%s:%s" % (tool, anchor) for anchor in rule["anchors"][tool])
    return tags


def _sarif_rule(rule):
    help_text = rule["rationale"] or rule["title"]
    if rule["remediation"]:
        help_text += "\n\nRemediation: " + rule["remediation"]
    out = {"id": rule["id"], "name": _rule_name(rule["title"]), "shortDescription": {"text": rule["title"]},
           "fullDescription": {"text": rule["rationale"] or rule["title"]},
           "help": {"text": help_text, "markdown": "%s\n\n**Remediation:** %s" % (rule["rationale"] or rule["title"], rule["remediation"] or "-")},
           "defaultConfiguration": {"level": LEVEL[rule["severity"]]},
           "properties": {"tags": _tags(rule), "security-severity": SECURITY_SEVERITY[rule["severity"]], "severity": rule["severity"],
                          "group": rule["group"], "anchors": rule["anchors"]}}
    if rule.get("help_uri"):
        out["helpUri"] = rule["help_uri"]
    return out


def _sarif_result(f, index, baseline):
    kind = KIND[f["status"]]
    result = {"ruleId": f["check"], "ruleIndex": index, "kind": kind, "level": LEVEL[f["severity"]] if kind == "fail" else "none",
              "message": {"text": "%s: %s" % (f["title"], f["message"] or f["status"])},
              "locations": [{"logicalLocations": [{"fullyQualifiedName": f["resource"], "name": resource_label(f["resource"]),
                                                   "kind": "resource"}]}],
              "partialFingerprints": {"erpopsFinding/v1": hashlib.sha256(("%s|%s" % (f["check"], f["resource"].lower())).encode("utf-8")).hexdigest()},
              "properties": {"status": f["status"], "severity": f["severity"], "group": f["group"],
                             "expected": text(f["expected"]), "actual": text(f["actual"])}}
    s = f.get("suppression")
    if s:
        result["suppressions"] = [{"kind": "external", "status": "rejected" if s.get("expired") else "accepted",
                                   "justification": "%s (owner %s, until %s)" % (s["reason"], s["owner"], s["expires"]),
                                   "properties": {"owner": s["owner"], "expires": s["expires"], "pattern": s["resource"]}}]
    if baseline is not None and is_open(f):
        result["baselineState"] = "unchanged" if baseline.get((f["check"], f["resource"].lower())) in OPEN else "new"
    return result


def to_sarif(doc, meta):
    rules = [meta[c] for c in meta]
    for f in doc["findings"]:  # a finding whose rule's metadata is missing still gets a rule, so ruleIndex holds
        if f["check"] not in meta:
            meta = dict(meta)
            meta[f["check"]] = {"id": f["check"], "title": f["title"], "group": f["group"], "severity": f["severity"], "anchors": {},
                                "rationale": "", "remediation": "", "help_uri": None}
            rules.append(meta[f["check"]])
    index = dict((r["id"], i) for i, r in enumerate(rules))
    baseline = None
    if doc.get("changes"):
        baseline = dict(((c["check"], c["resource"].lower()), "fail") for c in doc["changes"]["still_open"])
    notifications = [{"level": "error", "message": {"text": "%s on %s: %s" % (f["check"], f["resource"], f["message"] or "evaluation error")},
                      "associatedRule": {"id": f["check"], "index": index[f["check"]]}}
                     for f in doc["findings"] if f["status"] == "error"]
    run = {
        "tool": {"driver": {"name": TOOL, "rules": [_sarif_rule(r) for r in rules]}},
        "invocations": [{"executionSuccessful": True, "endTimeUtc": doc["generated"], "toolExecutionNotifications": notifications}],
        "automationDetails": {"id": "erpops-audit/%s/" % "+".join(sorted(resource_label(s) for s in doc["scope"]))},
        "results": [_sarif_result(f, index[f["check"]], baseline) for f in doc["findings"]],
        "properties": {"format": doc["format"], "scope": doc["scope"],
                       "summary": {k: doc["summary"][k] for k in ("open", "by_status", "open_by_severity", "fail_on", "open_at_or_above")}},
    }
    # Compact: a scope of hundreds of resources gives tens of thousands of results, read by tools, not by people.
    return json.dumps({"$schema": SARIF_SCHEMA, "version": "2.1.0", "runs": [run]}, separators=(",", ":"), ensure_ascii=False, default=str) + "\n"


# ----------------------------------------------------------------------------------------------------------------------
# JUnit (the shape jenkinsci/xunit-plugin's junit-10.xsd accepts, which Jenkins and GitLab read)

def _x(value):
    return _CONTROL.sub("", text(value))


def _detail(f, meta):
    rule = meta.get(f["check"], {})
    lines = ["%s (%s) on %s" % (f["title"], f["severity"], f["resource"]), "expected: %s" % text(f["expected"]), "actual:   %s" % text(f["actual"]),
             f["message"]]
    if rule.get("remediation") and f["status"] in OPEN:
        lines.append("remediation: %s" % rule["remediation"])
    return _x("\n".join(x for x in lines if x))


def to_junit(doc, meta):
    groups = []
    for f in doc["findings"]:
        if f["group"] not in groups:
            groups.append(f["group"])
    root = ET.Element("testsuites", {"name": "%s: %s" % (TOOL, ", ".join(doc["scope"])), "time": "0",
                                     "tests": str(len(doc["findings"])),
                                     "failures": str(sum(1 for f in doc["findings"] if f["status"] == "fail")),
                                     "errors": str(sum(1 for f in doc["findings"] if f["status"] == "error"))})
    for group in groups:
        cases = [f for f in doc["findings"] if f["group"] == group]
        suite = ET.SubElement(root, "testsuite", {
            "name": group, "tests": str(len(cases)), "failures": str(sum(1 for f in cases if f["status"] == "fail")),
            "errors": str(sum(1 for f in cases if f["status"] == "error")),
            "skipped": str(sum(1 for f in cases if f["status"] in ("not_evaluated", "not_applicable", "suppressed"))),
            "time": "0", "timestamp": _x(doc["generated"])})
        for f in cases:
            case = ET.SubElement(suite, "testcase", {"classname": _x(group), "name": _x("%s %s" % (f["check"], f["resource"])), "time": "0"})
            message = _x("%s: %s" % (f["title"], f["message"] or f["status"]))
            if f["status"] == "fail":
                ET.SubElement(case, "failure", {"type": f["severity"], "message": message}).text = _detail(f, meta)
            elif f["status"] == "error":
                ET.SubElement(case, "error", {"type": f["severity"], "message": message}).text = _detail(f, meta)
            elif f["status"] == "suppressed":
                s = f["suppression"]
                ET.SubElement(case, "skipped", {"type": "suppressed", "message": _x("suppressed until %s by %s: %s" % (s["expires"], s["owner"], s["reason"]))})
            elif f["status"] in ("not_evaluated", "not_applicable"):
                ET.SubElement(case, "skipped", {"type": f["status"], "message": _x("%s: %s" % (f["status"].replace("_", " "), f["message"]))})
    return '<?xml version="1.0" encoding="UTF-8"?>\n' + ET.tostring(root, encoding="unicode") + "\n"


# ----------------------------------------------------------------------------------------------------------------------
# Markdown

def md(value, limit=240):
    """A table cell: one line, pipes and HTML markup neutralised (resource names are data)."""
    s = text(value).replace("\r", " ").replace("\n", " ")
    if len(s) > limit:
        s = s[:limit - 1] + u"\u2026"
    return s.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;").replace("|", "\\|").replace("`", "\\`")


def _md_table(header, rows):
    out = ["| " + " | ".join(header) + " |", "|" + "---|" * len(header)]
    out.extend("| " + " | ".join(row) + " |" for row in rows)
    return out


_STATUS_ORDER = {"fail": 0, "error": 1, "suppressed": 2, "not_evaluated": 3, "pass": 4, "not_applicable": 5}


def ordered(findings):
    """Open findings first, worst severity first, then suppressed, not evaluated, passed, not applicable."""
    return sorted(findings, key=lambda f: (_STATUS_ORDER[f["status"]], -severity_rank(f["severity"]), f["check"], f["resource"].lower()))


def to_markdown(doc, meta):
    s = doc["summary"]
    verdict = "FAIL" if s["open_at_or_above"] else ("WARN" if s["open"] else "PASS")
    out = ["# Security audit: %s" % verdict, "",
           "Generated %s for %s." % (md(doc["generated"]), ", ".join("`%s`" % md(x) for x in doc["scope"]) or "no scope"), "",
           "**%d open finding(s)**, %d at or above `%s`%s." % (
               s["open"], s["open_at_or_above"], s["fail_on"], (": " + ", ".join(s["failed_checks"])) if s["failed_checks"] else ""), ""]
    others = ("pass", "suppressed", "not_evaluated", "not_applicable")
    out += _md_table(["Severity", "Open"] + [x.replace("_", " ") for x in others],
                     [[sev, str(s["open_by_severity"][sev])] + [str(s["by_severity"][sev][st]) for st in others] for sev in SEVERITIES])
    out += ["", "## Summary by group", ""]
    columns = ("fail", "error", "suppressed", "not_evaluated", "pass", "not_applicable")
    out += _md_table(["Group"] + [k.replace("_", " ") for k in columns], [[md(g)] + [str(c[k]) for k in columns] for g, c in s["by_group"].items()])
    ch = doc.get("changes")
    out += ["", "## Changes since the previous audit", ""]
    if ch is None:
        out.append("No previous audit of this scope to compare with.")
    else:
        out.append("Compared with the audit of %s: %d new, %d fixed, %d still open, %d no longer open but not verified (suppressed or not evaluated)."
                   % (md(ch["previous"]["generated"]), len(ch["new"]), len(ch["fixed"]), len(ch["still_open"]), len(ch["unverified"])))
        for key, title in (("new", "New"), ("fixed", "Fixed"), ("still_open", "Still open"), ("unverified", "Unverified")):
            if ch[key]:
                out += ["", "### %s" % title, ""]
                out += _md_table(["Check", "Severity", "Resource", "Now", "Before"],
                                 [[md(c["check"]), c["severity"] or "", md(c["resource"]), c["status"], str(c["previous_status"])] for c in ch[key]])
    for group in s["by_group"]:
        findings = [f for f in ordered(doc["findings"]) if f["group"] == group and f["status"] in OPEN + ("suppressed", "not_evaluated")]
        title = next((m["group_title"] for m in meta.values() if m["group"] == group), group)
        out += ["", "## %s - %s" % (md(group), md(title)), ""]
        if not findings:
            out.append("Nothing open: %d passed, %d not applicable." % (s["by_group"][group]["pass"], s["by_group"][group]["not_applicable"]))
            continue
        out += _md_table(["Status", "Severity", "Check", "Resource", "Expected", "Actual", "Message"],
                         [[f["status"], f["severity"], "%s %s" % (md(f["check"]), md(f["title"], 80)), md(resource_label(f["resource"])),
                           md(f["expected"], 80), md(f["actual"], 80), md(f["message"])] for f in findings])
        passed = s["by_group"][group]["pass"]
        out += ["", "%d passed, %d not applicable." % (passed, s["by_group"][group]["not_applicable"])]
    if doc["suppressions"]:
        out += ["", "## Suppressions", ""]
        out += _md_table(["State", "Check", "Resource pattern", "Reason", "Owner", "Expires", "Matched"],
                         [[x["state"], md(x["check"]), md(x["resource"]), md(x["reason"]), md(x["owner"]), x["expires"], str(len(x["matched"]))]
                          for x in doc["suppressions"]])
    out += ["", "## Drift from the deploy's desired values", ""]
    if doc["drift"]:
        out += _md_table(["Resource", "Property", "Desired", "Live", "Note"],
                         [[md(resource_label(d["resource"])), md(d["property"]), md(d["expected"]), md(d["actual"]), md(d["message"])] for d in doc["drift"]])
    else:
        out.append("None: the live resources have every desired value that was compared.")
    logs = doc.get("security_logs") or {}
    if logs:
        out += ["", "## Security logs", ""]
        window = logs.get("window") or {}
        if window:
            out += ["Window: %s to %s." % (md(window.get("from")), md(window.get("to"))), ""]
        for key, value in logs.items():
            if key != "window" and isinstance(value, (list, dict)):
                out.append("- %s: %d" % (md(key.replace("_", " ")), len(value)))
    return "\n".join(out) + "\n"
