"""The columns of the Log Analytics tables azsim fills, as Azure's table reference lists them (Microsoft Learn, "Azure
Monitor Logs reference", tables AppServiceHTTPLogs, AppServiceConsoleLogs, AppServicePlatformLogs, AppServiceAppLogs,
AzureActivity, AzureMetrics, AzureDiagnostics, PGSQLServerLogs, AppRequests, AppDependencies, AppExceptions, AppTraces,
AppMetrics, AppAvailabilityResults; MicrosoftDocs/azure-reference-other ``azure-monitor-ref/tables/includes``).

Every table also has the standard columns (Learn "Standard columns in Azure Monitor Logs"): ``TenantId`` (the
workspace id), ``TimeGenerated``, ``Type`` (the table name), ``SourceSystem``, ``_ResourceId``, ``_SubscriptionId``,
``_BilledSize``, ``_IsBillable``.  Column types are KQL's: string unless the reference names another.  A table of this
catalogue exists in every workspace (a query of it answers no rows until data arrives); any other name is unknown.
"""

STANDARD = [("TenantId", "string"), ("TimeGenerated", "datetime")]
TRAILER = [("SourceSystem", "string"), ("Type", "string"), ("_ResourceId", "string"), ("_SubscriptionId", "string"),
           ("_BilledSize", "real"), ("_IsBillable", "string")]


def _s(*names):
    return [(n, "string") for n in names]


_APP_COMMON = [
    ("AppRoleInstance", "string"), ("AppRoleName", "string"), ("AppVersion", "string"), ("ClientBrowser", "string"), ("ClientCity", "string"),
    ("ClientCountryOrRegion", "string"), ("ClientIP", "string"), ("ClientModel", "string"), ("ClientOS", "string"),
    ("ClientStateOrProvince", "string"), ("ClientType", "string"), ("IKey", "string"), ("ItemCount", "int"), ("Measurements", "dynamic"),
    ("OperationId", "string"), ("OperationName", "string"), ("ParentId", "string"), ("Properties", "dynamic"), ("ResourceGUID", "string"),
    ("SDKVersion", "string"), ("SessionId", "string"), ("SyntheticSource", "string"), ("UserAccountId", "string"),
    ("UserAuthenticatedId", "string"), ("UserId", "string"),
]

_OWN = {
    "AppServiceHTTPLogs": [("CIp", "string"), ("ComputerName", "string"), ("Cookie", "string"), ("CsBytes", "int"), ("CsHost", "string"),
                           ("CsMethod", "string"), ("CsUriQuery", "string"), ("CsUriStem", "string"), ("CsUsername", "string"),
                           ("Referer", "string"), ("Result", "string"), ("ScBytes", "int"), ("ScStatus", "int"), ("ScSubStatus", "string"),
                           ("ScWin32Status", "string"), ("SPort", "string"), ("TimeTaken", "int"), ("UserAgent", "string")],
    "AppServiceConsoleLogs": _s("Category", "ContainerId", "Host", "Level", "OperationName", "ResultDescription"),
    "AppServicePlatformLogs": _s("ActivityId", "Category", "ContainerId", "DeploymentId", "Exception", "Host", "Level", "Message",
                                 "OperationName", "StackTrace"),
    "AppServiceAppLogs": _s("Category", "ContainerId", "CustomLevel", "ExceptionClass", "Host", "Level", "Logger", "Message", "Method",
                            "OperationName", "ResultDescription", "Source", "Stacktrace", "StackTrace", "WebSiteInstanceId"),
    "AzureActivity": [*_s("ActivityStatus", "ActivityStatusValue", "ActivitySubstatus", "ActivitySubstatusValue", "Authorization"),
                      ("Authorization_d", "dynamic"), *_s("Caller", "CallerIpAddress", "Category", "CategoryValue", "Claims"),
                      ("Claims_d", "dynamic"), *_s("CorrelationId", "EventDataId"), ("EventSubmissionTimestamp", "datetime"),
                      *_s("Hierarchy", "HTTPRequest", "Level", "OperationId", "OperationName", "OperationNameValue", "Properties"),
                      ("Properties_d", "dynamic"), *_s("Resource", "ResourceGroup", "ResourceId", "ResourceProvider", "ResourceProviderValue",
                                                        "SubscriptionId")],
    "AzureMetrics": [("Average", "real"), ("Count", "real"), ("Maximum", "real"), ("MetricName", "string"), ("Minimum", "real"),
                     *_s("Resource", "ResourceGroup", "ResourceId", "ResourceProvider", "SubscriptionId", "TimeGrain"), ("Total", "real"),
                     ("UnitName", "string")],
    # The fixed columns; a service's own fields become typed-suffix columns (``errorLevel_s``) added as rows bring them.
    "AzureDiagnostics": [*_s("Category", "OperationName", "Resource", "ResourceGroup", "ResourceId", "ResourceProvider", "ResourceType",
                             "SubscriptionId", "Level", "Message", "ResultType", "ResultDescription", "CorrelationId", "CallerIPAddress"),
                         ("DurationMs", "long"), ("AdditionalFields", "dynamic")],
    "PGSQLServerLogs": [*_s("BackendType", "Category", "ColumnName", "ConstraintName", "Context", "DatatypeName", "Detail", "DetailLog",
                            "ErrorLevel", "Hint", "Location", "LogicalServerName", "Message", "OperationName"), ("ProcessId", "int"),
                        *_s("Query", "ReplicaRole", "SchemaName", "SqlErrorCode", "Statement", "TableName")],
    "AppRequests": [("DurationMs", "real"), *_s("Id", "Name", "PerformanceBucket", "ReferencedItemId", "ReferencedType", "ResultCode",
                                                  "Source"), ("Success", "bool"), ("Url", "string"), *_APP_COMMON],
    "AppDependencies": [("Data", "string"), ("DependencyType", "string"), ("DurationMs", "real"), *_s("Id", "Name", "PerformanceBucket",
                                                                                                        "ReferencedItemId", "ReferencedType",
                                                                                                        "ResultCode"),
                        ("Success", "bool"), ("Target", "string"), *_APP_COMMON],
    "AppExceptions": [*_s("Assembly"), ("Details", "dynamic"), *_s("ExceptionType", "HandledAt", "InnermostAssembly", "InnermostMessage",
                                                                     "InnermostMethod", "InnermostType", "Message", "Method", "OuterAssembly",
                                                                     "OuterMessage", "OuterMethod", "OuterType", "ProblemId"),
                      ("SeverityLevel", "int"), *_APP_COMMON],
    "AppTraces": [("Message", "string"), ("ReferencedItemId", "string"), ("ReferencedType", "string"), ("SeverityLevel", "int"), *_APP_COMMON],
    "AppMetrics": [("Max", "real"), ("Min", "real"), ("Name", "string"), ("Namespace", "string"), ("Sum", "real"), *_APP_COMMON],
    "AppAvailabilityResults": [("DurationMs", "real"), *_s("Id", "Location", "Message", "Name", "PerformanceBucket"), ("Size", "real"),
                               ("Success", "bool"), *_APP_COMMON],
    "AppEvents": [("Name", "string"), *_APP_COMMON],
}

TABLES = {name: STANDARD + own + TRAILER for name, own in _OWN.items()}


def columns(table):
    """[(name, type)] of a known table, else None."""
    return TABLES.get(table)
