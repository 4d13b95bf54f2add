"""The two error kinds a Log Analytics query answers with, as the query handler renders them.

Shapes observed on the real service (monitor-logs.md section 1.4): a syntax error carries the innermost code
``SYN0002`` and ``"Query could not be parsed at '<token>' on line [<line>,<pos>]"`` with ``line`` 1-based and
``pos`` 0-based inside that line (grafana/grafana#35224 quotes ``"at '<' on line [2,0]"``); a semantic error
carries ``SEM0100`` for an unresolved name (``"'where' operator: Failed to resolve column or scalar expression
named 'Error'"``, Azure/azure-cli-extensions#3002) and other ``SEMxxxx`` codes for the rest.  Codes azsim picks
itself (not seen in public output): ``SEM0001`` type errors, ``SEM0002`` a KQL feature outside azsim's subset,
``SEM0003`` a query whose result is not a table.
"""

SYNTAX = "syntax"
SEMANTIC = "semantic"

UNRESOLVED = "SEM0100"
TYPE_ERROR = "SEM0001"
UNSUPPORTED = "SEM0002"
NOT_TABULAR = "SEM0003"


class KqlError(Exception):
    """A query the engine refuses; ``kind`` is ``'syntax'`` or ``'semantic'``."""

    def __init__(self, kind, code, message, line=None, pos=None, token=None):
        super().__init__(message)
        self.kind = kind
        self.code = code
        self.message = message
        self.line = line
        self.pos = pos
        self.token = token

    def __repr__(self):
        return f"KqlError({self.kind!r}, {self.code!r}, {self.message!r})"


def syntax_error(text, offset, token):
    """SYN0002 at absolute character ``offset`` of the query ``text``."""
    line = text.count("\n", 0, offset) + 1
    pos = offset - (text.rfind("\n", 0, offset) + 1)
    return KqlError(SYNTAX, "SYN0002", f"Query could not be parsed at '{token}' on line [{line},{pos}]", line, pos, token)


def semantic(message, code=TYPE_ERROR):
    return KqlError(SEMANTIC, code, message)


def unresolved(operator, name):
    prefix = f"'{operator}' operator: " if operator else ""
    return KqlError(SEMANTIC, UNRESOLVED, f"{prefix}Failed to resolve column or scalar expression named '{name}'")


def unsupported(what):
    return KqlError(SEMANTIC, UNSUPPORTED, f"{what} is unsupported in azsim's KQL subset")
