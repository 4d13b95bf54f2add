#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright: (c) 2026, erpops.azure contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import absolute_import, division, print_function

__metaclass__ = type

DOCUMENTATION = r"""
module: application_insights
short_description: Create, update or delete a workspace-based Application Insights component
version_added: 0.1.0
description:
  - Creates an Application Insights component (C(Microsoft.Insights/components)) that stores its telemetry in a
    Log Analytics workspace, keeps it as asked, or deletes it, and returns the connection string the application needs.
  - Classic (non workspace-based) Application Insights was retired on 29 February 2024, so a workspace is required to
    create a component; give O(workspace_resource_id) or O(workspace_name) (with O(workspace_resource_group) when the
    workspace lives in another group).
  - Only the options you set are compared, so a second run with the same options changes nothing.
  - Check mode is a plan. When the Log Analytics workspace does not exist yet (a run in check mode before it is created), the module
    predicts the resource it would create, with its resource ID and properties, and sends nothing. Outside check mode
    a missing Log Analytics workspace is an error before any write.
author:
  - erpops.azure maintainers (@erpops)
options:
  name:
    description: Name of the component.
    type: str
    required: true
  resource_group:
    description: Resource group of the component.
    type: str
    required: true
  location:
    description: Azure region. Required to create the component; a component cannot move to another region.
    type: str
  application_type:
    description: Type of application monitored. V(web) when creating without it.
    type: str
    choices: [web, other]
  workspace_resource_id:
    description: Resource ID of the Log Analytics workspace that stores the telemetry.
    type: str
  workspace_name:
    description: Name of the Log Analytics workspace, instead of O(workspace_resource_id).
    type: str
  workspace_resource_group:
    description: Resource group of O(workspace_name); O(resource_group) when not set.
    type: str
  retention_in_days:
    description: Days the telemetry is kept. Azure uses 90 when it is not set at creation.
    type: int
    choices: [30, 60, 90, 120, 180, 270, 365, 550, 730]
  tags:
    description: Tags of the component. The C(hidden-link:) tags Azure uses internally are kept.
    type: dict
  purge_tags:
    description: Remove tags not listed in O(tags). With V(false), O(tags) are added to the existing ones.
    type: bool
    default: true
  return_connection_string:
    description:
      - Whether the result carries RV(connection_string) and RV(instrumentation_key), so that the task that creates or
        keeps the component also gives the application its connection string (no second task, no second read).
      - Microsoft does not treat them as secrets (see the notes), so the task needs no C(no_log) and its output (what it
        creates or changes) can be shown. V(false) leaves them out, for a policy that keeps them out of every log.
    type: bool
    default: true
  state:
    description: Whether the component should exist.
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
    details: The instrumentation key and the connection string are masked in the diff.
notes:
  - RV(connection_string) tells the application's SDK where to send its telemetry (C(APPLICATIONINSIGHTS_CONNECTION_STRING)).
    Microsoft does not consider it, nor the instrumentation key in it, a secret ("Ikey unique identifiers aren't security
    tokens or security keys, and aren't considered secrets", Learn, azure-monitor/app/connection-strings); to keep others
    from sending telemetry to the component, Azure offers Microsoft Entra authenticated ingestion instead. The module still
    masks both in diffs and in RV(component), so that a diff shows only what changes.
"""

EXAMPLES = r"""
- name: Create the ERP Application Insights component
  erpops.azure.application_insights:
    name: erp-supermarket-prod-insights
    resource_group: erp-supermarket-production-rg
    location: West Europe
    workspace_name: erp-supermarket-prod-logs
    retention_in_days: 90
  register: insights

- name: Give the connection string to the web app
  ansible.builtin.set_fact:
    erp_insights_connection_string: "{{ insights.connection_string }}"
"""

RETURN = r"""
component:
  description: The component as Azure returns it, with C(InstrumentationKey) and C(ConnectionString) masked; empty when it was deleted.
  returned: always
  type: dict
  sample:
    id: "/subscriptions/00000000-0000-0000-0000-000000000000/resourceGroups/erp-supermarket-production-rg\
      /providers/Microsoft.Insights/components/erp-supermarket-prod-insights"
    name: erp-supermarket-prod-insights
    location: westeurope
    kind: web
    properties:
      Application_Type: web
      AppId: 2f6e1c7a-8b3d-4f0e-9c1a-0d5b7e3f4a21
      ConnectionString: "********"
      InstrumentationKey: "********"
      RetentionInDays: 90
      WorkspaceResourceId: "/subscriptions/00000000-0000-0000-0000-000000000000/resourceGroups/erp-supermarket-production-rg\
        /providers/Microsoft.OperationalInsights/workspaces/erp-supermarket-prod-logs"
instrumentation_key:
  description: The instrumentation key (a GUID); prefer RV(connection_string), as key-only ingestion ended on 31 March 2025.
  returned: when the component exists and O(return_connection_string=true); in check mode before it is created, C((known after create))
  type: str
  sample: 0c3a5f1e-7d2b-4e8a-b6c9-1f4d2e7a9b03
connection_string:
  description: The connection string the application's SDK needs (not a secret, see the notes).
  returned: when the component exists and O(return_connection_string=true); in check mode before it is created, C((known after create))
  type: str
  sample: "InstrumentationKey=0c3a5f1e-...;IngestionEndpoint=https://westeurope-0.in.applicationinsights.azure.com/;..."
"""

from ansible_collections.erpops.azure.plugins.module_utils import reconcile
from ansible_collections.erpops.azure.plugins.module_utils.module import KNOWN_AFTER_CREATE, AzureModule, Resource
from ansible_collections.erpops.azure.plugins.module_utils.plan import parent_missing, planned

API_VERSION = "2020-02-02"
SECRET_KEYS = ("InstrumentationKey", "ConnectionString")
# Writable properties of the 2020-02-02 component, kept from the current one on an update (the PUT replaces them).
KEPT = ("Flow_Type", "Request_Source", "SamplingPercentage", "DisableIpMasking", "DisableLocalAuth", "publicNetworkAccessForIngestion",
        "publicNetworkAccessForQuery", "ImmediatePurgeDataOn30Days", "ForceCustomerStorageForProfiler")


def workspace_id(az, p):
    if p["workspace_resource_id"]:
        return p["workspace_resource_id"]
    if p["workspace_name"]:
        return "/subscriptions/%s/resourceGroups/%s/providers/Microsoft.OperationalInsights/workspaces/%s" % (
            az.subscription_id, p["workspace_resource_group"] or p["resource_group"], p["workspace_name"])
    return None


def main():
    az = AzureModule(dict(
        name=dict(type="str", required=True),
        resource_group=dict(type="str", required=True),
        location=dict(type="str"),
        application_type=dict(type="str", choices=["web", "other"]),
        workspace_resource_id=dict(type="str"),
        workspace_name=dict(type="str"),
        workspace_resource_group=dict(type="str"),
        retention_in_days=dict(type="int", choices=[30, 60, 90, 120, 180, 270, 365, 550, 730]),
        tags=dict(type="dict"),
        purge_tags=dict(type="bool", default=True),
        return_connection_string=dict(type="bool", default=True),
        state=dict(type="str", default="present", choices=["present", "absent"]),
    ), mutually_exclusive=[("workspace_resource_id", "workspace_name")], required_by={"workspace_resource_group": "workspace_name"})
    p = az.params
    wid = p["workspace_resource_id"]
    if wid and "/providers/microsoft.operationalinsights/workspaces/" not in wid.lower():
        az.fail("workspace_resource_id must be the resource ID of a Log Analytics workspace "
                "(/subscriptions/.../providers/Microsoft.OperationalInsights/workspaces/<name>), got %r" % wid)

    def run():
        path = "/subscriptions/%s/resourceGroups/%s/providers/Microsoft.Insights/components/%s" % (az.subscription_id, p["resource_group"], p["name"])
        comp = Resource(az, path, API_VERSION, secret_keys=SECRET_KEYS, ci_paths=("properties.Application_Type", "kind"))
        current = comp.get()
        if p["state"] == "absent":
            changed, _doc, diff, _op = comp.ensure_absent()
            return dict(changed=changed, component={}, diff=diff)
        workspace = workspace_id(az, p)
        if current is None:
            if not workspace:
                az.fail("a workspace is required to create Application Insights component %s: classic Application Insights was retired "
                        "on 29 February 2024; set workspace_resource_id or workspace_name" % p["name"])
            if not p["location"]:
                az.fail("location is required to create Application Insights component %s" % p["name"])
        if current is not None and p["location"] and reconcile.norm_location(p["location"]) != reconcile.norm_location(current["location"]):
            az.fail("component %s is in %s; a component cannot move to %s" % (p["name"], current["location"], p["location"]))
        # A workspace only planned (check mode before the first deployment) is fine: the component is predicted with it.
        if workspace and current is None:
            parent_missing(az, workspace, "2025-07-01", "Log Analytics workspace %s (create it first with erpops.azure.log_analytics_workspace)" % workspace)
        cur = (current or {}).get("properties") or {}
        tags = reconcile.tags_wanted((current or {}).get("tags"), p["tags"], p["purge_tags"])
        if tags is not None:
            # Azure links resources to the component with hidden-link: tags; purging them would break those links.
            tags.update(dict((k, v) for k, v in ((current or {}).get("tags") or {}).items() if k.lower().startswith("hidden-link:")))
        desired = {"location": p["location"], "kind": p["application_type"], "tags": tags,
                   "properties": {"Application_Type": p["application_type"], "WorkspaceResourceId": workspace,
                                  "RetentionInDays": p["retention_in_days"]}}
        app_type = p["application_type"] or cur.get("Application_Type") or "web"
        props = dict((k, cur[k]) for k in KEPT if cur.get(k) is not None)
        props.update({"Application_Type": app_type, "WorkspaceResourceId": workspace or cur.get("WorkspaceResourceId")})
        retention = p["retention_in_days"] or cur.get("RetentionInDays")
        if retention:
            props["RetentionInDays"] = retention
        body = {"location": p["location"] or current["location"], "kind": p["application_type"] or (current or {}).get("kind") or app_type,
                "properties": props, "tags": desired["tags"] if desired["tags"] is not None else (current or {}).get("tags") or {}}
        changed, doc, diff, _op = comp.ensure_present(desired, body=body)
        doc, diff = planned(az, comp.path, changed, doc, diff)
        out = dict(changed=changed, component=comp.redacted(doc), diff=diff)
        doc_props = (doc or {}).get("properties") or {}
        if not p["return_connection_string"]:
            return out
        if doc_props.get("ConnectionString"):
            out.update(connection_string=doc_props["ConnectionString"], instrumentation_key=doc_props.get("InstrumentationKey"))
        elif az.check_mode and current is None:
            # Azure draws the instrumentation key (a GUID) at creation: a new component's connection string is not known yet.
            out.update(connection_string=KNOWN_AFTER_CREATE, instrumentation_key=KNOWN_AFTER_CREATE)
        return out

    az.run(run)


if __name__ == "__main__":
    main()
