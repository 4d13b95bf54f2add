"""``summarize``: group-key columns first, then the aggregations (Learn "summarize operator").

No ``by`` gives exactly one row, even over no input (each aggregation's default value); ``by`` over no input gives
no rows; ``by bin(TimeGenerated, 1h)`` keeps the name ``TimeGenerated``; a repeated output name gets a numeric
suffix (``count_1``); an aggregation may sit inside an expression (``100.0 * countif(p) / count()``); group keys
of type dynamic are refused, as Kusto refuses them (it asks for an explicit conversion).
"""

from . import syntax as ast
from .aggregates import AGGREGATES, AggCtx, Batch
from .aggregates import build as build_aggregate
from .errors import semantic
from .scalar import Scope, column, compile_expr, derive_name
from .tabular import Plan, unique_name


def bind_summarize(binder, op, plan, lets):
    scope = binder.scope(plan, lets, "summarize")
    by, used = [], set()
    counter = 0
    for name, node in op.args["by"]:
        if isinstance(name, tuple):
            raise semantic("'summarize' operator: a group key takes a single name")
        e = compile_expr(node, scope)
        if e.type == "dynamic":
            raise semantic(f"'summarize' operator: the group key '{name or derive_by_name(node) or 'expression'}' is of type "
                           "dynamic; convert it explicitly (tostring(), tolong() …)")
        if name is None:
            name = derive_by_name(node)
            if name is None:
                counter += 1
                name = f"Column{counter}"
        name = unique_name(name, used)
        used.add(name)
        by.append((name, e))
    ctx = AggCtx(scope, {n for n, _unused in by})
    outputs = []        # (name, type)
    producers = []      # ("agg", AggSpec) | ("expr", [AggSpec], CExpr)
    for names, node in op.args["aggs"]:
        if isinstance(node, ast.Call) and node.name in AGGREGATES:
            spec = build_aggregate(ctx, node)
            if isinstance(names, tuple):
                if len(names) != len(spec.outputs):
                    raise semantic(f"'summarize' operator: {node.name}() gives {len(spec.outputs)} columns, "
                                   f"{len(names)} names were given")
                wanted = list(names)
            elif names is not None:
                if len(spec.outputs) != 1:
                    raise semantic(f"'summarize' operator: name the {len(spec.outputs)} columns of {node.name}() as a tuple: (a, b) = …")
                wanted = [names]
            else:
                wanted = [n for n, _unused in spec.outputs]
            for w, (_unused, kql_type) in zip(wanted, spec.outputs, strict=True):
                w = unique_name(w, used)
                used.add(w)
                outputs.append((w, kql_type))
            producers.append(("agg", spec))
            continue
        if isinstance(names, tuple):
            raise semantic("'summarize' operator: a tuple of names needs a multi-column aggregation")
        hidden = []
        outer = Scope([], lets, binder.now, "summarize", aggregate=_hidden_aggregate(ctx, hidden))
        e = compile_expr(node, outer)
        if not hidden:
            raise semantic("'summarize' operator: each aggregation must contain an aggregation function such as count()")
        if names is None:
            counter += 1
            names = f"Column{counter}"
        name = unique_name(names, used)
        used.add(name)
        outputs.append((name, e.type))
        producers.append(("expr", hidden, e))
    key_exprs = [e for _unused, e in by]
    string_outputs = [len(by) + i for i, (_unused, t) in enumerate(outputs) if t == "string"]
    inner = plan.run

    def run():
        rows = inner()
        if key_exprs:
            keys = key_exprs[0].eval(rows) if len(key_exprs) == 1 else list(zip(*[e.eval(rows) for e in key_exprs], strict=True))
            groups = {}
            for i, k in enumerate(keys):
                g = groups.get(k)
                if g is None:
                    groups[k] = [i]
                else:
                    g.append(i)
            if not groups:
                return []
            group_lists = list(groups.values())
            key_columns = [list(groups)] if len(key_exprs) == 1 else [list(c) for c in zip(*groups, strict=True)]
        else:
            group_lists = [list(range(len(rows)))]
            key_columns = []
        batch = Batch(rows, group_lists)
        columns = list(key_columns)
        for producer in producers:
            if producer[0] == "agg":
                columns.extend(producer[1].compute(batch))
            else:
                _unused, hidden, e = producer
                hidden_rows = list(zip(*[spec.compute(batch)[0] for spec in hidden], strict=True))
                columns.append(e.eval(hidden_rows))
        for i in string_outputs:
            # min/max/take_any/arg_max of no string value: a string has no null, it is "".
            columns[i] = ["" if v is None else v for v in columns[i]]
        return list(zip(*columns, strict=True))
    return Plan([(n, e.type) for n, e in by] + outputs, run)


def _hidden_aggregate(ctx, hidden):
    """Compiles an aggregation inside a summarize expression (``100.0 * countif(p) / count()``): the aggregation
    is appended to ``hidden`` and read back as a column of the per-group row of hidden results."""
    def aggregate(call):
        spec = build_aggregate(ctx, call)
        if len(spec.outputs) != 1:
            raise semantic(f"'summarize' operator: {call.name}() gives several columns and can't be used inside an expression")
        hidden.append(spec)
        return column(spec.outputs[0][1], len(hidden) - 1)
    return aggregate


def derive_by_name(node):
    """Name of an unnamed group key: ``bin(x, …)``/``floor(x, …)`` keep the name of ``x`` (Learn "summarize
    operator": ``by bin(TimeGenerated, 1h)`` gives column ``TimeGenerated``)."""
    if isinstance(node, ast.Call) and node.name in ("bin", "floor", "bin_at") and node.args:
        return derive_name(node.args[0])
    return derive_name(node)
