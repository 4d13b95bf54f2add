#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright: (c) 2026, erpops.azure contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import absolute_import, division, print_function

__metaclass__ = type

DOCUMENTATION = r"""
module: storage_blob
short_description: Upload, download or delete a block blob in an Azure storage container, with its SHA-256 as integrity record
version_added: 0.1.0
description:
  - Uploads a local file as a block blob (one C(Put Blob) request, the file streamed, with its C(Content-MD5) checked by the
    service), downloads a blob to a local file, or deletes a blob.
  - The file's SHA-256 is stored in the blob's metadata as C(sha256), the archive's integrity record. A blob whose C(sha256)
    metadata (or, for a blob uploaded without it, C(Content-MD5) and size) matches the local file is not uploaded again;
    only its metadata or content type are set when they differ from the options given.
  - A blob that exists with another content is replaced only with O(overwrite=true). Under a container's immutability policy
    (or legal hold) Azure refuses any overwrite and any change of metadata, and refuses deletion until the retention period
    has ended (C(409 BlobImmutableDueToPolicy)); the module reports Azure's answer as it is.
  - Authentication is the module's Microsoft Entra credential, with a token for Azure Storage (C(https://storage.azure.com)),
    so accounts with shared keys disabled work and no account key is read. The principal needs a blob data role on the
    account or the container - C(Storage Blob Data Contributor) to upload and delete, C(Storage Blob Data Reader) to
    download (grant it with M(erpops.azure.role_assignment)). Owner and Contributor manage the account but give no access
    to its data.
author:
  - erpops.azure maintainers (@erpops)
options:
  account_name:
    description: Name of the storage account.
    type: str
    required: true
    aliases: [account]
  container_name:
    description: Name of the container.
    type: str
    required: true
    aliases: [container]
  name:
    description: Name of the blob (up to 1024 characters); C(/) separates virtual directories, for example C(2026/q1/erp.sql.gz).
    type: str
    required: true
  mode:
    description:
      - V(upload) makes the blob hold O(src).
      - V(download) writes the blob to O(dest), verified against its C(sha256) metadata and C(Content-MD5).
    type: str
    default: upload
    choices: [upload, download]
  src:
    description:
      - The local file to upload (on the host where the module runs). Required with O(mode=upload) and O(state=present).
      - Up to 5000 MiB, the largest single C(Put Blob) Azure accepts.
    type: path
  dest:
    description:
      - Where O(mode=download) writes the blob; a directory receives a file named after the blob's last path component.
      - The file is replaced atomically, and only when its content differs from the blob.
    type: path
  metadata:
    description:
      - Metadata of the blob (names are C# identifiers, values ASCII). When set, it replaces the blob's metadata; the
        module adds C(sha256) itself, so the name C(sha256) is reserved.
      - When unset, an overwrite keeps the blob's current metadata (with the new C(sha256)).
    type: dict
  content_type:
    description:
      - C(Content-Type) of the blob, for example V(application/gzip).
      - When unset, a new blob gets C(application/octet-stream) and an existing one keeps its type.
    type: str
  overwrite:
    description:
      - Replace a blob that exists with another content. With V(false) the module fails on such a blob rather than replace it.
      - Under an immutability policy or a legal hold Azure refuses the overwrite whatever this option says.
    type: bool
    default: false
  state:
    description: V(present) uploads or downloads; V(absent) deletes the blob (and its snapshots).
    type: str
    default: present
    choices: [present, absent]
  blob_endpoint:
    description:
      - The account's blob endpoint, for example C(https://erparchive.blob.core.windows.net).
      - Defaults to C(https://<account_name>.blob.<suffix>) for O(cloud_environment) (C(core.windows.net) on the public cloud).
    type: str
notes:
  - The Blob service is reached through the environment's HTTPS proxy and CA bundle (E(HTTPS_PROXY), E(REQUESTS_CA_BUNDLE));
    a custom O(arm_endpoint) does not change it.
  - A role assignment takes up to a few minutes to apply in Azure; a C(403 AuthorizationPermissionMismatch) right after the
    grant usually clears by itself.
extends_documentation_fragment:
  - erpops.azure.attributes
  - erpops.azure.azure
attributes:
  check_mode:
    support: full
    details: The file is hashed and the blob's properties read; nothing is uploaded, written or deleted.
  diff_mode:
    support: full
    details: The blob's SHA-256, size, content type and metadata before and after.
"""

EXAMPLES = r"""
- name: Archive the quarter's SQL export in the immutable container
  erpops.azure.storage_blob:
    account_name: erpsupermarketarchive
    container_name: sql-archive
    name: "2026/q1/erp-{{ sql_export_stamp }}.sql.gz"
    src: "{{ sql_export_file }}"
    content_type: application/gzip
    metadata:
      database: erp
      quarter: 2026-Q1
  register: archived

- name: Show the integrity record
  ansible.builtin.debug:
    msg: "{{ archived.blob.url }} sha256 {{ archived.blob.sha256 }}"

- name: Fetch an archive back, verified against its SHA-256
  erpops.azure.storage_blob:
    account_name: erpsupermarketarchive
    container_name: sql-archive
    name: 2026/q1/erp-20260331.sql.gz
    mode: download
    dest: /srv/restore/

- name: Delete a blob (refused by Azure while a retention policy protects it)
  erpops.azure.storage_blob:
    account_name: erpsupermarketarchive
    container_name: scratch
    name: test.sql.gz
    state: absent
"""

RETURN = r"""
blob:
  description: The blob after the task (predicted in check mode); empty when deleted or absent.
  returned: always
  type: dict
  contains:
    url:
      description: URL of the blob.
      type: str
      sample: https://erpsupermarketarchive.blob.core.windows.net/sql-archive/2026/q1/erp-20260331.sql.gz
    size:
      description: Size in bytes.
      type: int
      sample: 1048576
    sha256:
      description: The C(sha256) metadata (hexadecimal), the SHA-256 of the content when the module uploaded it.
      type: str
      sample: 9b1c3e0f8a7d4c2b6e5f1a0d9c8b7a6e5d4c3b2a1f0e9d8c7b6a5f4e3d2c1b0a
    content_md5:
      description: The blob's C(Content-MD5) (base64), as the service checked it on upload.
      type: str
      sample: 1B2M2Y8AsgTpgAmY7PhCfg==
    content_type:
      description: The blob's C(Content-Type).
      type: str
      sample: application/gzip
    metadata:
      description: The blob's metadata, C(sha256) included.
      type: dict
      sample: {database: erp, quarter: 2026-Q1, sha256: 9b1c3e0f8a7d4c2b6e5f1a0d9c8b7a6e5d4c3b2a1f0e9d8c7b6a5f4e3d2c1b0a}
    etag:
      description: The blob's ETag (absent in check mode for a blob not yet written).
      type: str
      sample: '"0x8DC9A7A8E0F5B12"'
    last_modified:
      description: When the blob was last written (absent in check mode for a blob not yet written).
      type: str
      sample: Tue, 31 Mar 2026 22:10:03 GMT
  sample:
    url: https://erpsupermarketarchive.blob.core.windows.net/sql-archive/2026/q1/erp-20260331.sql.gz
    size: 1048576
    sha256: 9b1c3e0f8a7d4c2b6e5f1a0d9c8b7a6e5d4c3b2a1f0e9d8c7b6a5f4e3d2c1b0a
    content_type: application/gzip
dest:
  description: The local file written or compared with O(mode=download).
  returned: with O(mode=download)
  type: str
  sample: /srv/restore/erp-20260331.sql.gz
"""

import os
import tempfile

from ansible_collections.erpops.azure.plugins.module_utils import blob as blobs
from ansible_collections.erpops.azure.plugins.module_utils.errors import AzureApiError
from ansible_collections.erpops.azure.plugins.module_utils.module import AzureModule

MAX_PUT_BLOB = 5000 * 1024 * 1024  # Learn "Put Blob": up to 5000 MiB in one request (version 2019-12-12 and later)
# The content headers Set Blob Properties clears when they are not sent again (Learn "Set Blob Properties").
KEPT_PROPERTIES = (("content-md5", "x-ms-blob-content-md5"), ("content-encoding", "x-ms-blob-content-encoding"),
                   ("content-language", "x-ms-blob-content-language"), ("content-disposition", "x-ms-blob-content-disposition"),
                   ("cache-control", "x-ms-blob-cache-control"))


def _ci(mapping, key):
    return next((v for k, v in (mapping or {}).items() if k.lower() == key.lower()), None)


def _without_sha(meta):
    return dict((k, v) for k, v in (meta or {}).items() if k.lower() != "sha256")


def _same_metadata(a, b):
    return dict((k.lower(), v) for k, v in a.items()) == dict((k.lower(), v) for k, v in b.items())


def view(props):
    """What the diff and the result show of a blob's properties headers."""
    if props is None:
        return {}
    meta = blobs.metadata_of(props)
    out = dict(size=int(props.get("content-length") or 0), sha256=_ci(meta, "sha256"), content_md5=props.get("content-md5"),
               content_type=props.get("content-type"), metadata=meta)
    if props.get("etag"):
        out.update(etag=props.get("etag"), last_modified=props.get("last-modified"))
    return out


def explain(exc, p, action):
    """A failure message that says what Azure refused and what to do."""
    where = "blob %s in container %s of account %s" % (p["name"], p["container_name"], p["account_name"])
    code = exc.code
    if code == "AuthorizationPermissionMismatch":
        role = "Storage Blob Data Reader" if action == "download" else "Storage Blob Data Contributor"
        return ("the principal may not %s %s: it needs a blob data role such as %s on the account or the container (grant it with "
                "erpops.azure.role_assignment; Owner and Contributor give no access to blob data, and a new assignment takes a few "
                "minutes to apply). %s" % (action, where, role, exc.describe()))
    if code in ("BlobImmutableDueToPolicy", "BlobImmutableDueToLegalHold"):
        why = "immutability policy" if code == "BlobImmutableDueToPolicy" else "legal hold"
        return "Azure refused to %s %s: the container's %s protects the blob. %s" % (action, where, why, exc.describe())
    if code == "ContainerNotFound":
        return "container %s does not exist in account %s (create it with erpops.azure.storage_container). %s" % (
            p["container_name"], p["account_name"], exc.describe())
    if code == "AuthorizationFailure":
        return "account %s refuses this client (its firewall or public network access). %s" % (p["account_name"], exc.describe())
    if code in ("ConditionNotMet", "BlobAlreadyExists"):
        return "%s changed while the task ran (someone else wrote it); run the task again. %s" % (where, exc.describe())
    return "%s: %s" % (where, exc.describe())


class BlobTask:
    def __init__(self, az, client, p):
        self.az = az
        self.client = client
        self.p = p
        self.path = blobs.blob_path(p["container_name"], p["name"])
        self.url = client.base + self.path

    def result(self, changed, blob, before, after, **extra):
        if blob:
            blob = dict(blob, url=self.url)
        return dict(changed=changed, blob=blob or {}, diff=dict(before=before, after=after), **extra)

    # -- upload -----------------------------------------------------------------------------------------------
    def upload(self):
        p = self.p
        src = p["src"]
        if not os.path.isfile(src):
            self.az.fail("src %s is not a file" % src if os.path.exists(src) else "src %s does not exist" % src)
        size, sha, md5 = blobs.file_digests(src)
        if size > MAX_PUT_BLOB:
            self.az.fail("src %s is %d bytes; one Put Blob takes at most 5000 MiB (use AzCopy for larger files)" % (src, size))
        head = self.client.properties(p["container_name"], p["name"])
        before = view(head)
        remote_meta = blobs.metadata_of(head) if head is not None else {}
        wanted_meta = _without_sha(p["metadata"] if p["metadata"] is not None else remote_meta)
        wanted_meta["sha256"] = sha
        if head is not None:
            remote_sha = _ci(remote_meta, "sha256")
            same = remote_sha.lower() == sha if remote_sha else (head.get("content-md5") == md5 and int(head.get("content-length") or -1) == size)
            if not same:
                if not p["overwrite"]:
                    self.az.fail("blob %s in container %s exists with another content (sha256 %s, %s bytes; the file's is %s, %d bytes): "
                                 "set overwrite=true to replace it" % (p["name"], p["container_name"], remote_sha or "not recorded",
                                                                       head.get("content-length"), sha, size))
                return self.put(src, size, md5, wanted_meta, head, before)
            return self.converge(head, before, wanted_meta)
        return self.put(src, size, md5, wanted_meta, None, before)

    def put(self, src, size, md5, meta, head, before):
        content_type = self.p["content_type"] or (head.get("content-type") if head is not None else None) or "application/octet-stream"
        after = dict(size=size, sha256=meta["sha256"], content_md5=md5, content_type=content_type, metadata=meta)
        if self.az.check_mode:
            return self.result(True, after, before, after)
        headers = {"x-ms-blob-type": "BlockBlob", "Content-MD5": md5, "Content-Type": content_type, "Content-Length": str(size)}
        headers.update(("x-ms-meta-%s" % k, v) for k, v in meta.items())
        # Never replace a blob created meanwhile, and overwrite only the version that was compared.
        headers.update({"If-None-Match": "*"} if head is None else {"If-Match": head.get("etag")})
        with open(src, "rb") as f:
            _status, hdrs, _body = self.client.request("PUT", self.path, headers=headers, content=f if size else b"", expect=(201,))
        blob = dict(after, etag=hdrs.get("etag"), last_modified=hdrs.get("last-modified"))
        return self.result(True, blob, before, after)

    def converge(self, head, before, meta):
        """Same content: set the metadata and the content type when they differ from what was asked."""
        p = self.p
        remote_meta = blobs.metadata_of(head)
        meta_differs = not _same_metadata(remote_meta, meta)
        type_differs = p["content_type"] is not None and (head.get("content-type") or "") != p["content_type"]
        after = dict(before, metadata=meta if meta_differs else remote_meta, sha256=meta["sha256"],
                     content_type=p["content_type"] if type_differs else before["content_type"])
        after.pop("etag", None)
        after.pop("last_modified", None)
        if not (meta_differs or type_differs):
            return self.result(False, before, before, before)
        if self.az.check_mode:
            return self.result(True, after, before, after)
        hdrs = {}
        if meta_differs:
            headers = dict(("x-ms-meta-%s" % k, v) for k, v in meta.items())
            headers["If-Match"] = head.get("etag")
            _status, hdrs, _body = self.client.request("PUT", self.path, params={"comp": "metadata"}, headers=headers, expect=(200,))
        if type_differs:
            headers = {"x-ms-blob-content-type": p["content_type"], "If-Match": hdrs.get("etag") or head.get("etag")}
            headers.update((sent, head.get(got)) for got, sent in KEPT_PROPERTIES if head.get(got))
            _status, hdrs, _body = self.client.request("PUT", self.path, params={"comp": "properties"}, headers=headers, expect=(200,))
        return self.result(True, dict(after, etag=hdrs.get("etag"), last_modified=hdrs.get("last-modified")), before, after)

    # -- download ---------------------------------------------------------------------------------------------
    def download(self):
        p = self.p
        dest = p["dest"]
        if os.path.isdir(dest):
            dest = os.path.join(dest, p["name"].rstrip("/").split("/")[-1])
        folder = os.path.dirname(os.path.abspath(dest))
        if not os.path.isdir(folder):
            self.az.fail("dest %s: directory %s does not exist" % (p["dest"], folder))
        head = self.client.properties(p["container_name"], p["name"])
        if head is None:
            self.az.fail("blob %s does not exist in container %s of account %s" % (p["name"], p["container_name"], p["account_name"]))
        remote = view(head)
        local = None
        if os.path.isfile(dest):
            size, sha, md5 = blobs.file_digests(dest)
            local = dict(size=size, sha256=sha, content_md5=md5)
            same = remote["sha256"].lower() == sha if remote["sha256"] else (remote["content_md5"] == md5 and remote["size"] == size)
            if same:
                return self.result(False, remote, local, local, dest=dest)
        after = dict(size=remote["size"], sha256=remote["sha256"], content_md5=remote["content_md5"])
        if self.az.check_mode:
            return self.result(True, remote, local or {}, after, dest=dest)
        fd, tmp = tempfile.mkstemp(dir=folder, prefix=".%s." % os.path.basename(dest))
        try:
            _status, _hdrs, resp = self.client.request("GET", self.path, headers={"If-Match": head.get("etag")}, stream=True, timeout=600)
            with os.fdopen(fd, "wb") as f:
                for chunk in resp.iter_raw():
                    f.write(chunk)
            size, sha, md5 = blobs.file_digests(tmp)
            if (remote["sha256"] and remote["sha256"].lower() != sha) or (remote["content_md5"] and remote["content_md5"] != md5):
                self.az.fail("integrity check failed for blob %s: downloaded sha256 %s / MD5 %s, recorded sha256 %s / Content-MD5 %s; %s was left as it was"
                             % (p["name"], sha, md5, remote["sha256"], remote["content_md5"], dest))
            self.az.module.atomic_move(tmp, dest)
        finally:
            if os.path.exists(tmp):
                os.unlink(tmp)
        return self.result(True, remote, local or {}, dict(size=size, sha256=sha, content_md5=md5), dest=dest)

    # -- delete -------------------------------------------------------------------------------------------------
    def delete(self):
        head = self.client.properties(self.p["container_name"], self.p["name"])
        if head is None:
            return self.result(False, {}, {}, {})
        before = view(head)
        if not self.az.check_mode:
            # Delete Blob: a blob with snapshots needs x-ms-delete-snapshots (else 409 SnapshotsPresent).
            self.client.request("DELETE", self.path, headers={"x-ms-delete-snapshots": "include"}, expect=(202,))
        return self.result(True, {}, before, {})


def main():
    az = AzureModule(dict(
        account_name=dict(type="str", required=True, aliases=["account"]),
        container_name=dict(type="str", required=True, aliases=["container"]),
        name=dict(type="str", required=True),
        mode=dict(type="str", default="upload", choices=["upload", "download"]),
        src=dict(type="path"),
        dest=dict(type="path"),
        metadata=dict(type="dict"),
        content_type=dict(type="str"),
        overwrite=dict(type="bool", default=False),
        state=dict(type="str", default="present", choices=["present", "absent"]),
        blob_endpoint=dict(type="str"),
    ))
    p = az.params
    if not 1 <= len(p["name"]) <= 1024:
        az.fail("name must be 1 to 1024 characters long (got %d)" % len(p["name"]))
    if p["state"] == "present" and p["mode"] == "upload" and not p["src"]:
        az.fail("src is required to upload (mode=upload, state=present)")
    if p["state"] == "present" and p["mode"] == "download" and not p["dest"]:
        az.fail("dest is required to download (mode=download)")
    if p["metadata"] is not None:
        for key, value in p["metadata"].items():
            if not blobs.METADATA_NAME.match(str(key)):
                az.fail("metadata name %r is not valid: use letters, digits and underscores, not starting with a digit" % key)
            if str(key).lower() == "sha256":
                az.fail("metadata name sha256 is reserved: the module stores the file's SHA-256 there")
            try:
                str(value).encode("ascii")
            except UnicodeEncodeError:
                az.fail("metadata %s: values must be ASCII (HTTP headers), got %r" % (key, value))
        p["metadata"] = dict((str(k), str(v)) for k, v in p["metadata"].items())

    def run():
        from azure.core.exceptions import ServiceRequestError

        client = blobs.BlobClient(az.arm.auth, blobs.endpoint(p["account_name"], p["cloud_environment"], p["blob_endpoint"]), check_mode=az.check_mode)
        task = BlobTask(az, client, p)
        action = "delete" if p["state"] == "absent" else p["mode"]
        try:
            if p["state"] == "absent":
                return task.delete()
            return task.download() if p["mode"] == "download" else task.upload()
        except AzureApiError as exc:
            az.fail(explain(exc, p, "write" if action == "upload" else action), status=exc.status, error_code=exc.code, request_id=exc.request_id)
        except ServiceRequestError as exc:
            az.fail("cannot reach %s: %s" % (client.base, exc))

    az.run(run)


if __name__ == "__main__":
    main()
