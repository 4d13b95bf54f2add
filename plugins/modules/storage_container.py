#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright: (c) 2026, erpops.azure contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import absolute_import, division, print_function

__metaclass__ = type

DOCUMENTATION = r"""
module: storage_container
short_description: Create, update or delete a blob container of an Azure storage account
version_added: 0.1.0
description:
  - Creates a blob container through Resource Manager, keeps its public access level and metadata as asked, or deletes it.
  - Only the options you set are compared, so a second run with the same options changes nothing.
  - Check mode is a plan. When the storage account does not exist yet (a run in check mode before it is created), the module
    predicts the resource it would create, with its resource ID and properties, and sends nothing. Outside check mode
    a missing storage account is an error before any write.
author:
  - erpops.azure maintainers (@erpops)
options:
  resource_group:
    description: Resource group of the storage account.
    type: str
    required: true
  account_name:
    description: Name of the storage account.
    type: str
    required: true
  name:
    description: Name of the container (3-63 lowercase letters, digits and single hyphens, starting and ending with a letter or digit).
    type: str
    required: true
  public_access:
    description:
      - Anonymous read access. V(None) keeps the container private.
      - V(Blob) and V(Container) need an account with C(allow_blob_public_access=true).
    type: str
    choices: [None, Blob, Container]
  metadata:
    description: Metadata of the container; replaces the current metadata when set.
    type: dict
  state:
    description: Whether the container should exist. Deleting a container deletes its blobs.
    type: str
    default: present
    choices: [present, absent]
extends_documentation_fragment:
  - erpops.azure.attributes
  - erpops.azure.azure
attributes:
  check_mode:
    support: full
  diff_mode:
    support: full
"""

EXAMPLES = r"""
- name: Create the private container for the ERP backups
  erpops.azure.storage_container:
    resource_group: erp-supermarket-production-rg
    account_name: erpsupermarketprodst
    name: erp-backups
    public_access: None
    metadata:
      application: erp
"""

RETURN = r"""
storage_container:
  description: The container as Azure returns it; empty when deleted.
  returned: always
  type: dict
  sample:
    id: "/subscriptions/.../providers/Microsoft.Storage/storageAccounts/erpsupermarketprodst/blobServices/default/containers/erp-backups"
    name: erp-backups
    properties: {publicAccess: None, metadata: {application: erp}}
"""

import re

from ansible_collections.erpops.azure.plugins.module_utils.module import AzureModule, Resource
from ansible_collections.erpops.azure.plugins.module_utils.plan import parent_missing, planned

API_VERSION = "2025-06-01"
# Learn "Naming and referencing containers, blobs, and metadata".
NAME_RE = re.compile(r"^[a-z0-9](?!.*--)[a-z0-9-]{1,61}[a-z0-9]$")


def main():
    az = AzureModule(dict(
        resource_group=dict(type="str", required=True),
        account_name=dict(type="str", required=True),
        name=dict(type="str", required=True),
        public_access=dict(type="str", choices=["None", "Blob", "Container"]),
        metadata=dict(type="dict"),
        state=dict(type="str", default="present", choices=["present", "absent"]),
    ))
    p = az.params
    if not NAME_RE.match(p["name"]):
        az.fail("name %r is not a valid container name: use 3-63 lowercase letters, digits and single hyphens, starting and ending with a letter "
                "or digit" % p["name"])

    def run():
        account = "/subscriptions/%s/resourceGroups/%s/providers/Microsoft.Storage/storageAccounts/%s" % (
            az.subscription_id, p["resource_group"], p["account_name"])
        cont = Resource(az, account + "/blobServices/default/containers/" + p["name"], API_VERSION, ci_paths=("properties.publicAccess",),
                        exact=("properties.metadata",), update_method="PATCH")
        # The container's GET answers 404 when the account does not exist either: the account is read only then. In check mode an
        # account that is only planned gets its container predicted; outside check mode it is an error before any write.
        where = "storage account %s in resource group %s" % (p["account_name"], p["resource_group"])
        if cont.get() is None and parent_missing(az, account, API_VERSION, where):
            if p["state"] == "absent":
                return dict(changed=False, storage_container={}, diff={"before": {}, "after": {}})
        if p["state"] == "absent":
            changed, _doc, diff, _op = cont.ensure_absent()
            return dict(changed=changed, storage_container={}, diff=diff)
        props = {}
        if p["public_access"] is not None:
            props["publicAccess"] = p["public_access"]
        if p["metadata"] is not None:
            props["metadata"] = dict((k, str(v)) for k, v in p["metadata"].items())
        desired = {"properties": props}
        changed, doc, diff, _op = cont.ensure_present(desired, body=desired)
        doc, diff = planned(az, cont.path, changed, doc, diff)
        return dict(changed=changed, storage_container=doc, diff=diff)

    az.run(run)


if __name__ == "__main__":
    main()
