"""What a custom backup blob holds and how it travels: the archive of a site or slot (its files and its configuration),
written to, read from and deleted in the customer's container with the container SAS URL of the request (through azsim's
storage front door, so Azurite checks the SAS and the account's network and key rules apply), and the configuration a
restore gives the target app.

Sources: Microsoft Learn "Back up and restore your app in Azure App Service" ("How backups are stored": each backup is a
``.zip`` blob with the backup data and an ``.xml`` blob with a manifest, visible in the storage container; "What's included
in an automatic backup?" and "What's included in a custom backup?": the content and which app configuration a restore
brings; "Configure partial backups": ``_backup.filter``; the error table: "Storage access failed.", "Cannot resolve {0}.
{1} (CannotResolveStorageAccount)"), "Use REST to back up and restore App Service apps" (the service writes and deletes the
blobs with the SAS URL of the request), "Restore an app in Azure" (restore into another app of the same resource group).

The archive layout is azsim's own (Azure documents the two blobs, not what is inside them):

* ``meta`` - JSON: the source app, its app settings, connection strings and siteConfig, how its content runs;
* ``fs/site/wwwroot/...`` - the deployed content; ``fs/data/...`` - HOME/data.
"""

import copy
import io
import json
import os
import urllib.parse
import zipfile
from email.utils import formatdate
from xml.sax.saxutils import escape

from ...core import resource
from ...core.errors import AzureError
from ...core.http import Headers, Request
from . import common, config_model, slots_model

BLOB_SUFFIX = ".blob.core.windows.net"
STORAGE_VERSION = "2021-12-02"   # x-ms-version of the service's own blob calls (any version Azurite serves)
# The address App Service's outbound calls come from in azsim (the sites' "Azure" address; see the PostgreSQL provider):
# a storage firewall sees it, not the operator's 127.0.0.1.
OUTBOUND_ADDRESS = ("127.0.0.2", 0)
FILTER_FILE = "_backup.filter"
META = "meta"
# siteConfig that a restore does not bring (Learn, "What's included in an automatic backup?": network features - private
# endpoints, hybrid connections, virtual network integration -, authentication, managed identities, custom domains, TLS/SSL
# and scale out are "No"; native log settings, health check and the rest of the app configuration are restored).  Access
# restrictions counted as network features and keyVaultReferenceIdentity as managed identity: azsim's reading, unverified.
NOT_RESTORED_CONFIG = ("numberOfWorkers", "vnetName", "vnetRouteAllEnabled", "vnetPrivatePortsCount", "ipSecurityRestrictions",
                       "ipSecurityRestrictionsDefaultAction", "scmIpSecurityRestrictions", "scmIpSecurityRestrictionsDefaultAction",
                       "scmIpSecurityRestrictionsUseMain", "publicNetworkAccess", "minTlsVersion", "scmMinTlsVersion", "minTlsCipherSuite",
                       "keyVaultReferenceIdentity", "publishingUsername")


class Failure(AzureError):
    """A backup or restore that cannot complete: the backup item's ``log``, or the restore operation's error."""

    def __init__(self, message, status=400, code="BadRequest"):
        super().__init__(status, code, message)


# -- the blob data plane, as the service reaches it -----------------------------------------------------------------------
def _split_sas(sas_url):
    u = urllib.parse.urlsplit(sas_url)
    return (u.hostname or "").lower(), u.path.rstrip("/"), u.query


def blob_request(app, method, sas_url, blob_name, body=b"", headers=None):
    """One call on ``{container}/{blob}`` with the container SAS; the storage front door's answer.  An account azsim does
    not know cannot be resolved, as its host name would not resolve in Azure."""
    host, container_path, query = _split_sas(sas_url)
    handler = None
    if host.endswith(BLOB_SUFFIX):
        handler = next((h for accepts, h in app.host_handlers if accepts(host)), None)
    if handler is None:
        # Learn error table: "Cannot resolve {0}. {1} (CannotResolveStorageAccount)"; the second part is unverified.
        raise Failure(f"Cannot resolve {host}. The remote name could not be resolved. (CannotResolveStorageAccount)")
    # x-ms-date on the wall clock: the storage service knows no simulated time.
    h = Headers({"x-ms-version": STORAGE_VERSION, "x-ms-date": formatdate(usegmt=True), **(headers or {})}.items())
    target = f"{container_path}/{urllib.parse.quote(blob_name)}?{query}"
    return handler(Request(method, target, h, body, OUTBOUND_ADDRESS, "https", host, 443, "proxy"))


def _storage_failure(resp, blob_name):
    code = resp.headers.get("x-ms-error-code") or str(resp.status)
    if code == "BlobNotFound":
        # unverified text (the restore of a blob that is not in the container)
        return Failure(f"Storage access failed. The blob '{blob_name}' does not exist in the container. (BlobNotFound)")
    # First sentence from the Learn error table; the storage error code after it is azsim's addition.
    return Failure(f"Storage access failed. ({code})")


def put_blob(app, sas_url, blob_name, data, content_type):
    resp = blob_request(app, "PUT", sas_url, blob_name, data, {"x-ms-blob-type": "BlockBlob", "Content-Type": content_type})
    if resp.status != 201:
        raise _storage_failure(resp, blob_name)


def get_blob(app, sas_url, blob_name):
    resp = blob_request(app, "GET", sas_url, blob_name)
    if resp.status != 200:
        raise _storage_failure(resp, blob_name)
    return resp.body


def delete_blobs(app, sas_url, blob_name):
    """Best effort, as the service's (Learn "Use REST to back up and restore": it "will attempt to delete your backup from
    Azure Storage using the SAS URL that was provided when the backup was created")."""
    for name in (blob_name, manifest_name(blob_name)):
        try:
            blob_request(app, "DELETE", sas_url, name)
        except Failure:
            return


def manifest_name(blob_name):
    stem = blob_name[:-4] if blob_name.lower().endswith(".zip") else blob_name
    return stem + ".xml"


# -- writing a backup ------------------------------------------------------------------------------------------------------
def parse_filter(text):
    """``_backup.filter``: one file or directory per line, relative to HOME (``\\site\\wwwroot\\Images\\2014``)."""
    out = []
    for raw in text.splitlines():
        path = raw.strip().replace("\\", "/").strip("/")
        if path.lower().startswith("home/"):
            path = path[5:]
        if path and ".." not in path.split("/"):
            out.append(path)
    return out


def _excluded(rel, filters):
    return any(rel == f or rel.startswith(f + "/") for f in filters)


def snapshot(app, runtime, site_id):
    """Under the state lock: the site's configuration and the directories to archive (None when the site is gone)."""
    with app.store.lock:
        doc = resource.get(app, site_id)
        if doc is None:
            return None
        sources, build = runtime.backup_sources(doc)
        site, slot = common.site_and_slot(doc)
        meta = {"siteId": doc["id"], "siteName": site, "slot": slot, "kind": doc.get("kind"), "created": app.clock.iso(),
                "appSettings": dict(doc.get("_appSettings") or {}), "connectionStrings": copy.deepcopy(doc.get("_connectionStrings") or {}),
                "siteConfig": copy.deepcopy(doc.get("_siteConfig") or {}), "build": build, "databases": []}
    return meta, sources


def build_archive(meta, sources):
    """The zip (bytes) and the size of the files it holds (``websiteSizeInBytes``)."""
    filters = []
    www = sources.get("site/wwwroot")
    if www and os.path.isfile(os.path.join(www, FILTER_FILE)):
        with open(os.path.join(www, FILTER_FILE), encoding="utf-8", errors="replace") as f:
            filters = parse_filter(f.read())
    meta = {**meta, "filter": filters}
    buf = io.BytesIO()
    website = 0
    with zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED) as z:
        z.writestr(META, json.dumps(meta, indent=1, sort_keys=True))
        for root, base in sources.items():
            for dirpath, dirnames, filenames in os.walk(base):
                rel_dir = os.path.relpath(dirpath, base).replace(os.sep, "/")
                prefix = root if rel_dir == "." else f"{root}/{rel_dir}"
                dirnames[:] = sorted(d for d in dirnames if not _excluded(f"{prefix}/{d}", filters))
                for name in sorted(filenames):
                    full = os.path.join(dirpath, name)
                    rel = f"{prefix}/{name}"
                    if _excluded(rel, filters) or not os.path.isfile(full):
                        continue
                    z.write(full, "fs/" + rel)
                    website += os.path.getsize(full)
    return buf.getvalue(), website


def manifest(meta, item, size):
    """The ``.xml`` blob next to the zip (element names are azsim's; Learn documents a manifest of the zip's contents)."""
    return (f'<?xml version="1.0" encoding="utf-8"?>\n<BackupMetadata><SiteName>{escape(meta["siteName"])}</SiteName>'
            f'<Slot>{escape(meta["slot"] or "Production")}</Slot><BackupId>{item["properties"]["id"]}</BackupId>'
            f'<BackupName>{escape(item["properties"]["name"])}</BackupName><Created>{meta["created"]}</Created>'
            f'<SizeInBytes>{size}</SizeInBytes><Databases/></BackupMetadata>\n').encode()


# -- reading a backup and what a restore brings -------------------------------------------------------------------------
def read_archive(data, blob_name):
    """(meta, ZipFile) of a backup blob; anything else is not a backup (the meta is checked: the blob is the customer's)."""
    # unverified text
    invalid = Failure(f"The blob '{blob_name}' is not a valid App Service backup.")
    try:
        zf = zipfile.ZipFile(io.BytesIO(data))
        meta = json.loads(zf.read(META))
    except (zipfile.BadZipFile, KeyError, ValueError):
        raise invalid from None
    if not isinstance(meta, dict):
        raise invalid
    settings, conns, cfg = meta.get("appSettings") or {}, meta.get("connectionStrings") or {}, meta.get("siteConfig") or {}
    if not (isinstance(settings, dict) and all(isinstance(v, str) for v in settings.values()) and isinstance(cfg, dict)
            and isinstance(conns, dict) and all(isinstance(c, dict) and isinstance(c.get("value"), str) for c in conns.values())):
        raise invalid
    meta["filter"] = parse_filter("\n".join(f for f in meta.get("filter") or [] if isinstance(f, str)))
    meta["databases"] = [d for d in meta.get("databases") or [] if isinstance(d, dict)]
    if not isinstance(meta.get("build"), dict):
        meta["build"] = None
    return meta, zf


def production_of(app, doc):
    low = doc["id"].lower()
    return resource.get(app, doc["id"][: low.index("/slots/")]) if "/slots/" in low else doc


def apply_configuration(app, target, meta):
    """The target's app settings, connection strings and siteConfig after the restore (in place).

    The backed-up collections replace the target's (Learn: restoring "overwrites the app's content and configuration").
    Restored into another app or slot than the one backed up, the target keeps its slot settings (the names of
    ``slotConfigNames``, and ``*_EXTENSION_VERSION``), as the slot that receives content in a swap does (Learn "Set up
    staging environments in Azure App Service"): applying that rule to restores is azsim's reading, unverified."""
    settings = dict(meta.get("appSettings") or {})
    conns = copy.deepcopy(meta.get("connectionStrings") or {})
    if str(meta.get("siteId") or "").lower() != target["id"].lower():
        sticky_app, sticky_cs = slots_model.sticky_names(production_of(app, target) or target)
        settings = slots_model.keep_sticky(target.get("_appSettings") or {}, settings, sticky_app)
        conns = slots_model.keep_sticky(target.get("_connectionStrings") or {}, conns, sticky_cs)
    target["_appSettings"] = settings
    target["_connectionStrings"] = conns
    cfg = target.setdefault("_siteConfig", config_model.new_config())
    for key, value in (meta.get("siteConfig") or {}).items():
        if key not in NOT_RESTORED_CONFIG:
            cfg[key] = copy.deepcopy(value)


def is_linux(kind):
    return "linux" in str(kind or "").lower()
