"""Server parameters (``flexibleServers/{server}/configurations``): a realistic subset of the catalogue Azure serves.

Shape and field meanings: REST spec example ConfigurationListByServer.json (2024-08-01) — values are strings, booleans
``on``/``off``, ``allowedValues`` a comma list or an ``a-b`` range, ``source`` ``system-default`` or ``user-override``,
``isDynamicConfig`` false for parameters that need a restart (then ``isConfigPendingRestart`` is true until one).
"""

import re

from ...core.errors import AzureError

DOC = "https://www.postgresql.org/docs/{major}/{page}"
# name: (dataType, default, allowedValues, dynamic, applied-to-PostgreSQL, description, unit, doc page)
CATALOGUE = {
    "require_secure_transport": ("Boolean", "on", "on,off", True, False,
                                 "Whether client connections to the server are required to use some form of secure transport.", None,
                                 "runtime-config-connection.html"),
    # Learn "Server parameters in Azure Database for PostgreSQL flexible server" and "Networking overview - TLS/SSL": the
    # minimum TLS protocol the server accepts, TLSv1.2 by default; the server log files' retention, 3 days by default (1-7).
    "ssl_min_protocol_version": ("Enumeration", "TLSv1.2", "TLSv1,TLSv1.1,TLSv1.2,TLSv1.3", True, False,
                                 "Sets the minimum SSL/TLS protocol version to use.", None, "runtime-config-connection.html"),
    "logfiles.retention_days": ("Integer", "3", "1-7", True, False,
                                "Sets the retention period window in days for server logs - after this time data will be deleted.", "days",
                                None),
    "log_connections": ("Boolean", "on", "on,off", True, True, "Logs each successful connection.", None, "runtime-config-logging.html"),
    "log_disconnections": ("Boolean", "off", "on,off", True, True, "Logs end of a session, including duration.", None,
                           "runtime-config-logging.html"),
    # Learn "Server parameters in Azure Database for PostgreSQL flexible server" (list of parameters): log_checkpoints, on by
    # default as in PostgreSQL 15; CIS Azure benchmark 5.2.x asks for it on.
    "log_checkpoints": ("Boolean", "on", "on,off", True, True, "Logs each checkpoint.", None, "runtime-config-logging.html"),
    "log_min_duration_statement": ("Integer", "-1", "-1-2147483647", True, True,
                                   "Sets the minimum execution time above which statements will be logged.", "milliseconds",
                                   "runtime-config-logging.html"),
    "connection_throttle.enable": ("Boolean", "off", "on,off", True, False,
                                   "Enables temporary connection throttling per IP for too many login failures.", None, None),
    "max_connections": ("Integer", "859", "25-5000", False, True, "Sets the maximum number of concurrent connections.", None,
                        "runtime-config-connection.html"),
    "shared_buffers": ("Integer", "262144", "16-1073741823", False, True,
                       "Sets the number of shared memory buffers used by the server.", "8KB", "runtime-config-resource.html"),
    "azure.extensions": ("Set", "", "address_standardizer,amcheck,bloom,btree_gin,btree_gist,citext,cube,dict_int,fuzzystrmatch,hstore,"
                         "intarray,isn,lo,ltree,pg_buffercache,pg_stat_statements,pg_trgm,pgcrypto,plpgsql,postgis,tablefunc,unaccent,"
                         "uuid-ossp,vector", True, False, "Specifies which extensions are allowed to be created in the server.", None, None),
    "timezone": ("String", "UTC", "[A-Za-z0-9/+_-]+", True, True, "Sets the time zone for displaying and interpreting time stamps.", None,
                 "runtime-config-client.html"),
    "work_mem": ("Integer", "4096", "4096-2097151", True, True,
                 "Sets the amount of memory to be used by internal sort operations and hash tables before writing to temporary disk files.",
                 "KB", "runtime-config-resource.html"),
    "pgbouncer.enabled": ("Boolean", "false", "true,false", True, False, "Denotes whether pgBouncer service is enabled.", None, None),
    "application_name": ("String", "", "[A-Za-z0-9._-]*", True, True, "Sets the application name to be reported in statistics and logs.", None,
                         "libpq-connect.html"),
    "idle_in_transaction_session_timeout": ("Integer", "0", "0-2147483647", True, True,
                                            "Sets the maximum allowed idle time between queries, when in a transaction.", "milliseconds",
                                            "runtime-config-client.html"),
    "archive_mode": ("Enumeration", "always", "always,on,off", False, False, "Allows archiving of WAL files using archive_command.", None,
                     "runtime-config-wal.html"),
}
READ_ONLY = {"archive_mode"}  # ConfigurationListByServer.json: isReadOnly true


def known(name):
    return next((n for n in CATALOGUE if n.lower() == (name or "").lower()), None)


def describe(server, name, override, major):
    """The configuration resource as Azure returns it."""
    dtype, default, allowed, dynamic, _applied, desc, unit, page = CATALOGUE[name]
    value = override["properties"]["value"] if override else default
    props = {"value": value, "description": desc, "defaultValue": default, "dataType": dtype, "allowedValues": allowed,
             "source": "user-override" if override else "system-default", "isDynamicConfig": dynamic, "isReadOnly": name in READ_ONLY,
             "isConfigPendingRestart": bool(override and override.get("_pending")),
             "documentationLink": DOC.format(major=major, page=page) if page else ""}
    if unit:
        props["unit"] = unit
    return {"id": f"{server['id']}/configurations/{name}", "name": name, "type": server["type"] + "/configurations", "properties": props}


def validate(name, value):
    """The normalised value or a 400 naming the allowed values (message shape unverified; arm-data §2.5)."""
    dtype, _default, allowed, _dyn, _applied, _desc, _unit, _page = CATALOGUE[name]
    if name in READ_ONLY:
        raise AzureError(400, "ParameterIsReadOnly", f"Parameter '{name}' is read-only and cannot be modified.")  # unverified
    if not isinstance(value, str):
        value = str(value) if isinstance(value, (int, float)) and not isinstance(value, bool) else None
    bad = AzureError(400, "InvalidParameterValue", f"Invalid value given for parameter '{name}'. Specify a valid parameter value. "
                                                   f"Allowed values: {allowed}.")
    if value is None:
        raise bad
    v = value.strip()
    if dtype in ("Boolean", "Enumeration"):
        options = allowed.split(",")
        hit = next((o for o in options if o.lower() == v.lower()), None)
        if hit is None:
            raise bad
        return hit
    if dtype == "Integer":
        lo, hi = re.match(r"^(-?\d+)-(-?\d+)$", allowed).groups()
        if not re.match(r"^-?\d+$", v) or not int(lo) <= int(v) <= int(hi):
            raise bad
        return str(int(v))
    if dtype == "Set":
        items = [i.strip() for i in v.split(",") if i.strip()]
        options = {o.lower(): o for o in allowed.split(",")}
        if any(i.lower() not in options for i in items):
            raise bad
        return ",".join(options[i.lower()] for i in items)
    if not re.fullmatch(allowed, v):
        raise bad
    return v


def applied(name):
    """True when the parameter is a real PostgreSQL GUC azsim sets with ALTER SYSTEM."""
    return CATALOGUE[name][4]


def dynamic(name):
    return CATALOGUE[name][3]
