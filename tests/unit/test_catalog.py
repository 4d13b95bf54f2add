"""The values the roles' validate tasks accept (module_utils/catalog.py) agree with azsim's copy of what Azure answers:
its regions, PostgreSQL Flexible Server's SKU names and versions, App Service's Python runtimes and Redis's TLS floor."""

import os
import sys

import pytest
from ansible.errors import AnsibleFilterError
from ansible_collections.erpops.azure.plugins.filter.catalog import azure_catalog, azure_region
from ansible_collections.erpops.azure.plugins.module_utils import catalog

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..", "tools", "azsim"))

from azsim.core import locations  # noqa: E402
from azsim.providers.cache import models as redis_models  # noqa: E402
from azsim.providers.dbforpostgresql import models as pg_models  # noqa: E402
from azsim.providers.web import config_model, stacks  # noqa: E402


def test_regions_agree_with_azsim():
    assert catalog.REGIONS == locations.REGIONS


@pytest.mark.parametrize("given, short", [("westeurope", "westeurope"), ("West Europe", "westeurope"), ("WestEurope", "westeurope"),
                                          ("francecentral", "francecentral"), ("Australia Central 2", "australiacentral2"),
                                          ("eu-west-1", ""), ("us-east-1", ""), ("", ""), (None, ""), (3, ""), ("westeurop", "")])
def test_azure_region(given, short):
    assert azure_region(given) == short
    if short:
        assert locations.normalize(given) == short


def test_postgresql_skus_and_versions_agree_with_azsim():
    assert {tier: tuple(names) for tier, names in catalog.POSTGRESQL_SKUS.items()} == pg_models.SKUS
    assert tuple(catalog.POSTGRESQL_VERSIONS) == pg_models.VERSIONS
    assert "Standard_D2s_v9" not in catalog.POSTGRESQL_SKUS["GeneralPurpose"]


def test_python_versions_agree_with_app_service_stacks():
    python = next(s for s in stacks.STACKS if s["value"] == "python")
    listed = sorted((m["value"] for major in python["majorVersions"] for m in major["minorVersions"]), key=lambda v: tuple(map(int, v.split("."))))
    assert catalog.APP_SERVICE_PYTHON_VERSIONS == listed
    assert {"PYTHON|" + v for v in listed} <= config_model.linux_runtimes()
    assert "3.1" not in catalog.APP_SERVICE_PYTHON_VERSIONS


def test_redis_tls_floor_agrees_with_azsim():
    assert set(catalog.REDIS_MINIMUM_TLS_VERSIONS) == set(redis_models.TLS) - set(redis_models.RETIRED_TLS)


def test_azure_catalog_tables_are_copies():
    skus = azure_catalog("postgresql_skus")
    skus["Burstable"].append("x")
    assert "x" not in catalog.POSTGRESQL_SKUS["Burstable"]
    with pytest.raises(AnsibleFilterError, match="unknown table"):
        azure_catalog("nope")
