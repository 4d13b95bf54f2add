"""Microsoft.Portal/dashboards through azure-mgmt-portal 1.0.1 (api 2020-09-01-preview) and raw REST for the other
api-versions."""

import pytest
from azure.core.exceptions import HttpResponseError, ResourceNotFoundError
from azure.mgmt.portal import Portal

MARKDOWN = {"type": "Extension/HubsExtension/PartType/MarkdownPart", "inputs": [],
            "settings": {"content": {"settings": {"content": "# ERP", "title": "ERP", "subtitle": "", "markdownSource": 1}}}}
TIME_RANGE = {"model": {"timeRange": {"value": {"relative": {"duration": 24, "timeUnit": 1}},
                                      "type": "MsPortalFx.Composition.Configuration.ValueTypes.TimeRange"}}}


def dashboard(**over):
    body = {"location": "westeurope", "tags": {"hidden-title": "ERP operations"},
            "properties": {"lenses": [{"order": 0, "parts": [
                {"position": {"x": 0, "y": 0, "rowSpan": 2, "colSpan": 6}, "metadata": MARKDOWN},
                {"position": {"x": 6, "y": 0, "rowSpan": 4, "colSpan": 6}}]}], "metadata": TIME_RANGE}}
    body.update(over)
    return body


def test_dashboard_lifecycle(azsim, mode, resource_group, unique):
    portal = azsim.client(Portal, mode)
    name = f"dash-{unique}"
    created = portal.dashboards.create_or_update(resource_group, name, dashboard())
    assert created.type == "Microsoft.Portal/dashboards" and created.name == name and created.location == "westeurope"
    assert created.id == f"/subscriptions/{azsim.sub}/resourceGroups/{resource_group}/providers/Microsoft.Portal/dashboards/{name}"
    lens = created.properties.lenses[0]
    assert lens.order == 0 and len(lens.parts) == 2 and lens.parts[0].position.col_span == 6
    assert lens.parts[0].metadata.type == "Extension/HubsExtension/PartType/MarkdownPart"
    assert created.properties.metadata == TIME_RANGE and created.tags == {"hidden-title": "ERP operations"}
    got = portal.dashboards.get(resource_group, name)
    assert got.as_dict() == created.as_dict()
    raw = azsim.session(mode).get(f"{azsim.arm(mode)}{created.id}", params={"api-version": "2022-12-01-preview"}).json()
    assert raw["properties"]["lenses"][0]["parts"][0]["metadata"] == MARKDOWN  # part metadata kept as sent (inputs, settings)
    assert [d.name for d in portal.dashboards.list_by_resource_group(resource_group)] == [name]
    assert name in [d.name for d in portal.dashboards.list_by_subscription()]

    updated = portal.dashboards.update(resource_group, name, {"tags": {"env": "prod"}})
    assert updated.tags == {"env": "prod"} and len(updated.properties.lenses[0].parts) == 2
    replaced = portal.dashboards.create_or_update(resource_group, name, dashboard(properties={"lenses": [{"order": 0, "parts": []}]}))
    assert replaced.properties.lenses[0].parts == [] and replaced.properties.metadata is None

    portal.dashboards.delete(resource_group, name)
    with pytest.raises(ResourceNotFoundError) as exc:
        portal.dashboards.get(resource_group, name)
    assert exc.value.error.code == "ResourceNotFound"
    portal.dashboards.delete(resource_group, name)  # 204: already gone
    with pytest.raises(ResourceNotFoundError):
        portal.dashboards.update(resource_group, name, {"tags": {}})


def test_create_status_codes_and_old_api_shape(azsim, resource_group, unique):
    s = azsim.session("direct")
    url = f"{azsim.url}/subscriptions/{azsim.sub}/resourceGroups/{resource_group}/providers/Microsoft.Portal/dashboards/old-{unique}"
    position = {"x": 0, "y": 0, "rowSpan": 1, "colSpan": 2}
    keyed = {"location": "westeurope", "properties": {"lenses": {"0": {"order": 0, "parts": {"0": {"position": position}}}}}}
    r = s.put(url, params={"api-version": "2019-01-01-preview"}, json=keyed)
    assert r.status_code == 201 and r.json()["properties"]["lenses"]["0"]["parts"]["0"]["position"]["colSpan"] == 2
    r = s.get(url, params={"api-version": "2020-09-01-preview"})
    assert r.json()["properties"]["lenses"] == [{"order": 0, "parts": [{"position": {"x": 0, "y": 0, "rowSpan": 1, "colSpan": 2}}]}]
    r = s.put(url, params={"api-version": "2020-09-01-preview"}, json=dashboard())
    assert r.status_code == 200
    r = s.delete(url, params={"api-version": "2020-09-01-preview"})
    assert r.status_code == 200


def test_validation(azsim, resource_group, unique):
    portal = azsim.client(Portal, "direct")
    name = f"bad-{unique}"
    cases = [
        ({"location": None}, "LocationRequired"),
        ({"location": "atlantis"}, "LocationNotAvailableForResourceType"),
        ({"properties": {"lenses": [{"parts": []}]}}, "InvalidRequestContent"),
        ({"properties": {"lenses": [{"order": 0, "parts": [{"position": {"x": 0, "y": 0, "rowSpan": 1}}]}]}}, "InvalidRequestContent"),
        ({"properties": {"lenses": [{"order": 0, "parts": [{"metadata": MARKDOWN}]}]}}, "InvalidRequestContent"),
    ]
    s = azsim.session("direct")
    url = f"{azsim.url}/subscriptions/{azsim.sub}/resourceGroups/{resource_group}/providers/Microsoft.Portal/dashboards/{name}"
    for over, code in cases:
        r = s.put(url, params={"api-version": "2020-09-01-preview"}, json=dashboard(**over))
        assert r.status_code == 400 and r.json()["error"]["code"] == code, (over, r.text)
    r = s.put(url.replace(name, "x_y"), params={"api-version": "2022-12-01-preview"}, json=dashboard())
    assert r.status_code == 400
    portal.dashboards.create_or_update(resource_group, name, dashboard())
    with pytest.raises(HttpResponseError) as exc:
        portal.dashboards.create_or_update(resource_group, name, dashboard(location="northeurope"))
    assert exc.value.error.code == "InvalidResourceLocation"
    with pytest.raises(HttpResponseError) as exc:
        list(portal.dashboards.list_by_resource_group("rg-missing-" + unique))
    assert exc.value.status_code == 404


def test_group_delete_removes_dashboards(azsim, resource_client, unique):
    portal = azsim.client(Portal, "direct")
    rg = f"rg-dash-{unique}"
    resource_client.resource_groups.create_or_update(rg, {"location": "westeurope"})
    portal.dashboards.create_or_update(rg, f"gone-{unique}", dashboard())
    resource_client.resource_groups.begin_delete(rg).result()
    assert f"gone-{unique}" not in [d.name for d in portal.dashboards.list_by_subscription()]
