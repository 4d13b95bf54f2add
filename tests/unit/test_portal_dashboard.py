"""Pure logic of portal_dashboard: tiles as the portal's parts, raw lenses checked before any request, the title tag."""

from ansible_collections.erpops.azure.plugins.modules import portal_dashboard as pd

PLAN = "/subscriptions/s/resourceGroups/rg/providers/Microsoft.Web/serverfarms/plan"


def tile(**kw):
    base = {"x": 0, "y": 0, "col_span": 6, "row_span": 4, "title": None, "subtitle": None, "markdown": None, "metrics": None}
    base.update(kw)
    return base


def metric(**kw):
    base = {"resource_id": PLAN, "name": "CpuPercentage", "namespace": None, "aggregation": "Average", "display_name": None}
    base.update(kw)
    return base


def test_a_chart_tile_is_a_monitor_chart_part_bound_through_its_options_input():
    memory = metric(name="MemoryPercentage", aggregation="Maximum", display_name="Memory")
    part = pd.tile_part(tile(x=6, y=4, title="CPU and memory", metrics=[metric(), memory]))
    assert part["position"] == {"x": 6, "y": 4, "colSpan": 6, "rowSpan": 4}
    meta = part["metadata"]
    assert meta["type"] == "Extension/HubsExtension/PartType/MonitorChartPart"
    assert [i["name"] for i in meta["inputs"]] == ["options", "sharedTimeRange"]
    chart = meta["inputs"][0]["value"]["chart"]
    assert chart["title"] == "CPU and memory" and chart["visualization"]["chartType"] == 2
    assert chart["metrics"] == [
        {"resourceMetadata": {"id": PLAN}, "name": "CpuPercentage", "aggregationType": 4, "namespace": "microsoft.web/serverfarms",
         "metricVisualization": {"displayName": "CpuPercentage"}},
        {"resourceMetadata": {"id": PLAN}, "name": "MemoryPercentage", "aggregationType": 3, "namespace": "microsoft.web/serverfarms",
         "metricVisualization": {"displayName": "Memory"}}]


def test_a_markdown_tile_is_the_2026_markdown_part():
    part = pd.tile_part(tile(markdown="## Targets", title="Targets", col_span=4, row_span=3))
    assert part == {"position": {"x": 0, "y": 0, "colSpan": 4, "rowSpan": 3}, "metadata": {
        "inputs": [], "type": "Extension/HubsExtension/PartType/MarkdownPart",
        "settings": {"content": {"content": "## Targets", "title": "Targets", "subtitle": "", "markdownSource": 1, "markdownUri": ""}}}}
    assert pd.tiles_lenses([tile(markdown="a"), tile(markdown="b")])[0]["order"] == 0


def test_metric_namespace_is_the_resource_type_in_lower_case():
    assert pd.metric_namespace(PLAN) == "microsoft.web/serverfarms"
    assert pd.metric_namespace("/subscriptions/s/resourceGroups/rg/providers/Microsoft.Web/sites/app/slots/staging") == "microsoft.web/sites/slots"
    assert pd.metric_namespace("/subscriptions/s/resourceGroups/rg/providers/Microsoft.DBforPostgreSQL/flexibleServers/pg") == \
        "microsoft.dbforpostgresql/flexibleservers"
    assert pd.chart_metric(metric(namespace="microsoft.insights/components/kusto"))["namespace"] == "microsoft.insights/components/kusto"


def test_raw_lenses_are_checked_with_the_path_of_the_problem():
    good = [{"order": 0, "parts": [{"position": {"x": 0, "y": 0, "rowSpan": 2, "colSpan": 3}, "metadata": {"type": "T"}},
                                   {"position": {"x": 3, "y": 0, "rowSpan": 2, "colSpan": 3}}]}]
    assert pd.validate_lenses(good) is None
    assert pd.validate_lenses([{"order": "0", "parts": []}]) == "lenses[0].order must be an integer, got '0'"
    assert "not objects keyed" in pd.validate_lenses([{"order": 0, "parts": {"0": {}}}])
    assert pd.validate_lenses([{"order": 0, "parts": [{"position": {"x": 0, "y": 0, "rowSpan": 2}}]}]) == \
        "lenses[0].parts[0].position.colSpan must be an integer of at least 1, got None"
    assert pd.validate_lenses([{"order": 0, "parts": [{"position": {"x": -1, "y": 0, "rowSpan": 2, "colSpan": 1}}]}]) == \
        "lenses[0].parts[0].position.x must be an integer of at least 0, got -1"
    assert pd.validate_lenses([{"order": 0, "parts": [{"position": {"x": 0, "y": 0, "rowSpan": True, "colSpan": 1}}]}]).startswith(
        "lenses[0].parts[0].position.rowSpan")
    assert pd.validate_lenses([{"order": 0, "parts": [{"position": good[0]["parts"][0]["position"], "metadata": {"inputs": []}}]}]) == \
        "lenses[0].parts[0].metadata needs a type (the part's kind, such as Extension/HubsExtension/PartType/MarkdownPart)"


def params(**kw):
    base = {"tags": None, "purge_tags": True, "title": None}
    base.update(kw)
    return base


def test_the_title_is_the_hidden_title_tag_and_purge_keeps_it():
    current = {"hidden-title": "Old", "env": "prod"}
    assert pd.wanted_tags(params(), current) is None
    assert pd.wanted_tags(params(title="New"), current) == {"hidden-title": "New", "env": "prod"}
    assert pd.wanted_tags(params(tags={"app": "erp"}), current) == {"app": "erp", "hidden-title": "Old"}
    assert pd.wanted_tags(params(tags={"app": "erp"}, title="New"), current) == {"app": "erp", "hidden-title": "New"}
    assert pd.wanted_tags(params(tags={"app": "erp"}, purge_tags=False), current) == {"hidden-title": "Old", "env": "prod", "app": "erp"}
    assert pd.wanted_tags(params(tags={}), {}) == {}
