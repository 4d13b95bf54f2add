"""Secret scan (issue 14): every secret a test run knows, and the texts that must not hold any of them.

:class:`Secrets` collects, from an azsim and its state directory: the principals' client secrets (azsim.json), the
inventory's generated secrets (``<state>/secrets/*``: the PostgreSQL admin password, Django's SECRET_KEY and superuser
password, and whatever a rotation wrote there), and from azsim's state (``GET /_azsim/state``): storage account and Redis
access keys (what ARM's listKeys answers), Key Vault secret values (every version), passwords a request body carried, and
the signature of every SAS azsim holds (a backup's ``storageAccountUrl``).  Values once seen stay known (a rotation's old
secret must not leak either).  :func:`official_keys` reads the keys again through ARM's listKeys with the official SDK (the
secret-scan test checks the state agrees).  Application Insights connection strings are not collected: their
instrumentation key is an identifier Microsoft does not treat as a secret ("Connection strings ... aren't considered a
security token", Learn: azure-monitor/app/connection-strings).

:meth:`Secrets.scan` looks for each value as is, URL-encoded, JSON-escaped and HTML-escaped, and for two shapes whatever
their value (a bearer token's JWT, a SAS ``sig=``).  A finding names the secret and where it was found (file, line),
never its value.
"""

import glob
import html
import json
import os
import re
import urllib.parse

# Shorter values ("true", a port) are not secrets and would be found everywhere.
MIN_LENGTH = 8
PASSWORD_FIELD = re.compile(r"password$", re.I)
SAS_SIG = re.compile(r"(?:^|[?&])sig=([^&\s\"'<>]+)")
SHAPES = {
    "a bearer token (JWT)": re.compile(r"\beyJ[A-Za-z0-9_-]{10,}\.eyJ[A-Za-z0-9_-]{10,}\.[A-Za-z0-9_-]{10,}"),
    "a SAS signature (sig=...)": re.compile(r"[?&]sig=[A-Za-z0-9%+/=]{20,}"),
}
# What the reports of maintain.yml and audit.yml are written as.
REPORT_SUFFIXES = (".json", ".md", ".html", ".sarif", ".xml", ".txt", ".csv")


def _walk(node, found, path=""):
    """Secret values in one state document: ``_keys`` (storage's list, Redis's dict), ``*password`` fields, SAS sigs."""
    if isinstance(node, dict):
        for key, value in node.items():
            where = f"{path}.{key}" if path else key
            if key == "_keys":
                items = value if isinstance(value, list) else [value] if isinstance(value, dict) else []
                for item in items:
                    for k, v in item.items():
                        if isinstance(v, str) and k != "keyName" and k not in ("permissions", "creationTime"):
                            found.append((f"{where}.{item.get('keyName', k)}", v))
            elif PASSWORD_FIELD.search(key) and isinstance(value, str):
                # A Key Vault reference (an app setting's @Microsoft.KeyVault(...)) names the secret, it is not one.
                if not value.startswith("@Microsoft.KeyVault("):
                    found.append((where, value))
            else:
                _walk(value, found, where)
    elif isinstance(node, list):
        for item in node:
            _walk(item, found, path)
    elif isinstance(node, str) and "sig=" in node:
        for m in SAS_SIG.finditer(node.split("?", 1)[-1] if "?" in node else node):
            found.append((f"{path} (SAS signature)", urllib.parse.unquote(m.group(1))))


def from_state(dump):
    """(name, value) of every secret in azsim's state dump."""
    found = []
    for key, doc in (dump.get("keyvault.secrets") or {}).items():
        for ver in doc.get("versions") or []:
            if isinstance(ver.get("value"), str):
                found.append((f"Key Vault secret {key} (version {ver.get('version', '?')[:8]})", ver["value"]))
    for table, rows in dump.items():
        if table == "keyvault.secrets":
            continue
        for key, doc in rows.items():
            inner = []
            _walk(doc, inner)
            name = doc.get("id") or doc.get("name") or key if isinstance(doc, dict) else key
            found.extend((f"{table} {name}: {field}", value) for field, value in inner)
    return found


def official_keys(azsim, principal="owner"):
    """{account: {keyName: value}} of every storage account, through ARM's listKeys with the official SDK."""
    from azure.mgmt.storage import StorageManagementClient

    client = azsim.client(StorageManagementClient, "direct", principal=principal)
    keys = {}
    for account in client.storage_accounts.list():
        group = account.id.split("/")[4]
        keys[account.name] = {k.key_name: k.value for k in client.storage_accounts.list_keys(group, account.name).keys_property}
    return keys


class Secrets:
    """The secrets an azsim and its state directory know, accumulated over the calls to :meth:`refresh`."""

    def __init__(self, azsim):
        self.azsim = azsim
        self.known = {}  # value -> name

    def add(self, name, value):
        if isinstance(value, str) and len(value.strip()) >= MIN_LENGTH:
            self.known.setdefault(value.strip(), name)

    def refresh(self, state=True):
        """Collect again; ``state=False`` leaves out azsim's state (keys, Key Vault values: what a role target may read and
        assert on by design), keeping the principals' client secrets and the state directory's secrets."""
        for name, p in (self.azsim.info.get("principals") or {}).items():
            self.add(f"client secret of azsim principal {name!r}", p.get("client_secret"))
        for path in sorted(glob.glob(os.path.join(self.azsim.state_dir, "secrets", "*"))):
            if os.path.isfile(path):
                with open(path, encoding="utf-8", errors="replace") as f:
                    # ansible's password lookup may store "value salt=..." when asked to encrypt; the value is the first word.
                    content = f.read().strip()
                self.add(f"{os.path.basename(path)} (state dir secrets/)", content.split(" salt=")[0])
        if state:
            for name, value in from_state(self.azsim.admin("GET", "state")):
                self.add(name, value)
        return self

    def scan(self, text, where):
        """Findings in ``text``: '<secret name> in <where> line <n>' (never the value)."""
        return scan_text(text, where, self.known)

    def scan_reports(self, root, since=0.0):
        """Findings in every report file under ``root`` (maintenance and audit reports) modified at or after ``since``."""
        findings = []
        for dirpath, _dirs, files in os.walk(root):
            for name in sorted(files):
                path = os.path.join(dirpath, name)
                if name.endswith(REPORT_SUFFIXES) and os.path.getmtime(path) >= since:
                    with open(path, encoding="utf-8", errors="replace") as f:
                        findings += scan_text(f.read(), os.path.relpath(path, root), self.known)
        return findings

    def check(self, text, where):
        findings = self.scan(text, where)
        assert not findings, f"secrets found ({len(self.known)} known): " + "; ".join(findings)


def _variants(value):
    out = {value, urllib.parse.quote(value, safe=""), urllib.parse.quote_plus(value), json.dumps(value)[1:-1], html.escape(value)}
    return out


def scan_text(text, where, known):
    findings = []
    for value, name in known.items():
        for variant in _variants(value):
            i = text.find(variant)
            if i >= 0:
                findings.append(f"{name} in {where} line {text.count(chr(10), 0, i) + 1}")
                break
    for name, shape in SHAPES.items():
        m = shape.search(text)
        if m:
            findings.append(f"{name} in {where} line {text.count(chr(10), 0, m.start()) + 1}")
    return findings
