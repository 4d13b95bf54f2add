"""Tokenizer for azsim's KQL subset.

Lexical rules from Microsoft Learn (Kusto Query Language): "String data type" (``'..'`` and ``".."`` with
backslash escapes, verbatim ``@'..'`` where only a doubled quote escapes, ``h'..'`` obfuscated literals, multi-line
`````..````` literals), "timespan" (a number directly followed by a unit: ``2d``, ``1.5h``, ``100ms``, ``1tick``),
"datetime"/"dynamic"/"guid" literals whose parenthesised body is raw text (``datetime(2015-12-31 23:59:59.9)``),
"Syntax conventions" (``//`` comments to the end of the line; names and operators are case-sensitive),
"String operators" (negated forms written ``!has``, ``!contains``, ``!in~`` …).
"""

import re

from .errors import syntax_error
from .values import UNITS

# Operators and punctuation, longest first.
PUNCT = ("!=~", "==", "!=", "<>", "=~", "!~", "<=", ">=", "..", "|", "(", ")", "[", "]", "{", "}", ",", ";", "=", "<", ">",
         "+", "-", "*", "/", "%", ".", ":", "~")
# Negated word operators (Learn "String operators", "in operator", "between operator").
NEG_WORDS = frozenset(("has", "has_cs", "hasprefix", "hasprefix_cs", "hassuffix", "hassuffix_cs", "contains", "contains_cs",
                       "startswith", "startswith_cs", "endswith", "endswith_cs", "in", "between", "has_any", "has_all"))
# Tabular operators spelled with a hyphen; anything else with '-' between words is a subtraction.
HYPHENATED = frozenset(("project-away", "project-keep", "project-rename", "project-reorder", "mv-expand", "mv-apply",
                        "make-series", "parse-where", "parse-kv", "top-nested", "top-hitters", "sample-distinct"))
# Literals whose parenthesised body is raw text rather than tokens.
RAW_LITERALS = frozenset(("datetime", "date", "time", "timespan", "dynamic", "guid"))

_IDENT = re.compile(r"[A-Za-z_][A-Za-z0-9_]*")
_NUMBER = re.compile(r"0[xX][0-9A-Fa-f]+|\d+(\.\d+)?([eE][+-]?\d+)?")
_UNIT = re.compile(r"[A-Za-z]+")
_SPACE = re.compile(r"(?:\s+|//[^\n]*)+")
_ESCAPES = {"n": "\n", "t": "\t", "r": "\r", "0": "\0", "\\": "\\", "'": "'", '"': '"', "b": "\b", "f": "\f", "v": "\v"}


class Token:
    __slots__ = ("kind", "value", "start", "end")

    def __init__(self, kind, value, start, end):
        self.kind = kind      # id qid int real timespan string typed op eof
        self.value = value
        self.start = start
        self.end = end

    def is_op(self, *ops):
        return self.kind == "op" and self.value in ops

    def is_word(self, *words):
        return self.kind == "id" and self.value in words

    def __repr__(self):
        return f"Token({self.kind}, {self.value!r}, {self.start})"


def tokenize(text):
    tokens = []
    i, n = 0, len(text)
    while True:
        m = _SPACE.match(text, i)
        if m:
            i = m.end()
        if i >= n:
            tokens.append(Token("eof", None, n, n))
            return tokens
        c = text[i]
        start = i
        if c in "'\"" or (c == "@" and text[i + 1:i + 2] in ("'", '"')) or (c in "hH" and text[i + 1:i + 2] in ("'", '"', "@")):
            value, i = _string(text, i)
            tokens.append(Token("string", value, start, i))
            continue
        if text.startswith("```", i):
            end = text.find("```", i + 3)
            if end < 0:
                raise syntax_error(text, i, "```")
            tokens.append(Token("string", text[i + 3:end], start, end + 3))
            i = end + 3
            continue
        if c.isdigit():
            tokens.append(_number(text, i))
            i = tokens[-1].end
            continue
        if c == "$":
            m = _IDENT.match(text, i + 1)
            if not m:
                raise syntax_error(text, i, "$")
            tokens.append(Token("id", "$" + m.group(), start, m.end()))
            i = m.end()
            continue
        m = _IDENT.match(text, i)
        if m:
            word, i = m.group(), m.end()
            if text[i:i + 1] == "-":
                m2 = _IDENT.match(text, i + 1)
                if m2 and f"{word}-{m2.group()}" in HYPHENATED:
                    word, i = f"{word}-{m2.group()}", m2.end()
            if word == "in" and text[i:i + 1] == "~":
                tokens.append(Token("op", "in~", start, i + 1))
                i += 1
                continue
            if word in RAW_LITERALS:
                j = _SPACE.match(text, i).end() if _SPACE.match(text, i) else i
                if text[j:j + 1] == "(":
                    end = _raw_end(text, j)
                    tokens.append(Token("typed", (word, text[j + 1:end]), start, end + 1))
                    i = end + 1
                    continue
            tokens.append(Token("id", word, start, i))
            continue
        if c == "[" and text[i + 1:i + 2] in ("'", '"') and not _indexable(tokens):
            # ['column name'] (Learn "Entity names": bracketed, quoted identifiers)
            value, j = _string(text, i + 1)
            if text[j:j + 1] != "]":
                raise syntax_error(text, j, text[j:j + 1] or "<EOF>")
            tokens.append(Token("qid", value, start, j + 1))
            i = j + 1
            continue
        if c == "!":
            m = _IDENT.match(text, i + 1)
            if m and m.group() in NEG_WORDS:
                word, i = "!" + m.group(), m.end()
                if word == "!in" and text[i:i + 1] == "~":
                    word, i = "!in~", i + 1
                tokens.append(Token("op", word, start, i))
                continue
        for p in PUNCT:
            if text.startswith(p, i):
                tokens.append(Token("op", p, start, i + len(p)))
                i += len(p)
                break
        else:
            raise syntax_error(text, i, c)


def _indexable(tokens):
    """True when a '[' here indexes the previous token (``d['a']``) rather than opening ``['name']``."""
    if not tokens:
        return False
    last = tokens[-1]
    return last.kind in ("id", "qid", "typed", "string") or (last.kind == "op" and last.value in (")", "]"))


def _string(text, i):
    """Decode the string literal at ``i``; returns (value, end offset)."""
    if text[i] in "hH":
        i += 1
    verbatim = text[i] == "@"
    if verbatim:
        i += 1
    quote = text[i]
    start = i
    i += 1
    out = []
    n = len(text)
    while i < n:
        c = text[i]
        if c == quote:
            if verbatim and text[i + 1:i + 2] == quote:
                out.append(quote)
                i += 2
                continue
            return "".join(out), i + 1
        if c == "\n":
            break
        if c == "\\" and not verbatim and i + 1 < n:
            e = text[i + 1]
            if e == "u" and re.fullmatch(r"[0-9A-Fa-f]{4}", text[i + 2:i + 6] or ""):
                out.append(chr(int(text[i + 2:i + 6], 16)))
                i += 6
                continue
            out.append(_ESCAPES.get(e, e))
            i += 2
            continue
        out.append(c)
        i += 1
    raise syntax_error(text, start, quote)


def _number(text, i):
    m = _NUMBER.match(text, i)
    literal, end = m.group(), m.end()
    u = _UNIT.match(text, end)
    if u:
        unit = u.group()
        if unit not in UNITS or literal.lower().startswith("0x"):
            raise syntax_error(text, i, literal + unit)
        return Token("timespan", float(literal) * UNITS[unit], i, u.end())
    if literal.lower().startswith("0x"):
        return Token("int", int(literal, 16), i, end)
    if m.group(1) or m.group(2):
        return Token("real", float(literal), i, end)
    return Token("int", int(literal), i, end)


def _raw_end(text, open_at):
    """Offset of the ')' closing the '(' at ``open_at``, skipping nested brackets and quoted text."""
    depth = 0
    i, n = open_at, len(text)
    while i < n:
        c = text[i]
        if c in "([{":
            depth += 1
        elif c in ")]}":
            depth -= 1
            if depth == 0:
                if c != ")":
                    raise syntax_error(text, i, c)
                return i
        elif c in "'\"":
            _unused, i = _string(text, i)
            continue
        i += 1
    raise syntax_error(text, n, "<EOF>")
