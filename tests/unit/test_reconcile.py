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


def test_exact_trees_compare_a_whole_document_at_every_depth():
    lenses = [{"order": 0, "parts": [{"position": {"x": 0}, "metadata": {"type": "T", "settings": {"a": 1}}}]}]
    have = {"properties": {"lenses": lenses, "provisioningState": "Succeeded"}}
    assert reconcile.differences({"properties": {"lenses": lenses}}, have, exact_trees=("properties.lenses",)) == []
    # A key the user removed deep inside counts, unlike elsewhere; keys outside the tree still do not.
    fewer = [{"order": 0, "parts": [{"position": {"x": 0}, "metadata": {"type": "T"}}]}]
    assert reconcile.differences({"properties": {"lenses": fewer}}, have) == []
    assert reconcile.differences({"properties": {"lenses": fewer}}, have,
                                 exact_trees=("properties.lenses",)) == ["properties.lenses.0.parts.0.metadata"]
    # None is a value there (null), and a null Azure keeps is no extra key.
    assert reconcile.differences({"m": {"uri": None}}, {"m": {"uri": "x"}}, exact_trees=("m",)) == ["m.uri"]
    assert reconcile.differences({"m": {"uri": None}}, {"m": {"uri": "x"}}) == []
    assert reconcile.differences({"m": {"a": 1}}, {"m": {"a": 1, "uri": None}}, exact_trees=("m",)) == []
    assert reconcile.differences({"m": {}}, {"m": None}, exact_trees=("m",)) == []


def test_replace_at_and_lookup():
    doc = {"tags": {"a": "1", "b": "2"}, "properties": {"x": 1}}
    assert reconcile.lookup(doc, "properties.x") == 1 and reconcile.lookup(doc, "properties.y.z") is None
    value = {"a": "1"}
    assert reconcile.replace_at(doc, "tags", value) == {"tags": {"a": "1"}, "properties": {"x": 1}}
    value["a"] = "changed"
    assert doc["tags"] == {"a": "1"}
    assert reconcile.replace_at({}, "properties.metadata", {"m": 1}) == {"properties": {"metadata": {"m": 1}}}


class _FakeArm:
    def __init__(self, current):
        self.current = current

    def get(self, path, api_version):
        return self.current


class _FakeAz:
    check_mode = True

    def __init__(self, current):
        self.arm = _FakeArm(current)


def test_check_mode_prediction_replaces_what_the_put_replaces():
    from ansible_collections.erpops.azure.plugins.module_utils.module import Resource

    current = {"id": "/x", "location": "westeurope", "tags": {"a": "1", "old": "2"},
               "properties": {"lenses": [{"order": 0, "parts": []}], "metadata": {"model": {"timeRange": 1, "filters": 2}}}}
    body = {"location": "westeurope", "tags": {"a": "1"}, "properties": {"lenses": [], "metadata": {"model": {"timeRange": 3}}}}
    # Default: the tags sent replace the current ones in the prediction (a purge shows in the diff); metadata merges.
    changed, predicted, diff, _op = Resource(_FakeAz(current), "/x", "v").ensure_present(body, body=body)
    assert changed and predicted["tags"] == {"a": "1"} and predicted["properties"]["metadata"] == {"model": {"timeRange": 3, "filters": 2}}
    assert diff["before"]["tags"] == {"a": "1", "old": "2"}
    res = Resource(_FakeAz(current), "/x", "v", exact_trees=("properties.metadata",), replaced=("tags", "properties.metadata"))
    changed, predicted, _diff, _op = res.ensure_present(body, body=body)
    assert changed and predicted["properties"]["metadata"] == {"model": {"timeRange": 3}} and predicted["id"] == "/x"
