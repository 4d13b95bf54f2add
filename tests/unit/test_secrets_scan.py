"""The secret scan of the integration tests (tests/integration/secrets_scan.py) finds a planted secret, in the forms a
leak takes, names it and never prints its value."""

import importlib.util
import json
import os

import pytest

# Loaded on its own: the integration package needs azsim to import as a whole.
_spec = importlib.util.spec_from_file_location("secrets_scan", os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "integration",
                                                                            "secrets_scan.py"))
secrets_scan = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(secrets_scan)

STORAGE_KEY = "q3Zr+8vY/0aBcDeFgHiJkLmNoPqRsTuVwXyZ0123456789abcdefghijklmnopqrstuvwxyzAB=="
SIG = "Zm9vYmFyYmF6cXV4MTIzNDU2Nzg5MGFiY2RlZg=="
SAS_URL = f"https://erpbackups.blob.core.windows.net/backups?sv=2022-11-02&sr=c&sig={SIG.replace('=', '%3D')}&sp=rwdl"
OLD_KV = {"version": "a" * 32, "value": "an-old-django-secret-key-value"}
NEW_KV = {"version": "b" * 32, "value": "the-new-django-secret-key-value"}


class FakeAzsim:
    def __init__(self, state_dir):
        self.state_dir = state_dir
        self.info = {"principals": {"deployer": {"client_secret": "deployer-client-secret-value-123"}}}
        self.state = {
            "resources": {"/subscriptions/s/resourcegroups/rg/providers/microsoft.storage/storageaccounts/erpmedia": {
                "id": "/subscriptions/s/resourceGroups/rg/providers/Microsoft.Storage/storageAccounts/erpmedia",
                "_keys": [{"keyName": "key1", "value": STORAGE_KEY, "permissions": "FULL"}]},
                "/subscriptions/s/resourcegroups/rg/providers/microsoft.cache/redis/erp": {
                "id": "/subscriptions/s/resourceGroups/rg/providers/Microsoft.Cache/redis/erp",
                "properties": {"_keys": {"primaryKey": "redisPrimaryKeyValue0123456789=", "secondaryKey": "redisSecondaryKeyValue012345="}}},
                "/subscriptions/s/resourcegroups/rg/providers/microsoft.web/sites/erp/config/backup": {
                "properties": {"storageAccountUrl": SAS_URL}}},
            "keyvault.secrets": {"erp-kv/django-secret-key": {"versions": [OLD_KV, NEW_KV]}},
        }

    def admin(self, method, path):
        assert (method, path) == ("GET", "state")
        return self.state


@pytest.fixture
def known(tmp_path):
    os.makedirs(tmp_path / "secrets")
    (tmp_path / "secrets" / "postgresql-admin").write_text("PgAdminPasswordFromLookup24\n")
    return secrets_scan.Secrets(FakeAzsim(str(tmp_path))).refresh()


def test_collects_every_kind_of_secret(known):
    names = set(known.known.values())
    values = set(known.known)
    assert {"deployer-client-secret-value-123", "PgAdminPasswordFromLookup24", STORAGE_KEY, "redisPrimaryKeyValue0123456789=",
            "redisSecondaryKeyValue012345=", "an-old-django-secret-key-value", "the-new-django-secret-key-value", SIG} <= values
    assert any("postgresql-admin" in n for n in names) and any("key1" in n for n in names)
    assert any("SAS signature" in n for n in names)


@pytest.mark.parametrize("leak", [
    lambda v: f"ok: [localhost] => {{\"invocation\": {{\"password\": \"{v}\"}}}}",                # as is, in -vvv output
    lambda v: "https://x/?k=" + __import__("urllib.parse").parse.quote(v, safe=""),              # URL-encoded
    lambda v: json.dumps({"a": v}),                                                               # JSON
    lambda v: f"<td>{__import__('html').escape(v)}</td>",                                         # HTML report
])
def test_a_planted_secret_is_found_named_not_printed(known, leak):
    text = "line one\nline two\n" + leak(STORAGE_KEY) + "\nlast line\n"
    findings = known.scan(text, "deploy.yml -vvv output")
    assert findings == ["resources /subscriptions/s/resourceGroups/rg/providers/Microsoft.Storage/storageAccounts/erpmedia: _keys.key1 "
                        "in deploy.yml -vvv output line 3"]
    assert STORAGE_KEY not in " ".join(findings)
    with pytest.raises(AssertionError) as err:
        known.check(text, "x")
    assert STORAGE_KEY not in str(err.value) and "key1" in str(err.value)


def test_clean_text_and_shapes(known):
    assert known.scan("ok: [localhost]\nchanged=0\n" + "********" + "\nkey1\n", "out") == []
    jwt = "eyJhbGciOiJSUzI1NiJ9abc.eyJvaWQiOiIxMjM0NTY3ODkwIn0abc.c2lnbmF0dXJlc2lnbmF0dXJl"
    assert known.scan(f"Authorization: Bearer {jwt}", "out") == ["a bearer token (JWT) in out line 1"]
    assert known.scan("https://a.blob.core.windows.net/c?sv=1&sig=AAAAAAAAAAAAAAAAAAAAAAAAAAAA%3D", "out") == ["a SAS signature (sig=...) in out line 1"]


def test_a_rotated_secret_stays_known(known, tmp_path):
    (tmp_path / "secrets" / "postgresql-admin").write_text("RotatedPgPassword0000000")
    known.refresh()
    assert known.scan("PgAdminPasswordFromLookup24", "out") and known.scan("RotatedPgPassword0000000", "out")


def test_reports_are_scanned(known, tmp_path):
    reports = tmp_path / "reports" / "2026-12-07-daily"
    os.makedirs(reports)
    (reports / "report.json").write_text(json.dumps({"checks": []}))
    (reports / "report.html").write_text("<p>the-new-django-secret-key-value</p>")
    (reports / "screenshot.png").write_bytes(b"the-new-django-secret-key-value")  # not a report format: not read
    findings = known.scan_reports(str(tmp_path / "reports"))
    assert findings == ["Key Vault secret erp-kv/django-secret-key (version bbbbbbbb) in 2026-12-07-daily/report.html line 1"]
