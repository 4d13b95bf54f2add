"""Kudu, the SCM site of every app and slot: ``https://{site}[-{slot}].scm.azurewebsites.net`` through the front door.

Sources: the Kudu wiki (github.com/projectkudu/kudu/wiki) "REST API" and "Deploying from a zip file"; KuduLite, the
Linux Kudu (Azure-App-Service/KuduLite: ``PushDeploymentController`` - deployer ``Push-Deployer``, message "Created via a
push deployment", ``?isAsync=true`` answers 202 with a Location on ``/api/deployments/latest?deployer=...&time=...``, a
synchronous deployment 200, a deployment already running 409; ``DeploymentController`` - ``latest`` answers 202 with a
Location while a deployment is pending, else the newest finished one, 404 "Deployment '{id}' not found."; the
``DeployResult`` fields and the ``DeployStatus`` enum Pending=0, Building=1, Deploying=2, Failed=3, Success=4;
``CommandController`` - ``{"Output", "Error", "ExitCode"}``); Microsoft Learn "Kudu service overview" (Microsoft Entra
access needs a role with ``Microsoft.Web/sites/publish/Action`` over the app: Website Contributor, Contributor, Owner),
"Disable basic authentication in App Service deployments" (``basicPublishingCredentialsPolicies/scm``), "Deploy files
to App Service" (zip deploy, SCM_DO_BUILD_DURING_DEPLOYMENT).  The App Service audience ``https://appservice.azure.com``
is accepted besides ARM's (microsoft/vscode-azuretools#2258: Kudu calls move to it from the ARM audience).
"""

import base64
import contextlib
import json
import mimetypes
import os
import threading
import time
import traceback
import uuid

from ...core import resource
from ...core.errors import AzureError
from ...core.http import Response
from . import common
from .runtime import DeployError, truthy

TABLE = "web.kudu"
DEPLOYER = "Push-Deployer"
MESSAGE = "Created via a push deployment"
APPSERVICE_AUDIENCES = ("https://appservice.azure.com", "https://appservice.azure.com/")
PENDING, BUILDING, DEPLOYING, FAILED, SUCCESS = 0, 1, 2, 3, 4
IN_PROGRESS_TEXT = "There is a deployment currently in progress. Please try again when it completes."
TEXT = "text/plain; charset=utf-8"
MAX_HISTORY = 50


def _challenge():
    # Kudu without (valid) credentials: 401 + Basic challenge (arm-web.md §7).
    return Response(401, "Unauthorized", {"WWW-Authenticate": 'Basic realm="site"'}, content_type=TEXT)


class Kudu:
    def __init__(self, app, runtime):
        self.app = app
        self.runtime = runtime
        self._deploying = {}
        self._lock = threading.Lock()
        app.identity.extra_audiences.update(APPSERVICE_AUDIENCES)

    # -- authentication ------------------------------------------------------------------------------------------------
    def authenticate(self, req, doc):
        """None when the caller may use this SCM site, else the answer.  Basic: the site's publishing credentials, only
        while basicPublishingCredentialsPolicies/scm allows them; Bearer: an Entra token for ARM or App Service whose
        principal holds ``Microsoft.Web/sites/publish/Action`` (``.../slots/publish/Action`` on a slot) over the app."""
        auth = req.headers.get("authorization") or ""
        scheme, _sep, cred = auth.partition(" ")
        if scheme.lower() == "basic":
            if not (doc.get("_policies") or {}).get("scm", True):
                return _challenge()
            try:
                user, _sep, password = base64.b64decode(cred.strip(), validate=True).decode("utf-8").partition(":")
            except (ValueError, UnicodeDecodeError):
                return _challenge()
            pub = doc.get("_publishing") or {}
            if not pub or user != pub.get("user") or password != pub.get("password"):
                return _challenge()
            return None
        if scheme.lower() != "bearer" or not cred.strip():
            return _challenge()
        claims = self.app.identity.verify(cred.strip())
        # unverified: the exact body and headers Kudu answers a bad token with
        bad = Response(401, "Unauthorized", {"WWW-Authenticate": 'Bearer realm="site"'}, content_type=TEXT)
        if claims is None or claims.get("exp", 0) <= self.app.clock.now():
            return bad
        if claims.get("aud") not in self.app.arm_audiences() | set(APPSERVICE_AUDIENCES):
            return bad
        if str(claims.get("tid", "")).lower() != self.app.identity.tenant_id.lower():
            return bad
        principal = self.app.identity.principal_by_object(claims.get("oid"))
        if principal is None:
            return bad
        req.principal = principal
        slot = common.site_and_slot(doc)[1]
        action = "Microsoft.Web/sites/slots/publish/Action" if slot else "Microsoft.Web/sites/publish/Action"
        try:
            if self.app.authorizer is not None:
                self.app.authorizer(req, action, doc["id"])
        except AzureError:
            return Response(403, "Forbidden", content_type=TEXT)  # unverified: Kudu's body for a principal without the role
        return None

    # -- dispatch ------------------------------------------------------------------------------------------------------------
    def handle(self, req, doc):
        refused = self.authenticate(req, doc)
        if refused is not None:
            return refused
        segs = [s.lower() for s in req.segments]
        m = req.method
        try:
            if segs[:2] == ["api", "zipdeploy"] and len(segs) == 2 and m == "POST":
                return self.zipdeploy(req, doc, truthy(req.query.get("isasync")), req.query.get("deployer") or DEPLOYER)
            if segs[:2] == ["api", "publish"] and len(segs) == 2 and m == "POST":
                return self.publish(req, doc)
            if segs[:2] == ["api", "deployments"] and m == "GET":
                return self.deployments(req, doc, req.segments[2:])
            if segs == ["api", "command"] and m == "POST":
                return self.command(req, doc)
            if segs[:2] == ["api", "logstream"] and m == "GET":
                return self.logstream(req, doc)
            if segs[:2] == ["api", "vfs"] and m in ("GET", "HEAD"):
                return self.vfs(req, doc, req.segments[2:])
        except DeployError as exc:
            return Response(400, str(exc), content_type=TEXT)
        return Response(404, "Not Found", content_type=TEXT)  # unverified: Kudu's answer for an unknown route

    # -- deployments -----------------------------------------------------------------------------------------------------------
    def _key(self, doc, dep_id):
        low = doc["id"].lower()
        prod = doc["id"][: low.index("/slots/")] if "/slots/" in low else doc["id"]
        return f"{prod}/kududeployments/{dep_id}"

    def _render(self, req, doc, rec):
        out = {k: v for k, v in rec.items() if not k.startswith("_")}
        base = f"{req.base_url}/api/deployments/{rec['id']}"
        out["url"], out["log_url"] = base, base + "/log"
        out["active"] = ((doc.get("_content") or {}).get("deploymentId") or "") == rec["id"]
        return out

    def _records(self, doc):
        ids = (doc.get("_content") or {}).get("history") or []
        recs = [self.app.store.peek(TABLE, self._key(doc, i)) for i in ids]
        return sorted((r for r in recs if r), key=lambda r: r["received_time"], reverse=True)

    def _update(self, doc_id, dep_id, **fields):
        with self.app.store.transaction():
            doc = resource.peek(self.app, doc_id)
            if doc is None:
                return None
            rec = self.app.store.get(TABLE, self._key(doc, dep_id))
            if rec is None:
                return None
            log = fields.pop("log", None)
            rec.update(fields)
            if log:
                rec["_log"].append({"log_time": self.app.clock.iso(), "id": str(uuid.uuid4()), "message": log, "type": 0, "details_url": None})
            self.app.store.put(TABLE, self._key(doc, dep_id), rec)
            return rec

    def zipdeploy(self, req, doc, is_async, deployer, message=MESSAGE):
        """POST /api/zipdeploy: the body is the zip.  Synchronous: 200 once deployed (a failure surfaces as the server
        error the exception gives in Kudu's synchronous path, FetchDeploymentManager.PerformDeployment); async: 202."""
        key = doc["id"].lower()
        with self._lock:
            if key in self._deploying:
                return Response(409, IN_PROGRESS_TEXT, content_type=TEXT)
            dep_id = str(uuid.uuid4())
            self._deploying[key] = dep_id
        try:
            self._create(doc, dep_id, deployer, req.query.get("author"), req.query.get("message") or message)
        except Exception:
            with self._lock:
                self._deploying.pop(key, None)
            raise
        settings = dict(doc.get("_appSettings") or {})
        if is_async:
            threading.Thread(target=self._deploy, args=(doc["id"], dep_id, req.body, settings), name="kudu-deploy", daemon=True).start()
            stamp = time.strftime("%Y-%m-%d_%H-%M-%SZ", time.gmtime())
            return Response(202, None, {"Location": f"{req.base_url}/api/deployments/latest?deployer={deployer}&time={stamp}",
                                        "SCM-DEPLOYMENT-ID": dep_id})
        rec = self._deploy(doc["id"], dep_id, req.body, settings)
        if rec is None or rec["status"] != SUCCESS:
            return Response(500, (rec or {}).get("status_text") or "Deployment failed.", content_type=TEXT)
        return Response(200, None, {"SCM-DEPLOYMENT-ID": dep_id})

    def publish(self, req, doc):
        """POST /api/publish?type=zip (OneDeploy, ``az webapp deploy``): a zip deploys like zipdeploy with the deployer
        ``OneDeploy``; ``async=true`` answers 202.  Other types are not simulated (400, unverified text)."""
        kind = (req.query.get("type") or "zip").lower()
        if kind != "zip":
            return Response(400, f"Artifact type '{kind}' is not supported by this simulation.", content_type=TEXT)
        return self.zipdeploy(req, doc, truthy(req.query.get("async")), "OneDeploy", "OneDeploy")

    def _create(self, doc, dep_id, deployer, author, message):
        now = self.app.clock.iso()
        site = common.site_and_slot(doc)[0]
        rec = {"id": dep_id, "status": PENDING, "status_text": "Receiving changes.", "author_email": "N/A", "author": author or "N/A",
               "deployer": deployer, "message": message, "progress": "", "received_time": now, "start_time": now, "end_time": None,
               "last_success_end_time": None, "complete": False, "is_temp": False, "is_readonly": True, "site_name": site,
               "provisioningState": "InProgress", "_log": []}
        with self.app.store.transaction():
            d = resource.get(self.app, doc["id"])
            self.app.store.put(TABLE, self._key(d, dep_id), rec)
            content = d.setdefault("_content", {})
            content["history"] = [dep_id, *(content.get("history") or [])][:MAX_HISTORY]
            common.save(self.app, d)

    def _deploy(self, doc_id, dep_id, data, settings):
        """The deployment: unpack into a new package, build, then make it the slot's content (the runtime restarts the app)."""
        key = doc_id.lower()
        doc = None
        try:
            with self.app.store.lock:
                doc = resource.get(self.app, doc_id)
            if doc is None:
                return None
            build = truthy(settings.get("SCM_DO_BUILD_DURING_DEPLOYMENT"))
            self._update(doc_id, dep_id, status=BUILDING if build else DEPLOYING, status_text="Building" if build else "Deploying",
                         log="Fetching changes.")

            def log(text):
                if text:
                    self._update(doc_id, dep_id, log=text)
            self.runtime.unpack(doc, dep_id, data, log)
            self.runtime.build(doc, dep_id, settings, log)
            self._update(doc_id, dep_id, status=DEPLOYING, status_text="Deploying", log="Deploying the new content.")
            with self.app.store.transaction():
                d = resource.get(self.app, doc_id)
                if d is None:
                    raise DeployError("The site was deleted during the deployment.")
                d.setdefault("_content", {})["deploymentId"] = dep_id
                common.save(self.app, d)
                keep = [(x.get("_content") or {}).get("deploymentId") for x in common.all_sites(self.app)
                        if self.runtime.site_key(x) == self.runtime.site_key(d)]
            now = self.app.clock.iso()
            rec = self._update(doc_id, dep_id, status=SUCCESS, status_text="", complete=True, end_time=now, last_success_end_time=now,
                               provisioningState="Succeeded", log="Deployment successful.")
            self.runtime.kick()
            self.runtime.gc_packages(doc, [*keep, dep_id])
            return rec
        except Exception as exc:  # noqa: BLE001 - any failure fails the deployment, as Kudu marks it Failed
            if not isinstance(exc, DeployError):
                traceback.print_exc()
            text = str(exc) or exc.__class__.__name__
            return self._update(doc_id, dep_id, status=FAILED, status_text=text, complete=True, end_time=self.app.clock.iso(),
                                provisioningState="Failed", log=f"Deployment Failed. {text}")
        finally:
            with self._lock:
                self._deploying.pop(key, None)

    def deployments(self, req, doc, rest):
        if not rest:
            return Response(200, [self._render(req, doc, r) for r in self._records(doc)])
        dep_id = rest[0]
        recs = self._records(doc)
        if dep_id.lower() == "latest" and len(rest) == 1:
            pending = next((r for r in recs if r["status"] not in (SUCCESS, FAILED)), None)
            if pending is not None:
                loc = req.base_url + req.raw_path + ("?" + req.query_string if req.query_string else "")
                return Response(202, self._render(req, doc, pending), {"Location": loc})
            done = sorted((r for r in recs if r.get("end_time")), key=lambda r: r["end_time"])
            if done:
                dep_id = done[-1]["id"]
        rec = next((r for r in recs if r["id"].lower() == dep_id.lower()), None)
        if rec is None:
            return Response(404, f"Deployment '{dep_id}' not found.", content_type=TEXT)
        if len(rest) == 1:
            return Response(200, self._render(req, doc, rec))
        if len(rest) == 2 and rest[1].lower() == "log":
            return Response(200, rec.get("_log") or [])
        return Response(404, "Not Found", content_type=TEXT)

    # -- command, logs, files ------------------------------------------------------------------------------------------------
    def command(self, req, doc):
        try:
            body = json.loads(req.body or b"null")
        except ValueError:
            body = None
        if not isinstance(body, dict) or not isinstance(body.get("command"), str):
            return Response(400, "Bad Request", content_type=TEXT)  # CommandController: a missing body is a BadRequest
        with self.app.store.lock:
            d = resource.get(self.app, doc["id"])
        return Response(200, self.runtime.run_command(d, body["command"], body.get("dir")))

    def logstream(self, req, doc):
        """GET /api/logstream: the container's log files as they grow (the welcome line and heartbeat texts of Kudu's
        resources ``LogStream_Welcome`` / ``LogStream_Heartbeat``); ends after SCM_LOGSTREAM_TIMEOUT seconds (7200 by
        default, the welcome text's "2 hours")."""
        logs_dir = os.path.join(self.runtime.home(doc), "LogFiles")
        try:
            timeout = float((doc.get("_appSettings") or {}).get("SCM_LOGSTREAM_TIMEOUT") or 7200)
        except ValueError:
            timeout = 7200.0

        def stamp():
            return time.strftime("%Y-%m-%dT%H:%M:%S", time.gmtime())

        def stream():
            yield (f"{stamp()}  Welcome, you are now connected to log-streaming service. The default timeout is 2 hours. "
                   "Change the timeout with the setting SCM_LOGSTREAM_TIMEOUT (in seconds). \n").encode()
            offsets = {}
            for name in _log_files(logs_dir):
                path = os.path.join(logs_dir, name)
                size = os.path.getsize(path)
                offsets[path] = max(0, size - 8192)
            started = last = time.time()
            while time.time() - started < timeout:
                sent = False
                for name in _log_files(logs_dir):
                    path = os.path.join(logs_dir, name)
                    pos = offsets.get(path, 0)
                    with contextlib.suppress(OSError), open(path, "rb") as f:
                        f.seek(pos)
                        data = f.read(65536)
                        if data:
                            offsets[path] = pos + len(data)
                            sent = True
                            yield data
                if sent:
                    last = time.time()
                elif time.time() - last >= 60:
                    last = time.time()
                    yield f"{stamp()}  No new trace in the past 1 min(s).\n".encode()
                time.sleep(0.25)
            yield f"{stamp()}  Stream terminated due to timeout {int(timeout // 60)} min(s).\n".encode()

        resp = Response(200, None, {"Content-Type": TEXT})
        resp.stream = stream()
        return resp

    def vfs(self, req, doc, rest):
        """GET /api/vfs/{path}: a file, or a directory listing when the path ends with '/' (the wiki's VFS API); the root
        is the app's /home."""
        home = os.path.realpath(self.runtime.home(doc))
        rel = "/".join(rest)
        path = os.path.realpath(os.path.join(home, rel))
        site_dir = os.path.realpath(self.runtime.site_dir(doc))  # site/wwwroot links into the site's packages
        if not (path == home or path.startswith(home + os.sep) or path.startswith(site_dir + os.sep)):
            return Response(404, "Not Found", content_type=TEXT)
        if os.path.isdir(path):
            base = f"{req.base_url}/api/vfs/{rel.strip('/') + '/' if rel.strip('/') else ''}"
            items = []
            for name in sorted(os.listdir(path)):
                full = os.path.join(path, name)
                st = os.stat(full)
                is_dir = os.path.isdir(full)
                when = time.strftime("%Y-%m-%dT%H:%M:%S.0000000+00:00", time.gmtime(st.st_mtime))
                items.append({"name": name, "size": 0 if is_dir else st.st_size, "mtime": when, "crtime": when,
                              "mime": "inode/directory" if is_dir else (mimetypes.guess_type(name)[0] or "application/octet-stream"),
                              "href": base + name + ("/" if is_dir else ""),
                              "path": "/home/" + os.path.relpath(full, home).replace(os.sep, "/")})
            return Response(200, items)
        if not os.path.isfile(path):
            return Response(404, f"'{'/home/' + rel}' not found.", content_type=TEXT)  # unverified text
        with open(path, "rb") as f:
            data = f.read()
        return Response(200, data, content_type=mimetypes.guess_type(path)[0] or "application/octet-stream")


def _log_files(d):
    try:
        return sorted(n for n in os.listdir(d) if n.endswith(".log"))
    except OSError:
        return []
