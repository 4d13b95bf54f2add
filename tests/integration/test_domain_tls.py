"""Integration targets of the custom-domain and TLS modules (DNS, hostnames, certificates) against azsim."""

import pytest


@pytest.mark.parametrize("name", ["dns_zone", "dns_record_set", "web_app_hostname", "web_app_slot_swap"])
def test_domain_tls_target(run_target, name):
    run_target(name)


def test_web_app_certificate(run_target, deployer_secrets_officer):
    run_target("web_app_certificate")
