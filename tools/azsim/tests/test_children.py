"""What azsim starts (Azurite, PostgreSQL clusters) ends with it, even when azsim is killed with SIGKILL: ``azsim start``
after a kill leaves one Azurite (the new azsim's), and ``azsim stop`` leaves none, and no PostgreSQL postmaster."""

import json
import os
import signal
import subprocess
import sys
import time

import pytest
from azsim.core import children
from azsim.testing import AZSIM_ROOT, Azsim, free_port
from azure.mgmt.postgresqlflexibleservers import PostgreSQLManagementClient
from azure.mgmt.resource.resources import ResourceManagementClient
from azure.mgmt.storage import StorageManagementClient
from azure.storage.blob import BlobServiceClient

pytestmark = pytest.mark.timeout(600)


def _cli(state_dir, *args):
    env = dict(os.environ, PYTHONPATH=AZSIM_ROOT)
    env.pop("HTTPS_PROXY", None)
    r = subprocess.run([sys.executable, "-m", "azsim", *args, "--state-dir", state_dir], capture_output=True, text=True, env=env, timeout=180,
                       check=False)
    assert r.returncode == 0, r.stdout + r.stderr
    return r.stdout + r.stderr


def _attach(state_dir):
    sim = Azsim(state_dir)
    with open(os.path.join(state_dir, "azsim.json"), encoding="utf-8") as f:
        sim.info = json.load(f)
    return sim


def _serving_pid(state_dir):
    with open(os.path.join(state_dir, "azsim.pid"), encoding="ascii") as f:
        return int(f.read().strip())


def _wait(predicate, seconds=30):
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if predicate():
            return True
        time.sleep(0.2)
    return predicate()


def _ppid(pid):
    with open(f"/proc/{pid}/stat", encoding="ascii") as f:
        return int(f.read().rsplit(")", 1)[1].split()[1])


def test_children_do_not_outlive_a_killed_azsim(tmp_path, monkeypatch):
    state = str(tmp_path)
    port, proxy = str(free_port()), str(free_port())
    _cli(state, "start", "--port", port, "--proxy-port", proxy, "--time-scale", "0")
    try:
        sim = _attach(state)
        monkeypatch.setenv("REQUESTS_CA_BUNDLE", sim.ca)
        monkeypatch.delenv("HTTPS_PROXY", raising=False)
        sim.client(ResourceManagementClient, "direct", "owner").resource_groups.create_or_update("rg-children", {"location": "westeurope"})
        storage = sim.client(StorageManagementClient, "direct", "owner")
        storage.storage_accounts.begin_create("rg-children", "stchildren", {"location": "westeurope", "kind": "StorageV2",
                                                                            "sku": {"name": "Standard_LRS"}}).result()
        key = storage.storage_accounts.list_keys("rg-children", "stchildren").keys_property[0].value
        blobs = BlobServiceClient("https://stchildren.blob.core.windows.net", credential={"account_name": "stchildren", "account_key": key},
                                  proxies={"https": sim.info["proxy"]}, connection_verify=sim.ca)
        blobs.create_container("kept")  # Azurite runs
        pg = sim.client(PostgreSQLManagementClient, "direct", "owner")
        pg.servers.begin_create_or_update("rg-children", "pg-children", {
            "location": "westeurope", "sku": {"name": "Standard_B1ms", "tier": "Burstable"},
            "properties": {"createMode": "Create", "version": "16", "administratorLogin": "erpadmin", "administratorLoginPassword": "Xy9!children-pw",
                           "storage": {"storageSizeGB": 32}}}).result()
        assert children.azurites(state) and len(children.postmasters(state)) == 1

        # kill -9, then `azsim start`: the new azsim's Azurite only (the old one ended), the cluster running again.
        first = _serving_pid(state)
        old_azurites = set(children.azurites(state))
        os.kill(first, signal.SIGKILL)
        assert _wait(lambda: not os.path.exists(f"/proc/{first}") or open(f"/proc/{first}/stat").read().split()[2] == "Z")
        _cli(state, "start", "--port", port, "--proxy-port", proxy, "--time-scale", "0")
        second = _serving_pid(state)
        assert second != first
        blobs.get_container_client("kept").get_container_properties()  # the new azsim serves the blobs: its Azurite runs
        now = set(children.azurites(state))
        assert now and not now & old_azurites, (old_azurites, now)
        assert all(_ppid(p) in (second, *now) for p in now), "an Azurite that is not the new azsim's"
        assert _wait(lambda: len(children.postmasters(state)) == 1)

        # kill -9 again, then `azsim stop`: nothing of this state directory runs any more.
        os.kill(second, signal.SIGKILL)
        out = _cli(state, "stop")
        assert "stopped 1 postgres process(es) a killed azsim had left running" in out, out
        assert children.azurites(state) == []
        assert children.postmasters(state) == {}, out
    finally:
        subprocess.run([sys.executable, "-m", "azsim", "stop", "--state-dir", state], env=dict(os.environ, PYTHONPATH=AZSIM_ROOT),
                       capture_output=True, timeout=180, check=False)
