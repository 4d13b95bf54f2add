"""HTTP handlers of deployment slots (``Microsoft.Web/sites/slots``) and swaps.

Codes from the SDK (arm-web-ops-2025-05-01.tsv): slot PUT 200/202 (LRO), PATCH 200/202, DELETE
200/204; ``slotsswap`` 200/202 (LRO; the service answers 202 + Location, arm-web.md §4.4);
``applySlotConfig``/``resetSlotConfig``/``slotsdiffs`` 200.
"""

import copy

from ...core import resource
from ...core.errors import AzureError, WebError
from ...core.http import Response
from . import common, config_model, logs, sites, sites_model, slots_model

SITE = "/subscriptions/{subscriptionId}/resourceGroups/{resourceGroupName}/providers/Microsoft.Web/sites/{name}"
SLOT = SITE + "/slots/{slot}"


def register(app):
    h = Handlers(app)
    r = app.router
    r.add("GET", SITE + "/slots", h.list)
    r.add("GET", SLOT, h.get)
    r.add("PUT", SLOT, h.put)
    r.add("PATCH", SLOT, h.patch)
    r.add("DELETE", SLOT, h.delete)
    for base in (SITE, SLOT):
        r.add("POST", base + "/slotsswap", h.swap)
        r.add("POST", base + "/applySlotConfig", h.apply_config)
        r.add("POST", base + "/resetSlotConfig", h.reset_config)
        r.add("POST", base + "/slotsdiffs", h.diffs)
    app.lro.register("web.slot.swapped", h.finish_swap)


def _slot_entity(body):
    """``CsmSlotEntity``: ``targetSlot`` and ``preserveVnet`` are both required (SDK model). Error
    text for a missing one unverified."""
    if not isinstance(body, dict) or not isinstance(body.get("targetSlot"), str) or not body["targetSlot"]:
        raise config_model.invalid_parameter("TargetSlot")
    if not isinstance(body.get("preserveVnet"), bool):
        raise config_model.invalid_parameter("PreserveVnet")
    return body["targetSlot"], body["preserveVnet"]


class Handlers:
    def __init__(self, app):
        self.app = app
        self.sites = sites.Handlers(app)

    def _doc(self, sub, rg, name, slot=None):
        """The production site for ``None``/``production``, else the slot."""
        if slot is None or slot.lower() == "production":
            return common.get_site(self.app, sub, rg, name)
        return common.get_site(self.app, sub, rg, name, slot)

    # -- CRUD ------------------------------------------------------------------------------------
    def list(self, req, subscriptionId, resourceGroupName, name):
        site = common.get_site(self.app, subscriptionId, resourceGroupName, name)
        return self.app.page(req, [sites_model.render(self.app, d) for d in slots_model.slots_of(self.app, site)])

    def get(self, req, subscriptionId, resourceGroupName, name, slot):
        return Response(200, sites_model.render(self.app, common.get_site(self.app, subscriptionId, resourceGroupName, name, slot)))

    def put(self, req, subscriptionId, resourceGroupName, name, slot):
        body = req.json()
        if not isinstance(body, dict):
            raise AzureError(400, "InvalidRequestContent", "The request content was invalid and could not be deserialized: 'expected an object'.")
        sub, rg = subscriptionId, resourceGroupName
        site = common.get_site(self.app, sub, rg, name)
        plan = resource.get(self.app, site["properties"]["serverFarmId"])  # slots share the parent's plan (arm-web.md §4.3)
        existing = resource.get(self.app, common.site_id(sub, rg, name, slot))
        if existing is not None:
            sites_model.apply(self.app, existing, body, plan)
            existing["systemData"] = resource.system_data(self.app, req, existing.get("systemData"))
            common.save(self.app, existing)
            return Response(200, sites_model.render(self.app, existing, full_config=True))
        # Slot names: 2-59 characters like site names; the host label site-slot must fit in 60 (arm-web.md §3.3).
        if sites_model.name_problem(slot, 59) or len(name) + 1 + len(slot) > 60 or slot.lower() == "production":
            raise sites_model.invalid_name(slot, 59)
        tier, limit = slots_model.tier_slot_limit(self.app, site)
        if len(slots_model.slots_of(self.app, site)) >= limit:
            raise slots_model.quota_exceeded(tier)
        if sites_model.host_label(name, slot) in sites_model.taken_labels(self.app):
            raise sites_model.name_conflict(f"{name}-{slot}")  # unverified: the name Azure reports for a slot host clash
        body = dict(body)
        body.setdefault("location", site["location"])
        doc = sites_model.new_site(self.app, sub, rg, name, body, plan, slot=slot, parent=site)
        cloning = (body.get("properties") or {}).get("cloningInfo")
        if cloning:
            self._clone(doc, cloning, rg)
        props = dict(body.get("properties") or {})
        props.pop("serverFarmId", None)
        sites_model.apply(self.app, doc, {**body, "properties": props}, plan)
        doc["systemData"] = resource.system_data(self.app, req)
        sites.publishing(doc)
        return self.sites._start_create(req, doc, "web.slot.create", f"/subscriptions/{sub}/providers/Microsoft.Web/sites/{name}")

    def _clone(self, doc, cloning, rg):
        """``cloningInfo.sourceWebAppId``: the new slot starts with the source's siteConfig, app
        settings and connection strings (Microsoft Learn "Set up staging environments": cloning
        configuration from an existing slot)."""
        src_id = cloning.get("sourceWebAppId")
        src = resource.get(self.app, src_id) if isinstance(src_id, str) else None
        if src is None or src.get("type") not in (sites_model.SITE_TYPE, sites_model.SLOT_TYPE):
            raise WebError(404, "NotFound", f"Cannot find Site with name {str(src_id).rstrip('/').rsplit('/', maxsplit=1)[-1]}.")  # unverified text
        doc["_siteConfig"] = copy.deepcopy(src.get("_siteConfig"))
        doc["_appSettings"] = dict(src.get("_appSettings") or {})
        doc["_connectionStrings"] = copy.deepcopy(src.get("_connectionStrings") or {})

    def patch(self, req, subscriptionId, resourceGroupName, name, slot):
        return self.sites.patch(req, subscriptionId, resourceGroupName, name, slot=slot)

    def delete(self, req, subscriptionId, resourceGroupName, name, slot):
        common.get_site(self.app, subscriptionId, resourceGroupName, name)
        doc = resource.get(self.app, common.site_id(subscriptionId, resourceGroupName, name, slot))
        if doc is None:
            return Response(204)
        resource.delete_tree(self.app, doc["id"])
        return Response(200)

    # -- swap ------------------------------------------------------------------------------------
    def swap(self, req, subscriptionId, resourceGroupName, name, slot=None):
        target_name, preserve_vnet = _slot_entity(req.json())
        source = self._doc(subscriptionId, resourceGroupName, name, slot)
        target = self._doc(subscriptionId, resourceGroupName, name, target_name)
        if source["id"].lower() == target["id"].lower():
            raise config_model.invalid_parameter("TargetSlot")  # unverified: swapping a slot with itself
        for d in (source, target):
            if d.get("_swapping") or d.get("_creating"):
                # unverified text: an operation is already running on the app
                raise WebError(409, "Conflict", "Cannot modify this site because another operation is in progress.")
        op = self.app.lro.create(req, namespace="Microsoft.Web", location=source["location"], duration_key="web.slot.swap",
                                 on_done="web.slot.swapped", resource_id=source["id"], poll_hint=5, result={"status": 200},
                                 args={"source": source["id"], "target": target["id"], "preserveVnet": preserve_vnet,
                                       "source_name": slots_model.slot_label(source), "target_name": slots_model.slot_label(target)})
        for d in (source, target):
            d["_swapping"] = op["id"]
            d["properties"]["inProgressOperationId"] = op["id"]
            common.save(self.app, d)
        if self.app.lro.instant(op):
            self.app.lro.run_now(op)
        # Always 202 + Location on .../sites/{name}[/slots/{slot}]/operationresults/{id} (arm-web.md §4.4);
        # when the swap is already done the first poll answers 200.
        return self.app.lro.accepted(req, op, async_header=False, result_path=f"{source['id']}/operationresults/{op['id']}")

    def finish_swap(self, op):
        a = resource.get(self.app, op["args"]["source"])
        b = resource.get(self.app, op["args"]["target"])
        if a is None or b is None:
            raise AzureError(404, "ResourceNotFound", "The site or slot taking part in the swap no longer exists.")
        prod_id = a["id"].split("/slots/")[0]
        production = a if a["id"].lower() == prod_id.lower() else resource.get(self.app, prod_id)
        slots_model.swap(self.app, a, b, production, op["args"]["source_name"], op["args"]["target_name"])
        for d in (a, b):
            d["properties"]["inProgressOperationId"] = None
            common.save(self.app, d)
            logs.platform_event(self.app, d, f"Swap of slot {op['args']['source_name']} with slot {op['args']['target_name']} completed.",
                                "SlotSwap")
        return {"status": 200}

    # -- multi-phase swap ------------------------------------------------------------------------
    def apply_config(self, req, subscriptionId, resourceGroupName, name, slot=None):
        target_name, _unused = _slot_entity(req.json())
        source = self._doc(subscriptionId, resourceGroupName, name, slot)
        target = self._doc(subscriptionId, resourceGroupName, name, target_name)
        if source["id"].lower() == target["id"].lower():
            raise config_model.invalid_parameter("TargetSlot")  # unverified
        production = common.get_site(self.app, subscriptionId, resourceGroupName, name)
        slots_model.apply_preview(source, target, production)
        common.save(self.app, source)
        common.save(self.app, target)
        return Response(200)

    def reset_config(self, req, subscriptionId, resourceGroupName, name, slot=None):
        source = self._doc(subscriptionId, resourceGroupName, name, slot)
        partner = source["properties"].get("targetSwapSlot")
        slots_model.restore_preview(source)
        common.save(self.app, source)
        if partner:
            other = resource.get(self.app, common.site_id(subscriptionId, resourceGroupName, name,
                                                          None if partner.lower() == "production" else partner))
            if other is not None:
                slots_model.restore_preview(other)
                common.save(self.app, other)
        return Response(200)

    def diffs(self, req, subscriptionId, resourceGroupName, name, slot=None):
        target_name, _unused = _slot_entity(req.json())
        source = self._doc(subscriptionId, resourceGroupName, name, slot)
        target = self._doc(subscriptionId, resourceGroupName, name, target_name)
        production = common.get_site(self.app, subscriptionId, resourceGroupName, name)
        return self.app.page(req, slots_model.differences(source, target, production))
