# -*- coding: utf-8 -*-
# Copyright: (c) 2026, erpops.azure contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""App Service backups as the modules show them: never with the container's SAS.

A backup configuration (``config/backup``) and each backup item hold ``storageAccountUrl``, the container's URL with a
SAS token in its query string: a secret that lets anyone read, write and delete the backups.  Only the container's
address and the SAS expiry leave these helpers.
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

from ansible.module_utils.six.moves.urllib.parse import parse_qsl, urlsplit
from ansible_collections.erpops.azure.plugins.module_utils import timestamps

SCHEDULE_KEYS = ("frequencyInterval", "frequencyUnit", "retentionPeriodInDays", "keepAtLeastOneBackup")
# BackupItem properties shown as they are (REST spec WebApps_ListBackups, api 2024-11-01); storageAccountUrl loses its SAS
# and databases lose their connection strings.
ITEM_KEYS = ("name", "status", "sizeInBytes", "websiteSizeInBytes", "created", "finishedTimeStamp", "lastRestoreTimeStamp", "blobName",
             "scheduled", "log", "correlationId")


def container_url(url):
    """``https://account.blob.core.windows.net/container`` from a SAS URL (None when there is no address)."""
    parts = urlsplit(url or "")
    if not parts.netloc:
        return None
    return "%s://%s%s" % (parts.scheme, parts.netloc, parts.path.rstrip("/"))


def sas_secrets(url):
    """The parts of a SAS URL that must never be shown: the whole query string and its signature."""
    query = urlsplit(url or "").query
    sig = dict(parse_qsl(query)).get("sig")
    return [v for v in (query, sig) if v]


def public_view(props):
    """A backup configuration without its SAS (web_app_backup's ``backup_configuration``)."""
    if not props:
        return {}
    url = props.get("storageAccountUrl") or ""
    query = dict(parse_qsl(urlsplit(url).query))
    return {"enabled": props.get("enabled"), "backup_name": props.get("backupName"), "container_url": container_url(url),
            "sas_expiry": query.get("se"), "schedule": dict((k, v) for k, v in (props.get("backupSchedule") or {}).items() if k in SCHEDULE_KEYS)}


def public_item(item):
    """A backup item: its number (``id``, what a restore names), resource ID, container and the properties of ITEM_KEYS."""
    props = (item or {}).get("properties") or {}
    out = dict((k, props.get(k)) for k in ITEM_KEYS)
    out["id"] = props.get("id")
    out["resource_id"] = (item or {}).get("id")
    out["storageAccountUrl"] = container_url(props.get("storageAccountUrl"))
    out["databases"] = [dict((k, d.get(k)) for k in ("name", "databaseType")) for d in props.get("databases") or [] if isinstance(d, dict)]
    return out


def newest_first(items):
    """Backup items, the most recently created first (items without a readable ``created`` last)."""
    def key(item):
        when = timestamps.parse_utc(item.get("created"))
        return (when is not None, when.isoformat() if when else "")
    return sorted(items, key=key, reverse=True)
