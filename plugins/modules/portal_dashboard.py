#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright: (c) 2026, erpops.azure contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import absolute_import, division, print_function

__metaclass__ = type

DOCUMENTATION = r"""
module: portal_dashboard
short_description: Create, update or delete a shared Azure portal dashboard
version_added: 0.1.0
description:
  - Creates a shared dashboard (C(Microsoft.Portal/dashboards), API version 2026-04-01), the page of tiles the Azure
    portal shows under "Dashboards", keeps it as asked, or deletes it.
  - The tiles are given either as O(tiles) (metric charts and Markdown text, which the module turns into the portal's
    parts) or as O(lenses), the raw C(properties.lenses) document of an exported dashboard. Either one, when given,
    is the whole layout, compared with what Azure has at every depth, and replaces it.
  - Options left unset are not compared and are kept as they are (the PUT carries the current value).
  - Azure stores the parts as sent and does not check that the resources they chart exist.
author:
  - erpops.azure maintainers (@erpops)
options:
  name:
    description:
      - Resource name of the dashboard, 3 to 64 letters, digits and hyphens. The portal names the dashboards it creates
        with GUIDs; the name a person sees is O(title).
    type: str
    required: true
  resource_group:
    description: Resource group of the dashboard.
    type: str
    required: true
  location:
    description:
      - Azure region that stores the dashboard's JSON, in any spelling Azure accepts (C(westeurope), C(West Europe)).
      - Required to create the dashboard; a dashboard cannot move to another region.
    type: str
  title:
    description:
      - The name the portal shows, kept in the dashboard's C(hidden-title) tag (the portal's convention; without it the
        portal shows O(name)).
      - When unset, the C(hidden-title) tag is left as it is, even by O(purge_tags).
    type: str
  tiles:
    description:
      - The dashboard's tiles, in one lens; the module builds the portal's parts from them
        (C(Extension/HubsExtension/PartType/MonitorChartPart) line charts and C(Extension/HubsExtension/PartType/MarkdownPart)).
      - Each tile has either O(tiles[].metrics) or O(tiles[].markdown).
      - Mutually exclusive with O(lenses).
    type: list
    elements: dict
    suboptions:
      x:
        description: Column of the tile's top left corner, in grid units from 0.
        type: int
        required: true
      y:
        description: Row of the tile's top left corner, in grid units from 0.
        type: int
        required: true
      col_span:
        description: Width in grid units.
        type: int
        default: 6
      row_span:
        description: Height in grid units.
        type: int
        default: 4
      title:
        description: Title of the chart or of the Markdown tile.
        type: str
      subtitle:
        description: Subtitle of a Markdown tile.
        type: str
      markdown:
        description: Markdown text of the tile (inline content).
        type: str
      metrics:
        description: The metrics drawn on one line chart; they may come from different resources.
        type: list
        elements: dict
        suboptions:
          resource_id:
            description: Resource ID of the resource whose metric is drawn.
            type: str
            required: true
          name:
            description: Metric name as Azure Monitor knows it (C(CpuPercentage), C(availabilityResults/availabilityPercentage)).
            type: str
            required: true
          namespace:
            description: Metric namespace; by default the resource type of O(tiles[].metrics[].resource_id), in lower case (C(microsoft.web/sites)).
            type: str
          aggregation:
            description: How the values of each interval are combined.
            type: str
            choices: [Average, Count, Maximum, Minimum, Sum]
            default: Average
          display_name:
            description: Name shown in the chart's legend; the metric name when unset.
            type: str
  lenses:
    description:
      - The raw C(properties.lenses) of the dashboard, as the 2026-04-01 API takes them (arrays; an exported dashboard's
        C(properties.lenses)). Each lens needs an integer C(order) and a list of C(parts); each part a C(position) with
        integer C(x), C(y), C(rowSpan) and C(colSpan), and, when it has C(metadata), a C(metadata.type).
      - Mutually exclusive with O(tiles).
    type: list
    elements: dict
  metadata:
    description:
      - The dashboard's C(properties.metadata), where the portal keeps the dashboard-wide time range and filters; the
        first example sets the last 24 hours (C(model.timeRange), relative duration 24 in hours, C(timeUnit=1)).
      - Compared and replaced whole when set.
    type: dict
  tags:
    description: Tags of the dashboard.
    type: dict
  purge_tags:
    description: Remove tags not listed in O(tags) (except C(hidden-title), see O(title)). With V(false), O(tags) are added to the existing ones.
    type: bool
    default: true
  state:
    description: Whether the dashboard should exist.
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
  - A tile's metric chart follows the dashboard's time range (O(metadata)).
  - The Microsoft.Portal REST API (azure-rest-api-specs C(specification/portal)) lists only the Markdown part in its
    schema; the chart parts are the portal's own format (as a dashboard exported from the portal shows it), which Azure stores
    as sent.
"""

EXAMPLES = r"""
- name: Show the ERP's CPU, memory and requests over the last 24 hours
  erpops.azure.portal_dashboard:
    name: erp-supermarket-prod-dashboard
    resource_group: erp-supermarket-production-rg
    location: westeurope
    title: ERP supermarket - production
    metadata:
      model:
        timeRange:
          value: {relative: {duration: 24, timeUnit: 1}}
          type: MsPortalFx.Composition.Configuration.ValueTypes.TimeRange
    tiles:
      - x: 0
        y: 0
        markdown: "Targets: response time < 500 ms, CPU < 70 %, memory < 80 %"
        title: Targets
      - x: 6
        y: 0
        title: CPU and memory
        metrics:
          - {resource_id: "{{ prefix }}/Microsoft.Web/serverfarms/erp-production-plan", name: CpuPercentage}
          - {resource_id: "{{ prefix }}/Microsoft.Web/serverfarms/erp-production-plan", name: MemoryPercentage}
      - x: 0
        y: 4
        title: Requests
        metrics:
          - {resource_id: "{{ prefix }}/Microsoft.Web/sites/erp-supermarket-prod", name: Requests, aggregation: Sum}
    tags:
      application: erp-supermarket
  vars:
    prefix: /subscriptions/00000000-0000-0000-0000-000000000000/resourceGroups/erp-supermarket-production-rg/providers

- name: Publish a dashboard exported from the portal (Export > Download), its resource IDs templated
  erpops.azure.portal_dashboard:
    name: erp-team-dashboard
    resource_group: erp-supermarket-production-rg
    location: westeurope
    title: "{{ exported.tags['hidden-title'] }}"
    lenses: "{{ exported.properties.lenses }}"
    metadata: "{{ exported.properties.metadata }}"
  vars:
    exported: "{{ lookup('ansible.builtin.template', 'dashboard.json.j2') | from_json }}"

- name: Delete the dashboard
  erpops.azure.portal_dashboard:
    name: erp-team-dashboard
    resource_group: erp-supermarket-production-rg
    state: absent
"""

RETURN = r"""
dashboard:
  description: The dashboard as Azure returns it (in check mode, as it would be); empty when it was deleted.
  returned: always
  type: dict
  sample:
    id: "/subscriptions/00000000-0000-0000-0000-000000000000/resourceGroups/erp-supermarket-production-rg\
      /providers/Microsoft.Portal/dashboards/erp-supermarket-prod-dashboard"
    name: erp-supermarket-prod-dashboard
    type: Microsoft.Portal/dashboards
    location: westeurope
    tags: {hidden-title: ERP supermarket - production, application: erp-supermarket}
    properties:
      lenses:
        - order: 0
          parts:
            - position: {x: 0, y: 0, colSpan: 6, rowSpan: 4}
              metadata:
                type: Extension/HubsExtension/PartType/MarkdownPart
                inputs: []
                settings: {content: {content: "Targets: ...", title: Targets, subtitle: "", markdownSource: 1, markdownUri: ""}}
            - position: {x: 6, y: 0, colSpan: 6, rowSpan: 4}
              metadata:
                type: Extension/HubsExtension/PartType/MonitorChartPart
                inputs:
                  - name: options
                    isOptional: true
                    value:
                      chart:
                        title: CPU and memory
                        titleKind: 1
                        metrics:
                          - resourceMetadata: {id: "/subscriptions/.../providers/Microsoft.Web/serverfarms/erp-production-plan"}
                            name: CpuPercentage
                            namespace: microsoft.web/serverfarms
                            aggregationType: 4
                            metricVisualization: {displayName: CpuPercentage}
                        visualization: {chartType: 2}
                  - {name: sharedTimeRange, isOptional: true}
                settings: {}
      metadata:
        model:
          timeRange:
            value: {relative: {duration: 24, timeUnit: 1}}
            type: MsPortalFx.Composition.Configuration.ValueTypes.TimeRange
"""

import re

from ansible_collections.erpops.azure.plugins.module_utils import reconcile
from ansible_collections.erpops.azure.plugins.module_utils.module import AzureModule, Resource
from ansible_collections.erpops.azure.plugins.module_utils.plan import planned

# The newest stable version of azure-rest-api-specs specification/portal (stable/2026-04-01/portal.json): lenses and
# parts are arrays (since 2020-09-01-preview; before, objects keyed "0", "1"...).
API_VERSION = "2026-04-01"
# The swagger's path parameter says minLength 3, maxLength 64 (its pattern's {3,24} is not what the service enforces: the
# portal names dashboards with 36-character GUIDs, Azure/azure-rest-api-specs#30276).
NAME_RE = re.compile(r"^[a-zA-Z0-9-]{3,64}$")
TITLE_TAG = "hidden-title"
MARKDOWN_PART = "Extension/HubsExtension/PartType/MarkdownPart"
CHART_PART = "Extension/HubsExtension/PartType/MonitorChartPart"
# The portal's aggregationType numbers in a chart's metrics, as dashboards exported from the portal carry them (Count 7 on
# requests/count, Average 4 on HttpResponseTime and Percentage CPU, Maximum 3, Sum 1); not in the REST specs.
AGGREGATIONS = {"Sum": 1, "Minimum": 2, "Maximum": 3, "Average": 4, "Count": 7}
LINE_CHART = 2
POSITION_KEYS = ("x", "y", "rowSpan", "colSpan")


def dashboard_path(subscription_id, resource_group, name):
    return "/subscriptions/%s/resourceGroups/%s/providers/Microsoft.Portal/dashboards/%s" % (subscription_id, resource_group, name)


def metric_namespace(resource_id):
    """The resource type of an ID in lower case, as the portal writes metric namespaces (``microsoft.web/sites``)."""
    tail = resource_id.rsplit("/providers/", 1)[-1].strip("/").split("/")
    return "/".join([tail[0]] + tail[1::2]).lower()


def _is_int(value):
    return isinstance(value, int) and not isinstance(value, bool)


def validate_lenses(lenses):
    """The first problem in a raw lenses document, said the way a person fixes it, or None."""
    for i, lens in enumerate(lenses):
        where = "lenses[%d]" % i
        if not isinstance(lens, dict):
            return "%s must be a dict with order and parts" % where
        if not _is_int(lens.get("order")):
            return "%s.order must be an integer, got %r" % (where, lens.get("order"))
        if not isinstance(lens.get("parts"), list):
            return "%s.parts must be a list of parts (the 2026-04-01 API takes arrays, not objects keyed \"0\", \"1\"...)" % where
        for j, part in enumerate(lens["parts"]):
            pwhere = "%s.parts[%d]" % (where, j)
            position = part.get("position") if isinstance(part, dict) else None
            if not isinstance(position, dict):
                return "%s needs a position with x, y, rowSpan and colSpan" % pwhere
            for key in POSITION_KEYS:
                least = 1 if key.endswith("Span") else 0
                if not _is_int(position.get(key)) or position[key] < least:
                    return "%s.position.%s must be an integer of at least %d, got %r" % (pwhere, key, least, position.get(key))
            metadata = part.get("metadata")
            if metadata is not None and (not isinstance(metadata, dict) or not isinstance(metadata.get("type"), str) or not metadata["type"]):
                return "%s.metadata needs a type (the part's kind, such as %s)" % (pwhere, MARKDOWN_PART)
    return None


def chart_metric(metric):
    return {"resourceMetadata": {"id": metric["resource_id"]}, "name": metric["name"],
            "aggregationType": AGGREGATIONS[metric["aggregation"]],
            "namespace": metric["namespace"] or metric_namespace(metric["resource_id"]),
            "metricVisualization": {"displayName": metric["display_name"] or metric["name"]}}


def tile_part(tile):
    """One tile as the portal's part: a MonitorChartPart line chart bound through its ``options`` input, or a MarkdownPart."""
    position = {"x": tile["x"], "y": tile["y"], "colSpan": tile["col_span"], "rowSpan": tile["row_span"]}
    if tile["markdown"] is not None:
        # The 2026-04-01 MarkdownPartMetadata (settings.content.content ...), as a real Dashboards_Get shows it (#30276).
        return {"position": position, "metadata": {"inputs": [], "type": MARKDOWN_PART, "settings": {"content": {
            "content": tile["markdown"], "title": tile["title"] or "", "subtitle": tile["subtitle"] or "", "markdownSource": 1, "markdownUri": ""}}}}
    chart = {"metrics": [chart_metric(m) for m in tile["metrics"]], "title": tile["title"] or ", ".join(m["name"] for m in tile["metrics"]),
             "titleKind": 1,
             "visualization": {"chartType": LINE_CHART, "legendVisualization": {"isVisible": True, "position": 2, "hideSubtitle": False},
                               "axisVisualization": {"x": {"isVisible": True, "axisType": 2}, "y": {"isVisible": True, "axisType": 1}}}}
    return {"position": position, "metadata": {"inputs": [{"name": "options", "isOptional": True, "value": {"chart": chart}},
                                                          {"name": "sharedTimeRange", "isOptional": True}],
                                               "type": CHART_PART, "settings": {}}}


def tiles_lenses(tiles):
    return [{"order": 0, "parts": [tile_part(t) for t in tiles]}]


def validate(az, p):
    if not NAME_RE.match(p["name"]):
        az.fail("name %r is invalid: a dashboard name has 3 to 64 letters, digits and hyphens" % p["name"])
    if p["title"] is not None and p["tags"] and TITLE_TAG in p["tags"] and p["tags"][TITLE_TAG] != p["title"]:
        az.fail("tags.%s (%r) and title (%r) disagree: title sets the %s tag, set one of them" % (TITLE_TAG, p["tags"][TITLE_TAG], p["title"], TITLE_TAG))
    for i, tile in enumerate(p["tiles"] or []):
        if (tile["markdown"] is None) == (tile["metrics"] is None):
            az.fail("tiles[%d] needs either metrics (a chart) or markdown (text), not %s" % (i, "both" if tile["markdown"] is not None else "neither"))
        if tile["metrics"] is not None and not tile["metrics"]:
            az.fail("tiles[%d].metrics is empty: a chart needs at least one metric" % i)
        if tile["x"] < 0 or tile["y"] < 0 or tile["col_span"] < 1 or tile["row_span"] < 1:
            az.fail("tiles[%d]: x and y must be 0 or more, col_span and row_span 1 or more" % i)
        for metric in tile["metrics"] or []:
            if "/providers/" not in metric["resource_id"].lower() or not metric["resource_id"].startswith("/subscriptions/"):
                az.fail("tiles[%d].metrics: %r is not a resource ID (/subscriptions/.../providers/...)" % (i, metric["resource_id"]))
    problem = validate_lenses(p["lenses"]) if p["lenses"] is not None else None
    if problem:
        az.fail(problem)


def wanted_tags(p, current_tags):
    """The tag map to send (None: leave the tags alone). The title lives in hidden-title, which purge_tags never removes."""
    tags = reconcile.tags_wanted(current_tags, p["tags"], p["purge_tags"])
    if tags is not None and p["title"] is None and TITLE_TAG in current_tags and TITLE_TAG not in (p["tags"] or {}):
        tags[TITLE_TAG] = current_tags[TITLE_TAG]
    if p["title"] is not None:
        tags = dict(current_tags if tags is None else tags)
        tags[TITLE_TAG] = p["title"]
    return tags


def main():
    metric = dict(resource_id=dict(type="str", required=True), name=dict(type="str", required=True), namespace=dict(type="str"),
                  aggregation=dict(type="str", choices=sorted(AGGREGATIONS), default="Average"), display_name=dict(type="str"))
    tile = dict(x=dict(type="int", required=True), y=dict(type="int", required=True), col_span=dict(type="int", default=6),
                row_span=dict(type="int", default=4), title=dict(type="str"), subtitle=dict(type="str"), markdown=dict(type="str"),
                metrics=dict(type="list", elements="dict", options=metric))
    az = AzureModule(dict(
        name=dict(type="str", required=True),
        resource_group=dict(type="str", required=True),
        location=dict(type="str"),
        title=dict(type="str"),
        tiles=dict(type="list", elements="dict", options=tile),
        lenses=dict(type="list", elements="dict"),
        metadata=dict(type="dict"),
        tags=dict(type="dict"),
        purge_tags=dict(type="bool", default=True),
        state=dict(type="str", default="present", choices=["present", "absent"]),
    ), mutually_exclusive=[("tiles", "lenses")])
    p = az.params
    validate(az, p)

    def run():
        # lenses and metadata are whole documents: compared at every depth, and replaced whole in the check-mode prediction.
        dash = Resource(az, dashboard_path(az.subscription_id, p["resource_group"], p["name"]), API_VERSION,
                        exact_trees=("properties.lenses", "properties.metadata"), replaced=("tags", "properties.lenses", "properties.metadata"))
        current = dash.get()
        if p["state"] == "absent":
            changed, _doc, diff, _op = dash.ensure_absent()
            return dict(changed=changed, dashboard={}, diff=diff)
        lenses = tiles_lenses(p["tiles"]) if p["tiles"] is not None else p["lenses"]
        if current is None:
            if not p["location"]:
                az.fail("location is required to create dashboard %s" % p["name"])
            if lenses is None:
                az.fail("tiles or lenses is required to create dashboard %s" % p["name"])
        elif p["location"] and reconcile.norm_location(p["location"]) != reconcile.norm_location(current["location"]):
            az.fail("dashboard %s is in %s; a dashboard cannot move to %s" % (p["name"], current["location"], p["location"]))
        cur_props = (current or {}).get("properties") or {}
        tags = wanted_tags(p, (current or {}).get("tags") or {})
        desired = {"location": p["location"], "tags": tags, "properties": {"lenses": lenses, "metadata": p["metadata"]}}
        # The PUT is the whole dashboard: what the user set, the rest as it is.
        props = dict((k, v) for k, v in (("lenses", lenses if lenses is not None else cur_props.get("lenses")),
                                         ("metadata", p["metadata"] if p["metadata"] is not None else cur_props.get("metadata")))
                     if v is not None)
        body = {"location": p["location"] or current["location"], "tags": tags if tags is not None else (current or {}).get("tags") or {},
                "properties": props}
        changed, doc, diff, _op = dash.ensure_present(desired, body=body)
        doc, diff = planned(az, dash.path, changed, doc, diff)
        return dict(changed=changed, dashboard=doc, diff=diff)

    az.run(run)


if __name__ == "__main__":
    main()
