"""Aggregation functions for ``summarize``.

From Microsoft Learn (Kusto Query Language): "summarize operator" (default values over an empty input: count,
countif, dcount, sum, stdev, variance 0; make_list/make_set ``[]``; all others null, and avg NaN because it divides
0 by 0; aggregates ignore nulls; a repeated output name gets a numeric suffix, ``set_y1``), the page of each
"<name>() (aggregation function)": default column names ``count_``, ``countif_``, ``sum_x``, ``avg_x``, ``min_x``,
``max_x``, ``dcount_x``, ``percentile_x_95``, ``list_x``, ``set_x``; ``arg_max(x, c1, …)`` returns the columns
``x, c1, …`` of the row that maximises ``x`` (``*`` returns every input column but the group keys; a group whose
``x`` is all null still returns one of its rows, Learn's null-handling example).  ``count(x)`` counts rows, null
``x`` included (Learn "summarize operator", last example).  ``percentile`` is computed by nearest rank: the
smallest value with at least P% of the values at or below it (Learn estimates it; exact here).  ``make_set`` of a
dynamic array adds the array's elements (Learn "make_set()", "Set from array column"); ``make_list`` keeps
values as they are.  Result types: count/countif/dcount long, avg/stdev/variance real, sum of int/long long and of
real real, min/max/percentile/take_any the input type, make_list/make_set dynamic.
"""

import math
from fractions import Fraction
from operator import itemgetter

from . import syntax as ast
from .errors import semantic
from .scalar import compile_expr, derive_name
from .values import NUMERIC, hashable, is_number


class AggSpec:
    """One aggregation: its output columns [(default name, type)] and ``compute(batch) -> [column, …]``, one value
    per group in each column."""

    __slots__ = ("outputs", "compute")

    def __init__(self, outputs, compute):
        self.outputs = outputs
        self.compute = compute


class Batch:
    """The rows of one summarize run and their groups (lists of row indexes).  Aggregations over the same
    expression share its evaluation and its per-group gathering (``count(), avg(x), percentile(x, 95)`` reads
    ``x`` once)."""

    def __init__(self, rows, groups):
        self.rows = rows
        self.groups = groups
        self._values = {}
        self._gathered = {}

    def _key(self, e):
        return ("col", e.col) if e.col is not None else id(e)

    def values(self, e):
        key = self._key(e)
        if key not in self._values:
            self._values[key] = e.eval(self.rows)
        return self._values[key]

    def gathered(self, e, pred=None):
        """Per group, the values of ``e`` (only where ``pred`` is true when given), nulls included."""
        if pred is not None:
            mask = self.values(pred)
            values = self.values(e)
            return [[values[i] for i in g if mask[i] is True] for g in self.groups]
        key = self._key(e)
        if key not in self._gathered:
            self._gathered[key] = gather(self.groups, self.values(e))
        return self._gathered[key]

    def present(self, e, pred=None):
        """Per group, the non-null values of ``e`` (a dynamic column keeps only its numbers when ``numbers``)."""
        lists = self.gathered(e, pred)
        if None not in self.values(e):
            return lists
        return [[v for v in vals if v is not None] for vals in lists]

    def numbers(self, e, pred=None):
        if e.type != "dynamic":
            return self.present(e, pred)
        return [[v for v in vals if is_number(v)] for vals in self.gathered(e, pred)]

    def filtered_groups(self, pred):
        mask = self.values(pred)
        return [[i for i in g if mask[i] is True] for g in self.groups]


def gather(groups, values):
    """``values`` split by group, as tuples (itemgetter does the indexing in C)."""
    out = []
    for g in groups:
        if len(g) > 1:
            out.append(itemgetter(*g)(values))
        elif g:
            out.append((values[g[0]],))
        else:
            out.append(())
    return out


class AggCtx:
    """What an aggregation builder sees: the input scope and the summarize's group-key names."""

    def __init__(self, scope, by_names):
        self.scope = scope
        self.by_names = by_names

    def error(self, node, message):
        return semantic(f"'summarize' operator: {node.name}(): {message}")

    def arg(self, node, i, types=None):
        e = compile_expr(node.args[i], self.scope)
        if types is not None and e.type not in types and e.type != "dynamic":
            raise self.error(node, f"argument {i + 1} must be of type {' or '.join(sorted(types))}, not {e.type}")
        return e

    def constant(self, node, i):
        e = compile_expr(node.args[i], self.scope)
        if not e.const or not is_number(e.value):
            raise self.error(node, f"argument {i + 1} must be a constant number")
        return e.value

    def predicate(self, node, i):
        p = self.arg(node, i)
        if p.type not in ("bool", "dynamic"):
            raise self.error(node, f"the predicate must be bool, not {p.type}")
        return p


def _name(prefix, node, i=0):
    derived = derive_name(node.args[i]) if len(node.args) > i else None
    return f"{prefix}_{derived or ''}"


def _arity(node, low, high, ctx):
    if not low <= len(node.args) <= high:
        raise ctx.error(node, f"takes {low}" + (f" to {high}" if high != low else "") + f" arguments, not {len(node.args)}")


# -- builders ------------------------------------------------------------------------------------------------
def _count(ctx, node):
    _arity(node, 0, 1, ctx)
    if node.args:
        ctx.arg(node, 0)
    name = _name("count", node) if node.args else "count_"
    return AggSpec([(name, "long")], lambda batch: [[len(g) for g in batch.groups]])


def _countif(ctx, node):
    _arity(node, 1, 1, ctx)
    pred = ctx.predicate(node, 0)
    return AggSpec([("countif_", "long")], lambda batch: [[len(g) for g in batch.filtered_groups(pred)]])


def _sum_type(ctx, node, e):
    if e.type in ("int", "long"):
        return "long"
    if e.type in ("real", "timespan"):
        return e.type
    if e.type == "dynamic":
        return "real"
    raise ctx.error(node, f"can't sum values of type {e.type}")


def _sum_of(nums, rtype):
    if rtype == "long":
        return sum(nums)
    return float(math.fsum(nums)) if nums else 0.0


def _sum(ctx, node, conditional=False):
    _arity(node, 2 if conditional else 1, 2 if conditional else 1, ctx)
    e = ctx.arg(node, 0)
    rtype = _sum_type(ctx, node, e)
    pred = ctx.predicate(node, 1) if conditional else None

    def compute(batch):
        return [[_sum_of(nums, rtype) for nums in batch.numbers(e, pred)]]
    return AggSpec([(_name("sumif" if conditional else "sum", node), rtype)], compute)


def _avg(ctx, node, conditional=False):
    _arity(node, 2 if conditional else 1, 2 if conditional else 1, ctx)
    e = ctx.arg(node, 0, NUMERIC)
    pred = ctx.predicate(node, 1) if conditional else None

    def mean(nums):
        # Learn "summarize operator": avg over no value is NaN (0 divided by 0).
        return math.fsum(nums) / len(nums) if nums else math.nan

    def compute(batch):
        return [[mean(nums) for nums in batch.numbers(e, pred)]]
    return AggSpec([(_name("avgif" if conditional else "avg", node), "real")], compute)


def _sort_key(v):
    if isinstance(v, bool):
        return (0, v)
    if is_number(v):
        return (1, v)
    if isinstance(v, str):
        return (2, v)
    return (3, str(hashable(v)))


def _extreme(pick, prefix, conditional=False):
    def build(ctx, node):
        _arity(node, 2 if conditional else 1, 2 if conditional else 1, ctx)
        e = ctx.arg(node, 0)
        pred = ctx.predicate(node, 1) if conditional else None
        key = _sort_key if e.type == "dynamic" else None

        def one(present):
            if not present:
                return None
            return pick(present, key=key) if key else pick(present)

        def compute(batch):
            return [[one(present) for present in batch.present(e, pred)]]
        return AggSpec([(_name(prefix, node), e.type)], compute)
    return build


def _dcount(ctx, node, conditional=False):
    low = 2 if conditional else 1
    _arity(node, low, low + 1, ctx)
    e = ctx.arg(node, 0)
    pred = ctx.predicate(node, 1) if conditional else None
    hashed = e.type == "dynamic"

    def compute(batch):
        if hashed:
            return [[len({hashable(v) for v in vals}) for vals in batch.present(e, pred)]]
        return [[len(set(vals)) for vals in batch.present(e, pred)]]
    return AggSpec([(_name("dcountif" if conditional else "dcount", node), "long")], compute)


def nearest_rank(values, p):
    """The smallest value with at least ``p`` percent of ``values`` at or below it (None for no values)."""
    return _ranker(p)(values)


def _ranker(p):
    # rank = ceil(p * n / 100) in exact integer arithmetic (p may be 99.9).
    share = Fraction(str(p)) / 100
    num, den = share.numerator, share.denominator

    def rank(values):
        n = len(values)
        if not n:
            return None
        ordered = sorted(values)
        r = -(-num * n // den)
        return ordered[min(max(r - 1, 0), n - 1)]
    return rank


def _percent_label(p):
    text = str(p)
    if isinstance(p, float) and p.is_integer():
        text = str(int(p))
    return text.replace(".", "_").replace("-", "_")


def _percentiles(ctx, node, single=True):
    if single:
        _arity(node, 2, 2, ctx)
    elif len(node.args) < 2:
        raise ctx.error(node, "needs a value and at least one percentage")
    e = ctx.arg(node, 0, NUMERIC | {"datetime", "timespan"})
    if e.type == "dynamic":
        raise ctx.error(node, "needs a numeric, datetime or timespan value, not dynamic")
    ps = [ctx.constant(node, i) for i in range(1, len(node.args))]
    for p in ps:
        if not 0 <= p <= 100:
            raise ctx.error(node, f"percentage {p} is not between 0 and 100")
    base = derive_name(node.args[0]) or ""
    outputs = [(f"percentile_{base}_{_percent_label(p)}", e.type) for p in ps]
    rankers = [_ranker(p) for p in ps]

    def compute(batch):
        lists = batch.present(e)
        return [[rank(vals) for vals in lists] for rank in rankers]
    return AggSpec(outputs, compute)


def _make(kind, conditional=False):
    def build(ctx, node):
        low = 2 if conditional else 1
        _arity(node, low, low + 1, ctx)
        e = ctx.arg(node, 0)
        pred = ctx.predicate(node, 1) if conditional else None
        limit = int(ctx.constant(node, low)) if len(node.args) > low else 1048576

        def collect(present):
            if kind == "list":
                return list(present[:limit])
            seen, out = set(), []
            for v in present:
                for item in (v if isinstance(v, list) else [v]):
                    if item is None:
                        continue
                    k = hashable(item)
                    if k not in seen and len(out) < limit:
                        seen.add(k)
                        out.append(item)
            return out

        def compute(batch):
            return [[collect(present) for present in batch.present(e, pred)]]
        return AggSpec([(_name(kind, node), "dynamic")], compute)
    return build


def _arg_extreme(maximise):
    def build(ctx, node):
        if len(node.args) < 2:
            raise ctx.error(node, "needs the expression to optimise and at least one column or '*'")
        target = ctx.arg(node, 0)
        target_name = derive_name(node.args[0]) or ("max_" if maximise else "min_")
        outputs = [(target_name, target.type)]
        exprs = []
        for i, a in enumerate(node.args[1:], start=1):
            if isinstance(a, ast.Star):
                for j, (name, kql_type) in enumerate(ctx.scope.columns):
                    if name in ctx.by_names or name == target_name:
                        continue
                    outputs.append((name, kql_type))
                    exprs.append(("col", j))
            else:
                e = ctx.arg(node, i)
                outputs.append((derive_name(a) or f"{node.name}_arg{i}", e.type))
                exprs.append(("expr", e))
        better = (lambda v, best: v > best) if maximise else (lambda v, best: v < best)

        def compute(batch):
            values = batch.values(target)
            rows = batch.rows
            picks = []
            for g in batch.groups:
                pick, best = (g[0] if g else None), None
                for i in g:
                    v = values[i]
                    if v is None:
                        continue
                    try:
                        if best is None or better(v, best):
                            pick, best = i, v
                    except TypeError:
                        continue
                picks.append(pick)
            columns = [[None if p is None else values[p] for p in picks]]
            for kind, what in exprs:
                if kind == "col":
                    columns.append([None if p is None else rows[p][what] for p in picks])
                else:
                    vals = batch.values(what)
                    columns.append([None if p is None else vals[p] for p in picks])
            return columns
        return AggSpec(outputs, compute)
    return build


def _take_any(ctx, node):
    _arity(node, 1, 1, ctx)
    e = ctx.arg(node, 0)

    def first(present):
        for v in present:
            if v != "":
                return v
        return None
    return AggSpec([(_name("any", node), e.type)], lambda batch: [[first(present) for present in batch.present(e)]])


def _spread(kind):
    def build(ctx, node):
        _arity(node, 1, 1, ctx)
        e = ctx.arg(node, 0, NUMERIC)

        def one(nums):
            if len(nums) < 2:
                return 0.0
            mean = math.fsum(nums) / len(nums)
            var = math.fsum((x - mean) ** 2 for x in nums) / (len(nums) - 1)
            return math.sqrt(var) if kind == "stdev" else var
        return AggSpec([(_name(kind, node), "real")], lambda batch: [[one(nums) for nums in batch.numbers(e)]])
    return build


AGGREGATES = {
    "count": _count,
    "countif": _countif,
    "sum": _sum,
    "sumif": lambda ctx, node: _sum(ctx, node, conditional=True),
    "avg": _avg,
    "avgif": lambda ctx, node: _avg(ctx, node, conditional=True),
    "min": _extreme(min, "min"),
    "max": _extreme(max, "max"),
    "minif": _extreme(min, "minif", conditional=True),
    "maxif": _extreme(max, "maxif", conditional=True),
    "dcount": _dcount,
    "dcountif": lambda ctx, node: _dcount(ctx, node, conditional=True),
    "percentile": _percentiles,
    "percentiles": lambda ctx, node: _percentiles(ctx, node, single=False),
    "make_list": _make("list"),
    "make_list_if": _make("list", conditional=True),
    "make_set": _make("set"),
    "make_set_if": _make("set", conditional=True),
    "arg_max": _arg_extreme(True),
    "arg_min": _arg_extreme(False),
    "take_any": _take_any,
    "any": _take_any,
    "stdev": _spread("stdev"),
    "variance": _spread("variance"),
}


def build(ctx, node):
    return AGGREGATES[node.name](ctx, node)
