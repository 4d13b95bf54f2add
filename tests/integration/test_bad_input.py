"""The quick part of the reliability suite's bad input (tests/chaos/bad_input.yml, `quick: true`): the values issue 14
found to pass validation (an AWS region, a PostgreSQL SKU Azure does not offer, an unquoted Python 3.10, Redis TLS 1.0, a
domain with a scheme, an unknown DNS mode) each fail deploy.yml before any write, naming the variable the operator set.
`make chaos-input` runs every set."""

import pytest

from . import bad_input
from .stack import started_azsim

pytestmark = pytest.mark.timeout(600)
QUICK = bad_input.load_sets(quick_only=True)


@pytest.fixture(scope="module")
def azsim(tmp_path_factory):
    with started_azsim(str(tmp_path_factory.mktemp("azsim-bad-input"))) as sim:
        yield sim


@pytest.fixture(scope="module")
def results(azsim, collections_path):
    return {r["id"]: r for r in bad_input.run_sets(azsim, QUICK, workers=2, collections_path=collections_path)}


def test_the_chaos_sets_are_enough():
    sets = bad_input.load_sets()
    assert len(sets) >= 30 and len(QUICK) >= 6
    assert all(s.get("expect") and ("vars" in s or "vars_yaml" in s) for s in sets)


@pytest.mark.parametrize("entry", QUICK, ids=[s["id"] for s in QUICK])
def test_bad_input_fails_before_any_write_naming_the_variable(results, entry):
    r = results[entry["id"]]
    assert not r["problems"], f"{r['problems']}\n{r['message']}"
