"""Azure DNS (Microsoft.Network/dnszones): zones, record sets, their validation, and the public-DNS
view other providers use (:func:`lookup`, :func:`zone_for`).

Stored shapes (table ``resources`` of :mod:`azsim.core.resource`, wire format):

* zone: ``/subscriptions/{s}/resourceGroups/{rg}/providers/Microsoft.Network/dnszones/{zone}``
* record set: ``{zone id}/{TYPE}/{relative name}`` (``@`` is the apex), so deleting the zone or its
  resource group removes the record sets with it.

Real responses spell the type and the id segment in lower case (``Microsoft.Network/dnszones``,
observed in public client logs quoted by arm-web.md §6); the REST spec examples use ``dnsZones``.
"""

import hashlib
import ipaddress
import re

from ...core import resource
from ...core.errors import AzureError
from ...core.ids import new_guid

NAMESPACE = "Microsoft.Network"
ZONE_TYPE = "Microsoft.Network/dnszones"
# Microsoft Learn "Azure DNS limits": 10,000 record sets per public zone, 20 records per record set.
MAX_RECORD_SETS = 10000
MAX_RECORDS_PER_SET = 20
# Default TTLs of the record sets Azure creates with a zone (GetSOARecordset / GetNSRecordset examples
# and `az network dns zone create` output): SOA 3600, NS 172800.
SOA_TTL = 3600
NS_TTL = 172800
DEFAULT_TTL = 3600  # unverified: the TTL a record set gets when the body has none

# record type -> (wire property, single object?) — SDK model RecordSet (azure-mgmt-dns 9.0.0, 2018-05-01);
# note the lower-case ``caaRecords`` and the single ``CNAMERecord`` / ``SOARecord``.
RECORD_PROPS = {
    "A": ("ARecords", False), "AAAA": ("AAAARecords", False), "CAA": ("caaRecords", False), "CNAME": ("CNAMERecord", True),
    "MX": ("MXRecords", False), "NS": ("NSRecords", False), "PTR": ("PTRRecords", False), "SOA": ("SOARecord", True),
    "SRV": ("SRVRecords", False), "TXT": ("TXTRecords", False),
}
# The record field a duplicate is judged on (azure-cli#22886 quotes: "The list of record sets of type 'A'
# may not contain multiple entries with the same 'ipv4Address'.").
DUP_KEY = {"A": "ipv4Address", "AAAA": "ipv6Address", "NS": "nsdname", "PTR": "ptrdname", "TXT": "value", "MX": "exchange", "SRV": "target",
           "CAA": "value"}

_LABEL = re.compile(r"^[a-z0-9_]([a-z0-9_-]{0,61}[a-z0-9_])?$", re.IGNORECASE)
_RECORD_LABEL = re.compile(r"^[a-z0-9_*]([a-z0-9_-]{0,61}[a-z0-9_])?$", re.IGNORECASE)


def zone_id(sub, rg, name):
    return resource.provider_id(sub, rg, NAMESPACE, "dnszones", name)


def record_id(zid, rtype, name):
    return f"{zid}/{rtype}/{name}"


def canonical_type(rtype):
    """The record type of a path segment (the SDK's RecordType enum, case-insensitive); None if unknown."""
    up = (rtype or "").upper()
    return up if up in RECORD_PROPS else None


# -- validation -----------------------------------------------------------------------------------
def validate_zone_name(name):
    """Microsoft Learn "Naming rules" (Microsoft.Network/dnszones): 1-63 characters per label, 2-34 labels,
    alphanumerics, underscores and hyphens, labels separated by periods. Message unverified."""
    labels = name.split(".")
    ok = 2 <= len(labels) <= 34 and len(name) <= 253 and all(_LABEL.match(lbl) for lbl in labels)
    if not ok:
        raise AzureError(400, "BadRequest", f"The zone name '{name}' is invalid. A zone name must consist of 2 to 34 labels of 1 to 63 "
                                            "alphanumeric, underscore or hyphen characters, separated by periods.")


def validate_relative_name(zone_name, name):
    """`@` or labels as for zones, a leading `*` allowed (wildcard records); the FQDN at most 253 characters
    (RFC 1035; Learn "Azure DNS zones and records"). Message unverified."""
    if name == "@":
        return
    labels = name.split(".")
    bad = any(not _RECORD_LABEL.match(lbl) or ("*" in lbl and (lbl != "*" or i != 0)) for i, lbl in enumerate(labels))
    if bad or len(name) + 1 + len(zone_name) > 253:
        raise AzureError(400, "BadRequest", f"The record set name '{name}' is invalid.")


def _domain_ok(text):
    t = text[:-1] if text.endswith(".") else text
    return bool(t) and len(t) <= 253 and all(_LABEL.match(lbl) for lbl in t.split("."))


def _bad_domain(text):
    # arm-web.md §6 [OBS]: CNAME target invalid -> 400 BadRequest "The domain name '{x}' is invalid."
    return AzureError(400, "BadRequest", f"The domain name '{text}' is invalid.")


def _int(value, field, lo, hi):
    if isinstance(value, bool) or not isinstance(value, int) or not lo <= value <= hi:
        raise AzureError(400, "BadRequest", f"The value '{value}' of property '{field}' is invalid. It must be an integer between {lo} and {hi}.")
    return value


def _require(rec, field):
    v = rec.get(field) if isinstance(rec, dict) else None
    if v is None or v == "":
        raise AzureError(400, "BadRequest", f"The property '{field}' is required.")  # unverified text
    return v


def _check_record(rtype, rec):
    """Validate one record (SDK models ARecord, AaaaRecord, CaaRecord, MxRecord, NsRecord, PtrRecord, SrvRecord,
    TxtRecord, CnameRecord, SoaRecord). Messages unverified unless noted."""
    if rtype == "A":
        v = _require(rec, "ipv4Address")
        try:
            ipaddress.IPv4Address(v)
        except ValueError:
            raise AzureError(400, "BadRequest", f"The IPv4 address '{v}' is invalid.") from None
    elif rtype == "AAAA":
        v = _require(rec, "ipv6Address")
        try:
            ipaddress.IPv6Address(v)
        except ValueError:
            raise AzureError(400, "BadRequest", f"The IPv6 address '{v}' is invalid.") from None
    elif rtype in ("CNAME", "NS", "PTR"):
        field = {"CNAME": "cname", "NS": "nsdname", "PTR": "ptrdname"}[rtype]
        v = _require(rec, field)
        if not _domain_ok(v):
            raise _bad_domain(v)
    elif rtype == "MX":
        _int(_require(rec, "preference"), "preference", 0, 65535)
        if not _domain_ok(_require(rec, "exchange")):
            raise _bad_domain(rec["exchange"])
    elif rtype == "SRV":
        for f in ("priority", "weight", "port"):
            _int(_require(rec, f), f, 0, 65535)
        if not _domain_ok(_require(rec, "target")):
            raise _bad_domain(rec["target"])
    elif rtype == "CAA":
        _int(rec.get("flags", 0), "flags", 0, 255)
        _require(rec, "tag")
        _require(rec, "value")
    elif rtype == "TXT":
        vals = rec.get("value") if isinstance(rec, dict) else None
        if not isinstance(vals, list) or not vals or not all(isinstance(s, str) for s in vals):
            raise AzureError(400, "BadRequest", "The property 'value' of a TXT record must be a non-empty list of strings.")
        for s in vals:
            # RFC 1035 character-string: at most 255 octets; Learn "Azure DNS zones and records": longer values
            # must be sent as several strings (tools split them into 255-character segments).
            if len(s.encode()) > 255:
                raise AzureError(400, "BadRequest", f"The TXT record string '{s[:32]}...' is {len(s.encode())} characters long; "
                                                    "each string of a TXT record can be at most 255 characters.")


def validate_record_set(zone, rtype, name, props):
    """Check a record set body for ``rtype`` at ``name``; returns the normalised properties to store."""
    if not isinstance(props, dict):
        raise AzureError(400, "InvalidRequestContent", "The request content was invalid and could not be deserialized: 'properties must be an object'.")
    ttl = props.get("TTL", props.get("ttl", DEFAULT_TTL))
    # TTL range 0..2147483647 (Azure DNS team in Azure/azure-xplat-cli#1777).
    _int(ttl, "TTL", 0, 2147483647)
    # Record arrays of another type than the path segment (unverified text: the service rejects the mismatch).
    own = RECORD_PROPS[rtype][0]
    for t, (prop, _kind) in RECORD_PROPS.items():
        if t != rtype and props.get(prop) not in (None, [], {}):
            raise AzureError(400, "BadRequest", f"The record set of type '{rtype}' cannot contain records of type '{t}' ('{prop}').")
    if rtype == "CNAME" and name == "@":
        # RFC 1034 §3.6.2 / Learn "Azure DNS zones and records": CNAME record sets cannot be created at the zone apex.
        raise AzureError(400, "BadRequest", "The CNAME record set cannot be created at the zone apex.")
    if rtype == "SOA" and name != "@":
        # Learn: "SOA record set is created automatically at the apex of each zone"; only one per zone.
        raise AzureError(400, "BadRequest", "SOA record sets can only be created at the zone apex ('@').")
    meta = props.get("metadata") or {}
    if not isinstance(meta, dict):
        raise AzureError(400, "InvalidRequestContent", "The request content was invalid and could not be deserialized: 'metadata must be an object'.")
    out = {"metadata": meta, "TTL": ttl}
    value = props.get(own)
    single = RECORD_PROPS[rtype][1]
    if single:
        if value is not None:
            if not isinstance(value, dict):
                raise AzureError(400, "InvalidRequestContent", f"The request content was invalid and could not be deserialized: '{own} must be an object'.")
            if rtype == "CNAME":
                _check_record(rtype, value)
            out[own] = dict(value)
    else:
        records = value if value is not None else []
        if not isinstance(records, list):
            raise AzureError(400, "InvalidRequestContent", f"The request content was invalid and could not be deserialized: '{own} must be an array'.")
        if len(records) > MAX_RECORDS_PER_SET:
            # Learn "Azure DNS limits": 20 records per record set (text unverified).
            raise AzureError(400, "BadRequest", f"The record set '{name}' of type '{rtype}' has {len(records)} records; the maximum is "
                                                f"{MAX_RECORDS_PER_SET} records per record set.")
        seen = set()
        for rec in records:
            _check_record(rtype, rec)
            key = str(rec.get(DUP_KEY[rtype])).lower() if rtype != "TXT" else tuple(rec.get("value"))
            if rtype in ("MX", "SRV", "CAA"):
                key = tuple(sorted((k, str(v).lower()) for k, v in rec.items()))
            if key in seen:
                raise AzureError(400, "BadRequest", f"The list of record sets of type '{rtype}' may not contain multiple entries with the same "
                                                    f"'{DUP_KEY[rtype]}'.")
            seen.add(key)
        out[own] = [dict(r) for r in records]
    if "targetResource" in props and props["targetResource"]:
        out["targetResource"] = props["targetResource"]
    return out


# -- zones --------------------------------------------------------------------------------------------
def name_servers(zid):
    """Four Azure DNS name servers, stable per zone (`ns1-07.azure-dns.com.` ... `ns4-07.azure-dns.info.`, the
    pattern of real zones; `az network dns zone show` prints them with the trailing dot). The number is derived
    from the zone id, so two zones of the same name in different groups get different servers, as in Azure."""
    n = int(hashlib.sha256(zid.lower().encode()).hexdigest(), 16) % 40 + 1
    return [f"ns1-{n:02d}.azure-dns.com.", f"ns2-{n:02d}.azure-dns.net.", f"ns3-{n:02d}.azure-dns.org.", f"ns4-{n:02d}.azure-dns.info."]


def get_zone(app, zid):
    doc = resource.get(app, zid)
    return doc if doc is not None and doc.get("type", "").lower() == ZONE_TYPE.lower() else None


def new_etag():
    return new_guid()


def _record_doc(zone, rtype, name, props):
    fqdn = (zone["name"] if name == "@" else f"{name}.{zone['name']}") + "."
    p = {"metadata": props.get("metadata") or {}, "TTL": props["TTL"], "fqdn": fqdn, "provisioningState": "Succeeded"}
    p.update({k: v for k, v in props.items() if k not in ("metadata", "TTL")})
    p.setdefault("targetResource", {})
    return {"id": record_id(zone["id"], rtype, name), "name": name, "type": f"{ZONE_TYPE}/{rtype}", "etag": new_etag(), "properties": p}


def create_zone(app, sub, rg, name, tags=None):
    """Create a public zone with its apex SOA and NS record sets (Learn "Azure DNS zones and records":
    both are created automatically with the zone). Returns the stored zone document."""
    zid = zone_id(sub, rg, name)
    ns = name_servers(zid)
    zone = {"id": zid, "name": name, "type": ZONE_TYPE, "etag": new_etag(), "location": "global", "tags": dict(tags or {}),
            "properties": {"maxNumberOfRecordSets": MAX_RECORD_SETS, "maxNumberOfRecordsPerRecordSet": MAX_RECORDS_PER_SET,
                           "numberOfRecordSets": 2, "nameServers": ns, "zoneType": "Public"}}
    resource.put(app, zone)
    # SOA values of a new Azure DNS zone (GetSOARecordset example; Learn "SOA records": the host is the first
    # assigned name server, email azuredns-hostmaster.microsoft.com, serial 1).
    soa = {"TTL": SOA_TTL, "metadata": {}, "SOARecord": {"host": ns[0].rstrip("."), "email": "azuredns-hostmaster.microsoft.com", "serialNumber": 1,
                                                         "refreshTime": 3600, "retryTime": 300, "expireTime": 2419200, "minimumTTL": 300}}
    resource.put(app, _record_doc(zone, "SOA", "@", soa))
    resource.put(app, _record_doc(zone, "NS", "@", {"TTL": NS_TTL, "metadata": {}, "NSRecords": [{"nsdname": n} for n in ns]}))
    return zone


def record_sets(app, zid):
    """All record sets of a zone: the apex first, then by name and type (order unverified)."""
    prefix = zid.lower() + "/"
    docs = [d for k, d in app.store.items(resource.TABLE, prefix) if k.count("/") == prefix.count("/") + 1]
    return sorted(docs, key=lambda d: (d["name"] != "@", d["name"].lower(), d["type"].rsplit("/", 1)[-1]))


def refresh_count(app, zone):
    zone["properties"]["numberOfRecordSets"] = len(record_sets(app, zone["id"]))
    resource.put(app, zone)


def put_record_set(app, zone, rtype, name, props, previous=None):
    """Store a record set (full replace), keeping rules that span record sets: CNAME exclusivity, the record-set
    limit, the Azure-assigned apex NS and SOA host. Returns the stored document."""
    zid = zone["id"]
    at_name = [d for d in record_sets(app, zid) if d["name"].lower() == name.lower()]
    others = [d for d in at_name if d["type"].rsplit("/", 1)[-1] != rtype]
    if rtype == "CNAME" and others:
        # arm-web.md §6 [OBS]: 409 Conflict with this exact message.
        raise AzureError(409, "Conflict", "The CNAME record could not be created because another record with the same name already exists in this zone.")
    if rtype != "CNAME" and any(d["type"].endswith("/CNAME") for d in others):
        # arm-web.md §6 [OBS]: 409 Conflict (reason CannotCreateRecordDueToCNameNamingRestriction); text unverified.
        raise AzureError(409, "Conflict", f"The {rtype} record could not be created because a CNAME record with the same name already exists "
                                          "in this zone.")
    if previous is None and len(record_sets(app, zid)) >= MAX_RECORD_SETS:
        # Learn "Azure DNS limits": 10,000 record sets per public zone; text unverified.
        raise AzureError(409, "Conflict", f"The maximum number of record sets ({MAX_RECORD_SETS}) for the zone '{zone['name']}' has been reached.")
    if rtype == "NS" and name == "@":
        # Learn "Azure DNS zones and records": the Azure DNS name servers of the apex NS set cannot be removed;
        # extra name servers may be added.
        have = {r.get("nsdname", "").rstrip(".").lower() for r in props.get("NSRecords", [])}
        props["NSRecords"] = [{"nsdname": n} for n in zone["properties"]["nameServers"] if n.rstrip(".").lower() not in have] + props["NSRecords"]
    if rtype == "SOA":
        # Learn "SOA records": every property except the host can be modified.
        soa = dict((previous or {}).get("properties", {}).get("SOARecord") or {})
        soa.update({k: v for k, v in (props.get("SOARecord") or {}).items() if k != "host"})
        props["SOARecord"] = soa
    doc = _record_doc(zone, rtype, previous["name"] if previous else name, props)
    resource.put(app, doc)
    refresh_count(app, zone)
    return doc


def delete_zone(app, zid):
    resource.delete_tree(app, zid)


# -- the public-DNS view ----------------------------------------------------------------------------
def all_zones(app):
    return [d for _key, d in app.store.items(resource.TABLE) if d.get("type", "").lower() == ZONE_TYPE.lower()]


def _delegated_zone_ids(app):
    """Zone ids that a registered App Service Domain points at (its ``dnsZoneId``)."""
    out = set()
    for _key, d in app.store.items(resource.TABLE):
        if d.get("type", "").lower() == "microsoft.domainregistration/domains":
            p = d.get("properties") or {}
            if p.get("registrationStatus") == "Active" and p.get("dnsZoneId"):
                out.add(p["dnsZoneId"].lower())
    return out


def zone_for(app, fqdn):
    """The zone public DNS would answer from for ``fqdn``: the longest matching zone name across every resource
    group; among zones of that name, the one a registered App Service Domain delegates to, else the first
    created. Returns the zone document (a copy) or None."""
    name = (fqdn or "").strip().rstrip(".").lower()
    if not name:
        return None
    best = {}
    for z in all_zones(app):
        zn = z["name"].lower()
        if name == zn or name.endswith("." + zn):
            best.setdefault(zn, []).append(z)
    if not best:
        return None
    zn = max(best, key=len)
    candidates = best[zn]
    if len(candidates) > 1:
        delegated = _delegated_zone_ids(app)
        for z in candidates:
            if z["id"].lower() in delegated:
                return resource.get(app, z["id"])
    return resource.get(app, candidates[0]["id"])


def relative_name(zone, fqdn):
    name = fqdn.strip().rstrip(".")
    zn = zone["name"]
    return "@" if name.lower() == zn.lower() else name[: -(len(zn) + 1)]


def record_values(doc, rtype):
    """The answer strings of one record set, as a resolver would print them."""
    p = doc["properties"]
    if rtype == "A":
        return [r["ipv4Address"] for r in p.get("ARecords", [])]
    if rtype == "AAAA":
        return [r["ipv6Address"] for r in p.get("AAAARecords", [])]
    if rtype == "CNAME":
        c = (p.get("CNAMERecord") or {}).get("cname")
        return [c.rstrip(".")] if c else []
    if rtype == "TXT":
        return [s for r in p.get("TXTRecords", []) for s in r.get("value", [])]
    if rtype == "CAA":
        return [f'{r.get("flags", 0)} {r["tag"]} "{r["value"]}"' for r in p.get("caaRecords", [])]
    if rtype == "NS":
        return [r["nsdname"].rstrip(".") for r in p.get("NSRecords", [])]
    if rtype == "MX":
        return [f'{r["preference"]} {r["exchange"].rstrip(".")}' for r in p.get("MXRecords", [])]
    if rtype == "PTR":
        return [r["ptrdname"].rstrip(".") for r in p.get("PTRRecords", [])]
    if rtype == "SRV":
        return [f'{r["priority"]} {r["weight"]} {r["port"]} {r["target"].rstrip(".")}' for r in p.get("SRVRecords", [])]
    return []


def lookup(app, fqdn, rtype) -> list[str]:
    """Values of the ``rtype`` records at ``fqdn`` in public DNS as azsim simulates it: "A", "AAAA", "CNAME"
    (target without the trailing dot), "TXT" (each string), "CAA" (``'{flags} {tag} "{value}"'``), "NS",
    "MX" (``'{preference} {exchange}'``), also "PTR"/"SRV". [] when no zone or record matches. CNAMEs are not
    followed (ask for "CNAME" explicitly); wildcard record sets (``*``) answer names without their own set."""
    rtype = canonical_type(rtype)
    if rtype is None:
        return []
    zone = zone_for(app, fqdn)
    if zone is None:
        return []
    rel = relative_name(zone, fqdn)
    doc = resource.peek(app, record_id(zone["id"], rtype, rel))
    if doc is None and rel != "@":
        # RFC 4592 wildcard: `*.{parent}` answers when no record set of any type exists at the name.
        exists = any(d["name"].lower() == rel.lower() for d in record_sets(app, zone["id"]))
        parent = rel.split(".", 1)[1] if "." in rel else None
        if not exists:
            doc = resource.peek(app, record_id(zone["id"], rtype, f"*.{parent}" if parent else "*"))
    return record_values(doc, rtype) if doc is not None else []


# -- DNSSEC (dnsZones/{zone}/dnssecConfigs/default, api 2023-07-01-preview) ---------------------------------------------
# Kept in the zone document (private key), so the zone's record-set listing and its deletion need no special case.
DNSSEC_TYPE = ZONE_TYPE + "/dnssecConfigs"
# Azure DNS signs with ECDSA P-256/SHA-256 (DNSSEC algorithm 13) and publishes one key-signing key, whose DS the owner
# gives the parent zone (Learn "DNSSEC overview" / "How to sign your Azure Public DNS zone with DNSSEC": key signing key,
# algorithm 13, digest type 2 = SHA-256).
DNSSEC_ALGORITHM, DNSSEC_DIGEST_TYPE, KSK_FLAGS, DNSKEY_PROTOCOL = 13, 2, 257, 3


def _wire_name(name):
    out = b""
    for label in name.rstrip(".").lower().split("."):
        out += bytes([len(label)]) + label.encode("ascii")
    return out + b"\x00"


def _key_tag(rdata):
    """RFC 4034 appendix B."""
    acc = 0
    for i, byte in enumerate(rdata):
        acc += byte if i & 1 else byte << 8
    acc += (acc >> 16) & 0xFFFF
    return acc & 0xFFFF


def dnssec_doc(zone):
    doc = zone.get("_dnssec")
    return dict(doc) if doc else None


def enable_dnssec(app, zone, system_data=None):
    """Sign the zone: one key-signing key and its DS record (RFC 4034 5.1.4: SHA-256 of owner name | DNSKEY RDATA)."""
    import base64
    import hashlib
    import os
    public_key = os.urandom(64)  # an ECDSA P-256 public key is 64 bytes (RFC 6605)
    rdata = KSK_FLAGS.to_bytes(2, "big") + bytes([DNSKEY_PROTOCOL, DNSSEC_ALGORITHM]) + public_key
    tag = _key_tag(rdata)
    digest = hashlib.sha256(_wire_name(zone["name"]) + rdata).hexdigest().upper()
    key = {"delegationSignerInfo": [{"digestAlgorithmType": DNSSEC_DIGEST_TYPE, "digestValue": digest,
                                     "record": f"{tag} {DNSSEC_ALGORITHM} {DNSSEC_DIGEST_TYPE} {digest}"}],
           "flags": KSK_FLAGS, "keyTag": tag, "protocol": DNSKEY_PROTOCOL, "publicKey": base64.b64encode(public_key).decode(),
           "securityAlgorithmType": DNSSEC_ALGORITHM}
    doc = {"id": zone["id"] + "/dnssecConfigs/default", "name": "default", "type": DNSSEC_TYPE, "etag": new_etag(),
           "properties": {"provisioningState": "Succeeded", "signingKeys": [key]}}
    if system_data:
        doc["systemData"] = system_data
    zone["_dnssec"] = doc
    resource.put(app, zone)
    return dict(doc)


def disable_dnssec(app, zone):
    had = zone.pop("_dnssec", None) is not None
    if had:
        resource.put(app, zone)
    return had
