# -*- coding: utf-8 -*-
# Copyright: (c) 2026, erpops.azure contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Pieces shared by the scope readers (``resource_inventory``, ``audit_inventory``): the API versions they read with,
the resource types they know, and pure helpers over ARM documents (no request is sent here)."""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import datetime

API = {"resources": "2024-11-01", "web": "2024-11-01", "postgres": "2024-08-01", "storage": "2025-06-01", "keyvault": "2024-11-01"}
WEB_SITE = "microsoft.web/sites"
WEB_SLOT = "microsoft.web/sites/slots"
PG_SERVER = "microsoft.dbforpostgresql/flexibleservers"
STORAGE = "microsoft.storage/storageaccounts"
VAULT = "microsoft.keyvault/vaults"
CERT = "microsoft.web/certificates"
# The default host names App Service gives a site (and its SCM site); anything else bound to a site is a custom domain.
DEFAULT_DOMAINS = (".azurewebsites.net",)
# What ``/resources`` returns with $expand (Resources - List, azure-rest-api-specs resources 2024-11-01).
EXPAND = "createdTime,changedTime,provisioningState"


def scope_resources(arm, scope):
    """Every resource of ``scope`` (a subscription or resource group id) in one paged list, with its times and state."""
    return arm.list(scope + "/resources", API["resources"], params={"$expand": EXPAND})


def pick(doc, keys):
    props = doc.get("properties") or {}
    return dict((k, props[k]) for k in keys if k in props)


def resource_group_of(resource_id):
    parts = (resource_id or "").split("/")
    return parts[4] if len(parts) > 4 and parts[3].lower() == "resourcegroups" else None


def subscription_of(resource_id):
    parts = (resource_id or "").split("/")
    return parts[2] if len(parts) > 2 and parts[1].lower() == "subscriptions" else None


def base(doc):
    out = dict((k, doc.get(k)) for k in ("id", "name", "location", "tags") if k in doc)
    out["resource_group"] = resource_group_of(doc.get("id"))
    return out


def ssl_states(doc):
    """The TLS bindings of a site or slot (C(hostNameSslStates)): host name, sslState and the certificate's thumbprint."""
    return [dict(name=b.get("name"), sslState=b.get("sslState"), thumbprint=b.get("thumbprint"))
            for b in (doc.get("properties") or {}).get("hostNameSslStates") or [] if b.get("sslState") not in (None, "Disabled")]


def custom_host_names(doc):
    """The custom host names of a site or slot: C(hostNames) and C(hostNameSslStates) names outside App Service's domains."""
    props = doc.get("properties") or {}
    names = list(props.get("hostNames") or []) + [s.get("name") for s in props.get("hostNameSslStates") or [] if s.get("name")]
    out = []
    for name in names:
        low = name.lower().rstrip(".")
        if not low.endswith(DEFAULT_DOMAINS) and low not in out:
            out.append(low)
    return out


def bound_host_names(cert, apps):
    """The host names of ``apps`` (sites and slots) whose TLS binding uses the certificate (same thumbprint)."""
    thumb = (cert.get("thumbprint") or "").upper()
    return sorted({b["name"] for a in apps for b in a.get("host_name_ssl_states") or [] if thumb and (b.get("thumbprint") or "").upper() == thumb})


def days_left(text, now):
    if not text:
        return None
    head = text.replace("Z", "")[:19]
    try:
        when = datetime.datetime.strptime(head, "%Y-%m-%dT%H:%M:%S")
    except ValueError:
        return None
    return (when - now).days


def snake(name):
    return "".join("_" + c.lower() if c.isupper() else c for c in name).lstrip("_")
