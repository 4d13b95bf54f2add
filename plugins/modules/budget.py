#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright: (c) 2026, erpops.azure contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import absolute_import, division, print_function

__metaclass__ = type

DOCUMENTATION = r"""
module: budget
short_description: Create, update or delete a cost budget of a subscription or resource group
version_added: 0.1.0
description:
  - Manages a C(Microsoft.Consumption/budgets) budget with its e-mail notifications, at subscription scope or, with
    O(resource_group), at resource-group scope.
  - Only the options you set are compared; updates send the budget's eTag, so a concurrent change is refused rather than overwritten.
author:
  - erpops.azure maintainers (@erpops)
options:
  name:
    description: Name of the budget (letters, digits, C(_) and C(-)).
    type: str
    required: true
  resource_group:
    description: Resource group the budget watches; the whole subscription when unset.
    type: str
  amount:
    description: Total cost allowed per time grain, in the billing currency. Required to create the budget.
    type: float
  time_grain:
    description: The period the amount applies to.
    type: str
    choices: [Monthly, Quarterly, Annually]
    default: Monthly
  start_date:
    description:
      - First day of the budget, C(YYYY-MM-01) (the first of a month). Defaults to the first day of the current month (UTC) on creation.
      - Azure cannot change the start date of an existing budget; the module refuses a different one.
    type: str
  end_date:
    description: Last day of the budget, C(YYYY-MM-DD). Azure uses ten years after the start when unset.
    type: str
  notifications:
    description: E-mail alerts; they replace the current notifications when set (at most five).
    type: list
    elements: dict
    suboptions:
      threshold:
        description: Percentage of the amount (0-1000) that triggers the alert.
        type: float
        required: true
      operator:
        description: Comparison with the threshold.
        type: str
        choices: [EqualTo, GreaterThan, GreaterThanOrEqualTo]
        default: GreaterThan
      contact_emails:
        description: Addresses to notify.
        type: list
        elements: str
        required: true
      threshold_type:
        description: Compare the actual cost or the forecast cost.
        type: str
        choices: [Actual, Forecasted]
        default: Actual
      enabled:
        description: Whether the notification is sent.
        type: bool
        default: true
  state:
    description: Whether the budget should exist.
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
"""

EXAMPLES = r"""
- name: Keep the ERP's monthly spend under the guide's 187 EUR
  erpops.azure.budget:
    name: erp-supermarket-production-monthly
    resource_group: erp-supermarket-production-rg
    amount: 187
    notifications:
      - threshold: 80
        contact_emails: [ops@example.com]
      - threshold: 100
        threshold_type: Forecasted
        contact_emails: [ops@example.com]
"""

RETURN = r"""
budget:
  description: The budget as Azure returns it (with current and forecast spend); empty when deleted.
  returned: always
  type: dict
  sample:
    name: erp-supermarket-production-monthly
    eTag: '"1d34d016a593709"'
    properties:
      amount: 187
      timeGrain: Monthly
      timePeriod: {startDate: "2026-11-01T00:00:00Z", endDate: "2036-11-01T00:00:00Z"}
      currentSpend: {amount: 42.1, unit: EUR}
      notifications:
        actual_GreaterThan_80:
          enabled: true
          operator: GreaterThan
          threshold: 80
          thresholdType: Actual
          contactEmails: [ops@example.com]
"""

import datetime
import re

from ansible_collections.erpops.azure.plugins.module_utils.module import AzureModule, Resource
from ansible_collections.erpops.azure.plugins.module_utils.plan import planned

API_VERSION = "2024-08-01"
NAME_RE = re.compile(r"^[A-Za-z0-9_-]{1,63}$")
EMAIL_RE = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")


def parse_date(text):
    try:
        return datetime.datetime.strptime(text, "%Y-%m-%d").date()
    except (TypeError, ValueError):
        return None


def notification_key(n):
    threshold = ("%g" % n["threshold"]).replace(".", "_")
    return "%s_%s_%s" % (n["threshold_type"].lower(), n["operator"], threshold)


def main():
    az = AzureModule(dict(
        name=dict(type="str", required=True),
        resource_group=dict(type="str"),
        amount=dict(type="float"),
        time_grain=dict(type="str", default="Monthly", choices=["Monthly", "Quarterly", "Annually"]),
        start_date=dict(type="str"),
        end_date=dict(type="str"),
        notifications=dict(type="list", elements="dict", options=dict(
            threshold=dict(type="float", required=True),
            operator=dict(type="str", default="GreaterThan", choices=["EqualTo", "GreaterThan", "GreaterThanOrEqualTo"]),
            contact_emails=dict(type="list", elements="str", required=True),
            threshold_type=dict(type="str", default="Actual", choices=["Actual", "Forecasted"]),
            enabled=dict(type="bool", default=True),
        )),
        state=dict(type="str", default="present", choices=["present", "absent"]),
    ))
    p = az.params
    if not NAME_RE.match(p["name"]):
        az.fail("name %r is not a valid budget name: use 1-63 letters, digits, '_' and '-'" % p["name"])
    if p["amount"] is not None and p["amount"] <= 0:
        az.fail("amount must be greater than 0, not %g" % p["amount"])
    start = None
    if p["start_date"] is not None:
        start = parse_date(p["start_date"])
        if start is None or start.day != 1:
            az.fail("start_date %r must be the first day of a month, as YYYY-MM-01" % p["start_date"])
    end = None
    if p["end_date"] is not None:
        end = parse_date(p["end_date"])
        if end is None or (start is not None and end <= start):
            az.fail("end_date %r must be a date (YYYY-MM-DD) after start_date" % p["end_date"])
    notes = None
    if p["notifications"] is not None:
        if len(p["notifications"]) > 5:
            az.fail("notifications: a budget can have at most 5, not %d" % len(p["notifications"]))
        notes = {}
        for n in p["notifications"]:
            if not 0 < n["threshold"] <= 1000:
                az.fail("notifications.threshold must be a percentage between 0 and 1000, not %g" % n["threshold"])
            bad = [e for e in n["contact_emails"] if not EMAIL_RE.match(e)]
            if not n["contact_emails"] or bad:
                az.fail("notifications.contact_emails needs at least one valid address (invalid: %s)" % ", ".join(bad or ["none given"]))
            key = notification_key(n)
            if key in notes:
                az.fail("notifications: two notifications with threshold %g, operator %s and threshold_type %s"
                        % (n["threshold"], n["operator"], n["threshold_type"]))
            notes[key] = {"enabled": n["enabled"], "operator": n["operator"], "threshold": n["threshold"],
                          "contactEmails": list(n["contact_emails"]), "thresholdType": n["threshold_type"]}

    def run():
        scope = "/subscriptions/%s" % az.subscription_id + ("/resourceGroups/%s" % p["resource_group"] if p["resource_group"] else "")
        budget = Resource(az, scope + "/providers/Microsoft.Consumption/budgets/" + p["name"], API_VERSION, exact=("properties.notifications",),
                          read_only_keys=("id", "name", "type"))
        current = budget.get()
        if p["state"] == "absent":
            changed, _doc, diff, _op = budget.ensure_absent()
            return dict(changed=changed, budget={}, diff=diff)
        cur = (current or {}).get("properties") or {}
        if current is None and p["amount"] is None:
            az.fail("amount is required to create budget %s" % p["name"])
        if current is not None and start is not None and cur.get("timePeriod", {}).get("startDate", "")[:10] != start.isoformat():
            az.fail("budget %s starts on %s; Azure cannot change the start date of a budget (asked: %s). Delete and create it again"
                    % (p["name"], cur.get("timePeriod", {}).get("startDate", "")[:10], start.isoformat()))
        compare = {"properties": {"amount": p["amount"], "timeGrain": p["time_grain"], "notifications": notes}}
        if end is not None:
            compare["properties"]["timePeriod"] = {"endDate": end.isoformat() + "T00:00:00Z"}
        if current is None:
            first = start or datetime.datetime.now(datetime.timezone.utc).date().replace(day=1)
            period = {"startDate": first.isoformat() + "T00:00:00Z"}
        else:
            period = {"startDate": cur["timePeriod"]["startDate"], "endDate": cur["timePeriod"].get("endDate")}
        if end is not None:
            period["endDate"] = end.isoformat() + "T00:00:00Z"
        props = {"category": "Cost", "amount": p["amount"] if p["amount"] is not None else cur.get("amount"), "timeGrain": p["time_grain"],
                 "timePeriod": dict((k, v) for k, v in period.items() if v), "notifications": notes if notes is not None else cur.get("notifications") or {}}
        if cur.get("filter"):
            props["filter"] = cur["filter"]
        body = {"properties": props}
        if current is not None and current.get("eTag"):
            body["eTag"] = current["eTag"]  # optimistic concurrency: 412 if someone changed the budget since the GET
        changed, doc, diff, _op = budget.ensure_present(compare, body=body)
        doc, diff = planned(az, budget.path, changed, doc, diff)
        if changed and az.check_mode:
            # The prediction merges dicts; notifications are replaced as a whole.
            doc["properties"]["notifications"] = props["notifications"]
            diff["after"]["properties"]["notifications"] = props["notifications"]
        return dict(changed=changed, budget=doc, diff=diff)

    az.run(run)


if __name__ == "__main__":
    main()
