#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright: (c) 2026, erpops.azure contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import absolute_import, division, print_function

__metaclass__ = type

DOCUMENTATION = r"""
module: key_vault_secret
short_description: Set or delete a secret of an Azure Key Vault
version_added: 0.1.0
description:
  - Sets a secret's value and attributes on the Key Vault data plane (C(https://<vault>.vault.azure.net), API 7.4), or deletes it.
  - The current value is read and compared, so a second run with the same value writes no new version. The value never appears in
    the result, the diff or error messages.
  - Metadata changes (O(content_type), O(tags), O(enabled), O(expires)) alone update the latest version in place.
  - The identity needs the secret permissions on the vault (in RBAC mode, for example the C(Key Vault Secrets Officer) role).
author:
  - erpops.azure maintainers (@erpops)
options:
  vault_name:
    description: Name of the vault.
    type: str
    required: true
  name:
    description: Name of the secret (1-127 letters, digits and hyphens).
    type: str
    required: true
  value:
    description:
      - The secret's value. When unset, an existing value is left alone; required to create the secret.
      - The value of a disabled secret cannot be read; it is then not compared (enable the secret to change its value).
    type: str
  content_type:
    description: Content type of the secret (a hint for readers, such as C(text/plain)).
    type: str
  tags:
    description: Tags of the secret; they replace the current tags when set.
    type: dict
  enabled:
    description: Whether the secret can be read.
    type: bool
  expires:
    description: Expiry date, ISO 8601 in UTC (C(2027-01-31) or C(2027-01-31T12:00:00Z)).
    type: str
  state:
    description: Whether the secret should exist. V(absent) deletes it (soft delete; purge or recover it within the vault's retention).
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
- name: Store the Django SECRET_KEY of the ERP
  erpops.azure.key_vault_secret:
    vault_name: erp-supermarket-prod-kv
    name: django-secret-key
    value: "{{ vault_django_secret_key }}"
    content_type: text/plain
    tags:
      application: erp
"""

RETURN = r"""
secret:
  description: The secret's metadata (never its value); empty when deleted.
  returned: always
  type: dict
  sample:
    id: "https://erp-supermarket-prod-kv.vault.azure.net/secrets/django-secret-key/4387e9f3d6e14c459867679a90fd0f79"
    name: django-secret-key
    version: 4387e9f3d6e14c459867679a90fd0f79
    content_type: text/plain
    enabled: true
    expires: null
    tags: {application: erp}
"""

import calendar
import datetime
import json
import re

from ansible_collections.erpops.azure.plugins.module_utils.errors import from_response
from ansible_collections.erpops.azure.plugins.module_utils.keyvault import VaultClient, vault_url
from ansible_collections.erpops.azure.plugins.module_utils.module import AzureModule

VALUE_MARK = "********"


def to_unix(text):
    for fmt in ("%Y-%m-%dT%H:%M:%SZ", "%Y-%m-%dT%H:%M:%S", "%Y-%m-%d"):
        try:
            return calendar.timegm(datetime.datetime.strptime(text, fmt).timetuple())
        except ValueError:
            continue
    return None


def to_iso(stamp):
    return None if stamp is None else datetime.datetime.fromtimestamp(stamp, datetime.timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ")


def view(bundle, name):
    """The secret's metadata in the module's shape, without the value."""
    if not bundle:
        return {}
    attrs = bundle.get("attributes") or {}
    sid = bundle.get("id") or ""
    return {"id": sid, "name": name, "version": sid.rstrip("/").split("/")[-1] if sid.count("/") > 4 else None,
            "content_type": bundle.get("contentType"), "enabled": attrs.get("enabled"), "expires": to_iso(attrs.get("exp")),
            "tags": bundle.get("tags") or {}}


def main():
    az = AzureModule(dict(
        vault_name=dict(type="str", required=True),
        name=dict(type="str", required=True),
        value=dict(type="str", no_log=True),
        content_type=dict(type="str"),
        tags=dict(type="dict"),
        enabled=dict(type="bool"),
        expires=dict(type="str"),
        state=dict(type="str", default="present", choices=["present", "absent"]),
    ))
    p = az.params
    if not re.match(r"^[0-9A-Za-z-]{1,127}$", p["name"]):
        az.fail("name %r is not a valid secret name: use 1-127 letters, digits and hyphens" % p["name"])
    if not re.match(r"^[A-Za-z](?!.*--)[A-Za-z0-9-]{1,22}[A-Za-z0-9]$", p["vault_name"]):
        az.fail("vault_name %r is not a valid vault name" % p["vault_name"])
    exp = None
    if p["expires"] is not None:
        exp = to_unix(p["expires"])
        if exp is None:
            az.fail("expires %r is not an ISO 8601 UTC date (use 2027-01-31 or 2027-01-31T12:00:00Z)" % p["expires"])
    tags = None if p["tags"] is None else dict((k, str(v)) for k, v in p["tags"].items())

    def run():
        cloud = p["cloud_environment"] or "AzureCloud"
        kv = VaultClient(az, p["vault_name"], cloud)
        path = "/secrets/" + p["name"]
        status, current = kv.request("GET", path, expect=(200, 403, 404))
        readable = status == 200
        if status == 403:
            err = from_response(status, {}, json.dumps(current or {}), "GET", kv.base + path)
            # A disabled secret answers 403 SecretDisabled to a GET; its metadata is still listed with the versions.
            _st, versions = kv.request("GET", path + "/versions", expect=(200, 403))
            items = (versions or {}).get("value") or []
            if _st != 200 or not items:
                raise err
            current = max(items, key=lambda i: (i.get("attributes") or {}).get("created") or 0)
        elif status == 404:
            current = None
        before = view(current, p["name"])
        if p["state"] == "absent":
            if current is None:
                return dict(changed=False, secret={}, diff={"before": {}, "after": {}})
            if not az.check_mode:
                kv.request("DELETE", path)
            return dict(changed=True, secret={}, diff={"before": before, "after": {}})
        if current is None and p["value"] is None:
            az.fail("value is required to create secret %s in vault %s" % (p["name"], p["vault_name"]))
        attrs = (current or {}).get("attributes") or {}
        value_differs = p["value"] is not None and (current is None or (readable and current.get("value") != p["value"]))
        wanted_attrs = dict((k, v) for k, v in (("enabled", p["enabled"]), ("exp", exp)) if v is not None)
        meta = {"contentType": p["content_type"], "tags": tags, "attributes": wanted_attrs}
        meta_differs = current is not None and (
            (p["content_type"] is not None and current.get("contentType") != p["content_type"])
            or (tags is not None and (current.get("tags") or {}) != tags)
            or any(attrs.get(k) != v for k, v in meta["attributes"].items()))
        if not value_differs and not meta_differs:
            return dict(changed=False, secret=before, diff={"before": before, "after": before})
        after_bundle = {"id": (current or {}).get("id") or "%s/secrets/%s" % (vault_url(p["vault_name"], cloud), p["name"]),
                        "contentType": p["content_type"] if p["content_type"] is not None else (current or {}).get("contentType"),
                        "tags": tags if tags is not None else (current or {}).get("tags"),
                        "attributes": dict(attrs, **meta["attributes"])}
        after = view(after_bundle, p["name"])
        diff_before = dict(before, value=VALUE_MARK) if before else {}
        diff_after = dict(after, value=VALUE_MARK + (" (new version)" if value_differs else ""))
        if value_differs:
            after["version"] = None
        if az.check_mode:
            return dict(changed=True, secret=after, diff={"before": diff_before, "after": diff_after})
        if value_differs:
            # A new version carries everything: keep what the user did not set from the current version.
            body = {"value": p["value"], "contentType": after_bundle["contentType"], "tags": after_bundle["tags"],
                    "attributes": dict((k, v) for k, v in after_bundle["attributes"].items() if k in ("enabled", "exp", "nbf"))}
            _st, out = kv.request("PUT", path, body=dict((k, v) for k, v in body.items() if v is not None))
        else:
            body = dict((k, v) for k, v in meta.items() if v)
            _st, out = kv.request("PATCH", path + "/" + (before.get("version") or ""), body=body)
        return dict(changed=True, secret=view(out, p["name"]), diff={"before": diff_before, "after": diff_after})

    az.run(run)


if __name__ == "__main__":
    main()
