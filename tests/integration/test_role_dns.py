"""The dns role against azsim (see conftest.py and targets/role_dns), one scenario per dns_mode."""

import pytest

# Each scenario refuses bad variables inside a block/rescue: these are the only failures it may report, each with the
# task that failed and what its message must say.
EXPECTED_FAILURES = {
    "zone": [("erpops.azure.dns : Check the dns role's variables", "dns_subdomains must list distinct names")],
    "azure": [("erpops.azure.dns : Check the dns role's variables", "set dns_accept_agreements: true to consent"),
              ("erpops.azure.dns : Check the dns role's variables", "dns_contact must give"),
              ("erpops.azure.dns : Validating arguments against arg spec 'main'", "dns_mode must be one of: azure, external, zone, none")],
    "external": [("erpops.azure.dns : Check that public DNS shows every record", "still does not show")],
}


# A role run is a few dozen tasks; on a loaded machine (2 cores shared) a module takes seconds, so allow more than the
# default 300 s per test.
@pytest.mark.timeout(900)
@pytest.mark.parametrize("scenario", ["zone", "azure", "external"])
def test_role_dns(run_target, scenario):
    report, output = run_target("role_dns", extra_vars={"scenario": scenario, "resource_prefix": f"it-role-dns-{scenario}"}, expect_failure=True,
                                verbosity=1)
    failed = [(t["name"], t["msg"]) for t in report if t["status"] == "failed" and not t["ignore_errors"]]
    assert len(failed) == len(EXPECTED_FAILURES[scenario]), failed
    for (name, msg), (want_name, want_msg) in zip(failed, EXPECTED_FAILURES[scenario], strict=True):
        assert name.startswith(want_name) and want_msg in msg, (name, msg)
    assert report[-1]["name"] == "Delete the resource group" and report[-1]["status"] == "ok", report[-3:]
    names = [t["name"] for t in report]
    second = names.index("Run the role again")
    end = names.index("Verify the second run wrote nothing", second)
    assert [t["name"] for t in report[second:end] if t["changed"]] == [], "the second run reported changes"
    if scenario == "external":
        # The registrar published its records only after the role had started looking them up: the role waited.
        waited = output[:output.index("TASK [Verify the role waited for the records and exported them]")]
        assert "FAILED - RETRYING: [localhost]: Look up each record in public DNS until it shows" in waited
