"""Metric alert rules (Microsoft.Insights/metricAlerts, api 2018-03-01): validation of the rule body.

Sources: azure-mgmt-monitor 7.0.0 models (``MetricAlertResource``; criteria discriminator ``odata.type``;
``MetricCriteria`` / ``DynamicMetricCriteria`` with ``criterionType``; ``WebtestLocationAvailabilityCriteria``),
arm-data.md §3.2, Learn "Create a metric alert with a Resource Manager template" (allowed frequencies and windows) and
"Monitor multiple resources with one metric alert rule", public issues quoted next to each error.
"""

import importlib
import re

from ...core import locations, resource
from ...core.errors import AzureError
from ...core.ids import parse

TYPE = "Microsoft.Insights/metricAlerts"
SINGLE = "Microsoft.Azure.Monitor.SingleResourceMultipleMetricCriteria"
MULTI = "Microsoft.Azure.Monitor.MultipleResourceMultipleMetricCriteria"
WEBTEST = "Microsoft.Azure.Monitor.WebtestLocationAvailabilityCriteria"
ODATA_TYPES = {t.lower(): t for t in (SINGLE, MULTI, WEBTEST)}
FREQUENCIES = {"PT1M": 60, "PT5M": 300, "PT15M": 900, "PT30M": 1800, "PT1H": 3600}
WINDOWS = {"PT1M": 60, "PT5M": 300, "PT15M": 900, "PT30M": 1800, "PT1H": 3600, "PT6H": 21600, "PT12H": 43200, "P1D": 86400}
AGGREGATIONS = ("Average", "Count", "Minimum", "Maximum", "Total")
STATIC_OPERATORS = ("Equals", "GreaterThan", "GreaterThanOrEqual", "LessThan", "LessThanOrEqual")
DYNAMIC_OPERATORS = ("GreaterThan", "LessThan", "GreaterOrLessThan")
SENSITIVITIES = ("Low", "Medium", "High")
# Learn "Monitor multiple resources": resource types whose metric alerts may cover several resources (subset; unverified list).
MULTI_RESOURCE_TYPES = {t.lower() for t in (
    "Microsoft.Compute/virtualMachines", "Microsoft.Compute/virtualMachineScaleSets", "Microsoft.HybridCompute/machines",
    "Microsoft.KeyVault/vaults", "Microsoft.Cache/redis", "Microsoft.Sql/servers/databases", "Microsoft.Sql/servers/elasticPools",
    "Microsoft.Storage/storageAccounts", "Microsoft.DataBoxEdge/dataBoxEdgeDevices", "Microsoft.EventGrid/topics",
    "Microsoft.EventGrid/domains", "Microsoft.EventGrid/systemTopics", "Microsoft.RecoveryServices/vaults", "Microsoft.Network/publicIPAddresses")}
DURATION_RE = re.compile(r"^P(?:(\d+)D)?(?:T(?:(\d+)H)?(?:(\d+)M)?(?:(\d+)S)?)?$", re.IGNORECASE)
MAX_CRITERIA = 5  # Learn "Create or edit a metric alert rule": up to 5 conditions per rule (text unverified)


def _bad(message, target=None):
    return AzureError(400, "BadRequest", message, target=target)


def seconds(text):
    """Seconds of an ISO 8601 duration (``PT5M``, ``PT1H``, ``P1D``, ``PT60M``), or None."""
    m = DURATION_RE.match(str(text or ""))
    if not m or not any(m.groups()):
        return None
    d, h, mi, s = (int(g or 0) for g in m.groups())
    return ((d * 24 + h) * 60 + mi) * 60 + s


def _canonical(text, allowed, field):
    secs = seconds(text)
    for name, value in allowed.items():
        if secs == value:
            return name
    # Allowed values from Learn (template reference; azure-cli#31138 quotes them); text unverified.
    raise _bad(f"The {field} '{text}' is not supported. Supported values are: {', '.join(allowed)}.", field)


def resource_type(rid):
    """``Namespace/type[/child]`` of a resource id, or None for a group / subscription scope."""
    p = parse(rid)
    if not p or not p["namespace"]:
        return None
    return "/".join([p["namespace"], *[t for t, _name in p["types"]]])


def _metric_names(rtype):
    """Metric names the metrics engine knows for ``rtype`` (lower-cased set), or None when no catalogue is available
    yet: ``insights/metrics.py`` is written by another engineer; until it publishes a catalogue any name is accepted."""
    try:
        mod = importlib.import_module(f"{__package__}.metrics")
    except ImportError:
        return None
    cat = None
    for attr in ("CATALOGUE", "CATALOG", "METRICS"):
        cat = getattr(mod, attr, None)
        if cat is not None:
            break
    if not isinstance(cat, dict):
        return None
    entry = next((v for k, v in cat.items() if str(k).lower() == rtype.lower()), None)
    if entry is None:
        return None
    names = entry.keys() if isinstance(entry, dict) else [e.get("name") if isinstance(e, dict) else e for e in entry]
    return {str(n).lower() for n in names if n}


def _criterion(c, scope_type, dynamic_allowed):
    if not isinstance(c, dict):
        raise AzureError(400, "InvalidRequestContent", "The request content was invalid and could not be deserialized: 'criteria.allOf'.")
    ctype = c.get("criterionType")
    for field in ("name", "metricName"):
        if not c.get(field):
            raise _bad(f"The criterion property '{field}' is required.", f"criteria.allOf.{field}")  # required (swagger); text unverified
    agg = c.get("timeAggregation")
    if agg not in AGGREGATIONS:
        raise _bad(f"The time aggregation '{agg}' is not supported. Supported values are: {', '.join(AGGREGATIONS)}.",
                   "criteria.allOf.timeAggregation")  # AggregationTypeEnum; text unverified
    op = c.get("operator")
    if ctype == "StaticThresholdCriterion":
        if op not in STATIC_OPERATORS:
            raise _bad(f"The operator '{op}' is not supported. Supported values are: {', '.join(STATIC_OPERATORS)}.", "criteria.allOf.operator")
        thr = c.get("threshold")
        if isinstance(thr, bool) or not isinstance(thr, (int, float)):
            raise _bad(f"The threshold '{thr}' is invalid; a number is required.", "criteria.allOf.threshold")  # unverified text
    elif ctype == "DynamicThresholdCriterion":
        if not dynamic_allowed:
            # DynamicMetricCriteria exists only under MultipleResourceMultipleMetricCriteria (2018-03-01 swagger); text unverified.
            raise _bad("Dynamic threshold criteria require the criteria type "
                       "'Microsoft.Azure.Monitor.MultipleResourceMultipleMetricCriteria'.", "criteria.odata.type")
        if op not in DYNAMIC_OPERATORS:
            raise _bad(f"The operator '{op}' is not supported for dynamic thresholds. Supported values are: {', '.join(DYNAMIC_OPERATORS)}.",
                       "criteria.allOf.operator")
        if c.get("alertSensitivity") not in SENSITIVITIES:
            raise _bad(f"The alert sensitivity '{c.get('alertSensitivity')}' is invalid. Supported values are: Low, Medium, High.",
                       "criteria.allOf.alertSensitivity")
        fp = c.get("failingPeriods") or {}
        n, k = fp.get("numberOfEvaluationPeriods"), fp.get("minFailingPeriodsToAlert")
        # The SDK models type both counts as floats (DynamicThresholdFailingPeriods); integral values are what counts.
        if not all(isinstance(v, (int, float)) and not isinstance(v, bool) and v == int(v) for v in (n, k)) or not (1 <= k <= n <= 6):
            # Learn "Dynamic thresholds": 1-6 evaluation periods, minFailing <= number (text unverified).
            raise _bad("failingPeriods must have 1 <= minFailingPeriodsToAlert <= numberOfEvaluationPeriods <= 6.", "criteria.allOf.failingPeriods")
    else:
        raise _bad(f"The criterion type '{ctype}' is invalid. Supported values are: StaticThresholdCriterion, DynamicThresholdCriterion.",
                   "criteria.allOf.criterionType")
    out = dict(c)
    out.setdefault("metricNamespace", scope_type)
    out.setdefault("dimensions", [])
    out.setdefault("skipMetricValidation", False)
    if scope_type and not out["skipMetricValidation"] and str(out["metricNamespace"]).lower() == scope_type.lower():
        known = _metric_names(scope_type)
        if known is not None and str(c["metricName"]).lower() not in known:
            # Quoted in CompositionalIT/farmer#807 (400 BadRequest, followed by an activity id).
            raise _bad(f"Couldn't find a metric named {c['metricName']}. Make sure the name is correct. If this metric hasn't been reported yet, "
                       "use the -skipMetricValidation flag. Learn more here: https://docs.microsoft.com/azure/azure-monitor/platform/"
                       "alerts-troubleshoot-metric#define-an-alert-rule-on-a-custom-metric-that-isnt-emitted-yet")
    return out


def _existing(app, rid):
    p = parse(rid)
    if p is None:
        return False
    if p["namespace"]:
        return resource.peek(app, rid) is not None
    if p["resource_group"]:
        return app.store.peek("resourceGroups", f"/subscriptions/{p['subscription']}/resourcegroups/{p['resource_group']}") is not None
    return p["subscription"].lower() == app.identity.subscription_id.lower()


def validate(app, props):
    """Check the ``properties`` of a metric alert PUT; returns the properties to store."""
    if not isinstance(props, dict):
        raise AzureError(400, "InvalidRequestContent", "The request content was invalid and could not be deserialized: 'properties'.")
    sev = props.get("severity")
    if isinstance(sev, bool) or not isinstance(sev, int) or not 0 <= sev <= 4:
        # MetricAlertProperties.severity: 0 (Critical) to 4 (Verbose), required (swagger/Learn); text unverified.
        raise _bad(f"The severity '{sev}' is invalid. Severity must be an integer between 0 and 4.", "severity")
    if not isinstance(props.get("enabled"), bool):
        raise _bad("The enabled property is required.", "enabled")  # required in the swagger; text unverified
    scopes = props.get("scopes")
    if not isinstance(scopes, list) or not scopes or not all(isinstance(s, str) for s in scopes):
        raise _bad("The scopes property must contain at least one resource id.", "scopes")  # unverified text
    freq = _canonical(props.get("evaluationFrequency"), FREQUENCIES, "evaluationFrequency")
    window = _canonical(props.get("windowSize"), WINDOWS, "windowSize")
    if WINDOWS[window] < FREQUENCIES[freq]:
        # Learn: the lookback period must be at least the evaluation frequency (text unverified).
        raise _bad(f"The windowSize '{window}' must be greater than or equal to the evaluationFrequency '{freq}'.", "windowSize")
    for s in scopes:
        if not _existing(app, s):
            raise _bad(f"Scope '{s}' does not exist or is not a valid resource id.", "scopes")  # unverified text
    criteria = props.get("criteria")
    if not isinstance(criteria, dict):
        raise _bad("The criteria property is required.", "criteria")
    odata = ODATA_TYPES.get(str(criteria.get("odata.type", "")).lower())
    if odata is None:
        raise _bad(f"The criteria type '{criteria.get('odata.type')}' is invalid.", "criteria.odata.type")  # unverified text
    out = dict(props)
    out.update({"evaluationFrequency": freq, "windowSize": window, "scopes": list(scopes)})
    out.setdefault("autoMitigate", True)
    out.setdefault("description", "")
    types = {(resource_type(s) or "").lower() for s in scopes}
    if odata == WEBTEST:
        out["criteria"] = _webtest_criteria(app, criteria, scopes)
        return out
    multi = len(scopes) > 1 or "" in types
    if multi:
        if odata != MULTI:
            # Learn "Monitor multiple resources": several scopes need MultipleResourceMultipleMetricCriteria (text unverified).
            raise _bad("Alert rules with multiple scopes or resource group / subscription scopes must use the criteria type "
                       "'Microsoft.Azure.Monitor.MultipleResourceMultipleMetricCriteria'.", "criteria.odata.type")
        if not props.get("targetResourceType") or not props.get("targetResourceRegion"):
            raise _bad("targetResourceType and targetResourceRegion are required when the rule monitors multiple resources.",
                       "targetResourceType")  # Learn (template reference); text unverified
        if locations.normalize(props["targetResourceRegion"]) is None:
            raise _bad(f"The targetResourceRegion '{props['targetResourceRegion']}' is invalid.", "targetResourceRegion")
        target = str(props["targetResourceType"]).lower()
        if target not in MULTI_RESOURCE_TYPES:
            raise _bad(f"Multi-resource metric alerts are not supported for resource type '{props['targetResourceType']}'.",
                       "targetResourceType")  # unverified text
        if any(t and t != target for t in types):
            raise _bad("All scopes of a multi-resource metric alert must be of the resource type targetResourceType.", "scopes")  # unverified
        scope_type = props["targetResourceType"]
    else:
        scope_type = resource_type(scopes[0])
        if odata == SINGLE and props.get("targetResourceType") and str(props["targetResourceType"]).lower() != scope_type.lower():
            raise _bad("targetResourceType does not match the type of the scope.", "targetResourceType")  # unverified
    all_of = criteria.get("allOf")
    if not isinstance(all_of, list) or not all_of:
        raise _bad("The criteria must contain at least one condition in allOf.", "criteria.allOf")  # unverified text
    limit = 1 if multi else MAX_CRITERIA
    if len(all_of) > limit:
        raise _bad(f"The rule has {len(all_of)} conditions; at most {limit} are supported for this rule.", "criteria.allOf")  # unverified
    names = [str(c.get("name", "")).lower() for c in all_of if isinstance(c, dict)]
    if len(set(names)) != len(names):
        raise _bad("Criterion names must be unique within the rule.", "criteria.allOf.name")  # unverified
    for c in all_of:
        if isinstance(c, dict) and odata == SINGLE and "criterionType" not in c:
            c["criterionType"] = "StaticThresholdCriterion"  # MetricCriteria is the only kind in the single-resource schema
    out["criteria"] = {"odata.type": odata, "allOf": [_criterion(c, scope_type, odata == MULTI) for c in all_of]}
    return out


def _webtest_criteria(app, criteria, scopes):
    from .components import find as find_component
    from .webtests import find as find_webtest
    from .webtests import linked_components
    wt, comp = criteria.get("webTestId"), criteria.get("componentId")
    count = criteria.get("failedLocationCount")
    webtest = find_webtest(app, wt)
    if webtest is None:
        raise _bad(f"The web test '{wt}' was not found.", "criteria.webTestId")  # unverified text
    if find_component(app, comp) is None:
        raise _bad(f"The Application Insights component '{comp}' was not found.", "criteria.componentId")  # unverified text
    if {s.lower() for s in scopes} != {wt.lower(), comp.lower()}:
        # Learn "availability alerts" template: scopes are exactly the web test and its component (text unverified).
        raise _bad("The scopes of an availability alert must be the web test and its Application Insights component.", "scopes")
    if not any(c.lower() == comp.lower() for c in linked_components(webtest.get("tags"))):
        raise _bad("The web test is not linked to the Application Insights component.", "criteria.componentId")  # unverified
    n_locations = len(webtest["properties"].get("Locations") or [])
    # The SDK model types failedLocationCount as a float (azure-mgmt-monitor WebtestLocationAvailabilityCriteria).
    if isinstance(count, bool) or not isinstance(count, (int, float)) or count != int(count) or not 1 <= count <= n_locations:
        raise _bad(f"failedLocationCount '{count}' must be between 1 and the number of test locations ({n_locations}).",
                   "criteria.failedLocationCount")  # unverified text
    return {"odata.type": WEBTEST, "webTestId": wt, "componentId": comp, "failedLocationCount": count}


def validate_actions(app, actions):
    from .actiongroups import find as find_group
    if actions is None:
        return []
    if not isinstance(actions, list):
        raise AzureError(400, "InvalidRequestContent", "The request content was invalid and could not be deserialized: 'actions'.")
    out = []
    for a in actions:
        agid = (a or {}).get("actionGroupId") if isinstance(a, dict) else None
        p = parse(agid) if agid else None
        if p is None or p["subscription"].lower() != app.identity.subscription_id.lower() or find_group(app, agid) is None:
            # Quoted in Azure/azure-powershell#11102 (azure-cli 2.3.1 output, 400 BadRequest).
            raise _bad(f"Arm resource {agid} is invalid or in a different subscription as alert rule.")
        out.append({"actionGroupId": agid, "webHookProperties": dict(a.get("webHookProperties") or {})})
    return out
