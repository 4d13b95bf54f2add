# -*- coding: utf-8 -*-
# Copyright: (c) 2026, erpops.azure contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Compare what the user asked for with what Azure has, and show the difference safely.

Only the fields the user set are compared, so server defaults and read-only fields never cause
a false ``changed``.  Values are normalised the way Azure treats them: location names without
case or spaces, resource ids case-insensitively, enum values case-insensitively where a module
says so.
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import copy

REDACTED = "********"


def norm_location(value):
    return value.replace(" ", "").lower() if isinstance(value, str) else value


def _looks_like_id(value):
    return isinstance(value, str) and value.lower().startswith("/subscriptions/")


def _equal_scalar(want, have, path, ci_paths):
    if want == have:
        return True
    if isinstance(want, str) and isinstance(have, str):
        if path and path[-1].lower() == "location":
            return norm_location(want) == norm_location(have)
        if _looks_like_id(want) or _looks_like_id(have):
            return want.rstrip("/").lower() == have.rstrip("/").lower()
        if ".".join(path) in ci_paths:
            return want.lower() == have.lower()
    # Azure echoes numbers as strings in places (autoscale capacities) and vice versa.
    if isinstance(want, (int, float)) and not isinstance(want, bool) and isinstance(have, str):
        return str(want) == have
    if isinstance(have, (int, float)) and not isinstance(have, bool) and isinstance(want, str):
        return want == str(have)
    return False


def differences(want, have, path=(), ci_paths=(), unordered=(), exact=(), exact_trees=()):
    """Paths (dotted strings) where ``have`` does not satisfy ``want``.

    Dicts: only keys present in ``want`` are checked (``None`` values in ``want`` mean "not set"), except at
    the dotted paths in ``exact`` (tags, app settings), where keys ``have`` has and ``want`` lacks count too.
    Under the dotted paths in ``exact_trees`` (a document the user gives whole, such as a dashboard's lenses) every
    dict is exact at every depth, and a ``None`` in ``want`` means null, not "not set".
    Lists: compared element by element, or as multisets for paths listed in ``unordered``.
    """
    out = []
    in_tree = any(path[:len(t)] == t for t in (tuple(x.split(".")) for x in exact_trees))
    if isinstance(want, dict):
        if not isinstance(have, dict):
            if have is None and not want and (".".join(path) in exact or in_tree):
                return []
            return [".".join(path) or "."]
        if ".".join(path) in exact and set(have) - set(want):
            return [".".join(path)]
        if in_tree and {k for k, v in have.items() if v is not None} - set(want):
            return [".".join(path) or "."]
        for key, value in want.items():
            if value is None:
                if in_tree and _get_ci(have, key) is not None:
                    out.append(".".join(path + (key,)))
                continue
            out.extend(differences(value, _get_ci(have, key), path + (key,), ci_paths, unordered, exact, exact_trees))
        return out
    if isinstance(want, list):
        if not isinstance(have, list) or len(want) != len(have):
            return [".".join(path)]
        if ".".join(path) in unordered:
            remaining = list(have)
            for item in want:
                match = next((i for i, h in enumerate(remaining) if not differences(item, h, path, ci_paths, unordered, exact, exact_trees)), None)
                if match is None:
                    return [".".join(path)]
                remaining.pop(match)
            return []
        for i, (w, h) in enumerate(zip(want, have)):
            out.extend(differences(w, h, path + (str(i),), ci_paths, unordered, exact, exact_trees))
        return out
    return [] if _equal_scalar(want, have, path, ci_paths) else [".".join(path)]


def _get_ci(mapping, key):
    if key in mapping:
        return mapping[key]
    low = key.lower()
    for k, v in mapping.items():
        if isinstance(k, str) and k.lower() == low:
            return v
    return None


def merge(base, overlay):
    """``overlay`` merged into a deep copy of ``base`` (dicts recursively, lists replaced, None skipped)."""
    out = copy.deepcopy(base) if isinstance(base, dict) else {}
    for key, value in (overlay or {}).items():
        if value is None:
            continue
        if isinstance(value, dict) and isinstance(out.get(key), dict):
            out[key] = merge(out[key], value)
        else:
            out[key] = copy.deepcopy(value)
    return out


def replace_at(doc, dotted, value):
    """``doc`` (changed in place) with the value at the dotted path replaced by a copy of ``value``."""
    keys = dotted.split(".")
    node = doc
    for key in keys[:-1]:
        if not isinstance(node.get(key), dict):
            node[key] = {}
        node = node[key]
    node[keys[-1]] = copy.deepcopy(value)
    return doc


def lookup(doc, dotted):
    """The value at a dotted path of nested dicts, or None."""
    node = doc
    for key in dotted.split("."):
        if not isinstance(node, dict):
            return None
        node = node.get(key)
    return node


def redact(value, secret_paths=(), secret_keys=()):
    """A copy with secrets replaced: dotted ``secret_paths`` (``*`` matches any key) and any key in ``secret_keys``."""
    patterns = [tuple(p.split(".")) for p in secret_paths]
    lowered = {k.lower() for k in secret_keys}

    def walk(node, path):
        if any(_match(p, path) for p in patterns):
            return _mask(node)
        if isinstance(node, dict):
            return dict((k, REDACTED if (isinstance(k, str) and k.lower() in lowered and node[k] is not None) else walk(v, path + (k,)))
                        for k, v in node.items())
        if isinstance(node, list):
            return [walk(v, path + (str(i),)) for i, v in enumerate(node)]
        return node

    return walk(copy.deepcopy(value), ())


def _mask(node):
    if isinstance(node, dict):
        return dict((k, _mask(v)) for k, v in node.items())
    if isinstance(node, list):
        return [_mask(v) for v in node]
    return None if node is None else REDACTED


def _match(pattern, path):
    if len(pattern) != len(path):
        return False
    return all(p == "*" or p.lower() == str(q).lower() for p, q in zip(pattern, path))


def tags_wanted(current, wanted, purge):
    """The tag map to send: ``wanted`` alone when purging, else ``current`` updated with ``wanted``."""
    if wanted is None:
        return None
    if purge:
        return dict(wanted)
    out = dict(current or {})
    out.update(wanted)
    return out
