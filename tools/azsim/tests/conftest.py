"""Fixtures: one real azsim process per test session, and official Azure SDK clients pointed at
it in the two ways a user can: azsim's direct endpoint as a custom cloud, and the real Azure
host names through azsim's HTTPS front door (HTTPS_PROXY + REQUESTS_CA_BUNDLE)."""

import os
import uuid

import pytest
from azsim.testing import Azsim


@pytest.fixture(scope="session")
def azsim(tmp_path_factory):
    state = str(tmp_path_factory.mktemp("azsim-state"))
    sim = Azsim(state).start()
    # Proxy mode works like a user's shell: real host names through the front door; the direct
    # endpoint (127.0.0.1) bypasses the proxy.
    old = {k: os.environ.get(k) for k in ("HTTPS_PROXY", "NO_PROXY", "REQUESTS_CA_BUNDLE")}
    os.environ["HTTPS_PROXY"] = sim.info["proxy"]
    os.environ["NO_PROXY"] = "127.0.0.1,localhost"
    os.environ["REQUESTS_CA_BUNDLE"] = sim.ca
    yield sim
    sim.stop()
    for k, v in old.items():
        if v is None:
            os.environ.pop(k, None)
        else:
            os.environ[k] = v


@pytest.fixture(params=["direct", "proxy"])
def mode(request):
    return request.param


@pytest.fixture
def unique():
    """A short unique suffix for globally unique names."""
    return uuid.uuid4().hex[:8]


@pytest.fixture
def time_scale(azsim):
    """Set azsim's time scale for one test; restored afterwards."""
    def set_scale(value):
        azsim.admin("POST", "clock", {"time_scale": value})
    yield set_scale
    set_scale(0.0)


@pytest.fixture
def resource_client(azsim, mode):
    from azure.mgmt.resource.resources import ResourceManagementClient
    return azsim.client(ResourceManagementClient, mode)


@pytest.fixture
def resource_group(azsim, resource_client, unique):
    """A fresh resource group in West Europe (left behind: the state directory is temporary)."""
    name = f"rg-{unique}"
    resource_client.resource_groups.create_or_update(name, {"location": "westeurope"})
    return name
