#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright: (c) 2026, erpops.azure contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import absolute_import, division, print_function

__metaclass__ = type

DOCUMENTATION = r"""
module: resource_tags
short_description: Set or remove the tags of any Azure resource, resource group or subscription
version_added: 0.4.0
description:
  - Reads and writes the tags of one scope through Azure Resource Manager's Tags API
    (C({scope}/providers/Microsoft.Resources/tags/default)), whatever the resource's provider, without sending the rest of
    the resource.
  - It is for resources whose own module cannot tag them, for example a resource Azure created for you (the DNS zone of an
    App Service Domain), or a resource type whose update has no tags (App Service Domains, App Service certificates).
  - Tag names are compared without regard to case, as Azure does; values are compared exactly.
  - Only the tags that differ are sent, with the Tags API's C(Merge) operation, so tags set by others stay. With
    O(purge=true) the whole set is replaced (C(Replace)). With O(state=absent) the listed tags are removed (C(Delete)).
  - Needs C(Microsoft.Resources/tags/read) and C(Microsoft.Resources/tags/write) at the scope, as Contributor or Tag Contributor
    have.
  - One read per scope (its tags); with O(scopes), several scopes in one task and one module run.
author:
  - erpops.azure maintainers (@erpops)
options:
  scope:
    description:
      - The resource ID of what to tag, for example
        C(/subscriptions/<id>/resourceGroups/<group>/providers/Microsoft.DomainRegistration/domains/example.com), a resource
        group (C(/subscriptions/<id>/resourceGroups/<group>)) or a subscription (C(/subscriptions/<id>)).
      - Child (proxy) resources, such as a database of a server, have no tags of their own.
      - Exactly one of O(scope) and O(scopes) is required.
    type: str
  scopes:
    description:
      - Several scopes in one task, converged one after another, each a dict of this module's per-scope options (O(scope),
        O(tags), O(purge), O(state)), validated as those options are; an option an element leaves out takes the task's
        top-level value (the tags they share, say).
      - The result then lists each scope in RV(per_resource) (named by its scope), and the diff holds the changed ones.
    type: list
    elements: dict
  tags:
    description:
      - With O(state=present), the tags the scope must have. With O(state=absent), the tags to remove; a tag is removed only
        when its value matches, or for any value when the value given is empty.
      - At most 50 tags; names up to 512 characters without C(<>%&\?/), values up to 256 characters.
      - Required, here or in each element of O(scopes).
    type: dict
  purge:
    description: With O(state=present), remove the tags not listed in O(tags).
    type: bool
    default: false
  state:
    description: Whether the listed tags should be there or not.
    type: str
    default: present
    choices: [present, absent]
extends_documentation_fragment:
  - erpops.azure.attributes
  - erpops.azure.azure
attributes:
  check_mode:
    support: full
  diff_mode:
    support: full
notes:
  - The Tags API answers for a scope that exists only; a missing resource fails the task with Azure's C(ResourceNotFound).
seealso:
  - name: Tags - Update At Scope (REST API)
    description: The operation this module sends.
    link: https://learn.microsoft.com/rest/api/resources/tags/update-at-scope
"""

EXAMPLES = r"""
- name: Tag the App Service Domain and the zone Azure created with it
  erpops.azure.resource_tags:
    tags:
      application: erp-supermarket
      environment: production
      managed-by: erpops.azure
    scopes:
      - scope: "{{ domain_result.domain.id }}"
      - scope: "{{ domain_result.dns_zone_id }}"

- name: Remove a tag whatever its value
  erpops.azure.resource_tags:
    scope: /subscriptions/00000000-0000-0000-0000-000000000000/resourceGroups/erp-supermarket-production-rg
    tags:
      temporary: ""
    state: absent
"""

RETURN = r"""
tags:
  description: The tags of the scope after the task (predicted in check mode).
  returned: always
  type: dict
  sample: {application: erp-supermarket, environment: production, managed-by: erpops.azure}
per_resource:
  description: With O(scopes), one result per scope in order, with its C(name) (the scope), C(changed), C(tags), C(diff).
  returned: with O(scopes)
  type: list
  elements: dict
  sample:
    - name: "/subscriptions/00000000-0000-0000-0000-000000000000/resourceGroups/erp-supermarket-production-rg\
        /providers/Microsoft.Network/dnszones/erp.example.com"
      changed: false
      tags: {application: erp-supermarket, environment: production, managed-by: erpops.azure}
      diff: {}
"""

import re

from ansible_collections.erpops.azure.plugins.module_utils.module import AzureModule, parameter_sets, per_resource_result

API_VERSION = "2021-04-01"
FORBIDDEN = re.compile(r"[<>%&\\?/]")
SCOPE = re.compile(r"^/subscriptions/[^/]+(/resourceGroups/[^/]+(/providers/[^/]+(/[^/]+/[^/]+)+)?)?$", re.I)


def _validate(az, p, where=""):
    scope = p["scope"].rstrip("/")
    if not SCOPE.match(scope):
        az.fail("%sscope must be a subscription, resource group or resource ID (/subscriptions/<id>[/resourceGroups/<group>"
                "[/providers/<namespace>/<type>/<name>]]), got %s" % (where, p["scope"]))
    tags = p["tags"]
    problems = []
    if len(tags) > 50:
        problems.append("at most 50 tags (got %d)" % len(tags))
    for name, value in tags.items():
        # hidden-link:/hidden-related: names carry resource ids, '/' included (Azure accepts them).
        hidden = name.lower().startswith(("hidden-link:", "hidden-related:"))
        if not name or FORBIDDEN.search(name.replace("/", "") if hidden else name):
            problems.append("tag name %r has a character Azure refuses (< > %% & \\ ? /)" % name)
        if len(name) > 512:
            problems.append("tag name %r is longer than 512 characters" % name[:32])
        if value is not None and len(str(value)) > 256:
            problems.append("the value of tag %r is longer than 256 characters" % name)
    if problems:
        az.fail("%stags: %s" % (where, "; ".join(problems)))
    return scope, dict((k, "" if v is None else str(v)) for k, v in tags.items())


def _plan(current, tags, purge, state):
    """(operation, tags to send, predicted) or (None, None, current) when nothing changes."""
    names = dict((k.lower(), k) for k in current)
    if state == "absent":
        gone = dict((names[k.lower()], current[names[k.lower()]]) for k, v in tags.items()
                    if k.lower() in names and (v == "" or current[names[k.lower()]] == v))
        if not gone:
            return None, None, current
        return "Delete", gone, dict((k, v) for k, v in current.items() if k not in gone)
    if purge:
        same = len(current) == len(tags) and all(k.lower() in names and current[names[k.lower()]] == v for k, v in tags.items())
        return (None, None, current) if same else ("Replace", tags, dict(tags))
    differ = dict((k, v) for k, v in tags.items() if k.lower() not in names or current[names[k.lower()]] != v)
    if not differ:
        return None, None, current
    predicted = dict((k, v) for k, v in current.items() if k.lower() not in {n.lower() for n in differ})
    predicted.update(differ)
    return "Merge", differ, predicted


PER_SCOPE = dict(
    scope=dict(type="str"),
    tags=dict(type="dict"),
    purge=dict(type="bool"),
    state=dict(type="str", choices=["present", "absent"]),
)


def main():
    spec = dict(PER_SCOPE, scopes=dict(type="list", elements="dict"))
    spec["purge"] = dict(type="bool", default=False)
    spec["state"] = dict(type="str", default="present", choices=["present", "absent"])
    az = AzureModule(spec, mutually_exclusive=[("scope", "scopes")], required_one_of=[("scope", "scopes")])
    p = az.params
    sets = parameter_sets(az, "scopes", PER_SCOPE, required=("scope", "tags"))
    # Every element is checked before the first request: a wrong one fails the task before anything is written.
    checked = [_validate(az, q, "" if p["scopes"] is None else "scopes[%d]: " % i) for i, q in enumerate(sets)]

    def converge(q, scope, tags):
        path = scope + "/providers/Microsoft.Resources/tags/default"
        status, _headers, doc = az.arm.request("GET", path, API_VERSION, expect=(200, 404))
        if status == 404:
            # Check mode: the resource is only planned (an earlier task predicts it), untagged until it is created.
            az.parent_missing("%s not found: the Tags API can only tag an existing resource" % scope)
            doc = None
        current = dict(((doc or {}).get("properties") or {}).get("tags") or {})
        operation, send, predicted = _plan(current, tags, q["purge"], q["state"])
        # The Tags API resource's id in the diff: a plan (check mode) names what it would tag.
        diff = {"before": {"id": path, "tags": current}, "after": {"id": path, "tags": predicted}}
        if operation is None:
            return dict(changed=False, tags=current, diff=diff)
        if az.check_mode:
            return dict(changed=True, tags=predicted, diff=diff)
        op = az.arm.start("PATCH", path, API_VERSION, body={"operation": operation, "properties": {"tags": send}})
        result = az.arm.wait(op, 300) or {}
        after = (result.get("properties") or {}).get("tags")
        return dict(changed=True, tags=after if isinstance(after, dict) else predicted, diff=diff)

    def run():
        if p["scopes"] is None:
            return converge(p, *checked[0])
        return per_resource_result([(scope, converge(q, scope, tags)) for q, (scope, tags) in zip(sets, checked)])

    az.run(run)


if __name__ == "__main__":
    main()
