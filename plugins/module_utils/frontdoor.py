# -*- coding: utf-8 -*-
# Copyright: (c) 2026, erpops.azure contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""What the five Azure Front Door modules (profile, endpoint, origin group, origin, route) share: the API version, the
naming rule, the resource paths, and the run of a module (read; delete; or check the parents and converge)."""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import re

from ansible_collections.erpops.azure.plugins.module_utils.module import Resource
from ansible_collections.erpops.azure.plugins.module_utils.plan import planned

API_VERSION = "2024-09-01"


def check_name(az, what, longest):
    """Learn "Naming rules and restrictions for Azure resources" (Microsoft.Cdn): letters, digits and hyphens, starting
    and ending with a letter or digit, 1 to ``longest`` characters."""
    name = az.params["name"]
    if not re.match(r"^[A-Za-z0-9](?:[A-Za-z0-9-]{0,%d}[A-Za-z0-9])?$" % (longest - 2), name):
        az.fail("name %r is not a valid %s name: use 1-%d letters, digits and hyphens, starting and ending with a letter or digit"
                % (name, what, longest))


def profile_path(az, profile=None):
    p = az.params
    return "/subscriptions/%s/resourceGroups/%s/providers/Microsoft.Cdn/profiles/%s" % (az.subscription_id, p["resource_group"], profile or p["profile"])


def profile_parent(az):
    """The parent entry of ``converge`` for a resource of the profile named by the ``profile`` option."""
    p = az.params
    return ("Front Door profile %s" % p["profile"], "resource group %s" % p["resource_group"], profile_path(az), "front_door_profile")


def in_profile(az):
    p = az.params
    return "Front Door profile %s (resource group %s)" % (p["profile"], p["resource_group"])


def resource(az, path, **kwargs):
    return Resource(az, path, API_VERSION, **kwargs)


def converge(az, res, key, build, parents=()):
    """One module run: ``state=absent`` deletes ``res``; otherwise ``build(current)`` returns (desired, body or None) or
    fails with a clear message, each parent ``(what, where, path, create_with)`` must exist before a creation outside check mode
    (in check mode a parent that is only planned is predicted on), and ``res`` converges. Returns the module's result:
    changed, ``key`` (the resource, ``{}`` once deleted), diff, and the operation when it was not awaited."""
    p = az.params
    current = res.get()
    if p["state"] == "absent":
        changed, _doc, diff, op = res.ensure_absent(wait=p["wait"], wait_timeout=p["wait_timeout"])
        return _result(key, changed, {}, diff, op)
    desired, body = build(current)
    if current is None and not az.check_mode:
        for what, where, path, create_with in parents:
            if az.arm.get(path, API_VERSION) is None:
                az.fail("%s not found in %s; create it first (erpops.azure.%s)" % (what, where, create_with))
    changed, doc, diff, op = res.ensure_present(desired, body=body, wait=p["wait"], wait_timeout=p["wait_timeout"])
    doc, diff = planned(az, res.path, changed, doc, diff)
    return _result(key, changed, doc, diff, op)


def _result(key, changed, doc, diff, op):
    result = {"changed": changed, key: doc, "diff": diff}
    if op:
        result["operation"] = op
    return result
