"""The Log Analytics query client's pure parts: timespans checked before any call, rows keyed by column with dynamic cells
parsed, one clear message per error of the query API, the retry rule (POST repeated, a server timeout not), and the data
plane pipelines shared with Kudu and Key Vault."""

import json
from types import SimpleNamespace

import pytest
from ansible_collections.erpops.azure.plugins.module_utils import loganalytics
from ansible_collections.erpops.azure.plugins.module_utils.dataplane import pipeline_client

URL = "https://api.loganalytics.io/v1/workspaces/6f1c0d52-6a4e-4b8e-9a41-5c7f0e2a1b3d/query"
WS = "6f1c0d52-6a4e-4b8e-9a41-5c7f0e2a1b3d"


@pytest.mark.parametrize("text", ["PT24H", "P1D", "PT30M", "P1DT12H", "PT3600.0S", "PT300.001S", "2026-01-01T00:00:00Z/2026-01-02T00:00:00Z",
                                  "2024-01-01T00:00:00.000Z/2024-01-02T00:00:00.000Z", "2026-01-01/2026-01-02", "2026-01-01T00:00:00Z/PT1H",
                                  "P1D/2026-01-02T00:00:00+01:00"])
def test_timespans_the_api_takes(text):
    assert loganalytics.valid_timespan(text)


@pytest.mark.parametrize("text", ["24h", "1d", "P", "PT", "P1H", "PT1D", "", "P1D/PT1H", "2026-01-01T00:00:00Z/tomorrow", "yesterday/2026-01-02"])
def test_timespans_refused_before_any_call(text):
    assert not loganalytics.valid_timespan(text)


def test_rows_keyed_by_column_with_dynamic_cells_parsed():
    # Values as the API sends them (Learn "Response format"; the spec's AppRequests example): datetime ISO text, dynamic JSON text.
    body = {"tables": [{"name": "PrimaryResult", "columns": [
        {"name": "TimeGenerated", "type": "datetime"}, {"name": "Properties", "type": "dynamic"}, {"name": "Bad", "type": "dynamic"},
        {"name": "Empty", "type": "dynamic"}, {"name": "count_", "type": "long"}, {"name": "Duration", "type": "timespan"}],
        "rows": [["2026-11-25T10:00:13.44Z", "{\"k\":\"v\",\"n\":[1,2]}", "not json", None, 3, "00:01:30"]]}]}
    tables = loganalytics.tables_of(body)
    assert tables == [{"name": "PrimaryResult", "columns": body["tables"][0]["columns"], "rows": [
        {"TimeGenerated": "2026-11-25T10:00:13.44Z", "Properties": {"k": "v", "n": [1, 2]}, "Bad": "not json", "Empty": None, "count_": 3,
         "Duration": "00:01:30"}]}]
    assert loganalytics.tables_of({"tables": []}) == []


def _error(status, body, headers=None, principal=None):
    raw = json.dumps(body).encode() if not isinstance(body, bytes) else body
    return loganalytics.query_error(status, headers or {}, raw, URL, WS, principal)


def test_syntax_error_names_the_innermost_kql_message():
    # The shape quoted in grafana/grafana#35224.
    err = _error(400, {"error": {"code": "BadArgumentError", "message": "The request had some invalid properties", "innererror": {
        "code": "SyntaxError", "message": "A recognition error occurred in the query.", "innererror": {
            "code": "SYN0002", "message": "Query could not be parsed at '<' on line [2,0]", "line": 2, "pos": 0, "token": "<"}}}})
    assert err.status == 400 and err.code == "BadArgumentError"
    assert err.message == "the query was refused (SyntaxError/SYN0002): Query could not be parsed at '<' on line [2,0] (line 2, position 0)"
    assert str(err).startswith("Azure answered 400 BadArgumentError: the query was refused") and "[POST " + URL + "]" in str(err)


def test_semantic_error():
    # Azure/azure-cli-extensions#3002.
    err = _error(400, {"error": {"code": "BadArgumentError", "message": "The request had some invalid properties", "innererror": {
        "code": "SemanticError", "message": "A semantic error occurred.", "innererror": {
            "code": "SEM0100", "message": "'where' operator: Failed to resolve column or scalar expression named 'Error'"}}}})
    assert err.message == ("the query was refused (SemanticError/SEM0100): 'where' operator: Failed to resolve column or scalar expression "
                           "named 'Error'")


def test_insufficient_access_says_which_role():
    err = _error(403, {"error": {"message": "The provided credentials have insufficient access to perform the requested operation",
                                 "code": "InsufficientAccessError", "correlationId": "c-1"}}, principal="0000-app")
    assert err.code == "InsufficientAccessError" and err.request_id == "c-1"
    assert err.message == ("The provided credentials have insufficient access to perform the requested operation; principal 0000-app needs "
                           "Log Analytics Reader or Reader (Microsoft.OperationalInsights/workspaces/query/read) on workspace " + WS)


def test_unknown_workspace_says_to_use_the_customer_id():
    err = _error(404, {"error": {"message": "The requested path does not exist", "code": "PathNotFoundError"}})
    assert err.message.startswith(f"The requested path does not exist: workspace id {WS} is unknown to Log Analytics; use the workspace's "
                                  "customer id")


def test_other_errors_keep_their_text():
    assert _error(403, {"error": {"code": "InvalidAuthenticationTokenAudience", "message": "wrong audience"}}).message == "wrong audience"
    err = _error(502, b"<html>Bad Gateway</html>")
    assert (err.code, err.message) == ("HTTP502", "<html>Bad Gateway</html>")
    assert "raise server_timeout (up to 600 s)" in _error(504, {"error": {"code": "GatewayTimeout", "message": "Timed out."}}).message


def test_partial_error_messages_come_from_each_detail():
    error = {"code": "PartialError", "message": "There were some errors when processing your query.", "details": [
        {"code": "EngineError", "message": "Something went wrong processing your query on the server.",
         "innererror": {"code": "-2133196797", "message": "Query result set has exceeded the internal record count limit 1 records"}},
        {"code": "EngineError", "message": "Partial query failure: Low memory condition"}]}
    assert loganalytics.partial_messages(error) == ["Query result set has exceeded the internal record count limit 1 records",
                                                    "Partial query failure: Low memory condition"]


def _response(method, status, headers=None):
    return SimpleNamespace(http_request=SimpleNamespace(method=method), http_response=SimpleNamespace(status_code=status, headers=headers or {}))


def test_query_retries_repeat_a_post_but_never_a_server_timeout():
    policy = loganalytics._retry_policy()
    settings = policy.configure_retries({})
    assert "POST" in settings["methods"]
    assert policy.is_retry(settings, _response("POST", 502))  # azure-core alone repeats a POST only on 500/503/504
    assert policy.is_retry(settings, _response("POST", 429))
    assert policy.is_retry(settings, _response("POST", 503, {"Retry-After": "1"}))
    assert not policy.is_retry(settings, _response("POST", 504))
    assert not policy.is_retry(settings, _response("POST", 504, {"Retry-After": "1"}))
    assert not policy.is_retry(settings, _response("POST", 400))


def _policies(client):
    # SansIO policies run wrapped in a runner that keeps them as ``_policy``.
    return [getattr(p, "_policy", p) for p in client._pipeline._impl_policies]


def _chain(client):
    return [type(p).__name__ for p in _policies(client)]


def test_data_plane_pipelines_keep_kudu_and_key_vault_policies():
    from azure.core.pipeline import policies

    cred = object()
    kudu = pipeline_client("https://app.scm.azurewebsites.net", cred, "https://management.azure.com/.default", policies.RetryPolicy(retry_total=4))
    assert _chain(kudu) == ["RequestIdPolicy", "HeadersPolicy", "UserAgentPolicy", "ProxyPolicy", "RetryPolicy", "CachedBearerTokenCredentialPolicy"]
    vault = pipeline_client("https://kv.vault.azure.net", cred, "https://vault.azure.net/.default", policies.RetryPolicy(retry_total=6),
                            decode_and_redirect=True, http_logging=True)
    assert _chain(vault) == ["RequestIdPolicy", "HeadersPolicy", "UserAgentPolicy", "ProxyPolicy", "ContentDecodePolicy", "RedirectPolicy",
                             "RetryPolicy", "CachedBearerTokenCredentialPolicy", "NetworkTraceLoggingPolicy", "HttpLoggingPolicy"]
    ua = next(p for p in _policies(vault) if type(p).__name__ == "UserAgentPolicy")
    assert ua.user_agent.startswith("azsdk-python-erpops-azure/0.1 ")
    bearer = next(p for p in _policies(vault) if type(p).__name__ == "CachedBearerTokenCredentialPolicy")
    assert bearer._scopes == ("https://vault.azure.net/.default",)
