#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright: (c) 2026, erpops.azure contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import absolute_import, division, print_function

__metaclass__ = type

DOCUMENTATION = r"""
module: postgresql_flexible_server_capabilities_info
short_description: Read the PostgreSQL versions and SKUs a region offers, and where a flexible server's version stands
version_added: 0.1.0
description:
  - Reads what Azure Database for PostgreSQL flexible server offers in a region
    (C(GET .../providers/Microsoft.DBforPostgreSQL/locations/{location}/capabilities)), that is the supported major versions,
    the compute tiers with their SKUs (vCores, memory), the storage sizes and the regional features.
  - With O(server), also reads that server's major and minor version, whether its major version is still offered, and the
    published end of support of its major version, so a monthly update check can plan the major upgrade in time.
  - The end-of-support dates are not in the API; they come from a table in this module, copied from Microsoft Learn,
    "Azure Database for PostgreSQL version policy" (support policy and extended support tables, January 2026).
author:
  - erpops.azure maintainers (@erpops)
options:
  location:
    description:
      - Region whose capabilities are read (C(westeurope), C(West Europe)).
      - Defaults to the location of O(server); required without O(server).
    type: str
  server:
    description: Name of a flexible server whose version is checked. Needs O(resource_group).
    type: str
  resource_group:
    description: Resource group of O(server).
    type: str
extends_documentation_fragment:
  - erpops.azure.attributes
  - erpops.azure.azure
attributes:
  check_mode:
    support: full
    details: The module only reads.
  diff_mode:
    support: none
notes:
  - RV(server.days_to_end_of_support) counts from the controller's UTC date.
  - After the Azure standard support end date Azure enrolls a server in paid extended support (Microsoft Learn, "Azure
    Database for PostgreSQL version policy", Extended Support).
"""

EXAMPLES = r"""
- name: Check the ERP database's PostgreSQL version
  erpops.azure.postgresql_flexible_server_capabilities_info:
    server: erp-postgres-prod
    resource_group: erp-supermarket-production-rg
  register: pg_caps

- name: Fail the monthly check three months before the end of standard support
  ansible.builtin.assert:
    that:
      - pg_caps.server.version_supported
      - pg_caps.server.days_to_end_of_support is none or pg_caps.server.days_to_end_of_support > 90
    fail_msg: >-
      PostgreSQL {{ pg_caps.server.full_version }} leaves Azure standard support on {{ pg_caps.server.end_of_support_date }};
      upgrade to one of {{ pg_caps.server.supported_versions_to_upgrade | join(', ') }}

- name: List the Burstable SKUs of West Europe
  erpops.azure.postgresql_flexible_server_capabilities_info:
    location: westeurope
  register: caps
"""

RETURN = r"""
location:
  description: The region read.
  returned: always
  type: str
  sample: westeurope
versions:
  description:
    - The major versions the region offers, newest first, with the status Azure gives (null when it gives none), the versions
      a server of that major can be upgraded to, and the published dates of the module's table (null for a version it
      does not know).
    - C(end_of_support_date) is the end of Azure standard support; C(community_end_of_life) the PostgreSQL community's
      final release; C(extended_support_end) the end of Azure's paid extended support.
  returned: always
  type: list
  elements: dict
  sample:
    - version: "16"
      status: null
      supported_versions_to_upgrade: ["17"]
      community_end_of_life: "2028-11-09"
      end_of_support_date: "2028-11-09"
      extended_support_end: null
editions:
  description: The compute tiers the region offers, by name, with their default SKU, SKUs and storage sizes.
  returned: always
  type: dict
  sample:
    Burstable:
      default_sku: Standard_B1ms
      skus:
        - {name: Standard_B1ms, vcores: 1, memory_mb: 2048, memory_per_vcore_mb: 2048, iops: 640, ha_modes: [], zones: ["1", "2", "3"]}
      storage_sizes_gb: [32, 64, 128]
      default_storage_gb: 32
features:
  description: The regional features and their status (C(GeoBackup), C(ZoneRedundantHa)...).
  returned: always
  type: dict
  sample: {GeoBackup: Enabled, ZoneRedundantHa: Enabled}
server:
  description: Where O(server)'s version stands.
  returned: when O(server) is set
  type: dict
  contains:
    name:
      description: Name of the server.
      type: str
      sample: erp-postgres-prod
    version:
      description: Its PostgreSQL major version.
      type: str
      sample: "15"
    minor_version:
      description: Its minor version, as Azure reports it (C(minorVersion)); null when Azure gives none.
      type: str
      sample: "8"
    full_version:
      description: Major and minor version.
      type: str
      sample: "15.8"
    version_supported:
      description: Whether its major version is among the RV(versions) the region offers.
      type: bool
      sample: true
    supported_versions_to_upgrade:
      description: The major versions Azure can upgrade it to in place.
      type: list
      elements: str
      sample: ["16", "17"]
    community_end_of_life:
      description: The PostgreSQL community's end of life of its major version; null for a version the table does not know.
      type: str
      sample: "2027-11-11"
    end_of_support_date:
      description: The end of Azure standard support of its major version; null for a version the table does not know.
      type: str
      sample: "2027-11-11"
    extended_support_end:
      description: The end of Azure's paid extended support of its major version, where published.
      type: str
      sample: null
    days_to_end_of_support:
      description: Days from today (UTC) to C(end_of_support_date), negative once it has passed; null when unknown.
      type: int
      sample: 340
"""

import datetime

from ansible_collections.erpops.azure.plugins.module_utils.module import AzureModule

API_VERSION = "2024-08-01"
# Microsoft Learn, "Azure Database for PostgreSQL version policy" (MicrosoftDocs/azure-databases-docs,
# articles/postgresql/configure-maintain/concepts-version-policy.md, ms.date 01/20/2026): major version ->
# (community retirement date, Azure standard support end date, paid extended support end date).
# 11-14 from its "Eligible PostgreSQL versions" (extended support) table; 15-18 from its "Support policy" table, whose Azure
# standard support end follows the community's (postgresql.org versioning policy). For 14 the support policy table says
# 12-Nov-2026, the extended support table December 11, 2026 (community end + one month, the enrolment rule it states): the
# later one is kept.
END_OF_SUPPORT = {
    "11": ("2023-11-09", "2026-03-31", "2026-11-08"),
    "12": ("2024-11-14", "2026-03-31", "2027-11-13"),
    "13": ("2025-11-13", "2026-03-31", "2028-11-12"),
    "14": ("2026-11-12", "2026-12-11", "2029-11-11"),
    "15": ("2027-11-11", "2027-11-11", None),
    "16": ("2028-11-09", "2028-11-09", None),
    "17": ("2029-11-08", "2029-11-08", None),
    "18": ("2030-11-14", "2030-11-14", None),
}


def support_dates(version):
    community, standard, extended = END_OF_SUPPORT.get(str(version), (None, None, None))
    return {"community_end_of_life": community, "end_of_support_date": standard, "extended_support_end": extended}


def major_key(name):
    try:
        return (0, -float(name))
    except (TypeError, ValueError):
        return (1, str(name))


def summarize(capabilities):
    """(versions, editions, features) of a CapabilitiesListResult's entries (api-version 2022-12-01 and later)."""
    versions, editions, features, seen = [], {}, {}, set()
    for cap in capabilities:
        for v in cap.get("supportedServerVersions") or []:
            name = str(v.get("name"))
            if name in seen:
                continue
            seen.add(name)
            entry = {"version": name, "status": v.get("status"), "supported_versions_to_upgrade": list(v.get("supportedVersionsToUpgrade") or [])}
            if v.get("reason"):
                entry["reason"] = v["reason"]
            entry.update(support_dates(name))
            versions.append(entry)
        for edition in cap.get("supportedServerEditions") or []:
            skus = []
            for sku in edition.get("supportedServerSkus") or []:
                cores = sku.get("vCores")
                per_core = sku.get("supportedMemoryPerVcoreMb")
                skus.append({"name": sku.get("name"), "vcores": cores, "memory_per_vcore_mb": per_core,
                             "memory_mb": cores * per_core if cores and per_core else None, "iops": sku.get("supportedIops"),
                             "ha_modes": list(sku.get("supportedHaMode") or []), "zones": list(sku.get("supportedZones") or []),
                             "status": sku.get("status")})
            sizes, default_gb = set(), None
            for storage in edition.get("supportedStorageEditions") or []:
                if storage.get("name") == "ManagedDisk" or default_gb is None:
                    default_gb = (storage.get("defaultStorageSizeMb") or 0) // 1024 or default_gb
                for size in storage.get("supportedStorageMb") or []:
                    if size.get("storageSizeMb"):
                        sizes.add(size["storageSizeMb"] // 1024)
            editions[edition.get("name")] = {"default_sku": edition.get("defaultSkuName"), "skus": skus, "storage_sizes_gb": sorted(sizes),
                                             "default_storage_gb": default_gb, "status": edition.get("status")}
        for feature in cap.get("supportedFeatures") or []:
            features[feature.get("name")] = feature.get("status")
    versions.sort(key=lambda v: major_key(v["version"]))
    return versions, editions, features


def main():
    az = AzureModule(dict(location=dict(type="str"), server=dict(type="str"), resource_group=dict(type="str")),
                     required_by={"server": "resource_group"}, required_one_of=[("location", "server")])
    p = az.params

    def run():
        sub = "/subscriptions/%s" % az.subscription_id
        server = None
        if p["server"]:
            path = "%s/resourceGroups/%s/providers/Microsoft.DBforPostgreSQL/flexibleServers/%s" % (sub, p["resource_group"], p["server"])
            server = az.arm.get(path, API_VERSION)
            if server is None:
                az.fail("PostgreSQL flexible server %s was not found in resource group %s (subscription %s)"
                        % (p["server"], p["resource_group"], az.subscription_id))
        location = (p["location"] or server.get("location") or "").replace(" ", "").lower()
        caps = az.arm.list("%s/providers/Microsoft.DBforPostgreSQL/locations/%s/capabilities" % (sub, location), API_VERSION)
        versions, editions, features = summarize(caps)
        result = dict(changed=False, location=location, versions=versions, editions=editions, features=features)
        if server is not None:
            props = server.get("properties") or {}
            version = str(props.get("version") or "")
            minor = props.get("minorVersion")
            offered = next((v for v in versions if v["version"] == version), None)
            dates = support_dates(version)
            end = dates["end_of_support_date"]
            today = datetime.datetime.now(datetime.timezone.utc).date()
            days = (datetime.datetime.strptime(end, "%Y-%m-%d").date() - today).days if end else None
            info = {"name": server.get("name"), "version": version, "minor_version": str(minor) if minor is not None else None,
                    "full_version": "%s.%s" % (version, minor) if minor is not None else version, "version_supported": offered is not None,
                    "supported_versions_to_upgrade": offered["supported_versions_to_upgrade"] if offered else [],
                    "days_to_end_of_support": days}
            info.update(dates)
            result["server"] = info
        return result

    az.run(run)


if __name__ == "__main__":
    main()
