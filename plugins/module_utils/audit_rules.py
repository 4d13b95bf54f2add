# -*- coding: utf-8 -*-
# Copyright: (c) 2026, erpops.azure contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""The audit's rules as data and the engine that evaluates them against an inventory document (no Azure calls).

A rule file ``roles/audit/files/rules/<GROUP>.yml`` holds ``group``, ``title``, ``params`` (defaults, overridable) and
``rules``. A rule has ``id`` (``<GROUP>-NNN``), ``title``, ``severity``, ``anchors``, ``rationale``, ``remediation``
and either ``target`` + ``expect`` (with optional ``needs``, ``applies``, ``when_none``) or ``cases``: a list of
``{target, needs, applies, expect}`` for a rule evaluated differently on different targets (APP-002 on sites and on
served host names).

Targets: ARM resource types (case-insensitive), ``subscription`` (each ``subscriptions[]`` entry), ``host`` (each
``hosts[]`` entry, resource = the host name) or ``any`` (every resource). ``needs`` lists parts (``parts.<name>`` of a
resource or subscription; for a host, its top-level keys ``certificate``, ``protocols``, ``dns``): a part with an entry
in the inventory's ``errors`` makes the finding ``not_evaluated`` naming the missing action, a part absent without an
error ``not_evaluated`` (not collected); a part present with ``null`` (e.g. no backup configuration) is evaluated.

Expressions: ``{path: p, <op>: value}`` with op one of equals, not_equals, in, not_in, gte, lte, gt, lt, matches
(``re.search``), contains, not_contains, exists, truthy, version_gte (optional ``ignore_case: true`` for string
comparisons); ``{all: [...]}``, ``{any: [...]}``, ``{not: e}``, ``{each: p, expect: e}`` (every item, an empty list
passes), ``{none: p, expect: e}`` (no item), ``{count: p, where: e, gte|lte|equals: n}`` and ``{check: name, args: {}}``
(a named check of ``audit_checks``). Paths are dotted; ``parts.x`` reaches parts, ``a[].b`` maps a list, ``a['k.with
.dots']`` reads a key holding dots. Any value may be ``{param: name}``.
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import json
import os
import re

try:
    import yaml
except ImportError:  # pragma: no cover - PyYAML ships with ansible-core
    yaml = None

GROUPS = ("IAM", "APP", "ASP", "PG", "STG", "KV", "MON", "DEF", "GOV", "DNS", "NET")
SEVERITIES = ("critical", "high", "medium", "low", "info")
ANCHORS = ("prowler", "checkov", "psrule", "cis", "microsoft")
STATUSES = ("pass", "fail", "error", "not_applicable", "not_evaluated", "suppressed")
FILE_KEYS = frozenset(("group", "title", "params", "rules", "notes"))
RULE_KEYS = frozenset(("id", "title", "severity", "anchors", "rationale", "remediation", "target", "needs", "applies",
                       "expect", "cases", "when_none", "notes"))
REQUIRED_RULE_KEYS = ("id", "title", "severity", "anchors", "rationale", "remediation")
CASE_KEYS = frozenset(("target", "needs", "applies", "expect"))
WHEN_NONE = ("not_applicable", "fail")
COMPARE_OPS = ("equals", "not_equals", "in", "not_in", "gte", "lte", "gt", "lt", "matches", "contains", "not_contains",
               "exists", "truthy", "version_gte")
SPECIAL_TARGETS = ("subscription", "host", "any")
MAX_LIST = 10
MAX_TEXT = 300


class RuleError(ValueError):
    """A malformed rule file or rule; the message names the file and the rule."""


class NotEvaluated(Exception):
    """Raised by a check when the inventory cannot tell (a missing part, a Graph-only fact)."""


class NotApplicable(Exception):
    """Raised by a check when the rule does not apply to this target."""


class Result(object):
    """The outcome of an expression: ok, what was expected, what was found, and a sentence."""

    __slots__ = ("ok", "expected", "actual", "message")

    def __init__(self, ok, expected=None, actual=None, message=""):
        self.ok = bool(ok)
        self.expected = expected
        self.actual = actual
        self.message = message


class PerResource(Result):
    """A check's verdict split by the resources it judged (IAM-002: one finding per role assignment, so a suppression
    can accept one holder and leave the others open). ``items`` is ``[(resource label, Result)]``: the rule reports
    one finding per item instead of one for the target; with no item, the target's own finding (this Result). Inside
    ``all``/``any``/``not`` it is an ordinary Result."""

    __slots__ = ("items",)

    def __init__(self, ok, expected=None, actual=None, message="", items=()):
        Result.__init__(self, ok, expected, actual, message)
        self.items = list(items)


# --------------------------------------------------------------------------------------------------------------------
# Loading and validation
# --------------------------------------------------------------------------------------------------------------------

def _fail(where, msg):
    raise RuleError("%s: %s" % (where, msg))


def _validate_value(where, value):
    if isinstance(value, dict) and "param" in value:
        if set(value) != {"param"} or not isinstance(value["param"], str):
            _fail(where, "a parameter reference is {param: <name>}, got %r" % (value,))


def validate_expression(expr, where, params=None):
    """Raise RuleError when ``expr`` is not a well-formed expression; ``params`` (a dict) checks {param: x} names."""
    if not isinstance(expr, dict) or not expr:
        _fail(where, "an expression is a mapping, got %r" % (expr,))

    def value(v):
        _validate_value(where, v)
        if isinstance(v, dict) and "param" in v and params is not None and v["param"] not in params:
            _fail(where, "unknown parameter %r (known: %s)" % (v["param"], ", ".join(sorted(params)) or "none"))

    keys = set(expr)
    if "path" in keys:
        ops = keys - {"path", "ignore_case"}
        if len(ops) != 1 or not ops <= set(COMPARE_OPS):
            bad = sorted(ops - set(COMPARE_OPS)) or sorted(ops)
            _fail(where, "unknown or missing operator %s with path %r (operators: %s)"
                  % (", ".join(bad) or "(none)", expr["path"], ", ".join(COMPARE_OPS)))
        if not isinstance(expr["path"], str):
            _fail(where, "path must be a string")
        parse_path(expr["path"], where)
        value(expr[ops.pop()])
        return
    if keys <= {"all"} or keys <= {"any"}:
        (key,) = keys
        if not isinstance(expr[key], list) or not expr[key]:
            _fail(where, "%s takes a non-empty list of expressions" % key)
        for i, sub in enumerate(expr[key]):
            validate_expression(sub, "%s > %s[%d]" % (where, key, i), params)
        return
    if keys == {"not"}:
        validate_expression(expr["not"], where + " > not", params)
        return
    if keys in ({"each", "expect"}, {"none", "expect"}):
        key = "each" if "each" in keys else "none"
        parse_path(expr[key], where)
        validate_expression(expr["expect"], "%s > %s" % (where, key), params)
        return
    if "count" in keys:
        ops = keys - {"count", "where"}
        if len(ops) != 1 or not ops <= {"gte", "lte", "equals"}:
            _fail(where, "count takes exactly one of gte, lte, equals (got %s)" % (", ".join(sorted(ops)) or "none"))
        parse_path(expr["count"], where)
        if "where" in expr:
            validate_expression(expr["where"], where + " > count.where", params)
        value(expr[ops.pop()])
        return
    if "check" in keys:
        if not keys <= {"check", "args"}:
            _fail(where, "unknown key(s) %s in a check expression" % ", ".join(sorted(keys - {"check", "args"})))
        from ansible_collections.erpops.azure.plugins.module_utils import audit_checks
        if expr["check"] not in audit_checks.CHECKS:
            _fail(where, "unknown named check %r" % (expr["check"],))
        args = expr.get("args") or {}
        if not isinstance(args, dict):
            _fail(where, "check args must be a mapping")
        for v in args.values():
            value(v)
        return
    _fail(where, "unknown operator(s) %s (expressions: path+operator, all, any, not, each, none, count, check)"
          % ", ".join(sorted(keys)))


def _validate_target(where, target):
    targets = target if isinstance(target, list) else [target]
    if not targets or not all(isinstance(t, str) and t for t in targets):
        _fail(where, "target is a resource type, subscription, host or any, or a list of them")
    for t in targets:
        if t not in SPECIAL_TARGETS and "/" not in t:
            _fail(where, "unknown target %r" % t)
    return targets


def _validate_case(where, case, params):
    targets = _validate_target(where, case.get("target"))
    needs = case.get("needs") or []
    if not isinstance(needs, list) or not all(isinstance(n, str) for n in needs):
        _fail(where, "needs is a list of part names")
    if "applies" in case and case["applies"] is not None:
        validate_expression(case["applies"], where + " > applies", params)
    if "expect" not in case:
        _fail(where, "missing field 'expect'")
    validate_expression(case["expect"], where + " > expect", params)
    return dict(target=targets, needs=needs, applies=case.get("applies"), expect=case["expect"])


def validate_rule(rule, group, where, params):
    """Check one rule; return it normalised (``cases`` always set, ``group`` added)."""
    if not isinstance(rule, dict):
        _fail(where, "a rule is a mapping")
    rid = rule.get("id")
    where = "%s rule %s" % (where, rid if rid else "(no id)")
    unknown = set(rule) - RULE_KEYS
    if unknown:
        _fail(where, "unknown key(s) %s (allowed: %s)" % (", ".join(sorted(unknown)), ", ".join(sorted(RULE_KEYS))))
    for key in REQUIRED_RULE_KEYS:
        if key not in rule or rule[key] in (None, ""):
            _fail(where, "missing field %r" % key)
    if not re.match(r"^%s-\d{3}$" % re.escape(group), str(rid)):
        _fail(where, "id %r does not match the group %s (expected %s-NNN)" % (rid, group, group))
    if rule["severity"] not in SEVERITIES:
        _fail(where, "severity %r is not one of %s" % (rule["severity"], ", ".join(SEVERITIES)))
    anchors = rule["anchors"]
    if not isinstance(anchors, dict) or set(anchors) - set(ANCHORS):
        _fail(where, "anchors is a mapping with keys among %s" % ", ".join(ANCHORS))
    for key, ids in anchors.items():
        if not isinstance(ids, list) or not all(isinstance(i, str) for i in ids):
            _fail(where, "anchors.%s is a list of strings" % key)
    if rule.get("when_none", "not_applicable") not in WHEN_NONE:
        _fail(where, "when_none is one of %s" % ", ".join(WHEN_NONE))
    if "cases" in rule:
        if set(rule) & {"target", "needs", "applies", "expect"}:
            _fail(where, "a rule has either cases or target/needs/applies/expect, not both")
        if not isinstance(rule["cases"], list) or not rule["cases"]:
            _fail(where, "cases is a non-empty list")
        cases = []
        for i, case in enumerate(rule["cases"]):
            if not isinstance(case, dict):
                _fail(where, "cases[%d] is a mapping" % i)
            bad = set(case) - CASE_KEYS
            if bad:
                _fail("%s cases[%d]" % (where, i), "unknown key(s) %s" % ", ".join(sorted(bad)))
            cases.append(_validate_case("%s cases[%d]" % (where, i), case, params))
    else:
        for key in ("target", "expect"):
            if key not in rule:
                _fail(where, "missing field %r" % key)
        cases = [_validate_case(where, rule, params)]
    out = dict(rule)
    out["group"] = group
    out["cases"] = cases
    out.setdefault("when_none", "not_applicable")
    for key in ("target", "needs", "applies", "expect"):
        out.pop(key, None)
    return out


def validate_file(doc, where, known_params=None):
    """Validate one parsed rule file; return (group, title, params, rules)."""
    if not isinstance(doc, dict):
        _fail(where, "a rule file is a mapping with group, title, params and rules")
    unknown = set(doc) - FILE_KEYS
    if unknown:
        _fail(where, "unknown key(s) %s (allowed: %s)" % (", ".join(sorted(unknown)), ", ".join(sorted(FILE_KEYS))))
    group = doc.get("group")
    if group not in GROUPS:
        _fail(where, "group %r is not one of %s" % (group, ", ".join(GROUPS)))
    base = os.path.basename(where)
    if base.endswith(".yml") and base[:-4] != group:
        _fail(where, "the file of group %s is %s.yml" % (group, group))
    params = doc.get("params") or {}
    if not isinstance(params, dict):
        _fail(where, "params is a mapping")
    all_params = dict(known_params or {})
    all_params.update(params)
    rules = doc.get("rules")
    if not isinstance(rules, list) or not rules:
        _fail(where, "missing field 'rules' (a non-empty list)")
    out = [validate_rule(r, group, where, all_params) for r in rules]
    return group, doc.get("title") or group, params, out


def load_rules(path, extra_params=None):
    """Load a rules directory (every ``<GROUP>.yml``) or one file; return the rule set.

    The rule set is ``{"groups": {GROUP: {"title", "params"}}, "params": {...defaults...}, "rules": [...]}``, rules in
    file then document order. Raises RuleError naming the file and rule on a malformed rule, a duplicate id or a
    parameter defined twice.
    """
    if yaml is None:  # pragma: no cover
        raise RuleError("PyYAML is required to read the audit rules")
    if os.path.isdir(path):
        files = sorted(os.path.join(path, f) for f in os.listdir(path) if f.endswith(".yml"))
        if not files:
            raise RuleError("%s: no rule files (<GROUP>.yml)" % path)
    else:
        files = [path]
    docs = []
    for f in files:
        with open(f) as fh:
            try:
                docs.append((f, yaml.safe_load(fh)))
            except yaml.YAMLError as e:
                raise RuleError("%s: not valid YAML: %s" % (f, e)) from None
    return build_ruleset(docs, extra_params)


def build_ruleset(docs, extra_params=None):
    """Build a rule set from ``[(name, parsed document)]`` (see load_rules)."""
    defaults = {}
    for name, doc in docs:
        for key, value in ((doc or {}).get("params") or {}).items() if isinstance(doc, dict) else ():
            if key in defaults:
                raise RuleError("%s: parameter %r is already defined by another rule file" % (name, key))
            defaults[key] = value
    defaults.update(extra_params or {})
    groups, rules, seen = {}, [], {}
    for name, doc in docs:
        group, title, params, out = validate_file(doc, name, defaults)
        if group in groups:
            raise RuleError("%s: group %s is already defined by %s" % (name, group, groups[group]["file"]))
        groups[group] = dict(title=title, params=params, file=name)
        for rule in out:
            if rule["id"] in seen:
                raise RuleError("%s rule %s: duplicate id (also in %s)" % (name, rule["id"], seen[rule["id"]]))
            seen[rule["id"]] = name
            rules.append(rule)
    return dict(groups=groups, params=defaults, rules=rules)


def merge_params(ruleset, overrides=None):
    """The rule set's parameter defaults with ``overrides``; an unknown name raises RuleError."""
    params = dict(ruleset.get("params") or {})
    for key, value in (overrides or {}).items():
        if key not in params:
            raise RuleError("unknown audit parameter %r (known: %s)" % (key, ", ".join(sorted(params))))
        params[key] = value
    return params


def coverage(rules):
    """Per group: rows, rows with each anchor kind, rows with none; plus a ``total`` row.

    ``rules`` is a rule set or a list of rules. Returns ``{GROUP: {"rows", "prowler", ..., "microsoft", "none"}}``
    in catalog group order, ``none`` counting rows without any scanner or CIS anchor (Microsoft guidance alone is
    not a scanner anchor, as in the catalog's own count).
    """
    rules = rules["rules"] if isinstance(rules, dict) else rules
    out = {}
    order = list(GROUPS) + sorted({r["group"] for r in rules} - set(GROUPS))
    for group in order:
        rows = [r for r in rules if r["group"] == group]
        if not rows:
            continue
        entry = dict(rows=len(rows))
        for kind in ANCHORS:
            entry[kind] = sum(1 for r in rows if (r.get("anchors") or {}).get(kind))
        entry["none"] = sum(1 for r in rows if not any((r.get("anchors") or {}).get(k) for k in ANCHORS[:4]))
        out[group] = entry
    total = dict(rows=sum(e["rows"] for e in out.values()))
    for kind in ANCHORS + ("none",):
        total[kind] = sum(e[kind] for e in out.values())
    out["total"] = total
    return out


# --------------------------------------------------------------------------------------------------------------------
# Paths and values
# --------------------------------------------------------------------------------------------------------------------

_TOKEN = re.compile(r"""\[\]|\[(?:'([^']*)'|"([^"]*)")\]|\.|([^.\[\]]+)""")
_PATH_CACHE = {}


def parse_path(path, where="path"):
    """Split ``a.b[].c['d.e']`` into steps: ('key', name) or ('map', None)."""
    if path in _PATH_CACHE:
        return _PATH_CACHE[path]
    if not isinstance(path, str) or not path:
        raise RuleError("%s: a path is a non-empty string" % where)
    steps, pos = [], 0
    for m in _TOKEN.finditer(path):
        if m.start() != pos:
            break
        pos = m.end()
        text = m.group(0)
        if text == "[]":
            steps.append(("map", None))
        elif text == ".":
            continue
        else:
            name = m.group(1) if m.group(1) is not None else m.group(2) if m.group(2) is not None else m.group(3)
            steps.append(("key", name))
    if pos != len(path):
        raise RuleError("%s: malformed path %r" % (where, path))
    _PATH_CACHE[path] = steps
    return steps


def _get(obj, name):
    if isinstance(obj, dict):
        if name in obj:
            return obj[name]
        low = name.lower()
        for key in obj:  # ARM property names are case-insensitive in practice (e.g. IngestionMode)
            if isinstance(key, str) and key.lower() == low:
                return obj[key]
    return None


def resolve(obj, path):
    """The value at ``path`` in ``obj`` (None when absent); ``[]`` maps the rest of the path over a list."""
    steps = parse_path(path)

    def walk(value, i):
        while i < len(steps):
            kind, name = steps[i]
            if kind == "map":
                if value is None:
                    return []
                if isinstance(value, dict):
                    value = list(value.values())
                if not isinstance(value, list):
                    return []
                out = []
                for item in value:
                    sub = walk(item, i + 1)
                    if i + 1 < len(steps) and any(step[0] == "map" for step in steps[i + 1:]) and isinstance(sub, list):
                        out.extend(sub)
                    else:
                        out.append(sub)
                return out
            value = _get(value, name)
            if value is None:
                return None
            i += 1
        return value

    return walk(obj, 0)


def shorten(value, depth=0):
    """A JSON-serialisable, short copy of ``value`` (long lists cut with a note, long strings cut)."""
    if isinstance(value, (bool, int, float)) or value is None:
        return value
    if isinstance(value, str):
        return value if len(value) <= MAX_TEXT else value[:MAX_TEXT - 1] + "\u2026"
    if isinstance(value, dict):
        if depth > 4:
            return "{...}"
        items = list(value.items())
        out = dict((str(k), shorten(v, depth + 1)) for k, v in items[:MAX_LIST * 2])
        if len(items) > MAX_LIST * 2:
            out["..."] = "%d more keys" % (len(items) - MAX_LIST * 2)
        return out
    if isinstance(value, (list, tuple, set)):
        items = list(value)
        if depth > 4:
            return "[%d items]" % len(items)
        out = [shorten(v, depth + 1) for v in items[:MAX_LIST]]
        if len(items) > MAX_LIST:
            out.append("... and %d more" % (len(items) - MAX_LIST))
        return out
    try:
        json.dumps(value)
        return value
    except (TypeError, ValueError):
        return str(value)[:MAX_TEXT]


def version_tuple(text):
    """The first dotted number in ``text`` as a tuple of ints ('PYTHON|3.11' -> (3, 11)); None when none."""
    if text is None:
        return None
    m = re.search(r"\d+(?:\.\d+)*", str(text))
    return tuple(int(p) for p in m.group(0).split(".")) if m else None


def _fmt(value):
    return json.dumps(shorten(value), sort_keys=True, default=str)


# --------------------------------------------------------------------------------------------------------------------
# Expressions
# --------------------------------------------------------------------------------------------------------------------

class Context(object):
    """What an evaluation sees: the inventory, its indexes, the parameters and the current rule."""

    def __init__(self, inventory, params):
        self.inventory = inventory or {}
        self.params = params or {}
        self.resources = [r for r in self.inventory.get("resources") or [] if isinstance(r, dict)]
        self.by_id = dict(((r.get("id") or "").lower(), r) for r in self.resources)
        self.by_type = {}
        for r in self.resources:
            self.by_type.setdefault((r.get("type") or "").lower(), []).append(r)
        self.subscriptions = [s for s in self.inventory.get("subscriptions") or [] if isinstance(s, dict)]
        self.errors = dict((str(k).lower(), v) for k, v in (self.inventory.get("errors") or {}).items())
        self.hosts = [h for h in self.inventory.get("hosts") or [] if isinstance(h, dict)]
        self.rule = None
        self.target_kind = None
        self.cache = {}  # indexes the named checks build once per evaluation (role definitions, assignments by principal)

    def param(self, name):
        if name not in self.params:
            raise RuleError("unknown parameter %r" % name)
        return self.params[name]

    def value(self, v):
        if isinstance(v, dict) and set(v) == {"param"}:
            return self.param(v["param"])
        return v

    def of_type(self, *types):
        out = []
        for t in types:
            out.extend(self.by_type.get(t.lower(), []))
        return out

    def error_for(self, owner_id, part):
        """The collector's error for ``<owner id>|<part>``, or None."""
        return self.errors.get(("%s|%s" % (owner_id or "", part)).lower())

    def subscription_of(self, obj):
        sub = (obj.get("subscription_id") or "").lower()
        if not sub:
            m = re.match(r"^/subscriptions/([^/]+)", obj.get("id") or "", re.I)
            sub = m.group(1).lower() if m else ""
        for s in self.subscriptions:
            if (s.get("subscription_id") or "").lower() == sub or (s.get("id") or "").lower() == "/subscriptions/" + sub:
                return s
        return None

    def sub_part(self, obj, part):
        """A subscription part for the subscription of ``obj`` (a resource or a subscription); NotEvaluated if unread."""
        sub = obj if obj in self.subscriptions else self.subscription_of(obj)
        if sub is None:
            raise NotEvaluated("needs the subscription's %s; the subscription is not in the inventory" % part)
        parts = sub.get("parts") or {}
        err = _part_error(parts.get(part)) or self.error_for(sub.get("id"), part) or \
            self.error_for(sub.get("subscription_id"), part)
        if err:
            raise NotEvaluated(describe_error(part, err))
        if part not in parts:
            raise NotEvaluated("the subscription's %s was not collected" % part)
        value = parts[part]
        if isinstance(value, dict) and isinstance(value.get("value"), list):
            value = value["value"]
        return value if value is not None else []


def _part_error(value):
    if isinstance(value, dict) and isinstance(value.get("error"), dict) and len(value) <= 2:
        return value["error"]
    return None


def describe_error(part, err):
    """A sentence for a collector error: what could not be read and the permission it needs."""
    if not isinstance(err, dict):
        return "could not read %s: %s" % (part, err)
    bits = [str(err.get(k)) for k in ("status", "code") if err.get(k) not in (None, "")]
    text = "could not read %s (%s)" % (part, " ".join(bits) or "error")
    if err.get("action"):
        text += "; needs the permission %s" % err["action"]
    if err.get("message"):
        text += ": %s" % str(err["message"])[:200]
    return text


def _eq(a, b, ic):
    if ic and isinstance(a, str) and isinstance(b, str):
        return a.lower() == b.lower()
    if isinstance(a, bool) or isinstance(b, bool):
        return a is b or (isinstance(a, str) and isinstance(b, bool) and a.lower() == str(b).lower())
    return a == b


def _num(v):
    if isinstance(v, bool):
        return None
    if isinstance(v, (int, float)):
        return v
    try:
        return float(str(v))
    except (TypeError, ValueError):
        return None


def _leaf(expr, obj, ctx):
    path = expr["path"]
    ic = bool(expr.get("ignore_case"))
    op = [k for k in expr if k not in ("path", "ignore_case")][0]
    want = ctx.value(expr[op])
    if isinstance(want, list):
        want = [ctx.value(w) for w in want]
    got = resolve(obj, path)
    if op == "equals":
        ok = _eq(got, want, ic)
    elif op == "not_equals":
        ok = not _eq(got, want, ic)
    elif op == "in":
        ok = any(_eq(got, w, ic) for w in want or [])
    elif op == "not_in":
        ok = not any(_eq(got, w, ic) for w in want or [])
    elif op in ("gte", "lte", "gt", "lt"):
        a, b = _num(got), _num(want)
        ok = a is not None and b is not None and {"gte": a >= b, "lte": a <= b, "gt": a > b, "lt": a < b}[op]
    elif op == "matches":
        ok = got is not None and re.search(str(want), str(got), re.I if ic else 0) is not None
    elif op in ("contains", "not_contains"):
        if isinstance(got, (list, tuple)):
            found = any(_eq(g, want, ic) for g in got)
        elif isinstance(got, dict):
            found = any(_eq(k, want, ic) for k in got)
        elif isinstance(got, str):
            found = (str(want).lower() in got.lower()) if ic else (str(want) in got)
        else:
            found = False
        ok = found if op == "contains" else not found
    elif op == "exists":
        ok = (got is not None) == bool(want)
    elif op == "truthy":
        ok = bool(got) == bool(want)
    elif op == "version_gte":
        a, b = version_tuple(got), version_tuple(want)
        ok = a is not None and b is not None and a >= b
    else:  # pragma: no cover - validated
        raise RuleError("unknown operator %r" % op)
    expected = "%s %s %s" % (path, op, _fmt(want))
    msg = "%s is %s (expected %s %s)" % (path, _fmt(got), op.replace("_", " "), _fmt(want))
    return Result(ok, expected, {path: shorten(got)}, msg)


def _merge_actual(results):
    actual = {}
    for r in results:
        if isinstance(r.actual, dict):
            actual.update(r.actual)
        elif r.actual is not None:
            actual.setdefault("values", []).append(r.actual)
    return actual


def _flat_expected(results):
    out = []
    for r in results:
        if isinstance(r.expected, list):
            out.extend(r.expected)
        elif r.expected is not None:
            out.append(r.expected)
    return out if len(out) != 1 else out[0]


def _item_label(item, index):
    if isinstance(item, dict):
        for key in ("name", "id"):
            if isinstance(item.get(key), str):
                return item[key]
    return "[%d]" % index


def evaluate_expression(expr, obj, ctx):
    """Evaluate ``expr`` against ``obj``; returns a Result."""
    if "path" in expr:
        return _leaf(expr, obj, ctx)
    if "all" in expr or "any" in expr:
        key = "all" if "all" in expr else "any"
        results = [evaluate_expression(sub, obj, ctx) for sub in expr[key]]
        if key == "all":
            bad = [r for r in results if not r.ok]
            shown = bad or results
            return Result(not bad, _flat_expected(shown), _merge_actual(shown),
                          "; ".join(r.message for r in bad) if bad else "all conditions hold")
        good = [r for r in results if r.ok]
        return Result(bool(good), "any of: " + " | ".join(str(_flat_expected([r])) for r in results),
                      _merge_actual(good or results),
                      good[0].message if good else "none holds: " + "; ".join(r.message for r in results))
    if "not" in expr:
        r = evaluate_expression(expr["not"], obj, ctx)
        return Result(not r.ok, "not (%s)" % _flat_expected([r]), r.actual,
                      ("not expected: " + r.message) if r.ok else r.message)
    if "each" in expr or "none" in expr:
        key = "each" if "each" in expr else "none"
        items = resolve(obj, expr[key])
        if isinstance(items, dict):
            items = [dict(v, name=k) if isinstance(v, dict) and "name" not in v else v for k, v in items.items()]
        items = items or []
        if not isinstance(items, list):
            items = [items]
        failing, sub_expected = [], None
        for i, item in enumerate(items):
            r = evaluate_expression(expr["expect"], item, ctx)
            sub_expected = r.expected if sub_expected is None else sub_expected
            if r.ok != (key == "each"):
                failing.append((_item_label(item, i), r))
        if sub_expected is None:
            sub_expected = _flat_expected([evaluate_expression(expr["expect"], {}, ctx)])
        expected = "%s of %s: %s" % ("every item" if key == "each" else "no item", expr[key], sub_expected)
        actual = {"items": len(items), "offending": shorten(dict((lbl, r.actual) for lbl, r in failing))}
        if not failing:
            return Result(True, expected, actual, "%d item(s) of %s checked" % (len(items), expr[key]))
        msg = "%d of %d item(s) of %s %s: %s" % (
            len(failing), len(items), expr[key], "fail" if key == "each" else "match",
            ", ".join(item[0] for item in failing[:MAX_LIST]) + (" ..." if len(failing) > MAX_LIST else ""))
        return Result(False, expected, actual, msg)
    if "count" in expr:
        items = resolve(obj, expr["count"])
        if isinstance(items, dict):
            items = list(items.values())
        items = items if isinstance(items, list) else ([] if items is None else [items])
        where = expr.get("where")
        n = sum(1 for it in items if where is None or evaluate_expression(where, it, ctx).ok)
        op = [k for k in ("gte", "lte", "equals") if k in expr][0]
        want = _num(ctx.value(expr[op]))
        ok = {"gte": n >= want, "lte": n <= want, "equals": n == want}[op]
        label = "count of %s%s" % (expr["count"], " where %s" % _flat_expected(
            [evaluate_expression(where, {}, ctx)]) if where else "")
        return Result(ok, "%s %s %s" % (label, op, _fmt(want)), {"count": n},
                      "%s is %d (expected %s %s)" % (label, n, op, _fmt(want)))
    if "check" in expr:
        from ansible_collections.erpops.azure.plugins.module_utils import audit_checks
        args = dict((k, ctx.value(v)) for k, v in (expr.get("args") or {}).items())
        return audit_checks.CHECKS[expr["check"]](ctx, obj, args)
    raise RuleError("unknown expression %r" % (expr,))  # pragma: no cover - validated


# --------------------------------------------------------------------------------------------------------------------
# Targets and evaluation
# --------------------------------------------------------------------------------------------------------------------

def _targets(ctx, case):
    """[(kind, object, resource label)] for a case's targets."""
    out = []
    for t in case["target"]:
        if t == "subscription":
            out.extend(("subscription", s, s.get("id") or "/subscriptions/%s" % s.get("subscription_id"))
                       for s in ctx.subscriptions)
        elif t == "host":
            out.extend(("host", h, h.get("host")) for h in ctx.hosts)
        elif t == "any":
            out.extend(("resource", r, r.get("id")) for r in ctx.resources)
        else:
            out.extend(("resource", r, r.get("id")) for r in ctx.of_type(t))
    return out


def _missing_need(ctx, kind, obj, label, need):
    """A not_evaluated message when ``need`` is not readable on the target, else None."""
    if kind == "host":
        if obj.get(need) is not None:
            return None
        if obj.get("error"):
            return "the host %s could not be probed: %s" % (label, str(obj["error"])[:200])
        return "the host's %s was not collected" % need
    parts = obj.get("parts") or {}
    err = _part_error(parts.get(need)) or ctx.error_for(obj.get("id"), need)
    if kind == "subscription" and not err:
        err = ctx.error_for(obj.get("subscription_id"), need)
    if err:
        return describe_error(need, err)
    if need not in parts:
        return "%s was not collected for this %s" % (need, "subscription" if kind == "subscription" else "resource")
    return None


def _type_list_error(ctx, case):
    """A collector error for listing one of the case's resource types in a scope (``<scope>|<type>``), or None."""
    for t in case["target"]:
        if t in SPECIAL_TARGETS:
            continue
        for key, err in ctx.errors.items():
            if key.endswith("|" + t.lower()):
                return describe_error("the %s list" % t, err)
    return None


def scope_label(inventory):
    scope = (inventory or {}).get("scope") or []
    if isinstance(scope, str):
        return scope
    return ", ".join(str(s) for s in scope) or "(empty scope)"


def _finding(rule, status, resource, expected=None, actual=None, message=""):
    return dict(check=rule["id"], status=status, severity=rule["severity"], resource=resource,
                expected=shorten(expected), actual=shorten(actual), message=str(message)[:1000],
                title=rule["title"], group=rule["group"])


def evaluate_rule(rule, ctx):
    """Findings of one rule: one per target, or one per resource a check judged (PerResource), or one
    not_applicable/not_evaluated/fail for the scope."""
    ctx.rule = rule
    findings = []
    seen = set()
    any_target = False
    for case in rule["cases"]:
        for kind, obj, label in _targets(ctx, case):
            any_target = True
            ctx.target_kind = kind
            try:
                missing = [m for m in (_missing_need(ctx, kind, obj, label, n) for n in case["needs"]) if m]
                if missing:
                    findings.append(_finding(rule, "not_evaluated", label, message="; ".join(missing)))
                    continue
                if case.get("applies") is not None:
                    r = evaluate_expression(case["applies"], obj, ctx)
                    if not r.ok:
                        findings.append(_finding(rule, "not_applicable", label, r.expected, r.actual,
                                                 "does not apply: " + r.message))
                        continue
                r = evaluate_expression(case["expect"], obj, ctx)
                if isinstance(r, PerResource) and r.items:
                    for resource, item in r.items:
                        # An assignment inherited from a management group is listed by every subscription under it.
                        if resource.lower() not in seen:
                            seen.add(resource.lower())
                            findings.append(_finding(rule, "pass" if item.ok else "fail", resource, item.expected, item.actual,
                                                     item.message))
                    continue
                findings.append(_finding(rule, "pass" if r.ok else "fail", label, r.expected, r.actual, r.message))
            except NotEvaluated as e:
                findings.append(_finding(rule, "not_evaluated", label, message=str(e)))
            except NotApplicable as e:
                findings.append(_finding(rule, "not_applicable", label, message="does not apply: %s" % e))
            except Exception as e:  # pylint: disable=broad-except
                findings.append(_finding(rule, "error", label, message="%s: %s" % (type(e).__name__, e)))
    if not any_target:
        scope = scope_label(ctx.inventory)
        targets = ", ".join(t for c in rule["cases"] for t in c["target"])
        err = None
        for case in rule["cases"]:
            err = err or _type_list_error(ctx, case)
        if err:
            findings.append(_finding(rule, "not_evaluated", scope, message=err))
        elif rule.get("when_none") == "fail":
            findings.append(_finding(rule, "fail", scope, "at least one %s in scope" % targets, {"count": 0},
                                     "no %s in scope" % targets))
        else:
            findings.append(_finding(rule, "not_applicable", scope, message="no %s in scope" % targets))
    return findings


def evaluate(inventory, rules, params=None):
    """Evaluate ``rules`` (a rule set from load_rules, or a list of rules) against ``inventory``.

    ``params`` override the rule set's defaults (unknown names raise RuleError). Returns findings
    ``{check, status, severity, resource, expected, actual, message, title, group}``: one per check and resource,
    and one for the scope when a rule's target has no resource in it, so every check appears in the report.
    A rule that raises is an ``error`` finding, never a crash.
    """
    if isinstance(rules, dict):
        ruleset = rules
    else:
        ruleset = dict(rules=list(rules), params={})
    merged = merge_params(ruleset, params) if isinstance(rules, dict) else dict(params or {})
    ctx = Context(inventory, merged)
    findings = []
    for rule in ruleset["rules"]:
        try:
            findings.extend(evaluate_rule(rule, ctx))
        except Exception as e:  # pylint: disable=broad-except
            findings.append(_finding(rule, "error", scope_label(inventory), message="%s: %s" % (type(e).__name__, e)))
    return findings
