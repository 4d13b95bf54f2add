"""Scalar expressions compiled to column-wise Python closures.

A compiled expression (``CExpr``) knows its KQL type at compile time and evaluates over a whole batch of rows at
once (``eval(rows) -> list``): each operator is one list comprehension or ``map`` over the batch instead of a walk
of the syntax tree per row, which keeps 100,000-row queries well under a second on one core.  Constants fold at
compile time, so ``ago(1d)`` is computed once per query (Learn "now()": constant within one query).

Semantics, each from Microsoft Learn (Kusto Query Language):
* "Null values": a binary operation with a null operand is null, except ``==`` (null vs value is false, two nulls
  null) and ``!=`` (null vs value is true); ``false and null`` is false, ``true or null`` is true; ``string`` has no
  null (a missing string is ``""``).
* "Numerical operators": int/long operands give long, a real operand gives real; integer division truncates;
  ``N % D`` is always in ``[0, abs(D))``.  Division of an integer by zero is null here (azsim's choice).
* "datetime"/"timespan": datetime - datetime = timespan, datetime +/- timespan = datetime, timespan / timespan = real,
  timespan * number = timespan.
* "String operators": ``==``/``!=``/``in``/``_cs`` forms are case-sensitive; ``=~``, ``!~``, ``has``, ``contains``,
  ``startswith``, ``endswith``, ``in~`` are not; ``has`` matches whole terms, a term being a maximal run of ASCII
  alphanumerics, so a needle must sit between non-alphanumerics or the string's ends.
* "between operator": inclusive on both ends; a datetime range may end with a timespan (``start .. 1d``).
"""

import math
import operator as py_operator
import re
from functools import lru_cache
from itertools import repeat
from operator import itemgetter

from . import syntax as ast
from .errors import semantic, unresolved, unsupported
from .values import INTEGRAL, NUMERIC, dynamic_to_string, is_number, stringifier


class CExpr:
    """A compiled scalar expression: its KQL ``type`` and ``eval(rows) -> [value per row]``."""

    __slots__ = ("type", "fn", "const", "value", "col")

    def __init__(self, kql_type, fn=None, const=False, value=None, col=None):
        self.type = kql_type
        self.fn = fn
        self.const = const
        self.value = value
        self.col = col

    def eval(self, rows):
        if self.const:
            return [self.value] * len(rows)
        return self.fn(rows)

    def source(self, rows):
        """Values for ``map``: a column list, or an endless repeat of the constant."""
        return repeat(self.value) if self.const else self.fn(rows)


def constant(kql_type, value):
    return CExpr(kql_type, const=True, value=value)


def column(kql_type, index):
    getter = itemgetter(index)
    return CExpr(kql_type, fn=lambda rows: list(map(getter, rows)), col=index)


def lift(kql_type, f, args):
    """Apply the per-value function ``f`` element-wise over the compiled ``args``; folds when all are constant."""
    if all(a.const for a in args):
        return constant(kql_type, f(*[a.value for a in args]))
    if len(args) == 1:
        (a,) = args
        return CExpr(kql_type, fn=lambda rows: list(map(f, a.fn(rows))))
    return CExpr(kql_type, fn=lambda rows: list(map(f, *[a.source(rows) for a in args])))


class Scope:
    """What names mean while compiling one operator's expressions."""

    def __init__(self, columns, lets, now, operator, aggregate=None):
        self.columns = columns
        self.index = {}
        for i, (name, _unused) in enumerate(columns):
            self.index.setdefault(name, i)
        self.lets = lets
        self.now = now
        self.operator = operator
        self.aggregate = aggregate      # summarize: compiles an aggregation call, else None

    def where(self):
        return f"'{self.operator}' operator: " if self.operator else ""


def compile_expr(node, scope):
    kind = type(node)
    if kind is ast.Literal:
        return constant(node.type, node.value)
    if kind is ast.Name:
        return _name(node, scope)
    if kind is ast.Binary:
        return _binary(node, scope)
    if kind is ast.Call:
        return _call(node, scope)
    if kind is ast.Unary:
        return _unary(node, scope)
    if kind is ast.Member:
        return _member(node, scope)
    if kind is ast.InList:
        return _in_list(node, scope)
    if kind is ast.Between:
        return _between(node, scope)
    if kind is ast.Star:
        raise unsupported(f"{scope.where()}'*' (every column) in a scalar expression")
    raise semantic(f"{scope.where()}a tabular expression can't be used as a scalar")


def _name(node, scope):
    i = scope.index.get(node.name)
    if i is not None:
        return column(scope.columns[i][1], i)
    bound = scope.lets.get(node.name)
    if isinstance(bound, CExpr):
        return bound
    if bound is not None:
        raise semantic(f"{scope.where()}the tabular expression '{node.name}' can't be used as a scalar")
    if node.name.startswith("$"):
        raise semantic(f"{scope.where()}'{node.name}' is only valid in a join condition")
    raise unresolved(scope.operator, node.name)


def _call(node, scope):
    from .aggregates import AGGREGATES
    from .functions import FUNCTIONS

    if node.name in AGGREGATES:
        if scope.aggregate is None:
            raise semantic(f"{scope.where()}the aggregation function '{node.name}' is only allowed in summarize")
        return scope.aggregate(node)
    spec = FUNCTIONS.get(node.name)
    if spec is None:
        raise unsupported(f"{scope.where()}function '{node.name}()'")
    builder, low, high = spec
    if not low <= len(node.args) <= high:
        raise semantic(f"{scope.where()}function '{node.name}' takes {low}" + (f" to {high}" if high != low else "")
                       + f" arguments, not {len(node.args)}")
    args = [compile_expr(a, scope) for a in node.args]
    return builder(Ctx(scope, node), args)


class Ctx:
    """What a function builder may need: the query's ``now``, and the call for error messages."""

    __slots__ = ("scope", "node")

    def __init__(self, scope, node):
        self.scope, self.node = scope, node

    @property
    def now(self):
        return self.scope.now

    def error(self, message):
        return semantic(f"{self.scope.where()}{self.node.name}(): {message}")

    def require(self, arg, types, what="argument"):
        if arg.type not in types and arg.type != "dynamic":
            raise self.error(f"{what} must be of type {' or '.join(sorted(types))}, not {arg.type}")


# -- operators -----------------------------------------------------------------------------------------------
ARITH = {"+": py_operator.add, "-": py_operator.sub, "*": py_operator.mul}
ORDERING = {"<": py_operator.lt, ">": py_operator.gt, "<=": py_operator.le, ">=": py_operator.ge}
SWAPPED = {"<": ">", ">": "<", "<=": ">=", ">=": "<=", "==": "==", "!=": "!="}


def category(t):
    if t in NUMERIC:
        return "number"
    if t in ("string", "guid"):
        return "string"
    return t


def _binary(node, scope):
    op = node.op
    a = compile_expr(node.left, scope)
    b = compile_expr(node.right, scope)
    if op in ("and", "or"):
        return _logic(op, a, b, scope)
    if op in ("+", "-", "*", "/", "%"):
        return _arith(op, a, b, scope)
    if op in ("==", "!="):
        return _equality(op, a, b, scope)
    if op in ORDERING:
        return _ordering(op, a, b, scope)
    return _string_op(op, a, b, scope)


def as_bool(e):
    """A bool expression; a dynamic one reads anything but true/false as null."""
    if e.type == "dynamic":
        return lift("bool", lambda v: v if isinstance(v, bool) else None, [e])
    return e


def _logic(op, a, b, scope):
    for x in (a, b):
        if x.type not in ("bool", "dynamic"):
            raise semantic(f"{scope.where()}'{op}' needs bool operands, not {x.type}")
    a, b = as_bool(a), as_bool(b)
    if op == "and":
        def f(x, y):
            if x is False or y is False:
                return False
            return None if x is None or y is None else True
    else:
        def f(x, y):
            if x is True or y is True:
                return True
            return None if x is None or y is None else False
    return lift("bool", f, [a, b])


def _arith_type(op, ta, tb):
    """Result type of ``ta op tb`` or None when KQL refuses the combination."""
    if "dynamic" in (ta, tb) and {ta, tb} <= {"dynamic", "int", "long", "real"}:
        return "dynamic"
    if ta in NUMERIC and tb in NUMERIC:
        return "real" if "real" in (ta, tb) else "long"
    pair = (ta, tb)
    table = {
        "+": {("datetime", "timespan"): "datetime", ("timespan", "datetime"): "datetime", ("timespan", "timespan"): "timespan"},
        "-": {("datetime", "datetime"): "timespan", ("datetime", "timespan"): "datetime", ("timespan", "timespan"): "timespan"},
        "*": {("timespan", "long"): "timespan", ("timespan", "int"): "timespan", ("timespan", "real"): "timespan",
              ("long", "timespan"): "timespan", ("int", "timespan"): "timespan", ("real", "timespan"): "timespan"},
        "/": {("timespan", "timespan"): "real", ("timespan", "long"): "timespan", ("timespan", "int"): "timespan",
              ("timespan", "real"): "timespan"},
        "%": {("timespan", "timespan"): "timespan"},
    }
    return table[op].get(pair)


def _int_div(x, y):
    if x is None or y is None or y == 0:
        return None
    q = abs(x) // abs(y)
    return q if (x < 0) == (y < 0) else -q


def _real_div(x, y):
    if x is None or y is None:
        return None
    try:
        return x / y
    except ZeroDivisionError:
        if x == 0 or math.isnan(x):
            return math.nan
        return math.copysign(math.inf, x) * math.copysign(1.0, y)


def _int_mod(x, y):
    # Learn "Numerical operators": N % D is always in [0, abs(D)), e.g. -14 % 12 == 10.
    if x is None or y is None or y == 0:
        return None
    return x % abs(y)


def _real_mod(x, y):
    if x is None or y is None:
        return None
    if y == 0:
        return math.nan
    return x % abs(y)


def _dyn_arith(op):
    def f(x, y):
        if not (is_number(x) and is_number(y)):
            return None
        if op == "/":
            return _int_div(x, y) if isinstance(x, int) and isinstance(y, int) else _real_div(x, y)
        if op == "%":
            return _int_mod(x, y) if isinstance(x, int) and isinstance(y, int) else _real_mod(x, y)
        return ARITH[op](x, y)
    return f


def _arith(op, a, b, scope):
    rtype = _arith_type(op, a.type, b.type)
    if rtype is None:
        raise semantic(f"{scope.where()}the operator '{op}' can't be applied to {a.type} and {b.type}")
    if rtype == "dynamic":
        return lift(rtype, _dyn_arith(op), [a, b])
    integral = a.type in INTEGRAL and b.type in INTEGRAL
    if op == "/":
        return lift(rtype, _int_div if integral else _real_div, [a, b])
    if op == "%":
        return lift(rtype, _int_mod if integral else _real_mod, [a, b])
    fn = ARITH[op]
    if a.const and b.const:
        return constant(rtype, None if a.value is None or b.value is None else fn(a.value, b.value))
    if b.const:
        c = b.value
        if c is None:
            return constant(rtype, None)
        return CExpr(rtype, fn=lambda rows: [None if x is None else fn(x, c) for x in a.fn(rows)])
    if a.const:
        c = a.value
        if c is None:
            return constant(rtype, None)
        return CExpr(rtype, fn=lambda rows: [None if y is None else fn(c, y) for y in b.fn(rows)])
    return CExpr(rtype, fn=lambda rows: [None if x is None or y is None else fn(x, y) for x, y in zip(a.fn(rows), b.fn(rows), strict=True)])


def _check_comparable(op, a, b, scope):
    ca, cb = category(a.type), category(b.type)
    if ca != cb and "dynamic" not in (ca, cb):
        raise semantic(f"{scope.where()}Cannot compare values of types {a.type} and {b.type} with '{op}'. Try adding explicit casts")


def _eq_value(x, y):
    # Learn "Null values": null == value is false, null == null is null.
    if x is None:
        return None if y is None else False
    if y is None:
        return False
    if type(x) is not type(y) and (isinstance(x, bool) or isinstance(y, bool)):
        return False
    return x == y


def _equality(op, a, b, scope):
    _check_comparable(op, a, b, scope)
    negate = op == "!="
    if a.type == "string" and b.type == "string":
        # Strings have no null: plain (case-sensitive) comparison.
        if b.const and not a.const:
            c = b.value
            if negate:
                return CExpr("bool", fn=lambda rows: [x != c for x in a.fn(rows)])
            return CExpr("bool", fn=lambda rows: [x == c for x in a.fn(rows)])
        return lift("bool", py_operator.ne if negate else py_operator.eq, [a, b])
    if a.type == "guid" or b.type == "guid":
        def norm(v):
            return v.lower() if isinstance(v, str) else v

        def eq(x, y):
            return _eq_value(norm(x) or None, norm(y) or None)
    else:
        eq = _eq_value
    if negate:
        def f(x, y):
            r = eq(x, y)
            return None if r is None else not r
    else:
        f = eq
    if b.const and not a.const and b.value is not None and "dynamic" not in (a.type, b.type) and eq is _eq_value:
        c = b.value
        if negate:
            return CExpr("bool", fn=lambda rows: [True if x is None else x != c for x in a.fn(rows)])
        return CExpr("bool", fn=lambda rows: [False if x is None else x == c for x in a.fn(rows)])
    return lift("bool", f, [a, b])


def _ordering(op, a, b, scope):
    _check_comparable(op, a, b, scope)
    fn = ORDERING[op]
    if "dynamic" in (a.type, b.type):
        def f(x, y):
            if x is None or y is None:
                return None
            if is_number(x) and is_number(y) or isinstance(x, str) and isinstance(y, str):
                return fn(x, y)
            return None
        return lift("bool", f, [a, b])
    if a.const and not b.const:
        a, b, fn = b, a, ORDERING[SWAPPED[op]]
    if b.const and not a.const:
        c = b.value
        if c is None:
            return constant("bool", None)
        if a.type == "string":
            return CExpr("bool", fn=lambda rows: [fn(x, c) for x in a.fn(rows)])
        return CExpr("bool", fn=lambda rows: [None if x is None else fn(x, c) for x in a.fn(rows)])
    return lift("bool", lambda x, y: None if x is None or y is None else fn(x, y), [a, b])


def as_text(e):
    """``e`` as a string expression (string operators on other types compare the tostring() form)."""
    if e.type == "string":
        return e
    return lift("string", stringifier(e.type), [e])


_TERM_EDGE = "0-9A-Za-z"


@lru_cache(maxsize=256)
def _term_regex(needle, kind, sensitive):
    # Learn "String operators": a term is a maximal run of ASCII alphanumerics, so `has` needs a non-alphanumeric
    # (or the string's edge) next to each alphanumeric end of the needle; hasprefix/hassuffix at one end. An end that is
    # itself a delimiter ("/health/") already bounds a term, so nothing more is asked there.
    def alnum(ch):
        return ch.isascii() and ch.isalnum()
    before = f"(?<![{_TERM_EDGE}])" if kind in ("has", "hasprefix") and needle and alnum(needle[0]) else ""
    after = f"(?![{_TERM_EDGE}])" if kind in ("has", "hassuffix") and needle and alnum(needle[-1]) else ""
    return re.compile(before + re.escape(needle) + after, 0 if sensitive else re.IGNORECASE)


def _string_predicate(op):
    """Per-value predicate ``f(text, needle) -> bool`` for a positive string operator."""
    base, sensitive = (op[:-3], True) if op.endswith("_cs") else (op, False)
    if base in ("has", "hasprefix", "hassuffix"):
        return lambda s, n: _term_regex(n, base, sensitive).search(s) is not None
    if sensitive:
        return {"contains": lambda s, n: n in s, "startswith": str.startswith, "endswith": str.endswith}[base]
    return {"contains": lambda s, n: n.lower() in s.lower(),
            "startswith": lambda s, n: s.lower().startswith(n.lower()),
            "endswith": lambda s, n: s.lower().endswith(n.lower()),
            "=~": lambda s, n: s.lower() == n.lower()}[base]


def _string_op(op, a, b, scope):
    if op == "matches regex":
        if not b.const:
            raise semantic(f"{scope.where()}'matches regex' needs a constant pattern")
        try:
            rx = re.compile(b.value)
        except re.error as err:
            raise semantic(f"{scope.where()}invalid regular expression {b.value!r}: {err}") from None
        return lift("bool", lambda s: rx.search(s) is not None, [as_text(a)])
    negate = op.startswith("!")
    positive = op[1:] if negate else op
    if positive == "~":         # '!~' is the negation of '=~'
        positive = "=~"
    a, b = as_text(a), as_text(b)
    if b.const and positive in ("has", "has_cs", "hasprefix", "hasprefix_cs", "hassuffix", "hassuffix_cs"):
        base, sensitive = (positive[:-3], True) if positive.endswith("_cs") else (positive, False)
        rx = _term_regex(b.value, base, sensitive)
        if negate:
            return lift("bool", lambda s: rx.search(s) is None, [a])
        return lift("bool", lambda s: rx.search(s) is not None, [a])
    if b.const and not positive.endswith("_cs"):
        n = b.value.lower()
        if positive == "contains":
            fn = (lambda rows: [n not in s.lower() for s in a.fn(rows)]) if negate else (lambda rows: [n in s.lower() for s in a.fn(rows)])
            return lift("bool", lambda s: (n in s.lower()) != negate, [a]) if a.const else CExpr("bool", fn=fn)
        if positive == "=~":
            return lift("bool", lambda s: (s.lower() == n) != negate, [a])
        if positive == "startswith":
            return lift("bool", lambda s: s.lower().startswith(n) != negate, [a])
        if positive == "endswith":
            return lift("bool", lambda s: s.lower().endswith(n) != negate, [a])
    pred = _string_predicate(positive)
    if negate:
        return lift("bool", lambda s, n: not pred(s, n), [a, b])
    return lift("bool", pred, [a, b])


def _unary(node, scope):
    e = compile_expr(node.operand, scope)
    if e.type not in NUMERIC and e.type not in ("timespan", "dynamic"):
        raise semantic(f"{scope.where()}unary '{node.op}' can't be applied to {e.type}")
    if node.op == "+":
        return e
    return lift(e.type, lambda x: -x if is_number(x) else None, [e])


def _member(node, scope):
    obj = compile_expr(node.obj, scope)
    if obj.type != "dynamic":
        raise semantic(f"{scope.where()}member access needs a dynamic value, not {obj.type}")
    key = node.key
    if isinstance(key, str):
        return lift("dynamic", lambda d: d.get(key) if isinstance(d, dict) else None, [obj])
    index = compile_expr(key, scope)

    def get(d, k):
        if isinstance(d, dict) and isinstance(k, str):
            return d.get(k)
        if isinstance(d, list) and isinstance(k, int) and not isinstance(k, bool):
            return d[k] if -len(d) <= k < len(d) else None
        return None
    return lift("dynamic", get, [obj, index])


def _in_list(node, scope):
    op = node.op
    left = compile_expr(node.left, scope)
    items = [compile_expr(i, scope) for i in node.items]
    if op in ("has_any", "has_all", "!has_any", "!has_all"):
        return _has_any(op, left, items, scope)
    insensitive = op.endswith("~")
    negate = op.startswith("!")
    if insensitive:
        left = as_text(left)
    for item in items:
        if item.type != "dynamic" and left.type != "dynamic" and category(item.type) != category(left.type):
            raise semantic(f"{scope.where()}'{op}': {left.type} can't be compared with {item.type}")
    if all(i.const for i in items):
        values = set()
        for item in items:
            for v in (item.value if isinstance(item.value, list) else [item.value]):
                if v is None:
                    continue
                if insensitive:
                    v = stringifier(item.type)(v).lower()
                elif isinstance(v, (list, dict)):
                    continue
                values.add(v)
        if left.type == "string":
            if insensitive:
                return lift("bool", lambda s: (s.lower() in values) != negate, [left])
            return lift("bool", lambda s: (s in values) != negate, [left])

        def member(x):
            if x is None or isinstance(x, (list, dict)):
                return None
            return (x in values) != negate
        return lift("bool", member, [left])

    def row_member(x, *vals):
        if x is None:
            return None
        flat = []
        for v in vals:
            flat.extend(v if isinstance(v, list) else [v])
        if insensitive:
            found = x.lower() in {dynamic_to_string(v).lower() for v in flat if v is not None}
        else:
            found = any(v == x for v in flat if v is not None)
        return found != negate
    return lift("bool", row_member, [left] + items)


def _has_any(op, left, items, scope):
    left = as_text(left)
    needles = []
    for item in items:
        if not item.const:
            raise semantic(f"{scope.where()}'{op}' needs constant values")
        for v in (item.value if isinstance(item.value, list) else [item.value]):
            if v is not None:
                needles.append(dynamic_to_string(v))
    regexes = [_term_regex(n, "has", False) for n in needles]
    quantifier = all if "all" in op else any
    negate = op.startswith("!")
    return lift("bool", lambda s: quantifier(r.search(s) is not None for r in regexes) != negate, [left])


def _between(node, scope):
    x = compile_expr(node.left, scope)
    low = compile_expr(node.low, scope)
    high = compile_expr(node.high, scope)
    if x.type == "datetime" and low.type == "datetime" and high.type == "timespan":
        high = _arith("+", low, high, scope)
    for bound in (low, high):
        _check_comparable("between", x, bound, scope)
    negate = node.negated

    def f(v, lo, hi):
        if v is None or lo is None or hi is None:
            return None
        try:
            return (lo <= v <= hi) != negate
        except TypeError:
            return None
    return lift("bool", f, [x, low, high])


# Conversions keep the name of what they convert: ``by tostring(Properties.Name)`` gives ``Properties_Name``.
NAME_KEEPING = frozenset(("tostring", "toint", "tolong", "todouble", "toreal", "tobool", "toboolean", "todatetime",
                          "totimespan", "totime", "todynamic", "toguid"))


def derive_name(node):
    """The column name KQL gives an unnamed expression: a column's own name, ``d_a`` for ``d.a``/``d['a']``,
    the converted expression's name for ``tostring(…)`` and other conversions, or None (the caller numbers it
    ``Column1`` …)."""
    if isinstance(node, ast.Name) and not node.name.startswith("$"):
        return node.name
    if isinstance(node, ast.Call) and node.name in NAME_KEEPING and len(node.args) == 1:
        return derive_name(node.args[0])
    if isinstance(node, ast.Member):
        base = derive_name(node.obj)
        if base is None:
            return None
        if isinstance(node.key, str):
            return f"{base}_{node.key}"
        if isinstance(node.key, ast.Literal) and node.key.value is not None:
            return f"{base}_{node.key.value}"
    return None
