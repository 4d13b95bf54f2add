"""The comparison that decides ``changed``: only what the user set, normalised the way Azure treats it."""

from ansible_collections.erpops.azure.plugins.module_utils import reconcile


def test_unset_and_server_defaults_do_not_count():
    have = {"location": "westeurope", "properties": {"httpsOnly": True, "state": "Running", "siteConfig": {"alwaysOn": True}}}
    assert reconcile.differences({"location": "West Europe", "properties": {"httpsOnly": True, "clientAffinityEnabled": None}}, have) == []


def test_a_changed_field_is_reported_by_path():
    have = {"properties": {"siteConfig": {"minTlsVersion": "1.0"}}}
    assert reconcile.differences({"properties": {"siteConfig": {"minTlsVersion": "1.2"}}}, have) == ["properties.siteConfig.minTlsVersion"]


def test_ids_compare_case_insensitively_and_enums_only_where_asked():
    want = {"serverFarmId": "/subscriptions/S/resourceGroups/RG/providers/Microsoft.Web/serverfarms/Plan", "ftpsState": "disabled"}
    have = {"serverFarmId": "/subscriptions/s/resourcegroups/rg/providers/microsoft.web/serverFarms/plan", "ftpsState": "Disabled"}
    assert reconcile.differences(want, have) == ["ftpsState"]
    assert reconcile.differences(want, have, ci_paths=("ftpsState",)) == []


def test_exact_paths_see_extra_keys():
    assert reconcile.differences({"tags": {"a": "1"}}, {"tags": {"a": "1", "b": "2"}}) == []
    assert reconcile.differences({"tags": {"a": "1"}}, {"tags": {"a": "1", "b": "2"}}, exact=("tags",)) == ["tags"]
    assert reconcile.differences({"tags": {}}, {"tags": None}, exact=("tags",)) == []


def test_lists_ordered_or_as_multisets():
    want = {"rules": [{"name": "a"}, {"name": "b"}]}
    have = {"rules": [{"name": "b"}, {"name": "a", "extra": 1}]}
    assert reconcile.differences(want, have) == ["rules.0.name", "rules.1.name"]
    assert reconcile.differences(want, have, unordered=("rules",)) == []
    assert reconcile.differences(want, {"rules": [{"name": "a"}]}, unordered=("rules",)) == ["rules"]


def test_numbers_and_numeric_strings_match():
    assert reconcile.differences({"capacity": {"minimum": 2}}, {"capacity": {"minimum": "2"}}) == []
    assert reconcile.differences({"capacity": {"minimum": "3"}}, {"capacity": {"minimum": 2}}) == ["capacity.minimum"]


def test_merge_keeps_base_and_replaces_lists():
    base = {"a": {"x": 1, "y": [1, 2]}, "b": 1}
    assert reconcile.merge(base, {"a": {"y": [3], "z": None}}) == {"a": {"x": 1, "y": [3]}, "b": 1}
    assert base == {"a": {"x": 1, "y": [1, 2]}, "b": 1}


def test_redact_paths_and_keys():
    doc = {"properties": {"administratorLoginPassword": "s3cret", "appSettings": {"SECRET_KEY": "k", "DEBUG": "0"}}, "name": "x"}
    out = reconcile.redact(doc, secret_paths=("properties.appSettings.*",), secret_keys=("administratorLoginPassword",))
    assert out == {"properties": {"administratorLoginPassword": "********", "appSettings": {"SECRET_KEY": "********", "DEBUG": "********"}},
                   "name": "x"}
    assert doc["properties"]["administratorLoginPassword"] == "s3cret"


def test_tags_wanted():
    assert reconcile.tags_wanted({"a": "1"}, {"b": "2"}, purge=True) == {"b": "2"}
    assert reconcile.tags_wanted({"a": "1"}, {"b": "2"}, purge=False) == {"a": "1", "b": "2"}
    assert reconcile.tags_wanted({"a": "1"}, None, purge=True) is None
