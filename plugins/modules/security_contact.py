#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright: (c) 2026, erpops.azure contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import absolute_import, division, print_function

__metaclass__ = type

DOCUMENTATION = r"""
module: security_contact
short_description: Set or remove the Microsoft Defender for Cloud security contact of a subscription
version_added: 0.1.0
description:
  - Sets the subscription's security contact (C(Microsoft.Security/securityContacts/default)) - who Defender for Cloud
    e-mails about security alerts, from which severity, and which subscription roles are told as well; or removes it.
  - A subscription has one security contact, named C(default); the module manages that one.
  - Only the options you set are compared, so a second run with the same options changes nothing.
author:
  - erpops.azure maintainers (@erpops)
options:
  emails:
    description:
      - The e-mail addresses told (Azure stores them as one semicolon-separated string). Compared as a set, case-insensitively.
    type: list
    elements: str
  phone:
    description: Phone number of the contact, for Microsoft's security team to reach in an emergency.
    type: str
  alert_notifications:
    description: Whether the contact is e-mailed about security alerts, and from which severity.
    type: dict
    suboptions:
      state:
        description: V(On) to send alert notifications.
        type: str
        choices: ['On', 'Off']
        default: 'On'
      minimal_severity:
        description:
          - The lowest severity of alerts notified; V(High) sends only high-severity alerts, V(Low) sends all.
        type: str
        choices: [High, Medium, Low]
        default: High
  notifications_by_role:
    description: Whether holders of subscription roles are e-mailed too.
    type: dict
    suboptions:
      state:
        description: V(On) to notify the holders of O(notifications_by_role.roles).
        type: str
        choices: ['On', 'Off']
        default: 'On'
      roles:
        description: The roles whose holders are notified. Compared as a set.
        type: list
        elements: str
        choices: [AccountAdmin, ServiceAdmin, Owner, Contributor]
        default: [Owner]
  state:
    description: Whether the security contact should exist.
    type: str
    default: present
    choices: [present, absent]
notes:
  - "The contact is the subscription's, not a resource group's: setting it needs C(Microsoft.Security/securityContacts/write)
    on the subscription (Security Admin, or Contributor on the subscription)."
  - Uses the 2020-01-01-preview API (C(alertNotifications)); the 2023-12-01-preview API shows the same contact with
    C(notificationsSources).
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
- name: Tell the ops team and the subscription's owners about high-severity security alerts
  erpops.azure.security_contact:
    emails: [ops@example.com]
    alert_notifications:
      state: "On"
      minimal_severity: High
    notifications_by_role:
      state: "On"
      roles: [Owner]

- name: Remove the security contact
  erpops.azure.security_contact:
    state: absent
"""

RETURN = r"""
security_contact:
  description: The security contact as Azure returns it; empty when it was removed.
  returned: always
  type: dict
  sample:
    id: /subscriptions/00000000-0000-0000-0000-000000000000/providers/Microsoft.Security/securityContacts/default
    name: default
    type: Microsoft.Security/securityContact
    properties:
      emails: ops@example.com
      phone: ""
      alertNotifications: {state: "On", minimalSeverity: High}
      notificationsByRole: {state: "On", roles: [Owner]}
"""

import re

from ansible_collections.erpops.azure.plugins.module_utils.module import AzureModule, Resource
from ansible_collections.erpops.azure.plugins.module_utils.plan import planned

API_VERSION = "2020-01-01-preview"
EMAIL = re.compile(r"^[^@\s;,]+@[^@\s;,]+\.[^@\s;,]+$")


def split_emails(text):
    return [e.strip() for e in (text or "").split(";") if e.strip()]


def validate(az, p):
    bad = [e for e in p["emails"] or [] if not EMAIL.match(e.strip())]
    if bad:
        az.fail("emails must hold e-mail addresses, got %s" % ", ".join(repr(e) for e in bad))


def main():
    az = AzureModule(dict(
        emails=dict(type="list", elements="str"),
        phone=dict(type="str"),
        alert_notifications=dict(type="dict", options=dict(
            state=dict(type="str", choices=["On", "Off"], default="On"),
            minimal_severity=dict(type="str", choices=["High", "Medium", "Low"], default="High"),
        )),
        notifications_by_role=dict(type="dict", options=dict(
            state=dict(type="str", choices=["On", "Off"], default="On"),
            roles=dict(type="list", elements="str", choices=["AccountAdmin", "ServiceAdmin", "Owner", "Contributor"], default=["Owner"]),
        )),
        state=dict(type="str", default="present", choices=["present", "absent"]),
    ))
    p = az.params
    validate(az, p)

    def run():
        path = "/subscriptions/%s/providers/Microsoft.Security/securityContacts/default" % az.subscription_id
        contact = Resource(az, path, API_VERSION, unordered=("properties.notificationsByRole.roles",), exact=(),
                           replaced=("properties.notificationsByRole",))
        current = contact.get()
        if p["state"] == "absent":
            changed, _doc, diff, _op = contact.ensure_absent()
            return dict(changed=changed, security_contact={}, diff=diff)
        cur = (current or {}).get("properties") or {}
        emails = None
        if p["emails"] is not None:
            wanted = [e.strip() for e in p["emails"]]
            # Same addresses in another order or case: keep Azure's string, so the comparison sees no change.
            same = sorted(e.lower() for e in wanted) == sorted(e.lower() for e in split_emails(cur.get("emails")))
            emails = cur.get("emails") if current is not None and same else ";".join(wanted)
        alerts = by_role = None
        if p["alert_notifications"] is not None:
            alerts = {"state": p["alert_notifications"]["state"], "minimalSeverity": p["alert_notifications"]["minimal_severity"]}
        if p["notifications_by_role"] is not None:
            by_role = {"state": p["notifications_by_role"]["state"], "roles": list(p["notifications_by_role"]["roles"])}
        desired = {"properties": {"emails": emails, "phone": p["phone"], "alertNotifications": alerts, "notificationsByRole": by_role}}
        props = dict((k, v) for k, v in cur.items() if k in ("emails", "phone", "alertNotifications", "notificationsByRole"))
        props.update(dict((k, v) for k, v in desired["properties"].items() if v is not None))
        changed, doc, diff, _op = contact.ensure_present(desired, body={"properties": props})
        doc, diff = planned(az, contact.path, changed, doc, diff)
        return dict(changed=changed, security_contact=doc, diff=diff)

    az.run(run)


if __name__ == "__main__":
    main()
