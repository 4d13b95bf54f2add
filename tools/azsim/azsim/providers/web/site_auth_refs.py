"""What an audit reads of a site's (or slot's) configuration beyond ``config/web``: the Key Vault references among its app
settings with their resolution status (``config/configreferences/appsettings``; azure-mgmt-web
``get_app_settings_key_vault_references`` / ``get_app_setting_key_vault_reference``) and App Service authentication
(``config/authsettingsV2``: GET without secrets, PUT, GET ``list`` with secrets; ``get_auth_settings_v2_without_secrets``,
``update_auth_settings_v2``, ``get_auth_settings_v2``).

Sources: azure-rest-api-specs ``Microsoft.Web/AppService/stable/2025-05-01`` (``GetKeyVaultReferencesForAppSettings.json``: a
list of ApiKVReference under ``.../config/configreferences/appsettings/{setting}``, properties ``reference``, ``status``
(ResolveStatus: Initialized, Resolved, InvalidSyntax, MSINotEnabled, VaultNotFound, SecretNotFound, SecretVersionNotFound,
AccessToKeyVaultDenied, OtherReasons, FetchTimedOut, UnauthorizedClient), ``vaultName``, ``secretName``, ``secretVersion``,
``identityType``, ``details``, ``source`` KeyVault, ``activeVersion``); Learn "Use Key Vault references as app settings" (the
reference is resolved with ``keyVaultReferenceIdentity``, the system-assigned identity by default). The status comes from the
same checks the running app's resolution makes (:func:`..keyvault.reference_status`). authsettingsV2: SiteAuthSettingsV2
(``platform``, ``globalValidation``, ``identityProviders``, ``login``, ``httpSettings``); the values a site that never set it
reports (authentication off) are from memory of real answers, unverified.
"""

import copy

from ...core.errors import AzureError
from ...core.http import Response
from . import common, runtime
from .site_config import SITE, SLOT, config_resource

KV_PREFIX = "@microsoft.keyvault("
AUTH_DEFAULT = {
    "platform": {"enabled": False, "runtimeVersion": "~1"},
    "globalValidation": {"requireAuthentication": False, "unauthenticatedClientAction": "RedirectToLoginPage"},
    "identityProviders": {},
    "login": {"routes": {}, "tokenStore": {"enabled": False}, "preserveUrlFragmentsForLogins": False},
    "httpSettings": {"requireHttps": True, "routes": {"apiPrefix": "/.auth"}, "forwardProxy": {"convention": "NoProxy"}},
}


def register(app):
    h = Handlers(app)
    r = app.router
    for base in (SITE, SLOT):
        r.add("GET", base + "/config/configreferences/appsettings", h.list_refs, action="Microsoft.Web/sites/config/read")
        r.add("GET", base + "/config/configreferences/appsettings/{appSettingKey}", h.get_ref, action="Microsoft.Web/sites/config/read")
        r.add("GET", base + "/config/authsettingsV2", h.get_auth)
        r.add("PUT", base + "/config/authsettingsV2", h.put_auth)
        # WebApps_GetAuthSettingsV2 is a GET on ``.../authsettingsV2/list`` (the SDK's builder); the settings with their secrets
        # need the list action, as the other secret-bearing config reads do (unverified for this one).
        r.add("GET", base + "/config/authsettingsV2/list", h.list_auth, action="Microsoft.Web/sites/config/list/Action")


def _identity_type(doc):
    ref = doc["properties"].get("keyVaultReferenceIdentity") or "SystemAssigned"
    if ref.lower() == "systemassigned":
        return {"type": "SystemAssigned"}
    return {"type": "UserAssigned", "userAssignedIdentities": {ref: {}}}


class Handlers:
    def __init__(self, app):
        self.app = app

    def _site(self, sub, rg, name, slot=None):
        return common.get_site(self.app, sub, rg, name, slot)

    # -- Key Vault references ---------------------------------------------------------------------------
    def _refs(self, doc):
        from ..keyvault import reference_status
        oid = runtime.reference_principal(doc)
        out = []
        for key, value in (doc.get("_appSettings") or {}).items():
            if not isinstance(value, str) or not value.strip().lower().startswith(KV_PREFIX):
                continue
            status, details, vault, secret, version, active = reference_status(self.app, value.strip(), oid)
            props = {"reference": value, "status": status, "vaultName": vault, "secretName": secret, "secretVersion": version,
                     "identityType": _identity_type(doc), "details": details, "source": "KeyVault", "activeVersion": active}
            out.append({"id": f"{doc['id']}/config/configreferences/appsettings/{key}", "name": key,
                        "type": "Microsoft.Web/sites/config/configreferences", "properties": props})
        return out

    def list_refs(self, req, subscriptionId, resourceGroupName, name, slot=None):
        return self.app.page(req, self._refs(self._site(subscriptionId, resourceGroupName, name, slot)))

    def get_ref(self, req, subscriptionId, resourceGroupName, name, appSettingKey, slot=None):
        for ref in self._refs(self._site(subscriptionId, resourceGroupName, name, slot)):
            if ref["name"].lower() == appSettingKey.lower():
                return Response(200, ref)
        # An app setting that is not a Key Vault reference, or no such setting (text unverified).
        raise AzureError(404, "NotFound", f"No Key Vault reference found for app setting '{appSettingKey}'.")

    # -- authsettingsV2 ------------------------------------------------------------------------------------
    def _auth(self, doc):
        props = copy.deepcopy(doc.get("_authSettingsV2") or AUTH_DEFAULT)
        return config_resource(doc, "authsettingsV2", "Microsoft.Web/sites/config", props)

    def get_auth(self, req, subscriptionId, resourceGroupName, name, slot=None):
        return Response(200, self._auth(self._site(subscriptionId, resourceGroupName, name, slot)))

    def list_auth(self, req, subscriptionId, resourceGroupName, name, slot=None):
        return Response(200, self._auth(self._site(subscriptionId, resourceGroupName, name, slot)))

    def put_auth(self, req, subscriptionId, resourceGroupName, name, slot=None):
        body = req.json()
        props = body.get("properties") if isinstance(body, dict) else None
        if not isinstance(props, dict):
            raise AzureError(400, "InvalidRequestContent", "The request content was invalid and could not be deserialized: 'properties'.")
        doc = self._site(subscriptionId, resourceGroupName, name, slot)
        merged = copy.deepcopy(AUTH_DEFAULT)
        for k, v in props.items():
            if isinstance(v, dict) and isinstance(merged.get(k), dict):
                merged[k] = {**merged[k], **v}
            else:
                merged[k] = v
        doc["_authSettingsV2"] = merged
        common.save(self.app, doc)
        return Response(200, self._auth(doc))
