"""Action groups (Microsoft.Insights/actionGroups, azure-mgmt-monitor 7.0.0 ``action_groups`` api 2023-01-01): receivers,
enable-receiver and test notifications.

Sources: SDK 7.0.0 operations (PUT 200/201, PATCH 200, DELETE 200/204, ``subscribe`` 200, ``createNotifications`` LRO
200/202 with final-state-via location, lists without nextLink), 2023-01-01 swagger descriptions ("names must be
unique across all receivers within an action group", groupShortName maxLength 12), arm-data.md §3.3.
"""

import re

from ...core import resource
from ...core.errors import AzureError, not_found
from ...core.http import Response
from ...core.ids import new_guid

API_VERSIONS = ["2023-01-01", "2022-06-01", "2021-09-01", "2019-06-01", "2019-03-01"]
TYPE = "Microsoft.Insights/ActionGroups"  # casing of the type in spec example responses
SUB = "/subscriptions/{subscriptionId}"
RG = SUB + "/resourceGroups/{resourceGroupName}"
ITEM = RG + "/providers/Microsoft.Insights/actionGroups/{actionGroupName}"
RECEIVER_KINDS = ("emailReceivers", "smsReceivers", "webhookReceivers", "itsmReceivers", "azureAppPushReceivers", "automationRunbookReceivers",
                  "voiceReceivers", "logicAppReceivers", "azureFunctionReceivers", "armRoleReceivers", "eventHubReceivers")
# Receivers whose wire form carries a read-only ``status`` (EmailReceiver and SmsReceiver in the 2023-01-01 models).
WITH_STATUS = ("emailReceivers", "smsReceivers")
# Learn "Action groups - limits": 1,000 email, 10 SMS, 10 voice, 10 webhook... per group (subset enforced; text unverified).
LIMITS = {"emailReceivers": 1000, "smsReceivers": 10, "voiceReceivers": 10, "webhookReceivers": 10, "azureAppPushReceivers": 10}
# Learn "Action groups - data residency": Global, or a regional group in these regions (list unverified).
REGIONAL = ("swedencentral", "germanywestcentral", "northcentralus", "southcentralus")
EMAIL_RE = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")


def register(app):
    app.namespace("Microsoft.Insights", {"actionGroups": API_VERSIONS})
    h = Handlers(app)
    r = app.router
    r.add("GET", SUB + "/providers/Microsoft.Insights/actionGroups", h.list_sub)
    r.add("GET", RG + "/providers/Microsoft.Insights/actionGroups", h.list_rg)
    r.add("GET", ITEM, h.get)
    r.add("PUT", ITEM, h.put)
    r.add("PATCH", ITEM, h.patch)
    r.add("DELETE", ITEM, h.delete)
    r.add("POST", ITEM + "/subscribe", h.enable_receiver)
    r.add("POST", ITEM + "/createNotifications", h.create_notifications)
    r.add("GET", ITEM + "/notificationStatus/{notificationId}", h.notification_status, action="Microsoft.Insights/actionGroups/read")


def action_group_id(sub, rg, name):
    return f"/subscriptions/{sub}/resourceGroups/{rg}/providers/Microsoft.Insights/actionGroups/{name}"


def find(app, agid):
    doc = resource.peek(app, agid) if isinstance(agid, str) else None
    return doc if doc is not None and doc.get("type", "").lower() == TYPE.lower() else None


def _bad(message, target=None):
    return AzureError(400, "BadRequest", message, target=target)


def _receivers(props, previous=None):
    """Validated receiver arrays (every kind present, [] when unused, as the service answers)."""
    out = {}
    names = set()
    prev = {r["name"].lower(): r for kind in WITH_STATUS for r in (previous or {}).get(kind, [])}
    for kind in RECEIVER_KINDS:
        items = props.get(kind) or []
        if not isinstance(items, list):
            raise AzureError(400, "InvalidRequestContent", f"The request content was invalid and could not be deserialized: '{kind}'.")
        if len(items) > LIMITS.get(kind, 10**6):
            raise _bad(f"The number of {kind} ({len(items)}) exceeds the limit of {LIMITS[kind]} per action group.", kind)  # unverified text
        rows = []
        for rec in items:
            name = (rec or {}).get("name") if isinstance(rec, dict) else None
            if not name:
                raise _bad(f"The receiver name is required in {kind}.", kind)  # unverified text
            if name.lower() in names:
                # Swagger: "The name of the ... receiver. Names must be unique across all receivers within an action group."
                raise _bad(f"The receiver name '{name}' is used more than once. Receiver names must be unique across all receivers "
                           "within an action group.", kind)
            names.add(name.lower())
            row = dict(rec)
            if kind == "emailReceivers":
                if not EMAIL_RE.match(str(rec.get("emailAddress") or "")):
                    raise _bad(f"The email address '{rec.get('emailAddress')}' of receiver '{name}' is invalid.", kind)  # unverified text
                row.setdefault("useCommonAlertSchema", False)
            elif kind in ("smsReceivers", "voiceReceivers"):
                cc, phone = str(rec.get("countryCode") or ""), str(rec.get("phoneNumber") or "")
                if not cc.isdigit() or not phone.isdigit() or not (1 <= len(cc) <= 3) or not (4 <= len(phone) <= 15):
                    raise _bad(f"The phone number '+{cc} {phone}' of receiver '{name}' is invalid.", kind)  # unverified text
            elif kind == "webhookReceivers":
                if not re.match(r"^https?://", str(rec.get("serviceUri") or ""), re.IGNORECASE):
                    raise _bad(f"The service URI '{rec.get('serviceUri')}' of receiver '{name}' is invalid.", kind)  # unverified text
                row.setdefault("useCommonAlertSchema", False)
                row.setdefault("useAadAuth", False)
            if kind in WITH_STATUS:
                # Read-only ReceiverStatus: Enabled on creation; a receiver disabled by an unsubscribe stays so.
                row["status"] = prev.get(name.lower(), {}).get("status", "Enabled")
            rows.append(row)
        out[kind] = rows
    return out


class Handlers:
    def __init__(self, app):
        self.app = app

    @property
    def sub(self):
        return self.app.identity.subscription_id

    def _get(self, rg, name, required=True):
        doc = find(self.app, action_group_id(self.sub, rg, name))
        if doc is None and required:
            raise not_found("Microsoft.Insights/actionGroups", name, rg)
        return doc

    def _all(self, rg=None):
        return [resource.public(d) for d in resource.tracked_in(self.app, self.sub, rg, TYPE)]

    # The SDK's list extract_data ignores nextLink: the service answers every group in one page.
    def list_sub(self, req, subscriptionId):
        return Response(200, {"value": self._all()})

    def list_rg(self, req, subscriptionId, resourceGroupName):
        return Response(200, {"value": self._all(resourceGroupName)})

    def get(self, req, subscriptionId, resourceGroupName, actionGroupName):
        return Response(200, resource.public(self._get(resourceGroupName, actionGroupName)))

    def put(self, req, subscriptionId, resourceGroupName, actionGroupName):
        body = req.json()
        if not isinstance(body, dict):
            raise AzureError(400, "InvalidRequestContent", "The request content was invalid and could not be deserialized: 'expected an object'.")
        loc = str(body.get("location") or "")
        low = loc.replace(" ", "").lower()
        if not loc:
            raise AzureError(400, "LocationRequired", "The location property is required for this definition.")
        if low != "global" and low not in REGIONAL:
            raise AzureError(400, "LocationNotAvailableForResourceType",
                             f"The provided location '{loc}' is not available for resource type 'microsoft.insights/actiongroups'. "
                             f"List of available regions for the resource type is 'global,{','.join(REGIONAL)}'.")
        tags = resource.validate_tags(body.get("tags"))
        props = body.get("properties") or {}
        short = props.get("groupShortName")
        if not short:
            raise _bad("The groupShortName property is required.", "groupShortName")  # required in the swagger; text unverified
        if len(str(short)) > 12:
            # ActionGroup.groupShortName maxLength 12 (swagger/SDK validation); text unverified.
            raise _bad(f"The group short name '{short}' is invalid: it can be at most 12 characters long.", "groupShortName")
        existing = self._get(resourceGroupName, actionGroupName, required=False)
        p = {"groupShortName": short, "enabled": bool(props.get("enabled", True))}
        p.update(_receivers(props, (existing or {}).get("properties")))
        doc = existing or {"id": action_group_id(self.sub, resourceGroupName, actionGroupName), "name": actionGroupName, "type": TYPE}
        # The service answers "Global" whatever casing was sent (arm-data.md §3.3; spec examples).
        doc.update({"location": "Global" if low == "global" else low, "tags": tags, "properties": p})
        resource.put(self.app, doc)
        return Response(200 if existing else 201, resource.public(doc))

    def patch(self, req, subscriptionId, resourceGroupName, actionGroupName):
        body = req.json() or {}
        doc = self._get(resourceGroupName, actionGroupName)
        # ActionGroupPatchBody: tags and properties.enabled only.
        if body.get("tags") is not None:
            doc["tags"] = resource.validate_tags(body["tags"])
        if "enabled" in (body.get("properties") or {}):
            doc["properties"]["enabled"] = bool(body["properties"]["enabled"])
        resource.put(self.app, doc)
        return Response(200, resource.public(doc))

    def delete(self, req, subscriptionId, resourceGroupName, actionGroupName):
        doc = self._get(resourceGroupName, actionGroupName, required=False)
        if doc is None:
            return Response(204)
        resource.delete_tree(self.app, doc["id"])
        return Response(200)

    def enable_receiver(self, req, subscriptionId, resourceGroupName, actionGroupName):
        body = req.json() or {}
        doc = self._get(resourceGroupName, actionGroupName)
        name = str(body.get("receiverName") or "").lower()
        for kind in WITH_STATUS:
            for rec in doc["properties"][kind]:
                if rec["name"].lower() == name:
                    # Swagger: 409 "The receiver is already enabled in the action group" (text of the response description).
                    if rec.get("status") == "Enabled":
                        raise AzureError(409, "Conflict", "The receiver is already enabled in the action group.")
                    rec["status"] = "Enabled"
                    resource.put(self.app, doc)
                    return Response(200)
        raise AzureError(404, "ReceiverNotFound", f"The receiver '{body.get('receiverName')}' was not found in the action group.")  # unverified

    def create_notifications(self, req, subscriptionId, resourceGroupName, actionGroupName):
        body = req.json() or {}
        doc = self._get(resourceGroupName, actionGroupName)
        if not body.get("alertType"):
            raise _bad("The alertType property is required.", "alertType")  # NotificationRequestBody.alertType required; text unverified
        nid = new_guid()
        now = self.app.clock.iso()
        details = []
        for kind in ("emailReceivers", "smsReceivers", "webhookReceivers", "voiceReceivers"):
            for rec in (body.get(kind) if body.get(kind) is not None else doc["properties"][kind]):
                details.append({"MechanismType": kind[:-9].capitalize(), "Name": rec.get("name"), "Status": "Succeeded",
                                "SubState": "Default", "SendTime": now, "Detail": None})
        result = {"context": {"notificationSource": "Microsoft.Insights/TestNotification", "contextType": "Microsoft.Insights/alerts"},
                  "state": "Complete", "completedTime": now, "createdTime": now, "actionDetails": details}
        self.app.store.put("insights.notifications", f"{doc['id']}/notificationStatus/{nid}", result)
        # 202 with Location to notificationStatus/{id}; final-state-via location (SDK 7.0.0).
        return Response(202, None, {"Location": req.url(f"{doc['id']}/notificationStatus/{nid}", {"api-version": req.api_version}),
                                    "Retry-After": "1"})

    def notification_status(self, req, subscriptionId, resourceGroupName, actionGroupName, notificationId):
        doc = self._get(resourceGroupName, actionGroupName)
        result = self.app.store.get("insights.notifications", f"{doc['id']}/notificationStatus/{notificationId}")
        if result is None:
            raise AzureError(404, "NotFound", f"The notification '{notificationId}' was not found.")  # unverified
        return Response(200, result)
