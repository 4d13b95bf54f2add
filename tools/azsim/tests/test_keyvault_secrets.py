"""The Key Vault secrets data plane on https://{vault}.vault.azure.net through the front door, driven by an unmodified
azure-keyvault-secrets SecretClient (its challenge-based authentication included) and raw requests."""

import time
import uuid

import pytest
import requests
from azure.core.exceptions import HttpResponseError, ResourceExistsError, ResourceNotFoundError
from azure.keyvault.secrets import SecretClient
from azure.mgmt.authorization import AuthorizationManagementClient
from azure.mgmt.keyvault import KeyVaultManagementClient
from azure.mgmt.resource.resources import ResourceManagementClient

SECRETS_USER = "4633458b-17de-408a-b874-0445c86b69e6"
SECRETS_OFFICER = "b86a8fe4-44ce-4948-aee5-eccb2c155cd7"


@pytest.fixture(scope="module")
def rg(azsim):
    name = f"rg-kvs-{uuid.uuid4().hex[:6]}"
    azsim.client(ResourceManagementClient, "proxy").resource_groups.create_or_update(name, {"location": "westeurope"})
    return name


def _vault(azsim, rg, rbac=True, policies=None, **props):
    name = f"kvs-{uuid.uuid4().hex[:10]}"
    body = {"location": "westeurope", "properties": {"tenantId": azsim.tenant, "sku": {"family": "A", "name": "standard"},
                                                     "enableRbacAuthorization": rbac, "accessPolicies": policies or [], **props}}
    azsim.client(KeyVaultManagementClient, "proxy").vaults.begin_create_or_update(rg, name, body, polling_interval=0).result()
    return name, f"/subscriptions/{azsim.sub}/resourceGroups/{rg}/providers/Microsoft.KeyVault/vaults/{name}"


def _grant(azsim, scope, principal, role):
    auth = azsim.client(AuthorizationManagementClient, "proxy", "owner")
    auth.role_assignments.create(scope, str(uuid.uuid4()), {
        "role_definition_id": f"/subscriptions/{azsim.sub}/providers/Microsoft.Authorization/roleDefinitions/{role}",
        "principal_id": azsim.principal(principal)["object_id"], "principal_type": "ServicePrincipal"})


def _client(azsim, name, principal="deployer"):
    return SecretClient(f"https://{name}.vault.azure.net", azsim.credential("proxy", principal))


def _raw(azsim, name, path, token=None, method="GET", **kw):
    headers = {"Authorization": f"Bearer {token}"} if token else {}
    return requests.request(method, f"https://{name}.vault.azure.net{path}", headers=headers, verify=azsim.ca,
                            proxies={"https": azsim.info["proxy"]}, timeout=30, **kw)


def _inner(err):
    return err.value.response.json()["error"].get("innererror", {}).get("code")


def test_challenge_flow_and_token_checks(azsim, rg):
    name, _vid = _vault(azsim, rg)
    r = _raw(azsim, name, "/secrets?api-version=7.5")
    assert r.status_code == 401
    assert r.headers["WWW-Authenticate"] == f'Bearer authorization="https://login.microsoftonline.com/{azsim.tenant}", resource="https://vault.azure.net"'
    assert r.json() == {"error": {"code": "Unauthorized", "message": "AKV10000: Request is missing a Bearer or PoP token."}}
    arm = _raw(azsim, name, "/secrets?api-version=7.5", token=azsim.token("deployer"))
    assert arm.status_code == 401 and "AKV10022: Invalid audience" in arm.json()["error"]["message"] and "WWW-Authenticate" in arm.headers
    token = azsim.token("owner", "https://vault.azure.net/.default")
    denied = _raw(azsim, name, "/secrets?api-version=7.6", token=token)
    assert denied.status_code == 403 and denied.json()["error"]["innererror"]["code"] == "ForbiddenByRbac"  # Owner has no dataActions
    azsim.admin("POST", "clock", {"advance_seconds": 7200})
    try:
        expired = _raw(azsim, name, "/secrets?api-version=7.6", token=token)
        assert expired.status_code == 401 and expired.json()["error"]["code"] == "Unauthorized"
    finally:
        azsim.admin("POST", "clock", {"advance_seconds": -7200})
    # The SDK first sends the request without a token, reads the challenge, then authenticates.
    _grant(azsim, _vid, "deployer", SECRETS_OFFICER)
    seq = azsim.last_seq()
    _client(azsim, name).set_secret("first", "v1")
    hits = [(row["method"], row["status"]) for row in azsim.requests_since(seq) if row["host"] == f"{name}.vault.azure.net"]
    assert hits == [("PUT", 401), ("PUT", 200)]


def test_contributor_without_a_data_role_is_refused(azsim, rg):
    name, _vid = _vault(azsim, rg)
    with pytest.raises(HttpResponseError) as err:
        _client(azsim, name).set_secret("db-password", "s3cr3t")
    assert err.value.status_code == 403 and err.value.error.code == "Forbidden" and _inner(err) == "ForbiddenByRbac"
    assert "Action: 'Microsoft.KeyVault/vaults/secrets/setSecret/action'" in err.value.message


def test_secrets_officer_lifecycle(azsim, rg):
    name, vid = _vault(azsim, rg)
    _grant(azsim, vid, "deployer", SECRETS_OFFICER)
    c = _client(azsim, name)
    s1 = c.set_secret("db-password", "one", content_type="text/plain", tags={"app": "erp"})
    assert s1.value == "one" and s1.properties.content_type == "text/plain" and s1.properties.tags == {"app": "erp"}
    assert s1.id == f"https://{name}.vault.azure.net/secrets/db-password/{s1.properties.version}" and len(s1.properties.version) == 32
    assert s1.properties.recovery_level == "Recoverable+Purgeable" and s1.properties.recoverable_days == 90
    s2 = c.set_secret("db-password", "two")
    assert c.get_secret("db-password").value == "two"
    assert c.get_secret("db-password", s1.properties.version).value == "one"
    for i in range(4):
        c.set_secret(f"other-{i}", "x")
    assert sorted(p.name for p in c.list_properties_of_secrets(max_page_size=2)) == ["db-password", "other-0", "other-1", "other-2", "other-3"]
    assert {p.version for p in c.list_properties_of_secret_versions("db-password")} == {s1.properties.version, s2.properties.version}
    upd = c.update_secret_properties("db-password", s1.properties.version, enabled=False)
    assert upd.enabled is False
    with pytest.raises(HttpResponseError) as err:
        c.get_secret("db-password", s1.properties.version)
    assert err.value.status_code == 403 and err.value.error.message == "Operation get is not allowed on a disabled secret."
    assert _inner(err) == "SecretDisabled"
    with pytest.raises(ResourceNotFoundError) as err:
        c.get_secret("missing")
    assert err.value.error.code == "SecretNotFound"
    deleted = c.begin_delete_secret("db-password", _polling_interval=0)
    deleted.wait()
    d = deleted.result()
    assert d.recovery_id == f"https://{name}.vault.azure.net/deletedsecrets/db-password" and d.scheduled_purge_date > d.deleted_date
    assert c.get_deleted_secret("db-password").name == "db-password"
    assert [x.name for x in c.list_deleted_secrets()] == ["db-password"]
    with pytest.raises(ResourceExistsError) as err:
        c.set_secret("db-password", "three")
    assert _inner(err) == "ObjectIsDeletedButRecoverable"
    c.begin_recover_deleted_secret("db-password", _polling_interval=0).wait()
    assert c.get_secret("db-password").value == "two"
    backup = c.backup_secret("other-0")
    c.begin_delete_secret("other-0", _polling_interval=0).wait()
    c.purge_deleted_secret("other-0")
    with pytest.raises(ResourceNotFoundError):
        c.get_deleted_secret("other-0")
    assert c.restore_secret_backup(backup).name == "other-0" and c.get_secret("other-0").value == "x"
    with pytest.raises(HttpResponseError) as err:
        c.set_secret("bad_name", "x")
    assert err.value.status_code == 400 and err.value.error.code == "BadParameter"


def test_secrets_user_reads_but_cannot_write(azsim, rg):
    name, vid = _vault(azsim, rg)
    _grant(azsim, vid, "deployer", SECRETS_OFFICER)
    _grant(azsim, f"/subscriptions/{azsim.sub}/resourceGroups/{rg}", "auditor", SECRETS_USER)  # inherited from the group
    _client(azsim, name).set_secret("api-key", "k")
    reader = _client(azsim, name, "auditor")
    assert reader.get_secret("api-key").value == "k"
    with pytest.raises(HttpResponseError) as err:
        reader.set_secret("api-key", "changed")
    assert err.value.status_code == 403 and _inner(err) == "ForbiddenByRbac"


def test_access_policy_vault(azsim, rg):
    policies = [{"tenantId": azsim.tenant, "objectId": azsim.principal("deployer")["object_id"], "permissions": {"secrets": ["all"]}},
                {"tenantId": azsim.tenant, "objectId": azsim.principal("auditor")["object_id"], "permissions": {"secrets": ["get"]}}]
    name, _vid = _vault(azsim, rg, rbac=False, policies=policies)
    _client(azsim, name).set_secret("conn", "Server=db")
    reader = _client(azsim, name, "auditor")
    assert reader.get_secret("conn").value == "Server=db"
    with pytest.raises(HttpResponseError) as err:
        list(reader.list_properties_of_secrets())
    assert err.value.status_code == 403 and _inner(err) == "AccessDenied"
    assert "does not have secrets list permission on key vault" in err.value.message
    with pytest.raises(HttpResponseError) as err:
        _client(azsim, name, "owner").get_secret("conn")
    assert err.value.status_code == 403 and _inner(err) == "AccessDenied"


def test_purge_protection_and_vault_recovery_keep_secrets(azsim, rg):
    name, vid = _vault(azsim, rg, enablePurgeProtection=True, softDeleteRetentionInDays=7)
    _grant(azsim, vid, "deployer", SECRETS_OFFICER)
    c = _client(azsim, name)
    c.set_secret("keep", "me")
    c.set_secret("gone", "soon")
    assert c.get_secret("keep").properties.recovery_level == "CustomizedRecoverable"
    c.begin_delete_secret("gone", _polling_interval=0).wait()
    with pytest.raises(HttpResponseError) as err:
        c.purge_deleted_secret("gone")
    assert err.value.status_code == 403 and "purge protection is enabled" in err.value.message
    kv = azsim.client(KeyVaultManagementClient, "proxy")
    kv.vaults.delete(rg, name)
    with pytest.raises(Exception):  # noqa: B017,PT011 - the name no longer resolves: the front door refuses the tunnel
        _raw(azsim, name, "/secrets?api-version=7.6")
    body = {"location": "westeurope", "properties": {"tenantId": azsim.tenant, "sku": {"family": "A", "name": "standard"}, "createMode": "recover"}}
    kv.vaults.begin_create_or_update(rg, name, body, polling_interval=0).result()
    deadline = time.time() + 5
    while time.time() < deadline:
        try:
            assert c.get_secret("keep").value == "me"
            break
        except HttpResponseError:
            time.sleep(0.05)
    assert c.get_secret("keep").value == "me" and c.get_deleted_secret("gone").name == "gone"
