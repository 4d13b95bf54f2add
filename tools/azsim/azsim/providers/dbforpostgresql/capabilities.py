"""What a region offers: ``GET /subscriptions/{s}/providers/Microsoft.DBforPostgreSQL/locations/{loc}/capabilities``
(CapabilitiesByLocation_List, azure-mgmt-postgresqlflexibleservers ``capabilities_by_location.list``; LocationBasedCapabilities
_Execute, azure-mgmt-rdbms ``location_based_capabilities.execute``) and ``.../flexibleServers/{name}/capabilities``
(CapabilitiesByServer_List).

Two shapes, by api-version:

* 2022-12-01 and later (examples ``stable/2024-08-01/CapabilitiesByLocation.json``, ``stable/2025-08-01/
  CapabilitiesByLocationList.json``): one ``FlexibleServerCapabilities`` entry with ``supportedServerEditions`` (tier,
  ``defaultSkuName``, ``supportedStorageEditions`` with ``supportedStorageMb`` / IOPS tiers, ``supportedServerSkus`` with
  vCores, IOPS, memory per vCore, zones, HA modes), ``supportedServerVersions`` (``supportedVersionsToUpgrade``), the
  ``*Supported`` flags and ``supportedFeatures``.
* 2021-06-01 (example ``stable/2021-06-01/CapabilitiesByLocation.json``, the api azure-mgmt-rdbms 10.x calls): ``zone``,
  boolean ``geoBackupSupported``/``zoneRedundantHa*``, ``supportedFlexibleServerEditions`` whose ``supportedServerVersions``
  each list ``supportedVcores``, storage sizes named by their MB count, ``status`` "Available"/"Default".

The figures come from :mod:`.models` (the same tables create/update validate against), so the capabilities never
offer what azsim would refuse.  Where azsim's rules differ from the examples it follows its own behaviour and says so:
Burstable SKUs list no HA mode (Learn "High availability - Limitations": not supported in the Burstable tier; the
examples list SameZone/ZoneRedundant), only the Premium SSD ``ManagedDisk`` storage edition is offered (azsim does not
simulate Premium SSD v2 / Ultra Disk), ``supportedVersionsToUpgrade`` is empty (azsim refuses major version upgrades;
Azure lists every later major) and fast provisioning is Disabled.  Versions 11-17 are all accepted: azsim runs each
server on the installed PostgreSQL major closest to the requested one (tag ``azsim-actual-version`` when they differ).
"""

from ...core import locations
from ...core.errors import AzureError
from . import models

DEFAULT_SKU = {"Burstable": "Standard_B1ms", "GeneralPurpose": "Standard_D4ds_v5", "MemoryOptimized": "Standard_E4ds_v5"}
DEFAULT_STORAGE_GB = {"Burstable": 32, "GeneralPurpose": 64, "MemoryOptimized": 128}
ZONES = ["1", "2", "3"]
TIER_ORDER = ("P4", "P6", "P10", "P15", "P20", "P30", "P40", "P50", "P60", "P70", "P80")
FEATURES = (("FastProvisioning", "Disabled"), ("ZoneRedundantHa", "Enabled"), ("GeoBackup", "Enabled"), ("ZoneRedundantHaAndGeoBackup", "Enabled"),
            ("StorageAutoGrowth", "Enabled"), ("OnlineResize", "Enabled"), ("OfferRestricted", "Disabled"), ("IndexTuning", "Disabled"),
            ("Clusters", "Disabled"), ("ConfigTuning", "Disabled"))


def check_location(location):
    loc = locations.normalize(location)
    if loc is None:
        # Same answer as a create in an unknown region (models._base_doc); unverified for this API.
        raise AzureError(400, "LocationNotAvailableForResourceType",
                         f"The provided location '{location}' is not available for resource type '{models.SERVER_TYPE}'.")
    return loc


def _iops_tiers(default_tier):
    # Examples: up to 4 TiB a disk may run any tier from its default up to P50; the 8/16/32 TiB disks from theirs up to P80.
    start = TIER_ORDER.index(default_tier)
    last = TIER_ORDER.index("P50") if start <= TIER_ORDER.index("P50") else len(TIER_ORDER) - 1
    return [{"name": t, "iops": models.IOPS[t]} for t in TIER_ORDER[start:last + 1]]


def _ha_modes(tier):
    return [] if tier == "Burstable" else ["SameZone", "ZoneRedundant"]


def current():
    """The location capability list (``value``) for the current shape (api-version 2022-12-01 and later)."""
    editions = []
    for tier, skus in models.SKU_SPECS.items():
        storage = [{"supportedIops": models.IOPS[t], "storageSizeMb": gb * 1024, "defaultIopsTier": t, "supportedIopsTiers": _iops_tiers(t)}
                   for gb, t in models.STORAGE_TIERS.items()]
        editions.append({
            "name": tier, "defaultSkuName": DEFAULT_SKU[tier],
            "supportedStorageEditions": [{"name": "ManagedDisk", "defaultStorageSizeMb": DEFAULT_STORAGE_GB[tier] * 1024,
                                          "supportedStorageMb": storage}],
            "supportedServerSkus": [{"name": name, "vCores": cores, "supportedIops": iops, "supportedMemoryPerVcoreMb": mem,
                                     "supportedZones": list(ZONES), "supportedHaMode": _ha_modes(tier), "supportedFeatures": []}
                                    for name, (cores, iops, mem) in skus.items()],
        })
    return [{
        "name": "FlexibleServerCapabilities", "supportedServerEditions": editions,
        "supportedServerVersions": [{"name": v, "supportedVersionsToUpgrade": [], "supportedFeatures": []} for v in models.VERSIONS],
        "supportedFeatures": [{"name": n, "status": s} for n, s in FEATURES], "fastProvisioningSupported": "Disabled",
        "supportedFastProvisioningEditions": [], "geoBackupSupported": "Enabled", "zoneRedundantHaSupported": "Enabled",
        "zoneRedundantHaAndGeoBackupSupported": "Enabled", "storageAutoGrowthSupported": "Enabled", "onlineResizeSupported": "Enabled",
        "restricted": "Disabled",
    }]


def legacy():
    """The 2021-06-01 shape (CapabilityProperties)."""
    editions = []
    for tier, skus in models.SKU_SPECS.items():
        storage = [{"name": str(gb * 1024), "supportedIops": models.IOPS[t], "storageSizeMB": gb * 1024, "status": "Available"}
                   for gb, t in models.STORAGE_TIERS.items()]
        vcores = [{"name": name, "vCores": cores, "supportedIops": iops, "supportedMemoryPerVcoreMB": mem, "status": "Available"}
                  for name, (cores, iops, mem) in skus.items()]
        editions.append({"name": tier, "supportedStorageEditions": [{"name": "ManagedDisk", "supportedStorageMB": storage, "status": "Default"}],
                         "supportedServerVersions": [{"name": v, "supportedVcores": vcores, "status": "Available"} for v in models.VERSIONS],
                         "status": "Available"})
    return [{"zone": "none", "supportedHAMode": ["SameZone", "ZoneRedundant"], "geoBackupSupported": True, "zoneRedundantHaSupported": True,
             "zoneRedundantHaAndGeoBackupSupported": True, "supportedFlexibleServerEditions": editions, "supportedHyperscaleNodeEditions": [],
             "status": "Available"}]


def for_api(api_version):
    return legacy() if (api_version or "")[:10] < "2022-12-01" else current()
