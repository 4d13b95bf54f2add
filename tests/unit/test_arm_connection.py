"""The engine after a dropped connection: azure-core's RetryPolicy repeats only GET, HEAD, PUT, DELETE, OPTIONS and TRACE,
so ArmClient repeats a PATCH or a read-only/safe POST itself, never an unsafe POST, and fails with a clear error."""

import pytest
from ansible_collections.erpops.azure.plugins.module_utils import arm
from azure.core.exceptions import ServiceRequestError, ServiceResponseError


class _Resp:
    status_code, headers = 200, {}

    def read(self):
        return b'{"ok": true}'


class _Pipeline:
    def __init__(self, answers):
        self.answers, self.sent = list(answers), 0

    def send_request(self, _req):
        self.sent += 1
        answer = self.answers.pop(0)
        if isinstance(answer, Exception):
            raise answer
        return answer


def _client(answers, check_mode=False):
    slept = []
    client = arm.ArmClient(auth=None, check_mode=check_mode, sleep=slept.append)
    client._client = _Pipeline(answers)
    client.auth = type("Auth", (), {"arm_endpoint": "https://management.azure.com"})()
    return client, slept


@pytest.mark.parametrize("method, kwargs", [("PATCH", {}), ("POST", {"read_only": True}), ("POST", {"safe": True})])
def test_a_dropped_answer_to_a_repeatable_request_is_sent_again(method, kwargs):
    client, slept = _client([ServiceResponseError("Connection aborted."), ServiceResponseError("Connection aborted."), _Resp()])
    status, _headers, body = client.request(method, "/subscriptions/s/resourceGroups/rg/providers/Microsoft.Web/sites/app/config/appsettings/list",
                                            "2024-04-01", body={}, **kwargs)
    assert status == 200 and body == {"ok": True}
    assert client._client.sent == 3 and slept == [2, 4]


def test_a_dropped_answer_to_an_unsafe_post_is_not_sent_again():
    client, _slept = _client([ServiceResponseError("Connection aborted."), _Resp()])
    with pytest.raises(arm.AzureConnectionError, match="POST /subscriptions/s/x/restart: Connection aborted"):
        client.request("POST", "/subscriptions/s/x/restart", "2024-04-01")
    assert client._client.sent == 1


def test_the_retries_end_with_a_clear_error():
    client, slept = _client([ServiceResponseError("reset")] * (arm.MAX_SAFE_RETRIES + 1))
    with pytest.raises(arm.AzureConnectionError, match="PATCH /subscriptions/s/y: reset"):
        client.request("PATCH", "/subscriptions/s/y", "2024-04-01", body={})
    assert client._client.sent == arm.MAX_SAFE_RETRIES + 1 and len(slept) == arm.MAX_SAFE_RETRIES


def test_a_connection_azure_core_gave_up_on_is_not_retried_again():
    # ServiceRequestError reaches the engine only after azure-core's own retries of a connection that failed.
    client, _slept = _client([ServiceRequestError("Name or service not known"), _Resp()])
    with pytest.raises(arm.AzureConnectionError, match="Name or service not known"):
        client.request("GET", "/subscriptions/s/z", "2024-04-01")
    assert client._client.sent == 1
