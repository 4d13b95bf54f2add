"""Microsoft Defender for open-source relational databases on a flexible server: ``advancedThreatProtectionSettings/Default``
(azure-mgmt-postgresqlflexibleservers 3.0.0 ``server_threat_protection_settings`` / ``advanced_threat_protection_settings``).

Sources: azure-rest-api-specs ``Microsoft.DBforPostgreSQL/stable/2024-08-01`` examples ``ServerThreatProtectionSettingsGet.json``,
``...CreateOrUpdate.json`` and ``...ListByServer.json`` (one setting named ``Default``, type
``Microsoft.DBforPostgreSQL/flexibleServers/advancedThreatProtectionSettings``, properties ``state`` Enabled|Disabled and
``creationTime``; PUT 200/201/202 in 2024-08-01, only 202 in the version azure-mgmt-postgresqlflexibleservers 3.0.0 calls,
so azsim answers 202 with the provider's polling headers, like the other child resources); Learn "Enable Microsoft Defender for open-source relational
databases" (turning the plan on at subscription level, ``pricings/OpenSourceRelationalDatabases`` Standard, protects every
server of the subscription). A server never configured reports Disabled unless the plan is on (unverified: no example shows
an unconfigured server).
"""

from ...core.errors import AzureError
from ...core.http import Response
from . import models

TYPE = "Microsoft.DBforPostgreSQL/flexibleServers/advancedThreatProtectionSettings"
TABLE = "postgresql.threatProtection"
PLAN_KEY = "/subscriptions/{sub}/providers/microsoft.security/pricings/OpenSourceRelationalDatabases"


def register(app, server_route, server_of, accepted):
    h = Handlers(app, server_of, accepted)
    r = app.router
    base = server_route + "/advancedThreatProtectionSettings"
    r.add("GET", base, h.list)
    r.add("GET", base + "/{threatProtectionName}", h.get)
    r.add("PUT", base + "/{threatProtectionName}", h.put)


class Handlers:
    def __init__(self, app, server_of, accepted):
        self.app = app
        self.server_of = server_of
        self.accepted = accepted

    def _doc(self, server):
        sid = server["id"]
        stored = self.app.store.get(TABLE, sid + "/advancedthreatprotectionsettings/default")
        if stored is None:
            plan = self.app.store.get("security.pricings", PLAN_KEY.format(sub=self.app.identity.subscription_id))
            on = (plan or {}).get("pricingTier") == "Standard"
            stored = {"state": "Enabled" if on else "Disabled"}
            if on:
                stored["creationTime"] = plan.get("enablementTime")
        return {"id": f"{sid}/advancedThreatProtectionSettings/Default", "name": "Default", "type": TYPE, "properties": stored}

    @staticmethod
    def _name(name):
        if name.lower() != "default":
            # threatProtectionName is the enum ["Default"] (swagger); text unverified.
            raise AzureError(400, "InvalidParameterValue", f"Invalid value given for parameter threatProtectionName: '{name}'. Specify 'Default'.")

    def list(self, req, subscriptionId, resourceGroupName, serverName):
        server = self.server_of(resourceGroupName, serverName, parent=True)
        return self.app.page(req, [self._doc(server)])

    def get(self, req, subscriptionId, resourceGroupName, serverName, threatProtectionName):
        self._name(threatProtectionName)
        server = self.server_of(resourceGroupName, serverName, parent=True)
        return Response(200, self._doc(server))

    def put(self, req, subscriptionId, resourceGroupName, serverName, threatProtectionName):
        self._name(threatProtectionName)
        server = self.server_of(resourceGroupName, serverName, parent=True)
        body = req.json()
        props = body.get("properties") if isinstance(body, dict) else None
        state = (props or {}).get("state")
        if state not in ("Enabled", "Disabled"):
            # ThreatProtectionState: Enabled|Disabled, required (swagger); text unverified.
            raise AzureError(400, "InvalidParameterValue", f"Invalid value given for parameter state: '{state}'. Specify 'Enabled' or 'Disabled'.")
        key = server["id"] + "/advancedthreatprotectionsettings/default"
        previous = self.app.store.get(TABLE, key) or {}
        stored = {"state": state, "creationTime": previous.get("creationTime") or self.app.clock.iso()}
        self.app.store.put(TABLE, key, stored)
        doc = self._doc(server)
        op = self.app.lro.create(req, namespace=models.NS, location=server["location"], duration_key="postgresql.child",
                                 resource_id=doc["id"], result={"status": 200, "body": doc})
        return self.accepted(req, op)
