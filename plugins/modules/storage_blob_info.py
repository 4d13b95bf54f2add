#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright: (c) 2026, erpops.azure contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import absolute_import, division, print_function

__metaclass__ = type

DOCUMENTATION = r"""
module: storage_blob_info
short_description: List the blobs of an Azure storage container with their times, tier and SHA-256 record
version_added: 0.1.0
description:
  - Lists the blobs of a container, or those whose name starts with O(prefix), through the Blob service's C(List Blobs)
    operation, page after page, with each blob's size, creation and modification times, access tier, C(Content-MD5) and
    metadata (the C(sha256) that M(erpops.azure.storage_blob) records).
  - A container that does not exist is reported with RV(container_exists=false) and no blobs, not as a failure.
  - Authentication is the module's Microsoft Entra credential with a token for Azure Storage (C(https://storage.azure.com)).
    The principal needs a blob data role that reads, such as C(Storage Blob Data Reader), on the account or the container;
    Reader, Owner and Contributor give no access to blob data.
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
    description: Only the blobs whose name starts with this, for example C(erp-postgres-prod/erp/).
    type: str
  include_metadata:
    description: Return each blob's metadata (and its RV(blobs[].sha256)).
    type: bool
    default: true
  limit:
    description:
      - At most this many blobs are returned, in name order; V(0) returns them all.
      - V(1) tells whether a container holds anything with one request.
    type: int
    default: 0
  blob_endpoint:
    description:
      - The account's blob endpoint, for example C(https://erparchive.blob.core.windows.net).
      - Defaults to C(https://<account_name>.blob.<suffix>) for O(cloud_environment) (C(core.windows.net) on the public cloud).
    type: str
notes:
  - The Blob service is reached through the environment's HTTPS proxy and CA bundle (E(HTTPS_PROXY), E(REQUESTS_CA_BUNDLE)).
  - Source - Microsoft Learn "List Blobs" (Blob service REST API).
extends_documentation_fragment:
  - erpops.azure.attributes
  - erpops.azure.azure
attributes:
  check_mode:
    support: full
    details: The module only reads.
  diff_mode:
    support: none
"""

EXAMPLES = r"""
- name: List the SQL archives of the ERP database
  erpops.azure.storage_blob_info:
    account_name: erpsupermarketbackup
    container_name: sql-archive
    prefix: erp-postgres-prod/erp/
  register: archives

- name: Show each archive and its SHA-256
  ansible.builtin.debug:
    msg: "{{ item.name }} ({{ item.size }} bytes, {{ item.creation_time }}): {{ item.sha256 }}"
  loop: "{{ archives.blobs }}"

- name: Tell whether the media container holds anything
  erpops.azure.storage_blob_info:
    account_name: erpsupermarketmedia
    container_name: media
    include_metadata: false
    limit: 1
  register: media
"""

RETURN = r"""
container_exists:
  description: Whether the container exists.
  returned: always
  type: bool
  sample: true
blobs:
  description: The blobs, in name order (at most O(limit)).
  returned: always
  type: list
  elements: dict
  contains:
    name:
      description: Name of the blob.
      type: str
      sample: erp-postgres-prod/erp/2026-Q1/erp-20260331T221003Z.dump
    size:
      description: Size in bytes.
      type: int
      sample: 1048576
    blob_type:
      description: C(BlockBlob), C(AppendBlob) or C(PageBlob).
      type: str
      sample: BlockBlob
    content_type:
      description: The blob's C(Content-Type).
      type: str
      sample: application/octet-stream
    content_md5:
      description: The blob's C(Content-MD5) (base64), when it has one.
      type: str
      sample: 1B2M2Y8AsgTpgAmY7PhCfg==
    creation_time:
      description: When the blob was created (UTC, ISO 8601); a time-based retention policy counts from it.
      type: str
      sample: "2026-03-31T22:10:03Z"
    last_modified:
      description: When the blob was last written (UTC, ISO 8601); lifecycle rules count from it.
      type: str
      sample: "2026-03-31T22:10:03Z"
    access_tier:
      description: C(Hot), C(Cool), C(Cold) or C(Archive).
      type: str
      sample: Hot
    access_tier_inferred:
      description: Whether the tier is the account's default rather than set on the blob.
      type: bool
      sample: true
    etag:
      description: The blob's ETag.
      type: str
      sample: '"0x8DC9A7A8E0F5B12"'
    metadata:
      description: The blob's metadata (empty with O(include_metadata=false)).
      type: dict
      sample: {database: erp, sha256: 9b1c3e0f8a7d4c2b6e5f1a0d9c8b7a6e5d4c3b2a1f0e9d8c7b6a5f4e3d2c1b0a}
    sha256:
      description: The C(sha256) metadata, the integrity record M(erpops.azure.storage_blob) writes; null when absent.
      type: str
      sample: 9b1c3e0f8a7d4c2b6e5f1a0d9c8b7a6e5d4c3b2a1f0e9d8c7b6a5f4e3d2c1b0a
truncated:
  description: Whether more blobs than O(limit) match.
  returned: always
  type: bool
  sample: false
"""

from ansible_collections.erpops.azure.plugins.module_utils import blob as blobs
from ansible_collections.erpops.azure.plugins.module_utils.errors import AzureApiError
from ansible_collections.erpops.azure.plugins.module_utils.module import AzureModule


def main():
    az = AzureModule(dict(
        account_name=dict(type="str", required=True, aliases=["account"]),
        container_name=dict(type="str", required=True, aliases=["container"]),
        prefix=dict(type="str"),
        include_metadata=dict(type="bool", default=True),
        limit=dict(type="int", default=0),
        blob_endpoint=dict(type="str"),
    ))
    p = az.params
    if p["limit"] < 0:
        az.fail("limit must be 0 (all the blobs) or more (got %d)" % p["limit"])

    def run():
        from azure.core.exceptions import ServiceRequestError

        client = blobs.BlobClient(az.arm.auth, blobs.endpoint(p["account_name"], p["cloud_environment"], p["blob_endpoint"]), check_mode=az.check_mode)
        try:
            found, truncated = client.list_blobs(p["container_name"], prefix=p["prefix"], include=("metadata",) if p["include_metadata"] else (),
                                                 limit=p["limit"])
        except AzureApiError as exc:
            if exc.code == "ContainerNotFound":
                return dict(changed=False, container_exists=False, blobs=[], truncated=False)
            if exc.code == "AuthorizationPermissionMismatch":
                az.fail("the principal may not list the blobs of container %s in account %s: it needs a blob data role that reads, such as "
                        "Storage Blob Data Reader, on the account or the container (Reader, Owner and Contributor give no access to blob "
                        "data). %s" % (p["container_name"], p["account_name"], exc.describe()), status=exc.status, error_code=exc.code,
                        request_id=exc.request_id)
            az.fail("container %s of account %s: %s" % (p["container_name"], p["account_name"], exc.describe()), status=exc.status,
                    error_code=exc.code, request_id=exc.request_id)
        except ServiceRequestError as exc:
            az.fail("cannot reach %s: %s" % (client.base, exc))
        return dict(changed=False, container_exists=True, blobs=found, truncated=truncated)

    az.run(run)


if __name__ == "__main__":
    main()
