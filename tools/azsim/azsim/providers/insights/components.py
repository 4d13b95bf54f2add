"""Application Insights components (Microsoft.Insights/components, azure-mgmt-applicationinsights 4.1.0 ``components``
api 2020-02-02): workspace-based only, as Azure creates them since classic resources were retired (29 Feb 2024).

Sources: spec examples 2020-02-02 ``ComponentsCreate`` / ``ComponentsUpdateTagsOnly`` (PUT and PATCH answer 200 with
PascalCase properties, ``ApplicationId`` = name, ``TenantId``, ``IngestionMode: LogAnalytics``), arm-data.md §3.4,
public issues quoted next to each error.
"""


from ...core import locations, resource
from ...core.errors import AzureError, not_found
from ...core.http import Response
from ...core.ids import new_guid, parse

API_VERSIONS = ["2020-02-02", "2020-02-02-preview", "2018-05-01-preview", "2015-05-01"]
TYPE = "Microsoft.Insights/components"
SUB = "/subscriptions/{subscriptionId}"
RG = SUB + "/resourceGroups/{resourceGroupName}"
ITEM = RG + "/providers/Microsoft.Insights/components/{resourceName}"
WORKSPACE_TYPE = "microsoft.operationalinsights/workspaces"
APPLICATION_TYPES = ("web", "other")  # ApplicationType enum, 2020-02-02 swagger


def register(app):
    app.namespace("Microsoft.Insights", {"components": API_VERSIONS})
    h = Handlers(app)
    r = app.router
    r.add("GET", SUB + "/providers/Microsoft.Insights/components", h.list_sub)
    r.add("GET", RG + "/providers/Microsoft.Insights/components", h.list_rg)
    r.add("GET", ITEM, h.get)
    r.add("PUT", ITEM, h.put)
    r.add("PATCH", ITEM, h.patch_tags)
    r.add("DELETE", ITEM, h.delete)


def component_id(sub, rg, name):
    return f"/subscriptions/{sub}/resourceGroups/{rg}/providers/Microsoft.Insights/components/{name}"


def find(app, cid):
    """The stored component for an id (any casing), or None."""
    doc = resource.peek(app, cid) if isinstance(cid, str) else None
    return doc if doc is not None and doc.get("type", "").lower() == TYPE.lower() else None


def connection_string(ikey, region, app_id):
    # The shape Azure hands out for workspace-based components (arm-data.md §3.4; regional ingestion endpoint,
    # live metrics endpoint, ApplicationId); the "-0" stamp number is azsim's choice.
    return (f"InstrumentationKey={ikey};IngestionEndpoint=https://{region}-0.in.applicationinsights.azure.com/;"
            f"LiveEndpoint=https://{region}.livediagnostics.monitor.azure.com/;ApplicationId={app_id}")


class Handlers:
    def __init__(self, app):
        self.app = app

    @property
    def sub(self):
        return self.app.identity.subscription_id

    def _get(self, rg, name, required=True):
        doc = find(self.app, component_id(self.sub, rg, name))
        if doc is None and required:
            raise not_found("Microsoft.Insights/components", name, rg)
        return doc

    def _all(self, rg=None):
        return [resource.public(d) for d in resource.tracked_in(self.app, self.sub, rg, TYPE)]

    def list_sub(self, req, subscriptionId):
        return self.app.page(req, self._all())

    def list_rg(self, req, subscriptionId, resourceGroupName):
        return self.app.page(req, self._all(resourceGroupName))

    def get(self, req, subscriptionId, resourceGroupName, resourceName):
        return Response(200, resource.public(self._get(resourceGroupName, resourceName)))

    def _workspace(self, wid):
        p = parse(wid) if isinstance(wid, str) else None
        ws = resource.peek(self.app, wid) if p else None
        if ws is None or ws.get("type", "").lower() != WORKSPACE_TYPE:
            # Quoted in Azure-Samples/keyvault-rotation-storageaccountkey-powershell#2 (400 BadRequest).
            raise AzureError(400, "BadRequest", "Provided WorkspaceResourceId is invalid")
        return ws

    def put(self, req, subscriptionId, resourceGroupName, resourceName):
        body = req.json_object()
        loc = body.get("location")
        short = locations.normalize(loc) if loc else None
        if not loc:
            raise AzureError(400, "LocationRequired", "The location property is required for this definition.")
        if short is None:
            raise AzureError(400, "LocationNotAvailableForResourceType", f"The provided location '{loc}' is not available for resource type "
                                                                         f"'{TYPE}'. List of available regions for the resource type is "
                                                                         f"'{','.join(locations.REGIONS)}'.")
        if not body.get("kind"):
            # ``kind`` is required by the 2020-02-02 swagger (ApplicationInsightsComponent.kind); text unverified.
            raise AzureError(400, "BadRequest", "The kind property is required.", target="kind")
        tags = resource.validate_tags(body.get("tags"))
        props = body.get("properties") or {}
        if not isinstance(props, dict):
            raise AzureError(400, "InvalidRequestContent", "The request content was invalid and could not be deserialized: 'properties'.")
        app_type = props.get("Application_Type")
        if not app_type or str(app_type).lower() not in APPLICATION_TYPES:
            # Application_Type is required, enum web|other (2020-02-02 swagger); text unverified.
            raise AzureError(400, "BadRequest", f"The Application_Type '{app_type}' is invalid. Valid values are 'web' and 'other'.",
                             target="Application_Type")
        existing = self._get(resourceGroupName, resourceName, required=False)
        wid = props.get("WorkspaceResourceId") or (existing or {}).get("properties", {}).get("WorkspaceResourceId")
        if not wid:
            # Classic (non workspace-based) components were retired on 29 Feb 2024; creation is refused with this text
            # (quoted in Azure/azure-quickstart-templates#14210, Azure/LogicAppsUX#5870, microsoft/winget-cli-restsource#176).
            raise AzureError(400, "BadRequest", "Region doesn't support Classic resource mode for Application Insights resources. "
                                                "Please use Workspace-based mode.")
        self._workspace(wid)
        retention = props.get("RetentionInDays", (existing or {}).get("properties", {}).get("RetentionInDays", 90))
        if retention not in (30, 60, 90, 120, 180, 270, 365, 550, 730):
            # RetentionInDays allowed values (Learn "Data retention and storage" for Application Insights); text unverified.
            raise AzureError(400, "BadRequest", f"The RetentionInDays value '{retention}' is invalid. Valid values are 30, 60, 90, 120, 180, 270, "
                                                "365, 550 and 730.", target="RetentionInDays")
        now = self.app.clock.iso()
        if existing is not None:
            if existing["location"] != short:
                # ARM's wording for a tracked resource re-PUT in another region (status code unverified).
                raise AzureError(400, "InvalidResourceLocation",
                                 f"The resource '{resourceName}' already exists in location '{existing['location']}' in resource group "
                                 f"'{resourceGroupName}'. A resource with the same name cannot be created in location '{short}'. "
                                 "Please select a new resource name.")
            p = existing["properties"]
            doc = existing
        else:
            ikey, app_id = new_guid(), new_guid()
            p = {"ApplicationId": resourceName, "AppId": app_id, "Name": resourceName, "InstrumentationKey": ikey,
                 "ConnectionString": connection_string(ikey, short, app_id), "CreationDate": now, "TenantId": self.sub,
                 "HockeyAppId": "", "HockeyAppToken": "", "provisioningState": "Succeeded"}
            doc = {"id": component_id(self.sub, resourceGroupName, resourceName), "name": resourceName, "type": TYPE, "location": short}
        # Writable properties replace the stored ones (PUT); read-only ones are kept.
        p.update({
            "Application_Type": str(app_type).lower(), "Flow_Type": props.get("Flow_Type", p.get("Flow_Type", "Bluefield")),
            "Request_Source": props.get("Request_Source", p.get("Request_Source", "rest")),
            "SamplingPercentage": props.get("SamplingPercentage"), "RetentionInDays": retention,
            "WorkspaceResourceId": wid, "IngestionMode": "LogAnalytics", "DisableIpMasking": bool(props.get("DisableIpMasking", False)),
            "DisableLocalAuth": bool(props.get("DisableLocalAuth", False)),
            "publicNetworkAccessForIngestion": props.get("publicNetworkAccessForIngestion", "Enabled"),
            "publicNetworkAccessForQuery": props.get("publicNetworkAccessForQuery", "Enabled"),
        })
        doc.update({"kind": body["kind"], "tags": tags, "properties": p,
                    "etag": f'"{new_guid()}"', "systemData": resource.system_data(self.app, req, doc.get("systemData"))})
        resource.put(self.app, doc)
        return Response(200, resource.public(doc))  # spec ComponentsCreate: 200 only

    def patch_tags(self, req, subscriptionId, resourceGroupName, resourceName):
        body = req.json_object()
        doc = self._get(resourceGroupName, resourceName)
        # Components_UpdateTags (ComponentsUpdateTagsOnly example): the tags sent replace the resource's tags.
        doc["tags"] = resource.validate_tags(body.get("tags"))
        resource.put(self.app, doc)
        return Response(200, resource.public(doc))

    def delete(self, req, subscriptionId, resourceGroupName, resourceName):
        doc = self._get(resourceGroupName, resourceName, required=False)
        if doc is None:
            return Response(204)  # SDK delete accepts 200/204 (ComponentsDelete example)
        resource.delete_tree(self.app, doc["id"])
        return Response(200)
