"""Blob soft delete, which Azurite does not implement (its README lists "Soft delete & Undelete Blob" as unsupported).

With ``blobServices/default`` ``deleteRetentionPolicy.enabled``, Delete Blob keeps the blob: azsim copies it (Azurite's
same-account Copy Blob shares the data, nothing is read through azsim) into the hidden container ``$azsim-deleted``
of the same account before forwarding the delete, and records it in the private table ``storageDeletedBlobs`` keyed
under the container's resource id (a container or account delete forgets it: Learn "Soft delete for blobs", "Blobs in
the deleted container aren't recoverable").  List Blobs with ``include=deleted`` shows it (``<Deleted>true</Deleted>``,
``DeletedTime``, ``RemainingRetentionDays``), Undelete Blob copies it back, and the engine purges it once the retention
period that applied when it was deleted has passed on the simulated clock (Learn: "An updated retention period applies
only to data that was deleted after the retention period was changed").

Names starting with ``$`` other than ``$root``, ``$logs`` and ``$web`` are not valid container names on Azure, so no
client can own the hidden container; the front door refuses every request addressed to it and leaves it out of List
Containers.
"""

import base64
import copy
import json
import math
import time
import urllib.parse
import uuid
from email.utils import formatdate
from xml.etree import ElementTree

from ...core import resource

TABLE = "storageDeletedBlobs"
GC = "storageDeletedBlobsGc"   # accounts whose hidden container holds copies nobody refers to any more
HIDDEN = "$azsim-deleted"
DAY = 86400.0


def retention_days(app, account_id):
    """Days deleted blobs are kept, or None when blob soft delete is off."""
    svc = resource.peek(app, account_id + "/blobServices/default") or {}
    policy = (svc.get("properties") or {}).get("deleteRetentionPolicy") or {}
    return policy.get("days") if policy.get("enabled") else None


def container_id(account_id, container):
    return f"{account_id}/blobServices/default/containers/{container}"


def entries(app, account_id, container, name=None):
    prefix = container_id(account_id, container) + "/deletedblobs/"
    out = [d for _key, d in app.store.items(TABLE, prefix)]
    if name is not None:
        out = [d for d in out if d["name"] == name]
    return sorted(out, key=lambda d: d["deletedSim"])


def _source_url(host, container, blob):
    return f"https://{host}/{urllib.parse.quote(container, safe='')}/{urllib.parse.quote(blob, safe='/~')}"


def copy_blob(azurite, account, key, host, src_container, src_blob, dst_container, dst_blob, head):
    """Copy Blob inside Azurite keeping the access tier (an archived source needs an explicit tier, and Azurite's
    same-account copy accepts it).  ``head`` holds the source's lower-cased properties headers."""
    h = {"x-ms-copy-source": _source_url(host, src_container, src_blob)}
    if head.get("x-ms-blob-type") == "BlockBlob" and head.get("x-ms-access-tier") and head.get("x-ms-access-tier-inferred") != "true":
        h["x-ms-access-tier"] = head["x-ms-access-tier"]
    status, _unused = azurite.call("PUT", account, key, f"/{dst_container}/{dst_blob}", None, h)
    if status == 404 and dst_container == HIDDEN:
        azurite.call("PUT", account, key, f"/{HIDDEN}", {"restype": "container"})
        status, _unused = azurite.call("PUT", account, key, f"/{dst_container}/{dst_blob}", None, h)
    return status in (200, 201, 202)


def keep(azurite, account, key, host, container, blob, head):
    """Copy a blob about to be deleted aside; returns its hidden name, or None when that failed."""
    hidden = f"{container}/{uuid.uuid4().hex}"
    return hidden if copy_blob(azurite, account, key, host, container, blob, HIDDEN, hidden, head) else None


def drop(azurite, account, key, hidden):
    azurite.call("DELETE", account, key, f"/{HIDDEN}/{hidden}")


def record(app, account_id, container, blob, hidden, head, days):
    """The deleted blob's entry: its original dates and etag (the hidden copy has the copy's), when it was deleted
    (wall clock for ``DeletedTime``, like every date the blob service shows; simulated clock for the purge)."""
    now_sim = app.clock.now()
    doc = {"container": container, "name": blob, "hidden": hidden, "deletedWall": time.time(), "deletedSim": now_sim,
           "expires": now_sim + days * DAY,
           "original": {"Creation-Time": head.get("x-ms-creation-time"), "Last-Modified": head.get("last-modified"),
                        "Etag": (head.get("etag") or "").strip('"')}}
    app.store.put(TABLE, container_id(account_id, container) + "/deletedblobs/" + hidden.rsplit("/", 1)[1], doc)


def superseded(app, account_id, container, blob):
    """A blob written over a soft-deleted one: the deleted data becomes a soft-deleted snapshot of the new blob (Learn
    "Soft delete for blobs", protection by operation: Put Blob / Put Block List / Copy Blob on a soft-deleted blob),
    listed with include=snapshots,deleted and no longer the blob Undelete Blob restores."""
    for doc in entries(app, account_id, container, blob):
        if not doc.get("snapshot"):
            wall = doc["deletedWall"]
            doc["snapshot"] = time.strftime("%Y-%m-%dT%H:%M:%S", time.gmtime(wall)) + f".{int((wall % 1) * 1e7):07d}Z"
            app.store.put(TABLE, container_id(account_id, container) + "/deletedblobs/" + doc["hidden"].rsplit("/", 1)[1], doc)


def forget_container(app, account_id, container):
    """A deleted container's soft-deleted blobs are not recoverable (Learn): forget them; the engine then removes their
    hidden copies (``GC`` marks the account)."""
    if entries(app, account_id, container):
        mark = app.store.get(GC, account_id) or {"containers": {}}
        mark["containers"][container] = time.time()
        app.store.put(GC, account_id, mark)


def forget(app, account_id, doc):
    app.store.delete(TABLE, container_id(account_id, doc["container"]) + "/deletedblobs/" + doc["hidden"].rsplit("/", 1)[1])


def remaining_days(doc, now_sim):
    """RemainingRetentionDays: whole days left before the purge (at least 0)."""
    return max(0, math.ceil((doc["expires"] - now_sim) / DAY))


# -- List Blobs with include=deleted ----------------------------------------------------------------------
def deleted_elements(azurite, account, key, container, docs, include, now_sim):
    """``<Blob>`` elements for soft-deleted blobs, from their hidden copies' listing (List Blobs XML, Learn "List Blobs":
    ``<Deleted>true</Deleted>``, ``<DeletedTime>`` and ``<RemainingRetentionDays>`` in Properties)."""
    if not docs:
        return []
    docs = [d for d in docs if not d.get("snapshot") or "snapshots" in include]
    by_hidden = {d["hidden"]: d for d in docs}
    inc = [i for i in include if i in ("metadata", "tags")]
    out = []
    for el in azurite.list_blobs(account, key, HIDDEN, prefix=f"{container}/", include=inc):
        doc = by_hidden.get(el.findtext("Name"))
        if doc is None:
            continue
        el = copy.deepcopy(el)
        el.find("Name").text = doc["name"]
        deleted = ElementTree.Element("Deleted")
        deleted.text = "true"
        el.insert(1, deleted)
        if doc.get("snapshot"):
            snap = ElementTree.Element("Snapshot")
            snap.text = doc["snapshot"]
            el.insert(2, snap)
        props = el.find("Properties")
        for tag, value in doc["original"].items():
            node = props.find(tag)
            if node is not None and value:
                node.text = value
        for tag in ("CopyId", "CopySource", "CopyStatus", "CopyProgress", "CopyCompletionTime", "CopyStatusDescription"):
            node = props.find(tag)
            if node is not None:
                props.remove(node)
        ElementTree.SubElement(props, "DeletedTime").text = formatdate(doc["deletedWall"], usegmt=True)
        ElementTree.SubElement(props, "RemainingRetentionDays").text = str(remaining_days(doc, now_sim))
        # Snapshots (live or deleted) come first, oldest to newest, then the blob (List Blobs).
        out.append((doc["name"], 0, doc["snapshot"], el) if doc.get("snapshot") else (doc["name"], 1, doc["deletedSim"], el))
    return out


def encode_marker(key):
    return base64.urlsafe_b64encode(json.dumps(list(key)).encode()).decode().rstrip("=")


def decode_marker(marker):
    try:
        return tuple(json.loads(base64.urlsafe_b64decode(marker + "=" * (-len(marker) % 4))))
    except (ValueError, TypeError):
        return None


def listing(host, container, query, items):
    """The EnumerationResults of List Blobs over ``items`` [(name, kind, order, element)] (kind 0 live, 1 deleted):
    delimiter grouping into BlobPrefix, marker and maxresults paging (NextMarker is opaque, as on Azure)."""
    prefix = query.get("prefix") or ""
    delimiter = query.get("delimiter") or ""
    rows = {}
    for name, kind, order, el in items:
        if not name.startswith(prefix):
            continue
        if delimiter:
            rest = name[len(prefix):]
            cut = rest.find(delimiter)
            if cut >= 0:
                group = prefix + rest[:cut + len(delimiter)]
                rows[(group, -1, 0)] = None
                continue
        rows[(name, kind, order)] = el
    keys = sorted(rows)
    marker = query.get("marker") or ""
    if marker:
        start = decode_marker(marker)
        if start is not None:
            keys = [k for k in keys if list(k) >= list(start)]
    try:
        size = max(1, min(5000, int(query.get("maxresults") or 5000)))
    except ValueError:
        size = 5000
    page, rest = keys[:size], keys[size:]
    root = ElementTree.Element("EnumerationResults", {"ServiceEndpoint": f"https://{host}/", "ContainerName": container})
    for tag, value in (("Prefix", query.get("prefix")), ("Marker", query.get("marker")), ("MaxResults", query.get("maxresults")),
                       ("Delimiter", query.get("delimiter"))):
        if value is not None:
            ElementTree.SubElement(root, tag).text = value
    blobs = ElementTree.SubElement(root, "Blobs")
    for k in page:
        el = rows[k]
        if el is None:
            ElementTree.SubElement(ElementTree.SubElement(blobs, "BlobPrefix"), "Name").text = k[0]
        else:
            blobs.append(el)
    ElementTree.SubElement(root, "NextMarker").text = encode_marker(rest[0]) if rest else None
    return b'<?xml version="1.0" encoding="utf-8"?>' + ElementTree.tostring(root, encoding="utf-8", xml_declaration=False)
