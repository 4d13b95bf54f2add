"""A self-contained engine for the subset of the Kusto Query Language (KQL) that azsim's Log Analytics query API
answers: ``run_query(text, tables, now) -> Table`` or ``KqlError``.

Why: the ``erpops.azure`` collection and its tests query workspaces (``LogsQueryClient``) and expect the rows, the
column types and the errors Azure Monitor gives; monitor-logs.md section 3 lists the subset and its semantics.
Anything outside the subset raises ``KqlError`` (a ``SEM0002`` "unsupported in azsim" for KQL features azsim
lacks) rather than answering rows that could be wrong.

Layout: lexer.py (tokens) -> parser.py (syntax.py tree) -> evaluator.py (tabular operators; binds names and types
before reading any row) with scalar.py (expressions compiled to column-wise closures), functions.py and
aggregates.py.  values.py holds the value representation shared with the query handler: string ``str`` (never
None), int/long ``int``, real ``float``, bool ``bool``, datetime ``float`` epoch seconds UTC, timespan ``float``
seconds, dynamic the decoded JSON value, guid ``str``; every type but string uses None for null.
"""

from .errors import KqlError, semantic
from .evaluator import execute
from .parser import parse
from .values import Table

__all__ = ["KqlError", "Table", "run_query"]


def run_query(text, tables, now):
    """Run the KQL ``text``.  ``tables(name)`` returns a Table or None (unknown table, a semantic error);
    ``now`` (epoch seconds) is what now() and ago() see, constant for the whole query (Learn "now()")."""
    try:
        columns, rows = execute(parse(text), tables, now)
    except RecursionError:
        raise semantic("The query is nested too deeply for azsim's KQL engine", "SEM0002") from None
    return Table(columns, rows)
