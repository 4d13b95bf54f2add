"""Integration target of the App Service Domain module against azsim."""

import pytest


@pytest.mark.parametrize("name", ["app_service_domain"])
def test_domain_target(run_target, name):
    run_target(name)
