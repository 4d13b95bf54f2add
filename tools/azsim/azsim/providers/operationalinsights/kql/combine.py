"""``join`` and ``union`` (Learn "join operator", "union operator").

join: kinds innerunique (the default: the left side deduplicated on the key, then inner), inner, leftouter,
rightouter, fullouter, leftsemi, leftanti, rightsemi, rightanti; ``on Key`` or ``on $left.A == $right.B``, several
conditions joined with ``,`` or ``and``; right-side names that clash get a numeric suffix (``Key1``); null keys
never match (azsim's reading of Learn "Null values": null == null is null, not true).

union: kind outer (the default: every column, missing cells null, or "" for a string) or inner (the columns
common to every leg); a name that comes with different types becomes ``name_type`` per type (``x_long``,
``x_int``), de-duplicated with a numeric suffix (Learn's ``x_long1`` example); ``withsource=Col`` adds the leg's
table name (``union_argN`` for a sub-query leg) as the first column.
"""

from operator import itemgetter

from .errors import semantic, unresolved, unsupported
from .scalar import category
from .tabular import Plan, unique_name
from .values import null_of

JOIN_KINDS = frozenset(("innerunique", "inner", "leftouter", "rightouter", "fullouter", "leftsemi", "leftanti", "leftantisemi",
                        "anti", "rightsemi", "rightanti", "rightantisemi"))


def bind_join(binder, op, plan, lets):
    kind = op.args["kind"]
    if kind not in JOIN_KINDS:
        raise unsupported(f"'join' operator: kind={kind}")
    kind = {"anti": "leftanti", "leftantisemi": "leftanti", "rightantisemi": "rightanti"}.get(kind, kind)
    right = binder.tabular(op.args["right"], lets)
    lnames = {n: i for i, (n, _unused) in reversed(list(enumerate(plan.columns)))}
    rnames = {n: i for i, (n, _unused) in reversed(list(enumerate(right.columns)))}
    li, ri = [], []
    for lname, rname, _pos in op.args["on"]:
        if lname not in lnames:
            raise unresolved("join", lname)
        if rname not in rnames:
            raise unresolved("join", rname)
        lt, rt = plan.columns[lnames[lname]][1], right.columns[rnames[rname]][1]
        if category(lt) != category(rt):
            raise semantic(f"'join' operator: the key '{lname}' is {lt} on the left and {rt} on the right")
        li.append(lnames[lname])
        ri.append(rnames[rname])
    if kind in ("leftsemi", "leftanti"):
        columns = list(plan.columns)
    elif kind in ("rightsemi", "rightanti"):
        columns = list(right.columns)
    else:
        used = {n for n, _unused in plan.columns}
        columns = list(plan.columns)
        for n, t in right.columns:
            n = unique_name(n, used)
            used.add(n)
            columns.append((n, t))
    lnull = tuple(null_of(t) for _unused, t in plan.columns)
    rnull = tuple(null_of(t) for _unused, t in right.columns)
    lkey = _key_getter(li)
    rkey = _key_getter(ri)
    left_run, right_run = plan.run, right.run

    def run():
        lrows, rrows = left_run(), right_run()
        index = {}
        for r in rrows:
            k = rkey(r)
            if k is not None:
                index.setdefault(k, []).append(r)
        if kind == "innerunique":
            seen = {}
            for r in lrows:
                k = lkey(r)
                if k is not None and k not in seen:
                    seen[k] = r
            lrows = list(seen.values())
        out = []
        if kind in ("leftsemi", "leftanti"):
            want = kind == "leftsemi"
            return [r for r in lrows if (lkey(r) in index) == want]
        if kind in ("rightsemi", "rightanti"):
            lkeys = {lkey(r) for r in lrows} - {None}
            want = kind == "rightsemi"
            return [r for r in rrows if (rkey(r) in lkeys) == want]
        matched_right = set()
        for r in lrows:
            matches = index.get(lkey(r))
            if matches:
                for m in matches:
                    out.append(r + m)
                if kind in ("rightouter", "fullouter"):
                    matched_right.add(lkey(r))
            elif kind in ("leftouter", "fullouter"):
                out.append(r + rnull)
        if kind in ("rightouter", "fullouter"):
            for m in rrows:
                k = rkey(m)
                if k is None or k not in matched_right:
                    out.append(lnull + m)
        return out
    return Plan(columns, run)


def bind_union(plans, node):
    types_by_name = {}
    for p in plans:
        for n, t in p.columns:
            types_by_name.setdefault(n, [])
            if t not in types_by_name[n]:
                types_by_name[n].append(t)
    if node.kind == "inner":
        common = [(n, t) for n, t in plans[0].columns
                  if all((n, t) in p.columns for p in plans[1:])]
        slots = common
        names = [n for n, _unused in common]
    else:
        slots, seen = [], set()
        for p in plans:
            for n, t in p.columns:
                if (n, t) not in seen:
                    seen.add((n, t))
                    slots.append((n, t))
        reserved = {n for n, ts in types_by_name.items() if len(ts) == 1}
        names, used = [], set()
        for n, t in slots:
            if len(types_by_name[n]) == 1:
                name = n
            else:
                name = unique_name(f"{n}_{t}", used | reserved)
            used.add(name)
            names.append(name)
    columns = [(name, t) for name, (_unused, t) in zip(names, slots, strict=True)]
    position = {slot: i for i, slot in enumerate(slots)}
    withsource = node.withsource
    if withsource:
        columns = [(unique_name(withsource, {n for n, _unused in columns}), "string")] + columns
    legs = []
    for k, p in enumerate(plans):
        width = len(p.columns)
        # Each output cell reads from the leg's row extended with (null, "", leg name).
        sources = [width + (1 if slot_type == "string" else 0) for _unused, slot_type in slots]
        for i, (n, t) in enumerate(p.columns):
            if (n, t) in position:
                sources[position[(n, t)]] = i
        if withsource:
            sources = [width + 2] + sources
        legs.append((p.run, sources, (None, "", p.source or f"union_arg{k}")))

    def run():
        out = []
        for leg_run, sources, pad in legs:
            rows = leg_run()
            if len(sources) == 1:
                s = sources[0]
                out.extend((r + pad)[s:s + 1] for r in rows)
            elif sources:
                getter = itemgetter(*sources)
                out.extend(getter(r + pad) for r in rows)
            else:
                out.extend(() for _unused in rows)
        return out
    return Plan(columns, run)


def _key_getter(indexes):
    """Join key of a row: the value (or tuple of values); None when any part is null (null keys never match)."""
    if len(indexes) == 1:
        i = indexes[0]
        return lambda r: r[i]
    getter = itemgetter(*indexes)

    def key(r):
        k = getter(r)
        return None if None in k else k
    return key
