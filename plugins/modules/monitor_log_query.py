#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright: (c) 2026, erpops.azure contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import absolute_import, division, print_function

__metaclass__ = type

DOCUMENTATION = r"""
module: monitor_log_query
short_description: Run a KQL query on an Azure Log Analytics workspace
version_added: 0.1.0
description:
  - Runs a Kusto (KQL) query on a Log Analytics workspace through the Log Analytics query API
    (C(POST https://api.loganalytics.io/v1/workspaces/<workspace id>/query)) and returns the result tables, their rows as
    dictionaries keyed by column name. Meant for maintenance routines such as the daily error review or security-log queries.
  - The module only reads. It never reports a change, and it runs the query in check mode too.
  - The identity needs read access to the workspace's data, for example the C(Log Analytics Reader) or C(Reader) role on the
    workspace, its resource group or the subscription. The token is requested for the query API's audience
    (C(https://api.loganalytics.io)) with the same credentials as every other module.
  - The service caps a result at 500,000 rows and about 100 MB, and allows 200 queries per 30 seconds per user. Beyond the row
    cap, or with a C(set truncationmaxrecords) statement, the API answers a partial result; see O(fail_on_partial).
author:
  - erpops.azure maintainers (@erpops)
options:
  workspace_id:
    description:
      - The workspace's customer id (the C(Workspace ID) GUID shown on its overview page, C(properties.customerId) in Resource
        Manager), not its resource ID.
      - Give either O(workspace_id), or O(workspace) with O(resource_group).
    type: str
  workspace:
    description: Name of the workspace; its customer id is read from Resource Manager. Needs O(resource_group).
    type: str
  resource_group:
    description: Resource group of O(workspace).
    type: str
  query:
    description:
      - The KQL query, for example C(AppServiceHTTPLogs | where ScStatus >= 500 | summarize count() by CsUriStem).
      - Leading request properties such as C(set truncationmaxrecords=1000;) are allowed.
    type: str
    required: true
  timespan:
    description:
      - Restricts every table to rows whose C(TimeGenerated) falls in this ISO 8601 interval, in addition to any time filter
        in the query. It is a duration ending now (V(PT24H), V(P1D), V(PT30M)), C(start/end)
        (V(2026-01-01T00:00:00Z/2026-01-02T00:00:00Z)), C(start/duration) or C(duration/end).
      - Without it, only the query's own filters apply (all of the workspace's retained data).
    type: str
  server_timeout:
    description:
      - How long the service may run the query, in seconds (sent as C(Prefer wait=N)); the service's default is 180 seconds,
        its maximum 600. A query that runs longer fails with a 504 answer.
    type: int
  fail_on_partial:
    description:
      - The API answers a partial result (HTTP 200 with an error, C(PartialError)) when the query hits a limit (rows, memory,
        C(set truncationmaxrecords)) or part of it fails.
      - When V(true), the task fails with the service's explanation. When V(false), the rows received are returned with the
        error in RV(partial_error).
    type: bool
    default: true
  endpoint:
    description:
      - The query API's endpoint. Defaults to the cloud's (V(https://api.loganalytics.io) in the public cloud,
        V(https://api.loganalytics.azure.cn) in Azure China, V(https://api.loganalytics.us) in Azure US Government).
      - V(https://api.loganalytics.azure.com) is the newer host name of the public cloud's API.
    type: str
extends_documentation_fragment:
  - erpops.azure.attributes
  - erpops.azure.azure
attributes:
  check_mode:
    support: full
    details: The module only reads; the query runs in check mode too.
  diff_mode:
    support: none
notes:
  - Queries are sent with C(POST) and retried like reads after throttling (429), server errors and dropped connections,
    honouring C(Retry-After); a query that ran past the server timeout (504) is not repeated.
seealso:
  - name: Azure Monitor Logs API
    description: The query API's request and response formats.
    link: https://learn.microsoft.com/azure/azure-monitor/logs/api/overview
"""

EXAMPLES = r"""
- name: Count yesterday's server errors of the ERP by path
  erpops.azure.monitor_log_query:
    workspace: erp-supermarket-prod-logs
    resource_group: erp-supermarket-production-rg
    query: |
      AppServiceHTTPLogs
      | where ScStatus >= 500
      | summarize errors = count() by CsUriStem
      | order by errors desc
    timespan: P1D
  register: errors

- name: Show the paths that failed
  ansible.builtin.debug:
    msg: "{{ item.CsUriStem }}: {{ item.errors }}"
  loop: "{{ errors.rows }}"

- name: List who changed role assignments in the last week (activity log routed to the workspace)
  erpops.azure.monitor_log_query:
    workspace_id: 6f1c0d52-6a4e-4b8e-9a41-5c7f0e2a1b3d
    query: >-
      AzureActivity
      | where OperationNameValue =~ 'Microsoft.Authorization/roleAssignments/write'
      | project TimeGenerated, Caller, ResourceGroup, ActivityStatusValue
    timespan: P7D
    server_timeout: 300
  register: role_changes

- name: Sample the newest PostgreSQL errors, accepting a truncated result
  erpops.azure.monitor_log_query:
    workspace_id: 6f1c0d52-6a4e-4b8e-9a41-5c7f0e2a1b3d
    query: "set truncationmaxrecords=100; PGSQLServerLogs | where ErrorLevel == 'ERROR' | order by TimeGenerated desc"
    timespan: PT24H
    fail_on_partial: false
  register: pg_errors
"""

RETURN = r"""
workspace_id:
  description: The customer id of the workspace queried.
  returned: always
  type: str
  sample: 6f1c0d52-6a4e-4b8e-9a41-5c7f0e2a1b3d
tables:
  description:
    - The result tables (C(PrimaryResult) first), each with its columns and its rows as dictionaries keyed by column name.
    - C(datetime) cells are ISO 8601 strings in UTC, C(dynamic) cells are parsed into lists and dictionaries, C(timespan)
      cells are strings such as C(00:01:30), other cells keep their JSON type.
  returned: always
  type: list
  elements: dict
  sample:
    - name: PrimaryResult
      columns:
        - {name: CsUriStem, type: string}
        - {name: errors, type: long}
      rows:
        - {CsUriStem: /api/orders, errors: 12}
rows:
  description: The rows of the first table, as dictionaries keyed by column name.
  returned: always
  type: list
  elements: dict
  sample:
    - {CsUriStem: /api/orders, errors: 12}
row_count:
  description: The number of rows in RV(rows).
  returned: always
  type: int
  sample: 1
partial_error:
  description: The error of a partial result (code, message, details), when O(fail_on_partial=false) let one through; null otherwise.
  returned: always
  type: dict
  sample:
    code: PartialError
    message: There were some errors when processing your query.
    details:
      - code: EngineError
        message: Something went wrong processing your query on the server.
"""

from ansible_collections.erpops.azure.plugins.module_utils import loganalytics
from ansible_collections.erpops.azure.plugins.module_utils.errors import AzureApiError
from ansible_collections.erpops.azure.plugins.module_utils.module import AzureModule

# Microsoft.OperationalInsights/workspaces: the stable version that carries properties.customerId.
WORKSPACE_API_VERSION = "2025-02-01"


def validate(az, p):
    if p["workspace_id"] is not None and not loganalytics.GUID.match(p["workspace_id"].strip()):
        hint = " (that is a resource ID: give workspace and resource_group instead)" if p["workspace_id"].startswith("/") else ""
        az.fail("workspace_id must be the workspace's customer id, a GUID such as 6f1c0d52-6a4e-4b8e-9a41-5c7f0e2a1b3d, got %r%s"
                % (p["workspace_id"], hint))
    if not p["query"].strip():
        az.fail("query is empty")
    if p["timespan"] is not None and not loganalytics.valid_timespan(p["timespan"]):
        az.fail("timespan %r is not an ISO 8601 interval: use a duration such as PT24H or P1D, or start/end such as "
                "2026-01-01T00:00:00Z/2026-01-02T00:00:00Z" % p["timespan"])
    if p["server_timeout"] is not None and not 1 <= p["server_timeout"] <= loganalytics.MAX_WAIT:
        az.fail("server_timeout must be between 1 and %d seconds, got %d" % (loganalytics.MAX_WAIT, p["server_timeout"]))
    if p["endpoint"] is not None and not p["endpoint"].lower().startswith("https://"):
        az.fail("endpoint must be an https:// URL such as https://api.loganalytics.io, got %r" % p["endpoint"])


def partial_text(error, count):
    reasons = loganalytics.partial_messages(error)
    return ("the query returned a partial result (%s: %s%s); %d rows arrived. Set fail_on_partial: false to accept them, "
            "or narrow the query" % (error.get("code") or "PartialError", (error.get("message") or "").rstrip("."),
                                     " - " + "; ".join(reasons) if reasons else "", count))


def main():
    az = AzureModule(dict(
        workspace_id=dict(type="str"),
        workspace=dict(type="str"),
        resource_group=dict(type="str"),
        query=dict(type="str", required=True),
        timespan=dict(type="str"),
        server_timeout=dict(type="int"),
        fail_on_partial=dict(type="bool", default=True),
        endpoint=dict(type="str"),
    ), mutually_exclusive=[("workspace_id", "workspace")], required_one_of=[("workspace_id", "workspace")],
        required_by={"workspace": "resource_group"})
    p = az.params
    validate(az, p)

    def run():
        workspace_id = p["workspace_id"].strip().lower() if p["workspace_id"] else None
        if workspace_id is None:
            path = "/subscriptions/%s/resourceGroups/%s/providers/Microsoft.OperationalInsights/workspaces/%s" % (
                az.subscription_id, p["resource_group"], p["workspace"])
            doc = az.arm.get(path, WORKSPACE_API_VERSION)
            if doc is None:
                az.fail("Log Analytics workspace %s not found in resource group %s" % (p["workspace"], p["resource_group"]))
            workspace_id = ((doc.get("properties") or {}).get("customerId") or "").lower()
            if not workspace_id:
                raise AzureApiError(200, "NoCustomerId", "workspace %s has no customerId yet (provisioning?)" % p["workspace"], url=path)
        cloud = p["cloud_environment"] or "AzureCloud"
        default = loganalytics.ENDPOINTS.get(cloud, loganalytics.ENDPOINTS["AzureCloud"])
        endpoint = (p["endpoint"] or default).rstrip("/")
        if endpoint.lower().endswith("/v1"):
            endpoint = endpoint[:-3]
        client = loganalytics.QueryClient(az.arm.auth.credential(), endpoint, default, principal=p["client_id"])
        tables, error = client.query(workspace_id, p["query"], p["timespan"], p["server_timeout"])
        rows = tables[0]["rows"] if tables else []
        if error and p["fail_on_partial"]:
            az.fail(partial_text(error, len(rows)), partial_error=error, workspace_id=workspace_id)
        return dict(changed=False, workspace_id=workspace_id, tables=tables, rows=rows, row_count=len(rows), partial_error=error)

    az.run(run)


if __name__ == "__main__":
    main()
