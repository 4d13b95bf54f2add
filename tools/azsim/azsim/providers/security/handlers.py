"""HTTP handlers of Microsoft.Security: pricings (Defender plans) at subscription scope, the security contact, assessments at
any resource scope and security alerts, plus ``POST /_azsim/security/alerts`` to raise an alert as Defender would. Sources
are listed in ``models.py``; errors whose text no public source quotes say so next to them."""

import json
import re

from ...core import ids, resource
from ...core.errors import AzureError, not_found
from ...core.http import Response
from . import models as m

PRICING_VERSIONS = ["2024-01-01", "2023-01-01", "2022-03-01", "2018-06-01", "2017-08-01-preview"]
CONTACT_VERSIONS = ["2023-12-01-preview", "2020-01-01-preview", "2017-08-01-preview"]
ASSESSMENT_VERSIONS = ["2021-06-01", "2020-01-01", "2019-01-01-preview"]
ALERT_VERSIONS = ["2022-01-01", "2021-01-01", "2020-01-01", "2019-01-01"]
SUB = "/subscriptions/{subscriptionId}"
NS = "/providers/Microsoft.Security"


def register(app):
    app.namespace("Microsoft.Security", {"pricings": PRICING_VERSIONS, "securityContacts": CONTACT_VERSIONS, "assessments": ASSESSMENT_VERSIONS,
                                         "alerts": ALERT_VERSIONS, "locations": ALERT_VERSIONS})
    h = Handlers(app)
    r = app.router
    r.add("GET", SUB + NS + "/pricings", h.list_pricings)
    r.add("GET", SUB + NS + "/pricings/{pricingName}", h.get_pricing)
    r.add("PUT", SUB + NS + "/pricings/{pricingName}", h.put_pricing)
    r.add("GET", SUB + NS + "/securityContacts", h.list_contacts)
    r.add("GET", SUB + NS + "/securityContacts/{name}", h.get_contact)
    r.add("PUT", SUB + NS + "/securityContacts/{name}", h.put_contact)
    r.add("DELETE", SUB + NS + "/securityContacts/{name}", h.delete_contact)
    r.add("GET", "/{scope*}" + NS + "/assessments", h.list_assessments)
    r.add("GET", "/{scope*}" + NS + "/assessments/{assessmentName}", h.get_assessment)
    r.add("PUT", "/{scope*}" + NS + "/assessments/{assessmentName}", h.put_assessment)
    r.add("DELETE", "/{scope*}" + NS + "/assessments/{assessmentName}", h.delete_assessment)
    r.add("GET", SUB + NS + "/alerts", h.list_alerts)
    r.add("GET", SUB + "/resourceGroups/{resourceGroupName}" + NS + "/alerts", h.list_alerts)
    r.add("GET", SUB + NS + "/locations/{ascLocation}/alerts", h.list_alerts)
    r.add("GET", SUB + "/resourceGroups/{resourceGroupName}" + NS + "/locations/{ascLocation}/alerts", h.list_alerts)
    r.add("GET", SUB + NS + "/locations/{ascLocation}/alerts/{alertName}", h.get_alert)
    r.add("GET", SUB + "/resourceGroups/{resourceGroupName}" + NS + "/locations/{ascLocation}/alerts/{alertName}", h.get_alert)
    app.admin_routes[("POST", "security/alerts")] = h.admin_alert


def _version(req):
    return (req.api_version or "")[:10]


class Handlers:
    def __init__(self, app):
        self.app = app

    @property
    def sub(self):
        return self.app.identity.subscription_id

    # -- pricings ---------------------------------------------------------------------------------------
    def _pricing_key(self, name):
        return f"/subscriptions/{self.sub}/providers/microsoft.security/pricings/{name}"

    def _pricing(self, name):
        known = m.plan_name(name)
        if known is None:
            # Remembered answer for an unknown plan name (text unverified).
            raise AzureError(404, "NotFound", f"Pricing '{name}' was not found. Supported pricings: {', '.join(m.PLANS)}.")
        return known, m.pricing_doc(self.sub, known, self.app.store.get(m.PRICINGS, self._pricing_key(known)))

    def list_pricings(self, req, subscriptionId):
        f = (req.query.get("$filter") or "").strip()
        names = list(m.PLANS)
        if f:
            # ListPricingsWithPlanFilter_example: $filter=name in ('VirtualMachines','Dns').
            got = re.fullmatch(r"name\s+in\s+\((.*)\)", f, re.IGNORECASE)
            if not got:
                raise m.bad(f"The filter '{f}' is not supported.")  # unverified text
            wanted = {x.strip().strip("'").lower() for x in got.group(1).split(",")}
            names = [n for n in names if n.lower() in wanted]
        rows = [m.pricing_for_version(self._pricing(n)[1], _version(req)) for n in names]
        return Response(200, {"value": rows})  # PricingList: value only, no nextLink

    def get_pricing(self, req, subscriptionId, pricingName):
        return Response(200, m.pricing_for_version(self._pricing(pricingName)[1], _version(req)))

    def put_pricing(self, req, subscriptionId, pricingName):
        name, _doc = self._pricing(pricingName)
        body = req.json()
        props = body.get("properties") if isinstance(body, dict) else None
        if not isinstance(props, dict):
            raise AzureError(400, "InvalidRequestContent", "The request content was invalid and could not be deserialized: 'properties'.")
        key = self._pricing_key(name)
        stored = m.validate_pricing(name, props, self.app.store.get(m.PRICINGS, key), self.app.clock.iso())
        self.app.store.put(m.PRICINGS, key, stored)
        return Response(200, m.pricing_for_version(m.pricing_doc(self.sub, name, stored), _version(req)))

    # -- security contacts ------------------------------------------------------------------------------------
    def _contact_key(self, name):
        return f"/subscriptions/{self.sub}/providers/microsoft.security/securitycontacts/{name}"

    def list_contacts(self, req, subscriptionId):
        rows = [m.contact_for_version(self.sub, d["_name"], d, _version(req)) for d in self.app.store.values(m.CONTACTS)]
        return Response(200, {"value": rows})

    def get_contact(self, req, subscriptionId, name):
        d = self.app.store.get(m.CONTACTS, self._contact_key(name))
        if d is None:
            # A subscription without a contact (text unverified).
            raise AzureError(404, "NotFound", f"Security contact '{name}' was not found.")
        return Response(200, m.contact_for_version(self.sub, d["_name"], d, _version(req)))

    def put_contact(self, req, subscriptionId, name):
        if name.lower() != "default":
            # securityContacts.json (2023-12-01-preview): securityContactName is the enum ["default"]; text unverified.
            raise m.bad(f"The security contact name '{name}' is invalid. The only supported name is 'default'.", "securityContactName")
        body = req.json()
        stored = m.contact_from_request(body.get("properties") if isinstance(body, dict) else None, _version(req))
        stored["_name"] = "default"
        key = self._contact_key("default")
        existed = self.app.store.exists(m.CONTACTS, key)
        self.app.store.put(m.CONTACTS, key, stored)
        return Response(200 if existed else 201, m.contact_for_version(self.sub, "default", stored, _version(req)))

    def delete_contact(self, req, subscriptionId, name):
        if not self.app.store.delete(m.CONTACTS, self._contact_key(name)):
            return Response(204)
        return Response(200)

    # -- assessments ---------------------------------------------------------------------------------------
    def _check_resource(self, scope):
        p = ids.parse(scope)
        if p is None or p["subscription"].lower() != self.sub.lower():
            raise AzureError(400, "InvalidScope", f"The scope '{scope}' is not valid.")  # unverified text
        rg = p["resource_group"]
        if rg and not self.app.store.exists("resourceGroups", f"/subscriptions/{self.sub}/resourcegroups/{rg}"):
            raise AzureError(404, "ResourceGroupNotFound", f"Resource group '{rg}' could not be found.")
        if p["types"]:
            top = f"/subscriptions/{self.sub}/resourceGroups/{rg}/providers/{p['namespace']}/{p['types'][0][0]}/{p['types'][0][1]}"
            if resource.peek(self.app, top) is None:
                raise not_found(f"{p['namespace']}/{p['types'][0][0]}", p["types"][0][1], rg or "")

    def _assessment_id(self, scope, name):
        return f"{scope}/providers/Microsoft.Security/assessments/{name}"

    def _wire_assessment(self, doc):
        return resource.public(doc)

    def list_assessments(self, req, scope):
        scope = "/" + re.sub(r"/{2,}", "/", scope).strip("/")
        self._check_resource(scope)
        rows = [self._wire_assessment(d) for d in self.app.store.values(m.ASSESSMENTS) if ids.under(scope, d["properties"]["resourceDetails"]["id"])]
        return self.app.page(req, rows)

    def get_assessment(self, req, scope, assessmentName):
        scope = "/" + re.sub(r"/{2,}", "/", scope).strip("/")
        self._check_resource(scope)
        d = self.app.store.get(m.ASSESSMENTS, self._assessment_id(scope, assessmentName))
        if d is None:
            raise AzureError(404, "NotFound", f"Assessment '{assessmentName}' was not found on resource '{scope}'.")  # unverified text
        return Response(200, self._wire_assessment(d))

    def put_assessment(self, req, scope, assessmentName):
        scope = "/" + re.sub(r"/{2,}", "/", scope).strip("/")
        if not ids.is_guid(assessmentName):
            # assessmentName: "The Assessment Key - Unique key for the assessment type" (a GUID); text unverified.
            raise m.bad(f"The assessment name '{assessmentName}' is invalid. The assessment key must be a GUID.", "assessmentName")
        body = req.json()
        props = body.get("properties") if isinstance(body, dict) else None
        if not isinstance(props, dict):
            raise AzureError(400, "InvalidRequestContent", "The request content was invalid and could not be deserialized: 'properties'.")
        details = props.get("resourceDetails")
        if not isinstance(details, dict) or details.get("source") not in m.SOURCES:
            # SecurityAssessmentProperties.resourceDetails is required, source Azure|OnPremise|OnPremiseSql (swagger); text unverified.
            raise m.bad("resourceDetails with a source of 'Azure', 'OnPremise' or 'OnPremiseSql' is required.", "resourceDetails")
        status = props.get("status")
        if not isinstance(status, dict) or status.get("code") not in m.STATUS_CODES:
            # AssessmentStatus.code is required: Healthy|Unhealthy|NotApplicable (swagger); text unverified.
            raise m.bad("status.code must be one of 'Healthy', 'Unhealthy' or 'NotApplicable'.", "status")
        meta = props.get("metadata")
        if meta is not None and (not isinstance(meta, dict) or not meta.get("displayName") or not meta.get("severity")):
            # SecurityAssessmentMetadataProperties: displayName, severity and assessmentType are required (swagger); text unverified.
            raise m.bad("metadata needs a displayName, a severity and an assessmentType.", "metadata")
        self._check_resource(scope)
        aid = self._assessment_id(scope, assessmentName)
        existing = self.app.store.get(m.ASSESSMENTS, aid)
        now = self.app.clock.iso()
        prev = (existing or {}).get("properties", {}).get("status", {})
        changed = prev.get("code") != status["code"]
        out_status = {k: status[k] for k in ("code", "cause", "description") if status.get(k) is not None}
        out_status["firstEvaluationDate"] = prev.get("firstEvaluationDate") or now
        out_status["statusChangeDate"] = now if changed or not prev else prev.get("statusChangeDate", now)
        display = (meta or {}).get("displayName") or (existing or {}).get("properties", {}).get("displayName") or assessmentName
        out = {"resourceDetails": {"source": details["source"], "id": scope}, "displayName": display, "status": out_status,
               "links": {"azurePortalUri": f"https://portal.azure.com/#blade/Microsoft_Azure_Security/AssessmentBlade/assessmentKey/"
                                           f"{assessmentName}/resourceId{scope}"}}
        if props.get("additionalData") is not None:
            out["additionalData"] = dict(props["additionalData"])
        if meta is not None:
            out["metadata"] = dict(meta)
        if props.get("partnersData") is not None:
            out["partnersData"] = {"partnerName": (props["partnersData"] or {}).get("partnerName")}  # the secret is write-only
        doc = {"id": aid, "name": assessmentName, "type": "Microsoft.Security/assessments", "properties": out}
        self.app.store.put(m.ASSESSMENTS, aid, doc)
        return Response(200 if existing else 201, self._wire_assessment(doc))

    def delete_assessment(self, req, scope, assessmentName):
        scope = "/" + re.sub(r"/{2,}", "/", scope).strip("/")
        self._check_resource(scope)
        if not self.app.store.delete(m.ASSESSMENTS, self._assessment_id(scope, assessmentName)):
            return Response(204)
        return Response(200)

    # -- alerts -----------------------------------------------------------------------------------------
    def list_alerts(self, req, subscriptionId, resourceGroupName=None, ascLocation=None):
        rows = []
        for d in self.app.store.values(m.ALERTS):
            p = ids.parse(d["id"].split("/providers/Microsoft.Security/")[0]) or {}
            if resourceGroupName and (p.get("resource_group") or "").lower() != resourceGroupName.lower():
                continue
            if ascLocation and f"/locations/{ascLocation}/alerts/".lower() not in d["id"].lower():
                continue
            rows.append(resource.public(d))
        return self.app.page(req, rows)

    def get_alert(self, req, subscriptionId, ascLocation, alertName, resourceGroupName=None):
        base = f"/subscriptions/{self.sub}" + (f"/resourceGroups/{resourceGroupName}" if resourceGroupName else "")
        d = self.app.store.get(m.ALERTS, f"{base}/providers/Microsoft.Security/locations/{ascLocation}/alerts/{alertName}")
        if d is None:
            raise AzureError(404, "NotFound", f"Alert '{alertName}' was not found.")  # unverified text
        return Response(200, resource.public(d))

    def admin_alert(self, req):
        """Raise an alert as Defender would: {"alertDisplayName", "severity", "resourceId"?, "resourceGroup"?, "alertType"?,
        "description"?, "location"? (default westeurope), "status"?}; answers the alert."""
        try:
            body = json.loads(req.body or b"{}")
        except ValueError as exc:
            return Response(400, {"error": f"body is not JSON: {exc}"})
        if not isinstance(body, dict) or not body.get("alertDisplayName") or body.get("severity", "Medium") not in m.ALERT_SEVERITIES:
            return Response(400, {"error": "alertDisplayName is required; severity is one of " + ", ".join(m.ALERT_SEVERITIES)})
        name = body.get("name") or ids.new_guid().replace("-", "")
        loc = body.get("location") or "westeurope"
        rg = body.get("resourceGroup")
        target = body.get("resourceId")
        if target and not rg:
            rg = (ids.parse(target) or {}).get("resource_group")
        base = f"/subscriptions/{self.sub}" + (f"/resourceGroups/{rg}" if rg else "")
        now = self.app.clock.iso()
        uri = (f"https://portal.azure.com/#blade/Microsoft_Azure_Security_AzureDefenderForData/AlertBlade/alertId/{name}"
               f"/subscriptionId/{self.sub}/location/{loc}")
        doc = {"id": f"{base}/providers/Microsoft.Security/locations/{loc}/alerts/{name}", "name": name, "type": "Microsoft.Security/Locations/alerts",
               "properties": {"version": "2022-01-01.0", "alertType": body.get("alertType") or "AZURESIM_Custom", "systemAlertId": name,
                              "productComponentName": body.get("productComponentName") or "", "alertDisplayName": body["alertDisplayName"],
                              "description": body.get("description") or body["alertDisplayName"], "severity": body.get("severity", "Medium"),
                              "intent": body.get("intent") or "Unknown", "startTimeUtc": now, "endTimeUtc": now,
                              "resourceIdentifiers": [{"type": "AzureResource", "azureResourceId": target}] if target else [],
                              "remediationSteps": list(body.get("remediationSteps") or []), "vendorName": "Microsoft",
                              "status": body.get("status") or "Active", "extendedLinks": [], "timeGeneratedUtc": now,
                              "processingEndTimeUtc": now, "productName": "Microsoft Defender for Cloud", "entities": [], "isIncident": False,
                              "correlationKey": name, "extendedProperties": {}, "compromisedEntity": (target or "").rstrip("/").split("/")[-1],
                              "techniques": [], "subTechniques": [], "alertUri": uri}}
        with self.app.store.transaction():
            self.app.store.put(m.ALERTS, doc["id"], doc)
        return Response(201, doc)
