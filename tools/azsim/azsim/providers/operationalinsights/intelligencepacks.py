"""Intelligence packs (solutions) of a Log Analytics workspace: ``GET .../workspaces/{name}/intelligencePacks`` and
``POST .../intelligencePacks/{packName}/Enable|Disable`` (azure-mgmt-loganalytics 14.0.0 ``intelligence_packs``,
api 2025-07-01; older clients 2020-08-01 ``workspaces.list_intelligence_packs``).

Sources: azure-rest-api-specs ``specification/operationalinsights/.../stable/2020-08-01/examples/
WorkspacesListIntelligencePacks.json`` (the list is a plain JSON array of ``{name, enabled, displayName}``; the pack
names and display names below are that example's), the SDK (every operation answers 200; Enable/Disable without a body).
Which packs a new workspace has enabled is not public: azsim enables ``LogManagement`` only (the example's other
enabled packs are solutions someone added).
"""

from ...core import resource
from ...core.errors import AzureError, not_found
from ...core.http import Response
from . import models

TABLE = "operationalinsights.intelligencepacks"
PACKS = (
    ("CapacityPerformance", "Capacity and Performance"), ("AzureWebAppsAnalytics", "Azure Web Apps Analytics (Preview)"),
    ("Security", "Security and Audit"), ("Updates", "Update Management"), ("AntiMalware", "Antimalware Assessment"),
    ("LogManagement", "Log Management"), ("ChangeTracking", "Change Tracking"), ("SQLAssessment", "SQL Assessment"),
    ("SCOMAssessment", "System Center Operations Manager Assessment (Preview)"), ("ServiceDesk", "IT Service Management Connector(Preview)"),
    ("ADAssessment", "AD Assessment"), ("AlertManagement", "Alert Management"), ("AzureAutomation", "Azure Automation"),
    ("WireData", "Wire Data"), ("SiteRecovery", "Azure Site Recovery"), ("Backup", "Backup"), ("SurfaceHub", "Surface Hub"),
    ("NetworkMonitoring", "Network Performance Monitor"), ("Containers", "Container Monitoring Solution"), ("ServiceMap", "Service Map"),
    ("AzureNetworking", "Azure Networking Analytics (Deprecated)"), ("ADReplication", "AD Replication Status"),
    ("Office365", "Office 365 (Preview)"), ("CompatibilityAssessment", "Upgrade Readiness"), ("KeyVault", "Key Vault (Deprecated)"),
    ("ServiceFabric", "Service Fabric"), ("DnsAnalytics", "DNS Analytics (Preview)"), ("ApplicationInsights", "Application Insights (Preview)"),
    ("WireData2", "Wire Data 2.0"), ("WaaSUpdateInsights", "Update Compliance (Preview)"), ("AgentHealthAssessment", "Agent Health "),
    ("AzureActivity", "Activity Log Analytics"), ("HDInsight", "HDInsight HBase Monitoring (Preview)"),
    ("HDInsightKafka", "HDInsight Kafka Monitoring"), ("HDInsightSpark", "HDInsight Spark Monitoring"), ("VMware", "VMware (Preview)"),
    ("SecurityCenterFree", "Security Center Free - for Azure Resources only"), ("LogicAppsManagement", "Logic Apps Management"),
    ("LogicAppB2B", "Logic Apps B2B"), ("AzureSQLAnalytics", "Azure SQL Analytics (Preview)"), ("KeyVaultAnalytics", "Key Vault Analytics"),
    ("AzureNSGAnalytics", "Azure Network Security Group Analytics"), ("AzureAppGatewayAnalytics", "Azure Application Gateway Analytics"),
    ("DeviceHealthProd", "Device Health (Preview)"), ("WindowsDefenderATP", "Windows Defender ATP"), ("ProcessInvestigator", "ProcessInvestigator"),
)
DEFAULT_ENABLED = {"logmanagement"}


def register(app, ws_template):
    h = Handlers(app)
    r = app.router
    r.add("GET", ws_template + "/intelligencePacks", h.list)
    r.add("POST", ws_template + "/intelligencePacks/{intelligencePackName}/Enable", h.enable)
    r.add("POST", ws_template + "/intelligencePacks/{intelligencePackName}/Disable", h.disable)


class Handlers:
    def __init__(self, app):
        self.app = app

    def _workspace(self, rg, name):
        doc = resource.get(self.app, models.workspace_id(self.app.identity.subscription_id, rg, name))
        if doc is None:
            raise not_found("Microsoft.OperationalInsights/workspaces", name, rg)  # ARM's generic 404, as for the workspace itself
        return doc

    def _enabled(self, ws):
        state = self.app.store.peek(TABLE, f"{ws['id']}/intelligencepacks")
        return set(state["enabled"]) if state else set(DEFAULT_ENABLED)

    def list(self, req, subscriptionId, resourceGroupName, workspaceName):
        on = self._enabled(self._workspace(resourceGroupName, workspaceName))
        return Response(200, [{"name": n, "enabled": n.lower() in on, "displayName": d} for n, d in PACKS])

    def _set(self, rg, name, pack, value):
        ws = self._workspace(rg, name)
        known = next((n for n, _d in PACKS if n.lower() == pack.lower()), None)
        if known is None:
            raise AzureError(400, "BadRequest", f"The intelligence pack '{pack}' is not valid.")  # status and text unverified
        on = self._enabled(ws)
        (on.add if value else on.discard)(known.lower())
        self.app.store.put(TABLE, f"{ws['id']}/intelligencepacks", {"enabled": sorted(on)})
        return Response(200)

    def enable(self, req, subscriptionId, resourceGroupName, workspaceName, intelligencePackName):
        return self._set(resourceGroupName, workspaceName, intelligencePackName, True)

    def disable(self, req, subscriptionId, resourceGroupName, workspaceName, intelligencePackName):
        return self._set(resourceGroupName, workspaceName, intelligencePackName, False)
