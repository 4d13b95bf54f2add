"""Diagnostic-setting categories per resource type (what ``diagnosticSettingsCategories`` answers and what a setting
may name), from Learn "Supported categories for Azure Monitor resource logs" and "Supported metrics" (per-type pages
as of 2025/2026). Category-group membership (``allLogs`` holds every log category; ``audit`` the security-relevant
ones) follows those pages where they list it; memberships marked below are unverified."""

ALL_METRICS = ("AllMetrics",)

# lower-cased resource type -> (log categories {name: groups}, metric categories)
_APP_SERVICE_LOGS = {
    "AppServiceHTTPLogs": ("allLogs",), "AppServiceConsoleLogs": ("allLogs",), "AppServiceAppLogs": ("allLogs",),
    "AppServiceAuditLogs": ("audit", "allLogs"), "AppServiceIPSecAuditLogs": ("audit", "allLogs"),
    "AppServicePlatformLogs": ("allLogs",), "AppServiceAuthenticationLogs": ("allLogs",),
}
CATEGORIES = {
    "microsoft.web/sites": (_APP_SERVICE_LOGS, ALL_METRICS),
    "microsoft.web/sites/slots": (_APP_SERVICE_LOGS, ALL_METRICS),
    "microsoft.web/serverfarms": ({}, ALL_METRICS),  # plans export metrics only
    "microsoft.dbforpostgresql/flexibleservers": ({
        "PostgreSQLLogs": ("audit", "allLogs"),  # pgaudit output lands here (audit membership unverified)
        "PostgreSQLFlexSessions": ("allLogs",), "PostgreSQLFlexQueryStoreRuntime": ("allLogs",),
        "PostgreSQLFlexQueryStoreWaitStats": ("allLogs",), "PostgreSQLFlexTableStats": ("allLogs",),
        "PostgreSQLFlexDatabaseXacts": ("allLogs",),
    }, ALL_METRICS),
    "microsoft.operationalinsights/workspaces": ({"Audit": ("audit", "allLogs"), "SummaryLogs": ("allLogs",)}, ALL_METRICS),
    "microsoft.insights/components": (dict.fromkeys((
        "AppAvailabilityResults", "AppBrowserTimings", "AppEvents", "AppMetrics", "AppDependencies", "AppExceptions", "AppPageViews",
        "AppPerformanceCounters", "AppRequests", "AppSystemEvents", "AppTraces"), ("allLogs",)), ALL_METRICS),
    "microsoft.keyvault/vaults": ({"AuditEvent": ("audit", "allLogs"), "AzurePolicyEvaluationDetails": ("allLogs",)}, ALL_METRICS),
    "microsoft.storage/storageaccounts": ({}, ("Transaction", "Capacity")),
    "microsoft.storage/storageaccounts/blobservices": ({"StorageRead": ("audit", "allLogs"), "StorageWrite": ("audit", "allLogs"),
                                                       "StorageDelete": ("audit", "allLogs")}, ("Transaction", "Capacity")),
    "microsoft.cache/redis": ({"ConnectedClientList": ("allLogs",), "MSEntraAuthenticationAuditLog": ("audit", "allLogs")}, ALL_METRICS),
    "microsoft.cdn/profiles": ({"FrontDoorAccessLog": ("allLogs",), "FrontDoorHealthProbeLog": ("allLogs",),
                               "FrontDoorWebApplicationFirewallLog": ("audit", "allLogs")}, ALL_METRICS),
    "microsoft.network/dnszones": ({}, ALL_METRICS),
}
GROUPS = ("allLogs", "audit")

# The activity log's categories, exported by a diagnostic setting at subscription scope (Learn "Activity log in Azure
# Monitor", "Send to Log Analytics workspace"; azure-rest-api-specs subscriptionDiagnosticsSettings_API.json). They land in
# the AzureActivity table. No category groups at this scope (unverified).
SUBSCRIPTION = "subscription"
CATEGORIES[SUBSCRIPTION] = (dict.fromkeys(("Administrative", "Security", "ServiceHealth", "Alert", "Recommendation", "Policy", "Autoscale",
                                           "ResourceHealth"), ()), ())


def categories_for(rtype):
    """(log categories {name: groups}, metric categories) for a type, or None when azsim has no catalogue for it."""
    return CATEGORIES.get((rtype or "").lower())
