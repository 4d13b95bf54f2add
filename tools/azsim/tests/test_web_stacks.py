"""App Service runtime stacks (Provider_GetWebAppStacks, Provider_GetWebAppStacksForLocation, Provider_GetAvailableStacks)
through azure-mgmt-web's ``provider`` operations."""

import datetime as _dt

import pytest
from azure.core.exceptions import HttpResponseError
from azure.mgmt.web import WebSiteManagementClient

PYTHON_EOL = {"3.8": "2024-10-31", "3.9": "2025-10-31", "3.10": "2026-10-31", "3.11": "2027-10-31", "3.12": "2028-10-31",
              "3.13": "2029-10-31", "3.14": "2030-10-31"}


def sim_now(azsim):
    return _dt.datetime.fromisoformat(azsim.admin("GET", "clock")["now"][:19]).replace(tzinfo=_dt.UTC)


def python_minors(stacks):
    py = next(s for s in stacks if s.name == "python")
    assert py.properties.value == "python" and py.properties.display_text == "Python" and py.properties.preferred_os == "Linux"
    return {m.value: m for major in py.properties.major_versions for m in major.minor_versions}


def test_python_stack_linux(azsim, mode):
    web = azsim.client(WebSiteManagementClient, mode)
    stacks = list(web.provider.get_web_app_stacks(stack_os_type="Linux"))
    assert {"python", "node", "dotnet", "java", "php"} <= {s.name for s in stacks}
    assert all(s.type == "Microsoft.Web/webAppStacks" and s.id == f"/providers/Microsoft.Web/webAppStacks/{s.name}" for s in stacks)
    minors = python_minors(stacks)
    assert set(PYTHON_EOL) <= set(minors)
    assert list(minors)[:2] == ["3.14", "3.13"]  # newest first, as the service lists them
    now = sim_now(azsim)
    for version, eol in PYTHON_EOL.items():
        settings = minors[version].stack_settings
        assert settings.windows_runtime_settings is None
        linux = settings.linux_runtime_settings
        assert linux.runtime_version == f"PYTHON|{version}"
        assert linux.end_of_life_date.date().isoformat() == eol and linux.end_of_life_date.tzinfo is not None
        assert linux.is_deprecated is (linux.end_of_life_date <= now)
        assert linux.app_insights_settings.is_supported is True
        assert linux.git_hub_action_settings.supported_version == version
        assert linux.remote_debugging_supported is False


def test_os_filter(azsim, mode):
    web = azsim.client(WebSiteManagementClient, mode)
    windows = list(web.provider.get_web_app_stacks(stack_os_type="Windows"))
    names = {s.name for s in windows}
    assert "python" not in names and "php" not in names and {"dotnet", "node"} <= names  # Python and PHP run on Linux only
    for s in windows:
        for major in s.properties.major_versions:
            assert major.minor_versions, "majors without minors are dropped"
            for minor in major.minor_versions:
                assert minor.stack_settings.linux_runtime_settings is None and minor.stack_settings.windows_runtime_settings
    everything = list(web.provider.get_web_app_stacks())
    dotnet = next(s for s in everything if s.name == "dotnet")
    eight = next(m for major in dotnet.properties.major_versions for m in major.minor_versions if m.value == "8")
    assert eight.stack_settings.linux_runtime_settings.runtime_version == "DOTNETCORE|8.0"
    assert eight.stack_settings.windows_runtime_settings.runtime_version == "v8.0"
    assert [s.name for s in web.provider.get_web_app_stacks(stack_os_type="All")] == [s.name for s in everything]


def test_stacks_for_location_and_legacy_list(azsim, mode):
    web = azsim.client(WebSiteManagementClient, mode)
    stacks = list(web.provider.get_web_app_stacks_for_location("West Europe", stack_os_type="Linux"))
    assert all(s.location == "westeurope" and s.type == "Microsoft.Web/locations/webAppStacks" for s in stacks)
    assert python_minors(stacks)["3.11"].stack_settings.linux_runtime_settings.runtime_version == "PYTHON|3.11"
    legacy = {s.name: s for s in web.provider.get_available_stacks(os_type_selected="Linux")}
    runtimes = [m.runtime_version for m in legacy["python"].properties.major_versions]
    assert "PYTHON|3.12" in runtimes and legacy["python"].properties.display == "Python"


def test_bad_os_type(azsim):
    s = azsim.session("direct")
    r = s.get(f"{azsim.url}/providers/Microsoft.Web/webAppStacks?api-version=2024-11-01&stackOsType=Solaris")
    assert r.status_code == 400
    with pytest.raises(HttpResponseError):
        list(azsim.client(WebSiteManagementClient, "direct").provider.get_web_app_stacks(stack_os_type="Solaris"))
