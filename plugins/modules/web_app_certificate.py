#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright: (c) 2026, erpops.azure contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import absolute_import, division, print_function

__metaclass__ = type

DOCUMENTATION = r"""
module: web_app_certificate
short_description: Give a custom hostname of an Azure web app a TLS certificate and bind it with SNI
version_added: 0.1.0
description:
  - For a hostname already bound to a web app (see M(erpops.azure.web_app_hostname)), makes sure a certificate
    (C(Microsoft.Web/certificates)) covers it and that the hostname binding uses it with C(sslState=SniEnabled).
  - The certificate is a free App Service Managed Certificate (O(source=managed)), imported from a Key Vault secret
    (O(source=key_vault)) or uploaded from a PFX file (O(source=pfx)).
  - Azure issues a managed certificate in the background; the module follows the operation until the certificate exists
    (O(wait)), then binds it.
  - An existing, valid certificate named O(name) that covers the hostname is kept as it is, so a second run changes nothing.
    To replace a certificate, give the new one another O(name).
  - With O(state=absent) the SNI binding is removed first and then the certificate, because Azure refuses to delete a
    certificate a binding still uses.
  - Reads what it needs only; the certificate, then its hostname binding. The app (its plan and region) is read only to
    create the certificate, or to tell a missing app from a missing binding. A second run makes two reads, or one when
    O(hostname_binding) gives the binding a M(erpops.azure.web_app_hostname) task just read.
  - With O(certificates), several hostnames of the app in one task and one module run.
author:
  - erpops.azure maintainers (@erpops)
options:
  resource_group:
    description: Resource group of the web app; the certificate is created in it too (the app's webspace).
    type: str
    required: true
  web_app:
    description: Name of the web app.
    type: str
    required: true
  slot:
    description: Name of a deployment slot; the binding is then the slot's.
    type: str
  hostname:
    description:
      - The custom hostname to secure; it must already be bound to the app.
      - Exactly one of O(hostname) and O(certificates) is required.
    type: str
  certificates:
    description:
      - Several hostnames of the app (or slot) in one task, secured one after another, each a dict of this module's
        per-hostname options (O(hostname), O(name), O(source), O(key_vault_id), O(key_vault_secret_name), O(tags),
        O(purge_tags), O(state), O(hostname_binding)), validated as those options are; an option an element leaves out
        takes the task's top-level value (the tags they share, say).
      - The PFX options (O(pfx_path), O(pfx_blob), O(password)) are the task's only, so that no secret sits in a list
        element; an element with O(source=pfx) uses them.
      - The result then lists each hostname in RV(per_resource) (named by the hostname), and the diff holds the changed ones.
    type: list
    elements: dict
  hostname_binding:
    description:
      - The hostname binding of O(hostname) as Azure returned it a moment ago, such as the RV(erpops.azure.web_app_hostname#module:hostname_binding)
        of an unchanged M(erpops.azure.web_app_hostname) task of the same play; the module then trusts it (its C(sslState)
        and C(thumbprint)) instead of reading it again. It must be that hostname's binding (its C(id) ends with
        C(/hostNameBindings/<hostname>)).
      - Unset, the module reads the binding.
    type: dict
  name:
    description: Name of the certificate resource. Defaults to O(hostname).
    type: str
  source:
    description:
      - Where the certificate comes from.
      - V(managed) asks App Service for a free managed certificate (C(canonicalName)); Basic plans and above, not for wildcard names,
        and public DNS must route the hostname to the app (and CAA, if any, must allow C(digicert.com)).
      - V(key_vault) imports the certificate stored in O(key_vault_id) as O(key_vault_secret_name).
      - V(pfx) uploads O(pfx_path) or O(pfx_blob) with its O(password).
    type: str
    default: managed
    choices: [managed, key_vault, pfx]
  key_vault_id:
    description: Resource id of the Key Vault (C(keyVaultId)); required with O(source=key_vault).
    type: str
  key_vault_secret_name:
    description: Name of the secret of the certificate in the vault (C(keyVaultSecretName)); required with O(source=key_vault).
    type: str
  pfx_path:
    description: Path of a PFX (PKCS#12) file on the managed node. With O(source=pfx), this or O(pfx_blob) is required.
    type: path
  pfx_blob:
    description: The PFX file, base64-encoded (C(pfxBlob)). Never logged.
    type: str
  password:
    description: Password of the PFX file. Never logged.
    type: str
  tags:
    description:
      - Tags of the certificate. A certificate created by the module carries them from its creation; an existing one is
        tagged with the Tags API (C({id}/providers/Microsoft.Resources/tags/default)), as a certificate's update carries
        no tags. Unset leaves the tags alone.
    type: dict
  purge_tags:
    description: Remove tags not listed in O(tags). With V(false), O(tags) are added to the existing ones.
    type: bool
    default: true
  state:
    description: Whether the hostname should have the certificate and its SNI binding.
    type: str
    default: present
    choices: [present, absent]
extends_documentation_fragment:
  - erpops.azure.attributes
  - erpops.azure.azure
  - erpops.azure.azure.wait
attributes:
  check_mode:
    support: full
  diff_mode:
    support: full
"""

EXAMPLES = r"""
- name: Secure www.erp.example.com with a free managed certificate
  erpops.azure.web_app_certificate:
    resource_group: erp-supermarket-production-rg
    web_app: erp-supermarket-prod
    hostname: www.erp.example.com
  register: tls

- name: The same, with the deployment's tags on the certificate
  erpops.azure.web_app_certificate:
    resource_group: erp-supermarket-production-rg
    web_app: erp-supermarket-prod
    hostname: www.erp.example.com
    tags:
      application: erp-supermarket
    purge_tags: false

- name: Bind the host names, then secure them with managed certificates, one task each
  erpops.azure.web_app_hostname:
    resource_group: erp-supermarket-production-rg
    web_app: erp-supermarket-prod
    hostnames:
      - {hostname: erp.example.com, custom_host_name_dns_record_type: A}
      - {hostname: www.erp.example.com}
  register: bindings

- name: Secure them, without reading again the bindings the task above just read
  erpops.azure.web_app_certificate:
    resource_group: erp-supermarket-production-rg
    web_app: erp-supermarket-prod
    tags:
      application: erp-supermarket
    purge_tags: false
    certificates:
      - {hostname: erp.example.com, hostname_binding: "{{ bindings.per_resource[0].hostname_binding }}"}
      - {hostname: www.erp.example.com, hostname_binding: "{{ bindings.per_resource[1].hostname_binding }}"}

- name: Bind a certificate kept in Key Vault
  erpops.azure.web_app_certificate:
    resource_group: erp-supermarket-production-rg
    web_app: erp-supermarket-prod
    hostname: erp.example.com
    source: key_vault
    key_vault_id: /subscriptions/00000000-0000-0000-0000-000000000000/resourceGroups/erp-supermarket-production-rg/providers/Microsoft.KeyVault/vaults/erp-kv
    key_vault_secret_name: erp-example-com

- name: Upload a PFX
  erpops.azure.web_app_certificate:
    resource_group: erp-supermarket-production-rg
    web_app: erp-supermarket-prod
    hostname: erp.example.com
    source: pfx
    pfx_path: files/erp.example.com.pfx
    password: "{{ vault_pfx_password }}"

- name: Remove the TLS binding and the certificate
  erpops.azure.web_app_certificate:
    resource_group: erp-supermarket-production-rg
    web_app: erp-supermarket-prod
    hostname: www.erp.example.com
    state: absent
"""

RETURN = r"""
certificate:
  description: The certificate as Azure returns it (C(pfxBlob) and C(password) masked); empty when it was removed.
  returned: with O(hostname)
  type: dict
  sample:
    name: www.erp.example.com
    type: Microsoft.Web/certificates
    location: West Europe
    properties:
      canonicalName: www.erp.example.com
      thumbprint: 5E1F3C0E9A4B7D2C8F6A1B3D5E7F9A0B2C4D6E8F
      issuer: GeoTrust Global TLS RSA4096 SHA256 2022 CA1
      expirationDate: "2027-05-28T20:00:00+00:00"
      hostNames: [www.erp.example.com]
thumbprint:
  description: Thumbprint of the certificate bound to the hostname.
  returned: when the certificate exists (or, in check mode, already existed)
  type: str
  sample: 5E1F3C0E9A4B7D2C8F6A1B3D5E7F9A0B2C4D6E8F
expiration_date:
  description: When the certificate expires (C(expirationDate)); managed certificates renew by themselves.
  returned: when the certificate exists
  type: str
  sample: "2027-05-28T20:00:00+00:00"
issuer:
  description: Issuer of the certificate.
  returned: when the certificate exists
  type: str
  sample: GeoTrust Global TLS RSA4096 SHA256 2022 CA1
hostname_binding:
  description: The hostname binding after the change (C(sslState), C(thumbprint)).
  returned: with O(hostname)
  type: dict
  sample:
    name: erp-supermarket-prod/www.erp.example.com
    properties: {sslState: SniEnabled, thumbprint: 5E1F3C0E9A4B7D2C8F6A1B3D5E7F9A0B2C4D6E8F}
operation:
  description: The pending certificate issuance when O(wait=false); the SNI binding is made by a later run once it is done.
  returned: when a managed certificate was requested and not awaited
  type: dict
per_resource:
  description:
    - With O(certificates), one result per hostname in order, with its C(name) (the hostname), C(changed), C(certificate),
      C(hostname_binding), C(diff), and C(thumbprint), C(expiration_date), C(issuer) and C(operation) as above.
  returned: with O(certificates)
  type: list
  elements: dict
  sample:
    - name: www.erp.example.com
      changed: false
      certificate: {name: www.erp.example.com, properties: {thumbprint: 5E1F3C0E9A4B7D2C8F6A1B3D5E7F9A0B2C4D6E8F}}
      hostname_binding: {name: erp-supermarket-prod/www.erp.example.com, properties: {sslState: SniEnabled}}
      thumbprint: 5E1F3C0E9A4B7D2C8F6A1B3D5E7F9A0B2C4D6E8F
      expiration_date: "2027-05-28T20:00:00+00:00"
      issuer: GeoTrust Global TLS RSA4096 SHA256 2022 CA1
      diff: {}
"""

import base64

from ansible_collections.erpops.azure.plugins.module_utils import reconcile
from ansible_collections.erpops.azure.plugins.module_utils.module import KNOWN_AFTER_CREATE, AzureModule, parameter_sets, per_resource_result

API_VERSION = "2024-11-01"
TAGS_API_VERSION = "2021-04-01"
SECRET_KEYS = ("pfxBlob", "password")


def covers(names, host):
    for name in names or []:
        name = name.lower()
        if name == host or (name.startswith("*.") and host.endswith(name[1:]) and "." not in host[:-len(name) + 1]):
            return True
    return False


PER_CERTIFICATE = dict(
    hostname=dict(type="str"),
    name=dict(type="str"),
    source=dict(type="str", choices=["managed", "key_vault", "pfx"]),
    key_vault_id=dict(type="str"),
    key_vault_secret_name=dict(type="str"),
    tags=dict(type="dict"),
    purge_tags=dict(type="bool"),
    state=dict(type="str", choices=["present", "absent"]),
    hostname_binding=dict(type="dict"),
)


def main():
    spec = dict(PER_CERTIFICATE, resource_group=dict(type="str", required=True), web_app=dict(type="str", required=True), slot=dict(type="str"),
                certificates=dict(type="list", elements="dict"), pfx_path=dict(type="path"), pfx_blob=dict(type="str", no_log=True),
                password=dict(type="str", no_log=True))
    spec["source"] = dict(type="str", default="managed", choices=["managed", "key_vault", "pfx"])
    spec["purge_tags"] = dict(type="bool", default=True)
    spec["state"] = dict(type="str", default="present", choices=["present", "absent"])
    az = AzureModule(spec, wait=True, mutually_exclusive=[("pfx_path", "pfx_blob"), ("hostname", "certificates")],
                     required_one_of=[("hostname", "certificates")],
                     required_if=[("source", "key_vault", ("key_vault_id", "key_vault_secret_name")), ("source", "pfx", ("pfx_path", "pfx_blob"), True)])
    p = az.params
    sets = parameter_sets(az, "certificates", PER_CERTIFICATE, required=("hostname",))
    site_name = p["web_app"] + ("(%s)" % p["slot"] if p["slot"] else "")
    # Each element's source needs its own options: what required_if checks for a single hostname, in its words, before any request.
    for index, q in enumerate(sets):
        where = "" if p["certificates"] is None else "certificates[%d] (%s): " % (index, q["hostname"])
        missing = [k for k in ("key_vault_id", "key_vault_secret_name") if not q[k]]
        if q["source"] == "key_vault" and missing:
            az.fail("%ssource is key_vault but all of the following are missing: %s" % (where, ", ".join(missing)))
        if q["source"] == "pfx" and not (p["pfx_path"] or p["pfx_blob"]):
            az.fail("%ssource is pfx but any of the following are missing: pfx_path, pfx_blob (the task's options)" % where)
        host = q["hostname"].lower().rstrip(".")
        given = q["hostname_binding"]
        if given is not None and not str(given.get("id") or "").lower().endswith("/hostnamebindings/" + host):
            az.fail("%shostname_binding must be the binding of %s as Azure returned it (its id ending with /hostNameBindings/%s), not %s"
                    % (where, host, host, given.get("id") or given.get("name")))
    sites = {}

    def redacted(doc):
        return reconcile.redact(doc, secret_keys=SECRET_KEYS) if doc else {}

    def pfx_blob():
        if p["pfx_blob"]:
            return p["pfx_blob"]
        try:
            with open(p["pfx_path"], "rb") as handle:
                return base64.b64encode(handle.read()).decode("ascii")
        except (IOError, OSError) as exc:
            az.fail("pfx_path %s cannot be read: %s" % (p["pfx_path"], exc))
        return None

    def read_site(paths):
        """The app (its plan and region), read once for all the hostnames, or outside check mode an error when it is
        missing; in check mode a planned one."""
        if "site" in sites:
            return sites["site"]
        site = az.arm.get(paths["site"], API_VERSION)
        if site is None:
            what = p["web_app"] + (" slot %s" % p["slot"] if p["slot"] else "")
            az.parent_missing("web app %s not found in resource group %s" % (what, p["resource_group"]))
            # Check mode: the app is only planned (its host name binding too); the certificate goes in its region, on its plan.
            site = {"planned": True, "location": az.resource_group_location(p["resource_group"]),
                    "properties": {"serverFarmId": KNOWN_AFTER_CREATE}}
        sites["site"] = site
        return site

    def secure(q):
        host = q["hostname"].lower().rstrip(".")
        cert_name = q["name"] or host
        sub_rg = "/subscriptions/%s/resourceGroups/%s/providers/Microsoft.Web" % (az.subscription_id, p["resource_group"])
        paths = {"site": "%s/sites/%s" % (sub_rg, p["web_app"]) + ("/slots/%s" % p["slot"] if p["slot"] else "")}
        paths["binding"] = "%s/hostNameBindings/%s" % (paths["site"], host)
        paths["cert"] = "%s/certificates/%s" % (sub_rg, cert_name)

        def planned_binding():
            # Check mode: the binding is only planned (erpops.azure.web_app_hostname predicts it), without TLS yet.
            return {"id": paths["binding"], "name": host, "planned": True,
                    "properties": {"siteName": site_name, "hostNameType": "Verified", "sslState": "Disabled"}}

        def read_binding(site):
            """The hostname binding (the one given, else read), or outside check mode an error naming what is missing (the
            app, read only then, or the binding) before any write; in check mode a planned one."""
            if site is not None and site.get("planned"):
                return planned_binding()
            if q["hostname_binding"] is not None:
                return dict(q["hostname_binding"])
            binding = az.arm.get(paths["binding"], API_VERSION)
            if binding is None:
                if site is None and read_site(paths).get("planned"):
                    return planned_binding()
                az.parent_missing("hostname %s is not bound to web app %s; bind it first with erpops.azure.web_app_hostname" % (host, site_name))
                binding = planned_binding()
            return binding

        def absent(cert):
            binding = az.arm.get(paths["binding"], API_VERSION)
            bprops = (binding or {}).get("properties") or {}
            before = {"certificate": redacted(cert), "hostname_binding": binding or {}}
            if not any(before.values()):
                before = {}
            changed = False
            after_binding = binding or {}
            if binding is not None and str(bprops.get("sslState") or "Disabled") != "Disabled":
                changed = True
                after_binding = reconcile.merge(binding, {"properties": {"sslState": "Disabled", "thumbprint": ""}})
                if not az.check_mode:
                    # The SNI binding first: Azure refuses to delete a certificate in use (409 Conflict).
                    _status, _hdrs, after_binding = az.arm.request("PUT", paths["binding"], API_VERSION, expect=(200, 201), body={
                        "properties": {"siteName": site_name, "sslState": "Disabled"}})
            if cert is not None:
                changed = True
                if not az.check_mode:
                    az.arm.request("DELETE", paths["cert"], API_VERSION, expect=(200, 204))
            after = {"certificate": {}, "hostname_binding": after_binding}
            return dict(changed=changed, certificate={}, hostname_binding=after_binding, diff={"before": before, "after": after})

        def retag(cert, tags):
            """Tags of an existing certificate, with the Tags API: a certificate's update (PATCH) carries none."""
            predicted = dict(cert, tags=tags)
            if az.check_mode:
                return predicted
            op = az.arm.start("PATCH", paths["cert"] + "/providers/Microsoft.Resources/tags/default", TAGS_API_VERSION,
                              body={"operation": "Replace", "properties": {"tags": tags}})
            done = az.arm.wait(op, p["wait_timeout"]) or {}
            written = (done.get("properties") or {}).get("tags")
            return dict(cert, tags=written if isinstance(written, dict) else tags)

        if host.startswith("*") and q["source"] == "managed":
            az.fail("source=managed cannot secure the wildcard hostname %s; use source=key_vault or source=pfx" % host)
        blob = pfx_blob() if q["source"] == "pfx" and q["state"] == "present" else None
        # Reads: the certificate; then, to keep it, its binding (unless given); only to create it, the app (its plan and region) first.
        cert = az.arm.get(paths["cert"], API_VERSION)
        if q["state"] == "absent":
            return absent(cert)

        cprops = (cert or {}).get("properties") or {}
        usable = cert is not None and cprops.get("thumbprint") and cprops.get("valid") is not False and covers(cprops.get("hostNames"), host)
        if cert is not None and not usable and q["source"] == "managed" and str(cprops.get("canonicalName") or "").lower() != host:
            az.fail("certificate %s exists but does not cover %s (it covers %s); choose another name" % (cert_name, host, cprops.get("hostNames")))
        site = None if usable else read_site(paths)
        binding = read_binding(site)
        bprops = binding.get("properties") or {}
        before = {"certificate": redacted(cert), "hostname_binding": binding if not binding.get("planned") else {}}
        if not any(before.values()):
            before = {}  # nothing exists yet: a creation
        binding = dict((k, v) for k, v in binding.items() if k != "planned")
        tags = reconcile.tags_wanted((cert or {}).get("tags"), q["tags"], q["purge_tags"])

        changed = False
        op = None
        if usable and tags is not None and tags != (cert.get("tags") or {}):
            changed = True
            cert = retag(cert, tags)
        if not usable:
            changed = True
            if q["source"] == "managed":
                # An App Service Managed Certificate: canonicalName + serverFarmId, and an empty password (REST spec example
                # "Create Or Update Certificate"; Microsoft Learn "Add and manage TLS/SSL certificates").
                body_props = {"canonicalName": host, "serverFarmId": site["properties"].get("serverFarmId"), "password": ""}
            elif q["source"] == "key_vault":
                body_props = {"keyVaultId": q["key_vault_id"], "keyVaultSecretName": q["key_vault_secret_name"], "password": ""}
            else:
                body_props = {"pfxBlob": blob, "password": p["password"] or ""}
            body = {"location": site["location"], "properties": body_props}
            if tags is not None or cert is not None:
                body["tags"] = tags if tags is not None else cert.get("tags") or {}
            if az.check_mode:
                cert = reconcile.merge(cert or {"id": paths["cert"], "name": cert_name, "type": "Microsoft.Web/certificates"}, body)
                if "tags" in body:
                    cert["tags"] = body["tags"]
            else:
                # Managed certificates: the service answers 202 + Location although the spec says 200
                # (azure-rest-api-specs#25620, #27962): ArmClient follows the Location until its final 200.
                op = az.arm.start("PUT", paths["cert"], API_VERSION, body=body)
                if p["wait"]:
                    az.arm.wait(op, p["wait_timeout"])
                    op = None
                    cert = az.arm.get(paths["cert"], API_VERSION)
                else:
                    cert = op.get("result") or cert
                    if not op.get("done"):
                        return dict(changed=True, certificate=redacted(cert), hostname_binding=binding, operation=op,
                                    diff={"before": before, "after": {"certificate": redacted(cert), "hostname_binding": binding}})
                    op = None
                cprops = (cert or {}).get("properties") or {}
                if not cprops.get("thumbprint"):
                    az.fail("certificate %s has no thumbprint yet (Key Vault secret status %s); run again once Azure has read it"
                            % (cert_name, cprops.get("keyVaultSecretStatus")))
        cprops = (cert or {}).get("properties") or {}
        thumb = cprops.get("thumbprint")
        after_binding = binding
        if str(bprops.get("sslState")) != "SniEnabled" or (thumb and str(bprops.get("thumbprint") or "").upper() != str(thumb).upper()):
            changed = True
            after_binding = reconcile.merge(binding, {"properties": {"sslState": "SniEnabled", "thumbprint": thumb or KNOWN_AFTER_CREATE}})
            if not az.check_mode:
                _status, _hdrs, after_binding = az.arm.request("PUT", paths["binding"], API_VERSION, expect=(200, 201), body={
                    "properties": {"siteName": site_name, "sslState": "SniEnabled", "thumbprint": thumb}})
        result = dict(changed=changed, certificate=redacted(cert), hostname_binding=after_binding,
                      diff={"before": before, "after": {"certificate": redacted(cert), "hostname_binding": after_binding}})
        if thumb:
            result.update(thumbprint=thumb, expiration_date=cprops.get("expirationDate"), issuer=cprops.get("issuer"))
        return result

    def run():
        if p["certificates"] is None:
            return secure(p)
        return per_resource_result([(q["hostname"].lower().rstrip("."), secure(q)) for q in sets])

    az.run(run)


if __name__ == "__main__":
    main()
