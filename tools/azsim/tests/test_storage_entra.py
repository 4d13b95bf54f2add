"""Microsoft Entra ID on the blob data plane with azure-storage-blob's token credentials: the token's audience and lifetime
(401 InvalidAuthenticationInfo), Azure RBAC data actions (403 AuthorizationPermissionMismatch for Owner and Contributor,
Storage Blob Data Contributor at the account or a container, Storage Blob Data Reader), accounts without shared keys, and WORM for such writes."""

import time
import uuid

import pytest
from azsim.providers.storage.azurite import find_binary
from azure.core.credentials import AccessToken
from azure.core.exceptions import HttpResponseError, ResourceExistsError
from azure.mgmt.authorization import AuthorizationManagementClient
from azure.mgmt.storage import StorageManagementClient
from azure.storage.blob import BlobServiceClient, ContentSettings

pytestmark = pytest.mark.skipif(find_binary() is None, reason="Azurite is not installed (run `make node` or set AZSIM_AZURITE)")
BLOB_DATA_CONTRIBUTOR = "ba92f5b4-2d11-453d-a403-e96b0029c9fe"
BLOB_DATA_READER = "2a2b9908-6ea1-4ae2-8e65-a410df84e7d1"


class StaticToken:
    """A credential that always hands out the same token (to send one Azure would refuse)."""

    def __init__(self, token):
        self.token = token

    def get_token(self, *scopes, **kwargs):
        return AccessToken(self.token, int(time.time()) + 3600)


@pytest.fixture(scope="module")
def account(azsim):
    """An account without shared keys, two containers, and the auditor (Reader on nothing) as the principal under test."""
    from azure.mgmt.resource.resources import ResourceManagementClient
    rg, name = f"rg-entra-{uuid.uuid4().hex[:6]}", f"en{uuid.uuid4().hex[:10]}"
    azsim.client(ResourceManagementClient, "proxy", principal="owner").resource_groups.create_or_update(rg, {"location": "westeurope"})
    mgmt = azsim.client(StorageManagementClient, "proxy", principal="owner")
    acct = mgmt.storage_accounts.begin_create(rg, name, {"location": "westeurope", "kind": "StorageV2", "sku": {"name": "Standard_LRS"},
                                                         "properties": {"allowSharedKeyAccess": False}}).result()
    for c in ("archive", "other"):
        mgmt.blob_containers.create(rg, name, c, {})
    return {"rg": rg, "name": name, "id": acct.id, "mgmt": mgmt, "url": f"https://{name}.blob.core.windows.net"}


def _grant(azsim, scope, principal, role=BLOB_DATA_CONTRIBUTOR):
    auth = azsim.client(AuthorizationManagementClient, "proxy", principal="owner")
    try:
        auth.role_assignments.create(scope, str(uuid.uuid4()), {
            "role_definition_id": f"/subscriptions/{azsim.sub}/providers/Microsoft.Authorization/roleDefinitions/{role}",
            "principal_id": azsim.principal(principal)["object_id"], "principal_type": "ServicePrincipal"})
    except ResourceExistsError:
        pass  # RoleAssignmentExists: granted by an earlier test


def _svc(azsim, account, principal):
    return BlobServiceClient(account["url"], credential=azsim.credential("proxy", principal))


def test_management_roles_give_no_blob_data_access(azsim, account):
    for principal in ("owner", "deployer"):  # Owner and Contributor on the subscription
        with pytest.raises(HttpResponseError) as err:
            _svc(azsim, account, principal).get_blob_client("archive", "q1.sql").upload_blob(b"select 1;\n")
        assert err.value.status_code == 403 and err.value.error_code == "AuthorizationPermissionMismatch"
        assert "This request is not authorized to perform this operation using this permission." in str(err.value)


def test_blob_data_contributor_reads_writes_and_deletes_blobs_without_shared_keys(azsim, account):
    _grant(azsim, account["id"], "deployer")
    blob = _svc(azsim, account, "deployer").get_blob_client("archive", "2026/q1.sql.gz")
    blob.upload_blob(b"-- dump\n", metadata={"sha256": "ab" * 32}, content_settings=ContentSettings(content_type="application/gzip"))
    props = blob.get_blob_properties()
    assert props.metadata == {"sha256": "ab" * 32} and props.content_settings.content_type == "application/gzip" and props.size == 8
    assert props.content_settings.content_md5 is not None
    assert blob.download_blob().readall() == b"-- dump\n"
    assert [b.name for b in _svc(azsim, account, "deployer").get_container_client("archive").list_blobs()] == ["2026/q1.sql.gz"]
    blob.set_blob_metadata({"sha256": "cd" * 32})
    assert blob.get_blob_properties().metadata == {"sha256": "cd" * 32}
    blob.delete_blob()
    assert not blob.exists()
    # The same account refuses its keys (allowSharedKeyAccess false): the token is what gets through.
    key = account["mgmt"].storage_accounts.list_keys(account["rg"], account["name"]).keys_property[0].value
    with pytest.raises(HttpResponseError) as err:
        BlobServiceClient(account["url"], credential=key).get_blob_client("archive", "k.txt").upload_blob(b"x")
    assert err.value.status_code == 403 and err.value.error_code == "KeyBasedAuthenticationNotPermitted"


def test_a_container_scoped_grant_stops_at_its_container(azsim, account):
    _grant(azsim, account["id"] + "/blobServices/default/containers/other", "auditor")
    svc = _svc(azsim, account, "auditor")
    svc.get_blob_client("other", "note.txt").upload_blob(b"ok", overwrite=True)
    with pytest.raises(HttpResponseError) as err:
        svc.get_blob_client("archive", "note.txt").upload_blob(b"no")
    assert err.value.status_code == 403 and err.value.error_code == "AuthorizationPermissionMismatch"


def test_blob_data_reader_lists_and_reads_but_never_writes(azsim, account):
    """Storage Blob Data Reader (Learn "Azure built-in roles for Storage": blobs/read only): List Blobs and Get Blob pass,
    Set Blob Metadata and Delete Blob are refused."""
    _grant(azsim, account["id"], "deployer")
    _svc(azsim, account, "deployer").get_blob_client("archive", "read-me.txt").upload_blob(b"readable", overwrite=True)
    _grant(azsim, account["id"] + "/blobServices/default/containers/archive", "auditor", role=BLOB_DATA_READER)
    svc = _svc(azsim, account, "auditor")
    assert "read-me.txt" in [b.name for b in svc.get_container_client("archive").list_blobs()]
    assert svc.get_blob_client("archive", "read-me.txt").download_blob().readall() == b"readable"
    for call in (lambda: svc.get_blob_client("archive", "read-me.txt").delete_blob(),
                 lambda: svc.get_blob_client("archive", "read-me.txt").set_blob_metadata({"x": "y"})):
        with pytest.raises(HttpResponseError) as err:
            call()
        assert err.value.status_code == 403 and err.value.error_code == "AuthorizationPermissionMismatch"


def test_tokens_for_another_audience_or_expired_are_refused(azsim, account):
    arm_token = azsim.token("deployer", "https://management.azure.com/.default")
    with pytest.raises(HttpResponseError) as err:
        BlobServiceClient(account["url"], credential=StaticToken(arm_token)).get_blob_client("archive", "a.txt").upload_blob(b"x")
    assert err.value.status_code == 401 and err.value.error_code == "InvalidAuthenticationInfo"
    assert "Audience validation failed. Audience did not match." in str(err.value)
    assert err.value.response.headers["WWW-Authenticate"] == (
        f"Bearer authorization_uri=https://login.microsoftonline.com/{azsim.tenant}/oauth2/authorize resource_id=https://storage.azure.com")
    token = azsim.token("deployer", "https://storage.azure.com/.default")
    azsim.admin("POST", "clock", {"advance_seconds": 7200})
    try:
        with pytest.raises(HttpResponseError) as err:
            BlobServiceClient(account["url"], credential=StaticToken(token)).get_container_client("archive").list_blobs().next()
        assert err.value.status_code == 401 and err.value.error_code == "InvalidAuthenticationInfo"
        assert "Lifetime validation failed. The token is expired." in str(err.value)
    finally:
        azsim.admin("POST", "clock", {"advance_seconds": -7200})


def test_worm_refuses_an_overwrite_sent_with_a_token(azsim, account):
    _grant(azsim, account["id"], "deployer")
    mgmt, rg, name = account["mgmt"], account["rg"], account["name"]
    mgmt.blob_containers.create(rg, name, "worm", {})
    blob = _svc(azsim, account, "deployer").get_blob_client("worm", "q1.sql")
    blob.upload_blob(b"v1")
    mgmt.blob_containers.create_or_update_immutability_policy(rg, name, "worm", {"properties": {"immutabilityPeriodSinceCreationInDays": 1}})
    with pytest.raises(HttpResponseError) as err:
        blob.upload_blob(b"v2", overwrite=True)
    assert err.value.status_code == 409 and err.value.error_code == "BlobImmutableDueToPolicy"
    assert blob.download_blob().readall() == b"v1"
