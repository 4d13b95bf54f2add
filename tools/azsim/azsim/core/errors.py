"""The error shapes Azure really sends.

* ARM and most resource providers: ``{"error": {"code", "message", "target", "details", "additionalInfo"}}``
  (ARM RPC "Error response content"; azure-rest-api-specs common-types ``ErrorResponse``).
* Microsoft.Web's own business errors: a top-level PascalCase body (``Code``/``Message``/``Details``
  with an ``ErrorEntity``), as captured in public azure-cli and azure-sdk issues; clients built on
  azure-core cannot parse it and show the raw body, exactly as they do against Azure.
"""

import json


class AzureError(Exception):
    """An error response.  Raise it anywhere below a handler; the dispatcher renders it."""

    def __init__(self, status, code, message, target=None, details=None, headers=None):
        super().__init__(f"{status} {code}: {message}")
        self.status = status
        self.code = code
        self.message = message
        self.target = target
        self.details = details or []
        self.headers = dict(headers or {})

    def body(self):
        err = {"code": self.code, "message": self.message}
        if self.target is not None:
            err["target"] = self.target
        if self.details:
            err["details"] = self.details
        return {"error": err}

    def render(self):
        return json.dumps(self.body()).encode()


class WebError(AzureError):
    """Microsoft.Web's PascalCase error body (no ``error`` wrapper)."""

    def __init__(self, status, code, message, extended_code=None, template=None, parameters=None, headers=None):
        super().__init__(status, code, message, headers=headers)
        self.extended_code = extended_code
        self.template = template
        self.parameters = parameters or []

    def body(self):
        entity = {
            "ExtendedCode": self.extended_code,
            "MessageTemplate": self.template or self.message,
            "Parameters": self.parameters,
            "Code": self.code,
            "Message": self.message,
        }
        return {
            "Code": self.code,
            "Message": self.message,
            "Target": None,
            "Details": [{"Message": self.message}, {"Code": self.code}, {"ErrorEntity": entity}],
            "Innererror": None,
        }


def not_found(resource_type, name, resource_group):
    """ARM's 404 for a missing resource under an existing resource group."""
    return AzureError(
        404, "ResourceNotFound",
        f"The Resource '{resource_type}/{name}' under resource group '{resource_group}' was not found. "
        "For more details please go to https://aka.ms/ARMResourceNotFoundFix")


def rg_not_found(resource_group):
    return AzureError(404, "ResourceGroupNotFound", f"Resource group '{resource_group}' could not be found.")


def bad_request(message, code="BadRequest", target=None):
    return AzureError(400, code, message, target=target)


def invalid_content(detail):
    return AzureError(400, "InvalidRequestContent", f"The request content was invalid and could not be deserialized: '{detail}'.")


def conflict(message, code="Conflict"):
    return AzureError(409, code, message)
