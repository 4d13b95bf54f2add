"""Runtime stacks of App Service: ``GET /providers/Microsoft.Web/webAppStacks[?stackOsType=]`` (Provider_GetWebAppStacks),
``GET /providers/Microsoft.Web/locations/{location}/webAppStacks`` (Provider_GetWebAppStacksForLocation) and the legacy
``GET /providers/Microsoft.Web/availableStacks[?osTypeSelected=]`` (Provider_GetAvailableStacks).

Shapes: azure-rest-api-specs ``Microsoft.Web/stable/2024-11-01/examples/GetWebAppStacks.json`` and
``GetWebAppStacksForLocation.json`` (``id``/``name``/``type``, ``properties.displayText``/``value``/``preferredOs``
"Windows"|"Linux", ``majorVersions[].minorVersions[].stackSettings.{linux,windows}RuntimeSettings`` with ``runtimeVersion``,
``remoteDebuggingSupported``, ``appInsightsSettings``, ``gitHubActionSettings``, ``isDeprecated``, ``isPreview``, ``isHidden``,
``isAutoUpdate``, ``isEarlyAccess``, ``endOfLifeDate``), the azure-mgmt-web 11.0.1 models ``WebAppStack``/``WebAppRuntimeSettings``
(no ``supportedFeatures`` there, so azsim sends none) and ``ApplicationStackResource``.  The data the real API serves comes
from Azure/azure-functions-ux ``server/src/stacks/2020-10-01/stacks/web-app-stacks/*.ts``; its ``filterWebAppStacks``
(``service/WebAppUtility.ts``) is the ``stackOsType`` filter: drop the other OS's settings, then minor versions left without
settings, then empty major versions, then empty stacks.

End-of-life dates: Python from azure-functions-ux (``python38EOL`` 2024/10/31 ... ``python312EOL`` 2028/10/31; 3.13
2029-10-31 in its stacks tests; 3.14 2030-10-31, PEP 745), matching Learn "Language runtime support policy for App Service" (community end of
support); .NET from Learn "Supported languages in Azure Functions" (.NET 8 and 9: 10 November 2026, .NET 10: 14 November
2028); Node from the Node.js release schedule (20: 2026-04-30, 22: 2027-04-30); Java from web-app-stacks/Java.ts
(``java17EOL`` October 2031, ``java21EOL`` October 2028); PHP from php.net "Supported Versions" (8.2: 2026-12-31,
8.3: 2027-12-31).  ``isDeprecated`` is azsim's rule: true once the simulated clock passes ``endOfLifeDate`` (the real data
sets it by hand around that date; when exactly is unverified).  Only a current subset of versions is listed.
"""

import copy
import datetime as _dt

from ...core import locations
from ...core.errors import AzureError

PROVIDER = "/providers/Microsoft.Web"
OS_TYPES = ("Windows", "Linux", "All")  # azure-mgmt-web ProviderStackOsType


def _settings(runtime, eol, github=None, insights_off=True, remote_debugging=False, **flags):
    out = {"runtimeVersion": runtime, "remoteDebuggingSupported": remote_debugging,
           "appInsightsSettings": {"isSupported": True, "isDefaultOff": insights_off},
           "gitHubActionSettings": {"isSupported": True, **({"supportedVersion": github} if github else {})}}
    out.update(flags)
    if eol:
        out["endOfLifeDate"] = eol + "T00:00:00Z"
    return out


def _minor(display, value, linux=None, windows=None):
    settings = {}
    if linux:
        settings["linuxRuntimeSettings"] = linux
    if windows:
        settings["windowsRuntimeSettings"] = windows
    return {"displayText": display, "value": value, "stackSettings": settings}


def _python():
    # 3.14: App Service for Linux offers it since November 2025 (Azure App Service team blog, "Python 3.14 is now available
    # on Azure App Service for Linux"; portal, CLI, ARM/Bicep as PYTHON|3.14); its end of life is PEP 745's, 2030-10.
    eol = {"3.14": "2030-10-31", "3.13": "2029-10-31", "3.12": "2028-10-31", "3.11": "2027-10-31", "3.10": "2026-10-31",
           "3.9": "2025-10-31", "3.8": "2024-10-31"}
    # Python runs on Linux only (Learn "Configure a Linux Python app for Azure App Service": "Python on Windows is no
    # longer supported"); web-app-stacks/Python.ts: isDefaultOff App Insights, GitHub Actions version = minor version.
    minors = [_minor(f"Python {v}", v, linux=_settings(f"PYTHON|{v}", d, github=v)) for v, d in eol.items()]
    return {"displayText": "Python", "value": "python", "preferredOs": "Linux",
            "majorVersions": [{"displayText": "Python 3", "value": "3", "minorVersions": minors}]}


def _node():
    majors = []
    for v, d in (("22", "2027-04-30"), ("20", "2026-04-30")):
        minor = _minor(f"Node {v} LTS", f"{v}-lts", linux=_settings(f"NODE|{v}-lts", d, github=f"{v}.x", insights_off=False),
                       windows=_settings(f"~{v}", d, github=f"{v}.x", insights_off=False))
        majors.append({"displayText": f"Node {v}", "value": v, "minorVersions": [minor]})
    return {"displayText": "Node", "value": "node", "preferredOs": "Linux", "majorVersions": majors}


def _dotnet():
    majors = []
    for v, d, lts in (("10", "2028-11-14", True), ("9", "2026-11-10", False), ("8", "2026-11-10", True)):
        label = f".NET {v}" + (" (LTS)" if lts else " (STS)")
        minor = _minor(label, f"{v}", linux=_settings(f"DOTNETCORE|{v}.0", d, github=f"{v}.0.x"),
                       windows=_settings(f"v{v}.0", d, github=f"{v}.0.x"))
        majors.append({"displayText": f".NET {v}", "value": v, "minorVersions": [minor]})
    majors.append({"displayText": "ASP.NET V4", "value": "v4", "minorVersions": [
        _minor("ASP.NET V4.8", "v4.8", windows=_settings("v4.0", None, github="4.8"))]})
    return {"displayText": ".NET", "value": "dotnet", "preferredOs": "Windows", "majorVersions": majors}


def _java():
    majors = []
    for v, d in (("21", "2028-10-01"), ("17", "2031-10-01")):
        # web-app-stacks/Java.ts: "Runtime on Linux Java is determined by the Java container" (empty runtimeVersion).
        minor = _minor(f"Java {v}", f"{v}.0", linux=_settings("", d, github=v, insights_off=False, isAutoUpdate=True),
                       windows=_settings(v, d, github=v, isAutoUpdate=True))
        majors.append({"displayText": f"Java {v}", "value": v, "minorVersions": [minor]})
    return {"displayText": "Java", "value": "java", "majorVersions": majors}


def _php():
    minors = [_minor(f"PHP {v}", v, linux=_settings(f"PHP|{v}", d, github=v)) for v, d in (("8.3", "2027-12-31"), ("8.2", "2026-12-31"))]
    return {"displayText": "PHP", "value": "php", "preferredOs": "Linux", "majorVersions": [{"displayText": "PHP 8", "value": "8",
                                                                                            "minorVersions": minors}]}


STACKS = (_dotnet(), _node(), _python(), _php(), _java())  # the order of StackService.getWebAppStacks


def _eol_passed(settings, now):
    eol = settings.get("endOfLifeDate")
    return bool(eol) and _dt.datetime.fromisoformat(eol.replace("Z", "+00:00")) <= now


def web_app_stacks(os_type, now):
    """The stacks as the service lists them for ``os_type`` ("linux", "windows" or None), filtered as filterWebAppStacks."""
    out = []
    for stack in copy.deepcopy(STACKS):
        for major in stack["majorVersions"]:
            for minor in major["minorVersions"]:
                settings = minor["stackSettings"]
                if os_type == "linux":
                    settings.pop("windowsRuntimeSettings", None)
                elif os_type == "windows":
                    settings.pop("linuxRuntimeSettings", None)
                for s in settings.values():
                    s.setdefault("isDeprecated", _eol_passed(s, now))
            major["minorVersions"] = [m for m in major["minorVersions"] if m["stackSettings"]]
        stack["majorVersions"] = [m for m in stack["majorVersions"] if m["minorVersions"]]
        if stack["majorVersions"]:
            out.append(stack)
    return out


def _os_type(req, key, allowed=OS_TYPES):
    raw = req.query.get(key.lower())
    if raw is None or raw == "":
        return None
    hit = next((a for a in allowed if a.lower() == raw.lower()), None)
    if hit is None:
        # The service refuses an unknown OS type; code and text unverified.
        raise AzureError(400, "BadRequest", f"The value '{raw}' is not valid for {key}. Allowed values: {', '.join(allowed)}.")
    return None if hit == "All" else hit.lower()


def register(app):
    r = app.router

    def now():
        return _dt.datetime.fromtimestamp(app.clock.now(), tz=_dt.UTC)

    def get_stacks(req):
        items = [{"id": f"{PROVIDER}/webAppStacks/{s['value']}", "name": s["value"], "type": "Microsoft.Web/webAppStacks", "properties": s}
                 for s in web_app_stacks(_os_type(req, "stackOsType"), now())]
        return app.page(req, items)

    def get_stacks_for_location(req, location):
        loc = locations.normalize(location) or location
        # The spec example (GetWebAppStacksForLocation.json) names the type Microsoft.Web/locations/webAppStacks and echoes
        # the location; its id lacks the location segment, which azsim keeps (ARM's id of a nested type, unverified).
        items = [{"id": f"{PROVIDER}/locations/{loc}/webAppStacks/{s['value']}", "name": s["value"],
                  "type": "Microsoft.Web/locations/webAppStacks", "location": loc, "properties": s}
                 for s in web_app_stacks(_os_type(req, "stackOsType"), now())]
        return app.page(req, items)

    def get_available_stacks(req, subscriptionId=None):
        os_sel = _os_type(req, "osTypeSelected", ("Windows", "Linux", "WindowsFunctions", "LinuxFunctions", "All"))
        return app.page(req, available_stacks(os_sel, now()))

    r.add("GET", PROVIDER + "/webAppStacks", get_stacks, action="Microsoft.Web/webAppStacks/read")
    r.add("GET", PROVIDER + "/locations/{location}/webAppStacks", get_stacks_for_location, action="Microsoft.Web/locations/webAppStacks/read")
    r.add("GET", PROVIDER + "/availableStacks", get_available_stacks, action="Microsoft.Web/availableStacks/read")
    r.add("GET", "/subscriptions/{subscriptionId}" + PROVIDER + "/availableStacks", get_available_stacks,
          action="Microsoft.Web/availableStacks/read")


def available_stacks(os_sel, now):
    """The legacy ``availableStacks`` list (ApplicationStackResource) derived from the same table, one resource per stack and
    one major version per runtime, as the azure-functions-ux "config stacks" fixture ``pythonLinuxConfigStack`` shows
    (``id`` null, ``name`` "python", ``type`` "Microsoft.Web/availableStacks?osTypeSelected=Linux", ``majorVersions`` of
    ``{displayVersion, runtimeVersion, isDefault, minorVersions, applicationInsights, isPreview, isDeprecated, isHidden}``).
    Function stacks (``WindowsFunctions``/``LinuxFunctions``) are not simulated: empty list."""
    if os_sel in ("windowsfunctions", "linuxfunctions"):
        return []
    os_key = os_sel or "linux"
    key = "linuxRuntimeSettings" if os_key == "linux" else "windowsRuntimeSettings"
    out = []
    for stack in web_app_stacks(os_key, now):
        majors = []
        for major in stack["majorVersions"]:
            for minor in major["minorVersions"]:
                s = minor["stackSettings"].get(key)
                if not s or not s["runtimeVersion"]:
                    continue
                shown = minor["value"]
                majors.append({"displayVersion": shown, "runtimeVersion": s["runtimeVersion"], "isDefault": not majors,
                               "minorVersions": [{"displayVersion": shown, "runtimeVersion": s["runtimeVersion"], "isDefault": True,
                                                  "isRemoteDebuggingEnabled": s["remoteDebuggingSupported"]}],
                               "applicationInsights": s["appInsightsSettings"]["isSupported"], "isPreview": bool(s.get("isPreview")),
                               "isDeprecated": s["isDeprecated"], "isHidden": bool(s.get("isHidden"))})
        if majors:
            out.append({"id": None, "name": stack["value"], "type": f"Microsoft.Web/availableStacks?osTypeSelected={os_key.capitalize()}",
                        "properties": {"name": stack["value"], "display": stack["displayText"], "dependency": None, "majorVersions": majors,
                                       "frameworks": [], "isDeprecated": None}})
    return out
