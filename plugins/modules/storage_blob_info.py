#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright: (c) 2026, erpops.azure contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import absolute_import, division, print_function

__metaclass__ = type

DOCUMENTATION = r"""
module: storage_blob_info
short_description: List the blobs of an Azure storage container, with their size, date and checksum
version_added: 0.2.0
description:
  - Lists the blobs of a container whose names begin with O(prefix) (the Blob service's C(List Blobs), every page), for
    checks such as "the backup blobs are there" or "the archive of the quarter exists".
  - Authentication is the module's Microsoft Entra credential, with a token for Azure Storage (C(https://storage.azure.com)),
    so no account key is read. Listing blobs is a data action, C(Microsoft.Storage/storageAccounts/blobServices/containers/blobs/read),
    so the principal needs a blob data role such as C(Storage Blob Data Reader) on the container or the account. Owner,
    Contributor and Reader manage or read the account but give no access to its data; Azure then answers 403
    C(AuthorizationPermissionMismatch), which fails the task with the role to grant.
  - The module only reads.
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
  prefix:
    description: Only the blobs whose names begin with this text, for example a virtual directory C(2026/q1/).
    type: str
  include_metadata:
    description: Return each blob's metadata (its C(sha256) integrity record, for example) in RV(blobs[].metadata).
    type: bool
    default: false
  blob_endpoint:
    description:
      - The account's blob endpoint, for example C(https://erpbackups.blob.core.windows.net).
      - Defaults to C(https://<account_name>.blob.<suffix>) for O(cloud_environment) (C(core.windows.net) on the public cloud).
    type: str
notes:
  - The Blob service is reached through the environment's HTTPS proxy and CA bundle (E(HTTPS_PROXY), E(REQUESTS_CA_BUNDLE));
    a custom O(arm_endpoint) does not change it.
  - A role assignment takes up to a few minutes to apply in Azure; a C(403 AuthorizationPermissionMismatch) right after the
    grant usually clears by itself.
extends_documentation_fragment:
  - erpops.azure.azure
attributes:
  check_mode:
    description: Can run in check_mode and return changed status prediction without modifying target.
    support: full
    details: The module only reads.
  diff_mode:
    description: Will return details on what has changed (or possibly needs changing in check_mode), when in diff mode.
    support: none
seealso:
  - module: erpops.azure.storage_blob
"""

EXAMPLES = r"""
- name: List the app's backup blobs
  erpops.azure.storage_blob_info:
    account_name: erpsupermarketbackup
    container_name: app-backups
  register: backup_blobs

- name: Check that every backup the app lists has its blob
  ansible.builtin.assert:
    that:
      - erp_backups.backups | map(attribute='blobName') | difference(backup_blobs.blobs | map(attribute='name')) | length == 0

- name: Read the integrity records of the quarter's archives
  erpops.azure.storage_blob_info:
    account_name: erpsupermarketarchive
    container_name: sql-archive
    prefix: 2026/q1/
    include_metadata: true
  register: archives
"""

RETURN = r"""
container_url:
  description: URL of the container.
  returned: always
  type: str
  sample: https://erpsupermarketbackup.blob.core.windows.net/app-backups
blobs:
  description: The blobs, in the service's order (by name).
  returned: always
  type: list
  elements: dict
  contains:
    name:
      description: Name of the blob.
      type: str
      sample: erp-supermarket-prod_202612062032.zip
    url:
      description: URL of the blob.
      type: str
      sample: https://erpsupermarketbackup.blob.core.windows.net/app-backups/erp-supermarket-prod_202612062032.zip
    size:
      description: Size in bytes.
      type: int
      sample: 1843211
    content_type:
      description: The blob's C(Content-Type).
      type: str
      sample: application/zip
    content_md5:
      description: The blob's C(Content-MD5) (base64), when it has one.
      type: str
      sample: 1B2M2Y8AsgTpgAmY7PhCfg==
    last_modified:
      description: When the blob was last written (RFC 1123, as the service writes it).
      type: str
      sample: Sun, 06 Dec 2026 20:33:10 GMT
    created:
      description: When the blob was created (RFC 1123), when the service reports it.
      type: str
      sample: Sun, 06 Dec 2026 20:33:10 GMT
    etag:
      description: The blob's ETag.
      type: str
      sample: '"0x8DC9A7A8E0F5B12"'
    blob_type:
      description: C(BlockBlob), C(AppendBlob) or C(PageBlob).
      type: str
      sample: BlockBlob
    access_tier:
      description: C(Hot), C(Cool), C(Cold) or C(Archive), when the service reports it.
      type: str
      sample: Hot
    metadata:
      description: The blob's metadata, with O(include_metadata=true).
      type: dict
      sample: {sha256: 9b1c3e0f8a7d4c2b6e5f1a0d9c8b7a6e5d4c3b2a1f0e9d8c7b6a5f4e3d2c1b0a}
"""

from ansible_collections.erpops.azure.plugins.module_utils import blob as blobs
from ansible_collections.erpops.azure.plugins.module_utils.errors import AzureApiError
from ansible_collections.erpops.azure.plugins.module_utils.module import AzureModule


def explain(exc, p):
    """A failure message that says what Azure refused and what to do."""
    where = "container %s of account %s" % (p["container_name"], p["account_name"])
    if exc.code == "AuthorizationPermissionMismatch":
        return ("the principal may not list the blobs of %s: it needs a blob data role such as Storage Blob Data Reader on the "
                "container or the account (Owner, Contributor and Reader give no access to blob data; a new assignment takes a "
                "few minutes to apply). %s" % (where, exc.describe()))
    if exc.code == "ContainerNotFound":
        return "container %s does not exist in account %s. %s" % (p["container_name"], p["account_name"], exc.describe())
    if exc.code == "AuthorizationFailure":
        return "account %s refuses this client (its firewall or public network access). %s" % (p["account_name"], exc.describe())
    return "%s: %s" % (where, exc.describe())


def view(item, base, container, with_metadata):
    """One blob of a List Blobs answer, in the shape erpops.azure.storage_blob returns."""
    def number(text):
        try:
            return int(text)
        except (TypeError, ValueError):
            return None

    name = item.get("Name") or ""
    out = dict(name=name, url=base + blobs.blob_path(container, name), size=number(item.get("Content-Length")), content_type=item.get("Content-Type"),
               content_md5=item.get("Content-MD5") or None, last_modified=item.get("Last-Modified"),
               created=item.get("Creation-Time"), etag=item.get("Etag"), blob_type=item.get("BlobType"),
               access_tier=item.get("AccessTier"))
    if with_metadata:
        out["metadata"] = item.get("Metadata") or {}
    return out


def main():
    az = AzureModule(dict(
        account_name=dict(type="str", required=True, aliases=["account"]),
        container_name=dict(type="str", required=True, aliases=["container"]),
        prefix=dict(type="str"),
        include_metadata=dict(type="bool", default=False),
        blob_endpoint=dict(type="str"),
    ))
    p = az.params

    def run():
        from azure.core.exceptions import ServiceRequestError

        client = blobs.BlobClient(az.arm.auth, blobs.endpoint(p["account_name"], p["cloud_environment"], p["blob_endpoint"]), check_mode=az.check_mode)
        try:
            items = client.list_blobs(p["container_name"], prefix=p["prefix"], include_metadata=p["include_metadata"])
        except AzureApiError as exc:
            az.fail(explain(exc, p), status=exc.status, error_code=exc.code, request_id=exc.request_id)
        except ServiceRequestError as exc:
            az.fail("the Blob service of account %s cannot be reached at %s: %s" % (p["account_name"], client.base, exc))
        found = [view(item, client.base, p["container_name"], p["include_metadata"]) for item in items]
        return dict(changed=False, container_url="%s/%s" % (client.base, p["container_name"]), blobs=found)

    az.run(run)


if __name__ == "__main__":
    main()
