"""The audit's rules (roles/audit/files/rules) and their engine (module_utils audit_rules, audit_checks).

The fixture tests/unit/fixtures/audit_inventory.json is a compliant deployment shaped like the collector's inventory
(the design's contract): a site and its staging slot, the plan and its autoscale, PostgreSQL with parameters and
firewall, the media and backups accounts, Key Vault, monitoring, alerts, DNS, budget, locks, role assignments. Every
rule evaluates on it without error and without failure; each mutation then fails exactly the expected rows on exactly
the expected resources, and no other finding changes status.
"""

import collections
import json
import os

import pytest
from ansible_collections.erpops.azure.plugins.module_utils import audit_checks, audit_report, audit_rules
from ansible_collections.erpops.azure.plugins.module_utils.audit_rules import RuleError

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(os.path.dirname(HERE))
RULES_DIR = os.path.join(ROOT, "roles", "audit", "files", "rules")
FIXTURE = os.path.join(HERE, "fixtures", "audit_inventory.json")

SUB = "/subscriptions/6f1c2b9e-3d4a-4c1e-9b8a-2f7e5d3c1a01"
RG = SUB + "/resourceGroups/erp-supermarket-production-rg"
P = RG + "/providers/"
SITE = P + "Microsoft.Web/sites/erp-supermarket-prod"
SLOT = SITE + "/slots/staging"
PLAN = P + "Microsoft.Web/serverfarms/erp-production-plan"
PG = P + "Microsoft.DBforPostgreSQL/flexibleServers/erp-postgres-prod"
MEDIA = P + "Microsoft.Storage/storageAccounts/erpsupermarketmedia"
BACKUP = P + "Microsoft.Storage/storageAccounts/erpsupermarketbackup"
KV = P + "Microsoft.KeyVault/vaults/erp-supermarket-kv"
AI = P + "Microsoft.Insights/components/erp-insights"
AG = P + "Microsoft.Insights/actionGroups/erp-ops-alerts"
ZONE = P + "Microsoft.Network/dnszones/example.com"
AUTOSCALE = P + "Microsoft.Insights/autoscalesettings/erp-production-plan-autoscale"
WEBTEST = P + "Microsoft.Insights/webtests/erp-supermarket-prod-health"
HOST = "erp.example.com"
P_SITE = "0b6e2f9a-1c3d-4e5f-8a7b-9c0d1e2f3a4b"
CONTRIBUTOR = "b24988ac-6180-42a0-ab88-20f7382dd24c"
UAA = "18d7d88d-d35e-4fb5-a5c3-7773c20a72d9"
OWNER = "8e3af657-a8ff-443c-a75c-2fe8c4bcb635"


@pytest.fixture(scope="module")
def ruleset():
    return audit_rules.load_rules(RULES_DIR)


@pytest.fixture
def inventory():
    with open(FIXTURE) as fh:
        return json.load(fh)


@pytest.fixture(scope="module")
def baseline(ruleset):
    with open(FIXTURE) as fh:
        return _statuses(audit_rules.evaluate(json.load(fh), ruleset))


def _statuses(findings):
    out = {}
    for f in findings:
        key = (f["check"], f["resource"])
        assert key not in out, "two findings for {} on {}".format(*key)
        out[key] = f["status"]
    return out


def _res(inv, rid):
    return next(r for r in inv["resources"] if r["id"] == rid)


def _sub(inv):
    return inv["subscriptions"][0]


def _find(findings, check, resource):
    return next(f for f in findings if f["check"] == check and f["resource"] == resource)


# ----------------------------------------------------------------------------------------------------------------------
# the rule files
# ----------------------------------------------------------------------------------------------------------------------

def test_the_rule_files_hold_the_111_catalog_rows(ruleset):
    rules = ruleset["rules"]
    ids = [r["id"] for r in rules]
    assert len(rules) == 111
    assert len(set(ids)) == 111
    assert collections.Counter(r["group"] for r in rules) == {
        "IAM": 11, "APP": 24, "ASP": 5, "PG": 18, "STG": 18, "KV": 6, "MON": 11, "DEF": 10, "GOV": 4, "DNS": 3, "NET": 1}
    assert collections.Counter(r["severity"] for r in rules) == {"high": 25, "medium": 57, "low": 23, "info": 6}
    for group, count in collections.Counter(r["group"] for r in rules).items():
        assert sorted(i for i in ids if i.startswith(group + "-")) == [f"{group}-{n:03d}" for n in range(1, count + 1)]
    for r in rules:
        assert set(r["anchors"]) == set(audit_rules.ANCHORS), r["id"]
        assert r["rationale"] and r["remediation"], r["id"]


def test_coverage_counts_rows_per_anchor_as_the_catalog_does(ruleset):
    cov = audit_rules.coverage(ruleset)
    assert cov["total"] == {"rows": 111, "prowler": 67, "checkov": 54, "psrule": 56, "cis": 70, "microsoft": 78, "none": 13}
    assert cov["APP"] == {"rows": 24, "prowler": 12, "checkov": 15, "psrule": 10, "cis": 13, "microsoft": 20, "none": 3}
    assert cov["DNS"] == {"rows": 3, "prowler": 0, "checkov": 0, "psrule": 1, "cis": 0, "microsoft": 2, "none": 2}
    assert list(cov)[:11] == list(audit_rules.GROUPS)
    assert audit_rules.coverage(ruleset["rules"]) == cov


def test_served_tls_findings_attach_to_app_002_and_app_022(ruleset):
    rules = {r["id"]: r for r in ruleset["rules"]}
    assert any("host" in c["target"] for c in rules["APP-002"]["cases"])
    assert any("host" in c["target"] for c in rules["APP-022"]["cases"])


# ----------------------------------------------------------------------------------------------------------------------
# the compliant inventory
# ----------------------------------------------------------------------------------------------------------------------

def test_every_rule_evaluates_on_the_compliant_inventory_without_error_or_failure(ruleset, inventory):
    findings = audit_rules.evaluate(inventory, ruleset)
    bad = [(f["check"], f["resource"], f["status"], f["message"]) for f in findings if f["status"] in ("error", "fail")]
    assert bad == []
    assert {f["check"] for f in findings} == {r["id"] for r in ruleset["rules"]}
    counts = collections.Counter(f["status"] for f in findings)
    assert counts["pass"] > 200
    # Without Microsoft Graph and PIM schedules, those rows say so.
    not_evaluated = {f["check"]: f["message"] for f in findings if f["status"] == "not_evaluated"}
    assert set(not_evaluated) == {"IAM-004", "IAM-005", "IAM-009", "IAM-010", "IAM-011"}
    assert "needs Microsoft Graph" in not_evaluated["IAM-010"]
    assert "no Microsoft Graph endpoint configured" in not_evaluated["IAM-010"]
    for f in findings:
        assert set(f) == {"check", "status", "severity", "resource", "expected", "actual", "message", "title", "group"}
        assert len(json.dumps(f)) < 4000, f["check"]
    # One finding per check and resource: the site, the slot, and the host for the served TLS rows.
    assert _find(findings, "APP-001", SLOT)["status"] == "pass"
    assert _find(findings, "APP-002", HOST)["status"] == "pass"
    assert _find(findings, "APP-022", HOST)["status"] == "pass"
    assert _find(findings, "DNS-001", HOST)["status"] == "pass"
    assert _find(findings, "DNS-001", ZONE)["status"] == "pass"


def _set(path):
    """A mutation setting obj[path...] = value on one resource."""
    def mutate(inv, rid, value):
        obj = _res(inv, rid)
        keys = path.split(".")
        for k in keys[:-1]:
            obj = obj[k]
        obj[keys[-1]] = value
    return mutate


def m_https_off_on_slot(inv):
    _set("properties.httpsOnly")(inv, SLOT, False)


def m_tls10_on_slot(inv):
    _set("parts.config_web.properties.minTlsVersion")(inv, SLOT, "1.0")


def m_ftp_allowed(inv):
    _set("parts.config_web.properties.ftpsState")(inv, SITE, "AllAllowed")


def m_basic_auth_on(inv):
    _set("parts.basic_publishing.scm")(inv, SITE, True)


def m_open_firewall(inv):
    _res(inv, PG)["parts"]["firewall_rules"].append(
        {"id": PG + "/firewallRules/all", "name": "all", "properties": {"startIpAddress": "0.0.0.0", "endIpAddress": "255.255.255.255"}})  # noqa: S104


def m_azure_services_rule(inv):
    _res(inv, PG)["parts"]["firewall_rules"].append(
        {"id": PG + "/firewallRules/AllowAzureServices", "name": "AllowAzureServices",
         "properties": {"startIpAddress": "0.0.0.0", "endIpAddress": "0.0.0.0"}})  # noqa: S104


def m_secure_transport_off(inv):
    _res(inv, PG)["parts"]["configurations"]["require_secure_transport"] = "off"


def m_public_blob(inv):
    media = _res(inv, MEDIA)
    media["properties"]["allowBlobPublicAccess"] = True
    media["parts"]["containers"][0]["properties"]["publicAccess"] = "Blob"


def m_identity_contributor(inv):
    _sub(inv)["parts"]["role_assignments"].append({
        "id": RG + "/providers/Microsoft.Authorization/roleAssignments/99", "name": "99",
        "properties": {"roleDefinitionId": SUB + "/providers/Microsoft.Authorization/roleDefinitions/" + CONTRIBUTOR,
                       "principalId": P_SITE, "principalType": "ServicePrincipal", "scope": RG}})


def m_action_group_disabled(inv):
    _res(inv, AG)["properties"]["enabled"] = False


def m_no_budget(inv):
    inv["resources"] = [r for r in inv["resources"] if r["type"] != "Microsoft.Consumption/budgets"]


def m_served_tls10(inv):
    inv["hosts"][0]["protocols"]["TLSv1"] = True


def m_cert_expiring(inv):
    inv["hosts"][0]["certificate"]["days_left"] = 10


def m_dangling_cname(inv):
    _res(inv, ZONE)["parts"]["record_sets"].append(
        {"id": ZONE + "/CNAME/old", "name": "old", "type": "Microsoft.Network/dnszones/CNAME",
         "properties": {"TTL": 3600, "CNAMERecord": {"cname": "erp-old-shop.azurewebsites.net"}}})


def m_wrong_asuid(inv):
    inv["hosts"][0]["dns"]["TXT_asuid"] = ["0000"]


def m_caa_without_digicert(inv):
    rs = next(r for r in _res(inv, ZONE)["parts"]["record_sets"] if r["name"] == "@" and r["type"].endswith("CAA"))
    rs["properties"]["caaRecords"] = [{"flags": 0, "tag": "issue", "value": "letsencrypt.org"}]


def m_zone_not_signed(inv):
    # The collector's part when dnssecConfigs/default answers 404.
    _res(inv, ZONE)["parts"]["dnssec_config"] = None


def m_standing_uaa(inv):
    _sub(inv)["parts"]["role_assignments"].append({
        "id": RG + "/providers/Microsoft.Authorization/roleAssignments/98", "name": "98",
        "properties": {"roleDefinitionId": SUB + "/providers/Microsoft.Authorization/roleDefinitions/" + UAA,
                       "principalId": "c3d2e5f4-0000-4000-8000-00000000000c", "principalType": "ServicePrincipal", "scope": RG}})


def m_four_owners(inv):
    for n in (1, 2):
        _sub(inv)["parts"]["role_assignments"].append({
            "id": f"{SUB}/providers/Microsoft.Authorization/roleAssignments/o{n}", "name": f"o{n}",
            "properties": {"roleDefinitionId": SUB + "/providers/Microsoft.Authorization/roleDefinitions/" + OWNER,
                           "principalId": f"owner-{n}", "principalType": "Group", "scope": SUB}})


def m_wildcard_role(inv):
    _sub(inv)["parts"]["role_definitions"].append({
        "id": SUB + "/providers/Microsoft.Authorization/roleDefinitions/custom1", "name": "custom1",
        "properties": {"roleName": "Everything", "type": "CustomRole", "permissions": [{"actions": ["*"], "notActions": []}],
                       "assignableScopes": [SUB]}})


def m_slot_scm_open(inv):
    _set("parts.config_web.properties.scmIpSecurityRestrictionsDefaultAction")(inv, SLOT, "Allow")


def m_autoscale_above_tier(inv):
    _res(inv, AUTOSCALE)["properties"]["profiles"][0]["capacity"]["maximum"] = "12"


def m_autoscale_short_cooldown(inv):
    _res(inv, AUTOSCALE)["properties"]["profiles"][0]["rules"][1]["scaleAction"]["cooldown"] = "PT1M"


def m_plain_secret(inv):
    _res(inv, SITE)["parts"]["app_settings"]["SECRET_KEY"] = {"kind": "plain", "secret_like": True}


def m_unresolved_reference(inv):
    _res(inv, SITE)["parts"]["config_references"]["value"][0]["properties"]["status"] = "AccessToKeyVaultDenied"


def m_no_lock(inv):
    _sub(inv)["parts"]["locks"] = []


def m_defender_app_service_free(inv):
    next(p for p in _sub(inv)["parts"]["pricings"] if p["name"] == "AppServices")["properties"]["pricingTier"] = "Free"


def m_plan_without_diagnostics(inv):
    _res(inv, PLAN)["parts"]["diagnostic_settings"] = []


def m_http5xx_alert_disabled(inv):
    _res(inv, P + "Microsoft.Insights/metricAlerts/erp-supermarket-prod-http5xx")["properties"]["enabled"] = False


def m_web_test_without_ssl_check(inv):
    _res(inv, WEBTEST)["properties"]["ValidationRules"]["SSLCheck"] = False


def m_media_in_another_region(inv):
    _res(inv, MEDIA)["location"] = "northeurope"


def m_vault_untagged(inv):
    del _res(inv, KV)["tags"]["environment"]


def m_python_39(inv):
    _set("parts.config_web.properties.linuxFxVersion")(inv, SITE, "PYTHON|3.9")


def m_pg_firewall_log_retention_default(inv):
    _res(inv, PG)["parts"]["configurations"]["logfiles.retention_days"] = "3"


def m_storage_tls10(inv):
    _set("properties.minimumTlsVersion")(inv, BACKUP, "TLS1_0")


MUTATIONS = [
    (m_https_off_on_slot, {("APP-001", SLOT)}),
    (m_tls10_on_slot, {("APP-002", SLOT)}),
    (m_ftp_allowed, {("APP-003", SITE)}),
    (m_basic_auth_on, {("APP-004", SITE)}),
    (m_open_firewall, {("PG-009", PG)}),
    (m_azure_services_rule, {("PG-008", PG)}),
    (m_secure_transport_off, {("PG-001", PG)}),
    (m_public_blob, {("STG-003", MEDIA)}),
    (m_identity_contributor, {("IAM-008", SITE)}),
    # A disabled action group fails MON-007 on the group; the alerts wired only to it notify no one, so the metric
    # coverage of each watched resource (MON-008) and the activity log alerts (MON-009, MON-010) fail with it.
    (m_action_group_disabled, {("MON-007", AG), ("MON-008", SITE), ("MON-008", PLAN), ("MON-008", PG), ("MON-008", AI),
                               ("MON-008", MEDIA), ("MON-008", BACKUP), ("MON-009", SUB), ("MON-010", SUB)}),
    (m_no_budget, {("GOV-001", SUB)}),
    (m_served_tls10, {("APP-002", HOST)}),
    (m_cert_expiring, {("APP-022", HOST)}),
    (m_dangling_cname, {("DNS-001", ZONE)}),
    (m_wrong_asuid, {("DNS-001", HOST)}),
    (m_caa_without_digicert, {("DNS-002", ZONE)}),
    (m_zone_not_signed, {("DNS-003", ZONE)}),
    (m_standing_uaa, {("IAM-002", RG + "/providers/Microsoft.Authorization/roleAssignments/98")}),
    (m_four_owners, {("IAM-001", SUB)}),
    (m_wildcard_role, {("IAM-003", SUB)}),
    (m_slot_scm_open, {("APP-020", SLOT)}),
    (m_autoscale_above_tier, {("ASP-005", AUTOSCALE)}),
    (m_autoscale_short_cooldown, {("ASP-005", AUTOSCALE)}),
    (m_plain_secret, {("APP-007", SITE)}),
    (m_unresolved_reference, {("APP-008", SITE)}),
    (m_no_lock, {("GOV-002", PG), ("GOV-002", MEDIA), ("GOV-002", BACKUP), ("GOV-002", KV), ("GOV-002", ZONE)}),
    (m_defender_app_service_free, {("DEF-001", SUB)}),
    (m_plan_without_diagnostics, {("MON-006", PLAN)}),
    (m_http5xx_alert_disabled, {("MON-008", SITE)}),
    (m_web_test_without_ssl_check, {("MON-011", WEBTEST)}),
    (m_media_in_another_region, {("GOV-004", MEDIA)}),
    (m_vault_untagged, {("GOV-003", KV)}),
    (m_python_39, {("APP-012", SITE)}),
    (m_pg_firewall_log_retention_default, {("PG-007", PG)}),
    (m_storage_tls10, {("STG-002", BACKUP)}),
]


@pytest.mark.parametrize("mutate,expected", MUTATIONS, ids=[case[0].__name__[2:] for case in MUTATIONS])
def test_a_misconfiguration_fails_exactly_its_rows_on_exactly_its_resources(ruleset, inventory, baseline, mutate, expected):
    mutate(inventory)
    after = _statuses(audit_rules.evaluate(inventory, ruleset))
    # (a removed resource's findings go with it: only the findings still there are compared)
    changed = {k for k in after if after[k] != baseline.get(k)}
    assert changed == expected
    assert all(after[k] == "fail" for k in expected)


def _uaa(inv, name, principal, scope, sub=None):
    (sub or _sub(inv))["parts"]["role_assignments"].append({
        "id": scope + "/providers/Microsoft.Authorization/roleAssignments/" + name, "name": name,
        "properties": {"roleDefinitionId": SUB + "/providers/Microsoft.Authorization/roleDefinitions/" + UAA,
                       "principalId": principal, "principalType": "ServicePrincipal", "scope": scope}})
    return scope + "/providers/Microsoft.Authorization/roleAssignments/" + name


def test_each_access_administrator_is_a_finding_of_its_own(ruleset, inventory):
    assert _find(audit_rules.evaluate(inventory, ruleset), "IAM-002", SUB)["status"] == "pass"
    deployer = _uaa(inventory, "d1", "deployer-sp", RG)
    other = _uaa(inventory, "x1", "someone-else", SUB)
    iam002 = [f for f in audit_rules.evaluate(inventory, ruleset) if f["check"] == "IAM-002"]
    assert sorted((f["resource"], f["status"]) for f in iam002) == sorted([(deployer, "fail"), (other, "fail")])
    by_resource = {f["resource"]: f for f in iam002}
    assert by_resource[deployer]["actual"]["principal"] == "deployer-sp" and by_resource[deployer]["actual"]["scope"] == RG
    assert "ServicePrincipal someone-else holds User Access Administrator at " + SUB in by_resource[other]["message"]


def test_a_suppression_of_the_deployers_grant_leaves_another_holder_open(ruleset, inventory):
    deployer = _uaa(inventory, "d1", "deployer-sp", RG)
    other = _uaa(inventory, "x1", "someone-else", RG)
    rules = audit_rules.load_rules(RULES_DIR)
    meta = audit_report.rules_meta(rules)
    suppression = audit_report.parse_suppressions([{
        "check": "IAM-002", "resource": "/subscriptions/*/resourceGroups/erp-supermarket-production-rg/providers/"
        "Microsoft.Authorization/roleAssignments/d1", "reason": "deploy.yml's role assignments", "owner": "lead",
        "expires": "2027-03-31"}], list(meta))
    doc = audit_report.build(meta, audit_rules.evaluate(inventory, rules), [RG], "2026-12-06T23:45:00Z",
                             audit_report.parse_date("2026-12-06", "today"), suppressions=suppression)
    status = {f["resource"]: f["status"] for f in doc["findings"] if f["check"] == "IAM-002"}
    assert status == {deployer: "suppressed", other: "fail"}
    assert doc["summary"]["failed_checks"] == ["IAM-002"] and doc["suppressions"][0]["matched"] == [deployer]


def test_an_allowed_access_administrator_passes_on_its_own_assignment(ruleset, inventory):
    allowed = _uaa(inventory, "d1", "deployer-sp", RG)
    other = _uaa(inventory, "x1", "someone-else", RG)
    findings = audit_rules.evaluate(inventory, ruleset, {"iam_admin_allowed_principals": ["DEPLOYER-SP"]})
    assert _find(findings, "IAM-002", allowed)["status"] == "pass"
    assert "allowed by iam_admin_allowed_principals" in _find(findings, "IAM-002", allowed)["message"]
    assert _find(findings, "IAM-002", other)["status"] == "fail"
    assert not [f for f in findings if f["check"] == "IAM-002" and f["resource"] == SUB]


def test_an_inherited_assignment_listed_by_two_subscriptions_is_one_finding(ruleset, inventory):
    second = json.loads(json.dumps(_sub(inventory)))
    second.update(id="/subscriptions/other", subscription_id="other")
    inventory["subscriptions"].append(second)
    mg = "/providers/Microsoft.Management/managementGroups/corp"
    for sub in inventory["subscriptions"]:
        inherited = _uaa(inventory, "mg1", "platform-team", mg, sub=sub)
    findings = [f for f in audit_rules.evaluate(inventory, ruleset) if f["check"] == "IAM-002"]
    assert [f["resource"] for f in findings if f["status"] == "fail"] == [inherited]


def test_a_failure_says_what_was_expected_and_found(ruleset, inventory):
    m_tls10_on_slot(inventory)
    m_open_firewall(inventory)
    findings = audit_rules.evaluate(inventory, ruleset)
    tls = _find(findings, "APP-002", SLOT)
    assert tls["actual"]["parts.config_web.properties.minTlsVersion"] == "1.0"
    assert "version_gte" in json.dumps(tls["expected"])
    assert "1.0" in tls["message"]
    fw = _find(findings, "PG-009", PG)
    assert fw["actual"]["too_wide"] == ["all 0.0.0.0-255.255.255.255"]
    assert fw["severity"] == "high" and fw["group"] == "PG" and fw["title"]


# ----------------------------------------------------------------------------------------------------------------------
# not evaluated, not applicable, errors
# ----------------------------------------------------------------------------------------------------------------------

def test_a_part_the_auditor_could_not_read_is_not_evaluated_naming_the_permission(ruleset, inventory):
    site = _res(inventory, SITE)
    del site["parts"]["app_settings"]
    inventory["errors"][SITE + "|app_settings"] = {
        "status": 403, "code": "AuthorizationFailed", "action": "Microsoft.Web/sites/config/list/Action",
        "message": "The client does not have authorization to perform action 'Microsoft.Web/sites/config/list/Action'"}
    findings = audit_rules.evaluate(inventory, ruleset)
    for check in ("APP-007", "APP-019"):
        f = _find(findings, check, SITE)
        assert f["status"] == "not_evaluated"
        assert "needs the permission Microsoft.Web/sites/config/list/Action" in f["message"]
        assert "403 AuthorizationFailed" in f["message"]
    assert _find(findings, "APP-007", SLOT)["status"] == "pass"


def test_a_subscription_part_in_error_makes_its_rows_not_evaluated(ruleset, inventory):
    _sub(inventory)["parts"]["role_assignments"] = {"error": {
        "status": 403, "code": "AuthorizationFailed", "action": "Microsoft.Authorization/roleAssignments/read"}}
    findings = audit_rules.evaluate(inventory, ruleset)
    for check, resource in (("IAM-001", SUB), ("IAM-002", SUB), ("IAM-008", SITE), ("IAM-008", SLOT)):
        f = _find(findings, check, resource)
        assert f["status"] == "not_evaluated", check
        assert "Microsoft.Authorization/roleAssignments/read" in f["message"]


def test_a_part_never_collected_is_not_evaluated(ruleset, inventory):
    del _res(inventory, PG)["parts"]["configurations"]
    findings = audit_rules.evaluate(inventory, ruleset)
    f = _find(findings, "PG-001", PG)
    assert f["status"] == "not_evaluated"
    assert "configurations was not collected" in f["message"]


def test_an_unprobed_host_is_not_evaluated_with_the_probe_error(ruleset, inventory):
    host = inventory["hosts"][0]
    host.update(certificate=None, protocols=None, error="connection timed out")
    findings = audit_rules.evaluate(inventory, ruleset)
    for check in ("APP-002", "APP-022"):
        f = _find(findings, check, HOST)
        assert f["status"] == "not_evaluated"
        assert "connection timed out" in f["message"]
    assert _find(findings, "DNS-001", HOST)["status"] == "pass"


def test_with_graph_the_directory_rows_are_evaluated(ruleset, inventory):
    inventory["directory"] = {"graph": True, "guests": [], "credentials": [
        {"app_id": "a", "name": "erp-deployer", "end_date_time": "2026-12-20T00:00:00Z"}],
        "users": [{"id": "b2e1d4c3-0000-4000-8000-00000000000b", "accountEnabled": True,
                   "lastSignInDateTime": "2026-11-30T08:00:00Z"}], "conditional_access_policies": []}
    findings = audit_rules.evaluate(inventory, ruleset)
    assert _find(findings, "IAM-004", SUB)["status"] == "pass"
    assert _find(findings, "IAM-009", SUB)["status"] == "fail"  # ends in 13 days
    assert _find(findings, "IAM-010", SUB)["status"] == "pass"
    assert _find(findings, "IAM-011", SUB)["status"] == "fail"


def test_a_rule_whose_target_is_absent_gives_one_finding_for_the_scope(ruleset):
    inv = {"scope": [RG], "subscriptions": [], "resources": [], "hosts": [], "errors": {}}
    findings = audit_rules.evaluate(inv, ruleset)
    assert len(findings) == 111
    assert {f["resource"] for f in findings} == {RG}
    statuses = {f["check"]: f["status"] for f in findings}
    assert {c for c, s in statuses.items() if s == "fail"} == {"MON-001", "MON-007", "MON-011"}
    assert statuses["APP-001"] == "not_applicable"


def test_a_type_the_auditor_could_not_list_is_not_evaluated_rather_than_absent(ruleset, inventory):
    inventory["resources"] = [r for r in inventory["resources"] if r["type"] != "Microsoft.Insights/actionGroups"]
    inventory["errors"][RG + "|Microsoft.Insights/actionGroups"] = {"status": 403, "code": "AuthorizationFailed",
                                                                    "action": "Microsoft.Insights/actionGroups/read"}
    f = _find(audit_rules.evaluate(inventory, ruleset), "MON-007", RG)
    assert f["status"] == "not_evaluated"
    assert "Microsoft.Insights/actionGroups/read" in f["message"]


def test_an_exception_inside_a_rule_is_an_error_finding_not_a_crash(ruleset, inventory):
    _res(inventory, AG)["properties"] = "garbage"
    findings = audit_rules.evaluate(inventory, ruleset)
    f = _find(findings, "MON-007", AG)
    assert f["status"] == "error"
    assert "AttributeError" in f["message"]
    assert len({x["check"] for x in findings}) == 111


# ----------------------------------------------------------------------------------------------------------------------
# parameters
# ----------------------------------------------------------------------------------------------------------------------

def test_parameters_override_the_rule_defaults(ruleset, inventory):
    findings = audit_rules.evaluate(inventory, ruleset, {"python_min_version": "3.12", "iam_owners_max": 1})
    assert _find(findings, "APP-012", SITE)["status"] == "fail"
    assert _find(findings, "APP-012", SLOT)["status"] == "fail"
    assert "3.12" in _find(findings, "APP-012", SITE)["message"]
    assert _find(findings, "IAM-001", SUB)["status"] == "fail"
    findings = audit_rules.evaluate(inventory, ruleset, {"app_easy_auth_required": True})
    assert _find(findings, "APP-009", SITE)["status"] == "fail"


def test_an_unknown_parameter_is_refused(ruleset, inventory):
    with pytest.raises(RuleError, match="unknown audit parameter 'python_minimum'"):
        audit_rules.evaluate(inventory, ruleset, {"python_minimum": "3.12"})


def test_the_defaults_follow_the_deploy(ruleset):
    params = ruleset["params"]
    assert params["python_min_version"] == "3.11"
    assert params["pg_backup_retention_min_days"] == 30
    assert params["allowed_locations"] == ["westeurope", "global"]
    assert params["required_tags"] == ["application", "environment", "managed-by"]
    assert (params["iam_owners_min"], params["iam_owners_max"]) == (2, 3)
    assert params["log_analytics_min_retention_days"] == 90


# ----------------------------------------------------------------------------------------------------------------------
# malformed rules
# ----------------------------------------------------------------------------------------------------------------------

def _rule(**kw):
    rule = {"id": "APP-001", "title": "t", "severity": "high", "anchors": {"prowler": []}, "rationale": "r", "remediation": "m",
            "target": "Microsoft.Web/sites", "expect": {"path": "properties.httpsOnly", "equals": True}}
    rule.update(kw)
    return {k: v for k, v in rule.items() if v is not None}


def _build(*rules, group="APP", name="/rules/APP.yml", params=None):
    return audit_rules.build_ruleset([(name, {"group": group, "title": "x", "params": params or {}, "rules": list(rules)})])


@pytest.mark.parametrize("rule,message", [
    (_rule(colour="blue"), r"/rules/APP.yml rule APP-001: unknown key\(s\) colour"),
    (_rule(expect={"path": "properties.httpsOnly", "same_as": True}), r"APP.yml rule APP-001 > expect: unknown or missing operator same_as"),
    (_rule(expect={"whatever": []}), r"APP-001 > expect: unknown operator\(s\) whatever"),
    (_rule(remediation=None), r"APP.yml rule APP-001: missing field 'remediation'"),
    (_rule(expect=None), r"APP.yml rule APP-001: missing field 'expect'"),
    (_rule(id="PG-001"), r"rule PG-001: id 'PG-001' does not match the group APP"),
    (_rule(severity="urgent"), r"rule APP-001: severity 'urgent'"),
    (_rule(expect={"path": "x", "gte": {"param": "nope"}}), r"rule APP-001 > expect: unknown parameter 'nope'"),
    (_rule(expect={"check": "no_such_check"}), r"rule APP-001 > expect: unknown named check 'no_such_check'"),
    (_rule(expect={"path": "a[b", "equals": 1}), r"malformed path 'a\[b'"),
    (_rule(target="sites"), r"unknown target 'sites'"),
    (_rule(when_none="maybe"), r"when_none"),
])
def test_a_malformed_rule_is_refused_naming_the_file_and_the_rule(rule, message):
    with pytest.raises(RuleError, match=message):
        _build(rule)


def test_a_duplicate_id_is_refused():
    with pytest.raises(RuleError, match=r"APP.yml rule APP-001: duplicate id"):
        _build(_rule(), _rule())


def test_a_file_must_be_named_after_its_group():
    with pytest.raises(RuleError, match=r"the file of group APP is APP.yml"):
        _build(_rule(), name="/rules/PG.yml")


def test_a_parameter_defined_twice_is_refused():
    docs = [("/r/APP.yml", {"group": "APP", "params": {"x": 1}, "rules": [_rule()]}),
            ("/r/PG.yml", {"group": "PG", "params": {"x": 2}, "rules": [_rule(id="PG-001")]})]
    with pytest.raises(RuleError, match=r"PG.yml: parameter 'x' is already defined"):
        audit_rules.build_ruleset(docs)


def test_invalid_yaml_names_the_file(tmp_path):
    (tmp_path / "APP.yml").write_text("group: APP\nrules: [\n")
    with pytest.raises(RuleError, match=r"APP.yml: not valid YAML"):
        audit_rules.load_rules(str(tmp_path))


# ----------------------------------------------------------------------------------------------------------------------
# the expression engine
# ----------------------------------------------------------------------------------------------------------------------

def _eval(expr, obj, params=None):
    return audit_rules.evaluate_expression(expr, obj, audit_rules.Context({}, params or {}))


def test_paths_reach_parts_map_lists_and_read_dotted_keys():
    obj = {"properties": {"rules": [{"a": {"b": 1}}, {"a": {"b": 2}}, {"a": None}]},
           "parts": {"configurations": {"connection_throttle.enable": "on"}}}
    assert audit_rules.resolve(obj, "properties.rules[].a.b") == [1, 2, None]
    assert audit_rules.resolve(obj, "parts.configurations['connection_throttle.enable']") == "on"
    assert audit_rules.resolve(obj, 'parts.configurations["connection_throttle.enable"]') == "on"
    assert audit_rules.resolve(obj, "parts.missing.x") is None
    assert audit_rules.resolve({"l": [{"m": [1, 2]}, {"m": [3]}]}, "l[].m[]") == [1, 2, 3]
    assert audit_rules.resolve({"Properties": {"IngestionMode": "x"}}, "properties.ingestionMode") == "x"


@pytest.mark.parametrize("got,want,ok", [
    ("PYTHON|3.11", "3.11", True), ("PYTHON|3.9", "3.11", False), ("PYTHON|3.12", "3.11", True),
    ("TLSv1.2", "1.2", True), ("TLSv1.1", "1.2", False), ("1.3", "1.2", True), ("15", "15", True), ("16", "15", True),
    ("14", "15", False), (None, "1.2", False), ("latest", "1.2", False),
])
def test_version_gte_orders_versions_numerically(got, want, ok):
    assert _eval({"path": "v", "version_gte": want}, {"v": got}).ok is ok


@pytest.mark.parametrize("expr,ok", [
    ({"path": "s", "equals": "ON", "ignore_case": True}, True),
    ({"path": "s", "equals": "ON"}, False),
    ({"path": "n", "gte": 3}, True), ({"path": "n", "gt": 3}, False), ({"path": "n", "lt": 4}, True), ({"path": "n", "lte": 2}, False),
    ({"path": "n", "gte": {"param": "limit"}}, False),
    ({"path": "s", "in": ["on", "off"]}, True), ({"path": "s", "not_in": ["on"]}, False),
    ({"path": "l", "contains": "b"}, True), ({"path": "l", "not_contains": "*"}, True),
    ({"path": "s", "matches": "^o"}, True), ({"path": "missing", "exists": False}, True), ({"path": "s", "exists": True}, True),
    ({"path": "e", "truthy": False}, True), ({"path": "b", "equals": True}, True), ({"path": "b", "equals": "true"}, False),
    ({"not": {"path": "b", "equals": True}}, False),
    ({"all": [{"path": "b", "equals": True}, {"path": "n", "gte": 3}]}, True),
    ({"any": [{"path": "b", "equals": False}, {"path": "n", "gte": 3}]}, True),
    ({"each": "items", "expect": {"path": "v", "gte": 1}}, True),
    ({"each": "none_here", "expect": {"path": "v", "gte": 5}}, True),
    ({"none": "items", "expect": {"path": "v", "gte": 2}}, False),
    ({"count": "items", "where": {"path": "v", "gte": 2}, "equals": 1}, True),
    ({"count": "items", "gte": 3}, False),
])
def test_the_operators(expr, ok):
    obj = {"s": "on", "n": 3, "l": ["a", "b"], "e": [], "b": True, "items": [{"name": "x", "v": 1}, {"name": "y", "v": 2}]}
    assert _eval(expr, obj, {"limit": 5}).ok is ok


def test_each_names_the_offending_items():
    r = _eval({"each": "items", "expect": {"path": "v", "gte": 2}}, {"items": [{"name": "x", "v": 1}, {"name": "y", "v": 2}]})
    assert not r.ok
    assert "x" in r.message and r.actual["offending"] == {"x": {"v": 1}}


def test_targets_match_types_case_insensitively(ruleset, inventory):
    rs = _build(_rule(target="microsoft.web/SITES"))
    findings = audit_rules.evaluate(inventory, rs)
    assert [f["resource"] for f in findings] == [SITE]


def test_long_values_are_shortened():
    assert len(audit_rules.shorten(list(range(100)))) == audit_rules.MAX_LIST + 1
    assert audit_rules.shorten(list(range(100)))[-1] == "... and 90 more"
    assert len(audit_rules.shorten("x" * 5000)) == audit_rules.MAX_TEXT
    json.dumps(audit_rules.shorten({"a": {1, 2}, "b": object}))


def test_every_named_check_used_by_the_rules_exists(ruleset):
    used = set()

    def walk(e):
        if isinstance(e, dict):
            if "check" in e:
                used.add(e["check"])
            for v in e.values():
                walk(v)
        elif isinstance(e, list):
            for v in e:
                walk(v)
    for r in ruleset["rules"]:
        walk(r["cases"])
    assert used <= set(audit_checks.CHECKS)
    assert len(used) >= 40
