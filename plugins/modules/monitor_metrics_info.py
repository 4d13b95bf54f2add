#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright: (c) 2026, erpops.azure contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import absolute_import, division, print_function

__metaclass__ = type

DOCUMENTATION = r"""
module: monitor_metrics_info
short_description: Read Azure Monitor platform metrics of a resource
version_added: 0.1.0
description:
  - Reads the time series of platform metrics of any resource (a plan's C(CpuPercentage), a site's C(HttpResponseTime),
    a PostgreSQL server's C(cpu_percent)...) through the Azure Monitor Metrics API, for maintenance checks and reports.
  - With O(list_definitions=true), returns the metrics the resource emits instead.
author:
  - erpops.azure maintainers (@erpops)
options:
  resource_id:
    description: Resource ID of the resource whose metrics are read.
    type: str
    required: true
  metric_names:
    description: Names of the metrics to read. Without them, Azure answers the resource type's default metric.
    type: list
    elements: str
  metric_namespace:
    description: Namespace of the metrics; the resource's type when not set.
    type: str
  timespan:
    description:
      - The period read, as an ISO 8601 interval (C(start/end), C(start/duration), C(duration/end)) or a duration ending
        now (V(PT1H), V(P1D)).
    type: str
    default: PT1H
  interval:
    description: Time grain of the series, or V(FULL) for one value over the whole O(timespan).
    type: str
    default: PT1M
    choices: [PT1M, PT5M, PT15M, PT30M, PT1H, PT6H, PT12H, P1D, FULL]
  aggregation:
    description: Aggregations returned for each grain; the metric's primary aggregation when not set.
    type: list
    elements: str
    choices: [Average, Minimum, Maximum, Total, Count]
  list_definitions:
    description: Return the metric definitions of the resource (names, units, aggregations) in RV(definitions) instead of values.
    type: bool
    default: false
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
- name: Read the plan's CPU and memory over the last day, hourly
  erpops.azure.monitor_metrics_info:
    resource_id: "/subscriptions/00000000-0000-0000-0000-000000000000/resourceGroups/erp-supermarket-production-rg\
      /providers/Microsoft.Web/serverfarms/erp-production-plan"
    metric_names: [CpuPercentage, MemoryPercentage]
    timespan: P1D
    interval: PT1H
    aggregation: [Average, Maximum]
  register: plan_load

- name: Show the peak CPU
  ansible.builtin.debug:
    msg: "{{ plan_load.metrics[0].data | map(attribute='maximum') | select('number') | max }}"
"""

RETURN = r"""
metrics:
  description: One entry per metric, with its data points (one per grain; a grain in the future has no values).
  returned: unless O(list_definitions=true)
  type: list
  elements: dict
  sample:
    - name: CpuPercentage
      unit: Percent
      data:
        - {timeStamp: "2026-11-25T10:00:00Z", average: 12.5, maximum: 31.0}
timespan:
  description: The period Azure answered for.
  returned: unless O(list_definitions=true)
  type: str
  sample: 2026-11-24T11:00:00Z/2026-11-25T11:00:00Z
interval:
  description: The time grain Azure answered with.
  returned: unless O(list_definitions=true)
  type: str
  sample: PT1H
definitions:
  description: The metrics the resource emits.
  returned: when O(list_definitions=true)
  type: list
  elements: dict
  sample:
    - {name: CpuPercentage, unit: Percent, primary_aggregation: Average, display_name: CPU Percentage}
"""

from ansible_collections.erpops.azure.plugins.module_utils.module import AzureModule

API_VERSION = "2024-02-01"


def main():
    az = AzureModule(dict(
        resource_id=dict(type="str", required=True),
        metric_names=dict(type="list", elements="str"),
        metric_namespace=dict(type="str"),
        timespan=dict(type="str", default="PT1H"),
        interval=dict(type="str", default="PT1M", choices=["PT1M", "PT5M", "PT15M", "PT30M", "PT1H", "PT6H", "PT12H", "P1D", "FULL"]),
        aggregation=dict(type="list", elements="str", choices=["Average", "Minimum", "Maximum", "Total", "Count"]),
        list_definitions=dict(type="bool", default=False),
    ))
    p = az.params
    if not p["resource_id"].lower().startswith("/subscriptions/") or "/providers/" not in p["resource_id"].lower():
        az.fail("resource_id must be the ID of a resource (/subscriptions/.../providers/<namespace>/<type>/<name>), got %r" % p["resource_id"])

    def run():
        base = p["resource_id"].rstrip("/")
        params = {"metricnamespace": p["metric_namespace"]} if p["metric_namespace"] else {}
        if p["list_definitions"]:
            found = az.arm.list(base + "/providers/Microsoft.Insights/metricDefinitions", API_VERSION, params=params)
            return dict(changed=False, definitions=[{"name": d["name"]["value"], "display_name": d["name"].get("localizedValue"), "unit": d.get("unit"),
                                                     "primary_aggregation": d.get("primaryAggregationType"),
                                                     "description": d.get("displayDescription")} for d in found])
        params.update({"timespan": p["timespan"], "interval": p["interval"]})
        if p["metric_names"]:
            # The Metrics API takes a comma-separated list; a comma inside a name is escaped as %2.
            params["metricnames"] = ",".join(n.replace(",", "%2") for n in p["metric_names"])
        if p["aggregation"]:
            params["aggregation"] = ",".join(p["aggregation"])
        _status, _hdrs, body = az.arm.request("GET", base + "/providers/Microsoft.Insights/metrics", API_VERSION, params=params, expect=(200,))
        metrics = []
        for m in (body or {}).get("value") or []:
            data = []
            for series in m.get("timeseries") or []:
                data.extend(series.get("data") or [])
            metrics.append({"name": (m.get("name") or {}).get("value"), "display_name": (m.get("name") or {}).get("localizedValue"),
                            "unit": m.get("unit"), "data": data})
        return dict(changed=False, metrics=metrics, timespan=(body or {}).get("timespan"), interval=(body or {}).get("interval"))

    az.run(run)


if __name__ == "__main__":
    main()
