"""Microsoft Entra administrators of a flexible server (``flexibleServers/{server}/administrators/{objectId}``;
azure-mgmt-postgresqlflexibleservers 3.0.0 ``administrators_microsoft_entra``): the control plane only - azsim's clusters
do not accept Entra tokens.

Sources: azure-rest-api-specs ``Microsoft.DBforPostgreSQL/stable/2024-08-01`` examples ``AdministratorAdd.json``,
``AdministratorGet.json``, ``AdministratorsListByServer.json``, ``AdministratorDelete.json`` (the id ends with the object id,
the ``name`` is the principal's name, properties ``principalType`` Unknown|User|Group|ServicePrincipal, ``principalName``,
``objectId``, ``tenantId``); the SDK accepts 202 only for PUT and 202/204 for DELETE (long-running, the provider's polling
headers); Learn "Microsoft Entra authentication with Azure Database for PostgreSQL flexible server" (administrators need
``authConfig.activeDirectoryAuth`` Enabled).
"""

from ...core import ids, resource
from ...core.errors import AzureError
from ...core.http import Response
from . import models

TYPE = models.NS + "/flexibleServers/administrators"
PRINCIPAL_TYPES = ("Unknown", "User", "Group", "ServicePrincipal")


def register(app, server_route, server_of, accepted):
    h = Handlers(app, server_of, accepted)
    r = app.router
    base = server_route + "/administrators"
    r.add("GET", base, h.list)
    r.add("GET", base + "/{objectId}", h.get)
    r.add("PUT", base + "/{objectId}", h.put)
    r.add("DELETE", base + "/{objectId}", h.delete)


class Handlers:
    def __init__(self, app, server_of, accepted):
        self.app = app
        self.server_of = server_of
        self.accepted = accepted

    def list(self, req, subscriptionId, resourceGroupName, serverName):
        server = self.server_of(resourceGroupName, serverName, parent=True)
        return self.app.page(req, [resource.public(d) for d in resource.children(self.app, server["id"], "administrators")])

    def get(self, req, subscriptionId, resourceGroupName, serverName, objectId):
        server = self.server_of(resourceGroupName, serverName, parent=True)
        doc = resource.get(self.app, f"{server['id']}/administrators/{objectId}")
        if doc is None:
            # Text unverified (the provider's generic missing-child answer).
            raise AzureError(404, "ResourceNotFound", f"The requested resource of type '{TYPE}' with name '{objectId}' was not found.")
        return Response(200, resource.public(doc))

    def put(self, req, subscriptionId, resourceGroupName, serverName, objectId):
        server = self.server_of(resourceGroupName, serverName, parent=True)
        body = req.json()
        props = body.get("properties") if isinstance(body, dict) else None
        if not isinstance(props, dict):
            raise AzureError(400, "InvalidRequestContent", "The request content was invalid and could not be deserialized: 'properties'.")
        if not ids.is_guid(objectId):
            raise AzureError(400, "InvalidParameterValue", f"Invalid value given for parameter objectId: '{objectId}'.")  # text unverified
        ptype = props.get("principalType") or "Unknown"
        if ptype not in PRINCIPAL_TYPES or not props.get("principalName"):
            # principalType enum and principalName (swagger); text unverified.
            raise AzureError(400, "InvalidParameterValue", "principalName is required and principalType is one of " + ", ".join(PRINCIPAL_TYPES) + ".")
        if (server["properties"].get("authConfig") or {}).get("activeDirectoryAuth") != "Enabled":
            # Learn: enable Microsoft Entra authentication before adding administrators; code and text unverified.
            raise AzureError(400, "AadAuthenticationDisabled",
                             f"Microsoft Entra authentication is not enabled on server '{serverName}'. Enable it before adding administrators.")
        rid = f"{server['id']}/administrators/{objectId}"
        doc = {"properties": {"principalType": ptype, "principalName": props["principalName"],
                              "tenantId": props.get("tenantId") or self.app.identity.tenant_id, "objectId": objectId},
               "id": rid, "name": props["principalName"], "type": TYPE}
        resource.put(self.app, doc)
        op = self.app.lro.create(req, namespace=models.NS, location=server["location"], duration_key="postgresql.child",
                                 resource_id=rid, result={"status": 200, "body": resource.public(doc)})
        return self.accepted(req, op)

    def delete(self, req, subscriptionId, resourceGroupName, serverName, objectId):
        server = self.server_of(resourceGroupName, serverName, parent=True)
        rid = f"{server['id']}/administrators/{objectId}"
        if resource.get(self.app, rid) is None:
            return Response(204)
        resource.delete_tree(self.app, rid)
        op = self.app.lro.create(req, namespace=models.NS, location=server["location"], duration_key="postgresql.child",
                                 resource_id=rid, result={"status": 200})
        return self.accepted(req, op)
