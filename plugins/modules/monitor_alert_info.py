#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright: (c) 2026, erpops.azure contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import absolute_import, division, print_function

__metaclass__ = type

DOCUMENTATION = r"""
module: monitor_alert_info
short_description: List the fired Azure Monitor alerts of a subscription
version_added: 0.1.0
description:
  - Lists the alert instances that alert rules fired in the subscription (C(Microsoft.AlertsManagement/alerts), API
    C(2019-05-05-preview)), with the filters the Alerts API offers, following every page of the answer.
  - Azure keeps an alert for 30 days. A metric alert's monitor condition is V(Fired) while its rule's condition is met and
    V(Resolved) once it is not; its state (V(New), V(Acknowledged), V(Closed)) is what people set.
  - The module only reads; the identity needs the C(Reader) role (or C(Monitoring Reader)) on the subscription or on the
    resources whose alerts it should see.
author:
  - erpops.azure maintainers (@erpops)
options:
  target_resource:
    description: Only the alerts of this resource (its resource ID).
    type: str
  target_resource_group:
    description: Only the alerts of resources in this resource group (its name).
    type: str
  target_resource_type:
    description: Only the alerts of resources of this type, such as V(Microsoft.Web/serverfarms).
    type: str
  monitor_service:
    description: Only the alerts of this monitor service, such as V(Platform) (metric alerts), V(Log Analytics) or V(Application Insights).
    type: str
  monitor_condition:
    description: Only the alerts whose condition is still met (V(Fired)) or no longer met (V(Resolved)).
    type: str
    choices: [Fired, Resolved]
  alert_state:
    description: Only the alerts in this user state.
    type: str
    choices: [New, Acknowledged, Closed]
  severity:
    description: Only the alerts of this severity (V(Sev0) is the most severe).
    type: str
    choices: [Sev0, Sev1, Sev2, Sev3, Sev4]
  alert_rule:
    description: Only the alerts fired by this alert rule (its resource ID).
    type: str
  time_range:
    description: Only the alerts fired within this period before now. Azure's default is one day (V(1d)).
    type: str
    choices: [1h, 1d, 7d, 30d]
extends_documentation_fragment:
  - erpops.azure.attributes
  - erpops.azure.azure
attributes:
  check_mode:
    support: full
    details: The module only reads.
  diff_mode:
    support: none
"""

EXAMPLES = r"""
- name: List the alerts still firing in the production resource group over the last week
  erpops.azure.monitor_alert_info:
    target_resource_group: erp-supermarket-production-rg
    monitor_condition: Fired
    time_range: 7d
  register: firing

- name: Fail the daily review while a severity 0 or 1 alert is open
  ansible.builtin.assert:
    that:
      - firing.alerts | selectattr('severity', 'in', ['Sev0', 'Sev1']) | rejectattr('alertState', 'eq', 'Closed') | list | length == 0
    fail_msg: "{{ firing.alerts | map(attribute='name') | join(', ') }}"

- name: List the alerts of the App Service plan
  erpops.azure.monitor_alert_info:
    target_resource: "/subscriptions/00000000-0000-0000-0000-000000000000/resourceGroups/erp-supermarket-production-rg\
      /providers/Microsoft.Web/serverfarms/erp-production-plan"
  register: plan_alerts
"""

RETURN = r"""
alerts:
  description:
    - The alerts, newest change first; the fields of each alert's C(essentials) that a review needs, under Azure's names.
    - C(monitorConditionResolvedDateTime) is null while the alert is V(Fired).
  returned: always
  type: list
  elements: dict
  sample:
    - id: "/subscriptions/00000000-0000-0000-0000-000000000000/resourcegroups/erp-supermarket-production-rg/providers/microsoft.web\
        /serverfarms/erp-production-plan/providers/Microsoft.AlertsManagement/alerts/3b8f0c8e-2a1d-4a6f-9c3e-0d5b7e9f1a2c"
      name: erp-production-plan-cpu
      severity: Sev2
      monitorCondition: Fired
      alertState: New
      monitorService: Platform
      signalType: Metric
      targetResource: "/subscriptions/00000000-0000-0000-0000-000000000000/resourcegroups/erp-supermarket-production-rg\
        /providers/microsoft.web/serverfarms/erp-production-plan"
      targetResourceName: erp-production-plan
      targetResourceGroup: erp-supermarket-production-rg
      targetResourceType: microsoft.web/serverfarms
      alertRule: "/subscriptions/00000000-0000-0000-0000-000000000000/resourceGroups/erp-supermarket-production-rg/providers\
        /Microsoft.Insights/metricAlerts/erp-production-plan-cpu"
      startDateTime: "2026-11-25T10:02:00.000Z"
      lastModifiedDateTime: "2026-11-25T10:02:00.000Z"
      monitorConditionResolvedDateTime: null
      description: Plan CPU above 85 %
"""

from ansible_collections.erpops.azure.plugins.module_utils.module import AzureModule

# What azure-mgmt-alertsmanagement 1.0.1 calls (its Alerts_GetAll default).
API_VERSION = "2019-05-05-preview"
ESSENTIALS = ("severity", "monitorCondition", "alertState", "monitorService", "signalType", "targetResource", "targetResourceName",
              "targetResourceGroup", "targetResourceType", "alertRule", "startDateTime", "lastModifiedDateTime",
              "monitorConditionResolvedDateTime", "description")
# module option -> Alerts_GetAll query parameter
FILTERS = (("target_resource", "targetResource"), ("target_resource_group", "targetResourceGroup"),
           ("target_resource_type", "targetResourceType"), ("monitor_service", "monitorService"),
           ("monitor_condition", "monitorCondition"), ("alert_state", "alertState"), ("severity", "severity"),
           ("alert_rule", "alertRule"), ("time_range", "timeRange"))


def view(doc):
    ess = ((doc or {}).get("properties") or {}).get("essentials") or {}
    out = {"id": doc.get("id"), "name": doc.get("name")}
    for key in ESSENTIALS:
        out[key] = ess.get(key)
    return out


def main():
    az = AzureModule(dict(
        target_resource=dict(type="str"),
        target_resource_group=dict(type="str"),
        target_resource_type=dict(type="str"),
        monitor_service=dict(type="str"),
        monitor_condition=dict(type="str", choices=["Fired", "Resolved"]),
        alert_state=dict(type="str", choices=["New", "Acknowledged", "Closed"]),
        severity=dict(type="str", choices=["Sev0", "Sev1", "Sev2", "Sev3", "Sev4"]),
        alert_rule=dict(type="str"),
        time_range=dict(type="str", choices=["1h", "1d", "7d", "30d"]),
    ))
    p = az.params
    for option in ("target_resource", "alert_rule"):
        if p[option] is not None and not p[option].lower().startswith("/subscriptions/"):
            az.fail("%s must be a resource ID (/subscriptions/<id>/resourceGroups/<group>/providers/...), got %r" % (option, p[option]))

    def run():
        params = dict((param, p[option]) for option, param in FILTERS if p[option] is not None)
        found = az.arm.list("/subscriptions/%s/providers/Microsoft.AlertsManagement/alerts" % az.subscription_id, API_VERSION, params=params)
        return dict(changed=False, alerts=[view(doc) for doc in found])

    az.run(run)


if __name__ == "__main__":
    main()
