"""The blob data plane on ``https://{account}.blob.core.windows.net`` (through azsim's front door), served by Azurite.

Requests are forwarded unchanged — same path, query, headers and body — to Azurite on loopback with the real host
name in ``Host``.  Azurite then reads the account from the host's first label (its "production-style URL",
``extractStoragePartsFromPath`` in Azurite's blobStorageContext middleware) and canonicalises the Shared Key resource
as ``/{account}{path}``, exactly what azure-storage-blob signs for the real host; SAS signatures use
``/blob/{account}/{container}[/{blob}]`` either way.  Shared Key and SAS requests are never re-signed; bearer ones are
(below).

Before forwarding, what the management plane configured is enforced the way the blob service does:
``supportsHttpsTrafficOnly``, ``allowSharedKeyAccess``, ``allowBlobPublicAccess``, ``publicNetworkAccess`` and
``networkAcls``.  ``minimumTlsVersion``: the front door's TLS context (core) negotiates TLS 1.2 or newer only, which
satisfies TLS1_0/1_1/1_2 minimums; a TLS1_3 minimum is not enforced (documented difference).

Microsoft Entra ID (``Authorization: Bearer``) is checked here (:mod:`.entra`: the token, then Azure RBAC); such a request
is then forwarded re-signed with the account's key, as Azurite runs without OAuth.

Features Azurite lacks are done here around the forwarded request: container immutability policies and legal holds
(:mod:`.immutability`), blob soft delete (:mod:`.softdelete`) and last access time tracking for lifecycle rules
(:mod:`.engine`).  Metadata names keep their case both ways (``x-ms-meta-Owner``), as on Azure.  The times answered
(``Date``, a blob's ``Creation-Time``...) are on the simulated clock (:mod:`.times`), the clock WORM and lifecycle run on.
"""

import base64
import hashlib
import ipaddress
import re
import time
import urllib.parse
from email.utils import formatdate

from ...core import resource
from ...core.http import Response
from ...core.ids import new_guid
from . import engine, entra, immutability, models, softdelete, times
from .azurite import sign_shared_key

HOP = {"connection", "keep-alive", "proxy-connection", "proxy-authorization", "te", "trailer", "transfer-encoding", "upgrade", "host",
       "content-length"}
# Operations that rewrite an existing blob's content or user metadata, refused under a container-level WORM policy
# (Learn "Container-level WORM policies", Scenarios: Put Blob over an existing blob, Put Block List, Set Blob Metadata,
# Put Page, Set Blob Properties, Snapshot Blob, Incremental Copy Blob, Append Block unless protected append writes).
OVERWRITES = {None, "blocklist", "metadata", "properties", "snapshot", "page", "incrementalcopy", "appendblock", "seal"}
_HIDDEN_LISTED = re.compile(r"<Container><Name>" + re.escape(softdelete.HIDDEN) + r"</Name>.*?</Container>", re.DOTALL)


def storage_error(status, code, message, headers=None, details=None):
    """The blob service's XML error (Learn "Status and error codes": <Error><Code/><Message/></Error>, x-ms-error-code;
    ``details`` are extra elements after the message, e.g. Md5Mismatch's UserSpecifiedMd5)."""
    rid = new_guid()
    when = time.strftime("%Y-%m-%dT%H:%M:%S.0000000Z", time.gmtime())
    extra = "".join(f"<{k}>{v}</{k}>" for k, v in (details or {}).items())
    body = (f'<?xml version="1.0" encoding="utf-8"?><Error><Code>{code}</Code><Message>{message}\nRequestId:{rid}\nTime:{when}'
            f"</Message>{extra}</Error>")
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
        # Azure's one clock: the times of every answer (Azurite's and azsim's own) on the simulated clock (.times).
        return times.answer(self.app.clock, req, self._handle(req))

    def _handle(self, req):
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
        container, blob = _target(req)
        if container.lower() == softdelete.HIDDEN:
            # Not a valid container name on Azure ($ names other than $root, $logs, $web), so no client's.
            return storage_error(400, "InvalidResourceName", "The specified resource name contains invalid characters.")
        if self.azurite.acquire() is None:
            return storage_error(503, "ServerBusy", f"azsim could not start Azurite: {self.azurite.error or 'timed out'}.")
        try:
            return self._serve(req, acct, container, blob)
        finally:
            self.azurite.release()

    def _serve(self, req, acct, container, blob):
        with self.app.store.lock:
            cdoc = resource.get(self.app, softdelete.container_id(acct["id"], container)) if container else None
            days = softdelete.retention_days(self.app, acct["id"])
            svc = resource.peek(self.app, acct["id"] + "/blobServices/default") or {}
            tracking = bool(((svc.get("properties") or {}).get("lastAccessTimeTrackingPolicy") or {}).get("enable"))
        key = _account_key(self.app, acct)
        comp = req.query.get("comp")
        versioned = "snapshot" in req.query or "versionid" in req.query
        token = entra.bearer(req)
        if not (req.headers.get("authorization") or "").strip().lower().startswith("sharedkey"):
            times.conditions(self.app.clock, req)
        if token is not None:
            try:
                req.principal = entra.authenticate(self.app, token, acct["name"])
                entra.authorize(self.app, req.principal, req, acct["id"], container, blob,
                                lambda: self.azurite.request("HEAD", acct["name"].lower(), key, f"/{container}/{blob}")[0] == 200)
            except entra.Refusal as exc:
                return storage_error(exc.status, exc.code, exc.message, exc.headers, exc.details)
        head = None
        if blob and cdoc is not None and (immutability.policy_of(cdoc) is not None or immutability.legal_hold(cdoc)) and not versioned:
            refusal, head = self._immutable(req, acct, key, cdoc, container, blob, comp)
            if refusal is not None:
                return refusal
        if container and not blob and req.method == "DELETE" and comp is None and cdoc is not None:
            refusal = _container_delete_refusal(cdoc)
            if refusal is not None:
                return refusal
        kept = None
        if blob and req.method == "DELETE" and comp is None and not versioned and days and req.query.get("deletetype") != "permanent":
            if head is None:
                status, head, _unused = self.azurite.request("HEAD", acct["name"].lower(), key, f"/{container}/{blob}")
                head = head if status == 200 else None
            if head is not None:
                kept = softdelete.keep(self.azurite, acct["name"].lower(), key, req.host, container, blob, head)
        status, headers, body = self._forward(req, resign=(acct["name"].lower(), key) if token is not None else None)
        if status == 400 and b"Provided contentMD5 doesn't match." in body:
            return _md5_mismatch(req)
        if kept:
            if status == 202:
                with self.app.store.transaction():
                    softdelete.record(self.app, acct["id"], container, blob, kept, head, days)
            else:
                softdelete.drop(self.azurite, acct["name"].lower(), key, kept)
        if blob and req.method == "PUT" and comp == "undelete" and status in (200, 501):
            # Azurite authenticates and authorizes Undelete Blob, then answers 501 APINotImplemented: azsim does it.
            return self._undelete(req, acct, key, container, blob)
        if container and not blob and req.method == "GET" and comp == "list" and status == 200 and \
                "deleted" in [i.strip().lower() for i in (req.query.get("include") or "").split(",")]:
            return self._list_with_deleted(req, acct, key, container, headers)
        if not container and req.method == "GET" and comp == "list" and status == 200:
            body = self._containers_listed(acct, body)
        if container and not blob and req.query.get("restype") == "container" and comp is None and req.method in ("GET", "HEAD") \
                and status == 200 and cdoc is not None:
            # Get Container Properties (Learn): x-ms-has-immutability-policy and x-ms-has-legal-hold (version 2017-11-09+).
            headers = {k: v for k, v in headers.items() if k.lower() not in ("x-ms-has-immutability-policy", "x-ms-has-legal-hold")}
            headers["x-ms-has-immutability-policy"] = "true" if immutability.policy_of(cdoc) is not None else "false"
            headers["x-ms-has-legal-hold"] = "true" if immutability.legal_hold(cdoc) else "false"
        if 200 <= status < 300:
            self._observe(req, acct, status)
            if blob and req.method == "PUT" and comp in (None, "blocklist") and status in (201, 202) and not versioned:
                with self.app.store.transaction():
                    softdelete.superseded(self.app, acct["id"], container, blob)
            if blob and req.method == "PUT" and status == 201 and cdoc is not None and not cdoc.get("_hasBlobs"):
                with self.app.store.transaction():
                    doc = resource.get(self.app, cdoc["id"])
                    if doc is not None:
                        doc["_hasBlobs"] = True  # the control plane's delete then asks Azurite whether it is empty
                        resource.put(self.app, doc)
            if tracking and blob and not versioned:
                self._accessed(req, acct, container, blob, comp, status)
        resp = Response(status, body, {k: v for k, v in headers.items() if not k.lower().startswith("x-ms-meta-")}, content_type=None)
        # Metadata names keep the case they were set with (Learn "Set Blob Metadata"): sent in the order and casing Azurite gave.
        resp.header_list = [(k, v) for k, v in headers.items() if k.lower().startswith("x-ms-meta-")]
        return resp

    def _containers_listed(self, acct, body):
        """List Containers: the hidden container left out; HasImmutabilityPolicy and HasLegalHold from the containers'
        state (List Containers XML, Learn)."""
        text = _HIDDEN_LISTED.sub("", body.decode("utf-8"))
        with self.app.store.lock:
            flags = {c["name"]: (immutability.policy_of(c) is not None, immutability.legal_hold(c))
                     for c in models.all_containers(self.app, acct["name"])}

        def fix(m):
            block = m.group(0)
            name = re.search(r"<Name>(.*?)</Name>", block)
            policy, hold = flags.get(name.group(1) if name else "", (False, False))
            for tag, value in (("HasImmutabilityPolicy", policy), ("HasLegalHold", hold)):
                block = re.sub(rf"<{tag}>\w+</{tag}>", f"<{tag}>{str(value).lower()}</{tag}>", block)
            return block

        return re.sub(r"<Container>.*?</Container>", fix, text, flags=re.DOTALL).encode("utf-8")

    # -- immutability --------------------------------------------------------------------------------------
    def _immutable(self, req, acct, key, cdoc, container, blob, comp):
        """The blob service's refusal of a delete or overwrite of a WORM-protected blob, or None; with the blob's
        properties headers when it was looked up."""
        deleting = req.method == "DELETE" and comp is None
        writing = req.method == "PUT" and comp in OVERWRITES
        if not (deleting or writing):
            return None, None
        status, head, _unused = self.azurite.request("HEAD", acct["name"].lower(), key, f"/{container}/{blob}")
        if status != 200:
            return None, None  # a new blob may be created; a missing one is Azurite's 404 to give
        hold = immutability.legal_hold(cdoc)
        policy = immutability.policy_of(cdoc)
        if writing and comp == "appendblock" and immutability.appends_allowed(cdoc):
            return None, head
        if hold:
            return storage_error(409, *immutability.BLOB_HOLD), head
        if writing:
            # Overwrites stay refused once the retention interval has expired (Learn: "After the retention period has
            # expired, objects can be deleted but not overwritten").
            return storage_error(409, *immutability.BLOB_POLICY), head
        clock = self.app.clock
        created = engine.wall(head.get("x-ms-creation-time")) or engine.wall(head.get("last-modified"))
        modified = engine.wall(head.get("last-modified")) or created
        if created is not None and immutability.active(policy, clock.at(created), clock.at(modified),
                                                       head.get("x-ms-blob-type") == "AppendBlob", clock.now()):
            return storage_error(409, *immutability.BLOB_POLICY), head
        return None, head

    # -- soft delete ------------------------------------------------------------------------------------------
    def _undelete(self, req, acct, key, container, blob):
        """Undelete Blob (Learn): restores the soft-deleted blob; on a blob that exists it has no effect; 404 when there
        is neither."""
        name = acct["name"].lower()
        with self.app.store.lock:
            docs = [d for d in softdelete.entries(self.app, acct["id"], container, blob) if not d.get("snapshot")]
        status, _head, _unused = self.azurite.request("HEAD", name, key, f"/{container}/{blob}")
        if status != 200:
            if not docs:
                return storage_error(404, "BlobNotFound", "The specified blob does not exist.")
            doc = docs[-1]
            hstatus, hidden_head, _unused = self.azurite.request("HEAD", name, key, f"/{softdelete.HIDDEN}/{doc['hidden']}")
            if hstatus != 200 or not softdelete.copy_blob(self.azurite, name, key, req.host, softdelete.HIDDEN, doc["hidden"], container, blob,
                                                          hidden_head):
                return storage_error(500, "InternalError", "azsim could not restore the soft-deleted blob from Azurite.")
            softdelete.drop(self.azurite, name, key, doc["hidden"])
            with self.app.store.transaction():
                softdelete.forget(self.app, acct["id"], doc)
        rid = new_guid()
        h = {"x-ms-request-id": rid, "x-ms-version": req.headers.get("x-ms-version") or "2025-11-05", "Date": formatdate(usegmt=True),
             "Server": "Windows-Azure-Blob/1.0 Microsoft-HTTPAPI/2.0"}
        if req.headers.get("x-ms-client-request-id"):
            h["x-ms-client-request-id"] = req.headers.get("x-ms-client-request-id")
        return Response(200, b"", h, content_type=None)

    def _list_with_deleted(self, req, acct, key, container, headers):
        """List Blobs with ``include=deleted``: Azurite's live blobs (all pages, same includes) and azsim's soft-deleted
        ones, paged by azsim (the client's own request, forwarded first, was authorized by Azurite)."""
        name = acct["name"].lower()
        include = [i.strip().lower() for i in (req.query.get("include") or "").split(",") if i.strip()]
        live_inc = [i for i in include if i != "deleted"]
        prefix = req.query.get("prefix") or ""
        items = []
        for el in self.azurite.list_blobs(name, key, container, prefix=prefix, include=live_inc):
            snap = el.findtext("Snapshot") or "~"  # snapshots first, oldest to newest, then the blob
            items.append((el.findtext("Name"), 0, snap, el))
        with self.app.store.lock:
            docs = softdelete.entries(self.app, acct["id"], container)
        docs = [d for d in docs if d["name"].startswith(prefix)]
        items += softdelete.deleted_elements(self.azurite, name, key, container, docs, include, self.app.clock.now())
        items = [(n, k, str(o), el) for n, k, o, el in items]
        body = softdelete.listing(req.host, container, req.query, items)
        out = {k: v for k, v in headers.items() if k.lower() in ("x-ms-request-id", "x-ms-version", "date", "x-ms-client-request-id")}
        out["Content-Type"] = "application/xml"
        out["Server"] = "Windows-Azure-Blob/1.0 Microsoft-HTTPAPI/2.0"
        return Response(200, body, out, content_type=None)

    # -- last access time -------------------------------------------------------------------------------------
    def _accessed(self, req, acct, container, blob, comp, status):
        """Access operations update a blob's last access time (Learn: Get Blob and Put Blob do, Get Blob Properties,
        Metadata and Tags don't); only the first access in 24 hours counts (trackingGranularityInDays 1)."""
        if not ((req.method == "GET" and comp is None and status in (200, 206)) or (req.method == "PUT" and comp in (None, "blocklist") and status == 201)):
            return
        k = engine.access_key(softdelete.container_id(acct["id"], container), blob)
        now = self.app.clock.now()
        with self.app.store.transaction():
            last = self.app.store.peek(engine.ACCESS, k)
            if req.method == "PUT" or last is None or now - last["at"] >= engine.DAY:
                self.app.store.put(engine.ACCESS, k, {"at": now})

    def _forward(self, req, resign=None):
        """Send the request to Azurite; ``resign`` ((account, key)): replace its authorization (a bearer token azsim
        checked) with a Shared Key signature of the same request."""
        h = {req.headers.original(k): v for k, v in req.headers.items() if k.lower() not in HOP}
        h["Host"] = req.host
        if resign is not None:
            h = {k: v for k, v in h.items() if k.lower() != "authorization"}
            if not any(k.lower() == "x-ms-date" for k in h):
                h["x-ms-date"] = formatdate(usegmt=True)
            signed = dict(h)
            if req.body or req.method in ("PUT", "POST"):
                signed["Content-Length"] = str(len(req.body))
            h["Authorization"] = sign_shared_key(req.method, resign[0], resign[1], req.raw_path, req.query, signed)
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
                # A HEAD answer's Content-Length is the blob's size (Get Blob Properties); the core sends it as is.
                if (k.lower() in HOP and not (req.method == "HEAD" and k.lower() == "content-length")) or k.lower() == "server":
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
                    softdelete.forget_container(self.app, acct["id"], cname)  # its soft-deleted blobs are not recoverable
                    resource.delete_tree(self.app, doc["id"])
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


def _md5_mismatch(req):
    """Azure's answer to a body that does not match the Content-MD5 sent (Learn "Common REST API error codes",
    Md5Mismatch; an azure-sdk-for-js recording shows the two MD5 elements); Azurite answers InvalidOperation."""
    sent = req.headers.get("content-md5") or ""
    calculated = base64.b64encode(hashlib.md5(req.body).digest()).decode()  # noqa: S324 - Content-MD5 is an MD5 by definition
    return storage_error(400, "Md5Mismatch", "The MD5 value specified in the request did not match with the MD5 value calculated by the server.",
                         details={"UserSpecifiedMd5": sent, "ServerCalculatedMd5": calculated})


def _target(req):
    """(container, blob) the request addresses, decoded ("" when absent)."""
    segs = [urllib.parse.unquote(x) for x in req.raw_path.split("/") if x]
    return (segs[0] if segs else ""), "/".join(segs[1:])


def _account_key(app, acct):
    with app.store.lock:
        doc = resource.peek(app, acct["id"])
        return doc["_keys"][0]["value"] if doc else ""


def _container_delete_refusal(cdoc):
    """Delete Container on the data plane (Learn "Container-level WORM policies", "Deletion": only the control plane
    deletes such a container).  Codes and texts as MicrosoftDocs/feedback issue 1844 lists them; unlocked policies give
    no delete protection (same page), so the delete goes through."""
    if immutability.legal_hold(cdoc):
        return storage_error(409, "ContainerHasLegalHold", "The requested operation is not allowed as the container has one or more legal holds.")
    if (immutability.policy_of(cdoc) or {}).get("state") == "Locked":
        return storage_error(409, "ContainerImmutabilityPolicyLocked",
                             "The requested operation is not allowed as the container has a locked immutability policy.")
    return None


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
