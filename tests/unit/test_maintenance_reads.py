"""Pure logic of the maintenance read modules (cost_info, web_app_stack_info, postgresql_flexible_server_capabilities_info)
and the engine's wait on Cost Management's own throttling headers."""

import pytest
from ansible_collections.erpops.azure.plugins.module_utils import arm
from ansible_collections.erpops.azure.plugins.module_utils.errors import AzureApiError
from ansible_collections.erpops.azure.plugins.modules import cost_info, web_app_stack_info
from ansible_collections.erpops.azure.plugins.modules import postgresql_flexible_server_capabilities_info as pgcaps


# -- the engine's 429 wait ------------------------------------------------------------------------------
@pytest.mark.parametrize("headers, attempt, wait", [
    ({"retry-after": "7"}, 1, 7),
    ({"x-ms-ratelimit-microsoft.costmanagement-qpu-retry-after": "12"}, 1, 12),
    # Several quotas exhausted at once: the longest wait is the one that lets the call through.
    ({"x-ms-ratelimit-microsoft.costmanagement-entity-retry-after": "3", "x-ms-ratelimit-microsoft.costmanagement-tenant-retry-after": "20",
      "retry-after": "1"}, 1, 20),
    ({"x-ms-ratelimit-microsoft.consumption-retry-after": "4"}, 1, 4),
    ({"x-ms-ratelimit-microsoft.costmanagement-client-retry-after": "3600"}, 1, arm.MAX_RETRY_AFTER),
    ({}, 3, 8),  # no hint: exponential backoff
    ({"x-ms-ratelimit-microsoft.costmanagement-qpu-retry-after": "soon"}, 2, 4),
])
def test_retry_after_reads_cost_management_headers(headers, attempt, wait):
    assert arm._retry_after(headers, attempt) == wait


class _Resp:
    def __init__(self, status, headers, body):
        self.status_code, self.headers, self._body = status, headers, body

    def read(self):
        return self._body


class _Pipeline:
    def __init__(self, answers):
        self.answers = list(answers)

    def send_request(self, _req):
        return self.answers.pop(0)


def test_read_only_post_is_retried_after_the_cost_management_wait():
    slept = []
    client = arm.ArmClient(auth=None, check_mode=True, sleep=slept.append)
    client._client = _Pipeline([
        _Resp(429, {"x-ms-ratelimit-microsoft.costmanagement-qpu-retry-after": "9"}, b'{"error": {"code": "429", "message": "Too many requests."}}'),
        _Resp(200, {}, b'{"properties": {"rows": []}}'),
    ])
    client.auth = type("Auth", (), {"arm_endpoint": "https://management.azure.com"})()
    status, _headers, body = client.request("POST", "/subscriptions/s/providers/Microsoft.CostManagement/query", "2025-03-01", body={},
                                            expect=(200,), read_only=True)
    assert status == 200 and body == {"properties": {"rows": []}} and slept == [9]
    assert [c[2] for c in client.calls] == [429, 200]


# -- cost_info ---------------------------------------------------------------------------------------------
def test_usage_dates_in_both_shapes():
    assert cost_info.usage_date(20261125) == "2026-11-25"
    assert cost_info.usage_date(20261125.0) == "2026-11-25"
    assert cost_info.usage_date("2026-11-25T00:00:00") == "2026-11-25"


def test_summarize_grouped_daily_rows():
    result = {"properties": {"columns": [{"name": "Cost", "type": "Number"}, {"name": "UsageDate", "type": "Number"},
                                         {"name": "ResourceType", "type": "String"}, {"name": "Currency", "type": "String"}],
                             "rows": [[1.5, 20261101, "microsoft.web/serverfarms", "EUR"], [0.25, 20261101, "microsoft.cdn/profiles", "EUR"],
                                      [1.5, 20261102, "microsoft.web/serverfarms", "EUR"], [0.0, 20261102, "", "EUR"]],
                             "nextLink": None}}
    index, rows, link = cost_info.columns_of(result)
    total, days, groups, currency = cost_info.summarize(rows, index, "ResourceType")
    assert (total, currency, link) == (3.25, "EUR", None)
    assert days == {"2026-11-01": 1.75, "2026-11-02": 1.5}
    assert cost_info.top_lines(groups, 1) == [{"name": "microsoft.web/serverfarms", "cost": 3.0}]
    assert [line["name"] for line in cost_info.top_lines(groups, 0)] == ["microsoft.web/serverfarms", "microsoft.cdn/profiles", "(none)"]


def test_cost_column_is_found_by_its_name_whatever_the_alias():
    assert cost_info.cost_index({"pretaxcost": 2, "usagedate": 0}) == 2
    with pytest.raises(AzureApiError) as e:
        cost_info.cost_index({"usagedate": 0, "currency": 1})
    assert "no cost column" in e.value.message


def test_budget_view_percentages_and_notifications():
    doc = {"name": "monthly", "properties": {
        "amount": 187, "timeGrain": "Monthly", "currentSpend": {"amount": 52.371, "unit": "EUR"}, "forecastSpend": {"amount": 101.12, "unit": "EUR"},
        "notifications": {"forecasted_GreaterThan_100": {"enabled": True, "operator": "GreaterThan", "threshold": 100, "thresholdType": "Forecasted",
                                                         "contactEmails": ["ops@example.com"]}}}}
    view = cost_info.budget_view(doc)
    assert view["current_spend"] == 52.37 and view["forecast_spend"] == 101.12 and view["unit"] == "EUR"
    assert view["percent_used"] == 28.0 and view["percent_forecast"] == 54.1
    assert view["notifications"] == [{"name": "forecasted_GreaterThan_100", "threshold": 100, "threshold_type": "Forecasted",
                                      "operator": "GreaterThan", "enabled": True, "contact_emails": ["ops@example.com"]}]
    # A budget read through an api-version without forecastSpend.
    assert cost_info.budget_view({"name": "b", "properties": {"amount": 10}})["percent_forecast"] is None


# -- web_app_stack_info --------------------------------------------------------------------------------------
def test_flatten_keeps_the_os_settings_only():
    stacks = [{"value": "node", "majorVersions": [{"value": "22", "minorVersions": [
        {"displayText": "Node 22 LTS", "value": "22-lts", "stackSettings": {
            "linuxRuntimeSettings": {"runtimeVersion": "NODE|22-lts", "endOfLifeDate": "2027-04-30T00:00:00Z", "isAutoUpdate": True},
            "windowsRuntimeSettings": {"runtimeVersion": "~22", "endOfLifeDate": "2027-04-30T00:00:00Z", "isDeprecated": True}}},
        {"displayText": "Node 22 (Windows only)", "value": "22-win", "stackSettings": {"windowsRuntimeSettings": {"runtimeVersion": "~22.1"}}},
    ]}]}]
    linux = web_app_stack_info.flatten(stacks, "linux")
    assert linux == [{"stack": "node", "major_version": "22", "minor_version": "22-lts", "runtime_version": "NODE|22-lts",
                      "display": "Node 22 LTS", "end_of_life_date": "2027-04-30", "is_deprecated": False, "is_preview": False,
                      "is_hidden": False, "is_auto_update": True, "is_early_access": False}]
    windows = web_app_stack_info.flatten(stacks, "windows")
    assert [v["runtime_version"] for v in windows] == ["~22", "~22.1"]
    assert windows[0]["is_deprecated"] is True and windows[1]["end_of_life_date"] is None


# -- postgresql_flexible_server_capabilities_info -------------------------------------------------------------
def test_end_of_support_table_follows_learn():
    assert pgcaps.support_dates("11") == {"community_end_of_life": "2023-11-09", "end_of_support_date": "2026-03-31",
                                          "extended_support_end": "2026-11-08"}
    assert pgcaps.support_dates("12")["community_end_of_life"] == "2024-11-14"
    assert pgcaps.support_dates("16")["end_of_support_date"] == "2028-11-09"
    assert pgcaps.support_dates("99") == {"community_end_of_life": None, "end_of_support_date": None, "extended_support_end": None}


def test_summarize_capabilities():
    caps = [{"name": "FlexibleServerCapabilities",
             "supportedServerVersions": [{"name": "15", "supportedVersionsToUpgrade": ["16", "17"]}, {"name": "17", "status": "Default"},
                                         {"name": "16"}],
             "supportedServerEditions": [{"name": "Burstable", "defaultSkuName": "Standard_B1ms", "supportedStorageEditions": [
                 {"name": "ManagedDisk", "defaultStorageSizeMb": 32768, "supportedStorageMb": [{"storageSizeMb": 32768}, {"storageSizeMb": 65536}]},
                 {"name": "ManagedDiskV2", "defaultStorageSizeMb": 32768, "supportedStorageMb": [{"storageSizeMb": 32768}]}],
                 "supportedServerSkus": [{"name": "Standard_B2s", "vCores": 2, "supportedIops": 1280, "supportedMemoryPerVcoreMb": 2048,
                                          "supportedZones": ["1"], "supportedHaMode": []}]}],
             "supportedFeatures": [{"name": "GeoBackup", "status": "Enabled"}]}]
    versions, editions, features = pgcaps.summarize(caps)
    assert [v["version"] for v in versions] == ["17", "16", "15"]
    assert versions[0]["status"] == "Default" and versions[2]["supported_versions_to_upgrade"] == ["16", "17"]
    assert versions[2]["end_of_support_date"] == "2027-11-11"
    burstable = editions["Burstable"]
    assert burstable["default_sku"] == "Standard_B1ms" and burstable["storage_sizes_gb"] == [32, 64] and burstable["default_storage_gb"] == 32
    assert burstable["skus"][0]["memory_mb"] == 4096 and burstable["skus"][0]["vcores"] == 2
    assert features == {"GeoBackup": "Enabled"}
