"""The blob service's times on the simulated clock, seen with azure-storage-blob: after the clock moved forward, a blob
created since is that much later (Creation-Time, Last-Modified, in listings and properties), answers are dated on the same
clock as ARM's, conditional times are compared on it, and what a client computes from the times (creation + retention
against Date) is what the service enforces under a container's WORM policy."""

import datetime
import time
import uuid

import pytest
from azsim.providers.storage.azurite import find_binary
from azure.core.exceptions import HttpResponseError, ResourceExistsError
from azure.mgmt.authorization import AuthorizationManagementClient
from azure.mgmt.resource.resources import ResourceManagementClient
from azure.mgmt.storage import StorageManagementClient
from azure.storage.blob import BlobServiceClient

pytestmark = pytest.mark.skipif(find_binary() is None, reason="Azurite is not installed (run `make node` or set AZSIM_AZURITE)")
DAY = 86400
BLOB_DATA_CONTRIBUTOR = "ba92f5b4-2d11-453d-a403-e96b0029c9fe"


@pytest.fixture(scope="module")
def account(azsim):
    rg, name = f"rg-times-{uuid.uuid4().hex[:6]}", f"tm{uuid.uuid4().hex[:10]}"
    azsim.client(ResourceManagementClient, "proxy", principal="owner").resource_groups.create_or_update(rg, {"location": "westeurope"})
    mgmt = azsim.client(StorageManagementClient, "proxy", principal="owner")
    acct = mgmt.storage_accounts.begin_create(rg, name, {"location": "westeurope", "kind": "StorageV2", "sku": {"name": "Standard_LRS"}}).result()
    try:
        azsim.client(AuthorizationManagementClient, "proxy", principal="owner").role_assignments.create(acct.id, str(uuid.uuid4()), {
            "role_definition_id": f"/subscriptions/{azsim.sub}/providers/Microsoft.Authorization/roleDefinitions/{BLOB_DATA_CONTRIBUTOR}",
            "principal_id": azsim.principal("deployer")["object_id"], "principal_type": "ServicePrincipal"})
    except ResourceExistsError:
        pass
    return {"rg": rg, "name": name, "mgmt": mgmt, "url": f"https://{name}.blob.core.windows.net"}


def _dated(calls):
    """A raw_response_hook that keeps each answer's Date header."""
    return lambda response: calls.append(datetime.datetime.strptime(response.http_response.headers["Date"], "%a, %d %b %Y %H:%M:%S GMT")
                                         .replace(tzinfo=datetime.UTC))


def test_times_follow_the_simulated_clock_and_agree_with_worm(azsim, account):
    rg, name, mgmt = account["rg"], account["name"], account["mgmt"]
    container = f"times-{uuid.uuid4().hex[:8]}"
    mgmt.blob_containers.create(rg, name, container, {})
    mgmt.blob_containers.create_or_update_immutability_policy(rg, name, container, {"properties": {"immutabilityPeriodSinceCreationInDays": 5}})
    cc = BlobServiceClient(account["url"], credential=azsim.credential("proxy")).get_container_client(container)  # Entra, re-signed by azsim
    cc.upload_blob("old.dump", b"archived before")
    azsim.admin("POST", "clock", {"advance_seconds": 10 * DAY})
    # Azurite stamps whole seconds: a blob stamped in the second of the move could read as made before it.
    time.sleep(1.1)
    try:
        # New credentials: the tokens taken before the move have expired on the moved clock.
        cc = BlobServiceClient(account["url"], credential=azsim.credential("proxy")).get_container_client(container)
        mgmt = azsim.client(StorageManagementClient, "proxy", principal="owner")
        cc.upload_blob("new.dump", b"archived ten days later")
        dates = []
        listed = {b.name: b for b in cc.list_blobs(raw_response_hook=_dated(dates))}
        old, new = listed["old.dump"], listed["new.dump"]
        assert 10 * DAY - 120 < (new.creation_time - old.creation_time).total_seconds() < 10 * DAY + 120
        assert new.last_modified == new.creation_time
        props = cc.get_blob_client("new.dump").get_blob_properties(raw_response_hook=_dated(dates))
        assert props.creation_time == new.creation_time and props.last_modified == new.last_modified
        # The answers are dated on ARM's clock (the clock a client compares the blobs' times with).
        arm_now = mgmt.blob_containers.get(rg, name, container, raw_response_hook=_dated(dates))
        assert arm_now is not None and all(abs((d - dates[-1]).total_seconds()) < 120 for d in dates)
        assert abs((dates[-1] - new.creation_time).total_seconds()) < 120
        # A client's reading of the retention is the service's: old is past creation + 5 days (deleted), new is not (409).
        now = dates[-1]
        assert old.creation_time + datetime.timedelta(days=5) < now < new.creation_time + datetime.timedelta(days=5)
        with pytest.raises(HttpResponseError) as err:
            cc.delete_blob("new.dump")
        assert err.value.status_code == 409 and err.value.error_code == "BlobImmutableDueToPolicy"
        cc.delete_blob("old.dump")
        # Conditional times are the simulated clock's: new.dump was modified since a day before it was created...
        assert cc.get_blob_client("new.dump").download_blob(if_modified_since=new.last_modified - datetime.timedelta(days=1)).readall() \
            == b"archived ten days later"
        # ...and not since it was created.
        with pytest.raises(HttpResponseError) as err:
            cc.get_blob_client("new.dump").get_blob_properties(if_modified_since=new.last_modified + datetime.timedelta(seconds=1))
        assert err.value.status_code == 304
    finally:
        azsim.admin("POST", "clock", {"advance_seconds": -10 * DAY})
