"""The admin API under /_azsim (loopback, direct endpoint only): exact shapes of healthz, the request log,
state, clock and reset; it is not reachable through the real host names."""

import email.utils
import re
import time

import pytest
import requests
from azsim.testing import Azsim

API = {"api-version": "2025-04-01"}
ROW_KEYS = {"seq", "time", "method", "host", "path", "query", "status", "principal", "duration_ms", "audience"}


def test_healthz(azsim):
    r = requests.get(f"{azsim.url}/_azsim/healthz", verify=azsim.ca, timeout=5)
    assert r.status_code == 200
    body = r.json()
    assert body["status"] == "ok" and body["subscription_id"] == azsim.sub
    assert body["uptime_s"] >= 0 and body["time_scale"] == 0.0


def test_request_log_shape_and_since(azsim, mode, resource_group):
    seq = azsim.last_seq()
    s = azsim.session(mode)
    s.get(f"{azsim.arm(mode)}/subscriptions/{azsim.sub}/resourcegroups/{resource_group}", params={**API, "x": "1"})
    s.get(f"{azsim.arm(mode)}/subscriptions/{azsim.sub}/resourcegroups/absent-{resource_group}", params=API)
    rows = azsim.requests_since(seq)
    assert isinstance(rows, list)
    assert all(set(r) == ROW_KEYS for r in rows)
    get_ok, get_missing = [r for r in rows if r["method"] == "GET"][-2:]
    assert get_ok["seq"] < get_missing["seq"]
    assert get_ok["host"] == ("management.azure.com" if mode == "proxy" else "127.0.0.1")
    assert get_ok["path"] == f"/subscriptions/{azsim.sub}/resourcegroups/{resource_group}"
    assert get_ok["query"] == "api-version=2025-04-01&x=1"
    assert get_ok["status"] == 200 and get_missing["status"] == 404
    assert get_ok["principal"] == "deployer"
    assert isinstance(get_ok["duration_ms"], float) and get_ok["duration_ms"] >= 0
    assert re.fullmatch(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{7}Z", get_ok["time"])
    assert azsim.requests_since(get_missing["seq"]) == [r for r in azsim.requests_since(seq) if r["seq"] > get_missing["seq"]]
    assert get_ok["audience"] is None
    # Token requests are logged too, naming the principal and the audience of the token issued; admin calls are not.
    tokens = [r for r in rows if r["path"].endswith("/oauth2/v2.0/token")]
    audience = azsim.url if mode == "direct" else "https://management.azure.com"
    assert [(r["principal"], r["audience"], r["status"]) for r in tokens] == [("deployer", audience, 200)]
    assert not any(r["path"].startswith("/_azsim") for r in rows)


def test_admin_is_not_on_real_host_names(azsim):
    s = azsim.session("proxy")
    r = s.get("https://management.azure.com/_azsim/healthz")
    assert r.status_code in (400, 404)
    assert "status" not in r.json()


def test_unknown_admin_endpoint_and_bad_body(azsim):
    assert requests.get(f"{azsim.url}/_azsim/nope", verify=azsim.ca, timeout=5).status_code == 404
    r = requests.post(f"{azsim.url}/_azsim/faults", data="{", verify=azsim.ca, timeout=5)
    assert r.status_code == 400 and "error" in r.json()


def test_clock(azsim):
    before = azsim.admin("GET", "clock")
    assert set(before) == {"now", "time_scale"}
    after = azsim.admin("POST", "clock", {"advance_seconds": 3600})
    try:
        assert after["now"][:13] != before["now"][:13]
    finally:
        azsim.admin("POST", "clock", {"advance_seconds": -3600})


def test_date_header_is_the_simulated_clock(azsim, mode, resource_client, resource_group):
    """ARM answers carry the service's time in Date (RFC 9110 section 6.6.1); clients read Azure's "now" there (a
    point-in-time restore's latest restore point), so it is azsim's simulated clock, once."""
    dates = []

    def hook(response):
        dates.append(response.http_response.headers["Date"])

    azsim.admin("POST", "clock", {"advance_seconds": 1800})
    try:
        resource_client.resource_groups.get(resource_group, raw_response_hook=hook)
    finally:
        azsim.admin("POST", "clock", {"advance_seconds": -1800})
    (date,) = dates
    assert "," in date and date.count("GMT") == 1
    assert abs(email.utils.parsedate_to_datetime(date).timestamp() - (time.time() + 1800)) < 60


@pytest.fixture
def own_azsim(tmp_path):
    sim = Azsim(str(tmp_path)).start()
    yield sim
    sim.stop()


def test_state_clear_log_and_reset(own_azsim):
    sim = own_azsim
    s = requests.Session()
    s.trust_env = False
    s.verify = sim.ca
    s.headers["Authorization"] = "Bearer " + sim.token("deployer")
    base = f"{sim.url}/subscriptions/{sim.sub}/resourcegroups"
    assert s.put(f"{base}/rg-state", params=API, json={"location": "westeurope"}).status_code == 201
    state = sim.admin("GET", "state")
    assert "principals" not in state  # secrets are in azsim.json, never in dumps
    assert state["resourceGroups"][f"/subscriptions/{sim.sub}/resourcegroups/rg-state"]["name"] == "rg-state"
    assert len(state["roleAssignments"]) == 3

    assert sim.requests_since(0)
    assert requests.delete(f"{sim.url}/_azsim/requests", verify=sim.ca, timeout=5).status_code == 204
    assert sim.requests_since(0) == []
    sim.admin("POST", "faults", {"path": "nothing", "status": 500})

    assert requests.post(f"{sim.url}/_azsim/reset", verify=sim.ca, timeout=5).status_code == 204
    state = sim.admin("GET", "state")
    assert not state.get("resourceGroups")
    assert len(state["roleAssignments"]) == 3  # built-in principals keep their roles
    assert sim.admin("GET", "faults")["rules"] == []
    # Tokens issued before the reset still work: tenant, principals and keys are kept.
    r = s.get(base, params=API)
    assert r.status_code == 200 and r.json()["value"] == []
    assert s.put(f"{base}/rg-state", params=API, json={"location": "westeurope"}).status_code == 201


def test_operations_listing_gives_azure_durations(azsim, resource_group):
    """GET /_azsim/operations: every accepted long-running operation, with its unscaled Azure duration."""
    s = azsim.session("direct")
    r = s.put(f"{azsim.url}/subscriptions/{azsim.sub}/resourceGroups/{resource_group}/providers/Microsoft.Web/serverfarms/ops-plan",
              params={"api-version": "2024-11-01"}, json={"location": "westeurope", "sku": {"name": "S1"}, "kind": "linux",
                                                          "properties": {"reserved": True}})
    assert r.status_code in (200, 201, 202), r.text
    ops = azsim.admin("GET", "operations")
    mine = [o for o in ops if (o["resource_id"] or "").lower().endswith("/serverfarms/ops-plan")]
    assert mine and mine[-1]["duration_key"] == "web.serverfarm.create" and mine[-1]["azure_seconds"] == 10
    assert set(mine[-1]) == {"id", "namespace", "resource_id", "duration_key", "azure_seconds", "status", "started", "ended"}
    assert [o["started"] for o in ops] == sorted(o["started"] for o in ops)
