"""Sites that really run: the content Kudu deploys, the Oryx-like build, and one process group per site or slot.

Layout under ``<state>/web/``:

* ``sites/<site>-<hash>/packages/<deployment id>/wwwroot`` - the unpacked content of each deployment (a new directory
  per deployment) and ``build.json`` next to it (how to run it: interpreter, extra ``sys.path`` entries, default command);
  packages belong to the site, so a slot swap exchanges which package each host name runs (``_content`` of the docs);
* ``sites/<site>-<hash>/<slot>/home`` - ``HOME`` of the production site or a slot: ``site/wwwroot`` (a symlink to the
  package, switched atomically), ``LogFiles/`` (the container's output), ``data/``;
* ``venvs/<sha256 of requirements.txt>`` - virtual environments built for requirements azsim's interpreter lacks (cached);
* ``pyhook/sitecustomize.py`` - :mod:`.pyhook`.

Every process azsim starts for a site carries ``AZSIM_SITE_ROOT=<state>/web`` in its environment: a restarted azsim ends
the ones a killed azsim left behind, and the PostgreSQL forwarders recognise the sites' connections by it.

Each running site or slot is a process group started by the supervisor thread (which lives as long as azsim: the
processes get ``PR_SET_PDEATHSIG``, so even ``kill -9`` of azsim ends them); every change that restarts an app on App
Service (a deployment, app settings, connection strings, the startup command, identity, restart/stop/start, a swap)
changes the site's *fingerprint*, and the supervisor starts a new process and stops the old one once the new one
listens.  Requests the front door routes meanwhile wait for the new one, as requests wait for a cold start on App
Service.  Sources: Microsoft Learn "Configure a Linux Python app for Azure App Service" (startup command detection,
gunicorn defaults, the Oryx build, ``X-Forwarded-Proto``), "Environment variables and app settings reference"
(``WEBSITE_*``, ``HOME``, ``PORT``, the connection-string prefixes), "Use Key Vault references as app settings" (an
unresolvable reference stays the literal value), the Oryx Python documentation (microsoft/Oryx doc/runtimes/python.md:
``pip install -r requirements.txt``, ``manage.py collectstatic``).
"""

import contextlib
import hashlib
import http.client
import io
import json
import os
import re
import shlex
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import threading
import time
import traceback
import zipfile

from ...core import children, resource
from . import common

# The front end waits this long for a container to start (WEBSITES_CONTAINER_START_TIME_LIMIT, default 230 s; Microsoft
# Learn "Configure a custom container": the maximum is 1800) and for an answer to a request (230 s, Learn "App Service
# FAQ": the load balancer's request timeout).
START_LIMIT = 230
REQUEST_TIMEOUT = 230
STOP_GRACE = 5.0            # SIGTERM, then SIGKILL of the group (azsim's choice; App Service sends SIGTERM, then SIGKILL)
MAX_BACKOFF = 60.0          # restarts of a crashing container back off 1, 2, 4 ... 60 s (unverified figures)
KEEP_PACKAGES = 3           # unreferenced packages kept per site after a deployment (azsim's choice)
CONTAINER_PORT = 8000       # the port App Service's Python image listens on (Learn "Configure a Linux Python app")
BASE_PATH = "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin"
# Connection-string type -> environment prefix (Learn "Environment variables and app settings reference", variable
# prefixes; ApiHub's from .NET's EnvironmentVariablesConfigurationProvider, unverified for App Service).
CONNSTR_PREFIX = {"sqlserver": "SQLCONNSTR_", "sqlazure": "SQLAZURECONNSTR_", "mysql": "MYSQLCONNSTR_", "postgresql": "POSTGRESQLCONNSTR_",
                  "custom": "CUSTOMCONNSTR_", "notificationhub": "NOTIFICATIONHUBCONNSTR_", "servicebus": "SERVICEBUSCONNSTR_",
                  "eventhub": "EVENTHUBCONNSTR_", "docdb": "DOCDBCONNSTR_", "rediscache": "REDISCACHECONNSTR_", "apihub": "APIHUBCONNSTR_"}
KV_PREFIX = "@microsoft.keyvault("
MARKER = "AZSIM_SITE_ROOT"
_SHELL_CHARS = re.compile(r"[|&;<>()`\n]")


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _killpg(pgid, sig):
    with contextlib.suppress(ProcessLookupError, PermissionError):
        os.killpg(pgid, sig)


def truthy(value):
    return str(value or "").strip().lower() in ("1", "true", "yes")


class Instance:
    """One start of a site's container: a process group listening on a loopback port."""

    def __init__(self, fp, port, proc, logs, tmp=None):
        self.fp = fp
        self.port = port
        self.proc = proc
        self.tmp = tmp  # the container's own /tmp, gone with it
        self.pgid = proc.pid
        self.logs = logs
        self.started = time.time()
        self.ready = False
        self.exit_code = None
        self.stopping_since = None
        self._pool = []
        self._pool_lock = threading.Lock()

    def discard_tmp(self):
        if self.tmp:
            shutil.rmtree(self.tmp, ignore_errors=True)
            self.tmp = None

    # -- HTTP to the app (keep-alive connections reused when the app allows it) -------------------------------------
    def connection(self):
        with self._pool_lock:
            if self._pool:
                return self._pool.pop(), True
        return http.client.HTTPConnection("127.0.0.1", self.port, timeout=REQUEST_TIMEOUT), False

    def release(self, conn, reusable):
        if reusable and self.exit_code is None and self.stopping_since is None:
            with self._pool_lock:
                if len(self._pool) < 16:
                    self._pool.append(conn)
                    return
        conn.close()

    def close_pool(self):
        with self._pool_lock:
            pool, self._pool = self._pool, []
        for c in pool:
            c.close()


class _ConsolePump:
    """The container's stdout and stderr, read line by line into its ``*_default_docker.log`` (what Kudu's log stream and
    the log files show) and into AppServiceConsoleLogs (stderr lines are Level Error). Ends when the process closes them."""

    def __init__(self, runtime, doc, proc, path):
        self.runtime, self.doc, self.path = runtime, doc, path
        self.lock = threading.Lock()
        for stream, is_err in ((proc.stdout, False), (proc.stderr, True)):
            threading.Thread(target=self._pump, args=(stream, is_err), name="site-console", daemon=True).start()

    def _pump(self, stream, is_err):
        try:
            with open(self.path, "ab") as log:
                for raw in iter(stream.readline, b""):
                    with self.lock:
                        log.write(raw)
                        log.flush()
                    if self.runtime.site_logs is not None:
                        self.runtime.site_logs.console(self.doc, raw.decode("utf-8", "replace").rstrip("\r\n"), is_err)
        except (OSError, ValueError):
            pass
        finally:
            stream.close()


class SlotState:
    """What the supervisor knows about one site or slot."""

    def __init__(self, key):
        self.key = key
        self.current = None      # the instance serving
        self.pending = None      # a newer instance starting
        self.failed_fp = None    # the fingerprint whose last start crashed
        self.failures = 0
        self.next_start = 0.0
        self.idle_fp = None      # a fingerprint with nothing to run (no startup command): the default page


def reference_principal(doc):
    """The object id of the identity a site resolves its Key Vault references with: ``keyVaultReferenceIdentity`` (a user-assigned
    identity's resource id, or SystemAssigned, the default) among the site's identities; None when it has no such identity."""
    ident = doc.get("identity") or {}
    ref = doc["properties"].get("keyVaultReferenceIdentity") or "SystemAssigned"
    if ref.lower() == "systemassigned":
        return ident.get("principalId") if "SystemAssigned" in (ident.get("type") or "") else None
    ua = ident.get("userAssignedIdentities") or {}
    return next((v.get("principalId") for k, v in ua.items() if k.lower() == ref.lower()), None)


class Runtime:
    def __init__(self, app, logs=None):
        self.app = app
        self.site_logs = logs  # the site's resource logs (web.logs.SiteLogs): console lines and platform events
        self.root = os.path.join(app.settings.state_dir, "web")
        self.sites_dir = os.path.join(self.root, "sites")
        self.venvs_dir = os.path.join(self.root, "venvs")
        self.hook_dir = os.path.join(self.root, "pyhook")
        # Each container's /tmp, and the Kudu commands' and the build's own: one directory each under here, removed with its
        # process; what a killed azsim left goes at start. In App Service only /home persists and is shared by the instances;
        # temporary files are local to an instance and not kept (projectkudu/kudu wiki "Understanding the Azure App Service
        # file system": persisted files, temporary files).
        self.tmp_root = os.path.join(self.root, "tmp")
        shutil.rmtree(self.tmp_root, ignore_errors=True)
        for d in (self.sites_dir, self.venvs_dir, self.hook_dir, self.tmp_root):
            os.makedirs(d, exist_ok=True)
        shutil.copyfile(os.path.join(os.path.dirname(__file__), "pyhook.py"), os.path.join(self.hook_dir, "sitecustomize.py"))
        self.cond = threading.Condition()
        self.slots = {}
        self._builds = {}
        self._venv_locks = {}
        self._wake = threading.Event()
        self._stopping = False
        self._stopping_instances = []
        self._last_gc = 0.0
        self.thread = None
        self.hosts_file = ""  # the PostgreSQL provider's {fqdn: address} map, known once it has registered (start)

    def start(self):
        """Once every provider has registered (an App start hook): the sites' processes need the PostgreSQL provider's
        Azure-side path (the host map they resolve flexible servers with, the check that makes their connections come
        from Azure), and must stop before the databases and storage they use (shutdown hooks run in reverse order)."""
        path = getattr(self.app, "postgres_azure_path", None)
        if path is not None:
            self.hosts_file = path.hosts_file
            path.azure_clients.append(self.is_site_connection)
        self.app.shutdown_hooks.append(self.shutdown)
        self._kill_orphans()
        self.thread = threading.Thread(target=self._loop, name="web-runtime", daemon=True)
        self.thread.start()

    # -- paths -------------------------------------------------------------------------------------------------------
    @staticmethod
    def site_key_of_id(resource_id):
        """``<site>-<hash>``: the directory of a site and its slots (the hash of the production site's id keeps two
        sites of the same name in different groups apart)."""
        low = resource_id.lower().rstrip("/")
        i = low.find("/slots/")
        prod = low[:i] if i >= 0 else low
        return prod.rsplit("/", 1)[-1] + "-" + hashlib.sha256(prod.encode()).hexdigest()[:8]

    def site_key(self, doc):
        return self.site_key_of_id(doc["id"])

    def site_dir(self, doc):
        return os.path.join(self.sites_dir, self.site_key(doc))

    def package_dir(self, doc, dep_id):
        return os.path.join(self.site_dir(doc), "packages", dep_id)

    def home(self, doc):
        slot = common.site_and_slot(doc)[1] or "production"
        h = os.path.join(self.site_dir(doc), slot.lower(), "home")
        for sub in ("LogFiles", "data", os.path.join("site", "deployments")):
            os.makedirs(os.path.join(h, sub), exist_ok=True)
        return h

    def wwwroot(self, doc):
        return os.path.join(self.home(doc), "site", "wwwroot")

    def logs(self, doc):
        day = time.strftime("%Y_%m_%d", time.gmtime())
        d = os.path.join(self.home(doc), "LogFiles")
        return os.path.join(d, f"{day}_azsim_default_docker.log"), os.path.join(d, f"{day}_azsim_docker.log")

    def platform_log(self, doc, text, level="Informational"):
        """A line of the platform's own log (``*_docker.log``: container starts, exits, restarts), also an
        AppServicePlatformLogs event."""
        try:
            with open(self.logs(doc)[1], "a", encoding="utf-8") as f:
                f.write(f"{time.strftime('%Y-%m-%dT%H:%M:%S', time.gmtime())}.000Z {'ERROR' if level == 'Error' else 'INFO '} - {text}\n")
        except OSError:
            pass
        if self.site_logs is not None:
            self.site_logs.platform(doc, text, level=level)

    # -- packages and the build ------------------------------------------------------------------------------------
    def unpack(self, doc, dep_id, data, log):
        """Extract a zip into a new package directory (refusing entries outside it); returns the package's wwwroot."""
        pkg = self.package_dir(doc, dep_id)
        tmp = pkg + ".tmp"
        shutil.rmtree(tmp, ignore_errors=True)
        target = os.path.join(tmp, "wwwroot")
        os.makedirs(target)
        try:
            zf = zipfile.ZipFile(io.BytesIO(data))
        except zipfile.BadZipFile as exc:
            shutil.rmtree(tmp, ignore_errors=True)
            raise DeployError(f"The pushed package is not a valid zip file: {exc}") from None
        with zf:
            try:
                count, size = extract(zf, "", target)
            except DeployError:
                shutil.rmtree(tmp, ignore_errors=True)
                raise
        log(f"Extracted {count} files ({size / 1048576:.2f} MB) to a new deployment directory.")
        shutil.rmtree(pkg, ignore_errors=True)
        os.replace(tmp, pkg)
        return os.path.join(pkg, "wwwroot")

    def build(self, doc, dep_id, settings, log):
        """Oryx's part of a zip deploy for Python (Learn "Configure a Linux Python app": with SCM_DO_BUILD_DURING_DEPLOYMENT
        the requirements are installed; Oryx doc runtimes/python.md: ``pip install -r requirements.txt`` then
        ``manage.py collectstatic`` unless DISABLE_COLLECTSTATIC) and how the package will run (``build.json``).

        * build on, requirements.txt present: when azsim's own interpreter already satisfies every requirement
          (importlib.metadata + packaging), the app runs with it; else a virtual environment keyed by the hash of
          requirements.txt is created under ``<state>/web/venvs`` with pip (and reused by any later deployment with the
          same file);
        * build off: the package runs as shipped, with its bundled dependencies on ``sys.path`` (``antenv``'s
          site-packages, as a package built elsewhere by Oryx has them, or ``.python_packages/lib/site-packages``), on
          azsim's interpreter (difference from Azure: azsim's own packages are importable too).
        """
        pkg = self.package_dir(doc, dep_id)
        www = os.path.join(pkg, "wwwroot")
        req = os.path.join(www, "requirements.txt")
        info = {"python": sys.executable, "paths": [], "bin": [], "mode": "bundled"}
        if truthy(settings.get("SCM_DO_BUILD_DURING_DEPLOYMENT")) and os.path.exists(req):
            log("Running oryx build...")
            log("Python Version: " + sys.version.split()[0])
            with open(req, "rb") as f:
                data = f.read()
            missing = unsatisfied(data.decode("utf-8", "replace"))
            if not missing:
                log("Requirements already satisfied by the platform's Python environment: no virtual environment needed.")
                info["mode"] = "platform"
            else:
                log(f"Requirements not satisfied by the platform's Python environment ({', '.join(missing[:5])}): building a virtual environment.")
                venv = self._venv(data, www, log)
                info.update({"mode": "venv", "python": os.path.join(venv, "bin", "python"), "bin": [os.path.join(venv, "bin")],
                             "paths": _site_packages(venv)})
            if os.path.exists(os.path.join(www, "manage.py")) and not truthy(settings.get("DISABLE_COLLECTSTATIC")):
                log("Running 'python manage.py collectstatic --noinput'...")
                with self.scratch_tmp() as tmp:
                    p = subprocess.run([info["python"], "manage.py", "collectstatic", "--noinput"], cwd=www,  # noqa: S603
                                       env=self.environment(doc, None, www, info, tmp=tmp), capture_output=True, text=True, timeout=600, check=False)
                log((p.stdout + p.stderr).strip()[-4000:])
                if p.returncode != 0:
                    # Oryx reports a failed collectstatic as a warning and goes on (unverified).
                    log("WARNING: Could not run 'python manage.py collectstatic'; continuing.")
            log("Done in the build step.")
        else:
            for cand in (os.path.join(www, "antenv"), os.path.join(www, ".python_packages")):
                info["paths"] += _site_packages(cand) if os.path.basename(cand) == "antenv" else \
                    [p for p in (os.path.join(cand, "lib", "site-packages"),) if os.path.isdir(p)]
            if info["paths"]:
                log("Using the dependencies bundled in the package: " + ", ".join(os.path.relpath(p, www) for p in info["paths"]))
        info["default_command"] = default_command(www)
        with open(os.path.join(pkg, "build.json"), "w", encoding="utf-8") as f:
            json.dump(info, f)
        self._builds.pop(dep_id, None)
        return info

    def _venv(self, data, www, log):
        digest = hashlib.sha256(data).hexdigest()[:24]
        path = os.path.join(self.venvs_dir, digest)
        with self.cond:
            lock = self._venv_locks.setdefault(digest, threading.Lock())
        with lock:
            if os.path.exists(os.path.join(path, ".azsim-complete")):
                log(f"Reusing the virtual environment built earlier for this requirements.txt ({digest}).")
                return path
            tmp = path + ".tmp"
            shutil.rmtree(tmp, ignore_errors=True)
            steps = [[sys.executable, "-m", "venv", tmp],
                     [os.path.join(tmp, "bin", "python"), "-m", "pip", "install", "--disable-pip-version-check", "--prefer-binary", "-r",
                      os.path.join(www, "requirements.txt")]]
            for argv in steps:
                log("Running " + " ".join(shlex.quote(a) for a in argv[:4]) + " ...")
                p = subprocess.run(argv, cwd=www, capture_output=True, text=True, timeout=1800, check=False)  # noqa: S603 - azsim-built argv
                log((p.stdout + p.stderr).strip()[-6000:])
                if p.returncode != 0:
                    shutil.rmtree(tmp, ignore_errors=True)
                    raise DeployError(f"Building the virtual environment failed (exit code {p.returncode}).")
            # A venv's scripts name their interpreter by absolute path: fix them for the final location.
            for name in os.listdir(os.path.join(tmp, "bin")):
                f = os.path.join(tmp, "bin", name)
                with contextlib.suppress(OSError, UnicodeDecodeError):
                    if os.path.isfile(f) and not os.path.islink(f):
                        with open(f, encoding="utf-8") as fh:
                            text = fh.read()
                        if tmp in text:
                            with open(f, "w", encoding="utf-8") as fh:
                                fh.write(text.replace(tmp, path))
            cfg = os.path.join(tmp, "pyvenv.cfg")
            with open(cfg, encoding="utf-8") as fh:
                text = fh.read()
            with open(cfg, "w", encoding="utf-8") as fh:
                fh.write(text.replace(tmp, path))
            with open(os.path.join(tmp, ".azsim-complete"), "w", encoding="utf-8") as fh:
                fh.write(time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime()))
            shutil.rmtree(path, ignore_errors=True)
            os.replace(tmp, path)
            return path

    def build_info(self, doc, dep_id):
        info = self._builds.get(dep_id)
        if info is None:
            try:
                with open(os.path.join(self.package_dir(doc, dep_id), "build.json"), encoding="utf-8") as f:
                    info = json.load(f)
            except (OSError, ValueError):
                return None
            self._builds[dep_id] = info
        return info

    def activate(self, doc, dep_id):
        """Point the slot's ``site/wwwroot`` at a package (a symlink replaced atomically). The runtime's loop (a start) and
        a request's thread (a Kudu command) may activate the same slot at once: each builds its own link before the
        replace, so neither removes or moves the other's."""
        link = self.wwwroot(doc)
        tmp = f"{link}.new-{threading.get_ident()}"
        with contextlib.suppress(FileNotFoundError):
            os.unlink(tmp)
        os.symlink(os.path.join(self.package_dir(doc, dep_id), "wwwroot"), tmp)
        if os.path.isdir(link) and not os.path.islink(link):
            shutil.rmtree(link)
        os.replace(tmp, link)

    def gc_packages(self, doc, keep):
        """Remove packages of the site that no slot runs, keeping the newest few."""
        d = os.path.join(self.site_dir(doc), "packages")
        if not os.path.isdir(d):
            return
        entries = sorted((e for e in os.listdir(d) if not e.endswith(".tmp")), key=lambda e: os.path.getmtime(os.path.join(d, e)), reverse=True)
        keep = {k.lower() for k in keep if k}
        for e in entries[KEEP_PACKAGES:]:
            if e.lower() not in keep:
                shutil.rmtree(os.path.join(d, e), ignore_errors=True)

    # -- custom backups and restores ---------------------------------------------------------------------------------------
    def backup_sources(self, doc):
        """({HOME-relative root: directory}, build info) of what a custom backup of ``doc`` holds: the content the site runs
        (its active package, also while stopped) as ``site/wwwroot`` and ``data``.  Microsoft Learn "Back up and restore your
        app in Azure App Service" ("What's included in an automatic backup?" - a custom backup includes the same: for Linux
        apps all content under /home); azsim leaves out ``LogFiles`` and ``site/deployments`` (its Kudu records live in its
        state, not in HOME)."""
        dep = (doc.get("_content") or {}).get("deploymentId")
        out = {}
        www = os.path.join(self.package_dir(doc, dep), "wwwroot") if dep else None
        if www and os.path.isdir(www):
            out["site/wwwroot"] = www
        out["data"] = os.path.join(self.home(doc), "data")
        return out, (self.build_info(doc, dep) if dep else None)

    def restore_content(self, doc, dep_id, zf, build, settings, preserve, log):
        """Restore a backup archive's files into ``doc``: ``fs/site/wwwroot`` becomes a new package (the site switches to it
        when the restore completes) and ``fs/data`` replaces HOME/data.  "Restoring a backup deletes all existing files in
        the app and replaces them with the files in the backup"; paths of the backup's ``_backup.filter`` keep the target's
        current files instead (Learn "Back up and restore your app in Azure App Service", "Configure partial backups").
        The package runs as the backed-up one did (its build info, when its interpreter is still there), else as a
        deployment of the restored files would; returns the build info."""
        home = self.home(doc)
        cur_dep = (doc.get("_content") or {}).get("deploymentId")
        cur_www = os.path.join(self.package_dir(doc, cur_dep), "wwwroot") if cur_dep else None
        pkg = self.package_dir(doc, dep_id)
        tmp = pkg + ".tmp"
        shutil.rmtree(tmp, ignore_errors=True)
        www = os.path.join(tmp, "wwwroot")
        os.makedirs(www)
        data = os.path.join(home, "data")
        data_tmp = data + ".restore"
        shutil.rmtree(data_tmp, ignore_errors=True)
        os.makedirs(data_tmp)
        try:
            count, size = extract(zf, "fs/site/wwwroot/", www)
            extract(zf, "fs/data/", data_tmp)
            for rel in preserve:
                for root, current, fresh in (("site/wwwroot/", cur_www, www), ("data/", data, data_tmp)):
                    if current and (rel + "/").startswith(root):
                        _replace_path(os.path.join(current, rel[len(root):]), os.path.join(fresh, rel[len(root):]))
        except DeployError:
            shutil.rmtree(tmp, ignore_errors=True)
            shutil.rmtree(data_tmp, ignore_errors=True)
            raise
        log(f"Restored {count} files ({size / 1048576:.2f} MB) to a new deployment directory.")
        shutil.rmtree(pkg, ignore_errors=True)
        os.replace(tmp, pkg)
        shutil.rmtree(data, ignore_errors=True)
        os.replace(data_tmp, data)
        build = build or {}
        python = build.get("python") or ""
        ours = python == sys.executable or os.path.normpath(python).startswith(os.path.normpath(self.venvs_dir) + os.sep)
        reusable = build.get("mode") in ("platform", "venv") and ours and os.path.exists(python) and all(
            isinstance(p, str) and os.path.isdir(p) for p in build.get("paths") or [])
        if reusable:
            info = {**build, "default_command": default_command(os.path.join(pkg, "wwwroot"))}
            with open(os.path.join(pkg, "build.json"), "w", encoding="utf-8") as f:
                json.dump(info, f)
            self._builds.pop(dep_id, None)
            return info
        # A package that ran with its bundled dependencies finds them again in the restored files (no build); one whose
        # virtual environment is gone is built again as its deployment was.
        return self.build(doc, dep_id, {} if build.get("mode") == "bundled" else settings, log)

    # -- what a site runs ------------------------------------------------------------------------------------------------
    def spec(self, doc):
        """(fingerprint, deployment id, running?) of a site or slot document: any change of the fingerprint restarts it."""
        p = doc["properties"]
        cfg = doc.get("_siteConfig") or {}
        dep = (doc.get("_content") or {}).get("deploymentId")
        running = str(p.get("state", "Running")).lower() == "running" and p.get("enabled") is not False
        raw = json.dumps([dep, doc.get("_appSettings"), doc.get("_connectionStrings"), cfg.get("appCommandLine"), cfg.get("linuxFxVersion"),
                          doc.get("identity"), p.get("keyVaultReferenceIdentity"), doc.get("_restarts", 0), p.get("defaultHostName")],
                         sort_keys=True, default=str)
        return hashlib.sha1(raw.encode()).hexdigest(), dep, running  # noqa: S324 - a change detector, not security

    def command(self, doc, dep):
        cmd = ((doc.get("_siteConfig") or {}).get("appCommandLine") or "").strip()
        if cmd:
            return cmd
        info = self.build_info(doc, dep) or {}
        return info.get("default_command")

    def new_tmp(self):
        """A fresh temporary directory for one container: a short random name, since an app may put its Unix sockets there
        (108 bytes at most for their path)."""
        return tempfile.mkdtemp(dir=self.tmp_root)

    def scratch_tmp(self):
        """A temporary directory for one command (the build's collectstatic, a Kudu command), gone when it ends."""
        return tempfile.TemporaryDirectory(dir=self.tmp_root, ignore_cleanup_errors=True)

    def environment(self, doc, port, www=None, info=None, *, tmp):
        """The app's environment (Learn "Environment variables and app settings reference"): platform variables, app
        settings (Key Vault references resolved with the app's identity), connection strings with their type prefix.
        ``tmp``: the container's own temporary directory (TMPDIR)."""
        site, _slot = common.site_and_slot(doc)
        p = doc["properties"]
        home = self.home(doc)
        plan = resource.peek(self.app, p.get("serverFarmId") or "") or {}
        sub, rg = doc["id"].split("/")[2], p.get("resourceGroup") or doc["id"].split("/")[4]
        region = (doc.get("location") or "").replace(" ", "").lower()
        info = info or {}
        resolve = self._resolver(doc)
        env = {"PATH": os.pathsep.join([*info.get("bin", []), os.path.dirname(sys.executable), BASE_PATH]), "HOME": home,
               "LANG": "C.UTF-8", "LC_ALL": "C.UTF-8", "TMPDIR": tmp,
               "WEBSITE_SITE_NAME": site, "WEBSITE_HOSTNAME": common.default_host_of(doc), "WEBSITE_RESOURCE_GROUP": rg,
               "WEBSITE_OWNER_NAME": f"{sub}+{rg}-{region}webspace-Linux", "REGION_NAME": doc.get("location") or "",
               "WEBSITE_SKU": (plan.get("sku") or {}).get("tier") or "",
               # One instance per plan worker (the slots of a plan share its VMs): a stable 64-hex id.
               "WEBSITE_INSTANCE_ID": hashlib.sha256((plan.get("id") or doc["id"]).lower().encode()).hexdigest(),
               "WEBSITE_ROLE_INSTANCE_ID": "0", "APP_PATH": os.path.join(home, "site", "wwwroot"), MARKER: self.root}
        # Outbound HTTPS to Azure's endpoints (Application Insights ingestion, Key Vault, Storage...): in Azure the app
        # reaches them over the internet and trusts their public-CA certificates. Here azsim's front door proxy is that
        # route (it tunnels only to the names azsim simulates, 403 for any other) and azsim's CA the root that signed them
        # (requests reads REQUESTS_CA_BUNDLE, Python's ssl SSL_CERT_FILE); loopback stays direct. An app setting of the same
        # name (the app's own proxy) overrides these, as the app settings below override every platform variable.
        proxy_host = self.app.settings.host if self.app.settings.host not in ("", "0.0.0.0", "::") else "127.0.0.1"  # noqa: S104
        proxy = f"http://{proxy_host}:{self.app.settings.proxy_port}"
        env.update({"HTTPS_PROXY": proxy, "https_proxy": proxy, "NO_PROXY": "localhost,127.0.0.1,::1", "no_proxy": "localhost,127.0.0.1,::1",
                    "REQUESTS_CA_BUNDLE": self.app.ca.ca_path, "SSL_CERT_FILE": self.app.ca.ca_path})
        for k, v in (doc.get("_appSettings") or {}).items():
            env[str(k)] = resolve(str(v))
        for name, cs in (doc.get("_connectionStrings") or {}).items():
            prefix = CONNSTR_PREFIX.get(str(cs.get("type") or "Custom").lower(), "CUSTOMCONNSTR_")
            # Characters other than letters, digits and '_' are dropped from the name (a PostgreSQL string "app-db"
            # becomes POSTGRESQLCONNSTR_appdb, observed in tomasherceg.com "Beware of dashes in connection string names").
            env[prefix + re.sub(r"[^A-Za-z0-9_]", "", str(name))] = resolve(str(cs.get("value") or ""))
        env["PYTHONPATH"] = os.pathsep.join([self.hook_dir, *info.get("paths", [])])
        if self.hosts_file:
            env["AZSIM_AZURE_HOSTS"] = self.hosts_file
        if port is not None:
            env["PORT"] = str(port)
            env["AZSIM_SITE_PORT"] = str(port)
            env["AZSIM_CONTAINER_PORT"] = str((doc.get("_appSettings") or {}).get("WEBSITES_PORT") or CONTAINER_PORT)
        return env

    def _resolver(self, doc):
        """Key Vault references are resolved with the identity ``keyVaultReferenceIdentity`` names (system-assigned by
        default); without one, or when it cannot read the secret, the reference string stays the value (Learn "Use Key
        Vault references as app settings")."""
        oid = reference_principal(doc)

        def resolve(value):
            if not value.strip().lower().startswith(KV_PREFIX) or oid is None:
                return value
            try:
                from ..keyvault import resolve_reference
            except ImportError:
                return value
            got = resolve_reference(self.app, value.strip(), oid)
            return value if got is None else got
        return resolve

    # -- the supervisor --------------------------------------------------------------------------------------------------
    def kick(self):
        self._wake.set()

    def is_site_connection(self, peer, local):
        """True when the TCP connection from ``peer`` to ``local`` was opened by a process of a site azsim runs (the
        socket's inode in /proc/net/tcp, held by a process carrying this azsim's AZSIM_SITE_ROOT): registered with the
        PostgreSQL provider, whose forwarders then connect as an Azure service."""
        inode = _tcp_inode(peer, local)
        if inode is None:
            return False
        target = f"socket:[{inode}]"
        for pid in site_pids(self.root):
            with contextlib.suppress(OSError):
                for fd in os.listdir(f"/proc/{pid}/fd"):
                    with contextlib.suppress(OSError):
                        if os.readlink(f"/proc/{pid}/fd/{fd}") == target:
                            return True
        return False

    def _loop(self):
        busy, last = True, 0.0
        while not self._stopping:
            # A full pass scans every site under the state lock: when nothing runs and nobody asked (a request waiting,
            # a deployment done), one every two seconds is enough.
            if busy or self.slots or time.time() - last >= 2.0:
                last = time.time()
                try:
                    busy = self._reconcile()
                except Exception:  # noqa: BLE001 - the supervisor must survive a bug in one site
                    traceback.print_exc()
                    busy = False
            kicked = self._wake.wait(0.05 if busy else 0.25)
            self._wake.clear()
            busy = busy or kicked

    def _reconcile(self):
        with self.app.store.lock:
            docs = {d["id"].lower(): d for d in common.all_sites(self.app)}
            specs = {k: self.spec(d) for k, d in docs.items()}
        busy = False
        changed = False
        for key, (fp, dep, running) in specs.items():
            st = self.slots.get(key)
            if st is None:
                if not dep or not running:
                    continue
                st = self.slots[key] = SlotState(key)
            changed |= self._poll(st, docs[key])
            if not dep or not running:
                changed |= self._retire(st)
                continue
            if st.pending is not None and st.pending.fp != fp:
                self._stop(st.pending)
                st.pending, changed = None, True
            if st.pending is not None and not st.pending.ready:
                busy = True
                if _listening(st.pending.port):
                    st.pending.ready = True
                    if st.current is not None:
                        self._stop(st.current)
                    st.current, st.pending = st.pending, None
                    st.failed_fp = None
                    self.platform_log(docs[key], f"Container for site {docs[key]['name']} initialized successfully and is ready to serve requests.")
                    changed = True
            serving = st.current is not None and st.current.fp == fp
            if not serving and st.pending is None and st.idle_fp != fp:
                if st.failed_fp == fp and time.time() < st.next_start:
                    busy = True
                    continue
                with self.app.store.lock:
                    doc = resource.get(self.app, docs[key]["id"])
                if doc is None:
                    continue
                try:
                    st.pending = self._start(doc, fp, dep)
                except Exception as exc:  # noqa: BLE001 - a start that fails (package gone, exec error) backs off like a crash
                    self.platform_log(doc, f"Container for site {doc['name']} could not start: {exc}", level="Error")
                    st.failures += 1
                    st.failed_fp, st.next_start = fp, time.time() + min(MAX_BACKOFF, 2.0 ** (st.failures - 1))
                    busy, changed = True, True
                    continue
                if st.pending is None:
                    st.idle_fp = fp
                    if st.current is not None:
                        self._stop(st.current)
                        st.current = None
                busy, changed = True, True
        for key in [k for k in self.slots if k not in specs]:
            changed |= self._retire(self.slots.pop(key))
        busy |= self._reap()
        if time.time() - self._last_gc > 10:
            self._last_gc = time.time()
            self._gc_sites(docs)
        if changed:
            with self.cond:
                self.cond.notify_all()
        return busy

    def _poll(self, st, doc):
        """Notice exits: a crash of the serving or starting instance backs the next start off."""
        changed = False
        for attr in ("current", "pending"):
            inst = getattr(st, attr)
            if inst is None or inst.exit_code is not None:
                continue
            rc = inst.proc.poll()
            if rc is None:
                continue
            inst.exit_code = rc
            _killpg(inst.pgid, signal.SIGKILL)
            inst.close_pool()
            inst.discard_tmp()
            st.failures += 1
            delay = min(MAX_BACKOFF, 2.0 ** (st.failures - 1))
            if time.time() - inst.started > 60:
                st.failures, delay = 1, 1.0
            st.failed_fp, st.next_start = inst.fp, time.time() + delay
            self.platform_log(doc, f"Container for site {doc['name']} exited with code {rc}; restarting in {delay:.0f} s.", level="Error")
            setattr(st, attr, None)
            if attr == "pending" and st.current is not None and st.current.fp != inst.fp:
                self._stop(st.current)  # the replaced configuration is gone either way
                st.current = None
            changed = True
        return changed

    def _retire(self, st):
        changed = False
        for attr in ("current", "pending"):
            inst = getattr(st, attr)
            if inst is not None:
                self._stop(inst)
                setattr(st, attr, None)
                changed = True
        st.failed_fp, st.failures, st.idle_fp = None, 0, None
        return changed

    def _start(self, doc, fp, dep):
        cmd = self.command(doc, dep)
        info = self.build_info(doc, dep)
        if not cmd or info is None:
            return None  # nothing to run: App Service's default app answers (the default page)
        www = os.path.realpath(os.path.join(self.package_dir(doc, dep), "wwwroot"))
        self.activate(doc, dep)
        port = free_port()
        tmp = self.new_tmp()
        env = self.environment(doc, port, www, info, tmp=tmp)
        argv = launch_argv(cmd, www)
        out, platform = self.logs(doc)
        self.platform_log(doc, f"Starting container for site {doc['name']}: {cmd} (azsim: 127.0.0.1:{port})")
        try:
            proc = subprocess.Popen(children.guarded(argv), cwd=www, env=env,  # noqa: S603 - the site's own startup command
                                    stdin=subprocess.DEVNULL, stdout=subprocess.PIPE, stderr=subprocess.PIPE, start_new_session=True)
        except OSError:
            shutil.rmtree(tmp, ignore_errors=True)
            raise
        _ConsolePump(self, doc, proc, out)
        return Instance(fp, port, proc, (out, platform), tmp)

    def _stop(self, inst):
        if inst.stopping_since is None:
            inst.stopping_since = time.time()
            inst.close_pool()
            _killpg(inst.pgid, signal.SIGTERM)
            self._stopping_instances.append(inst)

    def _reap(self):
        now = time.time()
        left = []
        for inst in self._stopping_instances:
            if inst.proc.poll() is not None:
                _killpg(inst.pgid, signal.SIGKILL)  # workers the master left behind
                inst.discard_tmp()
                continue
            if now - inst.stopping_since > STOP_GRACE:
                _killpg(inst.pgid, signal.SIGKILL)
            left.append(inst)
        self._stopping_instances = left
        return bool(left)

    def _gc_sites(self, docs):
        """Directories of sites that no longer exist (deleted, or forgotten by a reset) are removed."""
        live = {self.site_key(d) for d in docs.values()}
        running = {self.site_key_of_id(k) for k in self.slots}
        for entry in os.listdir(self.sites_dir):
            if entry not in live and entry not in running:
                shutil.rmtree(os.path.join(self.sites_dir, entry), ignore_errors=True)

    # -- the front door's side ---------------------------------------------------------------------------------------------
    def route(self, doc):
        """The instance to send a request for ``doc`` to: ("ready", instance), ("default", None) when the deployment has
        nothing to run, ("stopped", None) when the site stopped meanwhile, or ("unavailable", None) when the container does
        not start (it crashed, or did not listen within WEBSITES_CONTAINER_START_TIME_LIMIT)."""
        key = doc["id"].lower()
        limit = START_LIMIT
        with contextlib.suppress(ValueError, TypeError):
            limit = min(1800, int((doc.get("_appSettings") or {}).get("WEBSITES_CONTAINER_START_TIME_LIMIT") or START_LIMIT))
        deadline = time.time() + limit
        with self.cond:
            while True:
                doc = resource.peek(self.app, doc["id"]) or doc  # the newest state: a change while waiting counts
                fp, dep, running = self.spec(doc)
                if not dep:
                    return "default", None
                if not running:
                    return "stopped", None
                st = self.slots.get(key)
                if st is not None:
                    cur = st.current
                    if cur is not None and cur.fp == fp and cur.exit_code is None and cur.stopping_since is None:
                        return "ready", cur
                    if st.idle_fp == fp:
                        return "default", None
                    if st.failed_fp == fp and (st.pending is None or st.pending.fp != fp):
                        return "unavailable", None
                if time.time() >= deadline:
                    return "unavailable", None
                self._wake.set()
                self.cond.wait(0.1)

    def instance_of(self, doc):
        st = self.slots.get(doc["id"].lower())
        return st.current if st is not None else None

    # -- processes left behind, shutdown, reset -----------------------------------------------------------------------------
    def _kill_orphans(self):
        """Processes a previous azsim of this state directory started and could not stop (it was killed)."""
        for pid in site_pids(self.root):
            with contextlib.suppress(ProcessLookupError, PermissionError):
                os.kill(pid, signal.SIGKILL)

    def stop_all(self, grace=3.0):
        with self.cond:
            instances = [i for st in self.slots.values() for i in (st.current, st.pending) if i is not None]
            instances += self._stopping_instances
            self.slots.clear()
            self._stopping_instances = []
            self.cond.notify_all()
        for inst in instances:
            inst.close_pool()
            _killpg(inst.pgid, signal.SIGTERM)
        deadline = time.time() + grace
        for inst in instances:
            with contextlib.suppress(subprocess.TimeoutExpired):
                inst.proc.wait(max(0.0, deadline - time.time()))
            _killpg(inst.pgid, signal.SIGKILL)
            with contextlib.suppress(subprocess.TimeoutExpired):
                inst.proc.wait(1)
            inst.discard_tmp()

    def shutdown(self):
        self._stopping = True
        self._wake.set()
        if self.thread is not None:
            self.thread.join(timeout=5)
        self.stop_all()

    def reset(self):
        """After POST /_azsim/reset: every site is gone; its processes stop and its directories go (the venv cache stays)."""
        self._stopping = True
        self._wake.set()
        self.thread.join(timeout=5)
        self.stop_all(grace=1.0)
        self._builds.clear()
        for entry in os.listdir(self.sites_dir):
            shutil.rmtree(os.path.join(self.sites_dir, entry), ignore_errors=True)
        self._stopping = False
        self.thread = threading.Thread(target=self._loop, name="web-runtime", daemon=True)
        self.thread.start()

    # -- Kudu's command API --------------------------------------------------------------------------------------------------
    def run_command(self, doc, command, directory, timeout=REQUEST_TIMEOUT):
        """``POST /api/command``: ``sh -c`` in the site's environment (without the port redirection), in ``dir``
        (``/home/...`` and paths relative to /home map to the site's HOME; default: site/wwwroot)."""
        home = self.home(doc)
        dep = (doc.get("_content") or {}).get("deploymentId")
        info = (self.build_info(doc, dep) if dep else None) or {}
        if dep:
            self.activate(doc, dep)
        d = (directory or "").replace("\\", "/").strip()
        if not d:
            cwd = os.path.join(home, "site", "wwwroot")
        elif d == "/home" or d.startswith("/home/"):
            cwd = os.path.join(home, d[len("/home"):].lstrip("/"))
        elif d.startswith("/"):
            cwd = d
        else:
            cwd = os.path.join(home, d)
        if not os.path.isdir(cwd):
            cwd = home
        with self.scratch_tmp() as tmp:
            try:
                p = subprocess.run(["/bin/sh", "-c", command], cwd=cwd, env=self.environment(doc, None, None, info, tmp=tmp),  # noqa: S603
                                   capture_output=True, timeout=timeout, check=False)
            except subprocess.TimeoutExpired as exc:
                out = (exc.stdout or b"").decode("utf-8", "replace")
                return {"Output": out, "Error": f"Command '{command}' aborted due to no output and CPU activity for {timeout} seconds.", "ExitCode": -1}
        return {"Output": p.stdout.decode("utf-8", "replace"), "Error": p.stderr.decode("utf-8", "replace"), "ExitCode": p.returncode}


class DeployError(Exception):
    pass


def extract(zf, prefix, target):
    """Extract the entries of ``zf`` under ``prefix`` (a directory of the zip ending with '/', or '' for every entry) into
    ``target``, refusing an entry that would land outside it; returns (files, bytes)."""
    root = os.path.realpath(target)
    count, size = 0, 0
    for info in zf.infolist():
        name = info.filename.replace("\\", "/")
        if prefix:
            if not name.startswith(prefix) or name == prefix:
                continue
            name = name[len(prefix):]
        dest = os.path.realpath(os.path.join(target, name))
        if not (dest == root or dest.startswith(root + os.sep)):
            raise DeployError(f"The zip entry '{info.filename}' points outside the target directory.")
        if name.endswith("/"):
            os.makedirs(dest, exist_ok=True)
            continue
        os.makedirs(os.path.dirname(dest), exist_ok=True)
        with zf.open(info) as src, open(dest, "wb") as out:
            shutil.copyfileobj(src, out)
        mode = (info.external_attr >> 16) & 0o777
        if mode:
            os.chmod(dest, mode | 0o600)
        count += 1
        size += info.file_size
    return count, size


def admin_sites(app, rt):
    """``GET /_azsim/sites``: what runs for each site and slot with a deployment (host, state, deployment, pid, port)."""
    from ...core.http import Response
    out = []
    with app.store.lock:
        docs = [d for d in common.all_sites(app) if (d.get("_content") or {}).get("deploymentId")]
    for d in docs:
        st = rt.slots.get(d["id"].lower())
        cur = st.current if st is not None else None
        out.append({"id": d["id"], "host": common.default_host_of(d), "state": d["properties"].get("state"),
                    "deployment": d["_content"]["deploymentId"], "pid": cur.proc.pid if cur else None, "port": cur.port if cur else None,
                    "home": rt.home(d), "restarts": st.failures if st is not None else 0})
    return Response(200, out)


def site_pids(root):
    """Pids of the processes whose environment names ``root`` as their AZSIM_SITE_ROOT (the sites of one azsim)."""
    needle = f"{MARKER}={root}".encode() + b"\0"
    out = []
    for entry in os.listdir("/proc"):
        if not entry.isdigit() or int(entry) == os.getpid():
            continue
        try:
            with open(f"/proc/{entry}/environ", "rb") as f:
                if needle in f.read() + b"\0":
                    out.append(int(entry))
        except OSError:
            continue
    return out


def _tcp_inode(local, remote):
    """The inode of the IPv4 TCP socket bound to ``local`` and connected to ``remote`` (/proc/net/tcp), or None."""
    def enc(addr):
        ip, port = addr[0], addr[1]
        return "".join(f"{int(b):02X}" for b in reversed(ip.split("."))) + f":{port:04X}"
    want = (enc(local), enc(remote))
    try:
        with open("/proc/net/tcp", encoding="ascii") as f:
            for line in f:
                parts = line.split()
                if len(parts) > 9 and (parts[1], parts[2]) == want:
                    return parts[9]
    except OSError:
        pass
    return None


def _replace_path(src, dest):
    """Make ``dest`` what ``src`` is (a file, a directory tree, or nothing)."""
    if os.path.isdir(dest) and not os.path.islink(dest):
        shutil.rmtree(dest, ignore_errors=True)
    elif os.path.lexists(dest):
        os.unlink(dest)
    if os.path.isdir(src):
        shutil.copytree(src, dest, symlinks=True)
    elif os.path.isfile(src):
        os.makedirs(os.path.dirname(dest), exist_ok=True)
        shutil.copy2(src, dest)


def _listening(port):
    try:
        with socket.create_connection(("127.0.0.1", port), timeout=0.2):
            return True
    except OSError:
        return False


def _site_packages(venv):
    lib = os.path.join(venv, "lib")
    if not os.path.isdir(lib):
        return []
    return [os.path.join(lib, d, "site-packages") for d in sorted(os.listdir(lib)) if os.path.isdir(os.path.join(lib, d, "site-packages"))]


def unsatisfied(text):
    """Requirements (lines of requirements.txt) that azsim's interpreter environment does not satisfy; a line pip alone
    understands (options, URLs, editables) counts as unsatisfied."""
    from importlib import metadata

    from packaging.requirements import InvalidRequirement, Requirement
    missing = []
    for raw in text.splitlines():
        line = raw.split(" #", 1)[0].strip()
        if not line or line.startswith("#"):
            continue
        try:
            req = Requirement(line)
        except InvalidRequirement:
            missing.append(line)
            continue
        if req.url:
            missing.append(line)
            continue
        if req.marker is not None and not req.marker.evaluate():
            continue
        if not _satisfied(req, metadata, Requirement, set()):
            missing.append(line)
    return missing


def _satisfied(req, metadata, requirement_cls, seen):
    try:
        version = metadata.version(req.name)
    except metadata.PackageNotFoundError:
        return False
    if req.specifier and not req.specifier.contains(version, prereleases=True):
        return False
    for extra in req.extras:
        key = (req.name.lower(), extra)
        if key in seen:
            continue
        seen.add(key)
        for dep in metadata.requires(req.name) or []:
            r = requirement_cls(dep)
            if r.marker is None or not r.marker.evaluate({"extra": extra}):
                continue
            if r.marker.evaluate({"extra": ""}):
                continue  # not extra-specific
            if not _satisfied(r, metadata, requirement_cls, seen):
                return False
    return True


def default_command(www):
    """The command App Service's Python image runs without a startup command (Learn "Configure a Linux Python app",
    container startup process): gunicorn on a Django project's ``wsgi.py``, else ``application.py`` / ``app.py`` (Flask
    ``app``); None when there is nothing to run (the platform's default app answers)."""
    try:
        entries = sorted(os.listdir(www))
    except OSError:
        return None
    for e in entries:
        if os.path.isfile(os.path.join(www, e, "wsgi.py")) and not e.startswith("."):
            return f"gunicorn --bind=0.0.0.0 --timeout 600 {e}.wsgi"
    for module in ("application", "app"):
        if os.path.isfile(os.path.join(www, module + ".py")):
            return f"gunicorn --bind=0.0.0.0 --timeout 600 {module}:app"
    return None


def launch_argv(cmd, www):
    """argv for a startup command: through ``sh -c`` (so ``$PORT`` expands) with ``exec`` when it is one simple
    command, so the app itself is the process azsim started; a first word naming a file of the package (``startup.sh``)
    runs that script."""
    try:
        words = shlex.split(cmd)
    except ValueError:
        words = []
    simple = bool(words) and not _SHELL_CHARS.search(cmd)
    search = os.pathsep.join([os.path.dirname(sys.executable), BASE_PATH])
    if words and "/" not in words[0] and os.path.isfile(os.path.join(www, words[0])) and shutil.which(words[0], path=search) is None:
        cmd = ("./" if os.access(os.path.join(www, words[0]), os.X_OK) else "sh ") + cmd.lstrip()
    return ["/bin/sh", "-c", ("exec " + cmd) if simple else cmd]
