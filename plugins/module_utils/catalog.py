# -*- coding: utf-8 -*-
# Copyright: (c) 2026, erpops.azure contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""The values Azure accepts for the roles' inputs, in one place: the public regions, PostgreSQL Flexible Server's SKU names
per tier and major versions, App Service's Python runtimes on Linux and Azure Cache for Redis's TLS floors.

The roles' ``validate`` tasks read these through the ``erpops.azure.azure_region`` and ``erpops.azure.azure_catalog``
filters, so that a wrong value fails before any request names the variable. azsim (tools/azsim) keeps its own copy of
each table as the service answers it; tests/unit/test_catalog.py checks that the two agree.
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

# Azure's public physical regions: ``az account list-locations --query "[?metadata.regionType=='Physical']"`` (ARM
# ``GET /subscriptions/{id}/locations``), short name -> display name. ARM accepts either spelling, in any case, spaces
# optional ("West Europe", "westeurope", "WestEurope").
REGIONS = {
    "eastus": "East US", "eastus2": "East US 2", "southcentralus": "South Central US", "westus2": "West US 2",
    "westus3": "West US 3", "australiaeast": "Australia East", "southeastasia": "Southeast Asia",
    "northeurope": "North Europe", "swedencentral": "Sweden Central", "uksouth": "UK South",
    "westeurope": "West Europe", "centralus": "Central US", "southafricanorth": "South Africa North",
    "centralindia": "Central India", "eastasia": "East Asia", "japaneast": "Japan East",
    "koreacentral": "Korea Central", "canadacentral": "Canada Central", "francecentral": "France Central",
    "germanywestcentral": "Germany West Central", "italynorth": "Italy North", "norwayeast": "Norway East",
    "polandcentral": "Poland Central", "spaincentral": "Spain Central", "switzerlandnorth": "Switzerland North",
    "uaenorth": "UAE North", "brazilsouth": "Brazil South", "israelcentral": "Israel Central",
    "qatarcentral": "Qatar Central", "mexicocentral": "Mexico Central", "northcentralus": "North Central US",
    "westus": "West US", "japanwest": "Japan West", "centraluseuap": "Central US EUAP",
    "eastus2euap": "East US 2 EUAP", "westcentralus": "West Central US", "southafricawest": "South Africa West",
    "australiacentral": "Australia Central", "australiacentral2": "Australia Central 2",
    "australiasoutheast": "Australia Southeast", "jioindiawest": "Jio India West", "jioindiacentral": "Jio India Central",
    "koreasouth": "Korea South", "southindia": "South India", "westindia": "West India",
    "canadaeast": "Canada East", "francesouth": "France South", "germanynorth": "Germany North",
    "norwaywest": "Norway West", "switzerlandwest": "Switzerland West", "ukwest": "UK West",
    "uaecentral": "UAE Central", "brazilsoutheast": "Brazil Southeast", "swedensouth": "Sweden South",
    "newzealandnorth": "New Zealand North", "indonesiacentral": "Indonesia Central", "malaysiawest": "Malaysia West",
    "chilecentral": "Chile Central",
}


def _family(prefix, suffix, sizes):
    return ["Standard_%s%d%s" % (prefix, n, suffix) for n in sizes]


# PostgreSQL Flexible Server compute sizes per tier, as the capabilities API lists them (``GET .../providers/
# Microsoft.DBforPostgreSQL/locations/{location}/capabilities``, azure-rest-api-specs stable/2025-08-01/examples/
# CapabilitiesByLocationList.json; Learn "Compute options in Azure Database for PostgreSQL flexible server").
POSTGRESQL_SKUS = {
    "Burstable": ["Standard_B1ms", "Standard_B2s", "Standard_B2ms", "Standard_B4ms", "Standard_B8ms", "Standard_B12ms",
                  "Standard_B16ms", "Standard_B20ms"],
    "GeneralPurpose": (_family("D", "s_v3", (2, 4, 8, 16, 32, 48, 64)) + _family("D", "ds_v4", (2, 4, 8, 16, 32, 48, 64))
                       + _family("D", "ads_v5", (2, 4, 8, 16, 32, 48, 64, 96)) + _family("D", "ds_v5", (2, 4, 8, 16, 32, 48, 64, 96))),
    "MemoryOptimized": (_family("E", "s_v3", (2, 4, 8, 16, 32, 48, 64)) + _family("E", "ds_v4", (2, 4, 8, 16, 20, 32, 48, 64))
                        + _family("E", "ads_v5", (2, 4, 8, 16, 20, 32, 48, 64, 96))
                        + _family("E", "ds_v5", (2, 4, 8, 16, 20, 32, 48, 64, 96))),
}
# Major versions a new server takes (the capabilities' supportedServerVersions).
POSTGRESQL_VERSIONS = ["11", "12", "13", "14", "15", "16", "17"]

# Python on App Service for Linux: the runtimes of the webAppStacks API (``GET /providers/Microsoft.Web/webAppStacks``,
# linuxRuntimeSettings ``PYTHON|<version>``; Learn "Configure a Linux Python app for Azure App Service"). Versions past
# their end of life stay listed (isDeprecated) and still run.
APP_SERVICE_PYTHON_VERSIONS = ["3.8", "3.9", "3.10", "3.11", "3.12", "3.13", "3.14"]

# Azure Cache for Redis: a new cache only takes TLS 1.2 as its minimum since March 2024, and TLS 1.0/1.1 are retired for
# every cache since 2024-11-01 (Learn "What are the configuration settings for TLS?" - cache-tls-configuration.md:
# "Starting November 01, 2024, TLS 1.0 and 1.1 will no longer be supported"; "Remove TLS 1.0 and 1.1 from use with
# Azure Cache for Redis").
REDIS_MINIMUM_TLS_VERSIONS = ["1.2"]

CATALOG = {
    "regions": REGIONS,
    "postgresql_skus": POSTGRESQL_SKUS,
    "postgresql_versions": POSTGRESQL_VERSIONS,
    "app_service_python_versions": APP_SERVICE_PYTHON_VERSIONS,
    "redis_minimum_tls_versions": REDIS_MINIMUM_TLS_VERSIONS,
}

_BY_KEY = dict((name, name) for name in REGIONS)
_BY_KEY.update((display.replace(" ", "").lower(), name) for name, display in REGIONS.items())


def region(location):
    """The short name of an Azure region given in either spelling, or None when Azure has no such region."""
    if not isinstance(location, str):
        return None
    return _BY_KEY.get(location.replace(" ", "").lower())
