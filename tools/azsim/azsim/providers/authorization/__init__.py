"""Microsoft.Authorization: role definitions, role assignments and the RBAC check ARM runs on
every request (api 2022-04-01; azure-mgmt-authorization AuthorizationManagementClient), management locks (ManagementLockClient),
policy assignments (read-only) and classic administrators."""

from .handlers import register

__all__ = ["register"]
