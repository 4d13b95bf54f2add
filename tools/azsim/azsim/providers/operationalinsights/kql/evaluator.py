"""Binds a parsed query to its tables and runs it: each tabular node becomes a Plan (output columns with KQL types,
and a ``run()`` producing the rows as tuples).  Binding checks every name and type before any row is read, so a
semantic error never follows half a query's work.

Operator semantics, from Microsoft Learn (Kusto Query Language, "<name> operator" pages):
* where: keeps rows whose predicate is true; a null predicate drops the row ("Null values", where operator).
* project: output in argument order; an unnamed expression is ``Column1``, ``Column2`` …; project-away drops
  names and ``prefix*`` wildcards keeping the input order; project-keep keeps them; project-rename renames.
* extend: appends columns; an existing name is replaced and moved to the end; later items see earlier ones.
* render: a visualisation hint for clients; it does not change rows.
summarize.py binds summarize, combine.py join and union.  Order of rows after summarize, distinct, join and
union is unspecified in KQL; azsim keeps first-seen order.
"""

import fnmatch
from operator import itemgetter

from . import syntax as ast
from .combine import bind_join, bind_union
from .errors import NOT_TABULAR, SEMANTIC, UNRESOLVED, KqlError, semantic, unresolved, unsupported
from .scalar import CExpr, Scope, category, compile_expr, derive_name
from .summarize import bind_summarize
from .tabular import Plan, pick, unique_name
from .values import canonical_type, hashable


class LetTable:
    __slots__ = ("node", "lets")

    def __init__(self, node, lets):
        self.node, self.lets = node, lets


class Binder:
    def __init__(self, tables, now):
        self.tables = tables
        self.now = now
        self._tables = {}

    # -- statements ------------------------------------------------------------------------------------------
    def query(self, q):
        lets = {}
        for let in q.lets:
            lets = dict(lets)
            lets[let.name] = self.let_value(let.value, lets)
        return self.tabular(q.body, lets)

    def let_value(self, node, lets):
        if isinstance(node, ast.TABULAR):
            return LetTable(node, lets)
        if isinstance(node, ast.Name) and not isinstance(lets.get(node.name), CExpr):
            if node.name in lets:
                return lets[node.name]
            if self.table(node.name) is not None:
                return LetTable(ast.TableRef(node.pos, node.name), lets)
        value = compile_expr(node, Scope([], lets, self.now, None))
        if not value.const:
            raise semantic("A let statement's value must not depend on a row")
        return value

    def table(self, name):
        if name not in self._tables:
            t = self.tables(name)
            if t is None:
                self._tables[name] = None
            else:
                self._tables[name] = [t, None]
        return self._tables[name]

    # -- tabular expressions ---------------------------------------------------------------------------------
    def tabular(self, node, lets):
        kind = type(node)
        if kind is ast.TableRef:
            return self.table_ref(node, lets)
        if kind is ast.Pipeline:
            plan = self.tabular(node.source, lets)
            for op in node.ops:
                plan = self.operator(op, plan, lets)
            return plan
        if kind is ast.Union:
            return bind_union([self.tabular(leg, lets) for leg in node.legs], node)
        if kind is ast.Print:
            return self.print_(node, lets)
        if kind is ast.DataTable:
            return self.datatable(node, lets)
        raise semantic("The query's result is not tabular", NOT_TABULAR)

    def table_ref(self, node, lets):
        bound = lets.get(node.name)
        if isinstance(bound, LetTable):
            plan = self.tabular(bound.node, bound.lets)
            return Plan(plan.columns, plan.run, node.name)
        if isinstance(bound, CExpr):
            raise semantic(f"'{node.name}' is a scalar value, not a table: the query's result is not tabular", NOT_TABULAR)
        entry = self.table(node.name)
        if entry is None:
            raise KqlError(SEMANTIC, UNRESOLVED, f"Failed to resolve table or column expression named '{node.name}'")
        table = entry[0]
        columns = [(str(n), canonical_type(t)) for n, t in table.columns]

        def run():
            if entry[1] is None:
                entry[1] = normalise(table.rows, columns)
            return entry[1]
        return Plan(columns, run, node.name)

    def print_(self, node, lets):
        scope = Scope([], lets, self.now, "print")
        columns, values = [], []
        for k, (name, expr) in enumerate(node.items):
            e = compile_expr(expr, scope)
            name = name or derive_name(expr) or f"print_{k}"
            columns.append((unique_name(name, {c for c, _unused in columns}), e.type))
            values.append(e.value)
        row = tuple(values)
        return Plan(columns, lambda: [row])

    def datatable(self, node, lets):
        try:
            columns = [(n, canonical_type(t)) for n, t in node.columns]
        except ValueError as err:
            raise semantic(f"'datatable' operator: {err}") from None
        scope = Scope([], lets, self.now, "datatable")
        cells = [compile_expr(v, scope) for v in node.values]
        if len(cells) % len(columns):
            raise semantic("'datatable' operator: the number of values is not a multiple of the number of columns")
        values = []
        for i, cell in enumerate(cells):
            target = columns[i % len(columns)][1]
            if cell.type != target and not (category(cell.type) == category(target) == "number"):
                raise semantic(f"'datatable' operator: value {i + 1} is a {cell.type}, its column is {target}")
            v = cell.value
            if target == "real" and v is not None:
                v = float(v)
            values.append(v)
        width = len(columns)
        rows = [tuple(values[i:i + width]) for i in range(0, len(values), width)]
        return Plan(columns, lambda: rows)

    # -- operators -------------------------------------------------------------------------------------------
    def operator(self, op, plan, lets):
        handler = getattr(self, "op_" + op.name.replace("-", "_"), None)
        if handler is None:
            raise unsupported(f"The '{op.name}' operator")
        return handler(op, plan, lets)

    def scope(self, plan, lets, operator):
        return Scope(plan.columns, lets, self.now, operator)

    def op_where(self, op, plan, lets):
        pred = compile_expr(op.args["predicate"], self.scope(plan, lets, op.name))
        if pred.type not in ("bool", "dynamic"):
            raise semantic(f"'{op.name}' operator: the predicate must be of type bool, not {pred.type}")
        inner = plan.run
        if pred.const:
            keep = pred.value is True
            return Plan(plan.columns, lambda: inner() if keep else [])

        def run():
            rows = inner()
            # Learn "where operator" / "Null values": only a true predicate keeps the row, null drops it.
            return [r for r, m in zip(rows, pred.fn(rows), strict=True) if m is True]
        return Plan(plan.columns, run)

    op_filter = op_where

    def _named_items(self, op, items, scope):
        out, counter = [], 0
        for name, node in items:
            if isinstance(name, tuple):
                raise semantic(f"'{op.name}' operator: a tuple of names is only valid for multi-column aggregations")
            e = compile_expr(node, scope)
            if name is None:
                name = derive_name(node)
            if name is None:
                counter += 1
                while f"Column{counter}" in {n for n, _unused in out}:
                    counter += 1
                name = f"Column{counter}"
            out.append((name, e))
        return out

    def op_project(self, op, plan, lets):
        scope = self.scope(plan, lets, op.name)
        items = self._named_items(op, op.args["items"], scope)
        names = [n for n, _unused in items]
        for n in names:
            if names.count(n) > 1:
                raise semantic(f"'project' operator: the column '{n}' is projected more than once")
        columns = [(n, e.type) for n, e in items]
        inner = plan.run
        if all(e.col is not None for _unused, e in items):
            indexes = [e.col for _unused, e in items]
            return Plan(columns, lambda: pick(inner(), indexes))
        exprs = [e for _unused, e in items]

        def run():
            rows = inner()
            if not rows:
                return []
            return list(zip(*[e.eval(rows) for e in exprs], strict=True))
        return Plan(columns, run)

    def op_extend(self, op, plan, lets):
        columns = list(plan.columns)
        steps = []
        counter = 0
        for name, node in op.args["items"]:
            if isinstance(name, tuple):
                raise semantic("'extend' operator: a tuple of names is only valid for multi-column aggregations")
            e = compile_expr(node, Scope(columns, lets, self.now, "extend"))
            if name is None:
                name = derive_name(node)
                if name is None:
                    counter += 1
                    while f"Column{counter}" in {n for n, _unused in columns}:
                        counter += 1
                    name = f"Column{counter}"
            names = [n for n, _unused in columns]
            if name in names:
                # Learn "extend operator": an existing column of that name is replaced, and now comes last.
                i = names.index(name)
                keep = [j for j in range(len(columns)) if j != i]
                columns = [columns[j] for j in keep] + [(name, e.type)]
            else:
                keep = None
                columns = columns + [(name, e.type)]
            steps.append((e, keep))
        inner = plan.run

        def run():
            rows = inner()
            for e, keep in steps:
                values = e.eval(rows)
                if keep is None:
                    rows = [r + (v,) for r, v in zip(rows, values, strict=True)]
                else:
                    rows = [r + (v,) for r, v in zip(pick(rows, keep), values, strict=True)]
            return rows
        return Plan(columns, run)

    def op_mv_expand(self, op, plan, lets):
        """Learn "mv-expand operator": each array element (or bag entry) of the expanded values becomes a row, the other
        columns repeated; several expressions expand in parallel, the shorter padded with null; a null value gives one row
        (null), an empty array or bag none.  ``kind=bag`` (default) turns a bag entry into a one-entry bag, ``kind=array``
        into ``[key, value]``.  The expanded column is dynamic unless ``to typeof(T)`` casts it (non-conforming elements
        become null); ``with_itemindex`` adds the 0-based index (long); ``limit`` caps the rows of one input row."""
        scope = self.scope(plan, lets, "mv-expand")
        columns = list(plan.columns)
        targets = []
        for name, node, to_type in op.args["items"]:
            if isinstance(name, tuple):
                raise semantic("'mv-expand' operator: a tuple of names is not valid here")
            e = compile_expr(node, scope)
            if e.type != "dynamic":
                raise semantic(f"'mv-expand' operator: the expanded expression must be dynamic, not {e.type}")
            if name is None:
                name = derive_name(node)
            if name is None:
                raise semantic("'mv-expand' operator: an expanded expression needs a name (Name = expression)")
            kql_type = canonical_type(to_type) if to_type else "dynamic"
            names = [n for n, _unused in columns]
            if name in names:
                slot = names.index(name)
                columns[slot] = (name, kql_type)
            else:
                slot = len(columns)
                columns.append((name, kql_type))
            targets.append((e, slot, _conform(kql_type)))
        index = op.args["index"]
        if index is not None:
            columns.append((index, "long"))
        limit = None
        if op.args["limit"] is not None:
            lim = compile_expr(op.args["limit"], Scope([], lets, self.now, "mv-expand"))
            if not lim.const or lim.type not in ("int", "long"):
                raise semantic("'mv-expand' operator: limit must be a constant integer")
            limit = lim.value
        as_array = op.args["kind"] == "array"
        width = len(columns) - (1 if index is not None else 0)
        inner = plan.run

        def items(v):
            if v is None:
                return [None]
            if isinstance(v, list):
                return v
            if isinstance(v, dict):
                return [[k, x] for k, x in v.items()] if as_array else [{k: x} for k, x in v.items()]
            return [v]

        def run():
            rows = inner()
            if not rows:
                return []
            values = [e.eval(rows) for e, _slot, _conv in targets]
            out = []
            for r, vals in zip(rows, zip(*values, strict=True), strict=True):
                lists = [items(v) for v in vals]
                n = max(len(x) for x in lists)
                if limit is not None:
                    n = min(n, limit)
                base = list(r) + [None] * (width - len(r))
                for k in range(n):
                    row = list(base)
                    for (_e, slot, conv), lst in zip(targets, lists, strict=True):
                        row[slot] = conv(lst[k]) if k < len(lst) else None
                    if index is not None:
                        row.append(k)
                    out.append(tuple(row))
            return out
        return Plan(columns, run)

    def _match(self, op, patterns, plan):
        names = [n for n, _unused in plan.columns]
        matched = set()
        for p in patterns:
            hits = [n for n in names if fnmatch.fnmatchcase(n, p)]
            if not hits and "*" not in p:
                raise unresolved(op.name, p)
            matched.update(hits)
        return matched

    def op_project_away(self, op, plan, lets):
        matched = self._match(op, op.args["patterns"], plan)
        keep = [i for i, (n, _unused) in enumerate(plan.columns) if n not in matched]
        inner = plan.run
        return Plan([plan.columns[i] for i in keep], lambda: pick(inner(), keep))

    def op_project_keep(self, op, plan, lets):
        matched = self._match(op, op.args["patterns"], plan)
        keep = [i for i, (n, _unused) in enumerate(plan.columns) if n in matched]
        inner = plan.run
        return Plan([plan.columns[i] for i in keep], lambda: pick(inner(), keep))

    def op_project_rename(self, op, plan, lets):
        columns = list(plan.columns)
        for new, old in op.args["pairs"]:
            names = [n for n, _unused in columns]
            if old not in names:
                raise unresolved(op.name, old)
            if new in names and new != old:
                raise semantic(f"'project-rename' operator: a column named '{new}' already exists")
            i = names.index(old)
            columns[i] = (new, columns[i][1])
        return Plan(columns, plan.run)

    def op_take(self, op, plan, lets):
        n = self._count(op, op.args["count"], lets)
        inner = plan.run
        return Plan(plan.columns, lambda: inner()[:n])

    op_limit = op_take

    def _count(self, op, node, lets):
        e = compile_expr(node, Scope([], lets, self.now, op.name))
        if not e.const or e.type not in ("int", "long") or e.value is None or e.value < 0:
            raise semantic(f"'{op.name}' operator: the row count must be a constant non-negative integer")
        return e.value

    def op_count(self, op, plan, lets):
        inner = plan.run
        return Plan([("Count", "long")], lambda: [(len(inner()),)])

    def op_render(self, op, plan, lets):
        return plan

    def op_distinct(self, op, plan, lets):
        inner = plan.run
        if op.args["columns"] is None:
            indexes = list(range(len(plan.columns)))
        else:
            indexes = []
            for node in op.args["columns"]:
                if not isinstance(node, ast.Name):
                    raise semantic("'distinct' operator: only column names are supported")
                i = Scope(plan.columns, lets, self.now, "distinct").index.get(node.name)
                if i is None:
                    raise unresolved("distinct", node.name)
                indexes.append(i)
        columns = [plan.columns[i] for i in indexes]
        dynamic = any(t == "dynamic" for _unused, t in columns)

        def run():
            rows = pick(inner(), indexes)
            if not dynamic:
                return list(dict.fromkeys(rows))
            seen = {}
            for r in rows:
                seen.setdefault(tuple(hashable(v) for v in r), r)
            return list(seen.values())
        return Plan(columns, run)

    # sort / order / top ------------------------------------------------------------------------------------
    def _sort_keys(self, op, plan, lets):
        scope = self.scope(plan, lets, op.name)
        keys = []
        for node, desc, nulls in op.args["keys"]:
            e = compile_expr(node, scope)
            nulls_first = (nulls == "first") if nulls else not desc
            keys.append((e, desc, nulls_first))
        return keys

    def op_sort(self, op, plan, lets):
        keys = self._sort_keys(op, plan, lets)
        inner = plan.run
        return Plan(plan.columns, lambda: sort_rows(inner(), keys))

    op_order = op_sort

    def op_top(self, op, plan, lets):
        n = self._count(op, op.args["count"], lets)
        keys = self._sort_keys(op, plan, lets)
        inner = plan.run
        return Plan(plan.columns, lambda: sort_rows(inner(), keys)[:n])

    # summarize ---------------------------------------------------------------------------------------------
    def op_summarize(self, op, plan, lets):
        return bind_summarize(self, op, plan, lets)

    def op_join(self, op, plan, lets):
        return bind_join(self, op, plan, lets)

    def op_union(self, op, plan, lets):
        u = op.args["union"]
        return bind_union([plan] + [self.tabular(leg, lets) for leg in u.legs], u)


def _conform(kql_type):
    """The ``to typeof(T)`` of mv-expand: a cast, not a conversion; elements of another type become null."""
    if kql_type == "dynamic":
        return lambda v: v
    if kql_type in ("string", "guid"):
        return lambda v: v if isinstance(v, str) else ("" if kql_type == "string" else None)
    if kql_type in ("int", "long"):
        return lambda v: v if isinstance(v, int) and not isinstance(v, bool) else None
    if kql_type == "real":
        return lambda v: float(v) if isinstance(v, (int, float)) and not isinstance(v, bool) else None
    if kql_type == "bool":
        return lambda v: v if isinstance(v, bool) else None
    return lambda v: None


def _null_key(desc, nulls_first):
    """Sort key for a nullable column: places None first or last whatever the direction (Learn "sort operator":
    nulls last by default when descending, first when ascending)."""
    if nulls_first != desc:
        return lambda v: (v is not None, v)
    return lambda v: (v is None, v)


def _dynamic_key(v):
    if isinstance(v, bool):
        return (0, v)
    if isinstance(v, (int, float)):
        return (1, v)
    if isinstance(v, str):
        return (2, v)
    return (3, str(hashable(v)))


def sort_rows(rows, keys):
    """Stable multi-key sort: the least significant key first, each with its own direction and null placement."""
    order = list(range(len(rows)))
    for e, desc, nulls_first in reversed(keys):
        values = e.eval(rows)
        if e.type == "string" or (e.type != "dynamic" and None not in values):
            order.sort(key=values.__getitem__, reverse=desc)
            continue
        wrap = _null_key(desc, nulls_first)
        if e.type == "dynamic":
            order.sort(key=lambda i: wrap(None if values[i] is None else _dynamic_key(values[i])), reverse=desc)
        else:
            order.sort(key=lambda i: wrap(values[i]), reverse=desc)
    return [rows[i] for i in order]


def normalise(rows, columns):
    """Input rows as tuples, a None in a string column read as "" (Learn "Null values": strings have no null)."""
    out = list(map(tuple, rows))
    strings = [i for i, (_unused, t) in enumerate(columns) if t == "string"]
    if strings:
        getters = [(i, itemgetter(i)) for i in strings]
        for i, getter in getters:
            if None in map(getter, out):
                out = [r[:i] + ("",) + r[i + 1:] if r[i] is None else r for r in out]
    return out


def sanitise(columns, rows):
    """Result rows as lists; a string column never carries None."""
    strings = [i for i, (_unused, t) in enumerate(columns) if t == "string"]
    out = [list(r) for r in rows]
    for i in strings:
        for r in out:
            if r[i] is None:
                r[i] = ""
    return out


def execute(query, tables, now):
    plan = Binder(tables, now).query(query)
    rows = plan.run()
    return plan.columns, sanitise(plan.columns, rows)
