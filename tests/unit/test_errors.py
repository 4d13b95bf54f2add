"""Every Azure error shape becomes one clear message."""

import json

from ansible_collections.erpops.azure.plugins.module_utils.errors import from_response, parse_error_body


def test_arm_envelope_with_details():
    body = {"error": {"code": "InvalidParameter", "message": "Bad sku.", "target": "sku", "details": [{"message": "Use S1."}]}}
    assert parse_error_body(json.dumps(body)) == ("InvalidParameter", "Bad sku. (Use S1.)", "sku")


def test_app_service_pascal_case_with_extended_code():
    body = {"Code": "BadRequest", "Message": "A TXT record pointing from asuid.www.contoso.com to ABC was not found.", "Target": None,
            "Details": [{"Message": "x"}, {"Code": "BadRequest"}, {"ErrorEntity": {"ExtendedCode": "04006", "Code": "BadRequest"}}]}
    code, message, target = parse_error_body(json.dumps(body).encode())
    assert code == "BadRequest/04006" and message.startswith("A TXT record") and target is None


def test_entra_and_monitor_and_plain_text():
    assert parse_error_body('{"error": "invalid_client", "error_description": "AADSTS7000215: Invalid client secret"}')[0] == "invalid_client"
    assert parse_error_body('{"code": "BadRequest", "message": "Invalid time grain"}') == ("BadRequest", "Invalid time grain", None)
    assert parse_error_body(b"<html>Bad Gateway</html>") == (None, "<html>Bad Gateway</html>", None)


def test_message_names_status_code_request_and_id():
    err = from_response(403, {"x-ms-request-id": "rid-1"}, json.dumps({"error": {"code": "AuthorizationFailed", "message": "no."}}),
                        "PUT", "https://management.azure.com/subscriptions/s/resourcegroups/rg?api-version=2024-11-01")
    assert err.status == 403 and err.code == "AuthorizationFailed" and err.request_id == "rid-1"
    assert str(err) == ("Azure answered 403 AuthorizationFailed: no. [PUT https://management.azure.com/subscriptions/s/resourcegroups/rg] "
                        "(x-ms-request-id rid-1)")
