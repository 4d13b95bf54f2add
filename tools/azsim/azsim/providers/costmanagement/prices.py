"""The one price table azsim's cost engine bills from (currency EUR, list prices, no reservations).

Figures come from the deployment guide ``/work/shared/seed/000_46b5d9730a7f4cc2.md``, section "COÛTS DÉTAILLÉS"
(cited as *guide*), where it names them; the rest are rounded public list prices of West Europe as remembered
(marked *unverified*).  Edit here: every meter of the engine reads this table and nothing else.

Proration: Azure prices compute by the hour and quotes a month as 730 hours (Azure pricing calculator FAQ,
"monthly price = hourly price x 730"), so a monthly figure below accrues ``monthly / 730`` per hour of use.
"""

CURRENCY = "EUR"
HOURS_PER_MONTH = 730
USD_PER_EUR = 1.08  # for CostUSD / PreTaxCostUSD columns only (unverified, fixed rate)

# Microsoft.Web/serverfarms: per instance-month, multiplied by sku.capacity (the worker count).
APP_SERVICE = {
    "F1": 0.0, "FREE": 0.0, "D1": 8.5,                      # Free / Shared (unverified)
    "B1": 12.0, "B2": 24.0, "B3": 48.0,                    # Basic (unverified)
    "S1": 60.0,                                            # guide: "Standard S1 ... +60€/mois par instance"
    "S2": 120.0, "S3": 240.0,                              # guide-consistent doubling (S2 = 2 x S1, S3 = 4 x S1), unverified
    "P0V3": 58.0, "P1V3": 115.0, "P2V3": 230.0, "P3V3": 460.0,  # Premium v3 (unverified)
    "P1V2": 75.0, "P2V2": 150.0, "P3V2": 300.0,            # Premium v2 (unverified)
    "P1MV3": 140.0, "P2MV3": 280.0, "P3MV3": 560.0,        # memory-optimised Premium v3 (unverified)
    "I1V2": 380.0, "I2V2": 760.0, "I3V2": 1520.0,          # Isolated v2 (unverified)
    "Y1": 0.0, "EP1": 150.0, "EP2": 300.0, "EP3": 600.0,   # Functions consumption / elastic premium (unverified)
}
APP_SERVICE_DEFAULT = 60.0  # an unknown plan SKU bills like S1 (unverified)

# Microsoft.DBforPostgreSQL/flexibleServers compute, per month while the server runs (state Ready).
POSTGRES_COMPUTE = {
    "Standard_D2s_v3": 60.0,   # guide: "General Purpose D2s_v3 ... 60,00€"
    "Standard_D4s_v3": 120.0,  # guide-consistent doubling (unverified)
    "Standard_D8s_v3": 240.0,  # unverified
    "Standard_D16s_v3": 480.0, "Standard_D32s_v3": 960.0,
    "Standard_D2ds_v4": 62.0, "Standard_D4ds_v4": 124.0, "Standard_D8ds_v4": 248.0,
    "Standard_D2ds_v5": 62.0, "Standard_D4ds_v5": 124.0, "Standard_D8ds_v5": 248.0,
    "Standard_B1ms": 12.0, "Standard_B2s": 24.0, "Standard_B2ms": 48.0,  # Burstable (unverified)
    "Standard_E2s_v3": 85.0, "Standard_E4s_v3": 170.0, "Standard_E2ds_v4": 88.0, "Standard_E4ds_v4": 176.0,
}
POSTGRES_DEFAULT = 60.0
POSTGRES_STORAGE_INCLUDED_GB = 128      # guide: "128GB inclus" (Azure itself bills all provisioned storage)
POSTGRES_STORAGE_GB_MONTH = 0.10        # guide: "Au-delà de 128GB +0,10€/GB/mois"; billed even while stopped
POSTGRES_HA_MONTH = 30.0                # guide: "Haute disponibilité PostgreSQL ... +30€/mois" (Azure doubles compute)

# Microsoft.Storage/storageAccounts, per GB-month of used capacity by access tier.
STORAGE_GB_MONTH = {"Hot": 0.018, "Cool": 0.010, "Cold": 0.0045, "Premium": 0.15}  # guide: Hot 0,018€/GB/mois; others unverified

# Microsoft.Cache/Redis, per month by sku name + family + capacity.
REDIS = {
    ("Basic", "C", 0): 15.0,   # task brief / guide-scale figure for Basic C0 (Azure lists ~16 $)
    ("Basic", "C", 1): 37.0, ("Basic", "C", 2): 60.0, ("Basic", "C", 3): 120.0, ("Basic", "C", 4): 140.0,
    ("Basic", "C", 5): 280.0, ("Basic", "C", 6): 560.0,
    ("Standard", "C", 0): 37.0, ("Standard", "C", 1): 92.0, ("Standard", "C", 2): 150.0, ("Standard", "C", 3): 300.0,
    ("Standard", "C", 4): 350.0, ("Standard", "C", 5): 700.0, ("Standard", "C", 6): 1400.0,
    ("Premium", "P", 1): 380.0, ("Premium", "P", 2): 760.0, ("Premium", "P", 3): 1520.0, ("Premium", "P", 4): 3040.0,
    ("Premium", "P", 5): 7000.0,
}  # all but Basic C0: unverified

# Microsoft.DomainRegistration/domains: charged once a year, on purchase and on each anniversary.
DOMAIN_YEAR = 15.0  # guide: "Nom de domaine (.com) ... 15,00€" par an

# Microsoft.Cdn/profiles: base fee per month (requests and egress are not simulated).
FRONT_DOOR = {"Standard_AzureFrontDoor": 32.0, "Premium_AzureFrontDoor": 305.0}  # 35 $ / 330 $ list base fees, converted (unverified)

# Microsoft.Network/dnszones: per hosted zone-month (first 25 zones).
DNS_ZONE_MONTH = 0.46  # 0.50 $ (unverified)

# Ingestion-billed services: azsim does not meter ingestion, and the first 5 GB a month are free
# (guide: "Application Insights ... 5GB/mois inclus"), so they accrue nothing.
FREE_TYPES = ("microsoft.insights/components", "microsoft.operationalinsights/workspaces")

# Cost Management's ServiceName / MeterCategory of each billed type (names as Cost Management shows them; unverified).
SERVICE_NAMES = {
    "microsoft.web/serverfarms": "Azure App Service",
    "microsoft.dbforpostgresql/flexibleservers": "Azure Database for PostgreSQL",
    "microsoft.storage/storageaccounts": "Storage",
    "microsoft.cache/redis": "Redis Cache",
    "microsoft.domainregistration/domains": "Azure App Service",
    "microsoft.cdn/profiles": "Azure Front Door Service",
    "microsoft.network/dnszones": "Azure DNS",
}


def hourly(monthly):
    return monthly / HOURS_PER_MONTH


def app_service_monthly(sku_name):
    return APP_SERVICE.get((sku_name or "").upper(), APP_SERVICE_DEFAULT)


def postgres_monthly(sku_name):
    return POSTGRES_COMPUTE.get(sku_name or "", POSTGRES_DEFAULT)


def redis_monthly(sku):
    sku = sku or {}
    return REDIS.get((sku.get("name"), (sku.get("family") or "").upper(), sku.get("capacity")), 0.0)
