#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright: (c) 2026, erpops.azure contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import absolute_import, division, print_function

__metaclass__ = type

DOCUMENTATION = r"""
module: audit_evaluate
short_description: Evaluate the security audit's rules against an inventory and write its reports
version_added: 0.2.0
description:
  - Reads the inventory that M(erpops.azure.audit_inventory) wrote, evaluates every rule of O(rules_dir) against it and writes
    five reports into O(dest_dir) - C(audit.json) (format C(erpops-audit/1)), C(audit.sarif) (SARIF 2.1.0), C(audit.junit.xml),
    C(audit.md) and one self-contained C(audit.html) (inline CSS and SVG charts, nothing fetched, no script).
  - Local only - it reads files on the host it runs on (the controller, with C(delegate_to=localhost)) and calls no Azure API.
    The inventory holds no secret value (names and classifications only), so neither do the reports.
  - One finding per check and resource, with status C(pass), C(fail), C(error), C(not_applicable), C(not_evaluated) or
    C(suppressed). A finding is I(open) when it is C(fail) or C(error).
  - O(suppressions) turn matching open findings into C(suppressed); an expired suppression leaves its findings open and is reported.
  - O(desired) compares the live state with the deploy's desired values and reports the differences as C(drift), without writing.
  - Compares with the previous audit (O(previous), or the newest one of the same scope under O(history_dir)) and reports what is
    new, fixed and still open.
  - It never fails on findings; it returns RV(open_findings), RV(summary) and RV(open_at_or_above) for O(fail_on) and the role
    decides, without reading C(audit.json) back. It fails on bad input (an unreadable inventory, a rule error, a malformed
    suppression or desired value) before anything is written.
  - The Azure authentication options are accepted, so that C(module_defaults) for C(group/erpops.azure.azure) reach this module
    like every other of the collection, and ignored.
author:
  - erpops.azure maintainers (@erpops)
options:
  inventory:
    description: The inventory document (C(erpops-audit-inventory/1)) written by M(erpops.azure.audit_inventory).
    type: path
    required: true
  rules_dir:
    description:
      - The directory of rule files, one YAML file per group (C(IAM.yml), C(APP.yml), ...). The role passes the collection's
        C(roles/audit/files/rules).
    type: path
    required: true
  params:
    description: Rule parameters overriding the rule files' defaults, for example C(python_min_version=3.12).
    type: dict
    default: {}
  suppressions:
    description:
      - Documented exceptions. A suppression matches a finding of its O(suppressions[].check) whose resource (the ARM id, the host
        name or the resource's own name) matches O(suppressions[].resource), without regard to case.
      - While it has not expired (it is valid through its O(suppressions[].expires) day), a matching C(fail) or C(error) finding
        becomes C(suppressed), with the suppression attached. Once expired, the finding stays open, its message says since when, and
        the suppression is reported with state C(expired). A suppression that matches nothing open is reported as C(unused).
      - Every key is required; a suppression without a reason, an owner or an expiry date, naming an unknown check or with an
        unusable pattern fails the task before anything is written.
    type: list
    elements: dict
    default: []
    suboptions:
      check:
        description: The check's id, for example C(PG-004).
        type: str
        required: true
      resource:
        description: An fnmatch pattern (C(*), C(?), C([...])) on the resource's ARM id, its host name or its own name.
        type: str
        required: true
      reason:
        description: Why the finding is accepted (the guide's deliberate choice, a ticket).
        type: str
        required: true
      owner:
        description: Who accepted it and answers for it.
        type: str
        required: true
      expires:
        description: The last day the suppression applies, C(YYYY-MM-DD).
        type: str
        required: true
  desired:
    description:
      - What the deploy asks for, per resource type, as dotted property paths of the inventory's resource documents (C(properties.x),
        C(sku.name), C(parts.config_web.properties.minTlsVersion), C(tags.env)); a key that itself contains dots (a PostgreSQL
        parameter such as C(azure.extensions)) is matched whole.
      - Under a type, C(by_name) maps a resource name to values for that resource only (they add to and override the type's).
      - Values compare as the deploy means them - scalars as text without regard to case (C("1.2") equals C(1.2)), a mapping by
        the keys it names, a list as a set. Each difference is a C(drift) entry; a value whose part could not be read is listed with
        C(actual=null) and the reason.
    type: dict
    default: {}
  previous:
    description:
      - A previous C(audit.json) to compare with. Mutually exclusive with O(history_dir).
    type: path
  history_dir:
    description:
      - A directory of earlier audits (C(<history_dir>/<timestamp>/audit.json), C(<history_dir>/<timestamp>/<host>/audit.json) or
        C(<history_dir>/<timestamp>/<host>/audit/audit.json)); the newest one of the same scope, other than
        O(dest_dir), is compared with. None found (the first audit) is not an error. Mutually exclusive with O(previous).
    type: path
  fail_on:
    description:
      - The severity at or above which an open finding counts in RV(open_at_or_above) and RV(failed_checks). V(none) counts nothing.
    type: str
    default: high
    choices: [critical, high, medium, low, info, none]
  dest_dir:
    description: The directory to write the five reports into; created when missing.
    type: path
    required: true
  today:
    description: The date suppressions expire against, C(YYYY-MM-DD); today in UTC when unset.
    type: str
extends_documentation_fragment:
  - erpops.azure.attributes
  - erpops.azure.azure
attributes:
  check_mode:
    support: full
    details: Evaluates everything and returns the same values, writes no file.
  diff_mode:
    support: none
notes:
  - C(audit.json) holds C(format), C(generated), C(scope), C(findings) (C(check), C(status), C(severity), C(resource) - the ARM id,
    or the host name for TLS and DNS checks - C(expected), C(actual), C(message), C(title), C(group), and C(suppression) when one
    matched), C(summary), C(suppressions) (each with its C(state) and the resources it C(matched)), C(drift), C(security_logs),
    C(changes) (C(new), C(fixed), C(still_open), C(unverified); C(null) without a previous audit) and C(inventory) (when it was
    collected, its ARM calls and read errors).
  - Changes compare findings by check and resource. C(fixed) is open before and passing, not applicable or gone now;
    C(unverified) is open before and suppressed or not evaluated now.
  - The SARIF results map the statuses to SARIF kinds - pass to C(pass), fail and suppressed to C(fail), not_applicable to
    C(notApplicable), not_evaluated to C(review), error to C(open) - and set a C(level) (from the severity) on C(fail) results only.
"""

EXAMPLES = r"""
- name: Evaluate the audit and write its reports
  erpops.azure.audit_evaluate:
    inventory: reports/audit/20261206T234000Z/inventory.json
    rules_dir: "{{ role_path }}/files/rules"
    dest_dir: reports/audit/20261206T234000Z
    history_dir: reports/audit
    fail_on: high
    suppressions:
      - check: PG-004
        resource: "*/flexibleServers/erp-supermarket-db"
        reason: "The guide's AllowAzureServices rule (errata 3): App Service reaches the server without VNet integration"
        owner: security-lead@example.com
        expires: "2027-03-31"
    desired:
      Microsoft.Web/sites:
        properties.httpsOnly: true
        parts.config_web.properties.minTlsVersion: "1.2"
      Microsoft.DBforPostgreSQL/flexibleServers:
        properties.version: "15"
        properties.backup.backupRetentionDays: 30
  delegate_to: localhost
  register: audit

- name: Fail the job when an open finding is at or above the threshold
  ansible.builtin.assert:
    that: audit.open_at_or_above == 0
    fail_msg: "{{ audit.open_at_or_above }} open finding(s) at or above high: {{ audit.failed_checks | join(', ') }}"
"""

RETURN = r"""
files:
  description: The reports, by name, with their paths (the paths they would have in check mode).
  returned: always
  type: dict
  sample: {"audit.json": "reports/audit/20261206T234000Z/audit.json", "audit.html": "reports/audit/20261206T234000Z/audit.html"}
summary:
  description: The summary of C(audit.json).
  returned: always
  type: dict
  contains:
    findings:
      description: How many findings (check and resource pairs).
      type: int
    open:
      description: Open findings (fail or error), after suppressions.
      type: int
    by_status:
      description: Findings per status.
      type: dict
      sample: {"pass": 310, "fail": 3, "error": 0, "not_applicable": 40, "not_evaluated": 12, "suppressed": 1}
    open_by_severity:
      description: Open findings per severity.
      type: dict
      sample: {"critical": 0, "high": 2, "medium": 1, "low": 0, "info": 0}
    by_group:
      description: Findings per group and status.
      type: dict
    suppressions:
      description: How many suppressions are active, expired and unused.
      type: dict
      sample: {"active": 1, "expired": 0, "unused": 0}
    drift:
      description: How many desired values differ from the live state.
      type: int
open_at_or_above:
  description: Open findings with a severity at or above O(fail_on).
  returned: always
  type: int
  sample: 2
open_findings:
  description:
    - Every open finding (status C(fail) or C(error), after suppressions), whatever its severity, worst severity first, then by
      check and resource. The same findings as C(audit.json)'s, with only the keys a summary needs.
  returned: always
  type: list
  elements: dict
  contains:
    check:
      description: The check's id.
      type: str
      sample: APP-001
    status:
      description: V(fail) or V(error).
      type: str
      sample: fail
    severity:
      description: The check's severity.
      type: str
      sample: high
    title:
      description: The check's title.
      type: str
      sample: HTTPS Only is on for the site and every slot
    resource:
      description: The ARM id of the resource, or the host name for TLS and DNS checks.
      type: str
      sample: /subscriptions/0000/resourceGroups/rg-erp/providers/Microsoft.Web/sites/erp-web
    message:
      description: What was found.
      type: str
      sample: httpsOnly is false
  sample: [{"check": "APP-001", "status": "fail", "severity": "high", "title": "HTTPS Only is on for the site and every slot",
            "resource": "/subscriptions/0000/resourceGroups/rg-erp/providers/Microsoft.Web/sites/erp-web", "message": "httpsOnly is false"}]
failed_checks:
  description: The checks of those findings, worst severity first.
  returned: always
  type: list
  elements: str
  sample: ["APP-001", "PG-004"]
changes:
  description: Counts of the changes since the previous audit; C(null) when there is none to compare with.
  returned: always
  type: dict
  sample: {"previous": "reports/audit/20260906T230000Z/audit.json", "new": 1, "fixed": 2, "still_open": 1, "unverified": 0}
expired_suppressions:
  description: The suppressions past their date (their findings are open again).
  returned: always
  type: list
  elements: dict
  sample: [{"check": "PG-004", "resource": "*/flexibleServers/erp-db", "owner": "security-lead@example.com", "expires": "2026-09-30"}]
msg:
  description: The result in one sentence.
  returned: always
  type: str
  sample: "2 open finding(s) at or above high (APP-001, PG-004); reports in reports/audit/20261206T234000Z"
"""

import datetime
import os
import tempfile
import traceback

from ansible.module_utils.basic import AnsibleModule
from ansible.module_utils.common.text.converters import to_bytes
from ansible_collections.erpops.azure.plugins.module_utils import audit_html, audit_render
from ansible_collections.erpops.azure.plugins.module_utils import audit_report as report
from ansible_collections.erpops.azure.plugins.module_utils.auth import auth_argument_spec

try:
    from ansible_collections.erpops.azure.plugins.module_utils import audit_rules
    AUDIT_RULES_ERROR = None
except ImportError:
    audit_rules = None
    AUDIT_RULES_ERROR = traceback.format_exc()

FILES = ("audit.json", "audit.sarif", "audit.junit.xml", "audit.md", "audit.html")
RULE_ERRORS = (ValueError, TypeError, KeyError, OSError)


def argument_spec():
    spec = auth_argument_spec()
    spec.update(
        inventory=dict(type="path", required=True),
        rules_dir=dict(type="path", required=True),
        params=dict(type="dict", default={}),
        suppressions=dict(type="list", elements="dict", default=[]),
        desired=dict(type="dict", default={}),
        previous=dict(type="path"),
        history_dir=dict(type="path"),
        fail_on=dict(type="str", default="high", choices=list(report.FAIL_ON)),
        dest_dir=dict(type="path", required=True),
        today=dict(type="str"),
    )
    return spec


def read_inventory(path):
    return report.check_inventory(report.read_json(path, "inventory"), path)


def audit(params, rules_api, now):
    """Everything but the writing: ``(document, rules' metadata, {file name: text})``. Raises AuditInputError."""
    today = report.parse_date(params["today"], "today") if params.get("today") else now.date()
    inventory = read_inventory(params["inventory"])
    if not os.path.isdir(params["rules_dir"]):
        raise report.AuditInputError("rules_dir %s is not a directory of rule files" % params["rules_dir"])
    try:
        rules = rules_api.load_rules(params["rules_dir"])
    except RULE_ERRORS as exc:
        raise report.AuditInputError("the rules in %s cannot be used: %s" % (params["rules_dir"], exc)) from exc
    meta = report.rules_meta(rules)
    suppressions = report.parse_suppressions(params.get("suppressions") or [], list(meta))
    report.validate_desired(params.get("desired") or {})
    previous = None
    if params.get("previous"):
        previous = report.load_previous(params["previous"])
    elif params.get("history_dir") and os.path.isdir(params["history_dir"]):
        previous = report.find_previous(params["history_dir"], inventory.get("scope"), exclude_dir=params["dest_dir"])
    try:
        findings = rules_api.evaluate(inventory, rules, params.get("params") or {})
    except RULE_ERRORS as exc:
        raise report.AuditInputError("the rules cannot be evaluated: %s" % exc) from exc
    doc = report.build(meta, findings, inventory.get("scope") or [], now.strftime("%Y-%m-%dT%H:%M:%SZ"), today,
                       fail_on=params.get("fail_on") or "high", suppressions=suppressions, previous=previous,
                       drift_items=report.drift(inventory, params.get("desired") or {}),
                       security_logs=inventory.get("security_logs"), inventory=inventory)
    files = {"audit.json": audit_render.to_json(doc), "audit.sarif": audit_render.to_sarif(doc, meta),
             "audit.junit.xml": audit_render.to_junit(doc, meta), "audit.md": audit_render.to_markdown(doc, meta),
             "audit.html": audit_html.to_html(doc, meta)}
    return doc, meta, files


def write(dest_dir, files):
    """Each file whole or not at all: written beside its final name, then renamed over it."""
    if not os.path.isdir(dest_dir):
        os.makedirs(dest_dir)
    for name in FILES:
        fd, tmp = tempfile.mkstemp(prefix=".%s." % name, dir=dest_dir)
        try:
            with os.fdopen(fd, "wb") as f:
                f.write(to_bytes(files[name]))
            os.chmod(tmp, 0o644)
            os.replace(tmp, os.path.join(dest_dir, name))
        except BaseException:
            if os.path.exists(tmp):
                os.unlink(tmp)
            raise


OPEN_KEYS = ("check", "status", "severity", "title", "resource", "message")


def open_findings(findings):
    """The open findings, worst first, with the keys a summary shows (never ``expected``/``actual``: they can be large)."""
    hit = [f for f in findings if report.is_open(f)]
    hit.sort(key=lambda f: (-report.severity_rank(f["severity"]), f["check"], f["resource"].lower()))
    return [dict((k, f.get(k)) for k in OPEN_KEYS) for f in hit]


def result(doc, dest_dir, changed):
    s = doc["summary"]
    ch = doc.get("changes")
    expired = [dict((k, x[k]) for k in ("check", "resource", "owner", "expires")) for x in doc["suppressions"] if x["state"] == "expired"]
    if s["open_at_or_above"]:
        msg = "%d open finding(s) at or above %s (%s)" % (s["open_at_or_above"], s["fail_on"], ", ".join(s["failed_checks"]))
    else:
        msg = "no open finding at or above %s (%d open below it)" % (s["fail_on"], s["open"])
    if expired:
        msg += "; %d suppression(s) expired" % len(expired)
    return dict(
        changed=changed, msg="%s; reports in %s" % (msg, dest_dir),
        files=dict((name, os.path.join(dest_dir, name)) for name in FILES),
        summary=s, open_findings=open_findings(doc["findings"]), open_at_or_above=s["open_at_or_above"], failed_checks=s["failed_checks"],
        changes=None if ch is None else dict(previous=ch["previous"]["path"], new=len(ch["new"]), fixed=len(ch["fixed"]),
                                             still_open=len(ch["still_open"]), unverified=len(ch["unverified"])),
        expired_suppressions=expired,
    )


def main():
    module = AnsibleModule(argument_spec=argument_spec(), supports_check_mode=True, mutually_exclusive=[("previous", "history_dir")])
    if audit_rules is None:
        module.fail_json(msg="the collection's audit_rules module_utils cannot be imported", exception=AUDIT_RULES_ERROR)
    now = datetime.datetime.now(datetime.timezone.utc).replace(microsecond=0)
    try:
        doc, _meta, files = audit(module.params, audit_rules, now)
    except report.AuditInputError as exc:
        module.fail_json(msg=str(exc))
    if not module.check_mode:
        try:
            write(module.params["dest_dir"], files)
        except OSError as exc:
            module.fail_json(msg="cannot write the reports into %s: %s" % (module.params["dest_dir"], exc))
    # Each run writes a new generation of the five files (a new ``generated`` time), so it always changes them.
    module.exit_json(**result(doc, module.params["dest_dir"], True))


if __name__ == "__main__":
    main()
