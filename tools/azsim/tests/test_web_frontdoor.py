"""The App Service front end through azsim's HTTPS front door (the proxy), as a browser or curl sees it."""

import ssl
import warnings

import pytest
import requests
from azure.mgmt.web.models import SiteConfigResource

from ._web_helpers import Dns, bind, dns_client, make_plan, make_site, negotiated, poll_location, presented_thumbprint, web_client


@pytest.fixture
def web(azsim, mode):
    return web_client(azsim, mode)


@pytest.fixture
def site(web, resource_group, unique):
    plan = make_plan(web, resource_group, f"plan-{unique}", "S1")
    return make_site(web, resource_group, f"app-{unique}", plan.id)


def browser(azsim):
    s = requests.Session()
    s.trust_env = False
    s.proxies = {"https": azsim.info["proxy"], "http": azsim.info["proxy"]}
    s.verify = azsim.ca
    return s


def test_default_page_for_site_and_slot(azsim, web, resource_group, site):
    r = browser(azsim).get(f"https://{site.name}.azurewebsites.net/", timeout=10)
    assert r.status_code == 200 and r.headers["Content-Type"].startswith("text/html")
    assert "Your web app is running and waiting for your content" in r.text
    web.web_apps.begin_create_or_update_slot(resource_group, site.name, "staging",
                                             {"location": "westeurope", "properties": {"serverFarmId": site.properties.server_farm_id}}).result()
    r = browser(azsim).get(f"https://{site.name}-staging.azurewebsites.net/", timeout=10)
    assert r.status_code == 200 and "waiting for your content" in r.text


def test_unknown_host_is_refused(azsim, unique):
    with pytest.raises(requests.exceptions.ProxyError) as err:
        browser(azsim).get(f"https://nosuchapp-{unique}.azurewebsites.net/", timeout=10)
    assert "403" in str(err.value)


def test_stopped_site_and_https_only(azsim, web, resource_group, site):
    web.web_apps.stop(resource_group, site.name)
    r = browser(azsim).get(f"https://{site.name}.azurewebsites.net/", timeout=10)
    assert r.status_code == 403 and "Error 403 - This web app is stopped." in r.text
    web.web_apps.start(resource_group, site.name)
    r = browser(azsim).get(f"http://{site.name}.azurewebsites.net/x?y=1", timeout=10, allow_redirects=False)
    assert r.status_code == 200  # plain HTTP is served while httpsOnly is off
    web.web_apps.update(resource_group, site.name, {"properties": {"httpsOnly": True}})
    r = browser(azsim).get(f"http://{site.name}.azurewebsites.net/x?y=1", timeout=10, allow_redirects=False)
    assert r.status_code == 301 and r.headers["Location"] == f"https://{site.name}.azurewebsites.net/x?y=1"


def test_scm_host_asks_for_credentials(azsim, site):
    r = browser(azsim).get(f"https://{site.name}.scm.azurewebsites.net/api/deployments", timeout=10)
    assert r.status_code == 401 and r.headers["WWW-Authenticate"] == 'Basic realm="site"'


def test_custom_domain_is_served(azsim, mode, web, resource_group, unique, site):
    zone = Dns(dns_client(azsim, mode), resource_group, f"fd-{unique}.com")
    host = f"www.{zone.zone}"
    # Not bound yet: the front door does not know the name and refuses to proxy it.
    assert browser(azsim).get(f"http://{host}/", timeout=10).status_code == 403
    zone.verify(site, host)
    bind(web, resource_group, site.name, host)
    r = browser(azsim).get(f"http://{host}/", timeout=10)
    assert r.status_code == 200 and "waiting for your content" in r.text


def test_custom_domain_presents_bound_certificate(azsim, mode, web, resource_group, unique, site, time_scale):
    zone = Dns(dns_client(azsim, mode), resource_group, f"tls-{unique}.com")
    host = f"www.{zone.zone}"
    zone.verify(site, host)
    bind(web, resource_group, site.name, host)
    # Before an SSL binding App Service presents its *.azurewebsites.net certificate: a name mismatch.
    with pytest.raises(requests.exceptions.SSLError):
        browser(azsim).get(f"https://{host}/", timeout=10)
    s = azsim.session(mode)
    r = s.put(f"{azsim.arm(mode)}/subscriptions/{azsim.sub}/resourceGroups/{resource_group}/providers/Microsoft.Web/certificates/{host}"
              "?api-version=2024-11-01", json={"location": "westeurope", "properties": {"canonicalName": host, "password": "",
                                                                                        "serverFarmId": site.properties.server_farm_id}})
    thumb = poll_location(s, r.headers["Location"]).json()["properties"]["thumbprint"]
    bind(web, resource_group, site.name, host, sslState="SniEnabled", thumbprint=thumb)
    assert presented_thumbprint(azsim, host) == thumb
    assert browser(azsim).get(f"https://{host}/", timeout=10).status_code == 200


def test_front_end_honours_the_minimum_tls_version_per_site(azsim, mode, web, resource_group, unique, site):
    """App Service enforces each app's minTlsVersion on its host names (Learn "Configure TLS/SSL settings", Minimum Inbound
    TLS Version); before this azsim refused TLS 1.0/1.1 everywhere, whatever the site asked."""
    zone = Dns(dns_client(azsim, mode), resource_group, f"min-{unique}.com")
    host = f"www.{zone.zone}"
    zone.verify(site, host)
    bind(web, resource_group, site.name, host)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", DeprecationWarning)
        tls10, tls11, tls12 = ssl.TLSVersion.TLSv1, ssl.TLSVersion.TLSv1_1, ssl.TLSVersion.TLSv1_2
    assert [negotiated(azsim, host, v) for v in (tls10, tls11, tls12)] == [None, None, "TLSv1.2"]
    web.web_apps.update_configuration(resource_group, site.name, SiteConfigResource(min_tls_version="1.0"))
    assert [negotiated(azsim, host, v) for v in (tls10, tls11, tls12)] == ["TLSv1", "TLSv1.1", "TLSv1.2"]
    assert negotiated(azsim, f"{site.name}.azurewebsites.net", tls10) == "TLSv1"
    assert negotiated(azsim, f"{site.name}.scm.azurewebsites.net", tls10) is None  # scmMinTlsVersion stays 1.2
    web.web_apps.update_configuration(resource_group, site.name, SiteConfigResource(min_tls_version="1.3"))
    assert negotiated(azsim, host, tls12) is None and negotiated(azsim, host, ssl.TLSVersion.TLSv1_3) == "TLSv1.3"


def test_long_site_name_gets_a_valid_certificate(azsim, web, resource_group, unique):
    # A 60-character site makes a 78-character host name: longer than X.509's 64-character CN limit, so the
    # front door's certificate must carry the name in its SAN only (as public CAs do) and still be served.
    plan = make_plan(web, resource_group, f"plan-long-{unique}", "S1")
    name = f"long-{unique}-" + "x" * (60 - len(f"long-{unique}-"))
    make_site(web, resource_group, name, plan.id)
    r = browser(azsim).get(f"https://{name}.azurewebsites.net/", timeout=10)
    assert len(name) == 60 and r.status_code == 200 and "waiting for your content" in r.text
