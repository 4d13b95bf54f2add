"""KQL scalar types and values as azsim holds them, with the conversions every other module shares.

Representation (the query handler relies on it): ``string`` -> ``str`` (never None: Microsoft Learn "Null values",
"the string data type doesn't support null values", a missing string is ``""``); ``int``/``long`` -> ``int``;
``real`` -> ``float``; ``bool`` -> ``bool``; ``datetime`` -> ``float`` seconds since the Unix epoch, UTC (Learn
"datetime": always UTC); ``timespan`` -> ``float`` seconds; ``dynamic`` -> the decoded JSON value; ``guid`` -> ``str``.
Every type but string uses ``None`` for null.  A float epoch keeps about a microsecond of precision in this
century, so azsim formats datetimes and timespans to microseconds (the seventh fraction digit, .NET ticks, is 0).
"""

import json
import math
import re

TYPES = ("string", "int", "long", "real", "bool", "datetime", "timespan", "dynamic", "guid")
# Learn "Scalar data types": double is real, date is datetime, time is timespan, boolean is bool, uniqueid is guid.
ALIASES = {"double": "real", "date": "datetime", "time": "timespan", "boolean": "bool", "uniqueid": "guid", "decimal": "real"}
NUMERIC = frozenset(("int", "long", "real"))
INTEGRAL = frozenset(("int", "long"))

DAY = 86400.0
# 0001-01-01 is 719162 days before 1970-01-01: datetime bins are counted in ticks from there (Learn "datetime").
EPOCH_OFFSET = 719162 * 86400


class Table:
    """A query input or result: ``columns`` [(name, kql type)], ``rows`` [[value, ...]]."""

    __slots__ = ("columns", "rows")

    def __init__(self, columns, rows):
        self.columns = [(str(n), canonical_type(t)) for n, t in columns]
        self.rows = rows

    @property
    def names(self):
        return [n for n, _unused in self.columns]

    def __repr__(self):
        return f"Table(columns={self.columns!r}, rows={len(self.rows)} rows)"


def canonical_type(name):
    t = ALIASES.get(name, name)
    if t not in TYPES:
        raise ValueError(f"unknown KQL type {name!r}")
    return t


def null_of(kql_type):
    return "" if kql_type == "string" else None


# -- calendar ------------------------------------------------------------------------------------------------
def days_from_civil(y, m, d):
    """Days since 1970-01-01 of a proleptic Gregorian date (H. Hinnant's algorithm, valid for years 1..9999)."""
    y -= m <= 2
    era = y // 400
    yoe = y - era * 400
    doy = (153 * (m + (-3 if m > 2 else 9)) + 2) // 5 + d - 1
    doe = yoe * 365 + yoe // 4 - yoe // 100 + doy
    return era * 146097 + doe - 719468


def civil_from_days(z):
    z += 719468
    era = z // 146097
    doe = z - era * 146097
    yoe = (doe - doe // 1460 + doe // 36524 - doe // 146096) // 365
    doy = doe - (365 * yoe + yoe // 4 - yoe // 100)
    mp = (5 * doy + 2) // 153
    d = doy - (153 * mp + 2) // 5 + 1
    m = mp + (3 if mp < 10 else -9)
    return yoe + era * 400 + (m <= 2), m, d


def split_datetime(v):
    """(year, month, day, hour, minute, second, microsecond, weekday 0=Sunday) of an epoch float."""
    micro = round(v * 1000000)
    secs, us = divmod(micro, 1000000)
    days, sod = divmod(secs, 86400)
    y, mo, d = civil_from_days(days)
    h, rem = divmod(sod, 3600)
    mi, s = divmod(rem, 60)
    return y, mo, d, h, mi, s, us, (days + 4) % 7


# Learn "datetime", supported formats: ISO 8601 with 'T' or ' ', optional seconds, fraction and zone.
_ISO = re.compile(r"\s*(\d{4})-(\d{1,2})-(\d{1,2})(?:[Tt ](\d{1,2}):(\d{2})(?::(\d{2})(?:\.(\d+))?)?)?\s*"
                  r"(Z|z|UTC|GMT|[+-]\d{2}(?::?\d{2})?)?\s*")


def parse_datetime(text):
    """Epoch seconds of an ISO 8601 text, or None when it is not one."""
    m = _ISO.fullmatch(text)
    if not m:
        return None
    y, mo, d, h, mi, s, frac, zone = m.groups()
    y, mo, d = int(y), int(mo), int(d)
    h, mi, s = int(h or 0), int(mi or 0), int(s or 0)
    if not (1 <= mo <= 12 and 1 <= d <= _month_days(y, mo) and h < 24 and mi < 60 and s < 60 and y >= 1):
        return None
    value = days_from_civil(y, mo, d) * 86400 + h * 3600 + mi * 60 + s
    if zone and zone[0] in "+-":
        digits = zone[1:].replace(":", "")
        offset = int(digits[:2]) * 3600 + (int(digits[2:4]) * 60 if len(digits) > 2 else 0)
        value -= offset if zone[0] == "+" else -offset
    if frac:
        return value + int(frac[:7]) / 10 ** len(frac[:7])
    return float(value)


def _month_days(y, m):
    if m == 2:
        return 29 if (y % 4 == 0 and y % 100 != 0) or y % 400 == 0 else 28
    return 30 if m in (4, 6, 9, 11) else 31


def format_datetime_iso(v):
    """``2024-01-01T00:00:00Z`` / ``…:00.123Z``: ISO 8601 UTC with trailing fraction zeros trimmed, as the query
    API writes datetimes (monitor-logs.md 1.3, spec's AppRequests example)."""
    y, mo, d, h, mi, s, us, _unused = split_datetime(v)
    text = f"{y:04d}-{mo:02d}-{d:02d}T{h:02d}:{mi:02d}:{s:02d}"
    if us:
        text += "." + f"{us:06d}".rstrip("0")
    return text + "Z"


# -- timespans -----------------------------------------------------------------------------------------------
# Learn "timespan": 2d, 1.5h, 30m, 10s, 0.1s, 100ms, 10microsecond, 1tick (100 ns); long unit names accepted too.
UNITS = {
    "d": DAY, "day": DAY, "days": DAY,
    "h": 3600.0, "hr": 3600.0, "hrs": 3600.0, "hour": 3600.0, "hours": 3600.0,
    "m": 60.0, "min": 60.0, "minute": 60.0, "minutes": 60.0,
    "s": 1.0, "sec": 1.0, "second": 1.0, "seconds": 1.0,
    "ms": 1e-3, "milli": 1e-3, "millis": 1e-3, "millisecond": 1e-3, "milliseconds": 1e-3,
    "microsecond": 1e-6, "microseconds": 1e-6,
    "tick": 1e-7, "ticks": 1e-7,
}
_CLOCK = re.compile(r"\s*(-)?(?:(\d+)\.)?(\d{1,2}):(\d{2})(?::(\d{2})(?:\.(\d+))?)?\s*")
_AMOUNT = re.compile(r"\s*(-?\d+(?:\.\d+)?)\s*([A-Za-z]*)\s*")


def parse_timespan(text):
    """Seconds of a ``[-][d.]hh:mm[:ss[.fffffff]]`` text, ``15 seconds``/``2d``, or a bare number of days
    (Learn "timespan": ``time(2)`` is 2 days); None when it is none of them."""
    m = _CLOCK.fullmatch(text)
    if m:
        neg, d, h, mi, s, frac = m.groups()
        value = int(d or 0) * DAY + int(h) * 3600 + int(mi) * 60 + int(s or 0)
        if frac:
            value += int(frac[:7]) / 10 ** len(frac[:7])
        return -float(value) if neg else float(value)
    m = _AMOUNT.fullmatch(text)
    if m:
        unit = m.group(2)
        if not unit:
            return float(m.group(1)) * DAY
        if unit in UNITS:
            return float(m.group(1)) * UNITS[unit]
    return None


def format_timespan(v):
    """.NET ``TimeSpan`` constant format ``[-][d.]hh:mm:ss[.fffffff]`` (Learn "tostring()" on a timespan)."""
    micro = round(abs(v) * 1000000)
    secs, us = divmod(micro, 1000000)
    days, sod = divmod(secs, 86400)
    h, rem = divmod(sod, 3600)
    mi, s = divmod(rem, 60)
    text = ("-" if v < 0 and micro else "") + (f"{days}." if days else "") + f"{h:02d}:{mi:02d}:{s:02d}"
    if us:
        text += f".{us:06d}0"
    return text


# -- conversions ---------------------------------------------------------------------------------------------
def format_real(v):
    if math.isnan(v):
        return "NaN"
    if v in (math.inf, -math.inf):
        return "Infinity" if v > 0 else "-Infinity"
    if v.is_integer() and abs(v) < 1e15:
        return str(int(v))
    return repr(v).replace("e", "E")


def to_json(v):
    return json.dumps(v, separators=(",", ":"), ensure_ascii=False, allow_nan=True)


def dynamic_to_string(v):
    """tostring() of a dynamic value: a string stays itself, null is "", anything else is compact JSON."""
    if v is None:
        return ""
    if isinstance(v, str):
        return v
    if isinstance(v, bool):
        return "true" if v else "false"
    if isinstance(v, float):
        return format_real(v)
    if isinstance(v, int):
        return str(v)
    return to_json(v)


def stringifier(kql_type):
    """The tostring() of a value of static type ``kql_type`` (Learn "tostring()": null is "")."""
    if kql_type in ("string", "guid"):
        return lambda v: "" if v is None else v
    if kql_type in INTEGRAL:
        return lambda v: "" if v is None else str(v)
    if kql_type == "real":
        return lambda v: "" if v is None else format_real(v)
    if kql_type == "bool":
        return lambda v: "" if v is None else ("true" if v else "false")
    if kql_type == "datetime":
        return lambda v: "" if v is None else format_datetime_iso(v)
    if kql_type == "timespan":
        return lambda v: "" if v is None else format_timespan(v)
    return dynamic_to_string


def is_number(v):
    return isinstance(v, (int, float)) and not isinstance(v, bool)


def parse_json_text(text):
    """parse_json(): the decoded value, or the text itself when it is not JSON (Learn "parse_json()")."""
    try:
        return json.loads(text)
    except ValueError:
        return text


def hashable(v):
    """A dict key for a value of any type (dynamic arrays and bags are not hashable as Python values)."""
    if isinstance(v, (list, dict)):
        return ("\x00json", json.dumps(v, sort_keys=True))
    return v
