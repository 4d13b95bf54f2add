#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright: (c) 2026, erpops.azure contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import absolute_import, division, print_function

__metaclass__ = type

DOCUMENTATION = r"""
module: monitor_diagnostic_setting
short_description: Create, update or delete an Azure Monitor diagnostic setting of a resource or a subscription
version_added: 0.1.0
description:
  - Creates a diagnostic setting (C(Microsoft.Insights/diagnosticSettings)) on a resource, which sends the resource's logs
    (AppServiceHTTPLogs of a web app, PostgreSQLLogs of a PostgreSQL server...) and platform metrics to a Log Analytics workspace,
    a storage account or an event hub; keeps it as asked, or deletes it.
  - On a subscription (O(resource_id) V(/subscriptions/<id>)), the setting exports the subscription's activity log (the
    C(AzureActivity) table of a workspace), in the categories V(Administrative), V(Security), V(ServiceHealth), V(Alert),
    V(Recommendation), V(Policy), V(Autoscale) and V(ResourceHealth); a subscription has no metric categories.
  - Only the options you set are compared, so a second run with the same options changes nothing. O(logs) and O(metrics)
    each replace the setting's list; they are compared by what they enable, so categories Azure lists as disabled do not
    count as a difference.
  - A resource has at most five diagnostic settings, and a destination receives a given category from one setting only.
    Settings outlive their resource; delete them before deleting a resource you mean to re-create under the same ID.
author:
  - erpops.azure maintainers (@erpops)
options:
  name:
    description:
      - Name of the diagnostic setting, unique among the resource's settings.
      - Required, here or in each element of O(settings) (a name given here is the elements' default).
    type: str
  resource_id:
    description:
      - Resource ID of the resource whose logs and metrics are sent (a web app, a PostgreSQL flexible server...), or the ID of a
        subscription (V(/subscriptions/<id>)) whose activity log is sent.
      - Exactly one of O(resource_id) and O(settings) is required.
    type: str
  settings:
    description:
      - Several diagnostic settings in one task, converged one after another, each a dict of this module's per-setting
        options (O(resource_id), O(name), the destinations, O(logs), O(metrics), O(state)), validated as those options
        are; an option an element leaves out takes the task's top-level value (the setting name and workspace they share, say).
      - The result then lists each setting in RV(per_resource) (named by its resource ID), and the diff holds the changed ones.
    type: list
    elements: dict
  workspace_id:
    description: Resource ID of the Log Analytics workspace that receives the logs and metrics.
    type: str
  storage_account_id:
    description: Resource ID of the storage account that receives the logs and metrics (same region as the resource).
    type: str
  event_hub_authorization_rule_id:
    description:
      - Resource ID of the event hub namespace authorization rule (C(.../authorizationRules/<rule>)) used to stream to an event hub.
    type: str
  event_hub_name:
    description: Event hub to stream to; without it, Azure creates one event hub per category. Needs O(event_hub_authorization_rule_id).
    type: str
  log_analytics_destination_type:
    description:
      - V(Dedicated) sends the logs to the resource-specific tables of the workspace, V(AzureDiagnostics) to the shared
        C(AzureDiagnostics) table. Azure uses the resource type's default when it is not set; many types support only one of them.
      - Azure does not echo this value for every resource type (it answers null); when it answers null, the module cannot compare
        it and does not report a change for it.
      - Not available for a subscription (its activity log always lands in C(AzureActivity)).
    type: str
    choices: [Dedicated, AzureDiagnostics]
  logs:
    description:
      - Log categories (or category groups) to send. The list replaces the setting's log list. Required to create a setting
        without O(metrics).
      - Azure refuses a setting that mixes categories and category groups, so give either O(logs[].category) or
        O(logs[].category_group) in every item.
    type: list
    elements: dict
    suboptions:
      category:
        description:
          - A log category of the resource type (V(AppServiceHTTPLogs), V(PostgreSQLLogs)), or of the activity log for a
            subscription (V(Administrative), V(Security), V(ServiceHealth), V(Alert), V(Recommendation), V(Policy),
            V(Autoscale), V(ResourceHealth)).
        type: str
      category_group:
        description: A category group (V(allLogs), V(audit)), instead of O(logs[].category).
        type: str
      enabled:
        description: Whether the category is sent.
        type: bool
        default: true
  metrics:
    description:
      - Metric categories to send (V(AllMetrics) for most resource types). The list replaces the setting's metric list.
        Required to create a setting without O(logs).
      - Not available for a subscription.
    type: list
    elements: dict
    suboptions:
      category:
        description: The metric category.
        type: str
        required: true
      enabled:
        description: Whether the category is sent.
        type: bool
        default: true
  state:
    description: Whether the diagnostic setting should exist.
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
  - Storage retention in diagnostic settings was retired; the module sends no retention policy. Set the workspace's
    retention (M(erpops.azure.log_analytics_workspace)) or a storage lifecycle policy instead.
"""

EXAMPLES = r"""
- name: Read the ERP web app
  erpops.azure.web_app_info:
    resource_group: erp-supermarket-production-rg
    name: erp-supermarket-prod
  register: erp_app

- name: Send the web app's HTTP, console, application and platform logs and its metrics to the workspace
  erpops.azure.monitor_diagnostic_setting:
    name: send-to-erp-logs
    resource_id: "{{ erp_app.web_apps[0].site.id }}"
    workspace_id: "{{ erp_logs.workspace.id }}"
    logs:
      - category: AppServiceHTTPLogs
      - category: AppServiceConsoleLogs
      - category: AppServiceAppLogs
      - category: AppServicePlatformLogs
    metrics:
      - category: AllMetrics

- name: Send every log of the PostgreSQL server (category group allLogs) to the workspace
  erpops.azure.monitor_diagnostic_setting:
    name: send-to-erp-logs
    resource_id: "{{ erp_pg.servers[0].id }}"
    workspace_id: "{{ erp_logs.workspace.id }}"
    logs:
      - category_group: allLogs

- name: Send the subscription's activity log (who changed what, security and policy events) to the workspace
  erpops.azure.monitor_diagnostic_setting:
    name: activity-to-erp-logs
    resource_id: "/subscriptions/{{ lookup('ansible.builtin.env', 'AZURE_SUBSCRIPTION_ID') }}"
    workspace_id: "{{ erp_logs.workspace.id }}"
    logs:
      - category: Administrative
      - category: Security
      - category: Policy
      - category: ServiceHealth

- name: Stop sending the web app's logs
  erpops.azure.monitor_diagnostic_setting:
    name: send-to-erp-logs
    resource_id: "{{ erp_app.web_apps[0].site.id }}"
    state: absent
"""

RETURN = r"""
diagnostic_setting:
  description: The diagnostic setting as Azure returns it; empty when it was deleted.
  returned: with O(resource_id)
  type: dict
  sample:
    id: "/subscriptions/00000000-0000-0000-0000-000000000000/resourceGroups/erp-supermarket-production-rg/providers/Microsoft.Web\
      /sites/erp-supermarket-prod/providers/microsoft.insights/diagnosticSettings/send-to-erp-logs"
    name: send-to-erp-logs
    type: Microsoft.Insights/diagnosticSettings
    properties:
      workspaceId: "/subscriptions/00000000-0000-0000-0000-000000000000/resourceGroups/erp-supermarket-production-rg\
        /providers/Microsoft.OperationalInsights/workspaces/erp-logs"
      storageAccountId: null
      eventHubAuthorizationRuleId: null
      eventHubName: null
      logAnalyticsDestinationType: null
      logs:
        - {category: AppServiceHTTPLogs, categoryGroup: null, enabled: true, retentionPolicy: {enabled: false, days: 0}}
      metrics:
        - {category: AllMetrics, enabled: true, retentionPolicy: {enabled: false, days: 0}, timeGrain: null}
per_resource:
  description: With O(settings), one result per setting in order, with its C(name) (its resource ID), C(changed), C(diagnostic_setting), C(diff).
  returned: with O(settings)
  type: list
  elements: dict
  sample:
    - name: "/subscriptions/00000000-0000-0000-0000-000000000000/resourceGroups/erp-supermarket-production-rg/providers/Microsoft.Web/sites\
        /erp-supermarket-prod/providers/microsoft.insights/diagnosticSettings/send-to-erp-logs"
      changed: false
      diagnostic_setting: {name: send-to-erp-logs}
      diff: {}
"""

import re
from urllib.parse import quote

from ansible_collections.erpops.azure.plugins.module_utils import reconcile
from ansible_collections.erpops.azure.plugins.module_utils.module import AzureModule, Resource, parameter_sets, per_resource_result

API_VERSION = "2021-05-01-preview"
TYPE = "Microsoft.Insights/diagnosticSettings"
DESTINATIONS = (("workspace_id", "workspaceId", "/providers/microsoft.operationalinsights/workspaces/"),
                ("storage_account_id", "storageAccountId", "/providers/microsoft.storage/storageaccounts/"),
                ("event_hub_authorization_rule_id", "eventHubAuthorizationRuleId", "/authorizationrules/"))
# Properties of the 2021-05-01-preview DiagnosticSettings a PUT replaces; those this module does not manage are sent back as they are.
KEPT = ("serviceBusRuleId", "marketplacePartnerId")
# The activity log's categories (Learn "Azure Monitor activity log schema"; azure-rest-api-specs 2021-05-01-preview
# subscriptionDiagnosticsSettings_API.json, whose SubscriptionDiagnosticSettings has logs but no metrics and no
# logAnalyticsDestinationType).
SUBSCRIPTION_CATEGORIES = ("Administrative", "Security", "ServiceHealth", "Alert", "Recommendation", "Policy", "Autoscale", "ResourceHealth")
SUBSCRIPTION_ID = re.compile(r"^/subscriptions/[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}/?$")


def is_subscription(resource_id):
    return bool(SUBSCRIPTION_ID.match(resource_id))


def validate_subscription(az, p):
    for option in ("metrics", "log_analytics_destination_type"):
        if p[option] is not None:
            az.fail("%s is not available for a subscription: its activity log has log categories only, sent to AzureActivity" % option)
    known = dict((c.lower(), c) for c in SUBSCRIPTION_CATEGORIES)
    for entry in p["logs"] or []:
        if entry["category"] and entry["category"].lower() not in known:
            az.fail("logs category %r is not an activity log category; use one of %s" % (entry["category"], ", ".join(SUBSCRIPTION_CATEGORIES)))


def validate(az, p):
    rid = p["resource_id"]
    if is_subscription(rid):
        validate_subscription(az, p)
    elif not rid.lower().startswith("/subscriptions/") or "/providers/" not in rid.lower() or len(rid.rstrip("/").split("/")) < 9:
        az.fail("resource_id must be the ID of a resource (/subscriptions/<id>/resourceGroups/<group>/providers/<namespace>/<type>/<name>) "
                "or of a subscription (/subscriptions/<id>), got %r" % rid)
    if not p["name"].strip() or any(c in p["name"] for c in "/\\?#%"):
        az.fail("name %r is not a valid diagnostic setting name (it cannot be empty or contain / \\ ? # %%)" % p["name"])
    for option, _prop, marker in DESTINATIONS:
        value = p[option]
        if value is not None and (not value.lower().startswith("/subscriptions/") or marker not in value.lower()):
            az.fail("%s must be a resource ID containing %s, got %r" % (option, marker.strip("/"), value))
    logs = p["logs"] or []
    kinds = {"category_group" if entry["category_group"] else "category" for entry in logs}
    if len(kinds) > 1:
        # Azure: "Diagnostic setting does not support mix of log category and log category group." (Azure/azure-rest-api-specs#22719)
        az.fail("logs mixes category and category_group items; Azure accepts only one kind in a diagnostic setting")
    for option, entries in (("logs", logs), ("metrics", p["metrics"] or [])):
        seen = set()
        for entry in entries:
            label = (entry.get("category_group") or entry["category"]).lower()
            if label in seen:
                az.fail("%s names %s twice" % (option, entry.get("category_group") or entry["category"]))
            seen.add(label)


def log_entries(logs):
    out = []
    for e in logs:
        entry = {"categoryGroup": e["category_group"]} if e["category_group"] else {"category": e["category"]}
        entry["enabled"] = e["enabled"]
        out.append(entry)
    return out


def metric_entries(metrics):
    return [{"category": e["category"], "enabled": e["enabled"]} for e in metrics]


def kept_entries(entries, keys):
    """Current entries to send back unchanged: their names and switch (read-only retention and time grain dropped)."""
    return [dict((k, e[k]) for k in keys if e.get(k) is not None) for e in entries or []]


def enabled_set(entries):
    """What a log or metric list really turns on: Azure may list every category of the type, the unused ones disabled."""
    return {("group", e["categoryGroup"].lower()) if e.get("categoryGroup") else ("category", (e.get("category") or "").lower())
            for e in entries or [] if e.get("enabled")}


def same(current, body, p):
    if current is None:
        return False
    cur = current.get("properties") or {}
    want = body["properties"]
    wanted = dict((prop, want.get(prop)) for option, prop, _m in DESTINATIONS if p[option] is not None)
    if p["event_hub_name"] is not None:
        wanted["eventHubName"] = p["event_hub_name"]
    if reconcile.differences(wanted, cur):
        return False
    dest_type = cur.get("logAnalyticsDestinationType")
    # Azure answers null for some resource types whatever was sent (Azure/azure-rest-api-specs#22400): only a value it echoes compares.
    if p["log_analytics_destination_type"] and dest_type and dest_type.lower() != p["log_analytics_destination_type"].lower():
        return False
    if p["logs"] is not None and enabled_set(want["logs"]) != enabled_set(cur.get("logs")):
        return False
    if p["metrics"] is not None and enabled_set(want["metrics"]) != enabled_set(cur.get("metrics")):
        return False
    return True


PER_SETTING = dict(
    name=dict(type="str"),
    resource_id=dict(type="str"),
    workspace_id=dict(type="str"),
    storage_account_id=dict(type="str"),
    event_hub_authorization_rule_id=dict(type="str"),
    event_hub_name=dict(type="str"),
    log_analytics_destination_type=dict(type="str", choices=["Dedicated", "AzureDiagnostics"]),
    logs=dict(type="list", elements="dict", options=dict(
        category=dict(type="str"),
        category_group=dict(type="str"),
        enabled=dict(type="bool", default=True),
    ), mutually_exclusive=[("category", "category_group")], required_one_of=[("category", "category_group")]),
    metrics=dict(type="list", elements="dict", options=dict(
        category=dict(type="str", required=True),
        enabled=dict(type="bool", default=True),
    )),
    state=dict(type="str", choices=["present", "absent"]),
)
REQUIRED_BY = {"event_hub_name": "event_hub_authorization_rule_id", "log_analytics_destination_type": "workspace_id"}


def main():
    spec = dict(PER_SETTING, settings=dict(type="list", elements="dict"))
    spec["state"] = dict(type="str", default="present", choices=["present", "absent"])
    az = AzureModule(spec, required_by=REQUIRED_BY, mutually_exclusive=[("resource_id", "settings")], required_one_of=[("resource_id", "settings")])
    p = az.params
    sets = parameter_sets(az, "settings", PER_SETTING, required=("name", "resource_id"), required_by=REQUIRED_BY)
    for q in sets:
        validate(az, q)

    def converge(q):
        setting_id = "%s/providers/microsoft.insights/diagnosticSettings/%s" % (q["resource_id"].rstrip("/"), q["name"])
        ds = Resource(az, "%s/providers/Microsoft.Insights/diagnosticSettings/%s" % (q["resource_id"].rstrip("/"), quote(q["name"], safe="")),
                      API_VERSION)
        current = ds.get()
        if q["state"] == "absent":
            changed, _doc, diff, _op = ds.ensure_absent()
            return dict(changed=changed, diagnostic_setting={}, diff=diff)
        cur = (current or {}).get("properties") or {}
        subscription = is_subscription(q["resource_id"])
        if current is None:
            if not any(p[option] for option, _prop, _m in DESTINATIONS):
                az.fail("workspace_id, storage_account_id or event_hub_authorization_rule_id is required to create diagnostic setting %s" % q["name"])
            if not any(e["enabled"] for e in (q["logs"] or []) + (q["metrics"] or [])):
                az.fail("logs or metrics with at least one enabled item is required to create diagnostic setting %s" % q["name"])
        props = dict((k, cur[k]) for k in KEPT if cur.get(k) is not None)
        for option, prop, _m in DESTINATIONS:
            value = p[option] if p[option] is not None else cur.get(prop)
            if value:
                props[prop] = value
        extra = (("event_hub_name", "eventHubName"),) + ((("log_analytics_destination_type", "logAnalyticsDestinationType"),) if not subscription else ())
        for option, prop in extra:
            value = p[option] if p[option] is not None else cur.get(prop)
            if value:
                props[prop] = value
        props["logs"] = log_entries(q["logs"]) if q["logs"] is not None else kept_entries(cur.get("logs"), ("category", "categoryGroup", "enabled"))
        if not subscription:
            props["metrics"] = metric_entries(q["metrics"]) if q["metrics"] is not None else kept_entries(cur.get("metrics"), ("category", "enabled"))
        body = {"properties": props}
        if same(current, body, q):
            return dict(changed=False, diagnostic_setting=current, diff={"before": current, "after": current})
        changed, doc, diff, _op = ds.ensure_present(body, body=body)
        if az.check_mode and current is None:
            doc = dict(doc, id=setting_id, name=q["name"], type=TYPE)
            diff["after"] = doc
        return dict(changed=changed, diagnostic_setting=doc, diff=diff)

    def run():
        if p["settings"] is None:
            return converge(p)
        return per_resource_result([("%s/providers/microsoft.insights/diagnosticSettings/%s" % (q["resource_id"].rstrip("/"), q["name"]), converge(q))
                                    for q in sets])

    az.run(run)


if __name__ == "__main__":
    main()
