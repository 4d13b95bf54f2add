"""What every tabular operator produces: a Plan (the output columns with their KQL types, and ``run()`` giving
the rows as tuples), plus the small row helpers the operators share."""

from operator import itemgetter


class Plan:
    __slots__ = ("columns", "run", "source")

    def __init__(self, columns, run, source=None):
        self.columns = columns      # [(name, kql type)]
        self.run = run              # () -> [tuple]
        self.source = source        # table name, for union withsource


def pick(rows, indexes):
    """Rows reduced to the columns at ``indexes`` (tuples, in that order)."""
    if not indexes:
        return [() for _unused in rows]
    if len(indexes) == 1:
        i = indexes[0]
        return [(r[i],) for r in rows]
    return list(map(itemgetter(*indexes), rows))


def unique_name(name, used):
    if name not in used:
        return name
    k = 1
    while f"{name}{k}" in used:
        k += 1
    return f"{name}{k}"
