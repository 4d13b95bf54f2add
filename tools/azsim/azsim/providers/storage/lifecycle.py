"""Lifecycle management: the account's ``managementPolicies/default`` (ManagementPolicies_CreateOrUpdate / Get / Delete)
and how its rules pick an action for a blob.

Sources: azure-rest-api-specs Storage ``ManagementPolicies_*`` and examples (StorageAccountSetManagementPolicy*.json,
2023-05-01), azure-mgmt-storage 25.x models (ManagementPolicyRule, DateAfterModification, DateAfterCreation...), Learn
"Azure Blob Storage lifecycle management policy structure" and "...lifecycle management overview".  The engine that
applies the rules on the simulated clock is :mod:`.engine`.
"""

from ...core.errors import AzureError

POLICY_TYPE = "Microsoft.Storage/storageAccounts/managementPolicies"
POLICY_NAME = "DefaultManagementPolicy"  # the name ManagementPolicies_Get/CreateOrUpdate answer (spec examples)
MAX_RULES = 100                          # Learn: up to 100 rules in a policy
MAX_FILTERS = 10                         # Learn: up to 10 prefixes and 10 blob index tag conditions per rule
BLOB_TYPES = {"blockblob": "blockBlob", "appendblob": "appendBlob"}
BASE_ACTIONS = ("tierToCool", "tierToArchive", "tierToCold", "tierToHot", "delete")
CONDITIONS = ("daysAfterModificationGreaterThan", "daysAfterCreationGreaterThan", "daysAfterLastAccessTimeGreaterThan")
# Learn: "If you define more than one action on the same blob, lifecycle management applies the least expensive action
# to the blob": delete < tierToArchive < tierToCold < tierToCool (< tierToHot).
COST = {"delete": 0, "tierToArchive": 1, "tierToCold": 2, "tierToCool": 3, "tierToHot": 4}
TIER_OF = {"tierToArchive": "Archive", "tierToCold": "Cold", "tierToCool": "Cool", "tierToHot": "Hot"}
COOLNESS = {"Hot": 0, "Cool": 1, "Cold": 2, "Archive": 3}
DAY = 86400.0


def _invalid(message):
    # The RP's 400 for a policy that does not validate: code and texts unverified (public issues quote only the
    # MissingLastAccessTimeBasedTrackingPolicy case below).
    return AzureError(400, "InvalidManagementPolicyRule", message)


def _required(field):
    return AzureError(400, "InvalidRequestContent",
                      f"The request content was invalid and could not be deserialized: 'Required property '{field}' not found in JSON.'.")


def _days(value, where):
    # Swagger: the day counts are numbers, minimum 0, multipleOf 1.
    if isinstance(value, bool) or not isinstance(value, (int, float)) or value < 0 or int(value) != value:
        raise _invalid(f"{where} must be a whole number of days, 0 or more.")
    return int(value)


def _base_condition(cond, where, action):
    if not isinstance(cond, dict):
        raise _invalid(f"{where} must be an object.")
    out = {}
    for k in (*CONDITIONS, "daysAfterLastTierChangeGreaterThan"):
        if cond.get(k) is not None:
            out[k] = _days(cond[k], f"{where}.{k}")
    set_ = [k for k in CONDITIONS if k in out]
    if len(set_) != 1:
        # DateAfterModification: the three conditions are mutually exclusive (and one is needed).
        raise _invalid(f"{where} must set exactly one of {', '.join(CONDITIONS)}.")
    if "daysAfterLastTierChangeGreaterThan" in out and (action != "tierToArchive" or set_[0] != "daysAfterModificationGreaterThan"):
        # DateAfterModification.daysAfterLastTierChangeGreaterThan: tierToArchive only, with daysAfterModificationGreaterThan.
        raise _invalid(f"{where}.daysAfterLastTierChangeGreaterThan applies to tierToArchive with daysAfterModificationGreaterThan only.")
    return out


def _created_condition(cond, where, action):
    if not isinstance(cond, dict) or cond.get("daysAfterCreationGreaterThan") is None:
        raise _required("daysAfterCreationGreaterThan")  # DateAfterCreation.daysAfterCreationGreaterThan is required
    out = {"daysAfterCreationGreaterThan": _days(cond["daysAfterCreationGreaterThan"], f"{where}.daysAfterCreationGreaterThan")}
    if cond.get("daysAfterLastTierChangeGreaterThan") is not None:
        if action != "tierToArchive":
            raise _invalid(f"{where}.daysAfterLastTierChangeGreaterThan applies to tierToArchive only.")
        out["daysAfterLastTierChangeGreaterThan"] = _days(cond["daysAfterLastTierChangeGreaterThan"], f"{where}.daysAfterLastTierChangeGreaterThan")
    return out


def _actions(actions, where):
    if not isinstance(actions, dict):
        raise _required("actions")
    out = {}
    for part in ("baseBlob", "snapshot", "version"):
        block = actions.get(part)
        if block is None:
            continue
        if not isinstance(block, dict):
            raise _invalid(f"{where}.{part} must be an object.")
        got = {}
        for action in BASE_ACTIONS:
            if block.get(action) is not None:
                check = _base_condition if part == "baseBlob" else _created_condition
                got[action] = check(block[action], f"{where}.{part}.{action}", action)
        if part == "baseBlob" and block.get("enableAutoTierToHotFromCool") is not None:
            if not isinstance(block["enableAutoTierToHotFromCool"], bool):
                raise _invalid(f"{where}.baseBlob.enableAutoTierToHotFromCool must be a boolean.")
            uses_access = any("daysAfterLastAccessTimeGreaterThan" in c for c in got.values())
            if block["enableAutoTierToHotFromCool"] and not uses_access:
                # Learn: "available only when used with the daysAfterLastAccessTimeGreaterThan run condition".
                raise _invalid("enableAutoTierToHotFromCool can only be used with daysAfterLastAccessTimeGreaterThan.")
            got["enableAutoTierToHotFromCool"] = block["enableAutoTierToHotFromCool"]
        if not any(a in got for a in BASE_ACTIONS):
            raise _invalid(f"{where}.{part} must define at least one action.")
        out[part] = got
    if not out:
        raise _invalid(f"{where} must define at least one action.")  # Learn: at least one action per rule
    return out


def _filters(filters, where):
    if not isinstance(filters, dict) or not filters.get("blobTypes"):
        # ManagementPolicyFilter.blobTypes is required (swagger; terraform-provider-azurerm issues 16686 and 20447:
        # a rule without it is refused by the service).
        raise _required("blobTypes")
    types = filters["blobTypes"]
    if not isinstance(types, list) or any(str(t).lower() not in BLOB_TYPES for t in types):
        raise _invalid(f"{where}.blobTypes may contain blockBlob and appendBlob only.")
    out = {"blobTypes": [BLOB_TYPES[str(t).lower()] for t in types]}
    prefixes = filters.get("prefixMatch")
    if prefixes is not None:
        if not isinstance(prefixes, list) or not all(isinstance(p, str) for p in prefixes) or len(prefixes) > MAX_FILTERS:
            raise _invalid(f"{where}.prefixMatch must be a list of at most {MAX_FILTERS} strings.")
        out["prefixMatch"] = list(prefixes)
    tags = filters.get("blobIndexMatch")
    if tags is not None:
        if not isinstance(tags, list) or len(tags) > MAX_FILTERS:
            raise _invalid(f"{where}.blobIndexMatch must be a list of at most {MAX_FILTERS} conditions.")
        for t in tags:
            if not isinstance(t, dict) or not t.get("name") or t.get("value") is None or t.get("op") != "==":
                # TagFilter: name (1-128), op (only == is supported), value (0-256), all required.
                raise _invalid(f"{where}.blobIndexMatch conditions need a name, the op '==' and a value.")
        out["blobIndexMatch"] = [{"name": t["name"], "op": "==", "value": str(t["value"])} for t in tags]
    return out


def validate(body, access_tracking):
    """The stored policy ({"rules": [...]}) from a ManagementPolicies_CreateOrUpdate body, or an AzureError."""
    props = (body or {}).get("properties")
    if not isinstance(props, dict) or not isinstance(props.get("policy"), dict):
        raise _required("policy")
    rules = props["policy"].get("rules")
    if not isinstance(rules, list) or not rules:
        raise _required("rules")  # ManagementPolicySchema.rules is required; Learn: at least one rule
    if len(rules) > MAX_RULES:
        raise _invalid(f"A policy can have at most {MAX_RULES} rules.")
    out, names = [], set()
    for i, rule in enumerate(rules):
        if not isinstance(rule, dict):
            raise _invalid(f"rules[{i}] must be an object.")
        for field in ("name", "type", "definition"):
            if not rule.get(field):
                raise _required(field)
        name = rule["name"]
        if not isinstance(name, str) or len(name) > 256:
            raise _invalid(f"The rule name '{name}' is invalid: up to 256 characters.")  # Learn: up to 256 characters
        if name in names:
            raise _invalid(f"The rule name '{name}' is used more than once; rule names are unique within a policy.")
        names.add(name)
        if rule["type"] != "Lifecycle":
            raise _invalid(f"The rule type '{rule['type']}' is invalid; the valid value is Lifecycle.")  # RuleType enum
        enabled = rule.get("enabled", True)  # Learn: optional, true by default
        if not isinstance(enabled, bool):
            raise _invalid(f"rules[{i}].enabled must be a boolean.")
        d = rule["definition"]
        if not isinstance(d, dict):
            raise _required("actions")
        where = f"rules[{i}].definition"
        actions = _actions(d.get("actions"), where + ".actions")
        filters = _filters(d.get("filters"), where + ".filters")
        out.append({"enabled": enabled, "name": name, "type": "Lifecycle", "definition": {"actions": actions, "filters": filters}})
    if not access_tracking and any(uses_last_access(r) for r in out):
        # terraform-azurerm-storage-account PR 19 quotes the service: Status=400 Code="MissingLastAccessTimeBasedTrackingPolicy".
        raise AzureError(400, "MissingLastAccessTimeBasedTrackingPolicy",
                         "Last access time based tracking policy must be enabled before using its specific actions in object lifecycle management policy")
    return {"rules": out}


def uses_last_access(rule):
    return any("daysAfterLastAccessTimeGreaterThan" in c for c in (rule["definition"]["actions"].get("baseBlob") or {}).values()
               if isinstance(c, dict))


def wire(account_id, doc):
    return {"id": account_id + "/managementPolicies/default", "name": POLICY_NAME, "type": POLICY_TYPE,
            "properties": {"lastModifiedTime": doc["lastModifiedTime"], "policy": doc["policy"]}}


# -- evaluation -------------------------------------------------------------------------------------------------
def matches(rule, container, blob):
    """Filters (Learn): blob type, case-sensitive prefixes starting with the container name, blob index tags; AND-ed."""
    f = rule["definition"]["filters"]
    kind = {"BlockBlob": "blockBlob", "AppendBlob": "appendBlob"}.get(blob["type"])
    if kind not in f["blobTypes"]:
        return False
    path = f"{container}/{blob['name']}"
    if f.get("prefixMatch") and not any(path.startswith(p) for p in f["prefixMatch"]):
        return False
    tags = blob.get("tags") or {}
    return all(tags.get(t["name"]) == t["value"] for t in f.get("blobIndexMatch") or [])


def _due(cond, blob, now):
    """Run conditions: the age in days past the number given (Learn "Action run conditions")."""
    for key, when in (("daysAfterModificationGreaterThan", "modified"), ("daysAfterCreationGreaterThan", "created"),
                      ("daysAfterLastAccessTimeGreaterThan", "accessed")):
        if key in cond and not (now - blob[when]) / DAY > cond[key]:
            return False
    changed = blob.get("tierChanged", blob["modified"])
    if "daysAfterLastTierChangeGreaterThan" in cond and not (now - changed) / DAY > cond["daysAfterLastTierChangeGreaterThan"]:
        return False
    return True


def action_for(rules, container, blob, now, tiering):
    """The cheapest action due for a base blob or a snapshot, or None.  Tier actions move block blobs to a cooler tier
    only (lifecycle management cannot rehydrate; tiering is for block blobs, and not in premium block blob accounts)."""
    part = "snapshot" if blob.get("snapshot") else "baseBlob"
    best = None
    for rule in rules:
        if not rule.get("enabled", True) or not matches(rule, container, blob):
            continue
        for action, cond in (rule["definition"]["actions"].get(part) or {}).items():
            if action not in COST or not _due(cond, blob, now):
                continue
            if action != "delete":
                target = TIER_OF[action]
                if not tiering or blob["type"] != "BlockBlob" or COOLNESS[target] <= COOLNESS.get(blob.get("tier") or "Hot", 0):
                    continue
            if best is None or COST[action] < COST[best]:
                best = action
    return best
