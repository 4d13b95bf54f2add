"""The audit's HTML page in a real headless Chromium (no azsim needed): the page shows its FAIL banner, and its charts, cut out
with the page's own CSS, draw the open findings' severities and the groups' statuses in their colours."""

import datetime
import importlib.util
import os
import re

import audit_fixtures as fixtures
from ansible_collections.erpops.azure.plugins.module_utils import audit_html
from ansible_collections.erpops.azure.plugins.module_utils import audit_report as report

# The integration tests' screenshot helpers (a package that needs azsim to import as a whole), loaded on their own.
_spec = importlib.util.spec_from_file_location("chromium", os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "integration", "chromium.py"))
chromium = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(chromium)


def page(tmp_path):
    meta = report.rules_meta(fixtures.rules())
    inv = fixtures.inventory()
    previous = {"format": report.FORMAT, "generated": "2026-09-06T23:00:00Z", "scope": inv["scope"], "_path": "previous/audit.json",
                "findings": [{"check": "APP-001", "resource": fixtures.SITE, "status": "fail"},
                             {"check": "APP-001", "resource": fixtures.SLOT, "status": "fail"}]}
    suppressions = report.parse_suppressions([
        {"check": "PG-009", "resource": "*erp-db", "reason": "Entra sign-in comes with issue 14", "owner": "security-lead@example.com",
         "expires": "2026-11-30"},
        {"check": "APP-001", "resource": "*/sites/<script>*", "reason": "A test site, removed in January", "owner": "ops@example.com",
         "expires": "2027-01-31"}], list(meta))
    doc = report.build(meta, fixtures.findings(), inv["scope"], "2026-12-06T23:45:00Z", datetime.date(2026, 12, 6), suppressions=suppressions,
                       previous=previous, drift_items=report.drift(inv, {"Microsoft.Web/sites": {"properties.httpsOnly": True}}),
                       security_logs=inv["security_logs"], inventory=inv)
    html = audit_html.to_html(doc, meta)
    path = tmp_path / "audit.html"
    path.write_text(html, encoding="utf-8")
    return str(path), html


def test_the_audit_page_renders_its_banner_and_charts(tmp_path):
    path, html = page(tmp_path)
    picture = chromium.screenshot(path, str(tmp_path / "audit.png"), height=3000)
    assert chromium.pixels_near(picture, chromium.hex_rgb("#dc2626"), tolerance=8) > 20000, "no FAIL banner in the picture"
    charts = html[:html.index("<body>") + 6] + html[html.index('<div class="charts">'):html.index("</svg></div>") + 12]
    cut = tmp_path / "charts.html"
    cut.write_text(charts + "</body></html>", encoding="utf-8")
    shot = chromium.screenshot(str(cut), str(tmp_path / "charts.png"), width=1200, height=400)
    # the severity bars (critical 1, high 1, medium 1, info 1 open) and the group bars' pass and fail shares
    for color, least in (("#9f1239", 1500), ("#dc2626", 4000), ("#d97706", 1500), ("#059669", 3000), ("#7c3aed", 300)):
        assert chromium.pixels_near(shot, chromium.hex_rgb(color), tolerance=8) > least, (color, "not drawn")
    assert len(re.findall(r'class="bar"', html)) == 4  # no bar for a severity with nothing open (low)
