"""Azure RBAC: built-in roles (ids and permissions as published in Microsoft Learn's
"Azure built-in roles"), custom roles, assignments and the access check."""

import re

from ...core import ids
from ...core.errors import AzureError

ASSIGNMENTS = "roleAssignments"
DEFINITIONS = "roleDefinitions"

BUILTIN = {
    "8e3af657-a8ff-443c-a75c-2fe8c4bcb635": ("Owner", "Grants full access to manage all resources, including the ability to assign roles in Azure RBAC.",
                                             ["*"], []),
    "b24988ac-6180-42a0-ab88-20f7382dd24c": ("Contributor", "Grants full access to manage all resources, but does not allow you to assign roles in "
                                             "Azure RBAC, manage assignments in Azure Blueprints, or share image galleries.",
                                             ["*"], ["Microsoft.Authorization/*/Delete", "Microsoft.Authorization/*/Write",
                                                     "Microsoft.Authorization/elevateAccess/Action", "Microsoft.Blueprint/blueprintAssignments/write",
                                                     "Microsoft.Blueprint/blueprintAssignments/delete", "Microsoft.Compute/galleries/share/action",
                                                     "Microsoft.Purview/consents/write", "Microsoft.Purview/consents/delete",
                                                     "Microsoft.Resources/deploymentStacks/manageDenySetting/action",
                                                     "Microsoft.Subscription/cancel/action", "Microsoft.Subscription/enable/action"]),
    "acdd72a7-3385-48ef-bd42-f606fba81ae7": ("Reader", "View all resources, but does not allow you to make any changes.", ["*/read"], []),
    "18d7d88d-d35e-4fb5-a5c3-7773c20a72d9": ("User Access Administrator", "Lets you manage user access to Azure resources.",
                                             ["*/read", "Microsoft.Authorization/*", "Microsoft.Support/*"], []),
    "de139f84-1756-47ae-9be6-808fbbe84772": ("Website Contributor", "Lets you manage websites (not web plans), but not access to them.",
                                             ["Microsoft.Authorization/*/read", "Microsoft.Insights/alertRules/*", "Microsoft.Insights/components/*",
                                              "Microsoft.ResourceHealth/availabilityStatuses/read", "Microsoft.Resources/deployments/*",
                                              "Microsoft.Resources/subscriptions/resourceGroups/read", "Microsoft.Support/*",
                                              "Microsoft.Web/certificates/*", "Microsoft.Web/listSitesAssignedToHostName/read",
                                              "Microsoft.Web/serverFarms/join/action", "Microsoft.Web/serverFarms/read", "Microsoft.Web/sites/*"], []),
    "2cc479cb-7b4d-49a8-b449-8c00fd0f0a4b": ("Web Plan Contributor", "Manage the web plans for websites. Does not allow you to assign roles in Azure RBAC.",
                                             ["Microsoft.Authorization/*/read", "Microsoft.Insights/alertRules/*",
                                              "Microsoft.ResourceHealth/availabilityStatuses/read", "Microsoft.Resources/deployments/*",
                                              "Microsoft.Resources/subscriptions/resourceGroups/read", "Microsoft.Support/*", "Microsoft.Web/serverFarms/*",
                                              "Microsoft.Web/hostingEnvironments/Join/Action", "Microsoft.Insights/autoscalesettings/*"], []),
    "befefa01-2a29-4197-83a8-272ff33ce314": ("DNS Zone Contributor",
                                             "Lets you manage DNS zones and record sets in Azure DNS, but does not let you control who has access to them.",
                                             ["Microsoft.Authorization/*/read", "Microsoft.Insights/alertRules/*", "Microsoft.Network/dnsZones/*",
                                              "Microsoft.ResourceHealth/availabilityStatuses/read", "Microsoft.Resources/deployments/*",
                                              "Microsoft.Resources/subscriptions/resourceGroups/read", "Microsoft.Support/*"], []),
    "43d0d8ad-25c7-4714-9337-8ba259a9fe05": ("Monitoring Reader", "Can read all monitoring data (metrics, logs, etc.).",
                                             ["*/read", "Microsoft.OperationalInsights/workspaces/search/action", "Microsoft.Support/*"], []),
    "749f88d5-cbae-40b8-bcfc-e573ddc772fa": ("Monitoring Contributor", "Can read all monitoring data and update monitoring settings.",
                                             ["*/read", "Microsoft.AlertsManagement/alerts/*", "Microsoft.Insights/actionGroups/*",
                                              "Microsoft.Insights/autoscalesettings/*", "Microsoft.Insights/components/*",
                                              "Microsoft.Insights/diagnosticSettings/*", "Microsoft.Insights/metricAlerts/*",
                                              "Microsoft.Insights/webtests/*", "Microsoft.OperationalInsights/workspaces/*", "Microsoft.Support/*"], []),
    "3913510d-42f4-4e42-8a64-420c390055eb": ("Monitoring Metrics Publisher", "Enables publishing metrics against Azure resources",
                                             ["Microsoft.Insights/Register/Action", "Microsoft.Support/*",
                                              "Microsoft.Resources/subscriptions/resourceGroups/read"], []),
    "4633458b-17de-408a-b874-0445c86b69e6": ("Key Vault Secrets User", "Read secret contents.", [], []),
    "b86a8fe4-44ce-4948-aee5-eccb2c155cd7": ("Key Vault Secrets Officer", "Perform any action on the secrets of a key vault, except manage permissions.",
                                             ["Microsoft.Authorization/*/read", "Microsoft.Insights/alertRules/*", "Microsoft.Resources/deployments/*",
                                              "Microsoft.Resources/subscriptions/resourceGroups/read", "Microsoft.Support/*",
                                              "Microsoft.KeyVault/checkNameAvailability/read", "Microsoft.KeyVault/deletedVaults/read",
                                              "Microsoft.KeyVault/locations/*/read", "Microsoft.KeyVault/vaults/*/read",
                                              "Microsoft.KeyVault/operations/read"], []),
    "00482a5a-887f-4fb3-b363-3b7fe8e74483": ("Key Vault Administrator", "Perform all data plane operations on a key vault and all objects in it.",
                                             ["Microsoft.Authorization/*/read", "Microsoft.Insights/alertRules/*", "Microsoft.Resources/deployments/*",
                                              "Microsoft.Resources/subscriptions/resourceGroups/read", "Microsoft.Support/*",
                                              "Microsoft.KeyVault/checkNameAvailability/read", "Microsoft.KeyVault/deletedVaults/read",
                                              "Microsoft.KeyVault/locations/*/read", "Microsoft.KeyVault/vaults/*/read",
                                              "Microsoft.KeyVault/operations/read"], []),
    "ba92f5b4-2d11-453d-a403-e96b0029c9fe": ("Storage Blob Data Contributor", "Read, write, and delete Azure Storage containers and blobs.",
                                             ["Microsoft.Storage/storageAccounts/blobServices/containers/delete",
                                              "Microsoft.Storage/storageAccounts/blobServices/containers/read",
                                              "Microsoft.Storage/storageAccounts/blobServices/containers/write",
                                              "Microsoft.Storage/storageAccounts/blobServices/generateUserDelegationKey/action"], []),
    # Learn "Azure built-in roles for Storage", Storage Blob Data Reader: what a read-only principal (a maintenance job
    # checking that backup blobs exist) needs on the data plane; Reader gives no access to blob data.
    "2a2b9908-6ea1-4ae2-8e65-a410df84e7d1": ("Storage Blob Data Reader", "Read and list Azure Storage containers and blobs.",
                                             ["Microsoft.Storage/storageAccounts/blobServices/containers/read",
                                              "Microsoft.Storage/storageAccounts/blobServices/generateUserDelegationKey/action"], []),
}

# Data actions of the built-ins that have them (data planes arrive with the data-services issue).
BUILTIN_DATA_ACTIONS = {
    # Learn "Azure built-in roles - Monitor": Monitoring Metrics Publisher publishes metrics and all Application Insights
    # telemetry (Learn "Microsoft Entra authentication for Application Insights").
    "3913510d-42f4-4e42-8a64-420c390055eb": ["Microsoft.Insights/Metrics/Write", "Microsoft.Insights/Telemetry/Write"],
    "4633458b-17de-408a-b874-0445c86b69e6": ["Microsoft.KeyVault/vaults/secrets/getSecret/action", "Microsoft.KeyVault/vaults/secrets/readMetadata/action"],
    "b86a8fe4-44ce-4948-aee5-eccb2c155cd7": ["Microsoft.KeyVault/vaults/secrets/*"],
    "00482a5a-887f-4fb3-b363-3b7fe8e74483": ["Microsoft.KeyVault/vaults/*"],
    "ba92f5b4-2d11-453d-a403-e96b0029c9fe": ["Microsoft.Storage/storageAccounts/blobServices/containers/blobs/*"],
    "2a2b9908-6ea1-4ae2-8e65-a410df84e7d1": ["Microsoft.Storage/storageAccounts/blobServices/containers/blobs/read"],
}

_PATTERNS = {}


def _pattern(action):
    p = _PATTERNS.get(action)
    if p is None:
        p = re.compile("^" + ".*".join(re.escape(part) for part in action.split("*")) + "$", re.IGNORECASE)
        _PATTERNS[action] = p
    return p


def allows(permissions, action, data=False):
    """ARM's evaluation of one role's permission blocks: actions minus notActions."""
    key, notkey = ("dataActions", "notDataActions") if data else ("actions", "notActions")
    for block in permissions:
        if any(_pattern(a).match(action) for a in block.get(key, [])) and not any(_pattern(n).match(action) for n in block.get(notkey, [])):
            return True
    return False


def builtin_definition(sub, guid, scope=None):
    name, desc, actions, not_actions = BUILTIN[guid]
    scope = scope if scope is not None else f"/subscriptions/{sub}"
    return {
        "id": f"{scope.rstrip('/')}/providers/Microsoft.Authorization/roleDefinitions/{guid}", "name": guid,
        "type": "Microsoft.Authorization/roleDefinitions",
        "properties": {"roleName": name, "type": "BuiltInRole", "description": desc, "assignableScopes": ["/"],
                       "permissions": [{"actions": actions, "notActions": not_actions, "dataActions": BUILTIN_DATA_ACTIONS.get(guid, []),
                                        "notDataActions": []}],
                       "createdOn": "2015-02-02T21:55:09.8806423Z", "updatedOn": "2024-04-01T00:00:00.0000000Z", "createdBy": None, "updatedBy": None},
    }


def role_guid(role_definition_id):
    return (role_definition_id or "").rstrip("/").split("/")[-1].lower()


def definition(store, sub, guid):
    guid = guid.lower()
    if guid in BUILTIN:
        return builtin_definition(sub, guid)
    for d in store.values(DEFINITIONS):
        if d["name"].lower() == guid:
            return d
    return None


def by_role_name(store, sub, name):
    for guid, spec in BUILTIN.items():
        if spec[0].lower() == name.lower():
            return builtin_definition(sub, guid)
    for d in store.values(DEFINITIONS):
        if d["properties"]["roleName"].lower() == name.lower():
            return d
    return None


def assignments_for(store, principal_oid):
    return [a for a in store.values(ASSIGNMENTS) if a["properties"]["principalId"].lower() == principal_oid.lower()]


def check(store, sub, principal, action, scope, data=False):
    """Raise ARM's 403 AuthorizationFailed unless an assignment at or above ``scope`` allows ``action``."""
    for a in assignments_for(store, principal["object_id"]):
        if not ids.under(a["properties"]["scope"], scope):
            continue
        d = definition(store, sub, role_guid(a["properties"]["roleDefinitionId"]))
        if d is not None and allows(d["properties"]["permissions"], action, data):
            return
    raise AzureError(403, "AuthorizationFailed",
                     f"The client '{principal['client_id']}' with object id '{principal['object_id']}' does not have authorization to perform "
                     f"action '{action}' over scope '{scope}' or the scope is invalid. If access was recently granted, please refresh your credentials.")
