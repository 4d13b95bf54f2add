# -*- coding: utf-8 -*-
# Copyright: (c) 2026, erpops.azure contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Charts for the reports people read: inline SVG (no script, no fetch), so a report is one self-contained file."""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

from xml.sax.saxutils import escape

from ansible.errors import AnsibleFilterError

PALETTE = ("#2563eb", "#dc2626", "#059669", "#d97706", "#7c3aed", "#0891b2")


def _number(value):
    if value is None or isinstance(value, bool):
        return None
    try:
        return float(value)
    except (TypeError, ValueError):
        return None


def _fmt(value):
    if abs(value) >= 100 or value == int(value):
        return "%d" % round(value)
    return "%.1f" % value


def svg_line_chart(series, title="", unit="", threshold=None, width=640, height=220):
    """One chart of one or more series, each ``{"name", "points": [[label, value], ...]}`` in order (a None value is a
    gap); ``threshold`` draws the target as a dashed line. Returns the ``<svg>`` element as text."""
    if not isinstance(series, list) or not all(isinstance(s, dict) and isinstance(s.get("points"), list) for s in series):
        raise AnsibleFilterError("svg_line_chart: series must be a list of {name, points: [[label, value], ...]}")
    left, right, top, bottom = 48, 12, 28, 34
    plot_w, plot_h = width - left - right, height - top - bottom
    values = [_number(v) for s in series for _label, v in s["points"]]
    values = [v for v in values if v is not None]
    limit = _number(threshold)
    hi = max(values + ([limit] if limit is not None else []) + [0.0]) or 1.0
    hi *= 1.1
    count = max((len(s["points"]) for s in series), default=0)

    def x(i):
        return left + (plot_w * i / (count - 1) if count > 1 else plot_w / 2)

    def y(v):
        return top + plot_h - plot_h * v / hi

    out = ['<svg xmlns="http://www.w3.org/2000/svg" class="chart" role="img" viewBox="0 0 %d %d" width="%d" height="%d">' % (width, height, width, height),
           "<title>%s</title>" % escape(title or "chart"),
           '<rect x="0" y="0" width="%d" height="%d" fill="#ffffff"/>' % (width, height),
           '<text x="%d" y="18" font-size="13" font-weight="600" fill="#111827">%s</text>' % (left, escape(title))]
    for frac in (0.0, 0.5, 1.0):
        gy = top + plot_h - plot_h * frac
        out.append('<line x1="%d" y1="%.1f" x2="%d" y2="%.1f" stroke="#e5e7eb"/>' % (left, gy, width - right, gy))
        out.append('<text x="%d" y="%.1f" font-size="10" text-anchor="end" fill="#6b7280">%s%s</text>'
                   % (left - 4, gy + 3, _fmt(hi * frac), escape(unit)))
    if limit is not None:
        out.append('<line class="threshold" x1="%d" y1="%.1f" x2="%d" y2="%.1f" stroke="#dc2626" stroke-dasharray="5,4"/>'
                   % (left, y(limit), width - right, y(limit)))
    labels = series[0]["points"] if series else []
    for i in sorted({0, count // 2, count - 1}) if count else []:
        if i < len(labels):
            out.append('<text x="%.1f" y="%d" font-size="10" text-anchor="middle" fill="#6b7280">%s</text>'
                       % (x(i), height - 18, escape(str(labels[i][0]))))
    for n, s in enumerate(series):
        color = s.get("color") or PALETTE[n % len(PALETTE)]
        run = []
        for i, (_label, value) in enumerate(s["points"] + [[None, None]]):
            v = _number(value)
            if v is None:
                if len(run) > 1:
                    out.append('<polyline class="series" fill="none" stroke="%s" stroke-width="2" points="%s"/>' % (color, " ".join(run)))
                elif len(run) == 1:
                    cx, cy = run[0].split(",")
                    out.append('<circle class="series" cx="%s" cy="%s" r="2.5" fill="%s"/>' % (cx, cy, color))
                run = []
                continue
            run.append("%.1f,%.1f" % (x(i), y(v)))
        lx = left + 8 + n * 150
        out.append('<rect x="%d" y="%d" width="10" height="10" fill="%s"/>' % (lx, height - 12, color))
        out.append('<text x="%d" y="%d" font-size="10" fill="#374151">%s</text>' % (lx + 14, height - 3, escape(str(s.get("name", "")))))
    out.append("</svg>")
    return "".join(out)


class FilterModule(object):
    def filters(self):
        return {"svg_line_chart": svg_line_chart}
