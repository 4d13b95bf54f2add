"""HTTP handlers of Microsoft.Web/sites (azure-mgmt-web ``WebAppsOperations``): create/update with
Web's merge semantics, get, list, delete, start/stop/restart, checknameavailability, publish
profile, source control and the basic-auth publishing policies.  Handlers taking ``slot`` serve
the same path under ``.../slots/{slot}`` as well.
"""

import html
import secrets
import string

from ...core import resource
from ...core.errors import AzureError, WebError
from ...core.http import Response
from . import common, config_model, logs, sites_model

SUB = "/subscriptions/{subscriptionId}"
RG = SUB + "/resourceGroups/{resourceGroupName}/providers/Microsoft.Web"
SITE = RG + "/sites/{name}"
SLOT = SITE + "/slots/{slot}"
# The spec example (CreateOrUpdateWebAppSlot.json) hands out azure-asyncoperation on
# /subscriptions/{sub}/providers/Microsoft.Web/sites/{name}/operationResults/{id} (a status monitor).
ASYNC_SEGMENT = "operationResults"


def register(app):
    h = Handlers(app)
    r = app.router
    r.add("GET", SITE, h.get)
    r.add("PUT", SITE, h.put)
    r.add("PATCH", SITE, h.patch)
    r.add("DELETE", SITE, h.delete)
    r.add("GET", RG + "/sites", h.list_rg)
    r.add("GET", SUB + "/providers/Microsoft.Web/sites", h.list_sub)
    r.add("POST", SUB + "/providers/Microsoft.Web/checknameavailability", h.check_name,
          action="Microsoft.Web/checknameavailability/read")
    r.add("POST", SUB + "/providers/Microsoft.Web/locations/{location}/checknameavailability", h.check_name,
          action="Microsoft.Web/checknameavailability/read")
    for base in (SITE, SLOT):
        r.add("POST", base + "/start", h.start)
        r.add("POST", base + "/stop", h.stop)
        r.add("POST", base + "/restart", h.restart)
        r.add("POST", base + "/publishxml", h.publish_xml)
        r.add("GET", base + "/sourcecontrols/web", h.get_source_control)
        r.add(["PUT", "PATCH"], base + "/sourcecontrols/web", h.put_source_control)
        r.add("DELETE", base + "/sourcecontrols/web", h.delete_source_control)
        r.add("GET", base + "/basicPublishingCredentialsPolicies", h.list_policies)
        r.add("GET", base + "/basicPublishingCredentialsPolicies/{policy}", h.get_policy)
        r.add("PUT", base + "/basicPublishingCredentialsPolicies/{policy}", h.put_policy)
    app.lro.register("web.site.created", h.finish_create)


def publishing(doc):
    """The site's publishing user (``$site`` / ``$site__slot``) and a stable 60-character password."""
    pub = doc.get("_publishing")
    if not pub:
        site, _sep, slot = doc["name"].partition("/")
        alphabet = string.ascii_letters + string.digits
        pub = {"user": f"${site}__{slot}" if slot else f"${site}", "password": "".join(secrets.choice(alphabet) for _unused in range(60))}
        doc["_publishing"] = pub
    return pub


class Handlers:
    def __init__(self, app):
        self.app = app

    def _site(self, sub, rg, name, slot=None):
        return common.get_site(self.app, sub, rg, name, slot)

    # -- CRUD ------------------------------------------------------------------------------------
    def get(self, req, subscriptionId, resourceGroupName, name):
        return Response(200, sites_model.render(self.app, self._site(subscriptionId, resourceGroupName, name)))

    def put(self, req, subscriptionId, resourceGroupName, name):
        body = req.json()
        if not isinstance(body, dict):
            raise AzureError(400, "InvalidRequestContent", "The request content was invalid and could not be deserialized: 'expected an object'.")
        sub, rg = subscriptionId, resourceGroupName
        props = body.get("properties") or {}
        existing = resource.get(self.app, common.site_id(sub, rg, name))
        if existing is not None:
            farm = props.get("serverFarmId") or existing["properties"]["serverFarmId"]
            plan = sites_model.resolve_plan(self.app, sub, farm)
            sites_model.apply(self.app, existing, body, plan)
            existing["properties"]["serverFarmId"] = plan["id"]
            existing["systemData"] = resource.system_data(self.app, req, existing.get("systemData"))
            common.save(self.app, existing)
            return Response(200, sites_model.render(self.app, existing, full_config=True))
        if sites_model.name_problem(name):
            raise sites_model.invalid_name(name)
        if sites_model.host_label(name) in sites_model.taken_labels(self.app):
            raise sites_model.name_conflict(name)
        if not props.get("serverFarmId"):
            # unverified: Azure's answer for a site PUT without a plan
            raise WebError(400, "BadRequest", "The parameter ServerFarmId has an invalid value.", extended_code="01007",
                           template="The parameter {0} has an invalid value.", parameters=["ServerFarmId"])
        plan = sites_model.resolve_plan(self.app, sub, props["serverFarmId"])
        doc = sites_model.new_site(self.app, sub, rg, name, body, plan)
        sites_model.apply(self.app, doc, body, plan)
        linux_fx = (props.get("siteConfig") or {}).get("linuxFxVersion")
        if plan["properties"].get("reserved") and not linux_fx:
            doc["_siteConfig"]["linuxFxVersion"] = ""
        doc["systemData"] = resource.system_data(self.app, req)
        publishing(doc)
        return self._start_create(req, doc, "web.site.create", f"/subscriptions/{sub}/providers/Microsoft.Web/sites/{name}")

    def _start_create(self, req, doc, duration_key, status_base):
        """Creation LRO: 200 + body when quick, else 202 + body + azure-asyncoperation (spec example
        CreateOrUpdateWebAppSlot.json shows exactly that pair for sites and slots)."""
        op = self.app.lro.create(req, namespace="Microsoft.Web", location=doc["location"], duration_key=duration_key,
                                 on_done="web.site.created", resource_id=doc["id"], poll_hint=5)
        common.save(self.app, doc)
        if self.app.lro.instant(op):
            self.app.lro.run_now(op)
            return Response(200, sites_model.render(self.app, resource.get(self.app, doc["id"]), full_config=True))
        doc["_creating"] = op["id"]
        common.save(self.app, doc)
        return self.app.lro.accepted(req, op, body=sites_model.render(self.app, doc, full_config=True), location_header=False,
                                     status_path=f"{status_base}/{ASYNC_SEGMENT}/{op['id']}")

    def finish_create(self, op):
        doc = resource.get(self.app, op["resource_id"])
        if doc is None:
            return None
        doc.pop("_creating", None)
        common.save(self.app, doc)
        return {"status": 200, "body": sites_model.render(self.app, doc, full_config=True)}

    def patch(self, req, subscriptionId, resourceGroupName, name, slot=None):
        body = req.json()
        doc = self._site(subscriptionId, resourceGroupName, name, slot)
        props = body.get("properties") or {}
        farm = props.get("serverFarmId") or doc["properties"]["serverFarmId"]
        plan = sites_model.resolve_plan(self.app, subscriptionId, farm)
        sites_model.apply(self.app, doc, body, plan, patch=True)
        doc["properties"]["serverFarmId"] = plan["id"]
        doc["systemData"] = resource.system_data(self.app, req, doc.get("systemData"))
        common.save(self.app, doc)
        return Response(200, sites_model.render(self.app, doc, full_config=True))

    def delete(self, req, subscriptionId, resourceGroupName, name):
        doc = resource.get(self.app, common.site_id(subscriptionId, resourceGroupName, name))
        if doc is None:
            return Response(204)  # arm-web.md §1.2
        plan = resource.get(self.app, doc["properties"]["serverFarmId"])
        resource.delete_tree(self.app, doc["id"])
        # "By default, empty App Service plan is deleted" (spec text of deleteEmptyServerFarm; the
        # behaviour is confirmed as by design in Azure/azure-cli#4497).
        if plan is not None and (req.query.get("deleteemptyserverfarm") or "true").lower() != "false":
            from . import plans_model
            if not plans_model.sites_on(self.app, plan):
                resource.delete_tree(self.app, plan["id"])
        return Response(200)

    def list_rg(self, req, subscriptionId, resourceGroupName):
        include_slots = (req.query.get("includeslots") or "").lower() == "true"
        prefix = f"/subscriptions/{subscriptionId}/resourcegroups/{resourceGroupName}/providers/microsoft.web/sites/"
        items = [sites_model.render(self.app, d) for _key, d in self.app.store.items(resource.TABLE, prefix)
                 if d.get("type") == sites_model.SITE_TYPE or (include_slots and d.get("type") == sites_model.SLOT_TYPE)]
        return self.app.page(req, items)

    def list_sub(self, req, subscriptionId):
        items = [sites_model.render(self.app, d) for d in resource.tracked_in(self.app, subscriptionId) if d["type"] == sites_model.SITE_TYPE]
        return self.app.page(req, items)

    # -- names -----------------------------------------------------------------------------------
    def check_name(self, req, subscriptionId, location=None):
        """``ResourceNameAvailability`` (SDK model). Messages: AlreadyExists text from arm-web.md §3.5
        [MEM]; Invalid text unverified."""
        body = req.json()
        name, rtype = body.get("name"), body.get("type")
        if not name or not rtype:
            missing = "name" if not name else "type"
            raise WebError(400, "BadRequest", f"The parameter {missing} has an invalid value.", extended_code="01007",
                           template="The parameter {0} has an invalid value.", parameters=[missing])
        kind = str(rtype).lower()
        if kind not in ("site", "slot", "microsoft.web/sites", "microsoft.web/sites/slots"):
            return Response(200, {"nameAvailable": True, "reason": None, "message": None})
        label = name
        if body.get("isFqdn") and name.lower().endswith("." + sites_model.DOMAIN):
            label = name[: -len(sites_model.DOMAIN) - 1]
        problem = sites_model.name_problem(label)
        if problem:
            return Response(200, {"nameAvailable": False, "reason": "Invalid", "message": f"Hostname '{name}' is invalid. {problem}"})
        if label.lower() in sites_model.taken_labels(self.app):
            return Response(200, {"nameAvailable": False, "reason": "AlreadyExists",
                                  "message": f"Hostname '{name}' already exists. Please select a different name."})
        return Response(200, {"nameAvailable": True, "reason": None, "message": None})

    # -- lifecycle -------------------------------------------------------------------------------
    def _set_state(self, req, sub, rg, name, slot, state):
        doc = self._site(sub, rg, name, slot)
        doc["properties"]["state"] = state
        doc["properties"]["lastModifiedTimeUtc"] = self.app.clock.iso()[:23] + "Z"
        common.save(self.app, doc)
        logs.platform_event(self.app, doc, f"Site {doc['name']} {'started' if state == 'Running' else 'stopped'} by a management request.",
                            "Start" if state == "Running" else "Stop")
        return Response(200)  # SDK: 200, empty body

    def start(self, req, subscriptionId, resourceGroupName, name, slot=None):
        return self._set_state(req, subscriptionId, resourceGroupName, name, slot, "Running")

    def stop(self, req, subscriptionId, resourceGroupName, name, slot=None):
        return self._set_state(req, subscriptionId, resourceGroupName, name, slot, "Stopped")

    def restart(self, req, subscriptionId, resourceGroupName, name, slot=None):
        doc = self._site(subscriptionId, resourceGroupName, name, slot)
        doc["_restarts"] = doc.get("_restarts", 0) + 1
        common.save(self.app, doc)
        logs.platform_event(self.app, doc, f"Site {doc['name']} restart requested by a management request.", "Restart")
        return Response(200)

    # -- publish profile -------------------------------------------------------------------------
    def publish_xml(self, req, subscriptionId, resourceGroupName, name, slot=None):
        """``<publishData>`` with Web Deploy, FTP and ZipDeploy profiles (arm-web.md §4.9 [MEM])."""
        body = req.json(required=False) or {}
        fmt = body.get("format") or "WebDeploy"
        if fmt not in ("FileZilla3", "WebDeploy", "Ftp"):
            raise config_model.invalid_parameter("Format")
        doc = self._site(subscriptionId, resourceGroupName, name, slot)
        pub = publishing(doc)
        common.save(self.app, doc)
        host = doc["properties"]["defaultHostName"]
        label = host.split(".")[0]
        scm = f"{label}.scm.{sites_model.DOMAIN}"
        user, pwd = html.escape(pub["user"], quote=True), html.escape(pub["password"], quote=True)
        site_name = doc["name"].replace("/", "__")
        ftp = "ftps://waws-prod-am2-001.ftp.azurewebsites.windows.net/site/wwwroot"
        xml = ("<publishData>"
               f'<publishProfile profileName="{label} - Web Deploy" publishMethod="MSDeploy" publishUrl="{scm}:443" msdeploySite="{site_name}" '
               f'userName="{user}" userPWD="{pwd}" destinationAppUrl="http://{host}" SQLServerDBConnectionString="" mySQLDBConnectionString="" '
               'hostingProviderForumLink="" controlPanelLink="https://portal.azure.com" webSystem="WebSites"><databases /></publishProfile>'
               f'<publishProfile profileName="{label} - FTP" publishMethod="FTP" publishUrl="{ftp}" ftpPassiveMode="True" '
               f'userName="{html.escape(label)}\\{user}" '
               f'userPWD="{pwd}" destinationAppUrl="http://{host}" SQLServerDBConnectionString="" mySQLDBConnectionString="" '
               'hostingProviderForumLink="" controlPanelLink="https://portal.azure.com" webSystem="WebSites"><databases /></publishProfile>'
               f'<publishProfile profileName="{label} - Zip Deploy" publishMethod="ZipDeploy" publishUrl="{scm}:443" userName="{user}" userPWD="{pwd}" '
               f'destinationAppUrl="http://{host}" SQLServerDBConnectionString="" mySQLDBConnectionString="" hostingProviderForumLink="" '
               'controlPanelLink="https://portal.azure.com" webSystem="WebSites"><databases /></publishProfile>'
               "</publishData>")
        return Response(200, xml.encode(), content_type="application/xml")

    # -- source control ----------------------------------------------------------------------------
    def _source_control(self, doc):
        sc = doc.get("_sourceControl") or {
            "repoUrl": None, "branch": None, "isManualIntegration": False, "isGitHubAction": False,
            "deploymentRollbackEnabled": False, "isMercurial": False}
        return {"id": doc["id"] + "/sourcecontrols/web", "name": doc["name"].split("/")[-1], "type": "Microsoft.Web/sites/sourcecontrols",
                "location": doc["location"], "properties": sc}

    def get_source_control(self, req, subscriptionId, resourceGroupName, name, slot=None):
        # A site without a repository answers 200 with empty properties (unverified).
        return Response(200, self._source_control(self._site(subscriptionId, resourceGroupName, name, slot)))

    def put_source_control(self, req, subscriptionId, resourceGroupName, name, slot=None):
        """SiteSourceControl PUT/PATCH: the SDK polls (200/201/202); azsim completes at once (200)."""
        body = req.json()
        doc = self._site(subscriptionId, resourceGroupName, name, slot)
        props = body.get("properties") or {}
        sc = dict(doc.get("_sourceControl") or {})
        for k in ("repoUrl", "branch", "isManualIntegration", "isGitHubAction", "deploymentRollbackEnabled", "isMercurial", "gitHubActionConfiguration"):
            if k in props and (props[k] is not None or req.method == "PUT"):
                sc[k] = props[k]
        if not sc.get("repoUrl"):
            raise config_model.invalid_parameter("RepoUrl")  # unverified
        sc.setdefault("branch", "master")
        doc["_sourceControl"] = sc
        doc["_siteConfig"]["scmType"] = "GitHubAction" if sc.get("isGitHubAction") else ("ExternalGit" if sc.get("isManualIntegration") else "GitHub")
        common.save(self.app, doc)
        return Response(200, self._source_control(doc))

    def delete_source_control(self, req, subscriptionId, resourceGroupName, name, slot=None):
        doc = self._site(subscriptionId, resourceGroupName, name, slot)
        doc.pop("_sourceControl", None)
        doc["_siteConfig"]["scmType"] = "None"
        common.save(self.app, doc)
        return Response(200)

    # -- basic publishing credentials policies ----------------------------------------------------
    def _policy(self, doc, policy):
        return {"id": f"{doc['id']}/basicPublishingCredentialsPolicies/{policy}", "name": policy,
                "type": "Microsoft.Web/sites/basicPublishingCredentialsPolicies", "location": doc["location"],
                "properties": {"allow": doc.get("_policies", {}).get(policy, True)}}

    def _policy_name(self, policy, doc, rg):
        p = policy.lower()
        if p not in ("scm", "ftp"):
            raise AzureError(404, "ResourceNotFound", f"The Resource 'Microsoft.Web/sites/{doc['name']}/basicPublishingCredentialsPolicies/{policy}' "
                             f"under resource group '{rg}' was not found. For more details please go to https://aka.ms/ARMResourceNotFoundFix")
        return p

    def list_policies(self, req, subscriptionId, resourceGroupName, name, slot=None):
        doc = self._site(subscriptionId, resourceGroupName, name, slot)
        return self.app.page(req, [self._policy(doc, "ftp"), self._policy(doc, "scm")])

    def get_policy(self, req, subscriptionId, resourceGroupName, name, policy, slot=None):
        doc = self._site(subscriptionId, resourceGroupName, name, slot)
        return Response(200, self._policy(doc, self._policy_name(policy, doc, resourceGroupName)))

    def put_policy(self, req, subscriptionId, resourceGroupName, name, policy, slot=None):
        """``allow`` is required (SDK model CsmPublishingCredentialsPoliciesEntityProperties); ARM
        defaults to allowed (arm-web.md §4.9).  Error text for a missing value unverified."""
        body = req.json()
        doc = self._site(subscriptionId, resourceGroupName, name, slot)
        p = self._policy_name(policy, doc, resourceGroupName)
        allow = (body.get("properties") or {}).get("allow")
        if not isinstance(allow, bool):
            raise config_model.invalid_parameter("Allow")
        doc.setdefault("_policies", {"scm": True, "ftp": True})[p] = allow
        common.save(self.app, doc)
        return Response(200, self._policy(doc, p))
