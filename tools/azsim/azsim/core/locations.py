"""Azure regions: ARM accepts the short name or the display name in any case and spacing
(``West Europe``, ``westeurope``, ``WestEurope``); Microsoft.Web answers with the display
name, most other providers with the short name (GET /subscriptions/{id}/locations).

REGIONS is Azure's public physical regions as ``az account list-locations`` lists them; the collection keeps the same table
in plugins/module_utils/catalog.py (tests/unit/test_catalog.py compares the two)."""

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
    "australiacentral": "Australia Central", "australiasoutheast": "Australia Southeast",
    "koreasouth": "Korea South", "southindia": "South India", "westindia": "West India",
    "canadaeast": "Canada East", "francesouth": "France South", "germanynorth": "Germany North",
    "norwaywest": "Norway West", "switzerlandwest": "Switzerland West", "ukwest": "UK West",
    "uaecentral": "UAE Central", "brazilsoutheast": "Brazil Southeast", "newzealandnorth": "New Zealand North",
    "australiacentral2": "Australia Central 2", "jioindiawest": "Jio India West", "jioindiacentral": "Jio India Central",
    "swedensouth": "Sweden South", "indonesiacentral": "Indonesia Central", "malaysiawest": "Malaysia West",
    "chilecentral": "Chile Central",
}

_BY_KEY = {name: name for name in REGIONS}
_BY_KEY.update({display.replace(" ", "").lower(): name for name, display in REGIONS.items()})


def normalize(location):
    """The short name for any accepted spelling, or None when Azure does not know it."""
    if not isinstance(location, str):
        return None
    return _BY_KEY.get(location.replace(" ", "").replace("-", "").lower())


def display(location):
    short = normalize(location)
    return REGIONS.get(short, location) if short else location


def location_list(subscription_id):
    return [
        {"id": f"/subscriptions/{subscription_id}/locations/{name}", "name": name, "type": "Region", "displayName": disp,
         "regionalDisplayName": disp, "metadata": {"regionType": "Physical", "regionCategory": "Recommended"}}
        for name, disp in REGIONS.items()
    ]
