"""Site configuration: SiteConfig defaults and validation, app settings and connection strings.

Sources: the azure-mgmt-web 11.0.1 ``SiteConfig`` model (field names and enums,
arm-web-models-2025-05-01.txt), the spec example ``CreateOrUpdateWebAppSlot.json`` (2025-05-01,
defaults of a new site's siteConfig), arm-web.md §3.2/§4.1/§4.2 (sparse siteConfig on GET site,
replace semantics of appsettings/connectionstrings).
"""

import copy
import re

from ...core.errors import AzureError, WebError
from . import common, stacks

# Defaults of a new site (spec example CreateOrUpdateWebAppSlot.json, 2025-05-01); Linux sites get
# the same record with linuxFxVersion set and no Windows-only frameworks meaningful.
DEFAULTS = {
    "numberOfWorkers": 1, "defaultDocuments": ["Default.htm", "Default.html", "Default.asp", "index.htm", "index.html", "iisstart.htm",
                                               "default.aspx", "index.php", "hostingstart.html"],
    "netFrameworkVersion": "v4.0", "phpVersion": "5.6", "pythonVersion": "", "nodeVersion": "", "powerShellVersion": "",
    "linuxFxVersion": "", "windowsFxVersion": None, "requestTracingEnabled": False, "remoteDebuggingEnabled": False,
    "httpLoggingEnabled": False, "acrUseManagedIdentityCreds": False, "logsDirectorySizeLimit": 35, "detailedErrorLoggingEnabled": False,
    "publishingUsername": None, "scmType": "None", "use32BitWorkerProcess": True, "webSocketsEnabled": False, "alwaysOn": False,
    "appCommandLine": "", "managedPipelineMode": "Integrated",
    "virtualApplications": [{"virtualPath": "/", "physicalPath": "site\\wwwroot", "preloadEnabled": False}],
    "loadBalancing": "LeastRequests", "experiments": {"rampUpRules": []}, "autoHealEnabled": False, "vnetName": "",
    "vnetRouteAllEnabled": False, "vnetPrivatePortsCount": 0, "localMySqlEnabled": False, "ipSecurityRestrictions": [
        {"ipAddress": "Any", "action": "Allow", "priority": 2147483647, "name": "Allow all", "description": "Allow all access"}],
    "ipSecurityRestrictionsDefaultAction": "Allow", "scmIpSecurityRestrictions": [
        {"ipAddress": "Any", "action": "Allow", "priority": 2147483647, "name": "Allow all", "description": "Allow all access"}],
    "scmIpSecurityRestrictionsDefaultAction": "Allow", "scmIpSecurityRestrictionsUseMain": False, "http20Enabled": False,
    "minTlsVersion": "1.2", "minTlsCipherSuite": None, "scmMinTlsVersion": "1.2", "ftpsState": "AllAllowed", "preWarmedInstanceCount": 0,
    "functionAppScaleLimit": 0, "elasticWebAppScaleLimit": None, "healthCheckPath": None, "functionsRuntimeScaleMonitoringEnabled": False,
    "minimumElasticInstanceCount": 0, "azureStorageAccounts": {}, "cors": None, "autoSwapSlotName": None, "publicNetworkAccess": None,
    "keyVaultReferenceIdentity": None, "websiteTimeZone": None,
}

# Fields a GET on the site fills in its siteConfig (arm-web.md §3.2, [MEM]: the rest is null).
SPARSE = ("numberOfWorkers", "linuxFxVersion", "windowsFxVersion", "acrUseManagedIdentityCreds", "alwaysOn", "http20Enabled",
          "functionAppScaleLimit", "minimumElasticInstanceCount")

ENUMS = {
    "ftpsState": ("AllAllowed", "FtpsOnly", "Disabled"),
    "minTlsVersion": ("1.0", "1.1", "1.2", "1.3"),
    "scmMinTlsVersion": ("1.0", "1.1", "1.2", "1.3"),
    "managedPipelineMode": ("Integrated", "Classic"),
    "loadBalancing": ("WeightedRoundRobin", "LeastRequests", "LeastResponseTime", "WeightedTotalTraffic", "RequestHash",
                      "PerSiteRoundRobin", "LeastRequestsWithTieBreaker"),
    "scmType": ("None", "Dropbox", "Tfs", "LocalGit", "GitHub", "CodePlexGit", "CodePlexHg", "BitbucketGit", "BitbucketHg", "ExternalGit",
                "ExternalHg", "OneDrive", "VSO", "VSTSRM"),
    "ipSecurityRestrictionsDefaultAction": ("Allow", "Deny"),
    "scmIpSecurityRestrictionsDefaultAction": ("Allow", "Deny"),
}
CONNECTION_TYPES = ("MySql", "SQLServer", "SQLAzure", "Custom", "NotificationHub", "ServiceBus", "EventHub", "ApiHub", "DocDb",
                    "RedisCache", "PostgreSQL")
# RUNTIME|VERSION (PYTHON|3.12, NODE|20-lts, DOTNETCORE|8.0, DOCKER|image:tag, COMPOSE|base64...) - arm-web.md §4.1.
LINUX_FX = re.compile(r"^[A-Za-z][A-Za-z0-9]*\|\S+$")
WRITE_ONLY_COLLECTIONS = ("appSettings", "connectionStrings", "metadata")
# The code runtimes whose versions the webAppStacks table lists (stacks.py); retired versions stay listed and accepted.
CODE_RUNTIMES = ("PYTHON", "NODE", "PHP", "DOTNETCORE")


def linux_runtimes():
    return {minor["stackSettings"]["linuxRuntimeSettings"]["runtimeVersion"].upper()
            for stack in stacks.STACKS for major in stack["majorVersions"] for minor in major["minorVersions"]
            if minor["stackSettings"].get("linuxRuntimeSettings", {}).get("runtimeVersion")}


def invalid_parameter(name):
    """Microsoft.Web's 400 for a bad value: ``The parameter LinuxFxVersion has an invalid value.``
    (quoted in microsoft/azure-pipelines-tasks#11686 and Azure/azure-cli#17020); the ExtendedCode
    01007 and the reuse for other parameters are unverified."""
    return WebError(400, "BadRequest", f"The parameter {name} has an invalid value.", extended_code="01007",
                    template="The parameter {0} has an invalid value.", parameters=[name])


def always_on_refused():
    """409 with ExtendedCode 01020 (response quoted in microsoft/HealthBotContainerSample#51)."""
    text = ("AlwaysOn cannot be set for this site as the plan does not allow it. For more information on pricing and features, "
            "please see: https://aka.ms/appservicepricingdetails ")
    return WebError(409, "Conflict", f"There was a conflict. {text}", extended_code="01020", template="There was a conflict. {0}", parameters=[text])


def new_config(linux_fx=None):
    cfg = copy.deepcopy(DEFAULTS)
    if linux_fx:
        cfg["linuxFxVersion"] = linux_fx
    return cfg


def validate(values, plan):
    """Check the SiteConfig fields a client sent against the model's enums and the plan's tier."""
    if not isinstance(values, dict):
        raise AzureError(400, "InvalidRequestContent", "The request content was invalid and could not be deserialized: 'siteConfig must be an object'.")
    for key, allowed in ENUMS.items():
        v = values.get(key)
        if v is not None and v not in allowed:
            raise invalid_parameter(key[0].upper() + key[1:])
    fx = values.get("linuxFxVersion")
    if fx:
        if not LINUX_FX.match(fx):
            raise invalid_parameter("LinuxFxVersion")
        if fx.split("|", 1)[0].upper() in CODE_RUNTIMES and fx.upper() not in linux_runtimes():
            # A built-in (code) runtime App Service does not have, such as PYTHON|3.1 (an unquoted YAML 3.10): refused
            # (learn.microsoft.com "Configure a Linux Python app": the runtime must be one `az webapp list-runtimes --os
            # linux` lists). Same 400 as an ill-formed value; that App Service answers exactly this for an unknown
            # version is unverified. Custom containers (DOCKER|, COMPOSE|) and Java's forms are not checked.
            raise invalid_parameter("LinuxFxVersion")
        if plan is not None and not plan["properties"].get("reserved"):
            # A Linux runtime on a Windows plan (arm-web.md §3.4 [MEM]; same text as above, unverified).
            raise invalid_parameter("LinuxFxVersion")
    workers = values.get("numberOfWorkers")
    if workers is not None and (not isinstance(workers, int) or workers < 1):
        raise invalid_parameter("NumberOfWorkers")
    if values.get("alwaysOn") and plan is not None and not common.tier_limits(plan["sku"]["tier"])["always_on"]:
        raise always_on_refused()
    hc = values.get("healthCheckPath")
    if hc and not str(hc).startswith("/"):
        raise invalid_parameter("HealthCheckPath")  # unverified
    for key in ("appSettings", "connectionStrings"):
        if values.get(key) is not None and not isinstance(values[key], list):
            raise AzureError(400, "InvalidRequestContent", f"The request content was invalid and could not be deserialized: '{key} must be an array'.")


def merge(doc, values, plan):
    """Merge SiteConfig fields into a site's stored config; app settings / connection strings sent
    inside siteConfig replace the whole collection (arm-web.md §1.5)."""
    validate(values, plan)
    cfg = doc.setdefault("_siteConfig", new_config())
    for k, v in values.items():
        if k in WRITE_ONLY_COLLECTIONS or k == "machineKey":
            continue
        cfg[k] = copy.deepcopy(v)
    if values.get("appSettings") is not None:
        doc["_appSettings"] = {p.get("name"): "" if p.get("value") is None else str(p.get("value")) for p in values["appSettings"] if p.get("name")}
    if values.get("connectionStrings") is not None:
        cs = {}
        for c in values["connectionStrings"]:
            if c.get("name"):
                ctype = c.get("type") or "Custom"
                if ctype not in CONNECTION_TYPES:
                    raise invalid_parameter("ConnectionStringType")
                cs[c["name"]] = {"value": c.get("connectionString") or "", "type": ctype}
        doc["_connectionStrings"] = cs
    return cfg


def full(doc, plan):
    """The SiteConfig that ``GET config/web`` returns (numberOfWorkers follows the plan)."""
    cfg = copy.deepcopy(doc.get("_siteConfig") or new_config())
    if plan is not None:
        cfg["numberOfWorkers"] = plan["sku"]["capacity"]
    return cfg


def sparse(doc, plan):
    cfg = full(doc, plan)
    return {k: cfg.get(k) for k in SPARSE}


def validate_app_settings(props):
    """``StringDictionary.properties``: string values only (SDK model)."""
    if props is None:
        return {}
    if not isinstance(props, dict):
        raise AzureError(400, "InvalidRequestContent", "The request content was invalid and could not be deserialized: 'properties must be an object'.")
    out = {}
    for k, v in props.items():
        if v is not None and not isinstance(v, (str, int, float, bool)):
            raise AzureError(400, "InvalidRequestContent",
                             f"The request content was invalid and could not be deserialized: 'Error converting value for app setting '{k}' to type String.'.")
        out[k] = "" if v is None else (str(v).lower() if isinstance(v, bool) else str(v))
    return out


def validate_connection_strings(props):
    """``ConnectionStringDictionary``: each entry needs ``value`` and a ``type`` from the enum (SDK
    model ConnStringValueTypePair: both REQ).  Error text unverified."""
    if props is None:
        return {}
    if not isinstance(props, dict):
        raise AzureError(400, "InvalidRequestContent", "The request content was invalid and could not be deserialized: 'properties must be an object'.")
    out = {}
    for name, entry in props.items():
        if not isinstance(entry, dict) or entry.get("value") is None:
            raise invalid_parameter(f"ConnectionStrings.{name}.Value")  # unverified
        if entry.get("type") not in CONNECTION_TYPES:
            raise invalid_parameter(f"ConnectionStrings.{name}.Type")  # unverified
        out[name] = {"value": str(entry["value"]), "type": entry["type"]}
    return out
