"""App Service Domains (Microsoft.DomainRegistration) through azure-mgmt-domainregistration's client, with raw REST for
the status codes, headers and PascalCase error bodies the SDK hides."""

import time

import pytest
from azure.core.exceptions import HttpResponseError, ResourceExistsError, ResourceNotFoundError
from azure.mgmt.dns import DnsManagementClient
from azure.mgmt.domainregistration import DomainRegistrationMgmtClient
from requests.adapters import HTTPAdapter
from urllib3.util.retry import Retry

API = "api-version=2024-11-01"


def contact(role):
    return {"email": f"{role}@contoso.example", "nameFirst": "Ada", "nameLast": "Lovelace", "phone": "+33.612345678",
            "addressMailing": {"address1": "1 rue de Rivoli", "city": "Paris", "state": "IDF", "country": "FR", "postalCode": "75001"}}


def purchase_body(keys=("DNRA",), privacy=False, **props):
    p = {"contactAdmin": contact("admin"), "contactBilling": contact("billing"), "contactRegistrant": contact("registrant"),
         "contactTech": contact("tech"), "privacy": privacy, "autoRenew": True,
         "consent": {"agreementKeys": list(keys), "agreedBy": "192.0.2.10", "agreedAt": "2025-01-01T00:00:00Z"}}
    p.update(props)
    return {"location": "global", "properties": p}


def _session(azsim, mode):
    """A raw REST session that, like azure-core's retry policy, waits out a 429 (the whole suite shares one principal's
    write budget)."""
    s = azsim.session(mode)
    adapter = HTTPAdapter(max_retries=Retry(total=6, status_forcelist=[429], allowed_methods=None, respect_retry_after_header=True,
                                            raise_on_status=False))
    s.mount("https://", adapter)
    return s


@pytest.fixture
def domains(azsim, mode):
    return azsim.client(DomainRegistrationMgmtClient, mode)


@pytest.fixture
def dns(azsim, mode):
    return azsim.client(DnsManagementClient, mode)


def _domain_url(azsim, mode, rg, name):
    return f"{azsim.arm(mode)}/subscriptions/{azsim.sub}/resourceGroups/{rg}/providers/Microsoft.DomainRegistration/domains/{name}"


def test_tlds_and_agreements(domains):
    names = [t.name for t in domains.top_level_domains.list()]
    assert {"com", "net", "org", "fr"} <= set(names)
    com = domains.top_level_domains.get("com")
    assert com.type == "Microsoft.DomainRegistration/topLevelDomains" and com.properties.privacy is True
    keys = [a.agreement_key for a in domains.top_level_domains.list_agreements("com", {"includePrivacy": True, "forTransfer": False})]
    assert keys == ["DNRA", "DNPA"]
    assert [a.agreement_key for a in domains.top_level_domains.list_agreements("com", {"includePrivacy": False})] == ["DNRA"]
    assert [a.agreement_key for a in domains.top_level_domains.list_agreements("fr", {"includePrivacy": True})] == ["DNRA"]
    with pytest.raises(ResourceNotFoundError):
        domains.top_level_domains.get("notatld")


def test_check_availability_and_recommendations(domains, unique):
    r = domains.domains.check_availability({"name": "contoso.com"})
    assert r.available is False and r.domain_type == "Regular"
    r = domains.domains.check_availability({"name": f"azsim-{unique}.com"})
    assert r.available is True and r.name == f"azsim-{unique}.com"
    assert domains.domains.check_availability({"name": "no_tld"}).available is False
    assert domains.domains.check_availability({"name": f"x{unique}.unsupportedtld"}).available is False
    recs = [n.name for n in domains.domains.list_recommendations({"keywords": f"coffee {unique}", "maxDomainRecommendations": 7})]
    assert len(recs) == 7 and all(unique in n for n in recs) and "contoso.com" not in recs


def test_purchase_lro_creates_zone(azsim, mode, domains, dns, resource_group, unique, time_scale):
    name = f"azsim-{unique}.com"
    time_scale(0.01)  # the purchase takes 60 Azure seconds -> 0.6 s
    s = _session(azsim, mode)
    r = s.put(f"{_domain_url(azsim, mode, resource_group, name)}?{API}", json=purchase_body())
    assert r.status_code == 202, r.text
    loc = r.headers["Location"]
    assert f"/domains/{name}/operationresults/" in loc and "Azure-AsyncOperation" not in r.headers
    assert int(r.headers["Retry-After"]) >= 1
    body = r.json()
    assert body["type"] == "Microsoft.DomainRegistration/domains" and body["location"] == "global"
    assert "contactAdmin" not in body["properties"] and "consent" not in body["properties"]
    assert s.get(loc).status_code == 202
    # Taken as soon as it is being bought.
    assert domains.domains.check_availability({"name": name}).available is False
    deadline = time.time() + 10
    while s.get(loc).status_code == 202 and time.time() < deadline:
        time.sleep(0.1)
    final = s.get(loc)
    assert final.status_code == 200 and final.json()["properties"]["registrationStatus"] == "Active"
    d = domains.domains.get(resource_group, name)
    p = d.properties
    assert p.registration_status == "Active" and p.provisioning_state == "Succeeded" and p.ready_for_dns_record_management is True
    assert p.dns_type == "AzureDns" and p.auto_renew is True and p.managed_host_names == []
    assert (p.expiration_time - p.created_time).days in (365, 366)
    assert p.domain_not_renewable_reasons == ["ExpirationNotInRenewalTimeRange"]
    zone = dns.zones.get(resource_group, name)
    assert p.dns_zone_id.lower() == zone.id.lower()
    assert p.name_servers == [n.rstrip(".") for n in zone.name_servers]
    # The registered domain is public DNS: records of its zone resolve.
    dns.record_sets.create_or_update(resource_group, name, "asuid", "TXT", {"ttl": 3600, "txt_records": [{"value": ["verif"]}]})
    assert azsim.admin("GET", f"dns?name=asuid.{name}&type=TXT")["values"] == ["verif"]
    assert [x.name for x in domains.domains.list_by_resource_group(resource_group)] == [name]
    assert name in [x.name for x in domains.domains.list()]


def test_purchase_with_sdk_poller_and_existing_zone(azsim, mode, domains, dns, resource_group, resource_client, unique):
    name = f"linked-{unique}.net"
    other = f"rg-other-{unique}"
    resource_client.resource_groups.create_or_update(other, {"location": "westeurope"})
    # Two zones of the same name: the one the domain delegates to answers public DNS.
    dns.zones.create_or_update(other, name, {"location": "global"})
    dns.record_sets.create_or_update(other, name, "www", "A", {"ttl": 60, "a_records": [{"ipv4_address": "10.0.0.1"}]})
    zone = dns.zones.create_or_update(resource_group, name, {"location": "global"})
    dns.record_sets.create_or_update(resource_group, name, "www", "A", {"ttl": 60, "a_records": [{"ipv4_address": "10.0.0.2"}]})
    assert azsim.admin("GET", f"dns?name=www.{name}&type=A")["values"] == ["10.0.0.1"]
    d = domains.domains.begin_create_or_update(resource_group, name, purchase_body(keys=["DNRA", "DNPA"], privacy=True, dnsType="AzureDns",
                                                                                   dnsZoneId=zone.id), polling_interval=0).result()
    assert d.properties.registration_status == "Active" and d.properties.privacy is True
    assert d.properties.dns_zone_id == zone.id
    assert azsim.admin("GET", f"dns?name=www.{name}&type=A")["values"] == ["10.0.0.2"]
    # A second PUT on an owned domain is an update (200), not a purchase.
    s = _session(azsim, mode)
    r = s.put(f"{_domain_url(azsim, mode, resource_group, name)}?{API}", json=purchase_body(keys=["DNRA", "DNPA"], privacy=True, autoRenew=False))
    assert r.status_code == 200 and r.json()["properties"]["autoRenew"] is False


def test_purchase_validation(azsim, mode, domains, resource_group, unique):
    s = _session(azsim, mode)
    url = _domain_url(azsim, mode, resource_group, f"val-{unique}.com") + "?" + API

    def put(body, url=url):
        return s.put(url, json=body)

    r = put({**purchase_body(), "location": "westeurope"})
    assert r.status_code == 400 and r.json()["error"]["code"] == "LocationNotAvailableForResourceType"
    b = purchase_body()
    del b["properties"]["contactTech"]
    r = put(b)
    assert r.status_code == 400 and "contactTech" in r.json()["Message"]
    b = purchase_body()
    b["properties"]["contactAdmin"]["phone"] = "425-555-0100"
    assert put(b).status_code == 400
    b = purchase_body()
    del b["properties"]["contactBilling"]["addressMailing"]["postalCode"]
    assert "postalCode" in put(b).json()["Message"]
    b = purchase_body()
    del b["properties"]["consent"]
    r = put(b)
    assert r.status_code == 400 and r.json()["Message"] == "The user has not accepted the legal agreements."
    assert put(purchase_body(keys=["DNRA"], privacy=True)).status_code == 400  # privacy needs DNPA
    assert put(purchase_body(keys=["BOGUS"])).status_code == 400
    b = purchase_body()
    del b["properties"]["consent"]["agreedAt"]
    assert put(b).status_code == 400
    r = put(purchase_body(), url=_domain_url(azsim, mode, resource_group, "contoso.com") + "?" + API)
    assert r.status_code == 409 and r.json()["Code"] == "DomainNotAvailable"
    assert put(purchase_body(), url=_domain_url(azsim, mode, resource_group, f"bad_{unique}.com") + "?" + API).status_code == 400
    with pytest.raises(ResourceExistsError):
        domains.domains.begin_create_or_update(resource_group, "microsoft.com", purchase_body()).result()
    with pytest.raises(ResourceNotFoundError):
        domains.domains.get(resource_group, f"val-{unique}.com")


def test_patch_renew_ownership_delete(azsim, mode, domains, resource_group, unique):
    name = f"life-{unique}.org"
    domains.domains.begin_create_or_update(resource_group, name, purchase_body(dnsType="DefaultDomainRegistrarDns"), polling_interval=0).result()
    d = domains.domains.get(resource_group, name)
    assert d.properties.name_servers and d.properties.dns_type == "DefaultDomainRegistrarDns"
    d = domains.domains.update(resource_group, name, {"properties": {"autoRenew": False}})
    assert d.properties.auto_renew is False
    with pytest.raises(HttpResponseError) as e:
        domains.domains.renew(resource_group, name)
    assert e.value.status_code == 400
    before = domains.domains.get(resource_group, name).properties.expiration_time
    # Into the renewal window (90 days before expiry); a fresh client gets a token valid on azsim's moved clock.
    azsim.admin("POST", "clock", {"advance_seconds": 300 * 86400})
    try:
        later = azsim.client(DomainRegistrationMgmtClient, mode)
        assert later.domains.get(resource_group, name).properties.domain_not_renewable_reasons == []
        later.domains.renew(resource_group, name)
        after = later.domains.get(resource_group, name).properties
    finally:
        azsim.admin("POST", "clock", {"advance_seconds": -300 * 86400})
    assert (after.expiration_time - before).days == 365 and after.last_renewed_time is not None
    # Ownership identifiers.
    oi = domains.domains.create_or_update_ownership_identifier(resource_group, name, "verify", {"properties": {"ownershipId": "abc"}})
    assert oi.properties.ownership_id == "abc" and oi.type == "Microsoft.DomainRegistration/domains/domainOwnershipIdentifiers"
    oi = domains.domains.update_ownership_identifier(resource_group, name, "verify", {"properties": {"ownershipId": "def"}})
    assert domains.domains.get_ownership_identifier(resource_group, name, "verify").properties.ownership_id == "def"
    assert [o.name for o in domains.domains.list_ownership_identifiers(resource_group, name)] == ["verify"]
    s = _session(azsim, mode)
    oi_url = f"{_domain_url(azsim, mode, resource_group, name)}/domainOwnershipIdentifiers/verify?{API}"
    assert s.delete(oi_url).status_code == 200 and s.delete(oi_url).status_code == 204
    with pytest.raises(ResourceNotFoundError):
        domains.domains.get_ownership_identifier(resource_group, name, "verify")
    # Soft delete, then availability says SoftDeleted; a hard delete frees it for everyone.
    assert s.delete(f"{_domain_url(azsim, mode, resource_group, name)}?{API}").status_code == 200
    r = domains.domains.check_availability({"name": name})
    assert r.available is True and r.domain_type == "SoftDeleted"
    domains.domains.begin_create_or_update(resource_group, name, purchase_body(), polling_interval=0).result()
    domains.domains.delete(resource_group, name, force_hard_delete_domain=True)
    assert domains.domains.check_availability({"name": name}).domain_type == "Regular"
    assert s.delete(f"{_domain_url(azsim, mode, resource_group, name)}?{API}").status_code == 204
