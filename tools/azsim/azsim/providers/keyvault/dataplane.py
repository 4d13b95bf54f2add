"""The secrets data plane on ``https://{vault}.vault.azure.net`` (through azsim's front door), the way Key Vault answers.

Authentication (Learn "Authentication in Azure Key Vault"; azure-keyvault-secrets ``ChallengeAuthPolicy``): a request
without a bearer token gets 401 with ``WWW-Authenticate: Bearer authorization="https://login.microsoftonline.com/{tenant}",
resource="https://vault.azure.net"``; the SDK sends its first request without a token (and without a body), reads the
challenge, gets a token for ``https://vault.azure.net/.default`` in that tenant and resends.  Tokens must be azsim's, for
that audience, in the vault's tenant and not expired; otherwise 401 ``Unauthorized`` with the challenge again.

Authorization: in RBAC mode (``enableRbacAuthorization``) the caller needs the operation's dataAction through a role
assignment at the vault or above (Owner and Contributor have none); otherwise the vault's access policies for the
caller's object id.  Network rules (``publicNetworkAccess``, ``networkAcls``) are applied to the client address.
"""

import ipaddress
import re

from ...core import resource
from ...core.errors import AzureError
from ...core.http import Response
from ..authorization import models as authz
from . import models, secrets
from .secrets import KvError

AUDIENCES = ("https://vault.azure.net", "https://vault.azure.net/")
_API = re.compile(r"^(7\.[0-6](-preview(\.\d+)?)?|2016-10-01|2025-07-01|2026-04-01)$")
SERVICE_VERSION = "1.9.2178.1"  # x-ms-keyvault-service-version: any build number (unverified value)
S = "Microsoft.KeyVault/vaults/secrets/"
# operation -> (RBAC dataAction, access-policy secret permission). Data actions: Learn "Azure built-in roles" (Key Vault
# Secrets User: getSecret + readMetadata; Officer: secrets/*); the deleted-secret reads are readMetadata (unverified).
OPS = {
    "list": (S + "readMetadata/action", "list"), "versions": (S + "readMetadata/action", "list"), "get": (S + "getSecret/action", "get"),
    "set": (S + "setSecret/action", "set"), "update": (S + "update/action", "set"), "delete": (S + "delete", "delete"),
    "backup": (S + "backup/action", "backup"), "restore": (S + "restore/action", "restore"), "list_deleted": (S + "readMetadata/action", "list"),
    "get_deleted": (S + "readMetadata/action", "get"), "recover": (S + "recover/action", "recover"), "purge": (S + "purge/action", "purge"),
}


class SecretsFrontDoor:
    def __init__(self, app):
        self.app = app

    def accepts(self, host):
        """Only live vaults resolve (a soft-deleted or still registering vault has no DNS name)."""
        if not host.endswith(models.DNS_SUFFIX):
            return False
        name = host[:-len(models.DNS_SUFFIX)]
        if "." in name:
            return False
        doc = models.registered(self.app, name)
        return doc is not None and doc["properties"].get("provisioningState") == "Succeeded"

    def handle(self, req):
        self.app.lro.settle()
        name = req.host[:-len(models.DNS_SUFFIX)]
        vault = models.registered(self.app, name)
        try:
            if vault is None:
                raise KvError(404, "NotFound", f"Vault {name} not found.")  # unverified: DNS would not resolve
            vault = resource.public(vault)
            with self.app.store.transaction():
                status, body = self._serve(req, vault)
            resp = Response(status, body)
        except KvError as exc:
            resp = Response(exc.status, exc.body(), exc.headers)
        self._headers(req, resp, vault)
        return resp

    def _headers(self, req, resp, vault):
        h = resp.headers
        ip = (req.client_addr or ("127.0.0.1",))[0]
        h.setdefault("Cache-Control", "no-cache")
        h.setdefault("Pragma", "no-cache")
        h.setdefault("Expires", "-1")
        h["x-ms-request-id"] = req.context.get("request_id", "")
        if req.headers.get("x-ms-client-request-id"):
            h["x-ms-client-request-id"] = req.headers.get("x-ms-client-request-id")
        if vault is not None:
            h["x-ms-keyvault-region"] = vault["location"]
        h["x-ms-keyvault-network-info"] = f"conn_type=Ipv4;addr={ip};act_addr_fam=InterNetwork;"
        h["x-ms-keyvault-service-version"] = SERVICE_VERSION
        h["Strict-Transport-Security"] = "max-age=31536000;includeSubDomains"
        h["X-Content-Type-Options"] = "nosniff"

    # -- authentication ------------------------------------------------------------------------------------
    def _challenge(self, vault):
        return {"WWW-Authenticate": f'Bearer authorization="https://login.microsoftonline.com/{vault["properties"]["tenantId"]}", '
                                    'resource="https://vault.azure.net"'}

    def authenticate(self, req, vault):
        """(principal, claims) or the 401 Key Vault answers. AKV10000 and AKV10022 texts are verbatim in public issues
        (Azure/azure-sdk-for-python#24557, crossplane-contrib/provider-azure#346); the others are unverified."""
        def refuse(msg):
            return KvError(401, "Unauthorized", msg, headers=self._challenge(vault))
        authz_header = (req.headers.get("authorization") or "").strip()
        scheme, _sep, token = authz_header.partition(" ")
        if scheme.lower() != "bearer" or not token.strip():
            raise refuse("AKV10000: Request is missing a Bearer or PoP token.")
        claims = self.app.identity.verify(token.strip())
        if claims is None:
            raise refuse("AKV10046: Unable to resolve the key used for signature validation.")
        if claims.get("aud") not in AUDIENCES:
            raise refuse(f"AKV10022: Invalid audience. Expected https://vault.azure.net, found: {claims.get('aud')}.")
        tid = vault["properties"]["tenantId"]
        if str(claims.get("tid", "")).lower() != tid.lower():
            raise refuse(f"AKV10032: Invalid issuer. Expected one of https://sts.windows.net/{tid}/, found: {claims.get('iss')}.")
        if claims.get("exp", 0) <= self.app.clock.now():
            raise refuse("AKV10013: Token expired.")
        p = self.app.identity.principal_by_object(claims.get("oid"))
        if p is None:
            raise refuse("AKV10046: Unable to resolve the caller.")
        return p, claims

    # -- network rules and authorization --------------------------------------------------------------------------
    def _network(self, req, vault, caller):
        props = vault["properties"]
        where = f"Vault: {vault['name']};location={vault['location']}"
        if props.get("publicNetworkAccess") == "Disabled":
            # ForbiddenByConnection (Learn "Troubleshoot Key Vault network settings"; text from memory, unverified).
            raise KvError(403, "Forbidden", "Public network access is disabled and request is not from a trusted service nor via an approved private link."
                          f"\r\nCaller: {caller}\r\n{where}", inner="ForbiddenByConnection")
        acls = props.get("networkAcls") or {}
        if acls.get("defaultAction") == "Deny":
            ip = (req.client_addr or ("127.0.0.1",))[0]
            if not _ip_allowed(ip, acls.get("ipRules") or []):
                # ForbiddenByFirewall (Learn "Configure Key Vault firewalls"; text from memory, unverified).
                raise KvError(403, "Forbidden", f"Client address is not authorized and caller is not a trusted service.\r\nClient address: {ip}\r\n"
                              f"Caller: {caller}\r\n{where}", inner="ForbiddenByFirewall")

    def authorize(self, vault, principal, caller, op, secret=None):
        action, permission = OPS[op]
        if vault["properties"].get("enableRbacAuthorization"):
            scope = vault["id"] + (f"/secrets/{secret}" if secret else "")
            try:
                authz.check(self.app.store, vault["id"].split("/")[2], principal, action, scope, data=True)
            except AzureError:
                # Verbatim shape in hashicorp/terraform-provider-azurerm#17015-era logs (piyushsachdeva/Terraform_AKS#2).
                raise KvError(403, "Forbidden", "Caller is not authorized to perform action on resource.\r\nIf role assignments, deny assignments or "
                              f"role definitions were changed recently, please observe propagation time.\r\nCaller: {caller}\r\nAction: '{action}'\r\n"
                              f"Resource: '{scope.lower()}'\r\nAssignment: (not found)\r\nDenyAssignmentId: null\r\nDecisionReason: 'DeniedWithNoValidRBAC' "
                              f"\r\nVault: {vault['name']};location={vault['location']}\r\n", inner="ForbiddenByRbac") from None
            return
        if permission not in policy_permissions(vault, principal["object_id"]):
            # Verbatim in public captures (ansible-collections/azure#635; microsoft/azure_arc docs): innererror AccessDenied.
            raise KvError(403, "Forbidden", f"The user, group or application '{caller}' does not have secrets {permission} permission on key vault "
                          f"'{vault['name']};location={vault['location']}'. For help resolving this issue, please see "
                          "https://go.microsoft.com/fwlink/?linkid=2125287", inner="AccessDenied")

    # -- routing --------------------------------------------------------------------------------------------
    def _serve(self, req, vault):
        principal, claims = self.authenticate(req, vault)
        api = req.query.get("api-version")
        if not api:
            raise secrets.bad_parameter("The api-version query parameter is missing.")  # unverified text
        if not _API.match(api):
            # Text from memory of Key Vault's answer to an unknown version (unverified).
            raise secrets.bad_parameter(f"The specified version ({api}) is not recognized. Consider using the latest supported version (7.6).")
        caller = f"appid={claims.get('appid')};oid={claims.get('oid')};iss={claims.get('iss')}"
        self._network(req, vault, caller)
        op, name, version = route(req)
        if name is not None:
            secrets.check_name(name)
        self.authorize(vault, principal, caller, op, name)
        return self._run(req, vault, op, name, version)

    def _run(self, req, vault, op, name, version):
        app = self.app
        if op == "set":
            return 200, secrets.set_secret(app, vault, name, _json(req))
        if op == "get":
            return 200, secrets.get_secret(app, vault, name, version)
        if op == "update":
            return 200, secrets.update_secret(app, vault, name, version, _json(req))
        if op == "delete":
            return 200, secrets.delete_secret(app, vault, name)
        if op == "list":
            rows = [secrets.item(vault, s, s["versions"][-1], versioned=False) for s in secrets.all_secrets(app, vault["name"]) if not s.get("deleted")]
            return 200, self._page(req, rows)
        if op == "versions":
            sec, _ver = secrets.find(app, vault, name)
            return 200, self._page(req, [secrets.item(vault, sec, v, versioned=True) for v in sec["versions"]])
        if op == "list_deleted":
            rows = [secrets.deleted_item(vault, s) for s in secrets.all_secrets(app, vault["name"]) if s.get("deleted")]
            return 200, self._page(req, rows)
        if op == "get_deleted":
            return 200, secrets.deleted_bundle(vault, secrets.get_deleted(app, vault, name))
        if op == "recover":
            return 200, secrets.recover_secret(app, vault, name)
        if op == "purge":
            secrets.purge_secret(app, vault, name)
            return 204, None
        if op == "backup":
            return 200, secrets.backup_secret(app, vault, name)
        return 200, secrets.restore_secret(app, vault, _json(req))

    def _page(self, req, rows):
        """Key Vault paging: ``maxresults`` 1-25 (default 25), ``nextLink`` absolute or null (REST "Get Secrets")."""
        raw = req.query.get("maxresults")
        try:
            size = int(raw) if raw else 25
        except ValueError:
            size = 0
        if not 1 <= size <= 25:
            raise secrets.bad_parameter(f"invalid maxresults parameter: {raw}. The value must be between 1 and 25.")  # unverified text
        try:
            start = int(req.query.get("$skiptoken") or 0)
        except ValueError:
            raise secrets.bad_parameter("The $skiptoken is invalid.") from None  # unverified text
        nxt = None
        if start + size < len(rows):
            path = req.raw_path.rstrip("/")
            nxt = f"{req.base_url}{path}?api-version={req.query.get('api-version')}&$skiptoken={start + size}&maxresults={size}"
        return {"value": rows[start:start + size], "nextLink": nxt}


def _json(req):
    try:
        return req.json(required=False)
    except AzureError:
        raise secrets.bad_parameter("The request body is not valid JSON.") from None  # unverified text


def route(req):
    """(operation, secret name or None, version or None) for a request path, or a KvError."""
    segs = [s for s in req.segments if s != ""] if req.segments else []
    low = [s.lower() for s in segs]
    m = req.method
    if low[:1] == ["secrets"]:
        if len(segs) == 1 and m == "GET":
            return "list", None, None
        if len(segs) == 2 and low[1] == "restore" and m == "POST":
            return "restore", None, None
        if len(segs) == 2 and m == "PUT":
            return "set", segs[1], None
        if len(segs) in (2, 3) and m in ("GET", "PATCH") and not (len(segs) == 3 and low[2] in ("versions", "backup")):
            return ("get" if m == "GET" else "update"), segs[1], (segs[2] if len(segs) == 3 else None)
        if len(segs) == 2 and m == "DELETE":
            return "delete", segs[1], None
        if len(segs) == 3 and low[2] == "versions" and m == "GET":
            return "versions", segs[1], None
        if len(segs) == 3 and low[2] == "backup" and m == "POST":
            return "backup", segs[1], None
    if low[:1] == ["deletedsecrets"]:
        if len(segs) == 1 and m == "GET":
            return "list_deleted", None, None
        if len(segs) == 2 and m == "GET":
            return "get_deleted", segs[1], None
        if len(segs) == 2 and m == "DELETE":
            return "purge", segs[1], None
        if len(segs) == 3 and low[2] == "recover" and m == "POST":
            return "recover", segs[1], None
    raise KvError(404, "NotFound", f"The requested URI '{req.raw_path}' does not exist.")  # unverified text


def policy_permissions(vault, object_id):
    """Secret permissions the vault's access policies give an object id (``all`` expands to every permission)."""
    out = set()
    tid = vault["properties"]["tenantId"].lower()
    for p in vault["properties"].get("accessPolicies") or []:
        if p.get("objectId", "").lower() != (object_id or "").lower() or p.get("applicationId") or p.get("tenantId", "").lower() != tid:
            continue
        for perm in (p.get("permissions") or {}).get("secrets") or []:
            out |= set(models.SECRET_PERMISSIONS) if perm.lower() == "all" else {perm.lower()}
    return out


def _ip_allowed(ip, rules):
    try:
        addr = ipaddress.ip_address(ip)
    except ValueError:
        return False
    for r in rules:
        try:
            if addr in ipaddress.ip_network(r.get("value", ""), strict=False):
                return True
        except ValueError:
            continue
    return False
