"""The blob service's times on azsim's simulated clock.

Azurite stamps blobs and containers with the wall clock and dates its answers with it; Azure has one clock, the one ARM
answers with (azsim's simulated clock, see core.clock), so after ``POST /_azsim/clock`` moved time forward a blob created
since is that much later there too.  Every time the front door returns is mapped with :meth:`Clock.at` (the simulated
time it was at that wall time), and the times a client sends in conditional headers back with :meth:`Clock.wall_at`, so
what a client reads (a blob's ``Creation-Time`` plus a retention period against the answer's ``Date``) agrees with what
the service enforces on the simulated clock (WORM retention in :mod:`.immutability`, lifecycle rules in :mod:`.engine`).

Sources: Learn "Get Blob Properties" (``Last-Modified``, ``x-ms-creation-time``, ``x-ms-last-access-time``,
``x-ms-access-tier-change-time``, ``x-ms-copy-completion-time``), "List Blobs" and "List Containers" (``Creation-Time``,
``Last-Modified``, ``LastAccessTime``, ``AccessTierChangeTime``, ``CopyCompletionTime``, ``DeletedTime`` in
``Properties``), "Specifying conditional headers for Blob service operations" (``If-Modified-Since``,
``If-Unmodified-Since`` and their ``x-ms-source-`` forms) and "Request and response headers" (``Date``: when the service
sent the answer).
"""

import re
from email.utils import formatdate, parsedate_to_datetime

ANSWER_HEADERS = ("date", "last-modified", "x-ms-creation-time", "x-ms-last-access-time", "x-ms-access-tier-change-time",
                  "x-ms-copy-completion-time")
CONDITIONAL_HEADERS = ("if-modified-since", "if-unmodified-since", "x-ms-source-if-modified-since", "x-ms-source-if-unmodified-since")
_LISTED = re.compile(r"<(Creation-Time|Last-Modified|LastAccessTime|AccessTierChangeTime|CopyCompletionTime|DeletedTime)>([^<]+)</\1>")


def _parse(text):
    try:
        return parsedate_to_datetime(text).timestamp()
    except (TypeError, ValueError, IndexError):
        return None


def _mapped(text, convert):
    ts = _parse(text)
    return text if ts is None else formatdate(convert(ts), usegmt=True)


def answer(clock, req, resp):
    """``resp`` with its times on the simulated clock: the headers above, and the dates of a listing's XML (never a blob's
    content, which may be XML of the client's)."""
    for name in ANSWER_HEADERS:
        value = resp.headers.get(name)
        if value:
            resp.headers[resp.headers.original(name)] = _mapped(value, clock.at)
    listing = req.method == "GET" and req.query.get("comp") == "list"
    if listing and resp.body and b"<EnumerationResults" in resp.body[:512]:
        text = resp.body.decode("utf-8")
        resp.body = _LISTED.sub(lambda m: f"<{m.group(1)}>{_mapped(m.group(2), clock.at)}</{m.group(1)}>", text).encode("utf-8")
    return resp


def conditions(clock, req):
    """The request's conditional times, sent on the simulated clock, as Azurite's wall clock compares them.  Only for
    requests whose signature does not cover them (Entra ones, which azsim signs again, and SAS): a Shared Key signature
    includes If-Modified-Since and If-Unmodified-Since, so those are forwarded as sent (a documented difference)."""
    for name in CONDITIONAL_HEADERS:
        value = req.headers.get(name)
        if value:
            req.headers[req.headers.original(name)] = _mapped(value, clock.wall_at)
