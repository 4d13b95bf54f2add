# -*- coding: utf-8 -*-
# Copyright: (c) 2026, erpops.azure contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Azure RBAC's evaluation of permission blocks (Learn, "Understand Azure role definitions": actions and notActions).

An action is granted when one block lists it in ``actions`` (``*`` matches any characters, case-insensitively) and the same
block does not list it in ``notActions``: notActions only subtract from their own block, so another role's block may grant
what one block excludes. Data actions work the same with ``dataActions`` / ``notDataActions``.
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import re


def _pattern(action):
    return re.compile("^" + ".*".join(re.escape(part) for part in action.split("*")) + "$", re.IGNORECASE)


def _matches(patterns, action):
    return any(_pattern(p).match(action) for p in patterns or [])


def grants(blocks, action, data=False):
    """True when one of ``blocks`` (dicts with actions/notActions/dataActions/notDataActions) grants ``action``."""
    key, notkey = ("dataActions", "notDataActions") if data else ("actions", "notActions")
    return any(_matches(b.get(key), action) and not _matches(b.get(notkey), action) for b in blocks or [])


def missing(blocks, actions, data=False):
    """The ``actions`` none of ``blocks`` grants, in their order."""
    return [a for a in actions or [] if not grants(blocks, a, data)]
