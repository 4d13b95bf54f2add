#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright: (c) 2026, erpops.azure contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import absolute_import, division, print_function

__metaclass__ = type

DOCUMENTATION = r"""
module: monitor_action_group
short_description: Create, update or delete an Azure Monitor action group
version_added: 0.1.0
description:
  - Creates an action group (C(Microsoft.Insights/actionGroups)), the list of people and endpoints an alert notifies
    (email, SMS, webhook), keeps it as asked, or deletes it.
  - Only the options you set are compared; receiver lists replace the group's receivers of that kind unless
    O(purge_receivers=false).
author:
  - erpops.azure maintainers (@erpops)
options:
  name:
    description: Name of the action group.
    type: str
    required: true
  resource_group:
    description: Resource group of the action group.
    type: str
    required: true
  location:
    description: V(Global), or one of the regions Azure offers for data residency. V(Global) when creating without it.
    type: str
  group_short_name:
    description: Short name shown in SMS and email notifications, at most 12 characters. Required to create the group.
    type: str
  enabled:
    description: Whether the group sends notifications. Azure enables a new group when it is not set.
    type: bool
  email_receivers:
    description: Email receivers. Receiver names must be unique across all receivers of the group.
    type: list
    elements: dict
    suboptions:
      name:
        description: Name of the receiver.
        type: str
        required: true
      email_address:
        description: Email address to notify.
        type: str
        required: true
      use_common_alert_schema:
        description: Send the common alert schema.
        type: bool
        default: false
  sms_receivers:
    description: SMS receivers (at most 10).
    type: list
    elements: dict
    suboptions:
      name:
        description: Name of the receiver.
        type: str
        required: true
      country_code:
        description: Country calling code, digits only (V(31), V(1)).
        type: str
        required: true
      phone_number:
        description: Phone number without the country code, digits only.
        type: str
        required: true
  webhook_receivers:
    description: Webhook receivers (at most 10).
    type: list
    elements: dict
    suboptions:
      name:
        description: Name of the receiver.
        type: str
        required: true
      service_uri:
        description: The C(http) or C(https) URI called. It is not treated as a secret; do not put tokens in it.
        type: str
        required: true
      use_common_alert_schema:
        description: Send the common alert schema.
        type: bool
        default: false
  purge_receivers:
    description:
      - With V(true), each receiver list given replaces the group's receivers of that kind (a list not given is left alone).
      - With V(false), the receivers given are added or updated by name and the others are kept.
    type: bool
    default: true
  tags:
    description: Tags of the action group.
    type: dict
  purge_tags:
    description: Remove tags not listed in O(tags). With V(false), O(tags) are added to the existing ones.
    type: bool
    default: true
  state:
    description: Whether the action group should exist.
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
- name: Notify the ERP operators by email and SMS
  erpops.azure.monitor_action_group:
    name: erp-supermarket-prod-ops
    resource_group: erp-supermarket-production-rg
    group_short_name: erp-ops
    email_receivers:
      - name: ops-email
        email_address: ops@example.com
        use_common_alert_schema: true
    sms_receivers:
      - name: oncall-sms
        country_code: "31"
        phone_number: "612345678"

- name: Add a webhook and keep the other receivers
  erpops.azure.monitor_action_group:
    name: erp-supermarket-prod-ops
    resource_group: erp-supermarket-production-rg
    webhook_receivers:
      - name: chat
        service_uri: https://hooks.example.com/erp
    purge_receivers: false
"""

RETURN = r"""
action_group:
  description: The action group as Azure returns it; empty when it was deleted.
  returned: always
  type: dict
  sample:
    id: "/subscriptions/00000000-0000-0000-0000-000000000000/resourceGroups/erp-supermarket-production-rg\
      /providers/Microsoft.Insights/actionGroups/erp-supermarket-prod-ops"
    name: erp-supermarket-prod-ops
    location: Global
    properties:
      groupShortName: erp-ops
      enabled: true
      emailReceivers: [{name: ops-email, emailAddress: ops@example.com, useCommonAlertSchema: true, status: Enabled}]
      smsReceivers: []
      webhookReceivers: []
"""

import copy

from ansible_collections.erpops.azure.plugins.module_utils import reconcile
from ansible_collections.erpops.azure.plugins.module_utils.module import AzureModule, Resource
from ansible_collections.erpops.azure.plugins.module_utils.plan import planned

API_VERSION = "2023-01-01"
KINDS = (("email_receivers", "emailReceivers", (("name", "name"), ("email_address", "emailAddress"), ("use_common_alert_schema", "useCommonAlertSchema"))),
         ("sms_receivers", "smsReceivers", (("name", "name"), ("country_code", "countryCode"), ("phone_number", "phoneNumber"))),
         ("webhook_receivers", "webhookReceivers", (("name", "name"), ("service_uri", "serviceUri"), ("use_common_alert_schema", "useCommonAlertSchema"))))
# Every receiver kind of the 2023-01-01 ActionGroup; the PUT carries them all, so kinds this module does not manage are kept.
ALL_KINDS = ("emailReceivers", "smsReceivers", "webhookReceivers", "itsmReceivers", "azureAppPushReceivers", "automationRunbookReceivers",
             "voiceReceivers", "logicAppReceivers", "azureFunctionReceivers", "armRoleReceivers", "eventHubReceivers")
READ_ONLY_RECEIVER_KEYS = ("status",)
LIMITS = {"sms_receivers": 10, "webhook_receivers": 10, "email_receivers": 1000}


def validate(az, p):
    short = p["group_short_name"]
    if short is not None and not 1 <= len(short) <= 12:
        az.fail("group_short_name %r is %d characters long; Azure allows 1 to 12" % (short, len(short)))
    names = set()
    for option, _kind, _fields in KINDS:
        items = p[option] or []
        if len(items) > LIMITS[option]:
            az.fail("%s has %d receivers; an action group allows at most %d" % (option, len(items), LIMITS[option]))
        for rec in items:
            low = rec["name"].lower()
            if low in names:
                az.fail("receiver name %r is used twice; receiver names must be unique across all receivers of the group" % rec["name"])
            names.add(low)
            if option == "email_receivers" and ("@" not in rec["email_address"] or "." not in rec["email_address"].rpartition("@")[2]):
                az.fail("email_receivers: %r is not an email address (receiver %s)" % (rec["email_address"], rec["name"]))
            if option == "sms_receivers":
                if not rec["country_code"].isdigit() or not 1 <= len(rec["country_code"]) <= 3:
                    az.fail("sms_receivers: country_code must be 1-3 digits without '+' (receiver %s)" % rec["name"])
                if not rec["phone_number"].isdigit() or not 4 <= len(rec["phone_number"]) <= 15:
                    az.fail("sms_receivers: phone_number must be 4-15 digits without spaces (receiver %s)" % rec["name"])
            if option == "webhook_receivers" and not rec["service_uri"].lower().startswith(("http://", "https://")):
                az.fail("webhook_receivers: service_uri must be an http or https URI (receiver %s)" % rec["name"])


def wanted_receivers(p, current_props):
    """{kind: list} for the kinds the user gave, merged by name with the current ones unless purging."""
    out = {}
    for option, kind, fields in KINDS:
        if p[option] is None:
            continue
        given = [dict((wire, rec[opt]) for opt, wire in fields) for rec in p[option]]
        if p["purge_receivers"]:
            out[kind] = given
            continue
        merged = [strip(r) for r in current_props.get(kind) or []]
        for rec in given:
            idx = next((i for i, r in enumerate(merged) if r.get("name", "").lower() == rec["name"].lower()), None)
            if idx is None:
                merged.append(rec)
            else:
                merged[idx] = reconcile.merge(merged[idx], rec)
        out[kind] = merged
    return out


def strip(receiver):
    return dict((k, v) for k, v in receiver.items() if k not in READ_ONLY_RECEIVER_KEYS)


def main():
    receiver = dict(type="list", elements="dict")
    az = AzureModule(dict(
        name=dict(type="str", required=True),
        resource_group=dict(type="str", required=True),
        location=dict(type="str"),
        group_short_name=dict(type="str"),
        enabled=dict(type="bool"),
        email_receivers=dict(receiver, options=dict(name=dict(type="str", required=True), email_address=dict(type="str", required=True),
                                                    use_common_alert_schema=dict(type="bool", default=False))),
        sms_receivers=dict(receiver, options=dict(name=dict(type="str", required=True), country_code=dict(type="str", required=True),
                                                  phone_number=dict(type="str", required=True))),
        webhook_receivers=dict(receiver, options=dict(name=dict(type="str", required=True), service_uri=dict(type="str", required=True),
                                                      use_common_alert_schema=dict(type="bool", default=False))),
        purge_receivers=dict(type="bool", default=True),
        tags=dict(type="dict"),
        purge_tags=dict(type="bool", default=True),
        state=dict(type="str", default="present", choices=["present", "absent"]),
    ))
    p = az.params
    validate(az, p)

    def run():
        path = "/subscriptions/%s/resourceGroups/%s/providers/Microsoft.Insights/actionGroups/%s" % (az.subscription_id, p["resource_group"], p["name"])
        ag = Resource(az, path, API_VERSION, unordered=tuple("properties." + k for k in ALL_KINDS))
        current = ag.get()
        if p["state"] == "absent":
            changed, _doc, diff, _op = ag.ensure_absent()
            return dict(changed=changed, action_group={}, diff=diff)
        if current is None and not p["group_short_name"]:
            az.fail("group_short_name is required to create action group %s" % p["name"])
        cur_props = (current or {}).get("properties") or {}
        receivers = wanted_receivers(p, cur_props)
        desired = {"location": p["location"],
                   "tags": reconcile.tags_wanted((current or {}).get("tags"), p["tags"], p["purge_tags"]),
                   "properties": dict(groupShortName=p["group_short_name"], enabled=p["enabled"], **receivers)}
        props = {"groupShortName": p["group_short_name"] or cur_props.get("groupShortName"),
                 "enabled": p["enabled"] if p["enabled"] is not None else cur_props.get("enabled", True)}
        for kind in ALL_KINDS:
            props[kind] = copy.deepcopy(receivers[kind]) if kind in receivers else [strip(r) for r in cur_props.get(kind) or []]
        body = {"location": p["location"] or (current or {}).get("location") or "Global", "properties": props,
                "tags": desired["tags"] if desired["tags"] is not None else (current or {}).get("tags") or {}}
        changed, doc, diff, _op = ag.ensure_present(desired, body=body)
        doc, diff = planned(az, ag.path, changed, doc, diff)
        return dict(changed=changed, action_group=doc, diff=diff)

    az.run(run)


if __name__ == "__main__":
    main()
