"""HTTP handlers of a site's (or slot's) configuration: ``config/web``, ``config/appsettings``,
``config/connectionstrings``, ``config/slotConfigNames``, the ``config`` list and
``config/publishingcredentials/list``.

Codes from the SDK (arm-web-ops-2025-05-01.tsv): all 200.  ``config/appsettings`` and
``config/connectionstrings`` have no GET (the SDK reads them with POST ``.../list``); a GET gets
ARM's 405 because only the method differs (arm-web.md §4.2).
"""

from ...core import resource
from ...core.errors import AzureError
from ...core.http import Response
from . import common, config_model, sites, sites_model

SITE = "/subscriptions/{subscriptionId}/resourceGroups/{resourceGroupName}/providers/Microsoft.Web/sites/{name}"
SLOT = SITE + "/slots/{slot}"


def register(app):
    h = Handlers(app)
    r = app.router
    for base in (SITE, SLOT):
        r.add("GET", base + "/config", h.list_configs)
        r.add("GET", base + "/config/web", h.get_web)
        r.add(["PUT", "PATCH"], base + "/config/web", h.put_web)
        r.add("PUT", base + "/config/appsettings", h.put_app_settings)
        r.add("POST", base + "/config/appsettings/list", h.list_app_settings)
        r.add("PUT", base + "/config/connectionstrings", h.put_connection_strings)
        r.add("POST", base + "/config/connectionstrings/list", h.list_connection_strings)
        r.add("POST", base + "/config/publishingcredentials/list", h.publishing_credentials)
    # Slot-sticky names exist on the production site only (SDK: no *_slot variant).
    r.add("GET", SITE + "/config/slotConfigNames", h.get_slot_config_names)
    r.add("PUT", SITE + "/config/slotConfigNames", h.put_slot_config_names)


def config_resource(doc, name, rtype, props):
    """A ``ProxyOnlyResource`` under a site: ``config/web`` is named after the site, the others after
    themselves (arm-web.md §4.1/§4.2; location is the display name)."""
    return {"id": f"{doc['id']}/config/{name}", "name": name, "type": rtype, "location": doc["location"], "properties": props}


class Handlers:
    def __init__(self, app):
        self.app = app

    def _site(self, sub, rg, name, slot=None):
        return common.get_site(self.app, sub, rg, name, slot)

    def _plan(self, doc):
        return resource.get(self.app, doc["properties"]["serverFarmId"])

    def _web(self, doc):
        out = config_resource(doc, "web", "Microsoft.Web/sites/config", config_model.full(doc, self._plan(doc)))
        out["name"] = doc["name"].split("/")[0]
        out["properties"]["appSettings"] = None
        out["properties"]["connectionStrings"] = None
        return out

    # -- config/web -------------------------------------------------------------------------------
    def list_configs(self, req, subscriptionId, resourceGroupName, name, slot=None):
        doc = self._site(subscriptionId, resourceGroupName, name, slot)
        return self.app.page(req, [self._web(doc)])

    def get_web(self, req, subscriptionId, resourceGroupName, name, slot=None):
        return Response(200, self._web(self._site(subscriptionId, resourceGroupName, name, slot)))

    def put_web(self, req, subscriptionId, resourceGroupName, name, slot=None):
        """PUT and PATCH both merge what is sent into the stored SiteConfig (arm-web.md §1.5: PATCH
        merges, PUT replaces the fields it sends); ``numberOfWorkers`` here changes the plan's scale
        only through the plan, so it is recorded but the answer follows the plan."""
        body = req.json()
        if not isinstance(body, dict):
            raise AzureError(400, "InvalidRequestContent", "The request content was invalid and could not be deserialized: 'expected an object'.")
        doc = self._site(subscriptionId, resourceGroupName, name, slot)
        config_model.merge(doc, body.get("properties") or {}, self._plan(doc))
        common.save(self.app, doc)
        return Response(200, self._web(doc))

    # -- app settings -----------------------------------------------------------------------------
    def _app_settings(self, doc):
        return config_resource(doc, "appsettings", "Microsoft.Web/sites/config", dict(doc.get("_appSettings") or {}))

    def put_app_settings(self, req, subscriptionId, resourceGroupName, name, slot=None):
        """Full replace: keys not sent are deleted (arm-web.md §4.2). Nothing else on the site changes."""
        body = req.json()
        doc = self._site(subscriptionId, resourceGroupName, name, slot)
        doc["_appSettings"] = config_model.validate_app_settings(body.get("properties"))
        common.save(self.app, doc)
        return Response(200, self._app_settings(doc))

    def list_app_settings(self, req, subscriptionId, resourceGroupName, name, slot=None):
        return Response(200, self._app_settings(self._site(subscriptionId, resourceGroupName, name, slot)))

    # -- connection strings -----------------------------------------------------------------------
    def _connection_strings(self, doc):
        return config_resource(doc, "connectionstrings", "Microsoft.Web/sites/config",
                               {k: dict(v) for k, v in (doc.get("_connectionStrings") or {}).items()})

    def put_connection_strings(self, req, subscriptionId, resourceGroupName, name, slot=None):
        body = req.json()
        doc = self._site(subscriptionId, resourceGroupName, name, slot)
        doc["_connectionStrings"] = config_model.validate_connection_strings(body.get("properties"))
        common.save(self.app, doc)
        return Response(200, self._connection_strings(doc))

    def list_connection_strings(self, req, subscriptionId, resourceGroupName, name, slot=None):
        return Response(200, self._connection_strings(self._site(subscriptionId, resourceGroupName, name, slot)))

    # -- slot-sticky names ------------------------------------------------------------------------
    def _names(self, doc):
        names = doc.get("_slotConfigNames") or {}
        out = config_resource(doc, "slotConfigNames", "Microsoft.Web/sites/config",
                              {k: names.get(k) for k in ("appSettingNames", "connectionStringNames", "azureStorageConfigNames")})
        out["name"] = doc["name"]
        return out

    def get_slot_config_names(self, req, subscriptionId, resourceGroupName, name):
        return Response(200, self._names(self._site(subscriptionId, resourceGroupName, name)))

    def put_slot_config_names(self, req, subscriptionId, resourceGroupName, name):
        body = req.json()
        doc = self._site(subscriptionId, resourceGroupName, name)
        props = body.get("properties") or {}
        cur = doc.get("_slotConfigNames") or {}
        for k in ("appSettingNames", "connectionStringNames", "azureStorageConfigNames"):
            v = props.get(k)
            if v is not None and (not isinstance(v, list) or not all(isinstance(x, str) for x in v)):
                raise AzureError(400, "InvalidRequestContent",
                                 f"The request content was invalid and could not be deserialized: '{k} must be an array of strings'.")
            cur[k] = list(v) if v is not None else None  # PUT replaces the whole record
        doc["_slotConfigNames"] = cur
        common.save(self.app, doc)
        return Response(200, self._names(doc))

    # -- publishing credentials -------------------------------------------------------------------
    def publishing_credentials(self, req, subscriptionId, resourceGroupName, name, slot=None):
        """The ``User`` resource (arm-web.md §4.9): ``$site`` user, password and the scm URI. The SDK
        wraps it in an LRO that accepts an immediate 200."""
        doc = self._site(subscriptionId, resourceGroupName, name, slot)
        pub = sites.publishing(doc)
        common.save(self.app, doc)
        scm = doc["properties"]["defaultHostName"].split(".")[0] + ".scm." + sites_model.DOMAIN
        return Response(200, {"id": f"{doc['id']}/config/publishingcredentials", "name": doc["name"].split("/")[-1],
                              "type": "Microsoft.Web/sites/config/publishingcredentials", "location": doc["location"],
                              "properties": {"name": None, "publishingUserName": pub["user"], "publishingPassword": pub["password"],
                                             "publishingPasswordHash": None, "publishingPasswordHashSalt": None,
                                             "scmUri": f"https://{pub['user']}:{pub['password']}@{scm}"}})
