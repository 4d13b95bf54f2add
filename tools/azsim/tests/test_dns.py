"""Azure DNS (Microsoft.Network/dnszones) through azure-mgmt-dns's DnsManagementClient, plus raw REST for what the
SDK hides (status codes, headers), and the ``GET /_azsim/dns`` admin view."""

import pytest
from azure.core.exceptions import HttpResponseError, ResourceExistsError, ResourceNotFoundError
from azure.mgmt.dns import DnsManagementClient

API = "api-version=2018-05-01"


def _session(azsim, mode):
    return azsim.session(mode)


@pytest.fixture
def dns(azsim, mode):
    return azsim.client(DnsManagementClient, mode)


@pytest.fixture
def zone(dns, resource_group, unique):
    name = f"z{unique}.example"
    dns.zones.create_or_update(resource_group, name, {"location": "global"})
    return name


def _zone_url(azsim, mode, rg, zone):
    return f"{azsim.arm(mode)}/subscriptions/{azsim.sub}/resourceGroups/{rg}/providers/Microsoft.Network/dnsZones/{zone}"


def test_zone_create_get_update(azsim, mode, dns, resource_group, unique):
    name = f"contoso-{unique}.com"
    s = _session(azsim, mode)
    url = _zone_url(azsim, mode, resource_group, name)
    r = s.put(f"{url}?{API}", json={"location": "Global", "tags": {"a": "1"}})
    assert r.status_code == 201, r.text
    body = r.json()
    assert body["type"] == "Microsoft.Network/dnszones"
    assert body["location"] == "global"
    assert body["id"].endswith(f"/providers/Microsoft.Network/dnszones/{name}")
    p = body["properties"]
    assert p["numberOfRecordSets"] == 2 and p["maxNumberOfRecordSets"] == 10000 and p["zoneType"] == "Public"
    assert len(p["nameServers"]) == 4 and p["nameServers"][0].startswith("ns1-") and p["nameServers"][0].endswith(".azure-dns.com.")
    r2 = s.put(f"{url}?{API}", json={"location": "global"})
    assert r2.status_code == 200
    assert r2.json()["properties"]["nameServers"] == p["nameServers"]  # stable per zone
    assert r2.json()["etag"] != body["etag"]
    assert r2.json()["tags"] == {}
    z = dns.zones.get(resource_group, name)
    assert z.name == name and z.number_of_record_sets == 2 and z.max_number_of_record_sets == 10000
    z = dns.zones.update(resource_group, name, {"tags": {"env": "x"}})
    assert z.tags == {"env": "x"}
    # 2016-04-01 answers the same shapes.
    assert s.get(f"{url}?api-version=2016-04-01").json()["name"] == name


def test_zone_validation(azsim, mode, dns, resource_group, unique):
    with pytest.raises(HttpResponseError) as e:
        dns.zones.create_or_update(resource_group, f"a{unique}.com", {"location": "westeurope"})
    assert e.value.status_code == 400 and e.value.error.code == "LocationNotAvailableForResourceType"
    with pytest.raises(HttpResponseError) as e:
        dns.zones.create_or_update(resource_group, f"single{unique}", {"location": "global"})
    assert e.value.status_code == 400 and "is invalid" in e.value.error.message
    with pytest.raises(HttpResponseError) as e:
        dns.zones.create_or_update(resource_group, f"bad_-.{unique}-.com", {"location": "global"})
    assert e.value.status_code == 400
    with pytest.raises(ResourceNotFoundError) as e:
        dns.zones.get(resource_group, f"missing{unique}.com")
    assert e.value.error.code == "ResourceNotFound"
    assert "Microsoft.Network/dnszones/missing" in e.value.error.message


def test_zone_preconditions(azsim, mode, dns, resource_group, zone):
    z = dns.zones.get(resource_group, zone)
    with pytest.raises(HttpResponseError) as e:
        dns.zones.create_or_update(resource_group, zone, {"location": "global"}, if_none_match="*")
    assert e.value.status_code == 412 and e.value.error.code == "PreconditionFailed"
    with pytest.raises(HttpResponseError) as e:
        dns.zones.update(resource_group, zone, {"tags": {"a": "b"}}, if_match="00000000-0000-0000-0000-000000000000")
    assert e.value.status_code == 412
    z2 = dns.zones.update(resource_group, zone, {"tags": {"a": "b"}}, if_match=z.etag)
    assert z2.etag != z.etag


def test_zone_list_paging_and_top(azsim, mode, dns, resource_client, unique):
    rg = f"rg-dnslist-{unique}"
    resource_client.resource_groups.create_or_update(rg, {"location": "westeurope"})
    for i in range(7):
        dns.zones.create_or_update(rg, f"z{i}-{unique}.net", {"location": "global"})
    names = [z.name for z in dns.zones.list_by_resource_group(rg)]
    assert names == [f"z{i}-{unique}.net" for i in range(7)]
    s = _session(azsim, mode)
    url = f"{azsim.arm(mode)}/subscriptions/{azsim.sub}/resourceGroups/{rg}/providers/Microsoft.Network/dnsZones?{API}"
    first = s.get(url).json()
    assert len(first["value"]) == 5 and first["nextLink"]
    assert len(s.get(url + "&$top=3").json()["value"]) == 3
    sub_names = {z.name for z in dns.zones.list()}
    assert set(names) <= sub_names


def test_zone_delete_lro(azsim, mode, dns, resource_group, unique, time_scale):
    name = f"del-{unique}.org"
    dns.zones.create_or_update(resource_group, name, {"location": "global"})
    dns.record_sets.create_or_update(resource_group, name, "www", "A", {"ttl": 60, "a_records": [{"ipv4_address": "10.0.0.1"}]})
    time_scale(0.05)
    s = _session(azsim, mode)
    r = s.delete(f"{_zone_url(azsim, mode, resource_group, name)}?{API}")
    assert r.status_code == 202
    assert "/providers/Microsoft.Network/dnsOperationStatuses/" in r.headers["Azure-AsyncOperation"]
    assert int(r.headers["Retry-After"]) >= 1
    st = s.get(r.headers["Azure-AsyncOperation"]).json()
    assert st["status"] in ("InProgress", "Succeeded")
    time_scale(0.0)
    dns.zones.begin_delete(resource_group, name, polling_interval=0).result()
    with pytest.raises(ResourceNotFoundError):
        dns.zones.get(resource_group, name)
    assert s.get(r.headers["Azure-AsyncOperation"]).json()["status"] == "Succeeded"
    # Record sets went with the zone; a second delete answers 204.
    assert s.delete(f"{_zone_url(azsim, mode, resource_group, name)}?{API}").status_code == 204
    assert azsim.admin("GET", f"dns?name=www.{name}&type=A")["values"] == []


def test_apex_records_created_and_protected(azsim, mode, dns, resource_group, zone):
    soa = dns.record_sets.get(resource_group, zone, "@", "SOA")
    assert soa.fqdn == f"{zone}." and soa.soa_record.email == "azuredns-hostmaster.microsoft.com"
    ns = dns.record_sets.get(resource_group, zone, "@", "NS")
    assert ns.ttl == 172800 and len(ns.ns_records) == 4
    assert soa.type == "Microsoft.Network/dnszones/SOA"
    for t in ("SOA", "NS"):
        with pytest.raises(HttpResponseError) as e:
            dns.record_sets.delete(resource_group, zone, "@", t)
        assert e.value.status_code == 400
    # SOA can be edited except its host.
    soa.soa_record.minimum_ttl = 600
    soa.soa_record.host = "evil.example.com"
    got = dns.record_sets.create_or_update(resource_group, zone, "@", "SOA", soa)
    assert got.soa_record.minimum_ttl == 600 and got.soa_record.host == ns.ns_records[0].nsdname.rstrip(".")


def test_record_types_round_trip(azsim, mode, dns, resource_group, zone):
    bodies = {
        "A": {"ttl": 300, "a_records": [{"ipv4_address": "1.2.3.4"}, {"ipv4_address": "1.2.3.5"}]},
        "AAAA": {"ttl": 300, "aaaa_records": [{"ipv6_address": "2001:db8::1"}]},
        "CAA": {"ttl": 300, "caa_records": [{"flags": 0, "tag": "issue", "value": "digicert.com"}]},
        "MX": {"ttl": 300, "mx_records": [{"preference": 10, "exchange": "mail.contoso.com"}]},
        "NS": {"ttl": 300, "ns_records": [{"nsdname": "ns1.other.net"}]},
        "PTR": {"ttl": 300, "ptr_records": [{"ptrdname": "host.contoso.com"}]},
        "SRV": {"ttl": 300, "srv_records": [{"priority": 1, "weight": 2, "port": 443, "target": "sip.contoso.com"}]},
        "TXT": {"ttl": 300, "txt_records": [{"value": ["v=spf1 -all"]}]},
    }
    for t, b in bodies.items():
        rs = dns.record_sets.create_or_update(resource_group, zone, f"r{t.lower()}", t, b)
        assert rs.type == f"Microsoft.Network/dnszones/{t}" and rs.fqdn == f"r{t.lower()}.{zone}." and rs.ttl == 300
        assert rs.provisioning_state == "Succeeded" and rs.etag
    cn = dns.record_sets.create_or_update(resource_group, zone, "alias", "CNAME", {"ttl": 60, "cname_record": {"cname": "app.azurewebsites.net"}})
    assert cn.cname_record.cname == "app.azurewebsites.net"
    assert dns.zones.get(resource_group, zone).number_of_record_sets == 2 + len(bodies) + 1
    assert azsim.admin("GET", f"dns?name=ra.{zone}&type=A")["values"] == ["1.2.3.4", "1.2.3.5"]
    assert azsim.admin("GET", f"dns?name=rcaa.{zone}.&type=CAA")["values"] == ['0 issue "digicert.com"']
    assert azsim.admin("GET", f"dns?name=alias.{zone}&type=CNAME") == {"name": f"alias.{zone}", "type": "CNAME", "values": ["app.azurewebsites.net"]}
    assert azsim.admin("GET", f"dns?name=rmx.{zone}&type=MX")["values"] == ["10 mail.contoso.com"]
    assert azsim.admin("GET", f"dns?name=nothing.{zone}&type=TXT")["values"] == []


def test_record_set_put_status_and_raw_shape(azsim, mode, dns, resource_group, zone):
    s = _session(azsim, mode)
    url = f"{_zone_url(azsim, mode, resource_group, zone)}/TXT/asuid.www?{API}"
    r = s.put(url, json={"properties": {"TTL": 3600, "TXTRecords": [{"value": ["abc"]}]}})
    assert r.status_code == 201, r.text
    b = r.json()
    assert b["name"] == "asuid.www" and b["properties"]["fqdn"] == f"asuid.www.{zone}." and b["properties"]["TTL"] == 3600
    assert b["id"].endswith(f"/dnszones/{zone}/TXT/asuid.www")
    r = s.put(url, json={"properties": {"TTL": 60, "TXTRecords": [{"value": ["def"]}]}})
    assert r.status_code == 200 and r.json()["properties"]["TXTRecords"] == [{"value": ["def"]}]
    assert azsim.admin("GET", f"dns?name=asuid.www.{zone}&type=TXT")["values"] == ["def"]
    # PUT is a full replace: metadata not sent is gone.
    s.put(url, json={"properties": {"TTL": 60, "metadata": {"k": "v"}, "TXTRecords": [{"value": ["def"]}]}})
    r = s.put(url, json={"properties": {"TTL": 60, "TXTRecords": [{"value": ["def"]}]}})
    assert r.json()["properties"]["metadata"] == {}
    # Type in the path vs. the record array in the body.
    r = s.put(f"{_zone_url(azsim, mode, resource_group, zone)}/A/x?{API}", json={"properties": {"TTL": 60, "TXTRecords": [{"value": ["a"]}]}})
    assert r.status_code == 400
    r = s.put(f"{_zone_url(azsim, mode, resource_group, zone)}/BOGUS/x?{API}", json={"properties": {"TTL": 60}})
    assert r.status_code == 400 and r.json()["error"]["code"] == "InvalidResourceType"


def test_record_set_validation(azsim, mode, dns, resource_group, zone):
    cases = [
        ("A", {"ttl": 60, "a_records": [{"ipv4_address": "999.1.1.1"}]}),
        ("TXT", {"ttl": 60, "txt_records": [{"value": ["x" * 256]}]}),
        ("A", {"ttl": 60, "a_records": [{"ipv4_address": f"10.0.0.{i}"} for i in range(21)]}),
        ("A", {"ttl": 60, "a_records": [{"ipv4_address": "10.0.0.1"}, {"ipv4_address": "10.0.0.1"}]}),
        ("CNAME", {"ttl": 60, "cname_record": {"cname": "bad..name"}}),
        ("A", {"ttl": -1, "a_records": [{"ipv4_address": "10.0.0.1"}]}),
    ]
    for t, b in cases:
        with pytest.raises(HttpResponseError) as e:
            dns.record_sets.create_or_update(resource_group, zone, "v", t, b)
        assert e.value.status_code == 400, (t, b)
    dns.record_sets.create_or_update(resource_group, zone, "v", "TXT", {"ttl": 60, "txt_records": [{"value": ["x" * 255, "y" * 255]}]})
    with pytest.raises(HttpResponseError) as e:
        dns.record_sets.create_or_update(resource_group, zone, "@", "CNAME", {"ttl": 60, "cname_record": {"cname": "x.net"}})
    assert e.value.status_code == 400


def test_cname_exclusivity(azsim, mode, dns, resource_group, zone):
    dns.record_sets.create_or_update(resource_group, zone, "www", "A", {"ttl": 60, "a_records": [{"ipv4_address": "10.0.0.1"}]})
    with pytest.raises(ResourceExistsError) as e:
        dns.record_sets.create_or_update(resource_group, zone, "www", "CNAME", {"ttl": 60, "cname_record": {"cname": "x.net"}})
    assert e.value.status_code == 409
    assert e.value.error.message == "The CNAME record could not be created because another record with the same name already exists in this zone."
    dns.record_sets.create_or_update(resource_group, zone, "api", "CNAME", {"ttl": 60, "cname_record": {"cname": "x.net"}})
    with pytest.raises(ResourceExistsError) as e:
        dns.record_sets.create_or_update(resource_group, zone, "API", "TXT", {"ttl": 60, "txt_records": [{"value": ["a"]}]})
    assert e.value.error.code == "Conflict"
    # Updating the CNAME itself is fine.
    dns.record_sets.create_or_update(resource_group, zone, "api", "CNAME", {"ttl": 60, "cname_record": {"cname": "y.net"}})


def test_record_set_preconditions_patch_delete(azsim, mode, dns, resource_group, zone):
    rs = dns.record_sets.create_or_update(resource_group, zone, "p", "A", {"ttl": 60, "a_records": [{"ipv4_address": "10.0.0.1"}]},
                                          if_none_match="*")
    with pytest.raises(HttpResponseError) as e:
        dns.record_sets.create_or_update(resource_group, zone, "p", "A", {"ttl": 60, "a_records": [{"ipv4_address": "10.0.0.2"}]},
                                         if_none_match="*")
    assert e.value.status_code == 412 and e.value.error.code == "PreconditionFailed"
    with pytest.raises(HttpResponseError) as e:
        dns.record_sets.create_or_update(resource_group, zone, "p", "A", {"ttl": 60, "a_records": []}, if_match="stale")
    assert e.value.status_code == 412
    up = dns.record_sets.update(resource_group, zone, "p", "A", {"ttl": 120}, if_match=rs.etag)
    assert up.ttl == 120 and up.a_records[0].ipv4_address == "10.0.0.1" and up.etag != rs.etag
    with pytest.raises(HttpResponseError) as e:
        dns.record_sets.delete(resource_group, zone, "p", "A", if_match=rs.etag)
    assert e.value.status_code == 412
    s = _session(azsim, mode)
    url = f"{_zone_url(azsim, mode, resource_group, zone)}/A/p?{API}"
    assert s.delete(url).status_code == 200
    assert s.delete(url).status_code == 204
    with pytest.raises(ResourceNotFoundError):
        dns.record_sets.get(resource_group, zone, "p", "A")
    with pytest.raises(ResourceNotFoundError) as e:
        dns.record_sets.get(resource_group, "nozone.example", "p", "A")
    with pytest.raises(ResourceNotFoundError):
        dns.record_sets.update(resource_group, zone, "p", "A", {"ttl": 1})


def test_record_set_lists(azsim, mode, dns, resource_group, zone):
    for n in ("a1", "a2.sub", "a3.sub", "a4", "a5", "a6"):
        dns.record_sets.create_or_update(resource_group, zone, n, "A", {"ttl": 60, "a_records": [{"ipv4_address": "10.1.1.1"}]})
    dns.record_sets.create_or_update(resource_group, zone, "t", "TXT", {"ttl": 60, "txt_records": [{"value": ["t"]}]})
    a_names = [r.name for r in dns.record_sets.list_by_type(resource_group, zone, "A")]
    assert sorted(a_names) == ["a1", "a2.sub", "a3.sub", "a4", "a5", "a6"]
    assert sorted(r.name for r in dns.record_sets.list_by_type(resource_group, zone, "A", recordsetnamesuffix="sub")) == ["a2.sub", "a3.sub"]
    every = list(dns.record_sets.list_by_dns_zone(resource_group, zone))
    assert len(every) == 9 and every[0].name == "@"
    assert len(list(dns.record_sets.list_all_by_dns_zone(resource_group, zone))) == 9
    s = _session(azsim, mode)
    page = s.get(f"{_zone_url(azsim, mode, resource_group, zone)}/recordsets?{API}").json()
    assert len(page["value"]) == 5 and "nextLink" in page
    assert len(s.get(f"{_zone_url(azsim, mode, resource_group, zone)}/all?{API}&$top=2").json()["value"]) == 2


def test_admin_dns_prefers_delegated_and_first_zone(azsim, mode, dns, resource_client, unique):
    name = f"shared-{unique}.com"
    groups = []
    for i in range(2):
        rg = f"rg-dnsdup{i}-{unique}"
        resource_client.resource_groups.create_or_update(rg, {"location": "westeurope"})
        dns.zones.create_or_update(rg, name, {"location": "global"})
        dns.record_sets.create_or_update(rg, name, "www", "A", {"ttl": 60, "a_records": [{"ipv4_address": f"10.9.9.{i}"}]})
        groups.append(rg)
    assert azsim.admin("GET", f"dns?name=www.{name}&type=a")["values"] == ["10.9.9.0"]
    # A longer zone (delegated sub-zone) wins over its parent.
    dns.zones.create_or_update(groups[1], f"sub.{name}", {"location": "global"})
    dns.record_sets.create_or_update(groups[1], f"sub.{name}", "@", "TXT", {"ttl": 60, "txt_records": [{"value": ["child"]}]})
    assert azsim.admin("GET", f"dns?name=sub.{name}&type=TXT")["values"] == ["child"]
    assert azsim.admin("GET", f"dns?name={name}&type=NS")["values"] == [n.rstrip(".") for n in dns.zones.get(groups[0], name).name_servers]
