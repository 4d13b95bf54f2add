"""HTTP handlers of Microsoft.DBforPostgreSQL/flexibleServers (azure-mgmt-postgresqlflexibleservers 3.0.0, api 2026-10-01;
azure-mgmt-rdbms 10.x ``postgresql_flexibleservers``, api 2021-06-01 / 2023-12-01-preview) and ``GET /_azsim/endpoints``.

How a client connects
---------------------
Each flexible server is a real PostgreSQL cluster on its own loopback port. ``GET /_azsim/endpoints`` (admin API) maps
every server FQDN to ``"127.0.0.1:PORT"``, e.g. ``{"pg1.postgres.database.azure.com": "127.0.0.1:41234"}``. Connect with
libpq giving both the name and the address, so TLS name checks stay honest::

    psql "host=pg1.postgres.database.azure.com hostaddr=127.0.0.1 port=41234 dbname=postgres user=pgadmin
          sslmode=verify-full sslrootcert=<azsim ca.pem>"

The server certificate is issued by azsim's CA for ``<name>.postgres.database.azure.com``. The firewall is real: pg_hba
admits only the networks of the server's firewall rules (a local client comes from 127.0.0.1, so add a rule covering it,
e.g. 127.0.0.1-127.0.0.1); anyone else gets PostgreSQL's ``no pg_hba.conf entry for host ...``. The "allow Azure
services" rule (0.0.0.0-0.0.0.0, ``AllowAllAzureServicesAndResourcesWithinAzureIps``) admits 127.0.0.2, the address the
sites azsim runs connect from (``hostaddr=127.0.0.2`` is not needed: the server listens on both addresses, and a client
bound to 127.0.0.2 is seen as an Azure service).  Those sites reach a server by its FQDN on port 5432, as apps in Azure do,
through the forwarders of :mod:`.azurenet`. ``require_secure_transport`` (default ``on``, as on Azure) makes the
rules ``hostssl``: plain-text connections are refused.
"""

from ...core import resource
from ...core.clock import parse_iso
from ...core.errors import AzureError, not_found
from ...core.http import Response
from . import administrators, azurenet, backups, capabilities, configurations, models, serverlogs, threatprotection
from .engine import DONE_HOOK, FAIL_HOOK, Engine

API_VERSIONS = ["2026-10-01", "2025-08-01", "2024-08-01", "2023-12-01-preview", "2022-12-01", "2021-06-01"]
SUB = "/subscriptions/{subscriptionId}"
SERVERS = SUB + "/resourceGroups/{resourceGroupName}/providers/Microsoft.DBforPostgreSQL/flexibleServers"
SERVER = SERVERS + "/{serverName}"
BUSY_STATES = ("Provisioning", "Updating", "Starting", "Stopping", "Restarting", "Dropping")


def register(app):
    types = dict.fromkeys(("flexibleServers", "flexibleServers/firewallRules", "flexibleServers/databases", "flexibleServers/configurations",
                           "flexibleServers/backups", "checkNameAvailability", "locations", "locations/checkNameAvailability",
                           "locations/azureAsyncOperation", "locations/operationResults", "locations/capabilities",
                           "flexibleServers/capabilities", "flexibleServers/advancedThreatProtectionSettings",
                           "flexibleServers/administrators"), API_VERSIONS)
    app.namespace(models.NS, types)
    h = Handlers(app)
    r = app.router
    r.add("GET", SUB + "/providers/Microsoft.DBforPostgreSQL/flexibleServers", h.list_sub)
    r.add("GET", SERVERS, h.list_rg)
    r.add("GET", SERVER, h.get)
    r.add("PUT", SERVER, h.put)
    r.add("PATCH", SERVER, h.patch)
    r.add("DELETE", SERVER, h.delete)
    for action in ("start", "stop", "restart"):
        r.add("POST", SERVER + "/" + action, getattr(h, action))
    r.add("GET", SERVER + "/firewallRules", h.list_rules)
    r.add("GET", SERVER + "/firewallRules/{ruleName}", h.get_rule)
    r.add("PUT", SERVER + "/firewallRules/{ruleName}", h.put_rule)
    r.add("DELETE", SERVER + "/firewallRules/{ruleName}", h.delete_rule)
    r.add("GET", SERVER + "/databases", h.list_dbs)
    r.add("GET", SERVER + "/databases/{databaseName}", h.get_db)
    r.add("PUT", SERVER + "/databases/{databaseName}", h.put_db)
    r.add("DELETE", SERVER + "/databases/{databaseName}", h.delete_db)
    r.add("GET", SERVER + "/configurations", h.list_configs)
    r.add("GET", SERVER + "/configurations/{configurationName}", h.get_config)
    r.add(["PUT", "PATCH"], SERVER + "/configurations/{configurationName}", h.put_config)
    r.add("GET", SERVER + "/backups", h.list_backups)
    r.add("GET", SERVER + "/backups/{backupName}", h.get_backup)
    r.add("GET", SUB + "/providers/Microsoft.DBforPostgreSQL/locations/{locationName}/capabilities", h.location_capabilities)
    r.add("GET", SERVER + "/capabilities", h.server_capabilities)
    r.add("POST", SUB + "/providers/Microsoft.DBforPostgreSQL/checkNameAvailability", h.check_name)
    r.add("POST", SUB + "/providers/Microsoft.DBforPostgreSQL/locations/{locationName}/checkNameAvailability", h.check_name)
    threatprotection.register(app, SERVER, h._server, h._accepted)
    administrators.register(app, SERVER, h._server, h._accepted)
    app.lro.register(DONE_HOOK, h.finish)
    app.lro.register(FAIL_HOOK, h.failed)
    app.admin_routes[("GET", "endpoints")] = h.endpoints
    app.tick_hooks.append(h.engine.tick)
    app.shutdown_hooks.append(h.engine.shutdown)
    # The Azure-side path to each server (<server>.postgres.database.azure.com:5432 for the sites azsim runs): see azurenet.
    app.postgres_azure_path = azurenet.AzurePath(app)
    app.tick_hooks.append(app.postgres_azure_path.tick)
    app.shutdown_hooks.append(app.postgres_azure_path.shutdown)
    app.reset_hooks.append(h.engine.reset)
    # Each server's PostgreSQL log, as the PostgreSQLLogs resource log category (see serverlogs).
    app.tick_hooks.append(serverlogs.ServerLogs(app, h.engine).tick)
    h.engine.recover()


class Handlers:
    def __init__(self, app):
        self.app = app
        self.engine = Engine(app)

    @property
    def sub(self):
        return self.app.identity.subscription_id

    # -- helpers ---------------------------------------------------------------------------------------
    def _server(self, rg, name, parent=False):
        doc = resource.get(self.app, models.server_id(self.sub, rg, name))
        if doc is None:
            raise models.parent_missing(name) if parent else not_found(models.SERVER_TYPE, name, rg)
        return doc

    def view(self, doc):
        out = resource.public(doc)
        out["properties"] = {k: v for k, v in out["properties"].items() if k != "sourceServerResourceId" or v}
        # ServerGet example: "version": "16", "minorVersion": "8" (PostgreSQL 16.8). azsim reports the minor release of the
        # binaries that really run the server (15.18 -> "18"; the major of tag azsim-actual-version when it differs).
        minor = self.engine.minor(doc.get("_major"))
        if minor is not None:
            out["properties"]["minorVersion"] = minor
        earliest = backups.earliest_restore(self.app, doc)
        if earliest is not None:
            out["properties"]["backup"] = {**out["properties"]["backup"], "earliestRestoreDate": self.app.clock.iso(earliest)}
        return out

    def _mutable(self, doc, children_only=False, allow_stopped=False):
        """ServerBusy while another operation runs (arm-data §1.6), ServerStoppedError on a stopped server."""
        state = doc["properties"]["state"]
        if state in BUSY_STATES:
            raise models.busy(doc["name"])
        server_kinds = ("create", "restore", "update", "start", "stop", "restart", "delete", "config")
        if not children_only and self.engine.pending(doc["id"], kinds=server_kinds):
            raise models.busy(doc["name"])
        if state == "Stopped" and not allow_stopped:
            raise models.stopped(doc["name"])

    def _accepted(self, req, op, status=202):
        base = f"/subscriptions/{self.sub}/providers/{models.NS}/locations/{op['location']}"
        # REST spec / arm-data §2.1: Azure-AsyncOperation .../azureAsyncOperation/{id}, Location .../operationResults/{id}.
        return self.app.lro.accepted(req, op, status=status, status_path=f"{base}/azureAsyncOperation/{op['id']}",
                                     result_path=f"{base}/operationResults/{op['id']}")

    def _set_state(self, doc, state):
        doc["properties"]["state"] = state
        resource.put(self.app, doc)

    # -- servers -----------------------------------------------------------------------------------------
    def list_sub(self, req, subscriptionId):
        prefix = f"/subscriptions/{self.sub}/".lower()
        docs = [d for k, d in self.app.store.items(resource.TABLE, prefix) if d.get("type") == models.SERVER_TYPE]
        return self.app.page(req, [self.view(d) for d in docs])

    def list_rg(self, req, subscriptionId, resourceGroupName):
        docs = [d for d in resource.tracked_in(self.app, self.sub, resourceGroupName) if d.get("type") == models.SERVER_TYPE]
        return self.app.page(req, [self.view(d) for d in docs])

    def get(self, req, subscriptionId, resourceGroupName, serverName):
        return Response(200, self.view(self._server(resourceGroupName, serverName)))

    def put(self, req, subscriptionId, resourceGroupName, serverName):
        body = req.json()
        if not isinstance(body, dict):
            raise AzureError(400, "InvalidRequestContent", "The request content was invalid and could not be deserialized.")
        existing = resource.get(self.app, models.server_id(self.sub, resourceGroupName, serverName))
        if existing is not None:
            return self._update(req, existing, body)
        problem = models.name_problem(serverName)
        if problem:
            raise AzureError(400, "InvalidServerName", problem)  # code unverified
        if models.name_taken(self.app, serverName):
            # Message quoted in Azure/azure-service-operator#2428 and microsoft/vscode-cosmosdb#1900; code/status unverified.
            raise AzureError(409, "ServerNameAlreadyExists", "Specified server name is already used.")
        props = body.get("properties") or {}
        mode = str(props.get("createMode") or "Default")
        if mode.lower() in ("default", "create"):
            doc = models.new_server(self.app, req, self.sub, resourceGroupName, serverName, body, self._major_for(props))
            self.engine.allocate(doc)
            resource.put(self.app, doc)
            op = self.engine.start_op(req, doc, "create", "postgresql.server.create", doc["id"],
                                      args={"_password": props["administratorLoginPassword"]})
            return self._accepted(req, op)
        if mode.lower() == "pointintimerestore":
            return self._restore(req, resourceGroupName, serverName, body, props)
        # GeoRestore / Replica / ReviveDropped / Update are not simulated (azsim limitation).
        raise AzureError(400, "UnsupportedCreateMode", f"createMode '{mode}' is not supported by azsim.")

    def _major_for(self, props):
        from .cluster import closest_major
        return closest_major(str(props.get("version") or "16"), self.engine.majors)

    def _restore(self, req, rg, name, body, props):
        src_id = props.get("sourceServerResourceId")
        source = resource.get(self.app, src_id) if isinstance(src_id, str) else None
        if source is None or source.get("type") != models.SERVER_TYPE:
            raise AzureError(400, "InvalidSourceServer", f"The source server '{src_id}' of the restore was not found.")  # unverified
        point = parse_iso(props.get("pointInTimeUTC"))
        if point is None:
            raise AzureError(400, "InvalidParameterValue", "pointInTimeUTC is required for createMode PointInTimeRestore.")  # unverified
        backup, target_wall = backups.pick_for_restore(self.app, source, point)
        doc = models.restored_server(self.app, req, self.sub, rg, name, body, source)
        self.engine.allocate(doc)
        doc["_major"] = source["_major"]
        resource.put(self.app, doc)
        for c in resource.children(self.app, source["id"], "configurations"):
            # Server parameters come with the restored data (their postgresql.auto.conf); firewall rules do not (unverified).
            resource.put(self.app, {**c, "id": f"{doc['id']}/configurations/{c['name']}", "_pending": False})
        op = self.engine.start_op(req, doc, "restore", "postgresql.server.create", doc["id"],
                                  args={"source_dir": source["_dir"], "source_port": source["_port"], "backup_dir": backup["_path"],
                                        "target_wall": target_wall})
        return self._accepted(req, op)

    def patch(self, req, subscriptionId, resourceGroupName, serverName):
        body = req.json()
        return self._update(req, self._server(resourceGroupName, serverName), body if isinstance(body, dict) else {})

    def _update(self, req, doc, body):
        self._mutable(doc)
        restart, password = models.apply_patch(doc, body)
        doc["systemData"] = resource.system_data(self.app, req, doc.get("systemData"))
        op = self.engine.start_op(req, doc, "update", "postgresql.server.update", doc["id"],
                                  args={"_password": password, "restart": restart})
        self._set_state(doc, "Updating")
        return self._accepted(req, op)

    def delete(self, req, subscriptionId, resourceGroupName, serverName):
        doc = resource.get(self.app, models.server_id(self.sub, resourceGroupName, serverName))
        if doc is None:
            return Response(204)  # SDK 3.0.0 begin_delete accepts 202/204
        if self.engine.pending(doc["id"], kinds=("delete",)):
            raise models.busy(doc["name"])
        if doc["properties"]["state"] in BUSY_STATES:
            raise models.busy(doc["name"])
        op = self.engine.start_op(req, doc, "delete", "postgresql.server.delete", doc["id"], result={"status": 200})
        self._set_state(doc, "Dropping")
        return self._accepted(req, op)

    def _power(self, req, rg, name, kind, state, allowed_from):
        doc = self._server(rg, name)
        if doc["properties"]["state"] in BUSY_STATES or self.engine.pending(doc["id"]):
            raise models.busy(doc["name"])
        if doc["properties"]["state"] not in allowed_from:
            raise models.not_ready(doc["name"], doc["properties"]["state"])
        op = self.engine.start_op(req, doc, kind, f"postgresql.server.{kind}", doc["id"], result={"status": 200})
        self._set_state(doc, state)
        return self._accepted(req, op)

    def start(self, req, subscriptionId, resourceGroupName, serverName):
        return self._power(req, resourceGroupName, serverName, "start", "Starting", ("Stopped", "Ready"))  # start of a Ready server: unverified

    def stop(self, req, subscriptionId, resourceGroupName, serverName):
        return self._power(req, resourceGroupName, serverName, "stop", "Stopping", ("Ready",))

    def restart(self, req, subscriptionId, resourceGroupName, serverName):
        return self._power(req, resourceGroupName, serverName, "restart", "Restarting", ("Ready",))

    # -- operation completion ---------------------------------------------------------------------------------
    def finish(self, op):
        result = self.engine.job_result(op)
        args = op["args"]
        kind = args["kind"]
        args.pop("_password", None)
        doc = resource.get(self.app, args["server_id"])
        if kind == "delete":
            if doc is not None:
                resource.delete_tree(self.app, doc["id"])
            return {"status": 200}
        if doc is None:
            raise AzureError(404, "ResourceNotFound", "The server was deleted while the operation ran.")
        if kind in ("create", "restore"):
            backups.record(self.app, doc, result["backup"], result["wall"], self.engine.cluster(doc).backups)
            doc = resource.get(self.app, doc["id"])
        if kind in ("create", "restore", "update", "start", "restart"):
            if kind in ("start", "restart") or args.get("restart"):
                for c in resource.children(self.app, doc["id"], "configurations"):
                    if c.get("_pending"):
                        c = dict(c)
                        c.pop("_pending")
                        resource.put(self.app, c)
            self._set_state(doc, "Ready")
        elif kind == "stop":
            self._set_state(doc, "Stopped")
        elif kind == "db_create":
            resource.put(self.app, args["doc"])
        elif kind == "db_delete":
            self.app.store.delete(resource.TABLE, args["resource"])
        elif kind == "hba" and args.get("deleting"):
            self.app.store.delete(resource.TABLE, args["resource"])
        return None

    def failed(self, op):
        args = op["args"]
        args.pop("_password", None)
        doc = resource.get(self.app, args["server_id"])
        if doc is None:
            return
        if args["kind"] in ("create", "restore"):
            resource.delete_tree(self.app, doc["id"])  # the orphan scan removes the cluster directory
        elif doc["properties"]["state"] in BUSY_STATES:
            self._set_state(doc, args.get("prev_state") or "Ready")
        if args["kind"] == "hba" and args.get("deleting"):
            rule = resource.get(self.app, args["resource"])
            if rule is not None:
                rule.pop("_deleting", None)
                resource.put(self.app, rule)

    # -- firewall rules ------------------------------------------------------------------------------------
    def list_rules(self, req, subscriptionId, resourceGroupName, serverName):
        doc = self._server(resourceGroupName, serverName, parent=True)
        return self.app.page(req, [resource.public(r) for r in resource.children(self.app, doc["id"], "firewallRules")])

    def get_rule(self, req, subscriptionId, resourceGroupName, serverName, ruleName):
        doc = self._server(resourceGroupName, serverName, parent=True)
        rule = resource.get(self.app, f"{doc['id']}/firewallRules/{ruleName}")
        if rule is None:
            raise not_found(models.SERVER_TYPE + "/firewallRules", f"{serverName}/{ruleName}", resourceGroupName)
        return Response(200, resource.public(rule))

    def put_rule(self, req, subscriptionId, resourceGroupName, serverName, ruleName):
        doc = self._server(resourceGroupName, serverName, parent=True)
        rule = models.firewall_rule(doc, ruleName, req.json())
        self._mutable(doc, children_only=True)
        old = resource.get(self.app, rule["id"])
        if old is not None:
            rule["name"], rule["id"] = old["name"], old["id"]
        resource.put(self.app, rule)
        op = self.engine.start_op(req, doc, "hba", "postgresql.child", rule["id"])
        return self._accepted(req, op)

    def delete_rule(self, req, subscriptionId, resourceGroupName, serverName, ruleName):
        doc = self._server(resourceGroupName, serverName, parent=True)
        rule = resource.get(self.app, f"{doc['id']}/firewallRules/{ruleName}")
        if rule is None:
            return Response(204)
        self._mutable(doc, children_only=True)
        rule["_deleting"] = True
        resource.put(self.app, rule)
        op = self.engine.start_op(req, doc, "hba", "postgresql.child", rule["id"], args={"deleting": True, "resource": rule["id"]},
                                  result={"status": 200})
        return self._accepted(req, op)

    # -- databases -------------------------------------------------------------------------------------------
    def _live_dbs(self, doc):
        """Databases as the server has them (created through ARM or SQL); ARM-created ones keep their requested collation."""
        self._mutable(doc, children_only=True)
        rows = self.engine.cluster(doc).sql("SELECT datname, pg_encoding_to_char(encoding), datcollate FROM pg_database "
                                            "WHERE NOT datistemplate ORDER BY oid", timeout=10)
        out = []
        for name, enc, coll in rows:
            stored = resource.get(self.app, f"{doc['id']}/databases/{name}")
            out.append(resource.public(stored) if stored else models.database(doc, name, {"properties": {"charset": enc, "collation": coll}}))
        return out

    def list_dbs(self, req, subscriptionId, resourceGroupName, serverName):
        doc = self._server(resourceGroupName, serverName, parent=True)
        return self.app.page(req, self._live_dbs(doc))

    def get_db(self, req, subscriptionId, resourceGroupName, serverName, databaseName):
        doc = self._server(resourceGroupName, serverName, parent=True)
        hit = next((d for d in self._live_dbs(doc) if d["name"] == databaseName), None)
        if hit is None:
            raise not_found(models.SERVER_TYPE + "/databases", f"{serverName}/{databaseName}", resourceGroupName)
        return Response(200, hit)

    def put_db(self, req, subscriptionId, resourceGroupName, serverName, databaseName):
        doc = self._server(resourceGroupName, serverName, parent=True)
        db = models.database(doc, databaseName, req.json(required=False))
        self._mutable(doc, children_only=True)
        old = resource.get(self.app, db["id"])
        if old is not None and old["properties"] != db["properties"]:
            # arm-data §2.5: charset/collation are immutable after create (text unverified).
            raise AzureError(400, "DatabaseCharsetCollationUpdateNotSupported", "Updating charset or collation of an existing database is not supported.")
        op = self.engine.start_op(req, doc, "db_create", "postgresql.child", db["id"],
                                  args={"name": databaseName, "charset": db["properties"]["charset"], "collation": db["properties"]["collation"],
                                        "doc": db})
        return self._accepted(req, op)

    def delete_db(self, req, subscriptionId, resourceGroupName, serverName, databaseName):
        doc = self._server(resourceGroupName, serverName, parent=True)
        self._mutable(doc, children_only=True)
        rid = f"{doc['id']}/databases/{databaseName}"
        op = self.engine.start_op(req, doc, "db_delete", "postgresql.child", rid, args={"name": databaseName, "resource": rid},
                                  result={"status": 200})
        return self._accepted(req, op)

    # -- configurations ----------------------------------------------------------------------------------------
    def _config_view(self, doc, name):
        return configurations.describe(doc, name, resource.get(self.app, f"{doc['id']}/configurations/{name}"), doc["_major"])

    def list_configs(self, req, subscriptionId, resourceGroupName, serverName):
        doc = self._server(resourceGroupName, serverName, parent=True)
        self._mutable(doc, children_only=True)
        return self.app.page(req, [self._config_view(doc, n) for n in sorted(configurations.CATALOGUE)])

    def get_config(self, req, subscriptionId, resourceGroupName, serverName, configurationName):
        doc = self._server(resourceGroupName, serverName, parent=True)
        name = configurations.known(configurationName)
        if name is None:
            raise not_found(models.SERVER_TYPE + "/configurations", f"{serverName}/{configurationName}", resourceGroupName)
        self._mutable(doc, children_only=True)
        return Response(200, self._config_view(doc, name))

    def put_config(self, req, subscriptionId, resourceGroupName, serverName, configurationName):
        doc = self._server(resourceGroupName, serverName, parent=True)
        name = configurations.known(configurationName)
        if name is None:
            raise not_found(models.SERVER_TYPE + "/configurations", f"{serverName}/{configurationName}", resourceGroupName)
        props = (req.json() or {}).get("properties") or {}
        self._mutable(doc)
        cid = f"{doc['id']}/configurations/{name}"
        default = configurations.CATALOGUE[name][1]
        if props.get("source") == "system-default" and "value" not in props:
            value = default
        else:
            value = configurations.validate(name, props.get("value"))
        old = resource.get(self.app, cid)
        if value == default and props.get("source") == "system-default":
            self.app.store.delete(resource.TABLE, cid)
        else:
            changed = (old["properties"]["value"] if old else default) != value
            pending = bool(old and old.get("_pending")) or (changed and not configurations.dynamic(name))
            resource.put(self.app, {"id": cid, "name": name, "type": doc["type"] + "/configurations",
                                    "properties": {"value": value, "source": "user-override"}, "_pending": pending})
        op = self.engine.start_op(req, doc, "config", "postgresql.child", cid, args={"name": name})
        return self._accepted(req, op)

    # -- backups, names, endpoints --------------------------------------------------------------------------------
    def list_backups(self, req, subscriptionId, resourceGroupName, serverName):
        doc = self._server(resourceGroupName, serverName, parent=True)
        return self.app.page(req, [resource.public(b) for b in backups.listed(self.app, doc)])

    def get_backup(self, req, subscriptionId, resourceGroupName, serverName, backupName):
        doc = self._server(resourceGroupName, serverName, parent=True)
        hit = next((b for b in backups.listed(self.app, doc) if b["name"].lower() == backupName.lower()), None)
        if hit is None:
            raise not_found(models.SERVER_TYPE + "/backups", f"{serverName}/{backupName}", resourceGroupName)
        return Response(200, resource.public(hit))

    def location_capabilities(self, req, subscriptionId, locationName):
        capabilities.check_location(locationName)
        return self.app.page(req, capabilities.for_api(req.api_version))

    def server_capabilities(self, req, subscriptionId, resourceGroupName, serverName):
        """CapabilitiesByServer_List (example ServerCapabilities.json): the same shape as the server's region offers."""
        self._server(resourceGroupName, serverName)
        return self.app.page(req, capabilities.for_api(req.api_version))

    def check_name(self, req, subscriptionId, locationName=None):
        return Response(200, models.check_name(self.app, req.json()))

    def endpoints(self, req):
        """``GET /_azsim/endpoints``: ``{fqdn: "127.0.0.1:PORT"}`` for every flexible server (see the module docstring)."""
        with self.app.store.lock:
            docs = [d for _k, d in self.app.store.items(resource.TABLE, "/subscriptions/") if d.get("type") == models.SERVER_TYPE]
            out = {d["properties"]["fullyQualifiedDomainName"]: f"127.0.0.1:{d['_port']}" for d in docs if d.get("_port")}
        return Response(200, out)
