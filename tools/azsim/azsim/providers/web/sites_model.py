"""Web apps and slots (Microsoft.Web/sites, sites/slots): names, global uniqueness, the stored
document and its wire form.

Sources: spec example ``CreateOrUpdateWebAppSlot.json`` 2025-05-01 (response shape: hostNames,
enabledHostNames with the scm host, hostNameSslStates, outbound IPs, ``repositorySiteName``...),
arm-web.md §3 (PUT merge semantics, sparse siteConfig on GET, global names), Microsoft Learn
"Naming rules and restrictions for Azure resources" (2-60 characters, alphanumerics and hyphens,
no leading/trailing hyphen; slots 2-59).
"""

import hashlib
import re
import uuid

from ...core import locations, resource
from ...core.errors import AzureError, WebError
from . import common, config_model, hostname_models

SITE_TYPE = "Microsoft.Web/sites"
SLOT_TYPE = "Microsoft.Web/sites/slots"
DOMAIN = "azurewebsites.net"
NAME_RE = re.compile(r"^[A-Za-z0-9](?:[A-Za-z0-9-]*[A-Za-z0-9])?$")

# Names "taken by someone else" on *.azurewebsites.net (Azure's namespace is global across tenants):
# a create with one of these answers the 409 54001 conflict and checknameavailability says
# AlreadyExists.  Seed list chosen by azsim (common words certainly taken in the real service).
TAKEN_NAMES = frozenset({"www", "api", "app", "test", "demo", "portal", "admin", "myapp", "webapp", "contoso", "example", "azure",
                         "microsoft", "login", "blog", "shop", "taken-by-someone-else"})


def name_problem(name, max_len=60):
    """None when ``name`` is a valid site (or slot) name, else a description."""
    if not isinstance(name, str) or not (2 <= len(name) <= max_len):
        return f"The name must be between 2 and {max_len} characters."
    if not NAME_RE.match(name):
        return "The name can contain only letters, numbers and hyphens, and cannot start or end with a hyphen."
    return None


def invalid_name(name, max_len=60):
    """400 for an invalid site name on PUT (arm-web.md §3.3: text unverified)."""
    problem = name_problem(name, max_len)
    return WebError(400, "BadRequest", f"The site name '{name}' is invalid. {problem}", extended_code=None, parameters=[name])


def host_label(site_name, slot=None):
    return f"{site_name}-{slot}".lower() if slot else site_name.lower()


def taken_labels(app, exclude_id=None):
    """Every host label (``x`` of ``x.azurewebsites.net``) in use: sites, slots and the seeded set."""
    ex = (exclude_id or "").lower()
    out = set(TAKEN_NAMES)
    for d in common.all_sites(app):
        if d["id"].lower() != ex:
            out.add(d["properties"]["defaultHostName"].split(".")[0].lower())
    return out


def name_conflict(name):
    """409, PascalCase body, ExtendedCode 54001 (quoted in Azure/Azure-Websites-Migration-Tool#11,
    Azure/RDS-Templates#365, dotnet/sign#392)."""
    return WebError(409, "Conflict", f"Website with given name {name} already exists.", extended_code="54001",
                    template="Website with given name {0} already exists.", parameters=[name])


def farm_not_found(plan_name):
    """404 ``Cannot find ServerFarm with name {name}.`` (quoted in microsoft/vscode-azurefunctions#2255,
    Azure/azure-cli#4497); ExtendedCode unverified (left null)."""
    return WebError(404, "NotFound", f"Cannot find ServerFarm with name {plan_name}.", extended_code=None,
                    template="Cannot find ServerFarm with name {0}.", parameters=[plan_name])


def _ips(seed):
    h = hashlib.sha256(seed.encode()).digest()
    ips = [f"20.{50 + h[i] % 150}.{h[i + 1]}.{h[i + 2] % 254 + 1}" for i in range(0, 18, 3)]
    return ",".join(ips[:2]), ",".join(ips)


def hostnames(site_name, slot=None):
    label = host_label(site_name, slot)
    main, scm = f"{label}.{DOMAIN}", f"{label}.scm.{DOMAIN}"
    return {"hostNames": [main], "enabledHostNames": [main, scm], "defaultHostName": main,
            "hostNameSslStates": [{"name": main, "sslState": "Disabled", "hostType": "Standard", "virtualIP": None, "thumbprint": None,
                                   "toUpdate": None},
                                  {"name": scm, "sslState": "Disabled", "hostType": "Repository", "virtualIP": None, "thumbprint": None,
                                   "toUpdate": None}]}


def resolve_identity(body_identity, previous, tenant_id):
    """``ManagedServiceIdentity``: SystemAssigned gets a principalId/tenantId (kept across updates),
    UserAssigned entries get principalId/clientId; ``None`` removes it (SDK model)."""
    if body_identity is None:
        return previous
    t = (body_identity.get("type") or "None").replace(" ", "")
    valid = {"None", "SystemAssigned", "UserAssigned", "SystemAssigned,UserAssigned"}
    if t not in valid:
        raise config_model.invalid_parameter("Identity.Type")  # unverified text
    if t == "None":
        return None
    out = {"type": "SystemAssigned, UserAssigned" if t == "SystemAssigned,UserAssigned" else t}
    if "SystemAssigned" in t:
        prev = previous or {}
        out["principalId"] = prev.get("principalId") or str(uuid.uuid4())
        out["tenantId"] = tenant_id
    if "UserAssigned" in t:
        uai = body_identity.get("userAssignedIdentities") or {}
        if not uai:
            raise WebError(400, "BadRequest", "The identity type 'UserAssigned' requires userAssignedIdentities.")  # unverified text
        prev_uai = (previous or {}).get("userAssignedIdentities") or {}
        out["userAssignedIdentities"] = {}
        for rid in uai:
            old = next((v for k, v in prev_uai.items() if k.lower() == rid.lower()), None)
            out["userAssignedIdentities"][rid] = old or {"principalId": str(uuid.uuid4()), "clientId": str(uuid.uuid4())}
    return out


def resolve_plan(app, sub, farm_id):
    """The plan document named by ``serverFarmId`` (a full id; a bare name is looked up nowhere)."""
    plan = resource.get(app, farm_id) if isinstance(farm_id, str) and farm_id.startswith("/") else None
    if plan is None or plan.get("type") != "Microsoft.Web/serverfarms":
        name = farm_id.rstrip("/").split("/")[-1] if isinstance(farm_id, str) and farm_id else str(farm_id)
        raise farm_not_found(name)
    return plan


def new_site(app, sub, rg, name, body, plan, slot=None, parent=None):
    """A new site (or slot) document with Azure's defaults; the body is applied by :func:`apply`."""
    loc = body.get("location") or (parent or {}).get("location")
    short = locations.normalize(loc)
    if short is None:
        if not loc:
            raise AzureError(400, "LocationRequired", "The location property is required for this definition.")
        raise AzureError(400, "LocationNotAvailableForResourceType",
                         f"The provided location '{loc}' is not available for resource type '{SITE_TYPE}'. "
                         f"List of available regions for the resource type is '{','.join(locations.REGIONS)}'.")
    linux = bool(plan["properties"].get("reserved"))
    kind = body.get("kind") or (parent or {}).get("kind") or ("app,linux" if linux else "app")
    rid = common.site_id(sub, rg, name, slot)
    out_ips, possible = _ips(plan["id"].lower())
    props = {
        "name": f"{name}({slot})" if slot else name, "state": "Running", "enabled": True, "usageState": "Normal", "availabilityState": "Normal",
        **hostnames(name, slot), "repositorySiteName": name, "serverFarmId": plan["id"], "reserved": linux, "isXenon": False,
        "hyperV": False, "lastModifiedTimeUtc": app.clock.iso()[:23] + "Z", "scmSiteAlsoStopped": False, "clientAffinityEnabled": True,
        "clientCertEnabled": False, "clientCertMode": "Required", "clientCertExclusionPaths": None, "hostNamesDisabled": False,
        "customDomainVerificationId": common.verification_id(sub), "outboundIpAddresses": out_ips, "possibleOutboundIpAddresses": possible,
        "inboundIpAddress": common.inbound_ip(name),  # field name unverified (see common.inbound_ip)
        "containerSize": 0, "dailyMemoryTimeQuota": 0, "resourceGroup": rg, "httpsOnly": False, "redundancyMode": "None",
        "publicNetworkAccess": None, "storageAccountRequired": False, "keyVaultReferenceIdentity": "SystemAssigned",
        "targetSwapSlot": None, "slotSwapStatus": None, "trafficManagerHostNames": None, "suspendedTill": None,
        "maxNumberOfWorkers": None, "isDefaultContainer": None, "inProgressOperationId": None,
    }
    doc = {"id": rid, "name": f"{name}/{slot}" if slot else name, "type": SLOT_TYPE if slot else SITE_TYPE, "kind": kind,
           "location": locations.display(short), "tags": {}, "properties": props,
           "_siteConfig": config_model.new_config(), "_appSettings": {}, "_connectionStrings": {},
           "_content": {"deploymentId": None, "label": f"{host_label(name, slot)}:initial"},
           "_policies": {"scm": True, "ftp": True}}
    if not slot:
        doc["_slotConfigNames"] = {"appSettingNames": None, "connectionStringNames": None, "azureStorageConfigNames": None}
    return doc


WRITABLE = ("enabled", "reserved", "isXenon", "hyperV", "scmSiteAlsoStopped", "clientAffinityEnabled", "clientCertEnabled", "clientCertMode",
            "clientCertExclusionPaths", "hostNamesDisabled", "containerSize", "dailyMemoryTimeQuota", "httpsOnly", "redundancyMode",
            "publicNetworkAccess", "storageAccountRequired", "keyVaultReferenceIdentity", "virtualNetworkSubnetId", "endToEndEncryptionEnabled")
BOOLS = ("enabled", "isXenon", "hyperV", "scmSiteAlsoStopped", "clientAffinityEnabled", "clientCertEnabled", "hostNamesDisabled", "httpsOnly",
         "storageAccountRequired", "endToEndEncryptionEnabled")


def apply(app, doc, body, plan, *, patch=False):
    """Microsoft.Web's PUT/PATCH semantics on a site: properties absent from the body keep their
    value; supplied lists/dicts replace (arm-web.md §1.5)."""
    if "tags" in body and (body["tags"] is not None or not patch):
        doc["tags"] = resource.validate_tags(body.get("tags"))
    if "kind" in body and body["kind"]:
        doc["kind"] = body["kind"]
    if "identity" in body:
        ident = resolve_identity(body["identity"], doc.get("identity"), app.identity.tenant_id)
        if ident is None:
            doc.pop("identity", None)
        else:
            doc["identity"] = ident
    props = body.get("properties") or {}
    if not isinstance(props, dict):
        raise AzureError(400, "InvalidRequestContent", "The request content was invalid and could not be deserialized: 'properties must be an object'.")
    p = doc["properties"]
    for k in WRITABLE:
        if k in props and props[k] is not None:
            if k in BOOLS and not isinstance(props[k], bool):
                raise config_model.invalid_parameter(k[0].upper() + k[1:])
            p[k] = props[k]
    if p["clientCertMode"] not in ("Required", "Optional", "OptionalInteractiveUser"):
        raise config_model.invalid_parameter("ClientCertMode")
    if props.get("hostNameSslStates"):
        # az CLI's `webapp config ssl bind` PUTs the site with hostNameSslStates: the binding rules live with the bindings.
        hostname_models.apply_ssl_states(app, doc, props["hostNameSslStates"])
    if props.get("siteConfig") is not None:
        config_model.merge(doc, props["siteConfig"], plan)
    p["reserved"] = bool(plan["properties"].get("reserved"))
    p["lastModifiedTimeUtc"] = app.clock.iso()[:23] + "Z"
    return doc


def render(app, doc, *, full_config=False):
    """The wire form: private keys dropped, siteConfig sparse (GET) or full (PUT answer), ``sku``
    (the plan's tier) filled from the plan."""
    out = resource.public(doc)
    plan = resource.peek(app, doc["properties"]["serverFarmId"])
    cfg = config_model.full(doc, plan) if full_config else config_model.sparse(doc, plan)
    if full_config:
        cfg["appSettings"] = None
        cfg["connectionStrings"] = None
    out["properties"]["siteConfig"] = cfg
    out["properties"]["sku"] = plan["sku"]["tier"] if plan else None
    return out
