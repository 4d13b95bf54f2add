"""Custom domains (hostNameBindings) through the official SDK, verified against azsim's own DNS."""

import pytest
from azure.core.exceptions import HttpResponseError

from ._web_helpers import Dns, bind, dns_client, expect_web_error, make_plan, make_site, web_client


@pytest.fixture
def web(azsim, mode):
    return web_client(azsim, mode)


@pytest.fixture
def dns(azsim, mode):
    return dns_client(azsim, mode)


@pytest.fixture
def std_site(web, resource_group, unique):
    plan = make_plan(web, resource_group, f"plan-{unique}", "S1")
    return make_site(web, resource_group, f"app-{unique}", plan.id)


def test_binding_needs_txt_then_cname_then_binds(web, dns, resource_group, unique, std_site):
    zone = Dns(dns, resource_group, f"contoso-{unique}.com")
    host = f"www.{zone.zone}"
    vid = std_site.properties.custom_domain_verification_id
    # Without DNS: the real service's exact text and ExtendedCode.
    expect_web_error(lambda: bind(web, resource_group, std_site.name, host), 400, "BadRequest",
                     f"A TXT record pointing from asuid.{host} to {vid} was not found.", "04006")
    zone.txt(f"asuid.{host}", vid)
    expect_web_error(lambda: bind(web, resource_group, std_site.name, host), 400, "BadRequest",
                     f"A CNAME record pointing from {host} to {std_site.name}.azurewebsites.net was not found. Alternative record "
                     f"awverify.{host} to awverify.{std_site.name}.azurewebsites.net was not found either.")
    zone.cname(host, f"{std_site.name}.azurewebsites.net")
    b = bind(web, resource_group, std_site.name, host)
    assert b.name == f"{std_site.name}/{host}"
    assert b.type == "Microsoft.Web/sites/hostNameBindings"
    assert b.properties.custom_host_name_dns_record_type == "CName" and b.properties.ssl_state == "Disabled"

    site = web.web_apps.get(resource_group, std_site.name)
    assert host in site.properties.host_names and host in site.properties.enabled_host_names
    state = next(s for s in site.properties.host_name_ssl_states if s.name == host)
    assert state.ssl_state == "Disabled" and state.host_type == "Standard"

    names = [x.name for x in web.web_apps.list_host_name_bindings(resource_group, std_site.name)]
    assert names == [f"{std_site.name}/{std_site.name}.azurewebsites.net", f"{std_site.name}/{host}"]
    assert web.web_apps.get_host_name_binding(resource_group, std_site.name, host).properties.host_name_type == "Verified"

    analysis = web.web_apps.analyze_custom_hostname(resource_group, std_site.name, host_name=host)
    assert analysis.properties.custom_domain_verification_test == "Passed"
    assert analysis.properties.is_hostname_already_verified is True
    assert analysis.properties.c_name_records == [f"{std_site.name}.azurewebsites.net"]

    web.web_apps.delete_host_name_binding(resource_group, std_site.name, host)
    site = web.web_apps.get(resource_group, std_site.name)
    assert host not in site.properties.host_names
    assert host not in [s.name for s in site.properties.host_name_ssl_states]
    assert [x.name for x in web.web_apps.list_host_name_bindings(resource_group, std_site.name)] == [f"{std_site.name}/{std_site.name}.azurewebsites.net"]
    with pytest.raises(HttpResponseError) as err:
        web.web_apps.get_host_name_binding(resource_group, std_site.name, host)
    assert err.value.status_code == 404


def test_analyze_reports_missing_txt(web, resource_group, unique, std_site):
    host = f"shop.unmapped-{unique}.com"
    a = web.web_apps.analyze_custom_hostname(resource_group, std_site.name, host_name=host)
    assert a.properties.custom_domain_verification_test == "Failed"
    assert a.properties.is_hostname_already_verified is False
    assert a.properties.c_name_records == [] and a.properties.txt_records == []


def test_apex_needs_a_record_to_inbound_ip(web, dns, resource_group, unique, std_site, azsim, mode):
    raw = azsim.session(mode).get(f"{azsim.arm(mode)}{std_site.id}?api-version=2024-11-01").json()
    ip = raw["properties"]["inboundIpAddress"]
    zone = Dns(dns, resource_group, f"apex-{unique}.com")
    zone.txt(f"asuid.{zone.zone}", std_site.properties.custom_domain_verification_id)
    zone.a(zone.zone, ip)
    b = bind(web, resource_group, std_site.name, zone.zone, customHostNameDnsRecordType="A")
    assert b.properties.custom_host_name_dns_record_type == "A"


def test_free_tier_refuses_custom_domains(web, dns, resource_group, unique):
    plan = make_plan(web, resource_group, f"free-{unique}", "F1")
    site = make_site(web, resource_group, f"free-{unique}", plan.id)
    zone = Dns(dns, resource_group, f"free-{unique}.com")
    zone.verify(site, f"www.{zone.zone}")
    expect_web_error(lambda: bind(web, resource_group, site.name, f"www.{zone.zone}"), 400, "BadRequest",
                     "Custom domains are not supported for sites in the Free tier. Scale up the App Service plan to Shared or higher.")


def test_host_bound_elsewhere_conflicts_and_default_zone_limit(web, dns, resource_group, unique, std_site):
    other = make_site(web, resource_group, f"other-{unique}", std_site.properties.server_farm_id)
    zone = Dns(dns, resource_group, f"dup-{unique}.com")
    host = f"www.{zone.zone}"
    zone.verify(std_site, host)
    bind(web, resource_group, std_site.name, host)
    with pytest.raises(HttpResponseError) as err:
        bind(web, resource_group, other.name, host)
    assert err.value.status_code == 409
    # Observed: one name per app in the default azurewebsites.net zone.
    expect_web_error(lambda: bind(web, resource_group, other.name, f"extra-{unique}.azurewebsites.net"), 400, "BadRequest",
                     "Too many (2) hostnames in the default DNS zone. Limit is 1.", "04017")


def test_slot_binding_points_at_slot_host(web, dns, resource_group, unique, std_site):
    web.web_apps.begin_create_or_update_slot(resource_group, std_site.name, "staging",
                                             {"location": "westeurope", "properties": {"serverFarmId": std_site.properties.server_farm_id}}).result()
    zone = Dns(dns, resource_group, f"slot-{unique}.com")
    host = f"staging.{zone.zone}"
    zone.txt(f"asuid.{host}", std_site.properties.custom_domain_verification_id)
    zone.cname(host, f"{std_site.name}.azurewebsites.net")
    with pytest.raises(HttpResponseError) as err:  # the CNAME must name the slot's own host
        web.web_apps.create_or_update_host_name_binding_slot(resource_group, std_site.name, host, "staging", {"properties": {}})
    assert err.value.status_code == 400
    zone.cname(host, f"{std_site.name}-staging.azurewebsites.net")
    b = web.web_apps.create_or_update_host_name_binding_slot(resource_group, std_site.name, host, "staging", {"properties": {}})
    assert b.name == f"{std_site.name}/staging/{host}"
    slot = web.web_apps.get_slot(resource_group, std_site.name, "staging")
    assert host in slot.properties.host_names
    assert host not in web.web_apps.get(resource_group, std_site.name).properties.host_names
