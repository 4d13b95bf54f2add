"""Microsoft Entra ID on the blob data plane: an ``Authorization: Bearer`` request is authenticated and authorized by
Azure RBAC before it reaches Azurite (which runs without OAuth and gets the request re-signed with the account key).

Sources: Learn "Authorize with Microsoft Entra ID" (Storage REST; tokens for the resource ``https://storage.azure.com/``
or ``https://{account}.blob.core.windows.net``, from the tenant of the account's subscription; the table "Permissions for
calling data operations"), Learn "Authorize access to blobs using Microsoft Entra ID" (Owner and Contributor manage the
account but give no access to blob data) and "Azure built-in roles" (Storage Blob Data Contributor: containers
read/write/delete as actions, ``blobs/*`` as data actions).  Answers as Azure sends them: a 401 ``InvalidAuthenticationInfo``
with an ``AuthenticationErrorDetail`` and a ``WWW-Authenticate`` challenge (azure-storage-azcopy ``ste/destReauthPolicy.go``
quotes "Lifetime validation failed. The token is expired."; an azure-sdk-for-js recording "Audience validation failed.
Audience did not match."), and 403 ``AuthorizationPermissionMismatch`` for a principal without the permission.
"""

from ...core.errors import AzureError
from ..authorization import models as authz

S = "Microsoft.Storage/storageAccounts/blobServices/"
BLOBS = S + "containers/blobs/"
AUTH_FAILED = ("InvalidAuthenticationInfo", "Server failed to authenticate the request. Please refer to the information in the www-authenticate header.")
PERMISSION = ("AuthorizationPermissionMismatch", "This request is not authorized to perform this operation using this permission.")
# Put Blob, Put Block List, Put Block and Copy Blob onto a name that does not exist need blobs/add/action, or blobs/write
# (Learn's table: "write to an existing blob" / "create a new blob").
CREATES = (None, "blocklist", "block", "copy")


class Refusal(Exception):
    def __init__(self, status, code, message, headers=None, details=None):
        super().__init__(message)
        self.status, self.code, self.message = status, code, message
        self.headers, self.details = headers or {}, details or {}


def bearer(req):
    """The token of an ``Authorization: Bearer`` header, or None."""
    scheme, _sep, token = (req.headers.get("authorization") or "").strip().partition(" ")
    return token.strip() if scheme.lower() == "bearer" and token.strip() else None


def _audiences(account):
    host = f"https://{account.lower()}.blob.core.windows.net"
    return {"https://storage.azure.com", "https://storage.azure.com/", host, host + "/"}


def authenticate(app, token, account):
    """The principal behind a storage token, or a Refusal (401)."""
    challenge = {"WWW-Authenticate": f"Bearer authorization_uri=https://login.microsoftonline.com/{app.identity.tenant_id}/oauth2/authorize "
                                     "resource_id=https://storage.azure.com"}

    def refuse(detail):
        return Refusal(401, *AUTH_FAILED, headers=challenge, details={"AuthenticationErrorDetail": detail})
    claims = app.identity.verify(token)
    if claims is None:
        raise refuse("Signature validation failed. Signature is invalid.")  # unverified text
    if str(claims.get("aud", "")) not in _audiences(account):
        raise refuse("Audience validation failed. Audience did not match.")
    if str(claims.get("tid", "")).lower() != app.identity.tenant_id.lower():
        raise refuse("Issuer validation failed. Issuer did not match.")
    if claims.get("exp", 0) <= app.clock.now():
        raise refuse("Lifetime validation failed. The token is expired.")
    principal = app.identity.principal_by_object(claims.get("oid"))
    if principal is None:
        raise refuse("Issuer validation failed. Issuer did not match.")  # a principal azsim's directory does not know; unverified
    return principal


def permission(req, container, blob):
    """(operation, data) Learn's table names for the request, (None, False) for what it does not list."""
    method, comp, restype = req.method, req.query.get("comp"), req.query.get("restype")
    if blob:
        if comp == "tags":
            return (BLOBS + ("tags/read" if method in ("GET", "HEAD") else "tags/write")), True
        if method in ("GET", "HEAD"):
            return BLOBS + "read", True
        if method == "DELETE":
            return BLOBS + ("permanentDelete/action" if req.query.get("deletetype") == "permanent" else "delete"), True
        return BLOBS + "write", True
    if container:
        if restype == "container" and comp == "list":
            return BLOBS + "read", True  # List Blobs
        if method in ("GET", "HEAD"):
            return S + "containers/read", False
        if method == "DELETE":
            return S + "containers/delete", False
        return S + "containers/write", False
    if comp == "list":
        return S + "containers/read", False  # List Containers
    if comp == "userdelegationkey":
        return S + "generateUserDelegationKey/action", False
    if comp == "blobs":
        return BLOBS + "filter/action", True  # Find Blobs by Tags
    return S + ("read" if method in ("GET", "HEAD") else "write"), False


def _allowed(app, principal, action, scope, data):
    try:
        authz.check(app.store, app.identity.subscription_id, principal, action, scope, data=data)
        return True
    except AzureError:
        return False


def authorize(app, principal, req, account_id, container, blob, exists):
    """Raise a Refusal (403) unless the principal holds the operation's permission at the container (blobs and
    containers) or the blob service (account-level operations).  ``exists()`` tells whether the blob exists, asked only
    when a principal without blobs/write could create it with blobs/add/action."""
    action, data = permission(req, container, blob)
    scope = account_id + "/blobServices/default" + (f"/containers/{container}" if container else "")
    with app.store.lock:
        if _allowed(app, principal, action, scope, data):
            return
        creating = blob and req.method == "PUT" and req.query.get("comp") in CREATES
        add_ok = creating and _allowed(app, principal, BLOBS + "add/action", scope, True)
    if add_ok and not exists():
        return
    raise Refusal(403, *PERMISSION)
