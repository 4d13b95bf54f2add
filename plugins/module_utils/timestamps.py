# -*- coding: utf-8 -*-
# Copyright: (c) 2026, erpops.azure contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""UTC timestamps as Azure writes them, and Azure's own "now".

``datetime.fromisoformat`` before Python 3.11 reads neither a ``Z`` nor the seven fractional digits ARM writes
(``2026-05-01T06:30:00.1234567Z``), so the parser is a small regular expression.  A time that must be compared with a
service rule ("not in the future") is compared with the service's clock, read from the ``Date`` header of one of its
answers (RFC 9110 section 6.6.1), so a controller whose clock runs ahead cannot ask for a future point.
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import datetime
import email.utils
import re

UTC = datetime.timezone.utc
_ISO = re.compile(r"^(\d{4})-(\d{2})-(\d{2})[Tt ](\d{2}):(\d{2})(?::(\d{2})(?:[.,](\d+))?)?\s*(Z|z|[+-]\d{2}:?\d{2})?$")


def parse_utc(text):
    """An aware UTC datetime from ISO 8601 text (a time without an offset is UTC), or None when it is not one."""
    if isinstance(text, datetime.datetime):
        return text.replace(tzinfo=UTC) if text.tzinfo is None else text.astimezone(UTC)
    if not isinstance(text, str):
        return None
    m = _ISO.match(text.strip())
    if not m:
        return None
    year, month, day, hour, minute, second, frac, offset = m.groups()
    try:
        value = datetime.datetime(int(year), int(month), int(day), int(hour), int(minute), int(second or 0),
                                  int((frac or "0")[:6].ljust(6, "0")), tzinfo=UTC)
    except ValueError:
        return None
    if offset and offset not in ("Z", "z"):
        sign = -1 if offset[0] == "-" else 1
        digits = offset[1:].replace(":", "")
        value -= sign * datetime.timedelta(hours=int(digits[:2]), minutes=int(digits[2:]))
    return value


def format_utc(value):
    """ISO 8601 in UTC with microseconds and a ``Z`` (the form of the REST specs' examples)."""
    return value.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%S.%fZ")


def service_now(headers):
    """The time in the ``Date`` header of a service's answer, or the local clock when there is none."""
    text = headers.get("date") if headers else None
    try:
        value = email.utils.parsedate_to_datetime(text) if text else None
    except (TypeError, ValueError, IndexError):
        value = None
    if value is None:
        return datetime.datetime.now(UTC)
    return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)
