"""Azure DNS zone signing (Microsoft.Network/dnsZones/{zone}/dnssecConfigs/default, api 2023-07-01-preview).

azure-mgmt-dns 9.0.0 (the version this repository pins) targets 2018-05-01 only and has no DnssecConfigs operations, so
these requests are the REST calls of the spec (DnssecConfigs_CreateOrUpdate, _Get, _ListByDnsZone, _Delete); the zone
itself is made with the SDK."""

import base64
import hashlib

import pytest
from azure.mgmt.dns import DnsManagementClient

API = "api-version=2023-07-01-preview"


@pytest.fixture
def zone(azsim, mode, resource_group, unique):
    name = f"signed{unique}.example"
    azsim.client(DnsManagementClient, mode).zones.create_or_update(resource_group, name, {"location": "global"})
    return name


def _url(azsim, mode, rg, zone):
    return f"{azsim.arm(mode)}/subscriptions/{azsim.sub}/resourceGroups/{rg}/providers/Microsoft.Network/dnsZones/{zone}/dnssecConfigs"


def test_an_unsigned_zone_has_no_dnssec_configuration(azsim, mode, resource_group, zone):
    s = azsim.session(mode)
    r = s.get(f"{_url(azsim, mode, resource_group, zone)}/default?{API}")
    assert r.status_code == 404, r.text
    r = s.get(f"{_url(azsim, mode, resource_group, zone)}?{API}")
    assert r.status_code == 200 and r.json()["value"] == [], r.text
    # The record sets stay the zone's own: the SOA and NS of a new zone.
    records = azsim.client(DnsManagementClient, mode).record_sets.list_by_dns_zone(resource_group, zone)
    assert sorted(rs.type.rsplit("/", 1)[-1] for rs in records) == ["NS", "SOA"]


def test_signing_a_zone_gives_a_key_signing_key_and_its_ds_record(azsim, mode, resource_group, zone):
    s = azsim.session(mode)
    url = f"{_url(azsim, mode, resource_group, zone)}/default?{API}"
    r = s.put(url, json={})
    assert r.status_code == 201, r.text
    doc = r.json()
    assert doc["name"] == "default" and doc["type"] == "Microsoft.Network/dnszones/dnssecConfigs"
    assert doc["id"].lower().endswith(f"/dnszones/{zone}/dnssecconfigs/default")
    assert doc["properties"]["provisioningState"] == "Succeeded"
    [key] = doc["properties"]["signingKeys"]
    assert (key["flags"], key["protocol"], key["securityAlgorithmType"]) == (257, 3, 13)
    [ds] = key["delegationSignerInfo"]
    # RFC 4034 5.1.4: the DS digest is SHA-256 over the owner name in wire format and the DNSKEY RDATA.
    owner = b"".join(bytes([len(label)]) + label.encode() for label in zone.split(".")) + b"\x00"
    rdata = (257).to_bytes(2, "big") + bytes([3, 13]) + base64.b64decode(key["publicKey"])
    assert ds["digestAlgorithmType"] == 2 and ds["digestValue"] == hashlib.sha256(owner + rdata).hexdigest().upper()
    assert ds["record"] == f"{key['keyTag']} 13 2 {ds['digestValue']}"
    # Signing again keeps the keys (200); GET and the list show the same configuration.
    again = s.put(url, json={})
    assert again.status_code == 200 and again.json()["properties"]["signingKeys"] == doc["properties"]["signingKeys"]
    assert s.get(url).json()["properties"]["signingKeys"][0]["keyTag"] == key["keyTag"]
    listed = s.get(f"{_url(azsim, mode, resource_group, zone)}?{API}").json()["value"]
    assert [d["id"] for d in listed] == [doc["id"]]
    # Unsigning: 200, then the configuration is gone and a second delete answers 204.
    assert s.delete(url).status_code == 200
    assert s.get(url).status_code == 404
    assert s.delete(url).status_code == 204


def test_dnssec_needs_the_preview_api_and_an_existing_zone(azsim, mode, resource_group, zone):
    s = azsim.session(mode)
    r = s.get(f"{_url(azsim, mode, resource_group, zone)}/default?api-version=2018-05-01")
    assert r.status_code == 400 and r.json()["error"]["code"] == "NoRegisteredProviderFound", r.text
    r = s.put(f"{_url(azsim, mode, resource_group, 'missing-' + zone)}/default?{API}", json={})
    assert r.status_code == 404 and r.json()["error"]["code"] == "ParentResourceNotFound", r.text
