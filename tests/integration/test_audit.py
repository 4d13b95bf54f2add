"""The quarterly audit (playbooks/audit.yml) of `make demo`'s deployment, as AWX or a security lead runs it.

One stack for the module (maintain_stack's fixtures), in this order: the auditor with Reader only (what it cannot see is
"not evaluated", naming the action), then with the ERP Auditor role of access.yml (the demo audits clean but for the
documented suppressions, and nothing is written), then the deployment misconfigured in known ways (exactly those checks
fail, on exactly those resources, and the report says what changed since the previous audit).
"""

import json
import os
import re
import xml.etree.ElementTree as ET

import jsonschema

from . import chromium, maintain_stack
from .stack import RG

azsim, run, stack = maintain_stack.azsim, maintain_stack.run, maintain_stack.stack

HERE = os.path.dirname(os.path.abspath(__file__))
SARIF_SCHEMA = os.path.join(os.path.dirname(HERE), "unit", "schemas", "sarif-2.1.0.json")
OPEN = ("fail", "error")
# The auditor's POSTs that only read: Resource Graph queries (Microsoft.ResourceGraph/resources/read).
READ_POSTS = re.compile(r"/providers/Microsoft\.ResourceGraph/resources$", re.I)


def audit(run, *args, principal="auditor"):
    """playbooks/audit.yml as its AWX job template runs it: (rc, output, writes, audit.json or None, report dir)."""
    root = os.path.join(run.azsim.state_dir, "reports", "audit")
    rc, out, writes = run("-e", f"azsim_principal={principal}", "-e", f"audit_report_root={root}", *args, playbook="playbooks/audit.yml")
    writes = [w for w in writes if not READ_POSTS.search(w["path"])]
    found = re.findall(r"report: (\S+)/audit\.html", " ".join(out.split()))
    if not found:
        return rc, out, writes, None, None
    with open(found[-1] + "/audit.json", encoding="utf-8") as f:
        return rc, out, writes, json.load(f), found[-1]


def opened(report):
    return sorted((f["check"], f["resource"]) for f in report["findings"] if f["status"] in OPEN)


def test_reader_alone_sees_all_but_what_needs_list_actions(stack):
    rc, out, writes, report, _ = audit(stack)
    assert writes == [], writes
    assert report is not None, out[-4000:]
    assert report["format"] == "erpops-audit/1"
    not_evaluated = {f["check"]: f["message"] for f in report["findings"] if f["status"] == "not_evaluated"}
    assert "APP-007" in not_evaluated, sorted(not_evaluated)
    assert re.search(r"Microsoft\.Web/sites/config/list/action", not_evaluated["APP-007"], re.I), not_evaluated["APP-007"]
    del rc


def test_the_demo_audits_clean_but_for_the_documented_suppressions(stack, tmp_path):
    rc, out, _writes = stack("-e", "azsim_principal=owner", "-e", "access_audit=true", playbook="playbooks/access.yml")
    assert rc == 0, out[-4000:]
    rc, out, writes, report, where = audit(stack)
    assert writes == [], writes
    assert report is not None, out[-4000:]
    assert opened(report) == [], opened(report)
    assert rc == 0, out[-4000:]
    checks = {f["check"] for f in report["findings"]}
    assert len(checks) == 111, len(checks)
    suppressed = [f for f in report["findings"] if f["status"] == "suppressed"]
    assert suppressed and all(f["suppression"]["reason"] and f["suppression"]["expires"] for f in suppressed)
    not_evaluated = {f["check"] for f in report["findings"] if f["status"] == "not_evaluated"}
    assert "APP-007" not in not_evaluated
    with open(SARIF_SCHEMA, encoding="utf-8") as f:
        jsonschema.validate(json.load(open(os.path.join(where, "audit.sarif"), encoding="utf-8")), json.load(f))
    suites = ET.parse(os.path.join(where, "audit.junit.xml")).getroot()
    assert int(suites.get("failures", "0")) == 0
    picture = chromium.screenshot(os.path.join(where, "audit.html"), str(tmp_path / "audit.png"))
    assert picture.size[0] > 0
