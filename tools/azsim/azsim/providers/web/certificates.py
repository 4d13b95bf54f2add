"""Microsoft.Web/certificates: PFX upload, Key Vault import and App Service Managed Certificates
(azure-mgmt-web CertificatesOperations; arm-web.md §4.6).

The certificate's PEM (chain + key) is kept privately in ``_pem`` so the front door can present it
for SNI-bound custom hostnames (:func:`.frontdoor.tls_context_for`).
"""

import base64
import datetime as _dt
import hashlib

from cryptography import x509
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.serialization import pkcs12
from cryptography.x509.oid import NameOID

from ...core import ids, locations, resource
from ...core.clock import iso
from ...core.errors import AzureError, WebError, not_found
from ...core.http import Response
from ..keyvault import secrets as kv_secrets
from . import common
from . import hostname_models as hm

RG = "/subscriptions/{subscriptionId}/resourceGroups/{resourceGroupName}/providers/Microsoft.Web/certificates"
SUB = "/subscriptions/{subscriptionId}/providers/Microsoft.Web/certificates"
ISSUE_HOOK = "web.certificate.managed.issue"
MANAGED_DAYS = 184  # about six months (Microsoft Learn, "Add and manage TLS/SSL certificates": managed certificates last 6 months)


def register(app):
    h = Handlers(app)
    r = app.router
    r.add("GET", SUB, h.list_sub, action="Microsoft.Web/certificates/read")
    r.add("GET", RG, h.list_rg, action="Microsoft.Web/certificates/read")
    r.add("GET", RG + "/{name}", h.get)
    r.add("PUT", RG + "/{name}", h.put)
    r.add("PATCH", RG + "/{name}", h.patch)
    r.add("DELETE", RG + "/{name}", h.delete)
    app.lro.register(ISSUE_HOOK, h.issue_managed)


def thumbprint_of(cert):
    """SHA-1 of the DER encoding, 40 upper-case hex characters (what Windows and App Service show)."""
    return hashlib.sha1(cert.public_bytes(serialization.Encoding.DER)).hexdigest().upper()  # noqa: S324 - a thumbprint, not security


def _cn(name):
    attrs = name.get_attributes_for_oid(NameOID.COMMON_NAME)
    return attrs[0].value if attrs else name.rfc4514_string()


def describe(cert):
    """The read-only properties App Service derives from an X.509 certificate.  Spec example
    Certificates_Get: ``subjectName``/``issuer`` carry the CN value, ``hostNames`` the DNS names."""
    try:
        sans = cert.extensions.get_extension_for_class(x509.SubjectAlternativeName).value.get_values_for_type(x509.DNSName)
    except x509.ExtensionNotFound:
        sans = []
    start = cert.not_valid_before_utc.timestamp()
    end = cert.not_valid_after_utc.timestamp()
    now = _dt.datetime.now(_dt.UTC).timestamp()
    return {"friendlyName": "", "subjectName": _cn(cert.subject), "hostNames": list(sans) or [_cn(cert.subject)], "issuer": _cn(cert.issuer),
            "issueDate": iso(start), "expirationDate": iso(end), "thumbprint": thumbprint_of(cert), "valid": start <= now <= end}


class Handlers:
    def __init__(self, app):
        self.app = app

    def _id(self, sub, rg, name):
        return resource.provider_id(sub, rg, "Microsoft.Web", "certificates", name)

    # -- reads ---------------------------------------------------------------------------------
    def list_sub(self, req, subscriptionId):
        items = [resource.public(d) for d in resource.tracked_in(self.app, subscriptionId) if d.get("type") == hm.CERT_TYPE]
        return self.app.page(req, items)

    def list_rg(self, req, subscriptionId, resourceGroupName):
        return self.app.page(req, [resource.public(d) for d in hm.certificates_in(self.app, subscriptionId, resourceGroupName)])

    def _get(self, sub, rg, name):
        doc = resource.get(self.app, self._id(sub, rg, name))
        if doc is None:
            raise not_found("Microsoft.Web/certificates", name, rg)
        return doc

    def get(self, req, subscriptionId, resourceGroupName, name):
        return Response(200, resource.public(self._get(subscriptionId, resourceGroupName, name)))

    # -- writes --------------------------------------------------------------------------------
    def put(self, req, subscriptionId, resourceGroupName, name):
        app = self.app
        body = req.json()
        if not isinstance(body, dict) or not isinstance(body.get("properties") or {}, dict):
            raise AzureError(400, "InvalidRequestContent", "The request content was invalid and could not be deserialized: 'expected an object'.")
        if not body.get("location"):
            # ARM's check for tracked resources [MEM, arm-web.md §1.2 style].
            raise AzureError(400, "LocationRequired", "The location property is required for this definition.")
        region = locations.normalize(body["location"])
        if region is None:
            raise AzureError(400, "LocationNotAvailableForResourceType",
                             f"The provided location '{body['location']}' is not available for resource type 'Microsoft.Web/certificates'.")
        if name.endswith((" ", ".")) or "/" in name:
            # Naming rules (Microsoft Learn, "Resource naming rules": certificates, anything but '/', not ending in space or period).
            raise AzureError(400, "InvalidResourceName", f"The resource name '{name}' is invalid.")  # text unverified
        rid = self._id(subscriptionId, resourceGroupName, name)
        existing = resource.get(app, rid)
        if existing is not None and locations.normalize(existing["location"]) != region:
            # ARM's answer for a same-named resource in another region (sjkp/letsencrypt-siteextension#46).
            raise AzureError(409, "InvalidResourceLocation", f"The resource '{name}' already exists in location '{existing['location']}' in resource "
                             f"group '{resourceGroupName}'. A resource with the same name cannot be created in location '{body['location']}'. "
                             "Please select a new resource name.")
        props = body.get("properties") or {}
        tags = resource.validate_tags(body.get("tags"))
        base = {"id": rid, "name": name, "type": hm.CERT_TYPE, "location": locations.display(region), "tags": tags,
                "properties": {"friendlyName": "", "subjectName": None, "hostNames": props.get("hostNames") or [], "pfxBlob": None, "siteName": None,
                               "selfLink": None, "issuer": None, "issueDate": None, "expirationDate": None, "thumbprint": None, "valid": None,
                               "cerBlob": None, "publicKeyHash": None, "hostingEnvironmentProfile": None, "keyVaultId": None,
                               "keyVaultSecretName": None, "keyVaultSecretStatus": "Initialized", "serverFarmId": props.get("serverFarmId"),
                               "canonicalName": None, "domainValidationMethod": props.get("domainValidationMethod")}}
        if props.get("pfxBlob"):
            doc = self._pfx(base, props, subscriptionId, resourceGroupName, region)
        elif props.get("keyVaultId"):
            doc = self._key_vault(base, props, subscriptionId, resourceGroupName, region)
        elif props.get("canonicalName"):
            if existing is not None and existing["properties"].get("canonicalName") == str(props["canonicalName"]).lower():
                existing["tags"] = tags
                resource.put(app, existing)
                return Response(200, resource.public(existing))
            return self._managed(req, base, props, subscriptionId, resourceGroupName, region)
        else:
            raise WebError(400, "BadRequest", "A certificate needs one of Properties.PfxBlob, Properties.KeyVaultId or Properties.CanonicalName.",  # unverified
                           None, "A certificate needs one of {0}.", ["Properties.PfxBlob, Properties.KeyVaultId, Properties.CanonicalName"])
        resource.put(app, doc)
        return Response(200, resource.public(doc))

    def _pfx(self, doc, props, sub, rg, region):
        try:
            blob = base64.b64decode(props["pfxBlob"], validate=True)
        except (ValueError, TypeError):
            raise AzureError(400, "InvalidRequestContent",
                             "The request content was invalid and could not be deserialized: 'Invalid length for a Base-64 char array or string.'.") from None
        return self._load_pfx(doc, blob, props.get("password") or "", sub, rg, region)

    def _load_pfx(self, doc, blob, password, sub, rg, region):
        """Fill ``doc`` from a PFX (shared by pfxBlob uploads and Key Vault imports)."""
        try:
            key, cert, extra = pkcs12.load_key_and_certificates(blob, password.encode() if password else None)
        except ValueError:
            # A wrong password and a corrupt blob look the same to the loader; the service reports the
            # Windows CryptographicException text (unverified).
            raise WebError(400, "BadRequest", "The specified network password is not correct.", None,
                           "The specified network password is not correct.", []) from None
        if cert is None or key is None:
            raise WebError(400, "BadRequest", "The certificate must contain a private key.", None,  # unverified (App Service needs the key for TLS)
                           "The certificate must contain a private key.", [])
        info = describe(cert)
        for other in hm.certificates_in(self.app, sub, rg):
            same = (other["properties"].get("thumbprint") or "") == info["thumbprint"]
            if same and other["id"].lower() != doc["id"].lower() and locations.normalize(other["location"]) == region:
                # [MEM] one certificate per thumbprint per webspace; text unverified.
                raise WebError(409, "Conflict", f"Another certificate exists with same thumbprint {info['thumbprint']} at location "
                               f"{other['location']} in the Resource Group {rg}.", None,
                               "Another certificate exists with same thumbprint {0} at location {1} in the Resource Group {2}.",
                               [info["thumbprint"], other["location"], rg])
        chain = cert.public_bytes(serialization.Encoding.PEM) + b"".join(c.public_bytes(serialization.Encoding.PEM) for c in extra or [])
        key_pem = key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption())
        doc["properties"].update(info)
        doc["_pem"] = (key_pem + chain).decode()
        return doc

    def _key_vault(self, doc, props, sub, rg, region):
        """Import a certificate from a Key Vault secret (Microsoft Learn, "Add and manage TLS/SSL certificates in Azure App
        Service", section "Import a certificate from Key Vault"): the secret's latest version holds a password-less PFX,
        base64-encoded (content type application/x-pkcs12).  App Service reads it with its own service principal
        (Microsoft.Azure.WebSites, which needs "Key Vault Secrets User" or a "get" secret permission); azsim treats that
        resource provider as always allowed and does not check its role assignment or access policy.  Once read, the
        certificate carries the PFX's thumbprint, names and dates and ``keyVaultSecretStatus`` is ``Succeeded``; a missing
        vault gives ``KeyVaultDoesNotExist`` and a missing secret ``KeyVaultSecretDoesNotExist`` (KeyVaultSecretStatus enum,
        azure-mgmt-web), with no thumbprint."""
        kv = str(props["keyVaultId"])
        parsed = ids.parse(kv)
        if not parsed or not parsed["types"] or parsed["types"][0][0].lower() != "vaults":
            raise WebError(400, "BadRequest", f"The parameter KeyVaultId has an invalid value '{kv}'.", None,  # unverified
                           "The parameter {0} has an invalid value '{1}'.", ["KeyVaultId", kv])
        secret_name = props.get("keyVaultSecretName")
        for k in ("friendlyName", "subjectName", "issuer", "issueDate", "expirationDate", "thumbprint", "valid"):
            doc["properties"][k] = "" if k == "friendlyName" else None
        doc.pop("_pem", None)
        doc["properties"].update({"keyVaultId": kv, "keyVaultSecretName": secret_name})
        vault = resource.get(self.app, kv)
        if vault is None or vault["properties"].get("provisioningState") != "Succeeded":
            doc["properties"]["keyVaultSecretStatus"] = "KeyVaultDoesNotExist"
            return doc
        try:
            value = kv_secrets.get_secret(self.app, resource.public(vault), str(secret_name or ""), None)["value"]
        except kv_secrets.KvError as err:
            # 404: no such (or a soft-deleted) secret; 403: a disabled secret, which App Service cannot read (status unverified).
            doc["properties"]["keyVaultSecretStatus"] = "KeyVaultSecretDoesNotExist" if err.status == 404 else "OperationNotPermittedOnKeyVault"
            return doc
        try:
            blob = base64.b64decode(value, validate=True)
        except (ValueError, TypeError):
            blob = b""  # not base64: refused like an unreadable PFX below
        self._load_pfx(doc, blob, "", sub, rg, region)
        doc["properties"]["keyVaultSecretStatus"] = "Succeeded"
        return doc

    # -- App Service Managed Certificates ----------------------------------------------------------
    def _managed(self, req, doc, props, sub, rg, region):
        app = self.app
        host = str(props["canonicalName"]).lower().rstrip(".")
        farm = props.get("serverFarmId")
        plan = resource.get(app, farm) if isinstance(farm, str) and farm.startswith("/") else None
        if plan is None:
            plan_name = str(farm or "").rstrip("/").rsplit("/", 1)[-1]
            raise WebError(404, "NotFound", f"Server farm with name {plan_name} not found.", None,  # arm-web.md §3.4 [MEM]
                           "Server farm with name {0} not found.", [plan_name])
        tier = plan["sku"]["tier"]
        if not common.tier_limits(tier)["sni"]:
            # Basic+ only (Microsoft Learn, "Add and manage TLS/SSL certificates", free managed certificate); az CLI's client text.
            raise WebError(400, "BadRequest", "Managed Certificate is not supported for Free and Shared sku.", None,
                           "Managed Certificate is not supported for Free and Shared sku.", [])
        if host.startswith("*") or "*" in host:
            # No wildcard managed certificates (same Microsoft Learn page); text unverified.
            raise WebError(400, "BadRequest", f"Properties.CanonicalName is invalid. Wildcard hostname {host} is not supported for "
                           "App Service Managed Certificates.", None, "Properties.CanonicalName is invalid.", [])
        owner = hm.owner_of(app, host)
        if owner is None or not ids.same(owner["properties"].get("serverFarmId"), farm) or host.endswith("." + common.DEFAULT_DOMAIN):
            # arm-web.md §4.6 [MEM]; text unverified.
            raise WebError(400, "BadRequest", f"Properties.CanonicalName is invalid. Canonical name {host} is not a hostname bound to an app "
                           f"in the App Service plan {plan['name']}.", None, "Properties.CanonicalName is invalid.", [])
        if hm.routing_record(app, owner, host) is None or not hm.caa_allows(app, host):
            # DigiCert validates public DNS (CNAME, or A + HTTP token for apex) and CAA; text seen in
            # public reports (arm-web.md §4.6 [OBS]).
            raise WebError(400, "BadRequest", f"Properties.CanonicalName is invalid. Certificate creation failed unexpectedly for canonical "
                           f"name {host}.", None, "Properties.CanonicalName is invalid. Certificate creation failed unexpectedly for canonical name {0}.",
                           [host])
        for other in hm.certificates_in(app, sub, rg):
            if other["properties"].get("canonicalName") == host and other["id"].lower() != doc["id"].lower():
                # At most one free certificate per custom domain (Microsoft Learn); text unverified.
                raise WebError(409, "Conflict", f"A managed certificate for {host} already exists: {other['name']}.", None,
                               "A managed certificate for {0} already exists.", [host])
        path = f"{resource.rg_id(sub, rg)}/providers/Microsoft.Web/certificates/{doc['name']}/operationresults"
        pending = app.lro.pending_for(doc["id"])
        if pending:
            op = pending[0]
        else:
            doc["properties"].update({"canonicalName": host, "serverFarmId": farm, "hostNames": [host]})
            op = app.lro.create(req, namespace="Microsoft.Web", location=region, duration_key="web.certificate.managed", on_done=ISSUE_HOOK,
                                args={"doc": doc}, resource_id=doc["id"], poll_hint=5)
        # The real service answers 202 + Location although the spec says 200 (azure-rest-api-specs #25620,
        # #27962, #31421 "final-state-via location"; azure-sdk-for-python#34395: the SDK raises on it).
        # The RBAC catalogue lists microsoft.web/certificates/operationresults/read for this Location.
        return app.lro.accepted(req, op, status=202, async_header=False, result_path=f"{path}/{op['id']}")

    def issue_managed(self, op):
        """LRO hook: DigiCert's issuance is done; store the certificate (issued by azsim's CA so the
        front door can present it) and make it the Location's final 200 body."""
        app = self.app
        doc = op["args"]["doc"]
        parsed = ids.parse(doc["id"])
        if app.store.peek("resourceGroups", resource.rg_id(parsed["subscription"], parsed["resource_group"]).lower()) is None:
            raise AzureError(404, "ResourceGroupNotFound", f"Resource group '{parsed['resource_group']}' could not be found.")
        host = doc["properties"]["canonicalName"]
        cert_pem, key_pem, cert = app.ca.issue([host], days=MANAGED_DAYS)
        doc["properties"].update(describe(cert))
        doc["properties"].update({"keyVaultId": None, "keyVaultSecretName": None, "hostNames": [host]})
        doc["_pem"] = (key_pem + cert_pem).decode()
        resource.put(app, doc)
        return {"status": 200, "body": resource.public(doc)}

    def patch(self, req, subscriptionId, resourceGroupName, name):
        doc = self._get(subscriptionId, resourceGroupName, name)
        body = req.json()
        if not isinstance(body, dict):
            raise AzureError(400, "InvalidRequestContent", "The request content was invalid and could not be deserialized: 'expected an object'.")
        if "tags" in body:
            doc["tags"] = resource.validate_tags(body.get("tags"))
        props = body.get("properties") or {}
        if doc["properties"].get("keyVaultId") and props.get("keyVaultId"):
            self._key_vault(doc, {**props, "keyVaultSecretName": props.get("keyVaultSecretName", doc["properties"].get("keyVaultSecretName"))},
                            subscriptionId, resourceGroupName, locations.normalize(doc["location"]))
        resource.put(self.app, doc)
        return Response(200, resource.public(doc))

    def delete(self, req, subscriptionId, resourceGroupName, name):
        app = self.app
        doc = resource.get(app, self._id(subscriptionId, resourceGroupName, name))
        if doc is None:
            return Response(204)
        thumb = doc["properties"].get("thumbprint")
        if thumb:
            used = hm.sni_bindings_using(app, subscriptionId, resourceGroupName, locations.normalize(doc["location"]), thumb)
            if used:
                # Observed text (MarcStan/lets-encrypt-azure#7): 409 while an SSL binding uses the certificate.
                raise WebError(409, "Conflict", f"Cannot remove certificate with thumbprint {thumb} because it is used for hostname {used[0]}.",
                               None, "Cannot remove certificate with thumbprint {0} because it is used for hostname {1}.", [thumb, used[0]])
        resource.delete_tree(app, doc["id"])
        return Response(200)
