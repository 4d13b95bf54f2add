"""Microsoft Defender for Cloud's state and rules: the plans a subscription has (every one Free until set), the security
contact in its two api shapes, assessments and alerts.

Sources (azure-rest-api-specs ``specification/security/resource-manager/Microsoft.Security``):
- ``stable/2024-01-01/pricings.json`` and its examples ``ListPricings_example.json``, ``PutPricingVMsByName_example.json``: the
  plans VirtualMachines, SqlServers, AppServices, StorageAccounts, SqlServerVirtualMachines, KubernetesService and
  ContainerRegistry (``deprecated``, ``replacedBy`` [Containers]), KeyVaults, Dns, Arm, OpenSourceRelationalDatabases,
  Containers, CloudPosture; a Free plan carries ``freeTrialRemainingTime`` PT0S, ``enforce`` "False" and
  ``resourcesCoverageStatus`` NotCovered and no ``enablementTime``; a Standard one its ``subPlan``, ``enablementTime``,
  FullyCovered; PUT answers 200 (a plan always exists). ``enforce``/``inherited``/``resourcesCoverageStatus`` arrived with
  2024-01-01, ``subPlan``/``enablementTime``/``extensions``/``deprecated``/``replacedBy`` with 2022-03-01 (2023-01-01 has them).
  Sub-plans: Learn "Microsoft Defender for Cloud plans" (Servers P1/P2, Storage PerTransaction/DefenderForStorageV2, Key Vault
  PerTransaction/PerKeyVault, Resource Manager PerSubscription/PerApiCall).
- ``preview/2023-12-01-preview/securityContacts.json`` and ``GetSecurityContactsSubscription_example.json``: the contact
  ``default`` with ``emails`` (semicolon-separated), ``phone``, ``isEnabled``, ``notificationsByRole`` {state On|Off, roles
  AccountAdmin|ServiceAdmin|Owner|Contributor}, ``notificationsSources`` [{sourceType Alert, minimalSeverity High|Medium|Low} |
  {sourceType AttackPath, minimalRiskLevel Critical|High|Medium|Low}], type ``Microsoft.Security/securityContact``;
  ``preview/2020-01-01-preview/securityContacts.json``: the same contact with ``alertNotifications`` {state, minimalSeverity}
  in place of the sources (the SDK's default version).
- ``stable/2021-06-01/assessments.json`` and ``ListAssessments_example.json``: ``{resourceId}/providers/Microsoft.Security/
  assessments/{assessmentName}`` (the assessment key, a GUID), ``resourceDetails`` {source Azure, id}, ``displayName``,
  ``status`` {code Healthy|Unhealthy|NotApplicable, cause, description, firstEvaluationDate, statusChangeDate},
  ``additionalData``, ``metadata``, ``links`` {azurePortalUri}; PUT 200/201 (custom assessment providers), DELETE 200/204.
- ``stable/2022-01-01/alerts.json``: alerts under ``locations/{ascLocation}/alerts/{alertName}`` of a subscription or a
  resource group, listed per subscription and per resource group; Defender raises them (no PUT).
"""

import re

from ...core.errors import AzureError

PRICINGS = "security.pricings"
CONTACTS = "security.contacts"
ASSESSMENTS = "security.assessments"
ALERTS = "security.alerts"

# plan -> (allowed subPlans, deprecated-and-replaced-by)
PLANS = {
    "VirtualMachines": (("P1", "P2"), None),
    "SqlServers": ((), None),
    "AppServices": ((), None),
    "StorageAccounts": (("PerTransaction", "DefenderForStorageV2"), None),
    "SqlServerVirtualMachines": ((), None),
    "KubernetesService": ((), ["Containers"]),
    "ContainerRegistry": ((), ["Containers"]),
    "KeyVaults": (("PerTransaction", "PerKeyVault"), None),
    "Dns": ((), None),
    "Arm": (("PerSubscription", "PerApiCall"), None),
    "OpenSourceRelationalDatabases": ((), None),
    "Containers": ((), None),
    "CloudPosture": ((), None),
}
# The sub-plan Azure applies when a Standard plan is set without one (Learn: Defender for Servers defaults to Plan 2, Storage to
# the per-storage-account plan, Key Vault and Resource Manager to their per-resource plans); unverified for the others.
DEFAULT_SUBPLAN = {"VirtualMachines": "P2", "StorageAccounts": "DefenderForStorageV2", "KeyVaults": "PerKeyVault", "Arm": "PerSubscription"}

ROLES = ("AccountAdmin", "ServiceAdmin", "Owner", "Contributor")
SEVERITIES = ("High", "Medium", "Low")
RISK_LEVELS = ("Critical", "High", "Medium", "Low")
STATES = ("On", "Off")
STATUS_CODES = ("Healthy", "Unhealthy", "NotApplicable")
SOURCES = ("Azure", "OnPremise", "OnPremiseSql")
ALERT_SEVERITIES = ("Informational", "Low", "Medium", "High")
EMAIL = re.compile(r"^[^@\s;]+@[^@\s;]+\.[^@\s;]+$")


def bad(message, target=None, code="BadRequest"):
    return AzureError(400, code, message, target=target)


def plan_name(name):
    for known in PLANS:
        if known.lower() == name.lower():
            return known
    return None


def pricing_doc(sub, name, stored):
    """The plan as the 2024-01-01 api answers it (every field), from what was set (None: never set, Free)."""
    subplans, replaced = PLANS[name]
    props = {"pricingTier": "Free", "freeTrialRemainingTime": "PT0S", "enforce": "False", "resourcesCoverageStatus": "NotCovered"}
    if stored:
        props.update(stored)
    if props["pricingTier"] == "Standard":
        props["resourcesCoverageStatus"] = "FullyCovered"
    if replaced:
        props["deprecated"] = True
        props["replacedBy"] = list(replaced)
    return {"id": f"/subscriptions/{sub}/providers/Microsoft.Security/pricings/{name}", "name": name, "type": "Microsoft.Security/pricings",
            "properties": props}


def pricing_for_version(doc, api_version):
    out = {**doc, "properties": dict(doc["properties"])}
    p = out["properties"]
    if api_version < "2024-01-01":
        for k in ("enforce", "inherited", "inheritedFrom", "resourcesCoverageStatus"):
            p.pop(k, None)
    if api_version < "2022-03-01":
        for k in ("subPlan", "enablementTime", "extensions", "deprecated", "replacedBy"):
            p.pop(k, None)
    return out


def validate_pricing(name, props, previous, now):
    """The stored properties of a plan after a PUT (pricingTier required; sub-plans and extensions per plan)."""
    tier = str(props.get("pricingTier") or "")
    tier = {"free": "Free", "standard": "Standard"}.get(tier.lower())
    if tier is None:
        # PricingProperties.pricingTier is required, enum Free|Standard (swagger); text unverified.
        raise bad(f"The pricing tier '{props.get('pricingTier')}' is invalid. Valid values are 'Free' and 'Standard'.", "pricingTier")
    subplans, replaced = PLANS[name]
    if replaced and tier == "Standard":
        # A deprecated plan cannot be turned on (ListPricings_example: deprecated, replacedBy Containers); text unverified.
        raise bad(f"The pricing '{name}' is deprecated and cannot be enabled. Use '{replaced[0]}' instead.", "pricingName")
    out = {"pricingTier": tier, "freeTrialRemainingTime": "PT0S"}
    enforce = props.get("enforce")
    if enforce is not None:
        if str(enforce) not in ("True", "False"):
            raise bad(f"The value '{enforce}' of 'enforce' is invalid. Valid values are 'True' and 'False'.", "enforce")  # unverified text
        out["enforce"] = str(enforce)
    if tier == "Standard":
        sub_plan = props.get("subPlan")
        if sub_plan is not None and sub_plan not in subplans:
            allowed = ", ".join(f"'{s}'" for s in subplans) or "none"
            raise bad(f"The sub plan '{sub_plan}' is not supported for pricing '{name}'. Supported sub plans: {allowed}.", "subPlan")  # unverified
        sub_plan = sub_plan or (previous or {}).get("subPlan") or DEFAULT_SUBPLAN.get(name)
        if sub_plan:
            out["subPlan"] = sub_plan
        was_on = (previous or {}).get("pricingTier") == "Standard"
        out["enablementTime"] = previous["enablementTime"] if was_on and previous.get("enablementTime") else now
        exts = props.get("extensions")
        if exts is not None:
            if not isinstance(exts, list) or not all(isinstance(e, dict) and e.get("name") and e.get("isEnabled") in ("True", "False") for e in exts):
                # Extension: name and isEnabled ("True"|"False") required (swagger); text unverified.
                raise bad("Each extension needs a 'name' and 'isEnabled' ('True' or 'False').", "extensions")
            out["extensions"] = [{**{k: e[k] for k in ("name", "isEnabled", "additionalExtensionProperties") if k in e},
                                  "operationStatus": {"code": "Succeeded", "message": "Successfully "
                                                      + ("enabled" if e["isEnabled"] == "True" else "disabled") + " extension"}}
                                 for e in exts]
        elif (previous or {}).get("extensions"):
            out["extensions"] = previous["extensions"]
    return out


def contact_from_request(props, api_version):
    """The stored (2023-12-01-preview) shape of the contact from either api's body."""
    if not isinstance(props, dict):
        raise AzureError(400, "InvalidRequestContent", "The request content was invalid and could not be deserialized: 'properties'.")
    emails = props.get("emails")
    if emails is not None:
        if not isinstance(emails, str):
            raise bad("The emails property must be a string of semicolon-separated addresses.", "emails")  # unverified text
        for e in [x.strip() for x in emails.split(";") if x.strip()]:
            if not EMAIL.match(e):
                raise bad(f"The email address '{e}' is invalid.", "emails")  # unverified text
    by_role = props.get("notificationsByRole")
    if by_role is not None:
        if not isinstance(by_role, dict) or by_role.get("state", "On") not in STATES or not all(r in ROLES for r in by_role.get("roles") or []):
            raise bad("notificationsByRole needs a state 'On' or 'Off' and roles among " + ", ".join(ROLES) + ".", "notificationsByRole")  # unverified
        by_role = {"state": by_role.get("state"), "roles": list(by_role.get("roles") or [])}
    if api_version >= "2023-12-01":
        sources = props.get("notificationsSources")
        if sources is not None:
            if not isinstance(sources, list):
                raise bad("notificationsSources must be a list.", "notificationsSources")  # unverified
            clean = []
            for s in sources:
                kind = s.get("sourceType") if isinstance(s, dict) else None
                if kind == "Alert" and s.get("minimalSeverity") in SEVERITIES:
                    clean.append({"sourceType": "Alert", "minimalSeverity": s["minimalSeverity"]})
                elif kind == "AttackPath" and s.get("minimalRiskLevel") in RISK_LEVELS:
                    clean.append({"sourceType": "AttackPath", "minimalRiskLevel": s["minimalRiskLevel"]})
                else:
                    # NotificationsSource: sourceType Alert (minimalSeverity High|Medium|Low) or AttackPath (minimalRiskLevel); unverified text
                    raise bad(f"The notification source '{s}' is invalid.", "notificationsSources")
            sources = clean
        enabled = props.get("isEnabled")
        if enabled is not None and not isinstance(enabled, bool):
            raise AzureError(400, "InvalidRequestContent", "The request content was invalid and could not be deserialized: 'isEnabled'.")
    else:
        alerts = props.get("alertNotifications")
        sources, enabled = None, None
        if alerts is not None:
            if not isinstance(alerts, dict) or alerts.get("state", "On") not in STATES or alerts.get("minimalSeverity", "High") not in SEVERITIES:
                raise bad("alertNotifications needs a state 'On' or 'Off' and a minimalSeverity High, Medium or Low.", "alertNotifications")  # unverified
            sources = [{"sourceType": "Alert", "minimalSeverity": alerts.get("minimalSeverity") or "High"}] if alerts.get("state") == "On" else []
        enabled = True
    out = {"emails": emails or "", "phone": props.get("phone") or "", "isEnabled": True if enabled is None else enabled}
    if by_role is not None:
        out["notificationsByRole"] = by_role
    out["notificationsSources"] = sources or []
    return out


def contact_for_version(sub, name, stored, api_version):
    rid = f"/subscriptions/{sub}/providers/Microsoft.Security/securityContacts/{name}"
    if api_version >= "2023-12-01":
        props = {k: v for k, v in stored.items() if k in ("emails", "phone", "isEnabled", "notificationsByRole", "notificationsSources")}
    else:
        alert = next((s for s in stored.get("notificationsSources") or [] if s["sourceType"] == "Alert"), None)
        props = {"emails": stored.get("emails") or "", "phone": stored.get("phone") or "",
                 "alertNotifications": {"state": "On" if alert and stored.get("isEnabled", True) else "Off",
                                        "minimalSeverity": alert["minimalSeverity"] if alert else "High"}}
        if stored.get("notificationsByRole"):
            props["notificationsByRole"] = stored["notificationsByRole"]
    return {"id": rid, "name": name, "type": "Microsoft.Security/securityContact", "properties": props}
