# -*- coding: utf-8 -*-
# Copyright: (c) 2026, erpops.azure contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Check mode is the plan: what a module reports for a resource it would create, when the resource (or its parent: the
resource group, the server, the account, the component...) exists only in the plan so far."""

from __future__ import absolute_import, division, print_function

__metaclass__ = type


def identity(path):
    """The id and name Azure gives the resource at ``path`` (its name is the path's last segment)."""
    return {"id": path, "name": path.rstrip("/").rsplit("/", 1)[-1]}


def planned(az, path, changed, doc, diff):
    """(doc, diff) with the id and name of a resource the check-mode run would create added to the returned resource and
    to ``diff.after``; unchanged outside check mode, or when the resource exists (``diff.before`` is not empty)."""
    if not (az.check_mode and changed and isinstance(diff, dict) and not diff.get("before") and diff.get("after") != {}):
        return doc, diff
    ident = identity(path)
    doc = dict(ident, **dict((k, v) for k, v in (doc or {}).items() if k not in ident))
    after = diff.get("after") or {}
    diff = dict(diff, after=dict(ident, **dict((k, v) for k, v in after.items() if k not in ident)))
    return doc, diff


def parent_missing(az, path, api_version, what):
    """True when the parent at ``path`` does not exist: in check mode the caller then predicts its child (the parent is only
    planned); outside check mode it fails here, naming ``what`` ("storage account x in resource group y"), before any write."""
    if az.arm.get(path, api_version) is not None:
        return False
    az.parent_missing("%s does not exist; create it first" % what)
    return True
