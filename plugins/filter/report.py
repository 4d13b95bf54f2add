# -*- coding: utf-8 -*-
# Copyright: (c) 2026, erpops.azure contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Small helpers of the maintenance and audit reports: arithmetic that Jinja lacks, and one-line renderings of rows."""

from __future__ import absolute_import, division, print_function

__metaclass__ = type


def scale(value, factor):
    """``value * factor``, or None when value is not a number (a grain without data stays a gap)."""
    if value is None or isinstance(value, bool):
        return None
    try:
        return float(value) * float(factor)
    except (TypeError, ValueError):
        return None


def pluck(items, key):
    """``[item.get(key) for item in items]``: a missing key is None (metric grains without data have no aggregate keys)."""
    return [(item or {}).get(key) if isinstance(item, dict) else None for item in items or []]


def format_row(row, keys, width=120):
    """The values of ``keys`` in ``row`` joined by " / ", each cut to ``width`` characters (a log line, an exception)."""
    out = []
    for key in keys:
        text = " ".join(str((row or {}).get(key, "")).split())
        out.append(text if len(text) <= width else text[:width - 3] + "...")
    return " / ".join(out)


class FilterModule(object):
    def filters(self):
        return {"scale": scale, "format_row": format_row, "pluck": pluck}
