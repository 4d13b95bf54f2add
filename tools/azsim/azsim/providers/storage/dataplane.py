"""The blob data plane on ``https://{account}.blob.core.windows.net`` (through azsim's front door), served by Azurite.

Requests are forwarded unchanged — same path, query, headers and body — to Azurite on loopback with the real host
name in ``Host``.  Azurite then reads the account from the host's first label (its "production-style URL",
``extractStoragePartsFromPath`` in Azurite's blobStorageContext middleware) and canonicalises the Shared Key resource
as ``/{account}{path}``, exactly what azure-storage-blob signs for the real host; SAS signatures use
``/blob/{account}/{container}[/{blob}]`` either way.  Nothing is re-signed.

Before forwarding, what the management plane configured is enforced the way the blob service does:
``supportsHttpsTrafficOnly``, ``allowSharedKeyAccess``, ``allowBlobPublicAccess``, ``publicNetworkAccess`` and
``networkAcls``.  ``minimumTlsVersion``: the front door's TLS context (core) negotiates TLS 1.2 or newer only, which
satisfies TLS1_0/1_1/1_2 minimums; a TLS1_3 minimum is not enforced (documented difference).
"""

import ipaddress
import time
from email.utils import formatdate

from ...core import resource
from ...core.http import Response
from ...core.ids import new_guid
from . import models

HOP = {"connection", "keep-alive", "proxy-connection", "proxy-authorization", "te", "trailer", "transfer-encoding", "upgrade", "host",
       "content-length"}


def storage_error(status, code, message, headers=None):
    """The blob service's XML error (Learn "Status and error codes": <Error><Code/><Message/></Error>, x-ms-error-code)."""
    rid = new_guid()
    when = time.strftime("%Y-%m-%dT%H:%M:%S.0000000Z", time.gmtime())
    body = (f'<?xml version="1.0" encoding="utf-8"?><Error><Code>{code}</Code><Message>{message}\nRequestId:{rid}\nTime:{when}'
            "</Message></Error>")
    h = {"x-ms-error-code": code, "x-ms-request-id": rid, "Server": "Windows-Azure-Blob/1.0 Microsoft-HTTPAPI/2.0",
         "Date": formatdate(usegmt=True), **(headers or {})}
    return Response(status, body.encode(), h, content_type="application/xml")


class BlobFrontDoor:
    def __init__(self, app, azurite):
        self.app = app
        self.azurite = azurite

    def accepts(self, host):
        if not host.endswith(models.BLOB_SUFFIX):
            return False
        name = host[:-len(models.BLOB_SUFFIX)]
        return "." not in name and models.account_by_name(self.app, name) is not None

    # -- enforcement ------------------------------------------------------------------------------------
    def _refusal(self, req, acct):
        p = acct["properties"]
        if req.scheme != "https" and p.get("supportsHttpsTrafficOnly", True):
            # Learn "Require secure transfer": HTTP requests are refused with 400 AccountRequiresHttps.
            return storage_error(400, "AccountRequiresHttps", "The account being accessed does not support http.")
        ip = (req.client_addr or ("127.0.0.1",))[0]
        acl = p.get("networkAcls") or {}
        denied = p.get("publicNetworkAccess") == "Disabled" or (acl.get("defaultAction") == "Deny" and not _ip_allowed(ip, acl.get("ipRules") or []))
        if denied:
            # Learn "Configure Azure Storage firewalls": 403 AuthorizationFailure (message as quoted in Storage Explorer issues).
            return storage_error(403, "AuthorizationFailure", "This request is not authorized to perform this operation.")
        auth = (req.headers.get("authorization") or "").strip()
        q = {k.lower() for k in req.query}
        keyed = auth.lower().startswith("sharedkey") or ("sig" in q and "skoid" not in q)
        if keyed and p.get("allowSharedKeyAccess") is False:
            # Learn "Prevent Shared Key authorization": 403 KeyBasedAuthenticationNotPermitted (text from public issues).
            return storage_error(403, "KeyBasedAuthenticationNotPermitted", "Key based authentication is not permitted on this storage account.")
        anonymous = not auth and "sig" not in q
        if not p.get("allowBlobPublicAccess", False):
            if anonymous:
                # Learn "Prevent anonymous read access to blob data": anonymous requests fail with 409 PublicAccessNotPermitted.
                return storage_error(409, "PublicAccessNotPermitted", "Public access is not permitted on this storage account.")
            if req.method == "PUT" and req.query.get("restype") == "container" and req.headers.get("x-ms-blob-public-access"):
                return storage_error(409, "PublicAccessNotPermitted", "Public access is not permitted on this storage account.")
        return None

    # -- forwarding -------------------------------------------------------------------------------------
    def handle(self, req):
        name = req.host[:-len(models.BLOB_SUFFIX)]
        with self.app.store.lock:
            acct = models.account_by_name(self.app, name)
            acct = resource.public(acct) if acct else None
        if acct is None:
            return storage_error(404, "ResourceNotFound", "The specified resource does not exist.")
        refusal = self._refusal(req, acct)
        if refusal is not None:
            return refusal
        if not self.azurite.available:
            return storage_error(503, "ServerBusy", "azsim has no Azurite to serve the blob data plane: install it with `make node` "
                                 "(node_modules/.bin/azurite-blob) or set AZSIM_AZURITE to the azurite-blob executable.")
        if self.azurite.acquire() is None:
            return storage_error(503, "ServerBusy", f"azsim could not start Azurite: {self.azurite.error or 'timed out'}.")
        try:
            status, headers, body = self._forward(req)
            if 200 <= status < 300:
                self._observe(req, acct, status)
        finally:
            self.azurite.release()
        return Response(status, body, headers, content_type=None)

    def _forward(self, req):
        h = {k: v for k, v in req.headers.items() if k.lower() not in HOP}
        h["Host"] = req.host
        target = req.raw_path + ("?" + req.query_string if req.query_string else "")
        conn = self.azurite.connection()
        try:
            conn.putrequest(req.method, target, skip_host=True, skip_accept_encoding=True)
            conn.putheader("Host", req.host)
            for k, v in h.items():
                if k.lower() != "host":
                    conn.putheader(k, v)
            if req.body or req.method in ("PUT", "POST"):
                conn.putheader("Content-Length", str(len(req.body)))
            conn.endheaders(req.body or None)
            resp = conn.getresponse()
            body = resp.read()
            out = {}
            for k, v in resp.getheaders():
                # A HEAD answer keeps Azurite's Content-Length: Get Blob Properties reports the blob's size in it (Learn
                # "Get Blob Properties": Content-Length, "the size of the blob in bytes"); the server sends it as is.
                if k.lower() == "content-length" and req.method == "HEAD":
                    out[k] = v
                    continue
                if k.lower() in HOP or k.lower() == "server":
                    continue
                out[k] = self._rewrite_text(v, req.host, req.host.split(".")[0])
            out["Server"] = "Windows-Azure-Blob/1.0 Microsoft-HTTPAPI/2.0"
            if body and "xml" in (resp.getheader("content-type") or ""):
                body = self._rewrite_text(body.decode("utf-8"), req.host, req.host.split(".")[0]).encode("utf-8")
            return resp.status, out, body
        finally:
            conn.close()

    @staticmethod
    def _rewrite_text(text, host, account):
        """Azurite builds absolute URLs from its scheme and host plus the account segment (``https://{host}/{account}``,
        ContainerHandler/ServiceHandler ``serviceEndpoint``); Azure's are ``https://{host}/`` (e.g. ``ServiceEndpoint`` in list XML)."""
        if "://" not in text:
            return text
        for tail in ('"', "<", "/"):
            text = text.replace(f"https://{host}/{account}{tail}", f"https://{host}/" + ("" if tail == "/" else tail))
        return text

    def _observe(self, req, acct, status):
        """Containers created, changed or deleted on the data plane appear through the management plane too."""
        segs = [s for s in req.raw_path.split("/") if s]
        if len(segs) != 1 or req.query.get("restype") != "container" or req.method not in ("PUT", "DELETE"):
            return
        cname = segs[0]
        comp = req.query.get("comp")
        access = {"container": "Container", "blob": "Blob"}.get((req.headers.get("x-ms-blob-public-access") or "").lower(), "None")
        with self.app.store.transaction():
            doc = resource.get(self.app, acct["id"] + "/blobServices/default/containers/" + cname)
            if req.method == "DELETE" and comp is None:
                if doc is not None:
                    self.app.store.delete(resource.TABLE, doc["id"])
                return
            if req.method == "PUT" and comp in (None, "acl"):
                if doc is None and comp is None:
                    doc = models.new_container(acct, cname, self.app.clock.iso())
                if doc is None:
                    return
                doc["properties"]["publicAccess"] = access
                doc["properties"]["lastModifiedTime"] = self.app.clock.iso()
                doc["etag"] = models.etag()
                resource.put(self.app, doc)


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
