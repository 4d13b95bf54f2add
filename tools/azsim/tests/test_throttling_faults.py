"""Throttling (ARM's token buckets) and fault injection through the admin API, as raw REST and the SDKs see them."""

import time
import uuid

import pytest
import requests
from azure.core.exceptions import HttpResponseError
from azure.mgmt.resource.resources import ResourceManagementClient

from ._core_helpers import error_of

API = {"api-version": "2025-04-01"}


@pytest.fixture
def faults(azsim):
    azsim.admin("DELETE", "faults")
    yield lambda rules: azsim.admin("POST", "faults", rules)["rules"]
    azsim.admin("DELETE", "faults")


@pytest.fixture
def tiny_write_bucket(azsim):
    saved = azsim.admin("GET", "throttling")
    azsim.admin("PUT", "throttling", {"limits": {"writes": {"capacity": 2, "refill_per_second": 0.5}}})
    yield
    azsim.admin("PUT", "throttling", {"limits": saved["limits"], "enabled": saved["enabled"]})


def _rg(azsim, mode, name):
    return f"{azsim.arm(mode)}/subscriptions/{azsim.sub}/resourcegroups/{name}"


# -- throttling ---------------------------------------------------------------------------------------
def test_throttling_limits_round_trip(azsim):
    got = azsim.admin("GET", "throttling")
    assert got["enabled"] is True
    assert set(got["limits"]) == {"reads", "writes", "deletes"}
    assert set(got["limits"]["reads"]) == {"capacity", "refill_per_second"}


def test_write_throttled_with_retry_after(azsim, mode, unique, tiny_write_bucket):
    s = azsim.session(mode, retry_throttled=False)
    url = _rg(azsim, mode, f"rg-thr-{unique}")
    first = s.put(url, params=API, json={"location": "westeurope"})
    assert first.status_code == 201
    assert first.headers["x-ms-ratelimit-remaining-subscription-writes"] == "1"
    assert s.put(url, params=API, json={"location": "westeurope"}).headers["x-ms-ratelimit-remaining-subscription-writes"] == "0"
    r = s.put(url, params=API, json={"location": "westeurope"})
    assert r.status_code == 429
    assert r.headers["Retry-After"] == "2"
    code, message = error_of(r)
    assert code == "SubscriptionRequestsThrottled"
    oid = azsim.principal("deployer")["object_id"]
    assert message.startswith(f"Number of 'write' requests for subscription '{azsim.sub}' actor '{oid}' exceeded. Please try again after '2' seconds")
    # Reads have their own bucket.
    assert s.get(url, params=API).status_code == 200


def test_sdk_rides_out_throttling(azsim, mode, unique, tiny_write_bucket):
    c = azsim.client(ResourceManagementClient, mode)
    name = f"rg-thrsdk-{unique}"
    seq = azsim.last_seq()
    t0 = time.monotonic()
    for i in range(3):
        assert c.resource_groups.create_or_update(name, {"location": "westeurope", "tags": {"i": str(i)}}).tags == {"i": str(i)}
    rows = [r for r in azsim.requests_since(seq) if r["method"] == "PUT"]
    assert [r["status"] for r in rows].count(429) >= 1
    assert rows[-1]["status"] == 200
    assert time.monotonic() - t0 >= 1.5  # it waited as told by Retry-After


# -- faults -----------------------------------------------------------------------------------------
@pytest.mark.parametrize("status, code, retry_after", [
    (429, "SubscriptionRequestsThrottled", "1"), (500, "InternalServerError", None), (503, "ServiceUnavailable", "1"),
    (409, "AnotherOperationInProgress", None), (502, "BadGateway", None), (504, "GatewayTimeout", None),
])
def test_fault_respond(azsim, mode, resource_group, faults, status, code, retry_after):
    rules = faults({"method": "GET", "path": f"/resourcegroups/{resource_group}$", "status": status, "count": 1})
    assert rules[0]["status"] == status and rules[0]["count"] == 1 and rules[0]["action"] == "respond"
    s = azsim.session(mode, retry_throttled=False)
    r = s.get(_rg(azsim, mode, resource_group), params=API)
    assert r.status_code == status
    assert set(r.json()) == {"error"}
    assert r.json()["error"]["code"] == code and r.json()["error"]["message"]
    assert r.headers.get("Retry-After") == retry_after
    assert r.headers["x-ms-request-id"]
    # count=1: gone after one hit.
    assert s.get(_rg(azsim, mode, resource_group), params=API).status_code == 200
    assert azsim.admin("GET", "faults")["rules"] == []


def test_fault_custom_code_message_retry_after(azsim, mode, resource_group, faults):
    faults({"method": "PUT", "path": resource_group, "status": 409, "code": "Conflict", "message": "busy busy", "retry_after": 7, "count": 1})
    r = azsim.session(mode, retry_throttled=False).put(_rg(azsim, mode, resource_group), params=API, json={"location": "westeurope"})
    assert r.status_code == 409 and r.json() == {"error": {"code": "Conflict", "message": "busy busy"}}
    assert r.headers["Retry-After"] == "7"


def test_sdk_retries_server_errors(azsim, mode, resource_group, faults):
    faults({"method": "GET", "path": f"/resourcegroups/{resource_group}$", "status": 503, "count": 2})
    seq = azsim.last_seq()
    c = azsim.client(ResourceManagementClient, mode)
    assert c.resource_groups.get(resource_group).name == resource_group
    statuses = [r["status"] for r in azsim.requests_since(seq) if r["method"] == "GET" and r["path"].endswith(resource_group)]
    assert statuses == [503, 503, 200]


def test_fault_probability(azsim, resource_group, faults):
    faults([{"method": "GET", "path": f"/resourcegroups/{resource_group}$", "status": 500, "probability": 0.0},
            {"method": "HEAD", "path": f"/resourcegroups/{resource_group}$", "status": 500, "probability": 0.5}])
    s = azsim.session("direct", retry_throttled=False)
    assert all(s.get(_rg(azsim, "direct", resource_group), params=API).status_code == 200 for _unused in range(10))
    codes = [s.head(_rg(azsim, "direct", resource_group), params=API).status_code for _unused in range(60)]
    assert 5 <= codes.count(500) <= 55 and codes.count(500) + codes.count(204) == 60
    rules = azsim.admin("GET", "faults")["rules"]
    assert [r["hits"] for r in rules] == [0, codes.count(500)]


def test_fault_seed_replays_the_same_faults(azsim, mode, resource_group, faults):
    """A rule's ``seed`` makes its draws repeatable: the official SDK (no retries) meets the same failures in the same
    places on each run with that seed, the ones ``random.Random(seed)`` predicts, and others with another seed."""
    import random

    c = azsim.client(ResourceManagementClient, mode, retry_total=0)

    def run(seed):
        azsim.admin("DELETE", "faults")
        faults({"method": "GET", "path": f"/resourcegroups/{resource_group}$", "status": 500, "probability": 0.3, "seed": seed})
        pattern = []
        for _unused in range(40):
            try:
                c.resource_groups.get(resource_group)
                pattern.append(0)
            except HttpResponseError as exc:
                assert exc.status_code == 500
                pattern.append(1)
        rule = azsim.admin("GET", "faults")["rules"][0]
        assert rule["seed"] == seed and rule["hits"] == sum(pattern)
        return pattern

    first = run(1234)
    assert run(1234) == first
    rng = random.Random(1234)  # noqa: S311 - the documented generator
    assert first == [int(rng.random() < 0.3) for _unused in range(40)]
    assert 0 < sum(first) < 40
    assert run(99) != first


def test_fault_seed_must_be_an_integer(azsim, faults):
    for bad in ("12", 1.5, True):
        r = requests.post(f"{azsim.url}/_azsim/faults", json={"path": "x", "probability": 0.5, "seed": bad}, verify=azsim.ca, timeout=10)
        assert r.status_code == 400 and "seed" in r.text
    assert azsim.admin("GET", "faults")["rules"] == []


def test_fault_latency(azsim, mode, resource_group, faults):
    faults({"method": "GET", "path": f"/resourcegroups/{resource_group}$", "latency_ms": 400, "action": "respond", "status": 500, "count": 1,
            "probability": 1.0})
    faults({"method": "HEAD", "path": f"/resourcegroups/{resource_group}$", "latency_ms": 300, "action": "fail_lro"})
    s = azsim.session(mode, retry_throttled=False)
    t0 = time.monotonic()
    assert s.get(_rg(azsim, mode, resource_group), params=API).status_code == 500
    assert time.monotonic() - t0 >= 0.4
    # Latency alone: a non-LRO request that only waits (fail_lro has nothing to fail on a HEAD).
    t0 = time.monotonic()
    assert s.head(_rg(azsim, mode, resource_group), params=API).status_code == 204
    assert time.monotonic() - t0 >= 0.3


def test_fault_drop(azsim, mode, resource_group, faults):
    faults({"method": "GET", "path": f"/resourcegroups/{resource_group}$", "action": "drop", "count": 1})
    with pytest.raises(requests.ConnectionError):
        azsim.session(mode, retry_throttled=False).get(_rg(azsim, mode, resource_group), params=API)
    faults({"method": "GET", "path": f"/resourcegroups/{resource_group}$", "action": "drop", "count": 1})
    seq = azsim.last_seq()
    c = azsim.client(ResourceManagementClient, mode)
    assert c.resource_groups.get(resource_group).name == resource_group  # azure-core retries a GET after a dropped connection
    statuses = [r["status"] for r in azsim.requests_since(seq) if r["method"] == "GET" and r["path"].endswith(resource_group)]
    assert statuses == [0, 200]


def test_fault_fail_lro(azsim, mode, unique, faults):
    c = azsim.client(ResourceManagementClient, mode)
    name = f"rg-faillro-{unique}"
    c.resource_groups.create_or_update(name, {"location": "westeurope"})
    rule = {"method": "DELETE", "path": f"/resourcegroups/{name}$", "action": "fail_lro", "count": 1}
    if mode == "proxy":  # a 4xx final status is not retried by azure-core; the default (500) is, which takes seconds
        rule.update(status=409, code="ResourceGroupDeletionBlocked", message="Deletion of resource group was blocked.")
    faults(rule)
    poller = c.resource_groups.begin_delete(name, polling_interval=0)
    with pytest.raises(HttpResponseError) as exc:
        poller.result()
    if mode == "proxy":
        assert exc.value.status_code == 409
        assert exc.value.error.code == "ResourceGroupDeletionBlocked"
        assert exc.value.error.message == "Deletion of resource group was blocked."
    else:
        assert exc.value.status_code == 500
        assert exc.value.error.code == "InternalServerError"
    assert poller.status().lower() == "failed"
    # The group survives a failed delete and is usable again (Azure puts it back to Succeeded).
    g = c.resource_groups.get(name)
    assert g.properties.provisioning_state == "Succeeded"
    assert c.resource_groups.update(name, {"tags": {"after": "failure"}}).tags == {"after": "failure"}
    c.resource_groups.begin_delete(name, polling_interval=0).result()
    assert c.resource_groups.check_existence(name) is False


def test_fault_rules_list_and_clear(azsim, faults):
    added = faults([{"path": "/nothing-matches-this-" + uuid.uuid4().hex, "status": 500},
                    {"method": "put", "path": "x", "status": 429, "count": 3, "retry_after": 5, "latency_ms": 10, "probability": 0.25}])
    assert len(added) == 2
    listed = azsim.admin("GET", "faults")["rules"]
    assert listed == added
    assert set(listed[1]) >= {"id", "method", "path", "status", "count", "probability", "latency_ms", "retry_after", "action", "hits"}
    assert listed[1]["method"] == "PUT" and listed[1]["retry_after"] == 5
    r = requests.post(f"{azsim.url}/_azsim/faults", json={"status": 418}, verify=azsim.ca, timeout=5)
    assert r.status_code == 400
    r = requests.post(f"{azsim.url}/_azsim/faults", json={"action": "explode"}, verify=azsim.ca, timeout=5)
    assert r.status_code == 400
    r = requests.post(f"{azsim.url}/_azsim/faults", json={"path": "(", "status": 500}, verify=azsim.ca, timeout=5)
    assert r.status_code == 400
    assert requests.delete(f"{azsim.url}/_azsim/faults", verify=azsim.ca, timeout=5).status_code == 204
    assert azsim.admin("GET", "faults")["rules"] == []


def test_cost_management_throttles_with_its_own_headers(azsim, mode, faults):
    """Cost Management's 429 names its wait in x-ms-ratelimit-microsoft.costmanagement-*-retry-after, without Retry-After, so
    the SDK's retry policy does not retry the query (a POST) and the caller sees the header."""
    from azure.mgmt.costmanagement import CostManagementClient

    faults({"method": "POST", "path": "/providers/Microsoft.CostManagement/query$", "status": 429, "retry_after": 3, "count": 1})
    kwargs = {"base_url": azsim.url, "credential_scopes": [azsim.url + "/.default"]} if mode == "direct" else {}
    costs = CostManagementClient(azsim.credential(mode), **kwargs)
    query = {"type": "ActualCost", "timeframe": "MonthToDate",
             "dataset": {"granularity": "None", "aggregation": {"totalCost": {"name": "Cost", "function": "Sum"}}}}
    seq = azsim.last_seq()
    with pytest.raises(HttpResponseError) as e:
        costs.query.usage(f"subscriptions/{azsim.sub}", query)
    assert e.value.status_code == 429
    assert e.value.response.json() == {"error": {"code": "429", "message": "Too many requests. Please retry."}}
    headers = e.value.response.headers
    assert headers["x-ms-ratelimit-microsoft.costmanagement-qpu-retry-after"] == "3" and "Retry-After" not in headers
    assert [r["status"] for r in azsim.requests_since(seq) if r["path"].endswith("/query")] == [429]
    # count=1: the next query is answered.
    assert costs.query.usage(f"subscriptions/{azsim.sub}", query).rows is not None
