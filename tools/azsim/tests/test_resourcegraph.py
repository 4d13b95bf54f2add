"""Azure Resource Graph through azure-mgmt-resourcegraph (ResourceGraphClient.resources, api 2021-03-01): the tables,
projections of what ARM GET answers, paging past 1000 rows, RBAC filtering, the 400 shape of a bad query and the
per-user quota (x-ms-user-quota-* headers, 429 RateLimiting)."""

import os
import time
import uuid
from concurrent.futures import ThreadPoolExecutor

import pytest
from azsim.testing import Azsim
from azure.core.exceptions import HttpResponseError
from azure.mgmt.authorization import AuthorizationManagementClient
from azure.mgmt.resourcegraph import ResourceGraphClient
from azure.mgmt.resourcegraph.models import FacetRequest, QueryRequest, QueryRequestOptions
from azure.mgmt.web import WebSiteManagementClient

READER = "acdd72a7-3385-48ef-bd42-f606fba81ae7"
API = "2021-03-01"


def _arg(azsim, mode, principal="auditor"):
    """An unmodified ResourceGraphClient (it takes no subscription id: the query names its scope)."""
    cred = azsim.credential(mode, principal)
    if mode == "direct":
        return ResourceGraphClient(cred, base_url=azsim.url, credential_scopes=[azsim.url + "/.default"])
    return ResourceGraphClient(cred)


def _query(client, azsim, text, **options):
    return client.resources(QueryRequest(subscriptions=[azsim.sub], query=text, options=QueryRequestOptions(**options) if options else None))


@pytest.fixture
def site(azsim, mode, resource_group, unique):
    web = azsim.client(WebSiteManagementClient, mode)
    plan = web.app_service_plans.begin_create_or_update(resource_group, f"plan-{unique}", {
        "location": "westeurope", "kind": "linux", "sku": {"name": "S1"}, "properties": {"reserved": True}}).result()
    s = web.web_apps.begin_create_or_update(resource_group, f"arg-{unique}", {
        "location": "westeurope", "tags": {"env": "test"},
        "properties": {"serverFarmId": plan.id, "httpsOnly": True, "siteConfig": {"minTlsVersion": "1.2", "ftpsState": "Disabled"}}}).result()
    slot = {"location": "westeurope", "properties": {"serverFarmId": plan.id}}
    web.web_apps.begin_create_or_update_slot(resource_group, s.name, "staging", slot).result()
    return s


def test_resources_filtered_by_type_project_what_arm_get_answers(azsim, mode, resource_group, site):
    arg = _arg(azsim, mode)
    r = _query(arg, azsim, f"Resources | where type =~ 'Microsoft.Web/sites' and resourceGroup =~ '{resource_group.upper()}' "
                           "| project id, name, type, resourceGroup, location, subscriptionId, tenantId, kind, tags, "
                           "httpsOnly = properties.httpsOnly, plan = tostring(properties.serverFarmId), properties")
    assert (r.total_records, r.count, r.result_truncated) == (1, 1, "false") and r.skip_token is None
    row = r.data[0]
    assert row["id"] == site.id and row["name"] == site.name
    assert row["type"] == "microsoft.web/sites"            # ARG reports types in lower case
    assert row["resourceGroup"] == resource_group.lower() and row["location"] == "westeurope"
    assert row["subscriptionId"] == azsim.sub and row["tenantId"] == azsim.tenant
    assert row["tags"] == {"env": "test"} and row["httpsOnly"] is True and row["plan"].lower() == site.server_farm_id.lower()
    # properties: exactly what GET answers for the site
    get = azsim.session(mode, "auditor").get(f"{azsim.arm(mode)}{site.id}", params={"api-version": "2024-04-01"}).json()
    assert row["properties"] == get["properties"]
    # the slot is a resource of its own; a summarize counts both
    r = _query(arg, azsim, f"resources | where resourceGroup == '{resource_group.lower()}' | summarize n = count() by type | order by type asc")
    assert [(d["type"], d["n"]) for d in r.data] == [("microsoft.web/serverfarms", 1), ("microsoft.web/sites", 1), ("microsoft.web/sites/slots", 1)]
    # types are lower case: == is case-sensitive, =~ and in~ are not
    assert _query(arg, azsim, "resources | where type == 'Microsoft.Web/sites' | count").data == [{"Count": 0}]
    r = _query(arg, azsim, f"Resources | where type in~ ('MICROSOFT.WEB/SITES/SLOTS', 'x/y') | where resourceGroup == '{resource_group.lower()}' "
                           "| project name")
    assert r.data == [{"name": f"{site.name}/staging"}]
    # the legacy table format, and facets
    r = arg.resources(QueryRequest(subscriptions=[azsim.sub], query=f"resources | where resourceGroup == '{resource_group.lower()}' | project name, type",
                                   options=QueryRequestOptions(result_format="table"), facets=[FacetRequest(expression="type")]))
    assert r.data["columns"] == [{"name": "name", "type": "string"}, {"name": "type", "type": "string"}] and len(r.data["rows"]) == 3
    facet = r.facets[0]
    assert facet.result_type == "FacetResult" and facet.total_records == 3
    counts = sorted((d["type"], d["count"]) for d in facet.data)
    assert counts == [("microsoft.web/serverfarms", 1), ("microsoft.web/sites", 1), ("microsoft.web/sites/slots", 1)]


def test_appserviceresources_rows_are_the_config_web_of_sites_and_slots(azsim, mode, resource_group, site):
    text = (f"appserviceresources | where resourceGroup =~ '{resource_group}' | order by id asc "
            "| project id, type, minTls = tostring(properties.minTlsVersion), ftps = properties.ftpsState, properties")
    r = _query(_arg(azsim, mode), azsim, text)
    assert [(d["id"], d["type"]) for d in r.data] == [
        (f"{site.id}/config/web", "microsoft.web/sites/config/web"),
        (f"{site.id}/slots/staging/config/web", "microsoft.web/sites/slots/config/web")]
    s = azsim.session(mode, "auditor")
    for d in r.data:
        get = s.get(f"{azsim.arm(mode)}{d['id']}", params={"api-version": "2024-04-01"}).json()
        assert d["properties"] == get["properties"]
    assert (r.data[0]["minTls"], r.data[0]["ftps"]) == ("1.2", "Disabled")


def test_authorizationresources_and_resourcecontainers(azsim, mode, resource_group):
    arg = _arg(azsim, mode)
    auditor = azsim.principal("auditor")
    r = _query(arg, azsim, "authorizationresources | where type =~ 'microsoft.authorization/roleassignments' "
                           f"| where properties.principalId == '{auditor['object_id']}' "
                           "| extend role = tostring(properties.roleDefinitionId) | project id, role, scope = properties.scope")
    assert len(r.data) >= 1 and any(d["role"].endswith(READER) and d["scope"] == f"/subscriptions/{azsim.sub}" for d in r.data)
    r = _query(arg, azsim, "AuthorizationResources | where type == 'microsoft.authorization/roledefinitions' "
                           "| where properties.type == 'BuiltInRole' and properties.roleName in~ ('reader', 'owner') "
                           "| project name, roleName = tostring(properties.roleName), subscriptionId | order by roleName asc")
    assert [(d["name"], d["roleName"]) for d in r.data] == [("8e3af657-a8ff-443c-a75c-2fe8c4bcb635", "Owner"), (READER, "Reader")]
    r = _query(arg, azsim, "resourcecontainers | where type in~ ('microsoft.resources/subscriptions', 'microsoft.resources/subscriptions/resourcegroups') "
                           f"| where type endswith 'subscriptions' or name == '{resource_group}' | project id, type, name | order by type asc")
    assert [(d["id"], d["type"]) for d in r.data] == [
        (f"/subscriptions/{azsim.sub}", "microsoft.resources/subscriptions"),
        (f"/subscriptions/{azsim.sub}/resourceGroups/{resource_group}", "microsoft.resources/subscriptions/resourcegroups")]
    # a join: each resource group with its subscription's display name
    r = _query(arg, azsim, f"resourcecontainers | where type == 'microsoft.resources/subscriptions/resourcegroups' and name == '{resource_group}' "
                           "| join kind=leftouter (resourcecontainers | where type == 'microsoft.resources/subscriptions' "
                           "| project subscriptionId, subscriptionName = name) on subscriptionId | project name, subscriptionName")
    assert r.data == [{"name": resource_group, "subscriptionName": "azsim"}]
    # securityresources is a table (what Microsoft.Security holds), empty or not
    r = _query(arg, azsim, "securityresources | where type startswith 'microsoft.security/' | summarize n = count()")
    assert len(r.data) == 1 and r.data[0]["n"] >= 0
    # mv-expand over a dynamic array (a built-in role's actions)
    r = _query(arg, azsim, "authorizationresources | where name == 'acdd72a7-3385-48ef-bd42-f606fba81ae7' "
                           "| mv-expand perm = properties.permissions | mv-expand action = perm.actions | project action = tostring(action)")
    assert [d["action"] for d in r.data] == ["*/read"]


def _bad(call):
    with pytest.raises(HttpResponseError) as info:
        call()
    assert info.value.status_code == 400, info.value.response.text()
    err = info.value.response.json()["error"]
    assert err["code"] == "BadRequest" and err["message"].startswith("Please provide below info when asking for support: timestamp = ")
    assert err["details"][0] == {"code": "InvalidQuery", "message": "Query is invalid. Please refer to the documentation for the Azure Resource Graph "
                                                                    "service and fix the error before retrying."}
    return err["details"]


def test_a_bad_query_answers_400_with_details(azsim, mode):
    arg = _arg(azsim, mode)
    details = _bad(lambda: _query(arg, azsim, "Resources | where (type == 'x'"))
    assert details[1] == {"code": "ParserFailure", "message": "ParserFailure", "line": 1, "characterPositionInLine": 30, "token": "<EOF>"}
    # a query may start with an operator (it reads Resources); positions stay those of the text sent
    details = _bad(lambda: _query(arg, azsim, "where type == )"))
    assert (details[1]["line"], details[1]["characterPositionInLine"], details[1]["token"]) == (1, 14, ")")
    details = _bad(lambda: _query(arg, azsim, "Resources | make-series count() on x step 1d"))
    assert details[1]["code"] == "InvalidQueryLanguage" and details[1]["token"] == "make-series"
    details = _bad(lambda: _query(arg, azsim, "Resources | where nosuchcolumn == 1"))
    assert "nosuchcolumn" in details[1]["message"]
    # $top above 1000: the SDK refuses it itself; a raw client gets the 400
    s = azsim.session(mode, "auditor")
    resp = s.post(f"{azsim.arm(mode)}/providers/Microsoft.ResourceGraph/resources", params={"api-version": API},
                  json={"subscriptions": [azsim.sub], "query": "Resources | project id", "options": {"$top": 1001}})
    assert resp.status_code == 400 and resp.json()["error"]["code"] == "BadRequest"


def test_quota_headers_then_429_rate_limiting(azsim, mode):
    saved = azsim.admin("GET", "throttling/resourcegraph")
    assert saved == {"enabled": True, "quota": 15, "window_seconds": 5.0}
    azsim.admin("PUT", "throttling/resourcegraph", {"quota": 3, "window_seconds": 30})
    try:
        s = azsim.session(mode, "owner", retry_throttled=False)
        url = f"{azsim.arm(mode)}/providers/Microsoft.ResourceGraph/resources"
        body = {"subscriptions": [azsim.sub], "query": "resourcecontainers | project id | take 1"}
        remaining = []
        for _unused in range(3):
            resp = s.post(url, params={"api-version": API}, json=body)
            assert resp.status_code == 200
            remaining.append(resp.headers["x-ms-user-quota-remaining"])
            h, m, sec = (int(x) for x in resp.headers["x-ms-user-quota-resets-after"].split(":"))
            assert h == 0 and m == 0 and 0 < sec <= 30
            # a query is not a subscription-level ARM read: it spends no token of that bucket
            assert "x-ms-ratelimit-remaining-subscription-reads" not in resp.headers
        assert remaining == ["2", "1", "0"]
        resp = s.post(url, params={"api-version": API}, json=body)
        assert resp.status_code == 429
        assert resp.headers["x-ms-user-quota-remaining"] == "0" and 1 <= int(resp.headers["Retry-After"]) <= 30
        err = resp.json()["error"]
        assert err["code"] == "RateLimiting" and err["details"][0]["code"] == "RateLimiting"
        assert "https://aka.ms/resourcegraph-throttling" in err["details"][0]["message"]
        # the quota is per user: another principal still queries
        assert azsim.session(mode, "auditor", retry_throttled=False).post(url, params={"api-version": API}, json=body).status_code == 200
    finally:
        azsim.admin("PUT", "throttling/resourcegraph", saved)


# -- a dedicated azsim: more than 1000 sites, and a principal that reads one resource group only -------------------------
@pytest.fixture(scope="module")
def big(tmp_path_factory):
    state = tmp_path_factory.mktemp("azsim-arg")
    sim = Azsim(str(state)).start()
    # Clients trust this azsim's CA next to the session's one (REQUESTS_CA_BUNDLE, set by the session fixture).
    saved = os.environ.get("REQUESTS_CA_BUNDLE")
    bundle = state / "ca-bundle.pem"
    bundle.write_text("".join(open(p, encoding="utf-8").read() for p in (saved, sim.ca) if p))
    os.environ["REQUESTS_CA_BUNDLE"] = str(bundle)
    try:
        sim.admin("PUT", "throttling", {"enabled": False})
        s = sim.session("direct")
        sub = f"{sim.url}/subscriptions/{sim.sub}"
        for rg in ("rg-big", "rg-small"):
            s.put(f"{sub}/resourceGroups/{rg}", params={"api-version": "2024-03-01"}, json={"location": "westeurope"}).raise_for_status()
        plan = s.put(f"{sub}/resourceGroups/rg-big/providers/Microsoft.Web/serverfarms/plan", params={"api-version": "2024-04-01"},
                     json={"location": "westeurope", "kind": "linux", "sku": {"name": "P1v3"}, "properties": {"reserved": True}}).json()

        def make(i):
            rg = "rg-small" if i == 0 else "rg-big"
            r = s.put(f"{sub}/resourceGroups/{rg}/providers/Microsoft.Web/sites/bulk-{i:04d}", params={"api-version": "2024-04-01"},
                      json={"location": "westeurope", "properties": {"serverFarmId": plan["id"], "httpsOnly": i % 2 == 0}})
            assert r.status_code in (200, 201, 202), r.text
        with ThreadPoolExecutor(6) as pool:
            list(pool.map(make, range(1101)))
        yield sim
    finally:
        sim.stop()
        if saved is None:
            os.environ.pop("REQUESTS_CA_BUNDLE", None)
        else:
            os.environ["REQUESTS_CA_BUNDLE"] = saved


def test_paging_past_1000_rows_with_skip_token(big):
    arg = _arg(big, "direct", "auditor")
    text = "resources | where type =~ 'microsoft.web/sites' | project id, name, properties | order by name asc"
    first = _query(arg, big, text)
    start = time.perf_counter()
    again = _query(arg, big, text)
    # The figure the audit's time budget uses (token already cached; client-side deserialisation included).
    print(f"\nResource Graph: a page of 1000 sites with their properties in {time.perf_counter() - start:.2f} s")
    assert again.data == first.data
    assert (first.total_records, first.count, first.result_truncated) == (1101, 1000, "false") and first.skip_token
    assert first.data[0]["name"] == "bulk-0000" and first.data[-1]["name"] == "bulk-0999" and "httpsOnly" in first.data[0]["properties"]
    second = _query(arg, big, text, skip_token=first.skip_token)
    assert (second.total_records, second.count, second.result_truncated, second.skip_token) == (1101, 101, "false", None)
    assert [d["name"] for d in second.data] == [f"bulk-{i:04d}" for i in range(1000, 1101)]
    # the token pages through the result the first page came from: a site created meanwhile shows in a new query only
    s = big.session("direct")
    extra = f"{big.url}/subscriptions/{big.sub}/resourceGroups/rg-big/providers/Microsoft.Web/sites/bulk-0999x"
    plan = first.data[0]["properties"]["serverFarmId"]
    assert s.put(extra, params={"api-version": "2024-04-01"}, json={"location": "westeurope", "properties": {"serverFarmId": plan}}).ok
    try:
        again = _query(arg, big, text, skip_token=first.skip_token)
        assert (again.total_records, [d["name"] for d in again.data]) == (1101, [d["name"] for d in second.data])
        fresh = _query(arg, big, text)
        assert fresh.total_records == 1102 and [d["name"] for d in _query(arg, big, text, skip_token=fresh.skip_token).data][:1] == ["bulk-0999x"]
    finally:
        s.delete(extra, params={"api-version": "2024-04-01"})
    # $top and $skip
    r = _query(arg, big, text, top=5, skip=1098)
    assert [d["name"] for d in r.data] == ["bulk-1098", "bulk-1099", "bulk-1100"] and r.skip_token is None
    r = _query(arg, big, text, top=10)
    assert r.count == 10 and r.skip_token
    assert [d["name"] for d in _query(arg, big, text, top=10, skip_token=r.skip_token).data][:1] == ["bulk-0010"]
    # a query with take/limit cannot page: resultTruncated, no token
    r = _query(arg, big, "resources | where type =~ 'microsoft.web/sites' | project id | take 1050")
    assert (r.total_records, r.count, r.result_truncated, r.skip_token) == (1050, 1000, "true", None)
    # summarize over the whole set, in one call
    r = _query(arg, big, "resources | where type =~ 'microsoft.web/sites' | summarize n = count() by https = tobool(properties.httpsOnly) | order by https asc")
    assert [(d["https"], d["n"]) for d in r.data] == [(False, 550), (True, 551)]


def test_rbac_a_principal_reading_one_resource_group_sees_only_it(big):
    auth = big.client(AuthorizationManagementClient, "direct", "owner")
    auditor = big.principal("auditor")
    sub_scope = f"/subscriptions/{big.sub}"
    for a in auth.role_assignments.list_for_scope(sub_scope, filter=f"principalId eq '{auditor['object_id']}'"):
        auth.role_assignments.delete(a.scope, a.name)
    auth.role_assignments.create(f"{sub_scope}/resourceGroups/rg-small", "2c9e6d4e-0a57-4e3c-9a4e-6f3c5b1d2a10",
                                 {"role_definition_id": f"{sub_scope}/providers/Microsoft.Authorization/roleDefinitions/{READER}",
                                  "principal_id": auditor["object_id"], "principal_type": "ServicePrincipal"})
    arg = _arg(big, "direct", "auditor")
    r = _query(arg, big, "resources | project id, resourceGroup")
    assert [(d["id"].split("/")[-1], d["resourceGroup"]) for d in r.data] == [("bulk-0000", "rg-small")]
    r = _query(arg, big, "resourcecontainers | project id")
    assert [d["id"] for d in r.data] == [f"{sub_scope}/resourceGroups/rg-small"]
    # no subscription named: every subscription the caller can see
    r = arg.resources(QueryRequest(query="resources | count"))
    assert r.data == [{"Count": 1}]
    # the owner still sees everything
    assert _query(_arg(big, "direct", "owner"), big, "resources | where type =~ 'microsoft.web/sites' | count").data == [{"Count": 1101}]
    # a principal with no right in the subscription: no subscription to query
    for a in auth.role_assignments.list_for_scope(sub_scope, filter=f"principalId eq '{auditor['object_id']}'"):
        auth.role_assignments.delete(a.scope, a.name)
    details = None
    with pytest.raises(HttpResponseError) as info:
        _query(arg, big, "resources | count")
    details = info.value.response.json()["error"]["details"]
    assert info.value.status_code == 400 and details[0]["code"] == "NoValidSubscriptionsInQueryRequest"


def test_authorization_scope_filter_on_role_assignments(azsim, mode, resource_group):
    """options.authorizationScopeFilter (api 2022-10-01): AtScopeExact keeps the assignments made at the subscription,
    AtScopeAndBelow (the default) also those of its resource groups."""
    auth = azsim.client(AuthorizationManagementClient, mode, "owner")
    scope = f"/subscriptions/{azsim.sub}/resourceGroups/{resource_group}"
    name = str(uuid.uuid4())
    auth.role_assignments.create(scope, name, {"role_definition_id": f"/subscriptions/{azsim.sub}/providers/Microsoft.Authorization/roleDefinitions/{READER}",
                                               "principal_id": azsim.principal("deployer")["object_id"], "principal_type": "ServicePrincipal"})
    try:
        s = azsim.session(mode, "auditor")
        url = f"{azsim.arm(mode)}/providers/Microsoft.ResourceGraph/resources"
        query = "authorizationresources | where type =~ 'microsoft.authorization/roleassignments' | project name, scope = tostring(properties.scope)"

        def names(**options):
            resp = s.post(url, params={"api-version": "2022-10-01"}, json={"subscriptions": [azsim.sub], "query": query, "options": options})
            assert resp.status_code == 200, resp.text
            return {d["name"]: d["scope"] for d in resp.json()["data"]}
        assert names()[name] == scope
        assert names(authorizationScopeFilter="AtScopeAboveAndBelow")[name] == scope
        exact = names(authorizationScopeFilter="AtScopeExact")
        assert name not in exact and exact and set(exact.values()) == {f"/subscriptions/{azsim.sub}"}
        assert name not in names(authorizationScopeFilter="AtScopeAndAbove")
        body = {"subscriptions": [azsim.sub], "query": query, "options": {"authorizationScopeFilter": "Sideways"}}
        resp = s.post(url, params={"api-version": "2022-10-01"}, json=body)
        assert resp.status_code == 400 and resp.json()["error"]["code"] == "BadRequest"
    finally:
        auth.role_assignments.delete(scope, name)
