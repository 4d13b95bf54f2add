"""The columns of the Log Analytics tables azsim fills, as Azure's table reference lists them (Microsoft Learn, "Azure
Monitor Logs reference", tables AppServiceHTTPLogs, AppServiceConsoleLogs, AppServicePlatformLogs, AppServiceAppLogs,
AzureActivity, AzureMetrics, AzureDiagnostics, PGSQLServerLogs, AppRequests, AppDependencies, AppExceptions, AppTraces,
AppMetrics, AppAvailabilityResults; MicrosoftDocs/azure-reference-other ``azure-monitor-ref/tables/includes``).

Every table also has the standard columns (Learn "Standard columns in Azure Monitor Logs"): ``TenantId`` (the
workspace id), ``TimeGenerated``, ``Type`` (the table name), ``SourceSystem``, ``_ResourceId``, ``_SubscriptionId``,
``_BilledSize``, ``_IsBillable``.  Column types are KQL's: string unless the reference names another.  A table of this
catalogue exists in every workspace (a query of it answers no rows until data arrives); any other name is unknown.
"""

STANDARD = "TenantId TimeGenerated:datetime"
TRAILER = "SourceSystem Type _ResourceId _SubscriptionId _BilledSize:real _IsBillable"
# The columns every Application Insights table shares.
_APP_COMMON = ("AppRoleInstance AppRoleName AppVersion ClientBrowser ClientCity ClientCountryOrRegion ClientIP ClientModel ClientOS "
               "ClientStateOrProvince ClientType IKey ItemCount:int Measurements:dynamic OperationId OperationName ParentId Properties:dynamic "
               "ResourceGUID SDKVersion SessionId SyntheticSource UserAccountId UserAuthenticatedId UserId")

# Each table's own columns: ``Name`` is a string column, ``Name:type`` one of another KQL type.
_OWN = {
    "AppServiceHTTPLogs": ("CIp ComputerName Cookie CsBytes:int CsHost CsMethod CsUriQuery CsUriStem CsUsername Referer Result ScBytes:int ScStatus:int "
                           "ScSubStatus ScWin32Status SPort TimeTaken:int UserAgent"),
    "AppServiceConsoleLogs": "Category ContainerId Host Level OperationName ResultDescription",
    "AppServicePlatformLogs": "ActivityId Category ContainerId DeploymentId Exception Host Level Message OperationName StackTrace",
    "AppServiceAppLogs": ("Category ContainerId CustomLevel ExceptionClass Host Level Logger Message Method OperationName ResultDescription Source "
                          "Stacktrace StackTrace WebSiteInstanceId"),
    "AzureActivity": ("ActivityStatus ActivityStatusValue ActivitySubstatus ActivitySubstatusValue Authorization Authorization_d:dynamic Caller "
                      "CallerIpAddress Category CategoryValue Claims Claims_d:dynamic CorrelationId EventDataId EventSubmissionTimestamp:datetime "
                      "Hierarchy HTTPRequest Level OperationId OperationName OperationNameValue Properties Properties_d:dynamic Resource ResourceGroup "
                      "ResourceId ResourceProvider ResourceProviderValue SubscriptionId"),
    "AzureMetrics": ("Average:real Count:real Maximum:real MetricName Minimum:real Resource ResourceGroup ResourceId ResourceProvider SubscriptionId "
                     "TimeGrain Total:real UnitName"),
    "AzureDiagnostics": ("Category OperationName Resource ResourceGroup ResourceId ResourceProvider ResourceType SubscriptionId Level Message ResultType "
                         "ResultDescription CorrelationId CallerIPAddress DurationMs:long AdditionalFields:dynamic"),
    "PGSQLServerLogs": ("BackendType Category ColumnName ConstraintName Context DatatypeName Detail DetailLog ErrorLevel Hint Location LogicalServerName "
                        "Message OperationName ProcessId:int Query ReplicaRole SchemaName SqlErrorCode Statement TableName"),
    "AppRequests": "DurationMs:real Id Name PerformanceBucket ReferencedItemId ReferencedType ResultCode Source Success:bool Url " + _APP_COMMON,
    "AppDependencies": ("Data DependencyType DurationMs:real Id Name PerformanceBucket ReferencedItemId ReferencedType ResultCode Success:bool "
                        "Target " + _APP_COMMON),
    "AppExceptions": ("Assembly Details:dynamic ExceptionType HandledAt InnermostAssembly InnermostMessage InnermostMethod InnermostType Message Method "
                      "OuterAssembly OuterMessage OuterMethod OuterType ProblemId SeverityLevel:int " + _APP_COMMON),
    "AppTraces": "Message ReferencedItemId ReferencedType SeverityLevel:int " + _APP_COMMON,
    "AppMetrics": "Max:real Min:real Name Namespace Sum:real " + _APP_COMMON,
    "AppAvailabilityResults": "DurationMs:real Id Location Message Name PerformanceBucket Size:real Success:bool " + _APP_COMMON,
    "AppEvents": "Name " + _APP_COMMON,
}


def _parse(spec):
    return [tuple(c.split(":", 1)) if ":" in c else (c, "string") for c in spec.split()]


TABLES = {name: _parse(STANDARD + " " + own + " " + TRAILER) for name, own in _OWN.items()}


def columns(table):
    """[(name, type)] of a known table, else None."""
    return TABLES.get(table)
