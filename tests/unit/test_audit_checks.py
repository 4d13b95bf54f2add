"""Named checks of the audit (module_utils audit_checks), on small hand-made targets."""

import pytest
from ansible_collections.erpops.azure.plugins.module_utils import audit_checks as checks
from ansible_collections.erpops.azure.plugins.module_utils.audit_rules import Context, NotApplicable, NotEvaluated

SUB = "/subscriptions/s1"
RG = SUB + "/resourceGroups/rg"
PLAN = RG + "/providers/Microsoft.Web/serverfarms/plan"


def _ctx(resources=(), parts=None, **inv):
    inventory = {"collected": "2026-12-06T23:40:00Z", "scope": [RG], "resources": list(resources),
                 "subscriptions": [{"id": SUB, "subscription_id": "s1", "parts": parts or {}}], "errors": {}}
    inventory.update(inv)
    return Context(inventory, {})


def _autoscale(out=70, inn=30, cooldown="PT5M", minimum="2", maximum="4", notify=True):
    rule = {"metricTrigger": {"metricName": "CpuPercentage", "threshold": out}, "scaleAction": {"direction": "Increase", "cooldown": cooldown}}
    back = {"metricTrigger": {"metricName": "CpuPercentage", "threshold": inn}, "scaleAction": {"direction": "Decrease", "cooldown": "PT10M"}}
    return {"id": RG + "/providers/Microsoft.Insights/autoscalesettings/a", "type": "Microsoft.Insights/autoscalesettings",
            "properties": {"enabled": True, "targetResourceUri": PLAN, "profiles": [
                {"name": "default", "capacity": {"minimum": minimum, "maximum": maximum, "default": minimum}, "rules": [rule, back]}],
                "notifications": [{"email": {"customEmails": ["ops@example.com"]}}] if notify else []}}


PLAN_RES = {"id": PLAN, "type": "Microsoft.Web/serverfarms", "sku": {"tier": "Standard", "capacity": 1}}
ARGS = {"min_instances": 2, "min_threshold_gap": 20, "min_cooldown_minutes": 5, "tier_limits": {"Standard": 10}}


@pytest.mark.parametrize("kw,problem", [
    ({}, None),
    ({"out": 60, "inn": 50}, "closer than 20"),
    ({"cooldown": "PT2M"}, "cooldown PT2M"),
    ({"minimum": "1"}, "minimum 1 < 2"),
    ({"maximum": "2"}, "not above minimum"),
    ({"maximum": "11"}, "above the Standard limit 10"),
    ({"notify": False}, "no notification"),
])
def test_autoscale_sanity(kw, problem):
    scale = _autoscale(**kw)
    r = checks.asp_autoscale_sanity(_ctx([PLAN_RES, scale]), scale, ARGS)
    assert r.ok is (problem is None)
    if problem:
        assert problem in r.message


def test_autoscale_minimum_counts_when_autoscale_owns_the_plan():
    ctx = _ctx([PLAN_RES, _autoscale()])
    assert checks.asp_min_instances(ctx, PLAN_RES, {"minimum": 2}).ok  # sku.capacity 1, autoscale minimum 2
    assert not checks.asp_min_instances(_ctx([PLAN_RES]), PLAN_RES, {"minimum": 2}).ok
    assert not checks.asp_autoscale_exists(_ctx([PLAN_RES]), PLAN_RES, {}).ok


def test_a_lock_on_the_subscription_or_group_protects_the_resource():
    pg = {"id": RG + "/providers/Microsoft.DBforPostgreSQL/flexibleServers/pg", "subscription_id": "s1"}
    for scope, level, ok in ((SUB, "CanNotDelete", True), (RG, "ReadOnly", True), (SUB + "/resourceGroups/other", "CanNotDelete", False),
                             (RG, "None", False)):
        lock = {"id": scope + "/providers/Microsoft.Authorization/locks/l", "name": "l", "properties": {"level": level}}
        assert checks.gov_delete_lock(_ctx(parts={"locks": [lock]}), pg, {}).ok is ok, (scope, level)


def test_a_missing_subscription_part_names_the_permission():
    ctx = _ctx(parts={}, errors={SUB + "|locks": {"status": 403, "code": "AuthorizationFailed", "action": "Microsoft.Authorization/locks/read"}})
    with pytest.raises(NotEvaluated, match="Microsoft.Authorization/locks/read"):
        checks.gov_delete_lock(ctx, {"id": RG + "/providers/x/y/z", "subscription_id": "s1"}, {})


def test_security_contact_reads_both_api_shapes():
    new = {"properties": {"emails": "sec@example.com", "notificationsByRole": {"state": "On", "roles": ["Owner"]},
                          "notificationsSources": [{"sourceType": "Alert", "minimalSeverity": "Medium"}]}}
    old = {"properties": {"email": "sec@example.com", "alertNotifications": {"state": "On", "minimalSeverity": "High"},
                          "notificationsByRole": {"state": "On", "roles": ["Owner", "ServiceAdmin"]}}}
    off = {"properties": {"emails": "sec@example.com", "notificationsByRole": {"state": "Off", "roles": []},
                          "alertNotifications": {"state": "Off"}}}
    for contact, ok in ((new, True), (old, True), (off, False)):
        ctx = _ctx(parts={"security_contacts": [contact]})
        assert checks.def_security_contact(ctx, ctx.subscriptions[0], {}).ok is ok


def test_defender_plan_for_an_absent_resource_type_does_not_apply():
    ctx = _ctx(parts={"pricings": [{"name": "KeyVaults", "properties": {"pricingTier": "Free"}}]})
    with pytest.raises(NotApplicable):
        checks.def_pricing(ctx, ctx.subscriptions[0], {"plan": "KeyVaults", "if_type": "Microsoft.KeyVault/vaults"})


def test_diagnostic_categories_accept_category_groups():
    vault = {"parts": {"diagnostic_settings": [{"name": "d", "properties": {"workspaceId": "w", "logs": [
        {"categoryGroup": "audit", "enabled": True}]}}]}}
    assert checks.diagnostic_categories(_ctx(), vault, {"categories": ["AuditEvent"]}).ok
    assert not checks.diagnostic_categories(_ctx(), vault, {"categories": ["AzurePolicyEvaluationDetails"]}).ok
    nowhere = {"parts": {"diagnostic_settings": [{"name": "d", "properties": {"logs": [{"categoryGroup": "allLogs", "enabled": True}]}}]}}
    assert "no diagnostic setting with a destination" in checks.diagnostic_categories(_ctx(), nowhere, {"categories": []}).message


def test_scm_restrictions():
    def site(**web):
        return {"properties": {}, "parts": {"config_web": {"properties": web}}}
    allow_all = [{"ipAddress": "Any", "action": "Allow", "name": "Allow all"}]
    assert not checks.app_scm_restricted(_ctx(), site(scmIpSecurityRestrictions=allow_all), {}).ok
    assert checks.app_scm_restricted(_ctx(), site(scmIpSecurityRestrictions=[{"ipAddress": "203.0.113.0/24", "action": "Allow"}]), {}).ok
    assert checks.app_scm_restricted(_ctx(), site(scmIpSecurityRestrictionsDefaultAction="Deny"), {}).ok
    uses_main = site(scmIpSecurityRestrictionsUseMain=True, ipSecurityRestrictions=allow_all,
                     scmIpSecurityRestrictions=[{"ipAddress": "1.2.3.4/32", "action": "Allow"}])
    assert not checks.app_scm_restricted(_ctx(), uses_main, {}).ok


def test_custom_host_without_binding_fails_and_ip_ssl_counts():
    site = {"properties": {"hostNameSslStates": [{"name": "a.azurewebsites.net", "sslState": "Disabled"},
                                                 {"name": "erp.example.com", "sslState": "IpBasedEnabled"},
                                                 {"name": "www.example.com", "sslState": "Disabled"}]}, "parts": {}}
    r = checks.app_custom_hosts_sni(_ctx(), site, {})
    assert not r.ok and "www.example.com has no TLS binding" in r.message
    with pytest.raises(NotApplicable):
        checks.app_custom_hosts_sni(_ctx(), {"properties": {"hostNameSslStates": site["properties"]["hostNameSslStates"][:1]}}, {})


def test_pg_firewall_counts_rules_and_leaves_azure_services_to_pg_008():
    def rule(a, b):
        return {"name": a, "properties": {"startIpAddress": a, "endIpAddress": b}}
    server = {"parts": {"firewall_rules": [rule("0.0.0.0", "0.0.0.0"), rule("203.0.113.0", "203.0.113.255")]}}  # noqa: S104
    assert checks.pg_firewall(_ctx(), server, {"max_addresses": 256, "max_rules": 10}).ok
    server["parts"]["firewall_rules"].append(rule("10.0.0.0", "10.0.1.255"))
    assert "more than 256" in checks.pg_firewall(_ctx(), server, {"max_addresses": 256, "max_rules": 10}).message
    assert "3 rules (at most 2)" in checks.pg_firewall(_ctx(), server, {"max_addresses": 1 << 32, "max_rules": 2}).message


def test_secrets_expiring_soon_or_without_expiry():
    vault = {"parts": {"secrets": [{"name": "a", "attributes": {"enabled": True, "exp": 1797984000}},   # 2026-12-23
                                   {"name": "b", "attributes": {"enabled": True}},
                                   {"name": "c", "attributes": {"enabled": False}}]}}
    r = checks.kv_secrets_expiry(_ctx(), vault, {"warn_days": 30})
    assert not r.ok
    assert r.actual["problems"] == ["a expires in 16 days", "b has no expiry"]


def test_web_test_must_target_a_custom_host_when_there_is_one():
    test = {"id": RG + "/providers/Microsoft.Insights/webtests/t", "type": "Microsoft.Insights/webtests",
            "properties": {"Kind": "standard", "Request": {"RequestUrl": "https://app.azurewebsites.net/health/"},
                           "ValidationRules": {"SSLCheck": True}}}
    assert checks.mon_web_test(_ctx([test]), test, {}).ok
    r = checks.mon_web_test(_ctx([test], hosts=[{"host": "erp.example.com"}]), test, {})
    assert not r.ok and "erp.example.com" in r.message


def test_graph_rows_say_why_they_are_not_evaluated():
    ctx = _ctx(directory={"graph": False, "reason": "no Microsoft Graph endpoint configured"})
    with pytest.raises(NotEvaluated, match="needs Microsoft Graph .guest users.; no Microsoft Graph endpoint configured"):
        checks.iam_guests(ctx, ctx.subscriptions[0], {})
    ctx = _ctx(directory={"graph": True})
    with pytest.raises(NotEvaluated, match="the inventory's directory has no users"):
        checks.iam_stale_principals(ctx, ctx.subscriptions[0], {})


def test_a_slot_host_is_checked_against_the_slot():
    site = RG + "/providers/Microsoft.Web/sites/app"
    slot = {"id": site + "/slots/staging", "type": "Microsoft.Web/sites/slots",
            "properties": {"defaultHostName": "app-staging.azurewebsites.net", "customDomainVerificationId": "V"}}
    prod = {"id": site, "type": "Microsoft.Web/sites", "properties": {"defaultHostName": "app.azurewebsites.net", "customDomainVerificationId": "V"}}
    host = {"host": "staging.example.com", "site_id": site, "slot": "staging",
            "dns": {"CNAME": ["app-staging.azurewebsites.net."], "TXT_asuid": ["V"]}}
    assert checks.dns_host_records(_ctx([prod, slot]), host, {}).ok
    host["dns"]["CNAME"] = ["app.azurewebsites.net"]
    assert "not the site's app-staging.azurewebsites.net" in checks.dns_host_records(_ctx([prod, slot]), host, {}).message
