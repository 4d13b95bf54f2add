"""Pure logic of monitor_activity_log_alert: the option's conditions as ARM's condition.allOf, refused before any request."""

import pytest
from ansible_collections.erpops.azure.plugins.modules import monitor_activity_log_alert as ala


class Failed(Exception):
    pass


class FakeModule:
    def fail(self, msg, **_kw):
        raise Failed(msg)


def leaf(field=None, equals=None, contains_any=None, any_of=None):
    return {"field": field, "equals": equals, "contains_any": contains_any, "any_of": any_of}


def test_leaves_and_any_of_groups_become_arm_conditions_without_unset_keys():
    cond = ala.wanted_condition(FakeModule(), [
        leaf("category", "ServiceHealth"),
        leaf(any_of=[{"field": "properties.incidentType", "equals": "Incident", "contains_any": None},
                     {"field": "properties.incidentType", "equals": "Maintenance", "contains_any": None}]),
        leaf("properties.impactedServices[*].ImpactedRegions[*].RegionName", contains_any=["West Europe"]),
    ])
    assert cond == {"allOf": [
        {"field": "category", "equals": "ServiceHealth"},
        {"anyOf": [{"field": "properties.incidentType", "equals": "Incident"}, {"field": "properties.incidentType", "equals": "Maintenance"}]},
        {"field": "properties.impactedServices[*].ImpactedRegions[*].RegionName", "containsAny": ["West Europe"]},
    ]}


def test_unset_condition_is_not_compared():
    assert ala.wanted_condition(FakeModule(), None) is None


@pytest.mark.parametrize("items, message", [
    ([], "condition must hold at least one item"),
    ([leaf("severity", "High")], "condition[0]: field 'severity' is not an activity log field"),
    ([leaf("category")], "condition[0]: set exactly one of equals and contains_any"),
    ([leaf("category", "Administrative", ["Security"])], "condition[0]: set exactly one of equals and contains_any"),
    ([leaf("level", contains_any=[])], "condition[0]: contains_any must hold at least one value"),
    ([leaf(equals="Administrative")], "condition[0]: field is required (or any_of)"),
    ([leaf("category", any_of=[{"field": "level", "equals": "Error", "contains_any": None}])],
     "condition[0]: any_of cannot be combined with field, equals or contains_any"),
    ([leaf(any_of=[])], "condition[0]: any_of must hold at least one condition"),
])
def test_bad_conditions_are_refused_with_the_item_named(items, message):
    with pytest.raises(Failed) as exc:
        ala.wanted_condition(FakeModule(), items)
    assert str(exc.value).startswith(message)
