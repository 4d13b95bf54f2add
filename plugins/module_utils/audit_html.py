# -*- coding: utf-8 -*-
# Copyright: (c) 2026, erpops.azure contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""The audit as one self-contained HTML page for a security lead: inline CSS and inline SVG charts, nothing fetched
(it is opened from AWX artifacts or a share), no script. Every value from the inventory is escaped: resource names,
messages and log entries are data. The look is the maintenance report's (roles/maintain/templates/report.html.j2)."""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

from html import escape

from ansible_collections.erpops.azure.plugins.module_utils.audit_render import ordered, resource_label, resource_type, text
from ansible_collections.erpops.azure.plugins.module_utils.audit_report import OPEN, SEVERITIES, STATUSES, is_open, severity_rank

SEVERITY_COLOR = {"critical": "#9f1239", "high": "#dc2626", "medium": "#d97706", "low": "#2563eb", "info": "#6b7280"}
STATUS_COLOR = {"fail": "#dc2626", "error": "#b45309", "suppressed": "#7c3aed", "not_evaluated": "#6b7280", "pass": "#059669",
                "not_applicable": "#cbd5e1"}
VERDICT_COLOR = {"FAIL": "#dc2626", "WARN": "#d97706", "PASS": "#059669"}

CSS = """
  body { font-family: -apple-system, "Segoe UI", Roboto, Helvetica, Arial, sans-serif; margin: 24px; color: #111827; background: #f9fafb; }
  h1 { font-size: 20px; margin: 0 0 4px 0; }
  h2 { font-size: 16px; margin: 26px 0 8px 0; padding-bottom: 4px; border-bottom: 2px solid #e5e7eb; }
  h3 { font-size: 14px; margin: 16px 0 6px 0; }
  .sub { color: #4b5563; margin-bottom: 16px; font-size: 13px; }
  .banner { padding: 14px 18px; border-radius: 8px; color: #fff; font-size: 18px; font-weight: 600; margin-bottom: 18px; }
  .counts span { margin-right: 18px; font-weight: 400; font-size: 14px; }
  table { border-collapse: collapse; width: 100%; background: #fff; margin-bottom: 14px; font-size: 13px; }
  th, td { text-align: left; padding: 7px 10px; border-bottom: 1px solid #e5e7eb; vertical-align: top; }
  th { background: #f3f4f6; font-weight: 600; }
  td.num, th.num { text-align: right; }
  .badge { display: inline-block; min-width: 84px; text-align: center; color: #fff; border-radius: 4px; padding: 2px 6px;
           font-size: 12px; font-weight: 600; }
  .sev { display: inline-block; min-width: 58px; text-align: center; border-radius: 4px; padding: 1px 6px; font-size: 12px;
         font-weight: 600; border: 1px solid; background: #fff; }
  .detail { color: #4b5563; max-width: 460px; word-break: break-word; }
  .res { min-width: 170px; overflow-wrap: anywhere; }
  .res small, .muted { color: #6b7280; }
  code { font-size: 12px; background: #f3f4f6; padding: 0 3px; border-radius: 3px; word-break: break-all; }
  .charts { display: flex; flex-wrap: wrap; gap: 16px; margin-bottom: 22px; }
  .chart { background: #fff; border: 1px solid #e5e7eb; border-radius: 6px; }
  .figures { display: flex; flex-wrap: wrap; gap: 12px; margin-bottom: 18px; }
  .figure { background: #fff; border: 1px solid #e5e7eb; border-radius: 6px; padding: 10px 14px; min-width: 110px; }
  .figure .value { font-size: 18px; font-weight: 600; }
  .figure .name { color: #4b5563; font-size: 12px; }
  .fix { color: #065f46; font-size: 12px; margin-top: 4px; }
  details { margin-bottom: 14px; }
  summary { cursor: pointer; color: #374151; font-size: 13px; margin-bottom: 6px; }
  .expired td { background: #fef2f2; }
  .note { background: #fff; border-left: 4px solid #2563eb; padding: 8px 12px; font-size: 13px; color: #374151; margin-bottom: 14px; }
"""


def e(value):
    return escape(text(value), quote=True)


def _verdict(summary):
    return "FAIL" if summary["open_at_or_above"] else ("WARN" if summary["open"] else "PASS")


def _badge(status):
    return '<span class="badge" style="background: %s">%s</span>' % (STATUS_COLOR[status], e(status.replace("_", " ")))


def _sev(severity):
    color = SEVERITY_COLOR.get(severity, "#6b7280")
    return '<span class="sev" style="color: %s; border-color: %s">%s</span>' % (color, color, e(severity))


def _resource(resource):
    return '<div class="res" title="%s">%s<br><small>%s</small></div>' % (e(resource), e(resource_label(resource)), e(resource_type(resource)))


# ----------------------------------------------------------------------------------------------------------------------
# Charts

def severity_chart(open_by_severity, width=420):
    """Horizontal bars: open findings per severity."""
    row, top, left = 30, 34, 78
    height = top + row * len(SEVERITIES) + 10
    hi = max(list(open_by_severity.values()) + [1])
    plot = width - left - 50
    out = ['<svg xmlns="http://www.w3.org/2000/svg" class="chart severity-chart" role="img" viewBox="0 0 %d %d" width="%d" height="%d">'
           % (width, height, width, height), "<title>Open findings by severity</title>",
           '<rect x="0" y="0" width="%d" height="%d" fill="#ffffff"/>' % (width, height),
           '<text x="14" y="20" font-size="13" font-weight="600" fill="#111827">Open findings by severity</text>']
    for i, sev in enumerate(SEVERITIES):
        y = top + i * row
        count = open_by_severity.get(sev, 0)
        w = plot * count / hi
        out.append('<text x="%d" y="%d" font-size="12" text-anchor="end" fill="#374151">%s</text>' % (left - 8, y + 15, e(sev)))
        out.append('<rect x="%d" y="%d" width="%d" height="20" fill="#f3f4f6"/>' % (left, y, plot))
        if count:
            out.append('<rect class="bar" x="%d" y="%d" width="%.1f" height="20" fill="%s"/>' % (left, y, max(w, 3), SEVERITY_COLOR[sev]))
        tx = left + max(w, 3) + 6 if count else left + 6
        out.append('<text x="%.1f" y="%d" font-size="12" font-weight="600" fill="#111827">%d</text>' % (tx, y + 15, count))
    if not any(open_by_severity.values()):
        out.append('<text x="%d" y="%d" font-size="13" font-weight="600" fill="#059669">No open finding</text>' % (left + plot / 2 - 50, top + row * 2 + 15))
    out.append("</svg>")
    return "".join(out)


def group_chart(by_group, width=640):
    """One stacked bar per group: its findings by status, as shares of the group."""
    statuses = ("fail", "error", "suppressed", "not_evaluated", "pass", "not_applicable")
    row, top, left, right = 26, 34, 56, 60
    height = top + row * max(len(by_group), 1) + 34
    plot = width - left - right
    out = ['<svg xmlns="http://www.w3.org/2000/svg" class="chart group-chart" role="img" viewBox="0 0 %d %d" width="%d" height="%d">'
           % (width, height, width, height), "<title>Findings by group and status</title>",
           '<rect x="0" y="0" width="%d" height="%d" fill="#ffffff"/>' % (width, height),
           '<text x="14" y="20" font-size="13" font-weight="600" fill="#111827">Findings by group and status</text>']
    for i, (group, counts) in enumerate(by_group.items()):
        y = top + i * row
        total = sum(counts.values()) or 1
        x = float(left)
        out.append('<text x="%d" y="%d" font-size="12" text-anchor="end" fill="#374151">%s</text>' % (left - 8, y + 13, e(group)))
        for status in statuses:
            w = plot * counts.get(status, 0) / total
            if w > 0:
                out.append('<rect x="%.1f" y="%d" width="%.1f" height="18" fill="%s"><title>%s %s: %d</title></rect>'
                           % (x, y, w, STATUS_COLOR[status], e(group), e(status.replace("_", " ")), counts[status]))
                x += w
        opened = counts.get("fail", 0) + counts.get("error", 0)
        out.append('<text x="%d" y="%d" font-size="11" fill="%s">%s</text>'
                   % (left + plot + 6, y + 13, "#dc2626" if opened else "#6b7280", ("%d open" % opened) if opened else "ok"))
    ly = height - 14
    for n, status in enumerate(statuses):
        lx = left + n * 98
        out.append('<rect x="%d" y="%d" width="10" height="10" fill="%s"/>' % (lx, ly - 9, STATUS_COLOR[status]))
        out.append('<text x="%d" y="%d" font-size="10" fill="#374151">%s</text>' % (lx + 14, ly, e(status.replace("_", " "))))
    out.append("</svg>")
    return "".join(out)


# ----------------------------------------------------------------------------------------------------------------------
# Sections

def _findings_table(findings, meta, remediation=True):
    rows = ['<table><tr><th>Status</th><th>Severity</th><th>Check</th><th>Resource</th><th>Expected</th><th>Actual</th><th>Detail</th></tr>']
    for f in findings:
        detail = e(f["message"])
        rule = meta.get(f["check"], {})
        if remediation and is_open(f) and rule.get("remediation"):
            detail += '<div class="fix">Fix: %s</div>' % e(rule["remediation"])
        if f.get("suppression") and f["status"] == "suppressed":
            s = f["suppression"]
            detail += '<div class="muted">Suppressed until %s by %s: %s</div>' % (e(s["expires"]), e(s["owner"]), e(s["reason"]))
        cells = (_badge(f["status"]), _sev(f["severity"]), e(f["check"]), e(f["title"]), _resource(f["resource"]), e(f["expected"]),
                 e(f["actual"]), detail)
        rows.append('<tr><td>%s</td><td>%s</td><td><b>%s</b><br>%s</td><td>%s</td><td class="detail">%s</td><td class="detail">%s</td>'
                    '<td class="detail">%s</td></tr>' % cells)
    rows.append("</table>")
    return "\n".join(rows)


def _changes(doc):
    ch = doc.get("changes")
    out = ["<h2>Changes since the previous audit</h2>"]
    if ch is None:
        out.append('<div class="note">No previous audit of this scope to compare with: this is the baseline.</div>')
        return "\n".join(out)
    out.append('<div class="note">Compared with the audit of %s, by check and resource.%s</div>'
               % (e(ch["previous"]["generated"]), " The scope has changed since." if ch.get("scope_changed") else ""))
    out.append('<div class="figures">')
    for key, name, color in (("new", "new", "#dc2626"), ("fixed", "fixed", "#059669"), ("still_open", "still open", "#d97706"),
                             ("unverified", "suppressed or not evaluated now", "#6b7280")):
        out.append('<div class="figure"><div class="value" style="color: %s">%d</div><div class="name">%s</div></div>' % (color, len(ch[key]), name))
    out.append("</div>")
    for key, title in (("new", "New since the previous audit"), ("fixed", "Fixed"), ("still_open", "Still open"),
                       ("unverified", "Open before, now suppressed or not evaluated")):
        if not ch[key]:
            continue
        out.append("<h3>%s (%d)</h3>" % (e(title), len(ch[key])))
        out.append("<table><tr><th>Severity</th><th>Check</th><th>Resource</th><th>Now</th><th>Before</th></tr>")
        for c in ch[key]:
            now = _badge(c["status"]) if c["status"] in STATUSES else e(c["status"])
            before = _badge(c["previous_status"]) if c["previous_status"] in STATUSES else e(c["previous_status"] or "-")
            out.append("<tr><td>%s</td><td><b>%s</b><br>%s</td><td>%s</td><td>%s</td><td>%s</td></tr>"
                       % (_sev(c["severity"]), e(c["check"]), e(c["title"]), _resource(c["resource"]), now, before))
        out.append("</table>")
    return "\n".join(out)


def _groups(doc, meta):
    out = ["<h2>Findings by group</h2>"]
    titles = {}
    for m in meta.values():
        titles.setdefault(m["group"], m["group_title"])
    for group, counts in doc["summary"]["by_group"].items():
        findings = ordered([f for f in doc["findings"] if f["group"] == group])
        shown = [f for f in findings if f["status"] in OPEN + ("suppressed", "not_evaluated")]
        rest = [f for f in findings if f["status"] in ("pass", "not_applicable")]
        opened = counts["fail"] + counts["error"]
        out.append('<h3>%s &mdash; %s <span class="muted">(%s)</span></h3>' % (
            e(group), e(titles.get(group, group)),
            ", ".join("%d %s" % (counts[s], s.replace("_", " ")) for s in STATUSES if counts[s]) or "nothing"))
        if shown:
            out.append(_findings_table(shown, meta))
        elif not opened:
            out.append('<div class="note">Nothing open in this group.</div>')
        if rest:
            # One line per check, not per resource: a scope of hundreds of apps keeps the page light (audit.json has each).
            out.append("<details><summary>%d passed or not applicable</summary>" % len(rest))
            out.append('<table><tr><th>Check</th><th class="num">Passed</th><th class="num">Not applicable</th><th>Resources</th></tr>')
            for check in _unique_checks(rest):
                mine = [f for f in rest if f["check"] == check]
                names = sorted({resource_label(f["resource"]) for f in mine}, key=str.lower)
                shown = ", ".join(e(n) for n in names[:8]) + (" and %d more" % (len(names) - 8) if len(names) > 8 else "")
                out.append('<tr><td><b>%s</b><br>%s</td><td class="num">%d</td><td class="num">%d</td><td class="detail">%s</td></tr>'
                           % (e(check), e(mine[0]["title"]), sum(1 for f in mine if f["status"] == "pass"),
                              sum(1 for f in mine if f["status"] == "not_applicable"), shown))
            out.append("</table></details>")
    return "\n".join(out)


def _unique_checks(findings):
    seen = []
    for f in findings:
        if f["check"] not in seen:
            seen.append(f["check"])
    return sorted(seen)


def _resources(doc):
    per = {}
    for f in doc["findings"]:
        r = per.setdefault(f["resource"].lower(), {"resource": f["resource"], "open": [], "status": dict((s, 0) for s in STATUSES)})
        r["status"][f["status"]] += 1
        if is_open(f):
            r["open"].append(f)
    rows = sorted(per.values(), key=lambda r: (-max([severity_rank(f["severity"]) for f in r["open"]] + [0]), -len(r["open"]),
                                               resource_label(r["resource"]).lower()))
    out = ["<h2>By resource</h2>",
           '<table><tr><th>Resource</th><th>Open</th><th>Open checks</th><th class="num">Suppressed</th><th class="num">Not evaluated</th>'
           '<th class="num">Passed</th></tr>']
    for r in rows:
        sev = ", ".join("%d %s" % (n, s) for s, n in ((s, sum(1 for f in r["open"] if f["severity"] == s)) for s in SEVERITIES) if n)
        checks = ", ".join(e(c) for c in sorted({f["check"] for f in r["open"]}))
        out.append('<tr><td>%s</td><td>%s</td><td class="detail">%s</td><td class="num">%d</td><td class="num">%d</td><td class="num">%d</td></tr>'
                   % (_resource(r["resource"]), ('<b style="color: #dc2626">%s</b>' % e(sev)) if sev else '<span style="color: #059669">none</span>',
                      checks or "-", r["status"]["suppressed"], r["status"]["not_evaluated"], r["status"]["pass"]))
    out.append("</table>")
    return "\n".join(out)


def _suppressions(doc):
    out = ["<h2>Suppressions</h2>"]
    if not doc["suppressions"]:
        out.append('<div class="note">No suppression is configured.</div>')
        return "\n".join(out)
    expired = [s for s in doc["suppressions"] if s["state"] == "expired"]
    if expired:
        out.append('<div class="note" style="border-color: #dc2626">%d suppression(s) expired: their findings are open again. '
                   "Renew them with a new date and reason, or fix the resources.</div>" % len(expired))
    out.append("<table><tr><th>State</th><th>Check</th><th>Resource pattern</th><th>Reason</th><th>Owner</th><th>Expires</th><th>Matched</th></tr>")
    order = {"expired": 0, "active": 1, "unused": 2}
    for s in sorted(doc["suppressions"], key=lambda s: (order[s["state"]], s["check"])):
        color = {"expired": "#dc2626", "active": "#7c3aed", "unused": "#6b7280"}[s["state"]]
        out.append('<tr class="%s"><td><span class="badge" style="background: %s">%s</span></td><td>%s</td><td><code>%s</code></td><td class="detail">%s</td>'
                   '<td>%s</td><td>%s</td><td class="detail">%s</td></tr>'
                   % (e(s["state"]), color, e(s["state"]), e(s["check"]), e(s["resource"]), e(s["reason"]), e(s["owner"]), e(s["expires"]),
                      "<br>".join(e(resource_label(m)) for m in s["matched"]) or "-"))
    out.append("</table>")
    return "\n".join(out)


def _drift(doc):
    out = ["<h2>Drift from the deploy's desired values</h2>"]
    if not doc["drift"]:
        out.append('<div class="note">None: every desired value that was compared is live.</div>')
        return "\n".join(out)
    out.append("<table><tr><th>Resource</th><th>Property</th><th>Desired</th><th>Live</th><th>Note</th></tr>")
    for d in doc["drift"]:
        out.append('<tr><td>%s</td><td><code>%s</code></td><td class="detail">%s</td><td class="detail">%s</td><td class="detail">%s</td></tr>'
                   % (_resource(d["resource"]), e(d["property"]), e(d["expected"]), e(d["actual"]), e(d["message"])))
    out.append("</table>")
    return "\n".join(out)


def _logs(doc, limit=50):
    logs = doc.get("security_logs") or {}
    if not logs:
        return ""
    out = ["<h2>Security logs</h2>"]
    window = logs.get("window") or {}
    if window:
        out.append('<div class="note">From %s to %s.</div>' % (e(window.get("from")), e(window.get("to"))))
    for key, value in logs.items():
        if key == "window" or (key == "errors" and not value):
            continue
        title = key.replace("_", " ").replace("http ", "HTTP ").replace("arm ", "ARM ").replace("postgresql", "PostgreSQL")
        title = "Read errors" if key == "errors" else title
        title = title[:1].upper() + title[1:]
        if isinstance(value, dict):
            value = [{"name": k, "value": v} for k, v in value.items()]
        if not isinstance(value, list):
            out.append("<h3>%s</h3><p>%s</p>" % (e(title), e(value)))
            continue
        out.append("<h3>%s (%d)</h3>" % (e(title), len(value)))
        if not value:
            out.append('<div class="muted">None in the window.</div>')
            continue
        cols = []
        for item in value[:limit]:
            for k in (item if isinstance(item, dict) else {"value": item}):
                if k not in cols:
                    cols.append(k)
        out.append("<table><tr>%s</tr>" % "".join("<th>%s</th>" % e(c) for c in cols))
        for item in value[:limit]:
            item = item if isinstance(item, dict) else {"value": item}
            out.append("<tr>%s</tr>" % "".join('<td class="detail">%s</td>' % e(item.get(c)) for c in cols))
        out.append("</table>")
        if len(value) > limit:
            out.append('<div class="muted">and %d more in audit.json</div>' % (len(value) - limit))
    return "\n".join(out)


def _not_evaluated(doc):
    reasons = {}
    for f in doc["findings"]:
        if f["status"] == "not_evaluated":
            r = reasons.setdefault(f["message"] or "no reason given", {"checks": set(), "count": 0})
            r["checks"].add(f["check"])
            r["count"] += 1
    if not reasons:
        return ""
    out = ["<h2>Not evaluated, and why</h2>", '<table><tr><th>Reason</th><th>Checks</th><th class="num">Findings</th></tr>']
    for reason, r in sorted(reasons.items(), key=lambda kv: -kv[1]["count"]):
        out.append('<tr><td class="detail">%s</td><td>%s</td><td class="num">%d</td></tr>' % (e(reason), e(", ".join(sorted(r["checks"]))), r["count"]))
    out.append("</table>")
    return "\n".join(out)


def to_html(doc, meta):
    s = doc["summary"]
    verdict = _verdict(s)
    scope = ", ".join(resource_label(x) for x in doc["scope"]) or "no scope"
    inv = doc.get("inventory") or {}
    sub = ["Generated %s" % e(doc["generated"])]
    if inv.get("collected"):
        sub.append("inventory collected %s" % e(inv["collected"]))
    if inv.get("calls") is not None:
        sub.append("%s ARM calls" % e(inv["calls"]))
    if inv.get("errors"):
        sub.append("%s read errors" % e(inv["errors"]))
    headline = {"FAIL": "%d open finding(s) at or above %s" % (s["open_at_or_above"], s["fail_on"]),
                "WARN": "%d open finding(s), none at or above %s" % (s["open"], s["fail_on"]),
                "PASS": "no open finding"}[verdict]
    figures = [(s["resources"], "resources"), (s["checks"], "checks"), (s["findings"], "findings"), (s["open"], "open"),
               (s["by_status"]["suppressed"], "suppressed"), (s["by_status"]["not_evaluated"], "not evaluated"), (s["drift"], "drifted values")]
    if s["suppressions"]["expired"]:
        figures.append((s["suppressions"]["expired"], "expired suppressions"))
    parts = [
        "<!DOCTYPE html>", '<html lang="en">', "<head>", '<meta charset="utf-8">',
        "<title>Security audit of %s &mdash; %s</title>" % (e(scope), verdict), "<style>%s</style>" % CSS, "</head>", "<body>",
        "<h1>Security audit of %s</h1>" % e(scope),
        '<div class="sub">%s<br>Scope: %s</div>' % (" &middot; ".join(sub), ", ".join("<code>%s</code>" % e(x) for x in doc["scope"])),
        '<div class="banner" style="background: %s">%s &mdash; %s' % (VERDICT_COLOR[verdict], verdict, e(headline)),
        '<div class="counts">%s</div></div>' % "".join("<span>%d %s</span>" % (s["by_status"][st], e(st.replace("_", " "))) for st in STATUSES),
        '<div class="figures">%s</div>' % "".join('<div class="figure"><div class="value">%s</div><div class="name">%s</div></div>' % (e(v), e(n))
                                                  for v, n in figures),
        '<div class="charts">%s%s</div>' % (severity_chart(s["open_by_severity"]), group_chart(s["by_group"])),
        _changes(doc), _groups(doc, meta), _resources(doc), _suppressions(doc), _drift(doc), _not_evaluated(doc), _logs(doc),
        '<p class="muted">Open = fail or error. The job fails when an open finding is at or above <b>%s</b>. '
        "Machine-readable: audit.json (erpops-audit/1), audit.sarif, audit.junit.xml.</p>" % e(s["fail_on"]),
        "</body>", "</html>",
    ]
    return "\n".join(p for p in parts if p) + "\n"
