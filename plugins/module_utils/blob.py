# -*- coding: utf-8 -*-
# Copyright: (c) 2026, erpops.azure contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""The Blob service data plane (``https://<account>.blob.<suffix>``) reached with the module's own Entra credential: the
azure-core pipeline Resource Manager uses (proxies, TLS trust from the environment, retries of reads), a bearer token for
Azure Storage's audience (``https://storage.azure.com/.default``), so accounts with shared keys disabled work and no key is
ever read.  The principal needs a blob data role (Storage Blob Data Contributor/Reader/Owner): Owner and Contributor
manage the account but give no access to its data.  Sources: Learn "Authorize with Microsoft Entra ID" (Storage REST),
"Put Blob", "Get Blob Properties", "List Blobs", "Delete Blob", "Blob service error codes", "Naming and referencing containers, blobs,
and metadata".
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import base64
import hashlib
import re
from datetime import timezone
from email.utils import formatdate, parsedate_to_datetime
from urllib.parse import quote
from xml.etree import ElementTree

from ansible_collections.erpops.azure.plugins.module_utils.arm import CheckModeWrite
from ansible_collections.erpops.azure.plugins.module_utils.dataplane import pipeline_client, retry_policy
from ansible_collections.erpops.azure.plugins.module_utils.errors import AzureApiError

VERSION = "2023-11-03"
SCOPE = "https://storage.azure.com/.default"
# Blob endpoints per cloud (Learn "National clouds": *.blob.core.chinacloudapi.cn, *.blob.core.usgovcloudapi.net).
SUFFIXES = {"AzureCloud": "core.windows.net", "AzureChinaCloud": "core.chinacloudapi.cn", "AzureUSGovernment": "core.usgovcloudapi.net"}
# Metadata names are C# identifiers (Learn "Naming and referencing containers, blobs, and metadata").
METADATA_NAME = re.compile(r"^[A-Za-z_][A-Za-z0-9_]*$")
CHUNK = 4 * 1024 * 1024


def endpoint(account, cloud_environment="AzureCloud", blob_endpoint=None):
    if blob_endpoint:
        return blob_endpoint.rstrip("/")
    return "https://%s.blob.%s" % (account.lower(), SUFFIXES.get(cloud_environment or "AzureCloud", SUFFIXES["AzureCloud"]))


def blob_path(container, name):
    """The URL path of a blob: its name percent-encoded, ``/`` kept as the virtual directory separator."""
    return "/%s/%s" % (container, quote(name, safe="/~"))


def file_digests(path):
    """(size, sha256 hex, MD5 base64) of a local file, read once in chunks."""
    sha, md5, size = hashlib.sha256(), hashlib.md5(), 0  # noqa: S324 - Content-MD5 is an MD5 by definition
    with open(path, "rb") as f:
        while True:
            chunk = f.read(CHUNK)
            if not chunk:
                break
            size += len(chunk)
            sha.update(chunk)
            md5.update(chunk)
    return size, sha.hexdigest(), base64.b64encode(md5.digest()).decode("ascii")


def metadata_of(headers):
    """The blob's metadata from ``x-ms-meta-*`` headers, names as Azure keeps them."""
    out = {}
    for key, value in (headers or {}).items():
        if key.lower().startswith("x-ms-meta-"):
            out[key[len("x-ms-meta-"):]] = value
    return out


def parse_error(status, headers, raw):
    """(code, message, authentication detail) of the Blob service's XML error; HEAD answers carry the code in a header."""
    code = (headers or {}).get("x-ms-error-code")
    text = raw.decode("utf-8", "replace") if isinstance(raw, bytes) else (raw or "")
    found = re.search(r"<Code>(.*?)</Code>", text, re.S)
    message = re.search(r"<Message>(.*?)</Message>", text, re.S)
    detail = re.search(r"<AuthenticationErrorDetail>(.*?)</AuthenticationErrorDetail>", text, re.S)
    msg = message.group(1) if message else text.strip()[:500]
    # The service appends "RequestId:...\nTime:..." to every message: the request id is reported apart.
    msg = msg.split("\nRequestId:", 1)[0].strip() or "(the answer carries only the error code, as HEAD answers do)"
    return (found.group(1) if found else code) or "HTTP%s" % status, msg, detail.group(1).strip() if detail else None


def rfc1123_to_iso(text):
    """``Tue, 31 Mar 2026 22:10:03 GMT`` as ``2026-03-31T22:10:03Z`` (None when absent or unreadable)."""
    try:
        return parsedate_to_datetime(text).astimezone(timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ")
    except (TypeError, ValueError, IndexError):
        return None


def parse_listing(body):
    """The blobs of one List Blobs page (Learn "List Blobs", EnumerationResults XML) and its NextMarker."""
    root = ElementTree.fromstring(body)  # noqa: S314 - the Blob service's own answer, over TLS
    blobs = []
    for el in root.iter("Blob"):
        props = el.find("Properties")

        def prop(tag, props=props):
            return props.findtext(tag) if props is not None else None

        meta = dict((m.tag, m.text or "") for m in el.find("Metadata")) if el.find("Metadata") is not None else {}
        blobs.append(dict(
            name=el.findtext("Name"), size=int(prop("Content-Length") or 0), blob_type=prop("BlobType"),
            content_type=prop("Content-Type"), content_md5=prop("Content-MD5") or None,
            creation_time=rfc1123_to_iso(prop("Creation-Time")), last_modified=rfc1123_to_iso(prop("Last-Modified")),
            access_tier=prop("AccessTier"), access_tier_inferred=(prop("AccessTierInferred") or "").lower() == "true",
            etag=prop("Etag"), metadata=meta,
            sha256=next((v for k, v in meta.items() if k.lower() == "sha256"), None)))
    return blobs, (root.findtext("NextMarker") or None)


class BlobClient:
    """Requests to one account's Blob service.  Anything but GET and HEAD raises CheckModeWrite in check mode."""

    def __init__(self, auth, base_url, check_mode=False):
        self.auth = auth
        self.base = base_url.rstrip("/")
        self.check_mode = check_mode
        self._client = None
        self.calls = []

    def _pipeline(self):
        if self._client is None:
            # Reads only: a write is never sent twice (under an immutability policy the repeat would be refused).
            self._client = pipeline_client(self.base, self.auth.credential(), SCOPE,
                                           retry_policy(("GET", "HEAD"), retry_total=4, retry_backoff_factor=0.8), streaming=True)
        return self._client

    def request(self, method, path, params=None, headers=None, content=None, expect=(200,), stream=False, timeout=300):
        """(status, headers, body bytes or the streamed response).  An answer not in ``expect`` raises AzureApiError."""
        method = method.upper()
        if self.check_mode and method not in ("GET", "HEAD"):
            raise CheckModeWrite("%s %s%s attempted in check mode" % (method, self.base, path))
        from azure.core.rest import HttpRequest

        hdrs = {"x-ms-version": VERSION, "x-ms-date": formatdate(usegmt=True)}
        hdrs.update(headers or {})
        req = HttpRequest(method, self.base + path, params=dict(params or {}), headers=hdrs, content=content)
        retries = {} if method in ("GET", "HEAD") else {"retry_total": 0}
        resp = self._pipeline().send_request(req, stream=stream, connection_timeout=30, read_timeout=timeout, **retries)
        self.calls.append((method, path, resp.status_code))
        if resp.status_code not in expect:
            raw = resp.read() if method != "HEAD" else b""
            code, message, detail = parse_error(resp.status_code, resp.headers, raw)
            if detail:
                message = "%s (%s)" % (message, detail)
            raise AzureApiError(resp.status_code, code, message, request_id=resp.headers.get("x-ms-request-id"), method=method,
                                url=self.base + path)
        if stream:
            return resp.status_code, resp.headers, resp
        return resp.status_code, resp.headers, (resp.read() if method != "HEAD" else b"")

    def list_blobs(self, container, prefix=None, include=("metadata",), limit=0):
        """List Blobs, page after page: (blobs as dicts, truncated).  ``limit`` 0 lists them all; a missing container
        raises AzureApiError 404 ContainerNotFound."""
        out, marker = [], None
        while True:
            params = {"restype": "container", "comp": "list"}
            if prefix:
                params["prefix"] = prefix
            if include:
                params["include"] = ",".join(include)
            if limit:
                params["maxresults"] = str(min(5000, limit - len(out)))
            if marker:
                params["marker"] = marker
            _status, _headers, body = self.request("GET", "/%s" % container, params=params, expect=(200,))
            blobs, marker = parse_listing(body)
            out.extend(blobs)
            if limit and len(out) >= limit:
                return out[:limit], bool(marker) or len(out) > limit
            if not marker:
                return out, False

    def properties(self, container, name):
        """Get Blob Properties: the headers, or None when the blob (or its container) does not exist."""
        status, headers, _body = self.request("HEAD", blob_path(container, name), expect=(200, 404))
        return None if status == 404 else headers
