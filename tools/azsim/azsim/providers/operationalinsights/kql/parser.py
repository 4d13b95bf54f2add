"""Recursive-descent parser for azsim's KQL subset: text -> syntax.Query.

Grammar (Microsoft Learn, Kusto Query Language): "Query statements" and "let statement" (``let n = expr;`` before
one tabular expression, semicolons between statements), the tabular operators named in evaluator.py, and scalar
precedence from "Scalar operators": ``or`` < ``and`` < comparisons and string predicates (``==``, ``=~``, ``has``,
``in``, ``between`` …) < ``+ -`` < ``* / %`` < unary sign < member access ``d.a``/``d['a']``/``d[0]``.
Operators that exist in KQL but not in azsim are refused here with a semantic error naming them
(errors.UNSUPPORTED); anything else that does not fit the grammar is SYN0002 at the offending token.
"""

from . import syntax as ast
from .errors import NOT_TABULAR, KqlError, semantic, syntax_error, unsupported
from .lexer import tokenize
from .values import format_datetime_iso, parse_datetime, parse_timespan

COMPARISONS = frozenset(("==", "!=", "<", ">", "<=", ">=", "=~", "!~", "!=~", "<>"))
STRING_WORDS = frozenset(("has", "has_cs", "hasprefix", "hasprefix_cs", "hassuffix", "hassuffix_cs", "contains", "contains_cs",
                          "startswith", "startswith_cs", "endswith", "endswith_cs"))
NEG_STRING_OPS = frozenset("!" + w for w in STRING_WORDS)
# Learn "Scalar data types": T(null) and T(literal) are literals of type T.
CAST_LITERALS = {"int": "int", "long": "long", "real": "real", "double": "real", "bool": "bool", "boolean": "bool",
                 "string": "string", "decimal": "real"}
# Tabular operators of KQL that azsim does not implement: named in a clear error rather than a parse failure.
KNOWN_UNSUPPORTED_OPS = frozenset((
    "as", "consume", "evaluate", "extend-reorder", "facet", "find", "fork", "getschema", "invoke", "lookup", "make-series",
    "mv-apply", "parse", "parse-where", "parse-kv", "partition", "project-reorder", "range", "reduce", "sample",
    "sample-distinct", "scan", "search", "serialize", "top-nested", "top-hitters", "externaldata", "materialize", "graph-match",
    "make-graph", "macro-expand", "assert-schema"))
KNOWN_UNSUPPORTED_SOURCES = frozenset(("range", "find", "search", "evaluate", "externaldata", "materialize", "view", "toscalar",
                                       "cluster", "database", "workspace", "app", "resource"))
# Words after '|' that start an operator (and therefore end an expression list).
OPERATORS = frozenset(("where", "filter", "project", "project-away", "project-keep", "project-rename", "extend", "summarize",
                       "order", "sort", "top", "take", "limit", "distinct", "join", "count", "union", "render",
                       "mv-expand"))


class Parser:
    def __init__(self, text):
        self.text = text
        self.toks = tokenize(text)
        self.i = 0

    # -- token helpers ---------------------------------------------------------------------------------------
    @property
    def tok(self):
        return self.toks[self.i]

    def peek(self, k=1):
        return self.toks[min(self.i + k, len(self.toks) - 1)]

    def advance(self):
        t = self.toks[self.i]
        if t.kind != "eof":
            self.i += 1
        return t

    def error(self, tok=None):
        tok = tok or self.tok
        return syntax_error(self.text, tok.start, "<EOF>" if tok.kind == "eof" else self.text[tok.start:tok.end])

    def expect_op(self, op):
        if not self.tok.is_op(op):
            raise self.error()
        return self.advance()

    def expect_word(self, word):
        if not self.tok.is_word(word):
            raise self.error()
        return self.advance()

    def accept_op(self, op):
        if self.tok.is_op(op):
            return self.advance()
        return None

    def accept_word(self, word):
        if self.tok.is_word(word):
            return self.advance()
        return None

    def name(self):
        if self.tok.kind not in ("id", "qid") or self.tok.value.startswith("$"):
            raise self.error()
        return self.advance().value

    # -- statements ------------------------------------------------------------------------------------------
    def query(self):
        lets, body = [], None
        while self.tok.kind != "eof":
            if self.tok.is_op(";"):
                self.advance()
                continue
            if body is not None:
                raise unsupported("A query with more than one tabular statement")
            if self.tok.is_word("let"):
                lets.append(self.let())
            elif self.tok.is_word("set", "declare", "alias", "pattern", "restrict"):
                raise unsupported(f"The '{self.tok.value}' statement")
            else:
                body = self.tabular()
                if not self.tok.is_op(";") and self.tok.kind != "eof":
                    raise self.error()
        if body is None:
            raise semantic("The query has no tabular expression to return", NOT_TABULAR)
        return ast.Query(0, lets, body)

    def let(self):
        pos = self.advance().start
        name = self.name()
        self.expect_op("=")
        if self.tok.is_op("(") and (self.peek().is_op(")") or (self.peek().kind == "id" and self.peek(2).is_op(":"))):
            raise unsupported("A user-defined function (let with parameters)")
        if self.tok.is_word("view"):
            raise unsupported("A let view")
        value = self.scalar_or_tabular()
        if not self.tok.is_op(";"):
            raise self.error()
        self.advance()
        return ast.Let(pos, name, value)

    def scalar_or_tabular(self):
        """A let value: a scalar expression, or a tabular one (a name followed by '|', union, print …)."""
        start = self.i
        if self.tok.kind == "id" and self.tok.value in ("union", "print", "datatable"):
            return self.tabular()
        try:
            value = self.expr()
            if not self.tok.is_op("|"):
                return value
            first = None
        except KqlError as err:
            if err.kind != "syntax":
                raise
            first = err
        end = self.i
        self.i = start
        try:
            return self.tabular()
        except KqlError as err:
            if first is not None and err.kind == "syntax" and self.i < end:
                raise first from None
            raise

    # -- tabular expressions ---------------------------------------------------------------------------------
    def tabular(self):
        pos = self.tok.start
        source = self.source()
        ops = []
        while self.tok.is_op("|"):
            self.advance()
            ops.append(self.operator())
        return source if not ops else ast.Pipeline(pos, source, ops)

    def source(self):
        t = self.tok
        if t.is_op("("):
            self.advance()
            inner = self.tabular()
            self.expect_op(")")
            return inner
        if t.kind == "qid":
            self.advance()
            return ast.TableRef(t.start, t.value)
        if t.kind != "id" or t.value.startswith("$"):
            raise self.error()
        if t.value == "union":
            self.advance()
            return self.union_args(t.start)
        if t.value == "print":
            self.advance()
            return ast.Print(t.start, self.assignments())
        if t.value == "datatable":
            self.advance()
            return self.datatable(t.start)
        if t.value in KNOWN_UNSUPPORTED_SOURCES and self.peek().kind != "eof" and not self.peek().is_op("|", ";", ")", ","):
            raise unsupported(f"The '{t.value}' operator")
        self.advance()
        return ast.TableRef(t.start, t.value)

    def datatable(self, pos):
        self.expect_op("(")
        columns = []
        while True:
            col = self.name()
            self.expect_op(":")
            columns.append((col, self.name()))
            if not self.accept_op(","):
                break
        self.expect_op(")")
        self.expect_op("[")
        values = []
        while not self.tok.is_op("]"):
            values.append(self.expr())
            if not self.accept_op(","):
                break
        self.expect_op("]")
        return ast.DataTable(pos, columns, values)

    def union_args(self, pos):
        kind, withsource, isfuzzy = "outer", None, False
        while self.tok.kind == "id" and self.peek().is_op("=") and self.tok.value in ("kind", "withsource", "isfuzzy", "hint"):
            key = self.advance().value
            self.advance()
            if key == "kind":
                kind = self.name()
                if kind not in ("inner", "outer"):
                    raise unsupported(f"union kind={kind}")
            elif key == "withsource":
                withsource = self.name()
            elif key == "isfuzzy":
                isfuzzy = self.name() == "true"
                if isfuzzy:
                    raise unsupported("union isfuzzy=true")
        legs = []
        while True:
            t = self.tok
            if t.is_op("("):
                self.advance()
                legs.append(self.tabular())
                self.expect_op(")")
            elif t.kind in ("id", "qid") and not t.value.startswith("$"):
                self.advance()
                if self.tok.is_op("*") and self.tok.start == t.end:
                    raise unsupported("A union over a wildcard table name")
                legs.append(ast.TableRef(t.start, t.value))
            else:
                raise self.error()
            if not self.accept_op(","):
                break
        return ast.Union(pos, legs, kind, withsource, isfuzzy)

    def operator(self):
        t = self.tok
        if t.kind != "id":
            raise self.error()
        name = t.value
        if name in KNOWN_UNSUPPORTED_OPS:
            raise unsupported(f"The '{name}' operator")
        if name not in OPERATORS:
            raise self.error()
        self.advance()
        pos = t.start
        if name in ("where", "filter"):
            return ast.Operator(pos, name, predicate=self.expr())
        if name in ("project", "extend"):
            return ast.Operator(pos, name, items=self.assignments())
        if name in ("project-away", "project-keep"):
            return ast.Operator(pos, name, patterns=self.patterns())
        if name == "project-rename":
            pairs = []
            while True:
                new = self.name()
                self.expect_op("=")
                pairs.append((new, self.name()))
                if not self.accept_op(","):
                    break
            return ast.Operator(pos, name, pairs=pairs)
        if name == "summarize":
            return self.summarize(pos)
        if name in ("order", "sort"):
            self.expect_word("by")
            return ast.Operator(pos, name, keys=self.sort_keys())
        if name == "top":
            count = self.expr()
            self.expect_word("by")
            key = self.sort_keys(single=True)
            return ast.Operator(pos, name, count=count, keys=key)
        if name in ("take", "limit"):
            return ast.Operator(pos, name, count=self.expr())
        if name == "distinct":
            if self.accept_op("*"):
                return ast.Operator(pos, name, columns=None)
            columns = [self.expr()]
            while self.accept_op(","):
                columns.append(self.expr())
            return ast.Operator(pos, name, columns=columns)
        if name == "count":
            return ast.Operator(pos, name)
        if name == "mv-expand":
            return self.mv_expand(pos)
        if name == "join":
            return self.join(pos)
        if name == "union":
            u = self.union_args(pos)
            return ast.Operator(pos, name, union=u)
        # render: a client-side hint (Learn "render operator"); its arguments do not change the rows.
        while self.tok.kind != "eof" and not self.tok.is_op("|", ";"):
            self.advance()
        return ast.Operator(pos, name)

    def mv_expand(self, pos):
        """``mv-expand [kind=(bag|array)] [with_itemindex=Name] [Name=]expr [to typeof(T)], … [limit N]``
        (Learn "mv-expand operator"; ``bagexpansion=`` is the older spelling of ``kind=``)."""
        kind, index = "bag", None
        while self.tok.kind == "id" and self.tok.value in ("kind", "bagexpansion", "with_itemindex") and self.peek().is_op("="):
            word = self.advance().value
            self.advance()
            value = self.name()
            if word == "with_itemindex":
                index = value
            elif value in ("bag", "array"):
                kind = value
            else:
                raise self.error(self.toks[self.i - 1])
        items = []
        while True:
            name, node = self.assignment()
            to_type = None
            if self.tok.is_word("to"):
                self.advance()
                self.expect_word("typeof")
                self.expect_op("(")
                to_type = self.name()
                self.expect_op(")")
            items.append((name, node, to_type))
            if not self.accept_op(","):
                break
        limit = None
        if self.tok.is_word("limit"):
            self.advance()
            limit = self.expr()
        return ast.Operator(pos, "mv-expand", kind=kind, index=index, items=items, limit=limit)

    def assignments(self):
        """``[Name=]expr, …`` (project, extend, print)."""
        items = [self.assignment()]
        while self.accept_op(","):
            items.append(self.assignment())
        return items

    def assignment(self):
        if self.tok.kind in ("id", "qid") and self.peek().is_op("=") and not self.tok.value.startswith("$"):
            name = self.advance().value
            self.advance()
            return name, self.expr()
        if self.tok.is_op("(") and self._tuple_names_ahead():
            names = self.tuple_names()
            self.expect_op("=")
            return names, self.expr()
        return None, self.expr()

    def _tuple_names_ahead(self):
        j = self.i + 1
        while True:
            if self.toks[j].kind not in ("id", "qid"):
                return False
            j += 1
            if self.toks[j].is_op(","):
                j += 1
                continue
            return self.toks[j].is_op(")") and self.toks[j + 1].is_op("=")

    def tuple_names(self):
        self.expect_op("(")
        names = [self.name()]
        while self.accept_op(","):
            names.append(self.name())
        self.expect_op(")")
        return tuple(names)

    def patterns(self):
        """Column names with '*' wildcards (project-away, project-keep)."""
        out = []
        while True:
            t = self.tok
            if not (t.kind in ("id", "qid") or t.is_op("*")):
                raise self.error()
            text, end = "", t.start
            while (self.tok.kind in ("id", "qid") or self.tok.is_op("*")) and self.tok.start == end:
                end = self.tok.end
                text += "*" if self.tok.kind == "op" else self.tok.value
                self.advance()
            out.append(text)
            if not self.accept_op(","):
                return out

    def summarize(self, pos):
        while self.tok.kind == "id" and self.tok.value.startswith("hint") and self.peek().is_op("."):
            self._skip_hint()
        aggs = []
        if not self.tok.is_word("by"):
            aggs = self.assignments()
        by = []
        if self.accept_word("by"):
            by = self.assignments()
        if not aggs and not by:
            raise self.error()
        return ast.Operator(pos, "summarize", aggs=aggs, by=by)

    def _skip_hint(self):
        # hint.strategy=shuffle and friends tune execution only (Learn "summarize operator", "join operator").
        self.advance()
        while self.accept_op("."):
            self.name()
        self.expect_op("=")
        self.advance()

    def sort_keys(self, single=False):
        keys = []
        while True:
            e = self.expr()
            desc = True
            if self.accept_word("asc"):
                desc = False
            elif self.accept_word("desc"):
                desc = True
            nulls = None
            if self.accept_word("nulls"):
                if self.accept_word("first"):
                    nulls = "first"
                else:
                    self.expect_word("last")
                    nulls = "last"
            keys.append((e, desc, nulls))
            if single or not self.accept_op(","):
                return keys

    def join(self, pos):
        kind = "innerunique"
        while self.tok.kind == "id" and (self.tok.value == "kind" or self.tok.value.startswith("hint")):
            if self.tok.value == "kind":
                self.advance()
                self.expect_op("=")
                kind = self.name()
            else:
                self._skip_hint()
        if self.tok.is_op("("):
            self.advance()
            right = self.tabular()
            self.expect_op(")")
        else:
            t = self.tok
            right = ast.TableRef(t.start, self.name())
        self.expect_word("on")
        conditions = [self.join_condition()]
        while self.accept_op(",") or self.accept_word("and"):
            conditions.append(self.join_condition())
        return ast.Operator(pos, "join", kind=kind, right=right, on=conditions)

    def join_condition(self):
        start = self.tok
        if start.kind == "id" and start.value in ("$left", "$right"):
            a = self.side_ref()
            if not self.tok.is_op("=="):
                raise self.error()
            self.advance()
            b = self.side_ref()
            if a[0] == b[0]:
                raise semantic("'join' operator: an equality condition must compare $left with $right")
            left, right = (a, b) if a[0] == "$left" else (b, a)
            return left[1], right[1], start.start
        name = self.name()
        return name, name, start.start

    def side_ref(self):
        side = self.advance().value
        self.expect_op(".")
        return side, self.name()

    # -- scalar expressions ----------------------------------------------------------------------------------
    def expr(self):
        return self.or_expr()

    def or_expr(self):
        left = self.and_expr()
        while self.tok.is_word("or"):
            pos = self.advance().start
            left = ast.Binary(pos, "or", left, self.and_expr())
        return left

    def and_expr(self):
        left = self.comparison()
        while self.tok.is_word("and"):
            pos = self.advance().start
            left = ast.Binary(pos, "and", left, self.comparison())
        return left

    def comparison(self):
        left = self.additive()
        t = self.tok
        if t.kind == "op" and t.value in COMPARISONS:
            self.advance()
            op = {"!=~": "!~", "<>": "!="}.get(t.value, t.value)
            return ast.Binary(t.start, op, left, self.additive())
        if (t.kind == "id" and t.value in STRING_WORDS) or (t.kind == "op" and t.value in NEG_STRING_OPS):
            self.advance()
            return ast.Binary(t.start, t.value, left, self.additive())
        if t.is_word("matches"):
            self.advance()
            self.expect_word("regex")
            return ast.Binary(t.start, "matches regex", left, self.additive())
        if t.is_word("in", "has_any", "has_all") or t.is_op("!in", "in~", "!in~", "!has_any", "!has_all"):
            self.advance()
            self.expect_op("(")
            items = []
            if not self.tok.is_op(")"):
                items.append(self.expr())
                if self.tok.is_op("|"):
                    raise unsupported(f"A tabular expression on the right of '{t.value}'")
                while self.accept_op(","):
                    items.append(self.expr())
            self.expect_op(")")
            return ast.InList(t.start, t.value, left, items)
        if t.is_word("between") or t.is_op("!between"):
            self.advance()
            self.expect_op("(")
            low = self.additive()
            self.expect_op("..")
            high = self.additive()
            self.expect_op(")")
            return ast.Between(t.start, t.value != "between", left, low, high)
        return left

    def additive(self):
        left = self.multiplicative()
        while self.tok.is_op("+", "-"):
            t = self.advance()
            left = ast.Binary(t.start, t.value, left, self.multiplicative())
        return left

    def multiplicative(self):
        left = self.unary()
        while self.tok.is_op("*", "/", "%"):
            t = self.advance()
            left = ast.Binary(t.start, t.value, left, self.unary())
        return left

    def unary(self):
        if self.tok.is_op("-", "+"):
            t = self.advance()
            operand = self.unary()
            if isinstance(operand, ast.Literal) and operand.type in ("int", "long", "real", "timespan") and operand.value is not None:
                return ast.Literal(t.start, operand.type, -operand.value if t.value == "-" else operand.value)
            return ast.Unary(t.start, t.value, operand)
        return self.postfix()

    def postfix(self):
        node = self.primary()
        while True:
            if self.tok.is_op(".") and self.peek().kind in ("id", "qid"):
                t = self.advance()
                node = ast.Member(t.start, node, self.advance().value)
            elif self.tok.is_op("["):
                t = self.advance()
                index = self.expr()
                self.expect_op("]")
                node = ast.Member(t.start, node, index)
            else:
                return node

    def primary(self):
        t = self.tok
        if t.kind == "int":
            self.advance()
            return ast.Literal(t.start, "long", t.value)
        if t.kind == "real":
            self.advance()
            return ast.Literal(t.start, "real", t.value)
        if t.kind == "timespan":
            self.advance()
            return ast.Literal(t.start, "timespan", t.value)
        if t.kind == "string":
            self.advance()
            return ast.Literal(t.start, "string", t.value)
        if t.kind == "typed":
            self.advance()
            return self.raw_literal(t)
        if t.kind == "qid":
            self.advance()
            return ast.Name(t.start, t.value)
        if t.is_op("("):
            self.advance()
            inner = self.expr()
            self.expect_op(")")
            return inner
        if t.is_op("*"):
            self.advance()
            return ast.Star(t.start)
        if t.kind != "id":
            raise self.error()
        if t.value in ("true", "false"):
            self.advance()
            return ast.Literal(t.start, "bool", t.value == "true")
        if self.peek().is_op("("):
            if t.value in CAST_LITERALS:
                return self.cast_literal()
            self.advance()
            self.advance()
            args = []
            if not self.tok.is_op(")"):
                args.append(self.expr())
                while self.accept_op(","):
                    args.append(self.expr())
            self.expect_op(")")
            return ast.Call(t.start, t.value, args)
        self.advance()
        return ast.Name(t.start, t.value)

    def cast_literal(self):
        t = self.advance()
        kql_type = CAST_LITERALS[t.value]
        self.advance()
        sign = 1
        if self.tok.is_op("-", "+"):
            sign = -1 if self.advance().value == "-" else 1
        v = self.tok
        if v.is_word("null"):
            value = "" if kql_type == "string" else None
        elif kql_type in ("int", "long") and v.kind == "int":
            value = sign * v.value
        elif kql_type == "real" and v.kind in ("int", "real"):
            value = sign * float(v.value)
        elif kql_type == "real" and v.is_word("nan", "inf"):
            value = float(v.value) * sign
        elif kql_type == "bool" and v.is_word("true", "false"):
            value = v.value == "true"
        elif kql_type == "bool" and v.kind == "int":
            value = v.value != 0
        elif kql_type == "string" and v.kind == "string":
            value = v.value
        else:
            raise self.error(v)
        self.advance()
        self.expect_op(")")
        return ast.Literal(t.start, kql_type, value)

    def raw_literal(self, t):
        kind, raw = t.value
        body = raw.strip()
        if len(body) >= 2 and body[0] == body[-1] and body[0] in "'\"" and kind != "dynamic":
            body = body[1:-1]
        if kind in ("datetime", "date"):
            if body == "":
                return ast.Call(t.start, "now", [])
            if body == "null":
                return ast.Literal(t.start, "datetime", None)
            value = parse_datetime(body)
            if value is None:
                raise self.error(t)
            return ast.Literal(t.start, "datetime", value)
        if kind in ("time", "timespan"):
            value = None if body == "null" else parse_timespan(body)
            if value is None and body != "null":
                raise self.error(t)
            return ast.Literal(t.start, "timespan", value)
        if kind == "guid":
            return ast.Literal(t.start, "guid", None if body == "null" else body)
        return ast.Literal(t.start, "dynamic", DynamicLiteral(self.text, t.start, raw).parse())


class DynamicLiteral:
    """The body of ``dynamic(...)``: JSON, also with single-quoted strings and KQL typed literals inside
    (Learn "The dynamic data type": ``dynamic({"a": datetime(1970-05-11)})``)."""

    def __init__(self, text, pos, raw):
        self.text, self.pos = text, pos
        self.toks = tokenize(raw)
        self.i = 0

    def fail(self):
        raise syntax_error(self.text, self.pos, "dynamic")

    def parse(self):
        if self.toks[0].kind == "eof":
            return None
        value = self.value()
        if self.toks[self.i].kind != "eof":
            self.fail()
        return value

    def value(self):
        t = self.toks[self.i]
        self.i += 1
        if t.kind in ("string", "int", "real"):
            return t.value
        if t.kind == "timespan":
            return t.value
        if t.kind == "op" and t.value == "-" and self.toks[self.i].kind in ("int", "real"):
            self.i += 1
            return -self.toks[self.i - 1].value
        if t.kind == "id" and t.value in ("true", "false", "null"):
            return {"true": True, "false": False, "null": None}[t.value]
        if t.kind == "typed":
            if t.value[0] in ("datetime", "date"):
                v = parse_datetime(t.value[1].strip())
                if v is None:
                    self.fail()
                return format_datetime_iso(v)
            return t.value[1].strip()
        if t.kind == "op" and t.value == "[":
            out = []
            while not self._at("]"):
                out.append(self.value())
                if not self._at(","):
                    break
                self.i += 1
            self._expect("]")
            return out
        if t.kind == "op" and t.value == "{":
            out = {}
            while not self._at("}"):
                key = self.toks[self.i]
                if key.kind not in ("string", "id"):
                    self.fail()
                self.i += 1
                self._expect(":")
                out[key.value] = self.value()
                if not self._at(","):
                    break
                self.i += 1
            self._expect("}")
            return out
        self.fail()
        return None

    def _at(self, op):
        t = self.toks[self.i]
        return t.kind == "op" and t.value == op

    def _expect(self, op):
        if not self._at(op):
            self.fail()
        self.i += 1


def parse(text):
    return Parser(text).query()
