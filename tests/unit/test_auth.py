"""Which credential and endpoints the modules use, from options, environment and the credentials file."""

import pytest
from ansible_collections.erpops.azure.plugins.module_utils import auth


def params(**kw):
    base = dict.fromkeys(("auth_source", "subscription_id", "client_id", "secret", "tenant", "profile", "arm_endpoint", "authority_host"))
    base.update(auth_source="auto", cloud_environment="AzureCloud")
    base.update(kw)
    return base


def test_service_principal_on_the_public_cloud():
    a = auth.resolve(params(subscription_id="s", client_id="c", secret="x", tenant="t"), environ={})
    expected = ("env", "https://management.azure.com", "https://login.microsoftonline.com", "https://management.azure.com/.default")
    assert (a.source, a.arm_endpoint, a.authority_host, a.scope) == expected


def test_custom_endpoints_and_sovereign_clouds():
    a = auth.resolve(params(subscription_id="s", client_id="c", secret="x", tenant="t", arm_endpoint="https://127.0.0.1:8443/",
                            authority_host="https://127.0.0.1:8443"), environ={})
    assert a.arm_endpoint == "https://127.0.0.1:8443" and a.scope == "https://127.0.0.1:8443/.default"
    cn = auth.resolve(params(subscription_id="s", client_id="c", secret="x", tenant="t", cloud_environment="AzureChinaCloud"), environ={})
    assert cn.arm_endpoint == "https://management.chinacloudapi.cn" and cn.authority_host == "https://login.chinacloudapi.cn"


def test_workload_identity_is_chosen_with_a_token_file():
    a = auth.resolve(params(subscription_id="s", client_id="c", tenant="t"), environ={"AZURE_FEDERATED_TOKEN_FILE": "/var/run/token"})
    assert a.source == "workload_identity"


def test_credentials_file_profile(tmp_path, monkeypatch):
    monkeypatch.setenv("HOME", str(tmp_path))
    (tmp_path / ".azure").mkdir()
    profiles = "[default]\nsubscription_id=s0\nclient_id=c0\nsecret=x0\ntenant=t0\n[prod]\nsubscription_id=s1\nclient_id=c1\nsecret=x1\ntenant=t1\n"
    (tmp_path / ".azure" / "credentials").write_text(profiles)
    a = auth.resolve(params(profile="prod"), environ={})
    assert (a.source, a.subscription_id, a._kwargs["client_id"]) == ("env", "s1", "c1")
    with pytest.raises(auth.AuthError, match="profile 'nope' not found"):
        auth.resolve(params(profile="nope"), environ={})


def test_clear_messages_for_missing_pieces():
    with pytest.raises(auth.AuthError, match="needs secret"):
        auth.resolve(params(auth_source="env", subscription_id="s", client_id="c", tenant="t"), environ={})
    with pytest.raises(auth.AuthError, match="subscription_id is required"):
        auth.resolve(params(client_id="c", secret="x", tenant="t"), environ={})


def test_env_fallback_names_match_awx_and_azure_identity():
    spec = auth.auth_argument_spec()
    assert spec["secret"]["fallback"][1] == ["AZURE_SECRET", "AZURE_CLIENT_SECRET"]
    assert spec["tenant"]["fallback"][1] == ["AZURE_TENANT", "AZURE_TENANT_ID"]
    assert spec["secret"]["no_log"] is True
