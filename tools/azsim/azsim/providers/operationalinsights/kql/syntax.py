"""Syntax tree of a parsed KQL query: plain node classes, built by parser.py and bound by evaluator.py.

Every node keeps ``pos``, the offset of its first character in the query text.
"""


class Node:
    __slots__ = ("pos",)

    def __repr__(self):
        fields = ", ".join(f"{k}={getattr(self, k)!r}" for k in self.__slots__ if k != "pos")
        return f"{type(self).__name__}({fields})"


# -- scalar expressions --------------------------------------------------------------------------------------
class Literal(Node):
    __slots__ = ("type", "value")

    def __init__(self, pos, type_, value):
        self.pos, self.type, self.value = pos, type_, value


class Name(Node):
    """A column, let-bound name or table; ``$left.X``/``$right.X`` come as Name('$left', …) under Member."""
    __slots__ = ("name",)

    def __init__(self, pos, name):
        self.pos, self.name = pos, name


class Star(Node):
    __slots__ = ()

    def __init__(self, pos):
        self.pos = pos


class Call(Node):
    __slots__ = ("name", "args")

    def __init__(self, pos, name, args):
        self.pos, self.name, self.args = pos, name, args


class Binary(Node):
    __slots__ = ("op", "left", "right")

    def __init__(self, pos, op, left, right):
        self.pos, self.op, self.left, self.right = pos, op, left, right


class Unary(Node):
    __slots__ = ("op", "operand")

    def __init__(self, pos, op, operand):
        self.pos, self.op, self.operand = pos, op, operand


class Member(Node):
    """``obj.key`` or ``obj[index]``; ``key`` is a str (member name) or a Node (index expression)."""
    __slots__ = ("obj", "key")

    def __init__(self, pos, obj, key):
        self.pos, self.obj, self.key = pos, obj, key


class InList(Node):
    __slots__ = ("op", "left", "items")

    def __init__(self, pos, op, left, items):
        self.pos, self.op, self.left, self.items = pos, op, left, items


class Between(Node):
    __slots__ = ("negated", "left", "low", "high")

    def __init__(self, pos, negated, left, low, high):
        self.pos, self.negated, self.left, self.low, self.high = pos, negated, left, low, high


# -- tabular expressions -------------------------------------------------------------------------------------
class TableRef(Node):
    __slots__ = ("name",)

    def __init__(self, pos, name):
        self.pos, self.name = pos, name


class Pipeline(Node):
    __slots__ = ("source", "ops")

    def __init__(self, pos, source, ops):
        self.pos, self.source, self.ops = pos, source, ops


class Union(Node):
    """``union`` as a source (``legs`` only) or as an operator (its input is the first leg)."""
    __slots__ = ("legs", "kind", "withsource", "isfuzzy")

    def __init__(self, pos, legs, kind, withsource, isfuzzy):
        self.pos, self.legs, self.kind, self.withsource, self.isfuzzy = pos, legs, kind, withsource, isfuzzy


class Print(Node):
    __slots__ = ("items",)

    def __init__(self, pos, items):
        self.pos, self.items = pos, items


class DataTable(Node):
    __slots__ = ("columns", "values")

    def __init__(self, pos, columns, values):
        self.pos, self.columns, self.values = pos, columns, values


class Operator(Node):
    """A tabular operator after ``|``: ``name`` as written (``order`` and ``sort`` stay apart for messages)."""
    __slots__ = ("name", "args")

    def __init__(self, pos, name, **args):
        self.pos, self.name, self.args = pos, name, args


class Let(Node):
    __slots__ = ("name", "value")

    def __init__(self, pos, name, value):
        self.pos, self.name, self.value = pos, name, value


class Query(Node):
    __slots__ = ("lets", "body")

    def __init__(self, pos, lets, body):
        self.pos, self.lets, self.body = pos, lets, body


TABULAR = (TableRef, Pipeline, Union, Print, DataTable)
