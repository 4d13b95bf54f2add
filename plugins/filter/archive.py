# -*- coding: utf-8 -*-
# Copyright: (c) 2026, erpops.azure contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""The quarterly SQL archive's decisions: which archives the retention lets go and which a time-based retention policy
still locks (Learn "Time-based retention policies for immutable blob data": a blob is protected until its creation time
plus the policy's interval; a legal hold protects it whatever its age)."""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import datetime
import re

from ansible.errors import AnsibleFilterError

DAY = datetime.timedelta(days=1)


def _when(text):
    if isinstance(text, datetime.datetime):
        return text if text.tzinfo else text.replace(tzinfo=datetime.timezone.utc)
    try:
        value = datetime.datetime.strptime(str(text).replace("Z", "+0000")[:24], "%Y-%m-%dT%H:%M:%S%z")
    except ValueError:
        raise AnsibleFilterError("archive_prune: %r is not a UTC time like 2026-03-31T22:10:03Z" % (text,)) from None
    return value


def _iso(value):
    return value.astimezone(datetime.timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ")


def archive_prune(blobs, now, retention_days, policy=None, legal_hold=False, margin_days=1, pattern=None):
    """One entry per archive: ``{name, creation_time, age_days, expired, locked_until, action}``.

    ``action`` is ``delete`` for an archive older than ``retention_days`` that nothing locks any more, ``locked`` for one
    older than the retention that the policy (its period counted from the blob's creation, plus ``margin_days`` for
    clocks that differ) or a legal hold still protects - never to be touched - and ``keep`` for one within the retention.
    ``pattern`` (a regular expression) limits the entries to the blobs the archive made.
    """
    if not isinstance(blobs, list):
        raise AnsibleFilterError("archive_prune expects the list of blobs of erpops.azure.storage_blob_info")
    now = _when(now)
    period = int((policy or {}).get("period_days") or 0)
    out = []
    for blob in blobs:
        name = blob.get("name") or ""
        if pattern and not re.search(pattern, name):
            continue
        created = _when(blob.get("creation_time") or blob.get("last_modified"))
        age = (now - created).total_seconds() / 86400.0
        locked_until = created + (period + margin_days) * DAY if period else None
        locked = bool(legal_hold) or (locked_until is not None and now < locked_until)
        expired = age > float(retention_days)
        action = "keep" if not expired else ("locked" if locked else "delete")
        out.append(dict(name=name, creation_time=_iso(created), age_days=round(age, 1), expired=expired,
                        locked_until="legal hold" if legal_hold else (_iso(locked_until) if locked_until else None), action=action,
                        size=blob.get("size"), sha256=blob.get("sha256")))
    return out


class FilterModule(object):
    def filters(self):
        return {"archive_prune": archive_prune}
