"""Durability: what azsim acknowledged survives ``kill -9``; identity (CA, principals, secrets, signing key) is stable;
an operation accepted before the crash completes after the restart."""

import signal

import pytest
import requests
from azsim.testing import Azsim

API = {"api-version": "2025-04-01"}


@pytest.fixture
def own_azsim(tmp_path):
    sim = Azsim(str(tmp_path), time_scale=1.0).start()
    yield sim
    sim.stop()


def _session(sim, principal="owner"):
    s = requests.Session()
    s.trust_env = False
    s.verify = sim.ca
    s.headers["Authorization"] = "Bearer " + sim.token(principal)
    return s


def test_kill_and_restart(own_azsim):
    sim = own_azsim
    s = _session(sim)
    base = f"{sim.url}/subscriptions/{sim.sub}"
    for i in range(20):
        r = s.put(f"{base}/resourcegroups/rg-keep-{i}", params=API, json={"location": "westeurope", "tags": {"i": str(i)}})
        assert r.status_code == 201
    s.put(f"{base}/resourcegroups/rg-doomed", params=API, json={"location": "westeurope"}).raise_for_status()
    ra = "0c5a1f42-5a43-4d0e-9b6b-6f1b2f3c4d5e"
    scope = f"{base}/resourceGroups/rg-keep-0"
    r = s.put(f"{scope}/providers/Microsoft.Authorization/roleAssignments/{ra}", params={"api-version": "2022-04-01"},
              json={"properties": {"roleDefinitionId": f"/subscriptions/{sim.sub}/providers/Microsoft.Authorization/roleDefinitions/"
                                                       "b24988ac-6180-42a0-ab88-20f7382dd24c",
                                   "principalId": sim.principal("auditor")["object_id"]}})
    assert r.status_code == 201
    # At time scale 1 the group delete takes 15 s: it is still running when azsim dies.
    d = s.delete(f"{base}/resourcegroups/rg-doomed", params=API)
    assert d.status_code == 202
    location = d.headers["Location"]
    r = s.patch(f"{base}/resourcegroups/rg-keep-19", params=API, json={"tags": {"last": "write"}})
    assert r.status_code == 200

    before = dict(sim.info)
    with open(sim.ca, encoding="ascii") as f:
        ca_before = f.read()
    old_token = s.headers["Authorization"]
    sim.kill(signal.SIGKILL)
    sim.start()  # same state directory, same ports

    assert sim.info["tenant_id"] == before["tenant_id"] and sim.info["subscription_id"] == before["subscription_id"]
    assert sim.info["principals"] == before["principals"]
    with open(sim.ca, encoding="ascii") as f:
        assert f.read() == ca_before
    # A token minted before the crash is still valid (same signing key), and the TLS chain is the same CA.
    s2 = requests.Session()
    s2.trust_env = False
    s2.verify = sim.ca
    s2.headers["Authorization"] = old_token
    groups = s2.get(f"{base}/resourcegroups", params={**API, "$filter": "tagName eq 'i'"})
    assert groups.status_code == 200
    names = set()
    url, q = f"{base}/resourcegroups", {**API, "$filter": "tagName eq 'i'"}
    while url:
        page = s2.get(url, params=q).json()
        names |= {g["name"] for g in page["value"]}
        url, q = page.get("nextLink"), None
    assert names == {f"rg-keep-{i}" for i in range(19)}  # rg-keep-19 lost its tag "i" to the PATCH below
    assert s2.get(f"{base}/resourcegroups/rg-keep-19", params=API).json()["tags"] == {"last": "write"}
    r = s2.get(f"{scope}/providers/Microsoft.Authorization/roleAssignments/{ra}", params={"api-version": "2022-04-01"})
    assert r.status_code == 200 and r.json()["properties"]["principalId"] == sim.principal("auditor")["object_id"]
    # The role assignment still takes effect.
    aud = _session(sim, "auditor")
    assert aud.patch(f"{base}/resourcegroups/rg-keep-0", params=API, json={"tags": {"by": "auditor"}}).status_code == 200
    assert aud.patch(f"{base}/resourcegroups/rg-keep-1", params=API, json={"tags": {"by": "auditor"}}).status_code == 403

    # The accepted delete is still running, then completes (moved along by the clock, not by waiting 15 s).
    assert s2.get(location).status_code == 202
    assert s2.get(f"{base}/resourcegroups/rg-doomed", params=API).json()["properties"]["provisioningState"] == "Deleting"
    sim.admin("POST", "clock", {"advance_seconds": 20})
    assert s2.get(location).status_code == 200
    assert s2.get(f"{base}/resourcegroups/rg-doomed", params=API).status_code == 404
