"""Print the README's audit coverage table: per catalog group, the rows, how many an audit evaluated (pass, fail,
suppressed or error on some resource), and the rows each anchor covers.

    python tools/audit_coverage.py [reports/audit/<run>/audit.json]

Without an audit.json the "evaluated" column is left out. The unit and integration tests compare the README with it.
"""

import json
import os
import sys

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
sys.path.insert(0, os.path.join(ROOT, ".make", "collections"))

EVALUATED = ("pass", "fail", "suppressed", "error")
COLUMNS = ("prowler", "checkov", "psrule", "cis", "microsoft", "none")


def table(audit=None):
    from ansible_collections.erpops.azure.plugins.module_utils import audit_rules

    rules = audit_rules.load_rules(os.path.join(ROOT, "roles", "audit", "files", "rules"))
    cover = audit_rules.coverage(rules)
    evaluated = {}
    if audit is not None:
        for f in audit["findings"]:
            if f["status"] in EVALUATED:
                evaluated.setdefault(f["check"].split("-", 1)[0], set()).add(f["check"])
    head = ["Group", "Rows"] + (["Evaluated on the demo"] if audit is not None else []) + \
        ["Prowler", "Checkov", "PSRule", "CIS", "Microsoft", "No scanner or CIS anchor"]
    lines = ["| " + " | ".join(head) + " |", "|" + "---|" * len(head)]
    for group, row in cover.items():
        name = "**Total**" if group == "total" else group
        count = sum(len(v) for v in evaluated.values()) if group == "total" else len(evaluated.get(group, ()))
        cells = [name, str(row["rows"])] + ([str(count)] if audit is not None else []) + [str(row[c]) for c in COLUMNS]
        lines.append("| " + " | ".join(cells) + " |")
    return "\n".join(lines)


if __name__ == "__main__":
    doc = None
    if len(sys.argv) > 1:
        with open(sys.argv[1], encoding="utf-8") as f:
            doc = json.load(f)
    print(table(doc))
