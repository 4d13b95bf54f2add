"""HTTP handlers of Microsoft.Network/dnszones (azure-mgmt-dns DnsManagementClient, api 2018-05-01 and 2016-04-01)
and the admin endpoints ``GET /_azsim/dns`` and ``GET /_azsim/dns/resolve`` (public DNS as a DNS-over-HTTPS JSON API)."""

import re

from ...core import resource
from ...core.errors import AzureError, not_found
from ...core.http import Response
from . import models

API_VERSIONS = ["2023-07-01-preview", "2018-05-01", "2018-03-01-preview", "2017-10-01", "2017-09-01", "2016-04-01"]
# DNSSEC exists only in the 2023-07-01-preview API (azure-rest-api-specs dns/resource-manager/.../preview/2023-07-01-preview/
# dns.json: DnssecConfigs_CreateOrUpdate / _Get / _Delete / _ListByDnsZone; the only configuration is named "default").
DNSSEC_API_VERSIONS = ["2023-07-01-preview"]
SUB = "/subscriptions/{subscriptionId}"
RG = SUB + "/resourceGroups/{resourceGroupName}"
ZONES = RG + "/providers/Microsoft.Network/dnsZones"
ZONE = ZONES + "/{zoneName}"
# The DNS RP's own operation types (Microsoft Learn "Azure resource provider operations", Microsoft.Network:
# dnsoperationstatuses/read, dnsoperationresults/read).


def register(app):
    types = {"dnszones": API_VERSIONS, "dnsOperationStatuses": API_VERSIONS, "dnsOperationResults": API_VERSIONS}
    types.update({f"dnszones/{t}": API_VERSIONS for t in (*models.RECORD_PROPS, "recordsets", "all")})
    types["dnszones/dnssecConfigs"] = DNSSEC_API_VERSIONS
    app.namespace("Microsoft.Network", types)
    h = Handlers(app)
    r = app.router
    r.add("GET", SUB + "/providers/Microsoft.Network/dnszones", h.list_zones_sub)
    r.add("GET", ZONES, h.list_zones_rg)
    r.add("GET", ZONE, h.get_zone)
    r.add("PUT", ZONE, h.put_zone)
    r.add("PATCH", ZONE, h.patch_zone)
    r.add("DELETE", ZONE, h.delete_zone)
    # Before the record-set routes, whose {recordType} would take "dnssecConfigs".
    r.add("GET", ZONE + "/dnssecConfigs", h.list_dnssec)
    r.add("GET", ZONE + "/dnssecConfigs/{name}", h.get_dnssec)
    r.add("PUT", ZONE + "/dnssecConfigs/{name}", h.put_dnssec)
    r.add("DELETE", ZONE + "/dnssecConfigs/{name}", h.delete_dnssec)
    r.add("GET", ZONE + "/recordsets", h.list_all)
    r.add("GET", ZONE + "/all", h.list_all)
    r.add("GET", ZONE + "/{recordType}", h.list_by_type)
    r.add("GET", ZONE + "/{recordType}/{name}", h.get_record_set)
    r.add("PUT", ZONE + "/{recordType}/{name}", h.put_record_set)
    r.add("PATCH", ZONE + "/{recordType}/{name}", h.patch_record_set)
    r.add("DELETE", ZONE + "/{recordType}/{name}", h.delete_record_set)
    app.lro.register("network.dns_zone.deleted", h.finish_delete)
    app.admin_routes[("GET", "dns")] = h.admin_dns
    app.admin_routes[("GET", "dns/resolve")] = h.admin_resolve


def _precondition(req, existing, what):
    """ARM optimistic concurrency (DnsManagementClient ``if_match`` / ``if_none_match``): ``If-None-Match: *`` makes a PUT
    create-only, ``If-Match`` requires the current etag (``*`` = any existing). 412 PreconditionFailed; the message
    quoted by the Azure DNS team in Azure/azure-xplat-cli#1769 ("The condition * in the If-None-Match header was not
    satisfied")."""
    inm = req.headers.get("If-None-Match")
    im = req.headers.get("If-Match")
    if inm is not None and inm.strip() == "*" and existing is not None:
        raise AzureError(412, "PreconditionFailed", f"The condition '*' in the If-None-Match header was not satisfied. The {what} already exists.")
    if im is not None:
        want = im.strip().strip('"')
        if existing is None or (want != "*" and want.lower() != str(existing.get("etag", "")).lower()):
            raise AzureError(412, "PreconditionFailed", f"The condition '{im.strip()}' in the If-Match header was not satisfied.")


class Handlers:
    def __init__(self, app):
        self.app = app

    @property
    def sub(self):
        return self.app.identity.subscription_id

    # -- zones -------------------------------------------------------------------------------------
    def _zone(self, rg, name, required=True):
        z = models.get_zone(self.app, models.zone_id(self.sub, rg, name))
        if z is None and required:
            raise not_found("Microsoft.Network/dnszones", name, rg)
        return z

    def _parent(self, rg, name):
        z = models.get_zone(self.app, models.zone_id(self.sub, rg, name))
        if z is None:
            # ARM's answer for a nested resource under a missing parent (unverified for the DNS RP).
            raise AzureError(404, "ParentResourceNotFound",
                             f"Can not perform requested operation on nested resource. Parent resource '{name}' not found.")
        return z

    def list_zones_sub(self, req, subscriptionId):
        prefix = f"/subscriptions/{self.sub}/".lower()
        return self.app.page(req, [resource.public(z) for z in models.all_zones(self.app) if z["id"].lower().startswith(prefix)])

    def list_zones_rg(self, req, subscriptionId, resourceGroupName):
        zones = [resource.public(d) for d in resource.tracked_in(self.app, self.sub, resourceGroupName)
                 if d.get("type", "").lower() == models.ZONE_TYPE.lower()]
        return self.app.page(req, zones)

    def get_zone(self, req, subscriptionId, resourceGroupName, zoneName):
        return Response(200, resource.public(self._zone(resourceGroupName, zoneName)))

    def put_zone(self, req, subscriptionId, resourceGroupName, zoneName):
        body = req.json_object()
        models.validate_zone_name(zoneName)
        loc = body.get("location")
        if not loc:
            raise AzureError(400, "LocationRequired", "The location property is required for this definition.")
        if str(loc).replace(" ", "").lower() != "global":
            # DNS zones are global (REST spec example CreateOrUpdateZone sends "Global"; arm-web.md §1.5); ARM validates
            # the location against the resource type's manifest.
            raise AzureError(400, "LocationNotAvailableForResourceType",
                             f"The provided location '{loc}' is not available for resource type 'Microsoft.Network/dnszones'. "
                             "List of available regions for the resource type is 'global'.")
        tags = resource.validate_tags(body.get("tags"))
        props = body.get("properties") or {}
        if str(props.get("zoneType", "Public")).lower() != "public":
            # 2018-05-01 zoneType Private was a preview superseded by Microsoft.Network/privateDnsZones (Learn); unverified text.
            raise AzureError(400, "BadRequest", "Private DNS zones are not supported on this API; use Microsoft.Network/privateDnsZones.")
        existing = self._zone(resourceGroupName, zoneName, required=False)
        _precondition(req, existing, "zone")
        if existing is not None:
            if self.app.lro.pending_for(existing["id"]):
                raise AzureError(409, "Conflict", f"The zone '{existing['name']}' is being deleted.")  # unverified
            existing["tags"] = tags
            existing["etag"] = models.new_etag()
            resource.put(self.app, existing)
            return Response(200, resource.public(existing))
        zone = models.create_zone(self.app, self.sub, resourceGroupName, zoneName, tags)
        return Response(201, resource.public(zone))

    def patch_zone(self, req, subscriptionId, resourceGroupName, zoneName):
        body = req.json_object()
        zone = self._zone(resourceGroupName, zoneName)
        _precondition(req, zone, "zone")
        if "tags" in body:
            zone["tags"] = resource.validate_tags(body["tags"])
        zone["etag"] = models.new_etag()
        resource.put(self.app, zone)
        return Response(200, resource.public(zone))

    def delete_zone(self, req, subscriptionId, resourceGroupName, zoneName):
        zone = self._zone(resourceGroupName, zoneName, required=False)
        if zone is None:
            # SDK begin_delete accepts 200/202/204; 204 for a zone that is not there (REST spec DeleteZone example).
            return Response(204)
        _precondition(req, zone, "zone")
        pending = self.app.lro.pending_for(zone["id"])
        op = pending[0] if pending else self.app.lro.create(
            req, namespace="Microsoft.Network", location="global", duration_key="network.dns_zone.delete", on_done="network.dns_zone.deleted",
            resource_id=zone["id"], result={"status": 200}, poll_hint=1)
        # REST spec DeleteZone example: 202 with Azure-AsyncOperation; ARMPolling then GETs that status URL.
        base = f"/subscriptions/{self.sub}/resourceGroups/{resourceGroupName}/providers/Microsoft.Network"
        return self.app.lro.accepted(req, op, status_path=f"{base}/dnsOperationStatuses/{op['id']}",
                                     result_path=f"{base}/dnsOperationResults/{op['id']}")

    def finish_delete(self, op):
        models.delete_zone(self.app, op["resource_id"])
        return {"status": 200}

    # -- DNSSEC --------------------------------------------------------------------------------------
    def _dnssec_api(self, req):
        if req.api_version not in DNSSEC_API_VERSIONS:
            # ARM's answer for a type its manifest lacks in that api-version.
            raise AzureError(400, "NoRegisteredProviderFound",
                             f"No registered resource provider found for location 'global' and API version '{req.api_version}' for type "
                             f"'dnszones/dnssecConfigs'. The supported api-versions are '{', '.join(DNSSEC_API_VERSIONS)}'.")

    def _dnssec_name(self, name):
        if name.lower() != "default":
            # The spec's path has the literal segment "default"; any other name is not a route of the DNS RP.
            raise AzureError(404, "NotFound", f"The DNSSEC configuration '{name}' does not exist; its name is 'default'.")  # unverified text

    def list_dnssec(self, req, subscriptionId, resourceGroupName, zoneName):
        self._dnssec_api(req)
        doc = models.dnssec_doc(self._parent(resourceGroupName, zoneName))
        return self.app.page(req, [doc] if doc else [])

    def get_dnssec(self, req, subscriptionId, resourceGroupName, zoneName, name):
        self._dnssec_api(req)
        self._dnssec_name(name)
        doc = models.dnssec_doc(self._parent(resourceGroupName, zoneName))
        if doc is None:
            raise not_found("Microsoft.Network/dnszones/dnssecConfigs", f"{zoneName}/default", resourceGroupName)
        return Response(200, doc)

    def put_dnssec(self, req, subscriptionId, resourceGroupName, zoneName, name):
        """DnssecConfigs_CreateOrUpdate: no body properties; 201 when the zone gets signed, 200 when it already is (the
        keys are kept). The signing completes at once here (Azure: a long-running operation)."""
        self._dnssec_api(req)
        self._dnssec_name(name)
        zone = self._parent(resourceGroupName, zoneName)
        existing = models.dnssec_doc(zone)
        _precondition(req, existing, "DNSSEC configuration")
        if existing is not None:
            return Response(200, existing)
        return Response(201, models.enable_dnssec(self.app, zone, resource.system_data(self.app, req)))

    def delete_dnssec(self, req, subscriptionId, resourceGroupName, zoneName, name):
        """DnssecConfigs_Delete: 200 once unsigned, 204 when the zone was not signed."""
        self._dnssec_api(req)
        self._dnssec_name(name)
        zone = self._parent(resourceGroupName, zoneName)
        _precondition(req, models.dnssec_doc(zone), "DNSSEC configuration")
        return Response(200 if models.disable_dnssec(self.app, zone) else 204)

    # -- record sets ---------------------------------------------------------------------------------
    def _type(self, req, rtype):
        t = models.canonical_type(rtype)
        if t is None:
            raise AzureError(400, "InvalidResourceType",
                             f"The resource type 'dnszones/{rtype}' could not be found in the namespace 'Microsoft.Network' for api version "
                             f"'{req.api_version}'.")
        return t

    def _record(self, zone, rtype, name):
        return resource.get(self.app, models.record_id(zone["id"], rtype, name))

    def _missing_record(self, rg, name):
        # Remembered DNS RP text (unverified).
        return AzureError(404, "NotFound", f"The resource record '{name}' does not exist in resource group '{rg}' of subscription '{self.sub}'.")

    def _filtered(self, req, docs):
        suffix = req.query.get("$recordsetnamesuffix")
        if suffix:
            # SDK docstring: "only record sets that end with .<recordSetNameSuffix>" are returned.
            s = suffix.lstrip(".").lower()
            docs = [d for d in docs if d["name"].lower() == s or d["name"].lower().endswith("." + s)]
        return self.app.page(req, [resource.public(d) for d in docs])

    def list_all(self, req, subscriptionId, resourceGroupName, zoneName):
        zone = self._parent(resourceGroupName, zoneName)
        return self._filtered(req, models.record_sets(self.app, zone["id"]))

    def list_by_type(self, req, subscriptionId, resourceGroupName, zoneName, recordType):
        rtype = self._type(req, recordType)
        zone = self._parent(resourceGroupName, zoneName)
        docs = [d for d in models.record_sets(self.app, zone["id"]) if d["type"].rsplit("/", 1)[-1] == rtype]
        return self._filtered(req, docs)

    def get_record_set(self, req, subscriptionId, resourceGroupName, zoneName, recordType, name):
        rtype = self._type(req, recordType)
        zone = self._parent(resourceGroupName, zoneName)
        doc = self._record(zone, rtype, name)
        if doc is None:
            raise self._missing_record(resourceGroupName, name)
        return Response(200, resource.public(doc))

    def put_record_set(self, req, subscriptionId, resourceGroupName, zoneName, recordType, name):
        rtype = self._type(req, recordType)
        zone = self._parent(resourceGroupName, zoneName)
        body = req.json_object()
        models.validate_relative_name(zone["name"], name)
        previous = self._record(zone, rtype, name)
        _precondition(req, previous, "record set")
        if rtype == "SOA" and previous is None:
            raise AzureError(400, "BadRequest", "SOA record sets can only be created at the zone apex ('@').")
        props = models.validate_record_set(zone, rtype, name, body.get("properties") or {})
        doc = models.put_record_set(self.app, zone, rtype, name, props, previous)
        # SDK create_or_update accepts 200 (updated) / 201 (created) (arm-web.md §6).
        return Response(200 if previous else 201, resource.public(doc))

    def patch_record_set(self, req, subscriptionId, resourceGroupName, zoneName, recordType, name):
        rtype = self._type(req, recordType)
        zone = self._parent(resourceGroupName, zoneName)
        body = req.json_object()
        previous = self._record(zone, rtype, name)
        if previous is None:
            raise self._missing_record(resourceGroupName, name)
        _precondition(req, previous, "record set")
        # PATCH merges: properties sent replace the stored ones (ARM RPC merge-patch at property level).
        merged = {k: v for k, v in previous["properties"].items() if k not in ("fqdn", "provisioningState")}
        merged.update(body.get("properties") or {})
        props = models.validate_record_set(zone, rtype, name, merged)
        doc = models.put_record_set(self.app, zone, rtype, name, props, previous)
        return Response(200, resource.public(doc))

    def delete_record_set(self, req, subscriptionId, resourceGroupName, zoneName, recordType, name):
        rtype = self._type(req, recordType)
        zone = self._parent(resourceGroupName, zoneName)
        doc = self._record(zone, rtype, name)
        if name == "@" and rtype in ("SOA", "NS"):
            # Learn "Azure DNS zones and records": the apex SOA and NS record sets are created with the zone and deleted
            # only with it (text unverified).
            raise AzureError(400, "BadRequest", f"The {rtype} record set at the zone apex cannot be deleted.")
        if doc is None:
            return Response(204)  # arm-web.md §1.2: DNS record-set delete returns 204 when absent
        _precondition(req, doc, "record set")
        self.app.store.delete(resource.TABLE, doc["id"])
        models.refresh_count(self.app, zone)
        return Response(200)

    # -- admin ---------------------------------------------------------------------------------------
    def admin_dns(self, req):
        """``GET /_azsim/dns?name=FQDN&type=TXT`` — public DNS as azsim simulates it (loopback, no auth).

        Answers ``{"name": FQDN, "type": TYPE, "values": [...]}`` from the longest-suffix zone across every resource
        group (see :func:`models.lookup` for the value formats: A, AAAA, CNAME without trailing dot, each TXT string,
        CAA ``'{flags} {tag} "{value}"'``, NS, MX ``'{preference} {exchange}'``, PTR, SRV); ``values`` is [] when
        nothing matches. 400 when ``name`` is missing or ``type`` is not a DNS record type. Tests and playbooks use
        it where they would run ``dig`` against public DNS.
        """
        name = req.query.get("name")
        rtype = (req.query.get("type") or "A").upper()
        if not name:
            return Response(400, {"error": "query parameter 'name' is required"})
        if models.canonical_type(rtype) is None:
            return Response(400, {"error": f"unknown record type {rtype!r}; expected one of {sorted(models.RECORD_PROPS)}"})
        with self.app.store.lock:
            values = models.lookup(self.app, name, rtype)
        return Response(200, {"name": name.rstrip("."), "type": rtype, "values": values})

    # -- admin: public DNS as a DoH JSON resolver ------------------------------------------------------
    def admin_resolve(self, req):
        """``GET /_azsim/dns/resolve?name=FQDN&type=TXT`` — public DNS as azsim simulates it, in the JSON format of the
        DNS-over-HTTPS JSON APIs (Google Public DNS ``https://dns.google/resolve``, "JSON API for DNS over HTTPS";
        Cloudflare ``application/dns-json``, "Using JSON", which follows Google's schema), so a playbook polls azsim
        exactly as it would poll a real public resolver. Loopback only, no auth, not in the request log.

        Same view as :meth:`admin_dns` (the zone :func:`models.zone_for` picks, the record sets :func:`models.lookup`
        answers from), with the resolver's conventions: ``Status`` 0 NOERROR / 3 NXDOMAIN (the name does not exist, or no
        zone holds it), names with their trailing dot, numeric ``type``, each record's ``TTL``, ``data`` in presentation
        format; a name holding a CNAME answers other types with the CNAME followed by the target's records (within
        azsim's zones); negative answers carry the zone's SOA in ``Authority``; ``Answer`` is left out when empty.
        """
        error, qname, qtype, cd = _resolve_query(req.query)
        if error:
            # Google: "Invalid names ... get 400 Bad Request"; Cloudflare answers 400 with {"error": "..."}.
            return Response(400, {"error": error})
        with self.app.store.lock:
            status, answer, authority = self._resolve(qname, qtype)
        body = {"Status": status, "TC": False, "RD": True, "RA": True, "AD": False, "CD": cd,
                "Question": [{"name": qname + ".", "type": qtype}]}
        if answer:
            body["Answer"] = answer
        if authority:
            body["Authority"] = authority
        accept = (req.headers.get("Accept") or "").lower()
        ctype = "application/dns-json" if "application/dns-json" in accept else "application/json; charset=utf-8"
        return Response(200, body, content_type=ctype)

    def _answering_sets(self, zone, rel):
        """{type: record set} at ``rel``: its own record sets, else those of ``*.{parent}`` — the wildcard rule of
        :func:`models.lookup`, so the resolver shows what App Service's ownership checks see."""
        sets = models.record_sets(self.app, zone["id"])
        own = {d["type"].rsplit("/", 1)[-1]: d for d in sets if d["name"].lower() == rel.lower()}
        if own or rel == "@":
            return own, True
        parent = rel.split(".", 1)[1] if "." in rel else None
        wild = f"*.{parent}" if parent else "*"
        matched = {d["type"].rsplit("/", 1)[-1]: d for d in sets if d["name"].lower() == wild.lower()}
        # RFC 8020: a name with names below it (an empty non-terminal) exists, so it is NODATA, not NXDOMAIN.
        below = any(d["name"].lower().endswith("." + rel.lower()) for d in sets)
        return matched, bool(matched) or below

    def _resolve(self, qname, qtype):
        answer = []
        name = qname
        for _hop in range(MAX_CNAME_CHAIN):
            zone = models.zone_for(self.app, name)
            if zone is None:
                # No zone of azsim serves the name: NXDOMAIN, unless a CNAME led here (a name azsim does not host,
                # such as {app}.azurewebsites.net, which it cannot say more about).
                return (NOERROR if answer else NXDOMAIN), answer, []
            sets, exists = self._answering_sets(zone, models.relative_name(zone, name))
            if not exists:
                # RFC 6604: the RCODE describes the last name of the CNAME chain.
                return NXDOMAIN, answer, _soa_rr(self.app, zone)
            wanted = [t for t in sets if qtype in (ANY, RR_TYPES.get(t))]
            if wanted:
                for t in sorted(wanted, key=lambda x: RR_TYPES.get(x, 0)):
                    answer.extend(_rrs(name, t, sets[t]))
                return NOERROR, answer, []
            rrs = _rrs(name, "CNAME", sets["CNAME"]) if "CNAME" in sets else []
            if not rrs:
                return NOERROR, answer, _soa_rr(self.app, zone)  # NODATA (RFC 2308 §2.2)
            answer.extend(rrs)
            name = rrs[0]["data"].rstrip(".").lower()
        return SERVFAIL, answer, []  # a CNAME loop or an over-long chain: resolvers give up with SERVFAIL


# IANA "Resource Record (RR) TYPEs" registry: the numbers DoH JSON answers carry in ``type``.
RR_TYPES = {"A": 1, "NS": 2, "CNAME": 5, "SOA": 6, "PTR": 12, "MX": 15, "TXT": 16, "AAAA": 28, "SRV": 33, "CAA": 257}
ANY = 255
NOERROR, SERVFAIL, NXDOMAIN = 0, 2, 3  # RFC 1035 §4.1.1 RCODEs
MAX_CNAME_CHAIN = 8
_LABEL_OK = re.compile(r"^[A-Za-z0-9_*-]{1,63}$")


def _resolve_query(query):
    """(error, name without trailing dot, numeric type, cd flag) from the query string. Google's rules: ``name`` is
    required, 1 to 253 characters ignoring a trailing dot, labels of 1 to 63 bytes (``.example.com``, ``example..com``
    and the empty string are invalid); ``type`` is a number in [1, 65535] or a type name, case-insensitive, default 1
    (A), ``ANY`` = 255; ``cd`` is empty, 0, 1, false or true (Cloudflare's wording)."""
    raw = query.get("name")
    if raw is None:
        return "query parameter 'name' is required", None, None, None
    name = raw[:-1] if raw.endswith(".") else raw
    if not 1 <= len(name) <= 253 or not all(_LABEL_OK.match(lbl) for lbl in name.split(".")):
        return f"Invalid name {raw!r}: 1 to 253 characters, labels of 1 to 63 characters separated by single dots.", None, None, None
    rtype = (query.get("type") or "1").strip()
    if rtype.isdigit():
        qtype = int(rtype)
        if not 1 <= qtype <= 65535:
            return f"Invalid type {rtype!r}: a number must be between 1 and 65535.", None, None, None
    elif rtype.upper() == "ANY":
        qtype = ANY
    elif rtype.upper() in RR_TYPES:
        qtype = RR_TYPES[rtype.upper()]
    else:
        return f"Invalid type {rtype!r}: expected a number or one of {sorted([*RR_TYPES, 'ANY'])}.", None, None, None
    cd = (query.get("cd") or "").lower()
    if cd not in ("", "0", "1", "false", "true"):
        return f"Invalid CD flag {query.get('cd')!r}. Expected to be empty or one of 0, false, 1, or true.", None, None, None
    return None, name.lower(), qtype, cd in ("1", "true")


def _dot(name):
    return name.rstrip(".") + "."


def _txt(strings):
    # Presentation format of a TXT record (RFC 1035 §5.1): each character-string quoted, '"' and '\\' escaped. The
    # DoH JSON APIs answer TXT data this way, quotes included (clients strip them, e.g. le-challenge-cloudflare's
    # resolve-txt.mjs slices the quotes off dns.google answers).
    return " ".join('"' + s.replace("\\", "\\\\").replace('"', '\\"') + '"' for s in strings)


def _rrs(name, rtype, doc):
    """The answer records of one record set at ``name``, ``data`` in presentation format."""
    p = doc["properties"]
    ttl = p.get("TTL", models.DEFAULT_TTL)
    if rtype == "A":
        data = [r["ipv4Address"] for r in p.get("ARecords", [])]
    elif rtype == "AAAA":
        data = [r["ipv6Address"] for r in p.get("AAAARecords", [])]
    elif rtype == "CNAME":
        data = [_dot(p["CNAMERecord"]["cname"])] if (p.get("CNAMERecord") or {}).get("cname") else []
    elif rtype == "TXT":
        data = [_txt(r.get("value", [])) for r in p.get("TXTRecords", [])]
    elif rtype == "NS":
        data = [_dot(r["nsdname"]) for r in p.get("NSRecords", [])]
    elif rtype == "PTR":
        data = [_dot(r["ptrdname"]) for r in p.get("PTRRecords", [])]
    elif rtype == "MX":
        data = [f'{r["preference"]} {_dot(r["exchange"])}' for r in p.get("MXRecords", [])]
    elif rtype == "SRV":
        data = [f'{r["priority"]} {r["weight"]} {r["port"]} {_dot(r["target"])}' for r in p.get("SRVRecords", [])]
    elif rtype == "CAA":
        data = [f'{r.get("flags", 0)} {r["tag"]} "{r["value"]}"' for r in p.get("caaRecords", [])]
    elif rtype == "SOA":
        data = [_soa_data(p.get("SOARecord") or {})]
    else:
        data = []
    return [{"name": _dot(name), "type": RR_TYPES[rtype], "TTL": ttl, "data": d} for d in data]


def _soa_data(soa):
    return (f'{_dot(soa.get("host", ""))} {_dot(soa.get("email", ""))} {soa.get("serialNumber", 1)} {soa.get("refreshTime", 3600)} '
            f'{soa.get("retryTime", 300)} {soa.get("expireTime", 2419200)} {soa.get("minimumTTL", 300)}')


def _soa_rr(app, zone):
    """The zone's SOA as the Authority record of a negative answer; its TTL is the negative-caching TTL,
    min(SOA TTL, SOA minimum) (RFC 2308 §5)."""
    doc = resource.peek(app, models.record_id(zone["id"], "SOA", "@"))
    if doc is None:
        return []
    p = doc["properties"]
    soa = p.get("SOARecord") or {}
    ttl = min(p.get("TTL", models.SOA_TTL), soa.get("minimumTTL", 300))
    return [{"name": _dot(zone["name"]), "type": RR_TYPES["SOA"], "TTL": ttl, "data": _soa_data(soa)}]
