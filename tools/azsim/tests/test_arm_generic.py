"""ARM's front-door behaviour, seen with raw REST (exact codes, messages and headers) and the SDK: api-version
checks, routing errors, ids and casing, locations, tags, PUT/PATCH/HEAD/DELETE semantics, the LRO headers,
common response headers, paging and $filter/$top."""

import re
import time
import uuid

import pytest
from azure.core.exceptions import HttpResponseError, ResourceNotFoundError
from azure.mgmt.resource.resources import ResourceManagementClient

from ._core_helpers import error_of

API = {"api-version": "2025-04-01"}
GUID = r"[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}"


def _rg_url(azsim, mode, name, casing="resourcegroups"):
    return f"{azsim.arm(mode)}/subscriptions/{azsim.sub}/{casing}/{name}"


# -- api-version and routing errors ---------------------------------------------------------------
def test_missing_api_version(azsim, mode):
    r = azsim.session(mode).get(f"{azsim.arm(mode)}/subscriptions/{azsim.sub}/resourcegroups")
    assert r.status_code == 400
    assert error_of(r) == ("MissingApiVersionParameter", "The api-version query parameter (?api-version=) is required for all requests.")


@pytest.mark.parametrize("version, code", [("banana", "InvalidApiVersionParameter"), ("1999-01-01", "NoRegisteredProviderFound"),
                                           ("2099-01-01", "NoRegisteredProviderFound")])
def test_implausible_api_version(azsim, mode, version, code):
    r = azsim.session(mode).get(f"{azsim.arm(mode)}/subscriptions/{azsim.sub}/resourcegroups", params={"api-version": version})
    assert r.status_code == 400
    got, message = error_of(r)
    assert got == code
    assert f"'{version}'" in message


def test_any_plausible_api_version_is_accepted(azsim, mode):
    for v in ("2021-04-01", "2024-03-01-preview", "2019-10-01"):
        assert azsim.session(mode).get(f"{azsim.arm(mode)}/subscriptions/{azsim.sub}/resourcegroups", params={"api-version": v}).status_code == 200


def test_unknown_namespace_and_type(azsim, mode, resource_group):
    s = azsim.session(mode)
    base = _rg_url(azsim, mode, resource_group)
    r = s.get(f"{base}/providers/Microsoft.Nothing/things/x", params=API)
    assert r.status_code == 400
    assert error_of(r) == ("InvalidResourceNamespace", "The resource namespace 'Microsoft.Nothing' is invalid.")
    r = s.get(f"{base}/providers/Microsoft.Authorization/gizmos/x", params={"api-version": "2022-04-01"})
    assert r.status_code == 400
    assert error_of(r) == ("InvalidResourceType", "The resource type 'gizmos' could not be found in the namespace 'Microsoft.Authorization' "
                                                  "for api version '2022-04-01'.")


def test_subscription_not_found(azsim, mode):
    other = str(uuid.uuid4())
    r = azsim.session(mode).get(f"{azsim.arm(mode)}/subscriptions/{other}/resourcegroups", params=API)
    assert r.status_code == 404
    assert error_of(r) == ("SubscriptionNotFound", f"The subscription '{other}' could not be found.")


def test_resource_group_not_found_vs_resource_not_found(azsim, mode, resource_group):
    c = azsim.client(ResourceManagementClient, mode)
    with pytest.raises(ResourceNotFoundError) as exc:
        c.resource_groups.get("rg-does-not-exist")
    assert exc.value.error.code == "ResourceGroupNotFound"
    assert exc.value.error.message == "Resource group 'rg-does-not-exist' could not be found."
    with pytest.raises(ResourceNotFoundError) as exc:
        c.resources.list_by_resource_group("rg-does-not-exist").next()
    assert exc.value.error.code == "ResourceGroupNotFound"
    # A resource of a known type: missing group first, then missing resource (ARM answers both itself).
    s = azsim.session(mode)
    path = "/providers/Microsoft.Web/sites/nosuchsite"
    r = s.get(_rg_url(azsim, mode, "rg-does-not-exist", "resourceGroups") + path, params={"api-version": "2024-11-01"})
    assert r.status_code == 404 and error_of(r)[0] == "ResourceGroupNotFound"
    r = s.get(_rg_url(azsim, mode, resource_group, "resourceGroups") + path, params={"api-version": "2024-11-01"})
    assert r.status_code == 404
    assert error_of(r) == ("ResourceNotFound", f"The Resource 'Microsoft.Web/sites/nosuchsite' under resource group '{resource_group}' was not found. "
                                               "For more details please go to https://aka.ms/ARMResourceNotFoundFix")


# -- ids, casing, locations, tags -----------------------------------------------------------------
def test_ids_are_case_insensitive_and_keep_creation_casing(azsim, mode, unique):
    c = azsim.client(ResourceManagementClient, mode)
    name = f"RG-Case-{unique}"
    created = c.resource_groups.create_or_update(name, {"location": "westeurope"})
    assert created.name == name
    assert created.id == f"/subscriptions/{azsim.sub}/resourceGroups/{name}"
    got = c.resource_groups.get(name.lower())
    assert got.name == name and got.id == created.id
    s = azsim.session(mode)
    r = s.get(_rg_url(azsim, mode, name.upper(), "RESOURCEGROUPS"), params=API)
    assert r.status_code == 200 and r.json()["name"] == name
    # A PUT with other casing updates the same group (200) and keeps the original name.
    r = s.put(_rg_url(azsim, mode, name.lower()), params=API, json={"location": "westeurope", "tags": {"a": "b"}})
    assert r.status_code == 200 and r.json()["name"] == name
    names = [g.name for g in c.resource_groups.list() if g.name.lower() == name.lower()]
    assert names == [name]


@pytest.mark.parametrize("given", ["West Europe", "WestEurope", "westeurope", "WESTEUROPE"])
def test_location_normalisation(azsim, mode, unique, given):
    c = azsim.client(ResourceManagementClient, mode)
    assert c.resource_groups.create_or_update(f"rg-loc-{unique}", {"location": given}).location == "westeurope"


def test_unknown_location(azsim, mode, unique):
    r = azsim.session(mode).put(_rg_url(azsim, mode, f"rg-atl-{unique}"), params=API, json={"location": "Atlantis"})
    assert r.status_code == 400
    code, message = error_of(r)
    assert code == "LocationNotAvailableForResourceGroup"
    assert message.startswith("The provided location 'Atlantis' is not available for resource group. List of available regions is '")


def test_location_cannot_change(azsim, mode, resource_group):
    r = azsim.session(mode).put(_rg_url(azsim, mode, resource_group), params=API, json={"location": "northeurope"})
    assert r.status_code == 409
    assert error_of(r) == ("InvalidResourceGroupLocation", "Invalid resource group location 'northeurope'. "
                                                           "The Resource group already exists in location 'westeurope'.")


def test_tag_validation(azsim, mode, unique):
    s = azsim.session(mode)
    url = _rg_url(azsim, mode, f"rg-tags-{unique}")
    ok = {f"k{i}": str(i) for i in range(50)}
    assert s.put(url, params=API, json={"location": "westeurope", "tags": ok}).status_code == 201
    r = s.put(url, params=API, json={"location": "westeurope", "tags": {**ok, "k50": "x"}})
    assert r.status_code == 400
    assert error_of(r)[0] == "InvalidTagCount"
    for bad in ("a/b", "a<b", "a%b", "a?b", "a&b", "a\\b", "a>b"):
        r = s.patch(url, params=API, json={"tags": {bad: "v"}})
        assert r.status_code == 400, bad
        assert error_of(r) == ("InvalidTagNameCharacters", f"The tag names '{bad}' have reserved characters '<,>,%,&,\\,?,/' or control characters.")
    r = s.patch(url, params=API, json={"tags": {"k": "v" * 257}})
    assert r.status_code == 400 and error_of(r)[0] == "InvalidTagValueLength"
    assert s.get(url, params=API).json()["tags"] == ok  # nothing of the failed writes stuck


# -- verbs --------------------------------------------------------------------------------------------
def test_put_patch_head_semantics(azsim, mode, unique):
    s = azsim.session(mode)
    url = _rg_url(azsim, mode, f"rg-verbs-{unique}")
    assert s.head(url, params=API).status_code == 404
    r = s.put(url, params=API, json={"location": "westeurope", "tags": {"a": "1"}})
    assert r.status_code == 201
    body = r.json()
    assert body["properties"] == {"provisioningState": "Succeeded"}
    assert body["type"] == "Microsoft.Resources/resourceGroups"
    assert s.put(url, params=API, json={"location": "westeurope", "tags": {"a": "2"}}).status_code == 200
    r = s.patch(url, params=API, json={"tags": {"b": "3"}})
    assert r.status_code == 200 and r.json()["tags"] == {"b": "3"}  # tags are one property: PATCH replaces the map
    h = s.head(url, params=API)
    assert h.status_code == 204 and h.content == b""
    r = s.put(url, params=API, data="{not json", headers={"Content-Type": "application/json"})
    assert r.status_code == 400 and error_of(r)[0] == "InvalidRequestContent"


def test_delete_lro_with_location_polling(azsim, mode, unique, time_scale):
    time_scale(0.1)  # 15 s of Azure time -> 1.5 s
    s = azsim.session(mode)
    name = f"rg-del-{unique}"
    url = _rg_url(azsim, mode, name)
    s.put(url, params=API, json={"location": "westeurope"})
    r = s.delete(url, params=API)
    assert r.status_code == 202
    assert r.content == b""
    loc = r.headers["Location"]
    assert re.fullmatch(re.escape(azsim.arm(mode)) + f"/subscriptions/{azsim.sub}/operationresults/{GUID}\\?api-version=2025-04-01", loc)
    assert int(r.headers["Retry-After"]) >= 1
    assert "Azure-AsyncOperation" not in r.headers
    assert r.headers["x-ms-ratelimit-remaining-subscription-deletes"].isdigit()
    # While it runs: the group says Deleting, writes are refused, the monitor answers 202.
    assert s.get(url, params=API).json()["properties"]["provisioningState"] == "Deleting"
    w = s.patch(url, params=API, json={"tags": {}})
    assert w.status_code == 409
    assert error_of(w) == ("ResourceGroupBeingDeleted", f"The resource group '{name}' is in deprovisioning state and cannot perform this operation.")
    p = s.get(loc)
    assert p.status_code == 202 and p.headers["Location"] and int(p.headers["Retry-After"]) >= 1
    deadline = time.time() + 10
    while p.status_code == 202 and time.time() < deadline:
        time.sleep(0.2)
        p = s.get(loc)
    assert p.status_code == 200
    r = s.get(url, params=API)
    assert r.status_code == 404 and error_of(r)[0] == "ResourceGroupNotFound"
    r = s.delete(url, params=API)
    assert r.status_code == 404 and error_of(r)[0] == "ResourceGroupNotFound"


def test_sdk_delete_polls_on_the_called_host(azsim, mode, unique):
    c = azsim.client(ResourceManagementClient, mode)
    c.resource_groups.create_or_update(f"rg-sdkdel-{unique}", {"location": "westeurope"})
    seq = azsim.last_seq()
    c.resource_groups.begin_delete(f"rg-sdkdel-{unique}", polling_interval=0).result()
    assert c.resource_groups.check_existence(f"rg-sdkdel-{unique}") is False
    host = "management.azure.com" if mode == "proxy" else "127.0.0.1"
    rows = [r for r in azsim.requests_since(seq) if "operationresults" in r["path"].lower()]
    assert rows and all(r["host"] == host for r in rows)


# -- headers --------------------------------------------------------------------------------------------
def test_common_headers(azsim, mode, resource_group):
    s = azsim.session(mode)
    client_id = str(uuid.uuid4())
    r = s.get(_rg_url(azsim, mode, resource_group), params=API, headers={"x-ms-client-request-id": client_id})
    h = r.headers
    assert re.fullmatch(GUID, h["x-ms-request-id"])
    assert re.fullmatch(GUID, h["x-ms-correlation-request-id"])
    assert re.fullmatch(r"[A-Z]+:\d{8}T\d{6}Z:" + GUID, h["x-ms-routing-request-id"])
    assert h["x-ms-client-request-id"] == client_id
    assert h["Content-Type"] == "application/json; charset=utf-8"
    assert h["Cache-Control"] == "no-cache"
    assert int(h["x-ms-ratelimit-remaining-subscription-reads"]) >= 0
    assert "x-ms-ratelimit-remaining-subscription-writes" not in h
    corr = str(uuid.uuid4())
    r = s.put(_rg_url(azsim, mode, resource_group), params=API, json={"location": "westeurope"}, headers={"x-ms-correlation-request-id": corr})
    assert r.headers["x-ms-correlation-request-id"] == corr
    assert r.headers["x-ms-request-id"] != h["x-ms-request-id"]
    assert int(r.headers["x-ms-ratelimit-remaining-subscription-writes"]) >= 0
    # Error responses carry them too.
    r = s.get(_rg_url(azsim, mode, "rg-absent-hdr"), params=API)
    assert r.status_code == 404 and re.fullmatch(GUID, r.headers["x-ms-request-id"])


# -- paging and filters ------------------------------------------------------------------------------
def test_paging_with_next_link(azsim, mode, unique):
    c = azsim.client(ResourceManagementClient, mode)
    for i in range(12):
        c.resource_groups.create_or_update(f"rg-page-{unique}-{i:02d}", {"location": "westeurope", "tags": {"batch": unique}})
    flt = f"tagName eq 'batch' and tagValue eq '{unique}'"
    s = azsim.session(mode)
    r = s.get(f"{azsim.arm(mode)}/subscriptions/{azsim.sub}/resourcegroups", params={**API, "$filter": flt}).json()
    assert len(r["value"]) == 5
    assert r["nextLink"].startswith(f"{azsim.arm(mode)}/subscriptions/{azsim.sub}/resourcegroups?")
    pages, url = [r], r["nextLink"]
    while url:
        page = s.get(url).json()  # nextLink carries api-version, $filter and $skiptoken
        pages.append(page)
        url = page.get("nextLink")
    assert [len(p["value"]) for p in pages] == [5, 5, 2]
    names = [g["name"] for p in pages for g in p["value"]]
    assert names == [f"rg-page-{unique}-{i:02d}" for i in range(12)]
    # The SDK follows nextLink (through the proxy too: the link names the host it called).
    assert sorted(g.name for g in c.resource_groups.list(filter=flt)) == names
    r = s.get(f"{azsim.arm(mode)}/subscriptions/{azsim.sub}/resourcegroups", params={**API, "$filter": flt, "$top": "3"}).json()
    assert [g["name"] for g in r["value"]] == names[:3]
    r = s.get(f"{azsim.arm(mode)}/subscriptions/{azsim.sub}/resourcegroups", params={**API, "$skiptoken": "garbage!"})
    assert r.status_code == 400


def test_bad_filter(azsim, mode):
    r = azsim.session(mode).get(f"{azsim.arm(mode)}/subscriptions/{azsim.sub}/resourcegroups", params={**API, "$filter": "tagName wibble 'x'"})
    assert r.status_code == 400
    assert error_of(r)[0] == "InvalidFilterInQueryString"


def test_filter_on_resource_list(azsim, mode, resource_group, unique):
    """$filter on GET .../resources needs tracked resources; Microsoft.Web serverfarms are used when that provider is loaded."""
    s = azsim.session(mode)
    base = _rg_url(azsim, mode, resource_group, "resourceGroups")
    made = 0
    for i, tags in enumerate(({"env": "a"}, {"env": "b"}, {})):
        r = s.put(f"{base}/providers/Microsoft.Web/serverfarms/plan-{unique}-{i}", params={"api-version": "2024-11-01"},
                  json={"location": "westeurope", "tags": tags, "sku": {"name": "B1"}})
        if r.status_code >= 400:
            pytest.skip(f"Microsoft.Web/serverfarms not simulated yet ({r.status_code})")
        made += 1
    sub_list = f"{azsim.arm(mode)}/subscriptions/{azsim.sub}/resources"
    rows, url, q = [], sub_list, {**API, "$filter": "resourceType eq 'Microsoft.Web/serverFarms'"}
    while url:
        page = s.get(url, params=q).json()
        assert all(x["type"].lower() == "microsoft.web/serverfarms" for x in page["value"])
        rows += page["value"]
        url, q = page.get("nextLink"), None
    mine = [x for x in rows if x["id"].lower().startswith(f"/subscriptions/{azsim.sub}/resourcegroups/{resource_group}/".lower())]
    assert len(mine) == made
    rows = s.get(f"{base}/resources", params={**API, "$filter": "tagName eq 'env' and tagValue eq 'b'"}).json()["value"]
    assert [x["name"] for x in rows] == [f"plan-{unique}-1"]
    rows = s.get(f"{base}/resources", params={**API, "$filter": "tagName eq 'env'"}).json()["value"]
    assert sorted(x["name"] for x in rows) == [f"plan-{unique}-0", f"plan-{unique}-1"]
    c = azsim.client(ResourceManagementClient, mode)
    assert len(list(c.resources.list_by_resource_group(resource_group, top=1))) >= 1


def test_method_not_allowed(azsim, mode):
    r = azsim.session(mode).post(f"{azsim.arm(mode)}/subscriptions/{azsim.sub}/resourcegroups", params=API, json={})
    assert r.status_code == 405
    assert error_of(r)[0] == "MethodNotAllowed"


def test_sdk_surfaces_arm_errors(azsim, mode):
    c = azsim.client(ResourceManagementClient, mode)
    with pytest.raises(HttpResponseError) as exc:
        c.resource_groups.create_or_update("bad/name?", {"location": "westeurope"})
    assert exc.value.status_code in (400, 404)
