"""``GET /_azsim/dns/resolve``: azsim's public DNS in the JSON format of the DNS-over-HTTPS JSON APIs (Google Public
DNS ``dns.google/resolve``, Cloudflare ``application/dns-json``), read with plain ``requests`` as a playbook or a
script reads a real resolver. The zones are written through ARM's REST API (api 2018-05-01)."""

import re

import pytest
import requests

API = {"api-version": "2018-05-01"}
A, NS, CNAME, SOA, TXT, MX, CAA = 1, 2, 5, 6, 16, 15, 257


@pytest.fixture
def arm(azsim):
    return azsim.session("direct")


@pytest.fixture
def zone(azsim, arm, unique):
    """A zone with the records App Service asks for: apex A + TXT asuid, www CNAME + TXT asuid.www, and a few more."""
    resource_group = f"rg-{unique}"
    r = arm.put(f"{azsim.url}/subscriptions/{azsim.sub}/resourcegroups/{resource_group}", params={"api-version": "2021-04-01"},
                json={"location": "westeurope"})
    assert r.status_code == 201, r.text
    name = f"shop-{unique}.example"
    base = f"{azsim.url}/subscriptions/{azsim.sub}/resourceGroups/{resource_group}/providers/Microsoft.Network/dnsZones/{name}"
    assert arm.put(base, params=API, json={"location": "global"}).status_code == 201

    def put(rtype, rel, props):
        r = arm.put(f"{base}/{rtype}/{rel}", params=API, json={"properties": props})
        assert r.status_code == 201, r.text

    put("A", "@", {"TTL": 3600, "ARecords": [{"ipv4Address": "20.50.2.7"}, {"ipv4Address": "20.50.2.8"}]})
    put("TXT", "asuid", {"TTL": 300, "TXTRecords": [{"value": ["ABC123"]}]})
    put("CNAME", "www", {"TTL": 600, "CNAMERecord": {"cname": "erp-prod.azurewebsites.net"}})
    put("TXT", "asuid.www", {"TTL": 3600, "TXTRecords": [{"value": ["ABC123"]}, {"value": ["v=part1", 'say "hi"']}]})
    put("MX", "@", {"TTL": 3600, "MXRecords": [{"preference": 10, "exchange": "mail.example.org"}]})
    put("CAA", "@", {"TTL": 3600, "caaRecords": [{"flags": 0, "tag": "issue", "value": "digicert.com"}]})
    put("CNAME", "shop", {"TTL": 60, "CNAMERecord": {"cname": f"www.{name}"}})
    put("A", "*.apps", {"TTL": 120, "ARecords": [{"ipv4Address": "20.50.2.9"}]})
    put("A", "deep.empty", {"TTL": 120, "ARecords": [{"ipv4Address": "20.50.2.10"}]})
    return {"name": name, "base": base}


def resolve(azsim, name, rtype=None, **params):
    query = {"name": name, **({"type": rtype} if rtype is not None else {}), **params}
    return requests.get(f"{azsim.url}/_azsim/dns/resolve", params=query, verify=azsim.ca, timeout=10)


def answers(body):
    return [(a["name"], a["type"], a["TTL"], a["data"]) for a in body.get("Answer", [])]


def test_a_records_in_the_doh_json_shape(azsim, zone):
    r = resolve(azsim, zone["name"], "A")
    assert r.status_code == 200 and r.headers["Content-Type"].startswith("application/json")
    body = r.json()
    assert body["Status"] == 0
    assert (body["TC"], body["RD"], body["RA"], body["AD"], body["CD"]) == (False, True, True, False, False)
    assert body["Question"] == [{"name": zone["name"] + ".", "type": A}]
    assert answers(body) == [(zone["name"] + ".", A, 3600, "20.50.2.7"), (zone["name"] + ".", A, 3600, "20.50.2.8")]
    assert "Authority" not in body
    # The type defaults to A, may be a number or a name in any case, and a trailing dot on the name changes nothing.
    assert answers(resolve(azsim, zone["name"] + ".").json()) == answers(body)
    assert answers(resolve(azsim, zone["name"].upper(), "1").json()) == answers(body)
    assert answers(resolve(azsim, zone["name"], "a").json()) == answers(body)


def test_txt_data_is_quoted_per_record(azsim, zone):
    body = resolve(azsim, f"asuid.www.{zone['name']}", "TXT").json()
    assert body["Status"] == 0 and body["Question"] == [{"name": f"asuid.www.{zone['name']}.", "type": TXT}]
    fqdn = f"asuid.www.{zone['name']}."
    # One answer per TXT record; its character-strings quoted, quotes inside escaped (RFC 1035 presentation format).
    assert answers(body) == [(fqdn, TXT, 3600, '"ABC123"'), (fqdn, TXT, 3600, '"v=part1" "say \\"hi\\""')]
    apex_txt = resolve(azsim, f"asuid.{zone['name']}", "16").json()
    assert answers(apex_txt) == [(f"asuid.{zone['name']}.", TXT, 300, '"ABC123"')]


def test_cname_mx_caa_ns_soa_data(azsim, zone):
    name = zone["name"]
    assert answers(resolve(azsim, f"www.{name}", "CNAME").json()) == [(f"www.{name}.", CNAME, 600, "erp-prod.azurewebsites.net.")]
    assert answers(resolve(azsim, name, "MX").json()) == [(f"{name}.", MX, 3600, "10 mail.example.org.")]
    assert answers(resolve(azsim, name, "CAA").json()) == [(f"{name}.", CAA, 3600, '0 issue "digicert.com"')]
    ns = resolve(azsim, name, "NS").json()["Answer"]
    assert len(ns) == 4 and all(a["type"] == NS and a["TTL"] == 172800 and a["data"].endswith(".") for a in ns)
    soa = resolve(azsim, name, "SOA").json()["Answer"]
    assert [(a["type"], a["TTL"]) for a in soa] == [(SOA, 3600)]
    host, email, serial, refresh, retry, expire, minimum = soa[0]["data"].split()
    assert host == ns[0]["data"] and email == "azuredns-hostmaster.microsoft.com."
    assert (serial, refresh, retry, expire, minimum) == ("1", "3600", "300", "2419200", "300")


def test_cname_is_followed_for_other_types(azsim, zone):
    name = zone["name"]
    # shop -> www (same zone) -> erp-prod.azurewebsites.net (no zone of azsim): the chain as far as azsim knows it.
    body = resolve(azsim, f"shop.{name}", "A").json()
    assert body["Status"] == 0
    assert answers(body) == [(f"shop.{name}.", CNAME, 60, f"www.{name}."), (f"www.{name}.", CNAME, 600, "erp-prod.azurewebsites.net.")]
    # Asked for the CNAME itself, only the first link.
    assert answers(resolve(azsim, f"shop.{name}", "CNAME").json()) == [(f"shop.{name}.", CNAME, 60, f"www.{name}.")]


def test_cname_to_a_name_azsim_hosts(azsim, arm, zone):
    r = arm.put(f"{zone['base']}/CNAME/alias", params=API, json={"properties": {"TTL": 30, "CNAMERecord": {"cname": zone["name"]}}})
    assert r.status_code == 201
    body = resolve(azsim, f"alias.{zone['name']}", "A").json()
    assert answers(body) == [(f"alias.{zone['name']}.", CNAME, 30, f"{zone['name']}."), (f"{zone['name']}.", A, 3600, "20.50.2.7"),
                             (f"{zone['name']}.", A, 3600, "20.50.2.8")]


def test_nxdomain_and_nodata(azsim, zone):
    name = zone["name"]
    # A name no zone of azsim holds: NXDOMAIN, nothing else.
    body = resolve(azsim, f"nothing-here-{name}", "A").json()
    assert body["Status"] == 3 and "Answer" not in body and "Authority" not in body
    # A missing name in a zone: NXDOMAIN with the zone's SOA (negative-caching TTL = min(SOA TTL, minimum)).
    body = resolve(azsim, f"missing.{name}", "TXT").json()
    assert body["Status"] == 3 and "Answer" not in body
    assert [(a["name"], a["type"], a["TTL"]) for a in body["Authority"]] == [(f"{name}.", SOA, 300)]
    # The name exists with another type: NOERROR and no answer (NODATA), SOA in Authority.
    body = resolve(azsim, f"asuid.{name}", "A").json()
    assert body["Status"] == 0 and "Answer" not in body and body["Authority"][0]["type"] == SOA
    # An empty non-terminal (only deep.empty has records) exists: NODATA, not NXDOMAIN (RFC 8020).
    assert resolve(azsim, f"empty.{name}", "A").json()["Status"] == 0
    # A type azsim's zones cannot hold (HTTPS = 65) at an existing name: NODATA.
    assert resolve(azsim, name, "65").json()["Status"] == 0


def test_wildcard_answers_with_the_query_name(azsim, zone):
    body = resolve(azsim, f"erp.apps.{zone['name']}", "A").json()
    assert body["Status"] == 0 and answers(body) == [(f"erp.apps.{zone['name']}.", A, 120, "20.50.2.9")]


def test_any_and_cd_and_dns_json_content_type(azsim, zone):
    r = requests.get(f"{azsim.url}/_azsim/dns/resolve", params={"name": zone["name"], "type": "ANY", "cd": "1"},
                     headers={"Accept": "application/dns-json"}, verify=azsim.ca, timeout=10)
    assert r.status_code == 200 and r.headers["Content-Type"] == "application/dns-json"
    body = r.json()
    assert body["CD"] is True and body["Question"] == [{"name": zone["name"] + ".", "type": 255}]
    assert {a["type"] for a in body["Answer"]} == {A, NS, SOA, MX, CAA}


def test_agrees_with_the_plain_dns_view(azsim, zone):
    """The resolver and ``GET /_azsim/dns`` (what App Service's ownership checks read) see the same records."""
    for fqdn, rtype in [(zone["name"], "A"), (f"asuid.www.{zone['name']}", "TXT"), (f"www.{zone['name']}", "CNAME"),
                        (f"x.apps.{zone['name']}", "A"), (f"missing.{zone['name']}", "TXT")]:
        plain = azsim.admin("GET", f"dns?name={fqdn}&type={rtype}")["values"]
        doh = [a["data"] for a in resolve(azsim, fqdn, rtype).json().get("Answer", [])]
        if rtype == "TXT":
            doh = [re.sub(r"\\(.)", r"\1", s) for d in doh for s in re.findall(r'"((?:[^"\\]|\\.)*)"', d)]
        assert [d.rstrip(".") for d in doh] == plain, fqdn


@pytest.mark.parametrize("params, message", [
    ({}, "query parameter 'name' is required"),
    ({"name": ""}, "Invalid name"),
    ({"name": ".example.com"}, "Invalid name"),
    ({"name": "example..com"}, "Invalid name"),
    ({"name": "a" * 64 + ".com"}, "Invalid name"),
    ({"name": "example.com", "type": "BOGUS"}, "Invalid type 'BOGUS'"),
    ({"name": "example.com", "type": "0"}, "between 1 and 65535"),
    ({"name": "example.com", "type": "70000"}, "between 1 and 65535"),
    ({"name": "example.com", "cd": "2"}, "Invalid CD flag '2'"),
])
def test_bad_requests(azsim, params, message):
    r = requests.get(f"{azsim.url}/_azsim/dns/resolve", params=params, verify=azsim.ca, timeout=10)
    assert r.status_code == 400
    assert message in r.json()["error"]
