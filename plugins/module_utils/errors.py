# -*- coding: utf-8 -*-
# Copyright: (c) 2026, erpops.azure contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""One clear message from any Azure error shape.

ARM and most resource providers answer ``{"error": {"code", "message", "target", "details"}}``;
App Service answers its own business errors with a top-level PascalCase body
(``{"Code", "Message", "Details": [{"ErrorEntity": {"ExtendedCode", ...}}]}``); Azure Monitor
sometimes sends a bare ``{"code", "message"}``; Entra ID sends ``error``/``error_description``.
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import json


class AzureApiError(Exception):
    """An Azure answer the module cannot proceed with."""

    def __init__(self, status, code, message, target=None, request_id=None, method=None, url=None, body=None):
        self.status = status
        self.code = code or "Unknown"
        self.message = message or ""
        self.target = target
        self.request_id = request_id
        self.method = method
        self.url = url
        self.body = body
        super(AzureApiError, self).__init__(self.describe())

    def describe(self):
        text = "Azure answered %s %s: %s" % (self.status, self.code, self.message.strip())
        if self.target:
            text += " (target: %s)" % self.target
        if self.method and self.url:
            text += " [%s %s]" % (self.method, self.url.split("?", 1)[0])
        if self.request_id:
            text += " (x-ms-request-id %s)" % self.request_id
        return text


def parse_error_body(raw):
    """(code, message, target) from any of Azure's error bodies; falls back to the raw text."""
    if isinstance(raw, bytes):
        raw = raw.decode("utf-8", "replace")
    try:
        data = json.loads(raw) if isinstance(raw, str) else raw
    except ValueError:
        data = None
    if not isinstance(data, dict):
        text = (raw or "").strip() if isinstance(raw, str) else ""
        return None, text[:500], None
    err = data.get("error")
    if isinstance(err, dict):
        message = err.get("message") or ""
        details = err.get("details") or []
        extra = [d.get("message") for d in details if isinstance(d, dict) and d.get("message") and d.get("message") != message]
        if extra:
            message = "%s (%s)" % (message, "; ".join(extra[:3]))
        return err.get("code"), message, err.get("target")
    if isinstance(err, str):  # Entra ID
        return err, data.get("error_description") or "", None
    if "Code" in data or "Message" in data:  # Microsoft.Web's PascalCase body
        code = data.get("Code")
        for detail in data.get("Details") or []:
            entity = detail.get("ErrorEntity") if isinstance(detail, dict) else None
            if isinstance(entity, dict) and entity.get("ExtendedCode"):
                code = "%s/%s" % (code, entity["ExtendedCode"])
        return code, data.get("Message") or "", data.get("Target")
    if "code" in data or "message" in data:  # Azure Monitor's bare shape
        return data.get("code"), data.get("message") or "", data.get("target")
    return None, json.dumps(data)[:500], None


def from_response(status, headers, body, method=None, url=None):
    code, message, target = parse_error_body(body)
    headers = headers or {}
    request_id = headers.get("x-ms-request-id") or headers.get("x-ms-correlation-request-id")
    return AzureApiError(status, code or ("HTTP%s" % status), message, target, request_id, method, url, body)
