"""Scalar functions of azsim's KQL subset.  Each builder receives the compiled arguments and returns a compiled
expression of a known KQL type; a function not listed here is refused as unsupported (errors.UNSUPPORTED).

Behaviour follows the Microsoft Learn page of each function (Kusto Query Language, "<name>() function"):
* "ago()", "now()": relative to the query's start time, constant within one query.
* "bin()" (alias "floor()"): rounds down to a multiple of the bin size; numbers, timespans and datetimes; a null
  or non-positive size gives null.  Datetimes count from 0001-01-01 in ticks (Learn "datetime"), which for sizes
  that divide a day is the same as counting from the Unix epoch.
* "tostring()": null is ""; datetimes print as ISO 8601 with the trailing fraction zeros trimmed.
* "toint()": 32 bits, truncates reals, null when the value does not convert; "tolong()", "todouble()"/"toreal()",
  "tobool()", "todatetime()", "totimespan()" likewise.
* "iff()"/"iif()", "case()", "coalesce()": the branches share one type (numbers widen to the widest).
* "extract()": the group's text, "" when nothing matches; "split()": a dynamic array, with an index a one-element
  array (empty when out of range); "substring()": start clamped at 0.
* "format_datetime()": .NET-style tokens d dd H HH h hh m mm s ss f…fffffff F…FFFFFFF M MM y yy yyyy tt.
* "round()": half away from zero.  "startofday()" & co take an optional offset in days/weeks/months/years.
* "dayofweek()": the timespan since the previous Sunday.
"""

import math
import re

from .scalar import CExpr, as_bool, constant, lift
from .values import (
    DAY,
    EPOCH_OFFSET,
    INTEGRAL,
    NUMERIC,
    days_from_civil,
    dynamic_to_string,
    is_number,
    parse_datetime,
    parse_json_text,
    parse_timespan,
    split_datetime,
    stringifier,
)

FUNCTIONS = {}


def function(*names, args=(1, 1)):
    def register(builder):
        for name in names:
            FUNCTIONS[name] = (builder, args[0], args[1])
        return builder
    return register


def widen(ctx, exprs, what="arguments"):
    """The common type of ``exprs`` (numbers widen int < long < real) and each converted to it."""
    types = [e.type for e in exprs]
    if all(t == types[0] for t in types):
        return types[0], exprs
    if all(t in NUMERIC for t in types):
        target = "real" if "real" in types else "long"
        out = [e if e.type == target or target == "long" else lift("real", lambda v: None if v is None else float(v), [e]) for e in exprs]
        return target, out
    raise ctx.error(f"{what} must share one type, not {', '.join(types)}")


# -- time ----------------------------------------------------------------------------------------------------
@function("now", args=(0, 1))
def _now(ctx, args):
    if args:
        ctx.require(args[0], {"timespan"})
        return lift("datetime", lambda off: None if off is None else ctx.now + off, args)
    return constant("datetime", float(ctx.now))


@function("ago")
def _ago(ctx, args):
    ctx.require(args[0], {"timespan"})
    now = float(ctx.now)
    return lift("datetime", lambda ts: None if ts is None else now - ts, args)


def _micro_round(x):
    return round(x * 1000000) / 1000000


def _binner(kind, size):
    """Per-value bin function for a constant ``size`` (None when the size is null or not positive)."""
    if size is None or size <= 0:
        return None
    if kind == "integral":
        return lambda v: None if v is None else v - v % size
    if kind == "datetime":
        off = EPOCH_OFFSET % size
        if off == 0 and float(size).is_integer():
            return lambda v: None if v is None else v - v % size
        return lambda v: None if v is None else _micro_round(math.floor((v + off) / size) * size - off)
    if float(size).is_integer():
        return lambda v: None if v is None else float(math.floor(v / size) * size)
    return lambda v: None if v is None else _micro_round(math.floor(v / size) * size)


def _bin_kind(ctx, value, size):
    if value.type == "datetime" or value.type == "timespan":
        ctx.require(size, {"timespan"}, "the bin size")
        return value.type, value.type
    ctx.require(value, NUMERIC | {"datetime", "timespan"}, "the value")
    ctx.require(size, NUMERIC, "the bin size")
    if value.type in INTEGRAL and size.type in INTEGRAL:
        return "long", "integral"
    return "real", "real"


@function("bin", "floor", args=(2, 2))
def _bin(ctx, args):
    value, size = args
    rtype, kind = _bin_kind(ctx, value, size)
    if value.type == "dynamic":
        raise ctx.error("bin() of a dynamic value needs an explicit conversion (todouble(), todatetime() …)")
    if size.const:
        f = _binner(kind, size.value)
        if f is None:
            return constant(rtype, None)
        if value.const:
            return constant(rtype, f(value.value))
        return CExpr(rtype, fn=lambda rows: list(map(f, value.fn(rows))))

    def per_row(v, s):
        f = _binner(kind, s)
        return None if f is None else f(v)
    return lift(rtype, per_row, args)


@function("bin_at", args=(3, 3))
def _bin_at(ctx, args):
    value, size, at = args
    rtype, kind = _bin_kind(ctx, value, size)
    if at.type != value.type and not (value.type in NUMERIC and at.type in NUMERIC):
        raise ctx.error("the fixed point must have the value's type")

    def f(v, s, a):
        if v is None or s is None or a is None or s <= 0:
            return None
        out = a + math.floor((v - a) / s) * s
        return out if kind == "integral" else _micro_round(float(out))
    return lift(rtype, f, args)


def _day_start(v):
    return v - v % DAY


def _start_of(unit):
    def f(v, offset):
        if v is None or offset is None:
            return None
        if unit == "day":
            return _day_start(v) + offset * DAY
        if unit == "week":
            y = split_datetime(v)
            return _day_start(v) - y[7] * DAY + offset * 7 * DAY
        y, m = split_datetime(v)[:2]
        if unit == "month":
            months = y * 12 + (m - 1) + offset
            return float(days_from_civil(months // 12, months % 12 + 1, 1) * 86400)
        return float(days_from_civil(y + offset, 1, 1) * 86400)
    return f


for _unit in ("day", "week", "month", "year"):
    def _make(unit):
        @function(f"startof{unit}", args=(1, 2))
        def _builder(ctx, args):
            ctx.require(args[0], {"datetime"})
            if len(args) == 2:
                ctx.require(args[1], INTEGRAL)
            offset = args[1] if len(args) == 2 else constant("long", 0)
            return lift("datetime", _start_of(unit), [args[0], offset])
    _make(_unit)


@function("dayofweek")
def _dayofweek(ctx, args):
    ctx.require(args[0], {"datetime"})
    return lift("timespan", lambda v: None if v is None else split_datetime(v)[7] * DAY, args)


def _part(index):
    def builder(ctx, args):
        ctx.require(args[0], {"datetime"})
        return lift("int", lambda v: None if v is None else split_datetime(v)[index], args)
    return builder


function("getyear")(_part(0))
function("getmonth", "monthofyear")(_part(1))
function("dayofmonth")(_part(2))
function("hourofday")(_part(3))


_FORMAT_TOKEN = re.compile(r"d{1,2}|H{1,2}|h{1,2}|m{1,2}|s{1,2}|f{1,7}|F{1,7}|M{1,2}|yyyy|yy|y|tt|.", re.DOTALL)


def datetime_formatter(fmt):
    parts = _FORMAT_TOKEN.findall(fmt)

    def render(v):
        if v is None:
            return ""
        y, mo, d, h, mi, s, us, _unused = split_datetime(v)
        out = []
        for p in parts:
            c = p[0]
            if c == "d":
                out.append(f"{d:0{len(p)}d}")
            elif c == "H":
                out.append(f"{h:0{len(p)}d}")
            elif c == "h":
                out.append(f"{(h % 12) or 12:0{len(p)}d}")
            elif c == "m":
                out.append(f"{mi:0{len(p)}d}")
            elif c == "s":
                out.append(f"{s:0{len(p)}d}")
            elif c == "M":
                out.append(f"{mo:0{len(p)}d}")
            elif c == "y":
                out.append(f"{y:04d}" if p == "yyyy" else (f"{y % 100:02d}" if p == "yy" else str(y % 100)))
            elif c == "t" and p == "tt":
                out.append("AM" if h < 12 else "PM")
            elif c == "f":
                out.append(f"{us:06d}0"[:len(p)])
            elif c == "F":
                digits = f"{us:06d}0"[:len(p)].rstrip("0")
                if not digits and out and out[-1] == ".":
                    out.pop()
                out.append(digits)
            else:
                out.append(p)
        return "".join(out)
    return render


@function("format_datetime", args=(2, 2))
def _format_datetime(ctx, args):
    ctx.require(args[0], {"datetime"})
    ctx.require(args[1], {"string"}, "the format")
    if args[1].const:
        render = datetime_formatter(args[1].value)
        return lift("string", render, [args[0]])
    return lift("string", lambda v, fmt: datetime_formatter(fmt)(v), args)


# -- conversions ---------------------------------------------------------------------------------------------
@function("tostring")
def _tostring(ctx, args):
    return lift("string", stringifier(args[0].type), args)


def _number_from_text(text):
    text = text.strip()
    try:
        return int(text)
    except ValueError:
        pass
    try:
        value = float(text)
    except ValueError:
        return None
    return value


def _to_integer(bits):
    low, high = -(2 ** (bits - 1)), 2 ** (bits - 1) - 1

    def convert(v):
        if v is None or isinstance(v, (list, dict)):
            return None
        if isinstance(v, bool):
            return int(v)
        if isinstance(v, str):
            v = _number_from_text(v)
            if v is None:
                return None
        if isinstance(v, float):
            if not math.isfinite(v):
                return None
            v = int(v)
        return v if low <= v <= high else None
    return convert


def _numeric_source(ctx, arg):
    if arg.type in ("datetime", "timespan", "guid"):
        raise ctx.error(f"converting a {arg.type} to a number is unsupported in azsim's KQL subset")


@function("toint")
def _toint(ctx, args):
    _numeric_source(ctx, args[0])
    return lift("int", _to_integer(32), args)


@function("tolong")
def _tolong(ctx, args):
    _numeric_source(ctx, args[0])
    return lift("long", _to_integer(64), args)


def _to_real(v):
    if v is None or isinstance(v, (list, dict)):
        return None
    if isinstance(v, str):
        v = _number_from_text(v)
        if v is None:
            return None
    return float(v)


@function("todouble", "toreal")
def _todouble(ctx, args):
    _numeric_source(ctx, args[0])
    return lift("real", _to_real, args)


def _to_bool(v):
    if v is None or isinstance(v, bool):
        return v
    if isinstance(v, str):
        return {"true": True, "false": False}.get(v.strip().lower())
    if is_number(v):
        return v != 0
    return None


@function("tobool", "toboolean")
def _tobool(ctx, args):
    return lift("bool", _to_bool, args)


@function("todatetime")
def _todatetime(ctx, args):
    if args[0].type == "datetime":
        return args[0]
    return lift("datetime", lambda v: parse_datetime(v) if isinstance(v, str) else None, args)


@function("totimespan", "totime")
def _totimespan(ctx, args):
    if args[0].type == "timespan":
        return args[0]
    return lift("timespan", lambda v: parse_timespan(v) if isinstance(v, str) else None, args)


@function("parse_json", "todynamic")
def _parse_json(ctx, args):
    if args[0].type == "dynamic":
        return args[0]
    if args[0].type != "string":
        return lift("dynamic", lambda v: v, args)
    return lift("dynamic", lambda v: parse_json_text(v) if v else None, args)


# -- strings -------------------------------------------------------------------------------------------------
def _texts(args):
    return [a if a.type == "string" else lift("string", stringifier(a.type), [a]) for a in args]


@function("strcat", args=(1, 64))
def _strcat(ctx, args):
    return lift("string", lambda *parts: "".join(parts), _texts(args))


@function("strcat_delim", args=(3, 64))
def _strcat_delim(ctx, args):
    return lift("string", lambda d, *parts: d.join(parts), _texts(args))


@function("strlen")
def _strlen(ctx, args):
    return lift("long", len, _texts(args))


@function("tolower")
def _tolower(ctx, args):
    return lift("string", str.lower, _texts(args))


@function("toupper")
def _toupper(ctx, args):
    return lift("string", str.upper, _texts(args))


@function("substring", args=(2, 3))
def _substring(ctx, args):
    text = _texts(args[:1])
    for a in args[1:]:
        ctx.require(a, INTEGRAL)

    def f(s, start, length=-1):
        if start is None or length is None:
            return ""
        start = max(start, 0)
        return s[start:] if length == -1 else s[start:start + max(length, 0)]
    return lift("string", f, text + args[1:])


@function("split", args=(2, 3))
def _split(ctx, args):
    text = _texts(args[:2])

    def f(s, delim, index=None):
        parts = s.split(delim) if delim else [s]
        if len(args) == 2:
            return parts
        if index is None or not -len(parts) <= index < len(parts):
            return []
        return [parts[index]]
    if len(args) == 3:
        ctx.require(args[2], INTEGRAL, "the index")
    return lift("dynamic", f, text + args[2:])


@function("extract", args=(3, 3))
def _extract(ctx, args):
    pattern, group, text = args
    ctx.require(group, INTEGRAL, "the capture group")
    text = _texts([text])[0]

    def compiled(p):
        try:
            return re.compile(p)
        except re.error as err:
            raise ctx.error(f"invalid regular expression {p!r}: {err}") from None

    def f(rx, g, s):
        if g is None:
            return ""
        m = rx.search(s)
        if m is None or g > rx.groups:
            return ""
        return m.group(g) or ""
    if pattern.const:
        rx = compiled(pattern.value)
        if group.const and group.value is not None and group.value > rx.groups:
            raise ctx.error(f"the pattern has no capture group {group.value}")
        return lift("string", lambda g, s: f(rx, g, s), [group, text])
    return lift("string", lambda p, g, s: f(compiled(p), g, s), [pattern, group, text])


@function("replace_string", args=(3, 3))
def _replace_string(ctx, args):
    return lift("string", lambda s, old, new: s.replace(old, new) if old else s, _texts(args))


@function("indexof", args=(2, 2))
def _indexof(ctx, args):
    return lift("long", lambda s, n: s.find(n), _texts(args))


def _trimmer(which):
    def builder(ctx, args):
        pattern, text = _texts(args)
        if not pattern.const:
            raise ctx.error("needs a constant pattern")
        lead = re.compile(f"^(?:{pattern.value})+") if which in ("both", "start") else None
        trail = re.compile(f"(?:{pattern.value})+$") if which in ("both", "end") else None

        def f(s):
            if lead:
                s = lead.sub("", s, count=1)
            if trail:
                s = trail.sub("", s, count=1)
            return s
        return lift("string", f, [text])
    return builder


function("trim", args=(2, 2))(_trimmer("both"))
function("trim_start", args=(2, 2))(_trimmer("start"))
function("trim_end", args=(2, 2))(_trimmer("end"))


# -- logic and nulls -----------------------------------------------------------------------------------------
@function("iff", "iif", args=(3, 3))
def _iff(ctx, args):
    cond, a, b = args
    ctx.require(cond, {"bool"}, "the condition")
    rtype, (a, b) = widen(ctx, [a, b], "the branches")
    if cond.const:
        return a if cond.value is True else b
    return CExpr(rtype, fn=lambda rows: [x if p is True else y for p, x, y in zip(cond.fn(rows), a.eval(rows), b.eval(rows), strict=True)])


@function("case", args=(3, 255))
def _case(ctx, args):
    if len(args) % 2 == 0:
        raise ctx.error("needs predicate/value pairs and a final else value")
    preds = args[0:-1:2]
    for p in preds:
        ctx.require(p, {"bool"}, "each predicate")
    rtype, values = widen(ctx, list(args[1:-1:2]) + [args[-1]], "the values")

    def f(*vals):
        n = len(preds)
        for i in range(n):
            if vals[i] is True:
                return vals[n + i]
        return vals[-1]
    return lift(rtype, f, list(preds) + values)


@function("coalesce", args=(2, 64))
def _coalesce(ctx, args):
    rtype, values = widen(ctx, args)
    empty = "" if rtype == "string" else None

    def f(*vals):
        for v in vals:
            if v is not None and v != empty:
                return v
        return empty
    return lift(rtype, f, values)


@function("isnull")
def _isnull(ctx, args):
    return lift("bool", lambda v: v is None, args)


@function("isnotnull")
def _isnotnull(ctx, args):
    return lift("bool", lambda v: v is not None, args)


@function("isempty")
def _isempty(ctx, args):
    return lift("bool", lambda v: v is None or v == "", args)


@function("isnotempty")
def _isnotempty(ctx, args):
    return lift("bool", lambda v: v is not None and v != "", args)


@function("not")
def _not(ctx, args):
    ctx.require(args[0], {"bool"})
    return lift("bool", lambda v: None if v is None else not v, [as_bool(args[0])])


# -- numbers -------------------------------------------------------------------------------------------------
def _round_half_away(x, n):
    if x is None or n is None:
        return None
    if isinstance(x, int):
        if n >= 0:
            return x
        m = 10 ** -n
        q = (abs(x) + m // 2) // m * m
        return q if x >= 0 else -q
    if not math.isfinite(x):
        return x
    m = 10.0 ** n
    return math.copysign(math.floor(abs(x) * m + 0.5) / m, x)


@function("round", args=(1, 2))
def _round(ctx, args):
    ctx.require(args[0], NUMERIC)
    if len(args) == 2:
        ctx.require(args[1], INTEGRAL, "the precision")
    digits = args[1] if len(args) == 2 else constant("long", 0)
    rtype = "long" if args[0].type in INTEGRAL else "real"
    return lift(rtype, _round_half_away, [args[0], digits])


def _math(name, fn, rtype="real"):
    def builder(ctx, args):
        for a in args:
            ctx.require(a, NUMERIC)

        def f(*vals):
            if any(v is None for v in vals):
                return None
            try:
                return fn(*vals)
            except (ValueError, OverflowError, ZeroDivisionError):
                return math.nan
        return lift(rtype if rtype else args[0].type, f, args)
    return builder


function("abs")(_math("abs", abs, rtype=None))
function("sqrt")(_math("sqrt", math.sqrt))
function("exp")(_math("exp", math.exp))
function("log")(_math("log", math.log))
function("log10")(_math("log10", math.log10))
function("pow", args=(2, 2))(_math("pow", lambda x, y: float(x) ** y))
function("ceiling")(_math("ceiling", lambda x: float(math.ceil(x))))


def _extreme(pick):
    def builder(ctx, args):
        rtype, values = widen(ctx, args)

        empty = "" if rtype == "string" else None

        def f(*vals):
            present = [v for v in vals if v is not None]
            return pick(present) if present else empty
        return lift(rtype, f, values)
    return builder


function("max_of", args=(2, 64))(_extreme(max))
function("min_of", args=(2, 64))(_extreme(min))


# -- dynamic -------------------------------------------------------------------------------------------------
@function("array_length")
def _array_length(ctx, args):
    ctx.require(args[0], {"dynamic"})
    return lift("long", lambda v: len(v) if isinstance(v, list) else None, args)


@function("bag_keys")
def _bag_keys(ctx, args):
    """Learn "bag_keys()": the keys of a property bag as an array; null for anything else."""
    ctx.require(args[0], {"dynamic"})
    return lift("dynamic", lambda v: list(v.keys()) if isinstance(v, dict) else None, args)


@function("set_has_element", args=(2, 2))
def _set_has_element(ctx, args):
    """Learn "set_has_element()": whether the array holds the value (compared as dynamic values); null when not an array."""
    ctx.require(args[0], {"dynamic"})
    return lift("bool", lambda arr, v: (v in arr) if isinstance(arr, list) else None, args)


@function("strcat_array", args=(2, 2))
def _strcat_array(ctx, args):
    """Learn "strcat_array()": the array's elements as strings joined by the delimiter; "" when not an array."""
    ctx.require(args[0], {"dynamic"})
    ctx.require(args[1], {"string"}, "the delimiter")
    return lift("string", lambda arr, d: d.join(dynamic_to_string(x) for x in arr) if isinstance(arr, list) else "", args)


@function("pack_array", args=(1, 64))
def _pack_array(ctx, args):
    return lift("dynamic", lambda *vals: list(vals), args)


@function("bag_pack", "pack", args=(2, 64))
def _bag_pack(ctx, args):
    if len(args) % 2:
        raise ctx.error("needs key/value pairs")
    keys = args[0::2]
    for k in keys:
        ctx.require(k, {"string"}, "each key")

    def f(*vals):
        return {dynamic_to_string(vals[i]): vals[i + 1] for i in range(0, len(vals), 2)}
    return lift("dynamic", f, args)
