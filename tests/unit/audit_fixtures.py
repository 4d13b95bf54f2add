"""A small audit to write reports from: three rules' metadata, an inventory and the findings a rule engine would give."""

import copy

SUB = "/subscriptions/00000000-0000-0000-0000-000000000001"
RG = SUB + "/resourceGroups/erp-prod-rg"
SITE = RG + "/providers/Microsoft.Web/sites/erp-prod"
SLOT = SITE + "/slots/staging"
EVIL = RG + "/providers/Microsoft.Web/sites/<script>alert(1)"
DB = RG + "/providers/Microsoft.DBforPostgreSQL/flexibleServers/erp-db"
HOST = "erp.example.com"

RULES = [
    {"group": "APP", "title": "Web apps (site and every slot)", "params": {}, "rules": [
        {"id": "APP-001", "title": "HTTPS Only is on for the site and every slot", "severity": "high",
         "anchors": {"prowler": ["app_ensure_http_is_redirected_to_https"], "checkov": ["CKV_AZURE_14", "CKV_AZURE_153"],
                     "cis": ["2.0 9.2", "3.0 9.1"], "microsoft": ["MCSB DP-3"]},
         "rationale": "Plain HTTP exposes sessions.", "remediation": "Set erp_web_app_https_only: true, then run playbooks/deploy.yml.",
         "target": ["Microsoft.Web/sites", "Microsoft.Web/sites/slots"], "expect": {"path": "properties.httpsOnly", "equals": True}},
        {"id": "APP-013", "title": "App settings hold Key Vault references, not plain secrets", "severity": "medium",
         "anchors": {"cis": ["3.0 9.11"]}, "rationale": "Secrets belong in Key Vault.", "remediation": "Move them with playbooks/deploy.yml.",
         "target": ["Microsoft.Web/sites"]},
        {"id": "DNS-002", "title": "The certificate served on each custom domain is valid for 30 days or more", "severity": "low",
         "group": "DNS", "anchors": {}, "rationale": "An expired certificate stops users.", "remediation": "Renew it.", "target": "host"},
    ]},
    {"group": "PG", "title": "PostgreSQL flexible server", "rules": [
        {"id": "PG-004", "title": "No firewall rule opens the server to all Azure services", "severity": "critical",
         "anchors": {"psrule": ["Azure.PostgreSQL.AllowAzureAccess"]}, "rationale": "0.0.0.0 admits every Azure tenant.",
         "remediation": "Set erp_postgresql_allow_azure_services: false.", "target": ["Microsoft.DBforPostgreSQL/flexibleServers"]},
        {"id": "PG-009", "title": "Microsoft Entra administrators are configured", "severity": "info", "anchors": {},
         "rationale": "", "remediation": "", "target": ["Microsoft.DBforPostgreSQL/flexibleServers"]},
    ]},
]

INVENTORY = {
    "format": "erpops-audit-inventory/1", "collected": "2026-12-06T23:40:00Z", "scope": [RG],
    "principal": {"object_id": "a", "tenant_id": "t"}, "calls": {"total": 12, "by_type": {}, "throttled": 0},
    "subscriptions": [{"id": SUB, "subscription_id": SUB.rsplit("/", 1)[-1], "parts": {}}],
    "resources": [
        {"id": SITE, "type": "Microsoft.Web/sites", "name": "erp-prod", "properties": {"httpsOnly": False},
         "parts": {"config_web": {"properties": {"minTlsVersion": "1.2", "ftpsState": "AllAllowed"}}}},
        {"id": SLOT, "type": "Microsoft.Web/sites/slots", "name": "erp-prod/staging", "properties": {"httpsOnly": True}, "parts": {}},
        {"id": EVIL, "type": "Microsoft.Web/sites", "name": "<script>alert(1)", "properties": {"httpsOnly": True}, "parts": {}},
        {"id": DB, "type": "Microsoft.DBforPostgreSQL/flexibleServers", "name": "erp-db", "sku": {"name": "Standard_B2s"},
         "properties": {"version": "15", "storage": {"storageSizeGB": 128}, "backup": {"backupRetentionDays": 7}},
         "parts": {"configurations": {"azure.extensions": "PG_TRGM", "require_secure_transport": "on"}}},
    ],
    "errors": {SITE + "|app_settings": {"status": 403, "code": "AuthorizationFailed",
                                        "action": "Microsoft.Web/sites/config/list/Action", "message": "no"}},
    "hosts": [{"host": HOST, "site_id": SITE}],
    "security_logs": {"window": {"from": "2026-09-07", "to": "2026-12-06"},
                      "postgresql_failed_logins": [{"server": "erp-db", "user": "<b>admin</b>", "count": 14}],
                      "role_assignment_changes": [], "errors": {}},
    "directory": {"graph": False, "reason": "no Microsoft Graph endpoint configured"},
}


def finding(check, resource, status, expected=None, actual=None, message=""):
    return {"check": check, "resource": resource, "status": status, "expected": expected, "actual": actual, "message": message}


FINDINGS = [
    finding("APP-001", SITE, "fail", True, False, "httpsOnly is false"),
    finding("APP-001", SLOT, "pass", True, True),
    finding("APP-001", EVIL, "fail", True, False, "httpsOnly is false on <script>"),
    finding("APP-013", SITE, "not_evaluated", message="needs Microsoft.Web/sites/config/list/Action"),
    finding("APP-013", EVIL, "error", message="app_settings: unexpected shape"),
    finding("DNS-002", HOST, "pass", ">= 30", 80),
    finding("PG-004", DB, "fail", "no 0.0.0.0 rule", "AllowAllAzureServicesAndResourcesWithinAzureIps", "the server admits every Azure service"),
    finding("PG-009", DB, "fail", ">= 1", 0, "no Entra administrator"),
]


def rules():
    return copy.deepcopy(RULES)


def inventory():
    return copy.deepcopy(INVENTORY)


def findings():
    return copy.deepcopy(FINDINGS)
