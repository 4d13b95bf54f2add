"""The app_service_plan role against azsim (see conftest.py and targets/role_app_service_plan)."""

# The target runs each refused run inside a block/rescue: these are the only failures it may report, each with the
# task that failed and what its message must name.
EXPECTED_FAILURES = [
    ("erpops.azure.app_service_plan : Check the app_service_plan role's variables", "app_service_plan_sku B1 has no autoscale"),
    ("erpops.azure.app_service_plan : Check the app_service_plan role's variables", "app_service_plan_autoscale_scale_in_cpu_threshold (80)"),
    ("erpops.azure.app_service_plan : Check the app_service_plan role's variables", "maximum 12"),
]
PLAN = "erpops.azure.app_service_plan : Create the Linux App Service plan"
AUTOSCALE = "erpops.azure.app_service_plan : Scale the plan between the minimum and maximum instances on CPU"


def test_role_app_service_plan(run_target):
    report = run_target("role_app_service_plan", expect_failure=True)
    failed = [(t["name"], t["msg"]) for t in report if t["status"] == "failed" and not t["ignore_errors"]]
    assert len(failed) == len(EXPECTED_FAILURES), failed
    for (name, msg), (want_name, want_msg) in zip(failed, EXPECTED_FAILURES, strict=True):
        assert name.startswith(want_name) and want_msg in msg, (name, msg)
    assert report[-1]["name"] == "Delete the resource group" and report[-1]["status"] == "ok", report[-3:]
    names = [t["name"] for t in report]
    check, first, second = names.index("Run the role in check mode"), names.index("Run the role"), names.index("Run the role again")
    refused = names.index("Mark the request log before the refused runs")
    # Check mode is the plan: it predicts the plan and the autoscale setting on it.
    assert [(t["name"], t["status"], t["changed"]) for t in report[check:first] if t["name"] in (PLAN, AUTOSCALE)] == [
        (PLAN, "ok", True), (AUTOSCALE, "ok", True)]
    assert [(t["name"], t["changed"]) for t in report[first:second] if t["name"] in (PLAN, AUTOSCALE)] == [(PLAN, True), (AUTOSCALE, True)]
    assert [t["name"] for t in report[second:refused] if t["changed"]] == []
