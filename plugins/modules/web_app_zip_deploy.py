#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright: (c) 2026, erpops.azure contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import absolute_import, division, print_function

__metaclass__ = type

DOCUMENTATION = r"""
module: web_app_zip_deploy
short_description: Deploy a zip package to an Azure App Service web app or slot through Kudu
version_added: 0.1.0
description:
  - Pushes a package to the app's Kudu (C(POST /api/zipdeploy) on C(<app>[-<slot>].scm.azurewebsites.net)) with the module's
    Microsoft Entra credential, so the basic publishing credentials can stay disabled. The principal needs
    C(Microsoft.Web/sites/publish/Action) on the app (Website Contributor, Contributor or Owner).
  - O(src) is a zip file, or a directory that the module packs into a zip (the same files always give the same package).
  - The package's identity is the sha256 of its files (names, modes and contents, not the zip's timestamps). It is recorded
    in the deployment's message (C(erpops.azure <version> sha256:<hash>)), and a package that is already the active
    deployment of the app or slot is not deployed again. Kudu's record travels with the content when slots are swapped.
  - With C(SCM_DO_BUILD_DURING_DEPLOYMENT=true) in the app settings the service builds the package (Oryx installs
    C(requirements.txt), Django's C(collectstatic) runs); without it the package runs as shipped.
  - The module reads the app from Resource Manager for its Kudu host, then Kudu's active deployment; with O(scm_host),
    Kudu alone.
  - The package is held in memory while it is sent; it suits application code, not multi-gigabyte artifacts.
author:
  - erpops.azure maintainers (@erpops)
options:
  resource_group:
    description: Resource group of the web app.
    type: str
    required: true
  web_app:
    description: Name of the web app.
    type: str
    required: true
  slot:
    description: Deployment slot to deploy to (for example V(staging)); the production app when unset.
    type: str
  scm_host:
    description:
      - The Kudu host of the app (or of O(slot)) when the caller already has it from Resource Manager, that is the name of
        the C(Repository) entry of C(properties.hostNameSslStates) in the document erpops.azure.web_app or
        erpops.azure.web_app_slot returned earlier in the play. It is not always C(<app>.scm.azurewebsites.net) (apps with
        a unique default host name, App Service Environments, national clouds), so never guess it.
      - When set, the app is not read from Resource Manager; an app that does not exist then fails on Kudu's request (in
        check mode too) instead of being reported by name.
      - Unset, the module reads the app and takes its Kudu host from the document.
    type: str
    version_added: 0.4.0
  src:
    description:
      - Path of the package on the controller's target host (where the module runs) - a zip file, or a directory to pack.
      - A directory is packed with its files at the root of the zip, symbolic links followed, O(exclude) left out.
    type: path
    required: true
  exclude:
    description:
      - Patterns (shell-style) of files and directories left out when O(src) is a directory. A pattern matches a path
        relative to O(src) or any single component of it (V(__pycache__) leaves out every C(__pycache__) directory).
      - Ignored when O(src) is a zip file.
    type: list
    elements: str
    default: ['.git', '.hg', '.svn', '__pycache__', '*.pyc', '.venv', 'venv', '.pytest_cache', '.mypy_cache', '.ruff_cache']
  version:
    description:
      - A name for the package, recorded in the deployment message next to its hash (for example a release id or a commit);
        one word, without spaces.
      - Defaults to the first 12 hexadecimal digits of the package's sha256.
    type: str
  asynchronous:
    description:
      - V(true) sends the package with C(isAsync=true) and polls the deployment (C(/api/deployments/<id>), or the C(Location)
        Kudu answers) until it has finished, so long builds are not cut by the front end's 230-second request limit.
      - V(false) waits on the upload request itself.
    type: bool
    default: true
  timeout:
    description:
      - Seconds to wait for the deployment, the service's build included, before failing (the deployment goes on in Kudu).
      - While another deployment of the same app or slot runs (Kudu answers 409), the module retries within this time.
    type: int
    default: 1800
  force:
    description: Deploy even when the same package is already the active deployment (to run the service's build again).
    type: bool
    default: false
notes:
  - Kudu is reached through the host names Azure gives the app (the C(Repository) entry of C(hostNameSslStates)), with the
    environment's HTTPS proxy and CA bundle (E(HTTPS_PROXY), E(REQUESTS_CA_BUNDLE)); a custom O(arm_endpoint) does not change it.
  - The token is requested for Resource Manager's audience, which Kudu accepts like C(https://appservice.azure.com).
extends_documentation_fragment:
  - erpops.azure.attributes
  - erpops.azure.azure
attributes:
  check_mode:
    support: full
    details: The package is built and compared with the active deployment; nothing is uploaded.
  diff_mode:
    support: full
    details: The active deployment's version and hash before and after.
"""

EXAMPLES = r"""
- name: Deploy the ERP's code to the staging slot (the service installs requirements.txt)
  erpops.azure.web_app_zip_deploy:
    resource_group: erp-supermarket-production-rg
    web_app: erp-supermarket-prod
    slot: staging
    src: "{{ playbook_dir }}/../examples/erp_app"
    exclude: [.git, __pycache__, "*.pyc", .venv, db.sqlite3, staticfiles]
  register: erp_deploy

- name: Show which package staging runs
  ansible.builtin.debug:
    msg: "staging runs {{ erp_deploy.package.version }} (deployment {{ erp_deploy.deployment.id }})"

- name: Deploy a package built by CI, with its commit as the version
  erpops.azure.web_app_zip_deploy:
    resource_group: erp-supermarket-production-rg
    web_app: erp-supermarket-prod
    slot: staging
    src: /srv/artifacts/erp-1.4.2.zip
    version: 1.4.2-3f2a9c1

- name: Tell whether production already runs this package, without deploying
  erpops.azure.web_app_zip_deploy:
    resource_group: erp-supermarket-production-rg
    web_app: erp-supermarket-prod
    src: /srv/artifacts/erp-1.4.2.zip
  check_mode: true
  register: production_package
"""

RETURN = r"""
package:
  description: The package sent (or that would be sent).
  returned: always
  type: dict
  contains:
    sha256:
      description: sha256 of the package's files (sorted names, modes and contents).
      type: str
      sample: 9b1c3e0f8a7d4c2b6e5f1a0d9c8b7a6e5d4c3b2a1f0e9d8c7b6a5f4e3d2c1b0a
    version:
      description: O(version), or the first 12 hexadecimal digits of RV(package.sha256).
      type: str
      sample: 9b1c3e0f8a7d
    files:
      description: Number of files in the package.
      type: int
      sample: 31
    size:
      description: Size of the zip in bytes.
      type: int
      sample: 48213
  sample: {sha256: 9b1c3e0f8a7d4c2b6e5f1a0d9c8b7a6e5d4c3b2a1f0e9d8c7b6a5f4e3d2c1b0a, version: 9b1c3e0f8a7d, files: 31, size: 48213}
deployment:
  description:
    - Kudu's record of the active deployment after the task (the new one when the package was deployed; in check mode the
      current one, or C({}) when there is none).
  returned: always
  type: dict
  sample:
    id: 6e0a2c1e-7a4f-4a55-9f0e-0c3c5b1f2d11
    status: 4
    status_text: ""
    message: erpops.azure 9b1c3e0f8a7d sha256:9b1c3e0f8a7d4c2b6e5f1a0d9c8b7a6e5d4c3b2a1f0e9d8c7b6a5f4e3d2c1b0a
    deployer: Push-Deployer
    active: true
    complete: true
    end_time: "2026-03-02T10:15:42.123456Z"
previous:
  description: The active deployment before the task (C({}) when there was none).
  returned: always
  type: dict
  sample: {id: 0b9d2f4e-3c1a-4e8b-9a7d-5f6e4d3c2b1a, message: Created via a push deployment, active: true, status: 4}
"""

import fnmatch
import hashlib
import io
import os
import re
import stat
import time
import zipfile

from ansible_collections.erpops.azure.plugins.module_utils.errors import AzureApiError
from ansible_collections.erpops.azure.plugins.module_utils.kudu import KuduClient, read_site, scm_host
from ansible_collections.erpops.azure.plugins.module_utils.module import AzureModule

SUCCESS = 4  # Kudu DeployStatus: Pending 0, Building 1, Deploying 2, Failed 3, Success 4
# The earliest date a zip entry can carry: packing the same files always gives the same bytes.
ZIP_EPOCH = (1980, 1, 1, 0, 0, 0)
HASH_RE = re.compile(r"sha256:([0-9a-f]{64})")
POLL_INTERVAL = 2


def _pause(started):
    """Poll every second for the first half-minute (most builds), then every POLL_INTERVAL seconds."""
    time.sleep(1 if time.time() - started < 30 else POLL_INTERVAL)


def _mode(st_mode):
    return 0o755 if st_mode & 0o111 else 0o644


def _excluded(rel, patterns):
    parts = rel.split("/")
    return any(fnmatch.fnmatch(rel, pat) or any(fnmatch.fnmatch(part, pat) for part in parts) for pat in patterns)


def _digest(entries):
    """sha256 over (name, mode, sha256 of content) of every file, sorted by name."""
    h = hashlib.sha256()
    for name, mode, content_hash in sorted(entries):
        h.update(("%s\0%o\0%s\n" % (name, mode, content_hash)).encode("utf-8"))
    return h.hexdigest()


def pack_directory(src, exclude):
    files = []
    for root, dirs, names in os.walk(src, followlinks=True):
        rel_root = os.path.relpath(root, src).replace(os.sep, "/")
        rel_root = "" if rel_root == "." else rel_root + "/"
        dirs[:] = sorted(d for d in dirs if not _excluded(rel_root + d, exclude))
        for name in sorted(names):
            rel = rel_root + name
            full = os.path.join(root, name)
            if _excluded(rel, exclude):
                continue
            st = os.stat(full)
            if not stat.S_ISREG(st.st_mode):
                continue  # sockets, fifos, dangling links
            files.append((rel, full, _mode(st.st_mode)))
    buf = io.BytesIO()
    entries = []
    with zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED) as zf:
        for rel, full, mode in sorted(files):
            with open(full, "rb") as f:
                data = f.read()
            info = zipfile.ZipInfo(rel, date_time=ZIP_EPOCH)
            info.external_attr = (stat.S_IFREG | mode) << 16
            info.compress_type = zipfile.ZIP_DEFLATED
            zf.writestr(info, data)
            entries.append((rel, mode, hashlib.sha256(data).hexdigest()))
    return buf.getvalue(), entries


def read_zip(src):
    with open(src, "rb") as f:
        data = f.read()
    entries = []
    with zipfile.ZipFile(io.BytesIO(data)) as zf:
        for info in zf.infolist():
            if info.filename.endswith("/"):
                continue
            mode = (info.external_attr >> 16) & 0o777
            entries.append((info.filename.replace("\\", "/"), _mode(mode) if mode else 0o644, hashlib.sha256(zf.read(info)).hexdigest()))
    return data, entries


def _summary(rec):
    return dict((k, v) for k, v in (rec or {}).items() if k not in ("url", "log_url"))


def _hash_of(rec):
    m = HASH_RE.search((rec or {}).get("message") or "")
    return m.group(1) if m else None


def _view(rec, digest=None, version=None):
    """What the diff shows of a deployment: its package's version and hash (None for a package this module did not send)."""
    message = (rec or {}).get("message") or ""
    words = message.split()
    if digest is None and len(words) == 3 and words[0] == "erpops.azure" and HASH_RE.match(words[2]):
        version, digest = words[1], words[2][len("sha256:"):]
    return dict(version=version, sha256=digest, deployment=(rec or {}).get("id"))


def active_deployment(kudu):
    """Kudu's active deployment (the content the app or slot runs), or None."""
    _status, _hdrs, records = kudu.request("GET", "/api/deployments", expect=(200,))
    records = records if isinstance(records, list) else []
    active = [r for r in records if r.get("active")]
    if active:
        return active[0]
    done = sorted((r for r in records if r.get("status") == SUCCESS and r.get("end_time")), key=lambda r: r["end_time"])
    return done[-1] if done and not any("active" in r for r in records) else None


class Deployer:
    def __init__(self, az, kudu, p):
        self.az = az
        self.kudu = kudu
        self.p = p
        self.deadline = time.time() + p["timeout"]

    def push(self, data, message):
        params = {"message": message, "author": "erpops.azure"}
        if self.p["asynchronous"]:
            params["isAsync"] = "true"
        while True:
            status, hdrs, body = self.kudu.request("POST", "/api/zipdeploy", params=params, data=data, headers={"Content-Type": "application/zip"},
                                                   expect=(200, 202, 409, 500), timeout=max(30, int(self.deadline - time.time())))
            if status != 409:
                break
            # Another deployment of this app or slot is running (Kudu allows one at a time): wait for it.
            if time.time() + POLL_INTERVAL > self.deadline:
                self.az.fail("another deployment of %s has been running for the whole timeout (%d s): %s" % (self.kudu.host, self.p["timeout"], body))
            time.sleep(POLL_INTERVAL * 2)
        dep_id = hdrs.get("scm-deployment-id")
        if status == 500:
            self.failed(self.find(dep_id, message) or {"status_text": body})
        if status == 202:
            return self.poll(dep_id, hdrs.get("location"), message)
        return self.find(dep_id, message)

    def find(self, dep_id, message):
        if dep_id:
            status, _hdrs, rec = self.kudu.request("GET", "/api/deployments/%s" % dep_id, expect=(200, 404))
            if status == 200:
                return rec
        _status, _hdrs, records = self.kudu.request("GET", "/api/deployments", expect=(200,))
        return next((r for r in records or [] if r.get("message") == message), None)

    def poll(self, dep_id, location, message):
        url = "/api/deployments/%s" % dep_id if dep_id else None
        if url is None and location:
            url = "/" + location.split("://", 1)[-1].split("/", 1)[-1]
        url = url or "/api/deployments/latest"
        started = time.time()
        while True:
            # 404: the record of an accepted deployment may not exist yet; 202: latest is still running.
            status, _hdrs, rec = self.kudu.request("GET", url, expect=(200, 202, 404))
            if status == 200 and isinstance(rec, dict) and rec.get("complete"):
                # Polling "latest" (no id given by Kudu) may show another deployment: find this one by its message.
                if not dep_id and rec.get("message") != message:
                    rec = self.find(None, message) or rec
                    if rec.get("message") != message:
                        self.az.fail("another deployment finished on %s while this one ran (%s); run the task again" % (self.kudu.host, rec.get("id")))
                return rec
            if time.time() + POLL_INTERVAL > self.deadline:
                self.az.fail("the deployment to %s has not finished after %d s (it goes on in Kudu: %s)" % (self.kudu.host, self.p["timeout"], url))
            _pause(started)

    def failed(self, rec):
        lines = []
        if rec.get("id"):
            status, _hdrs, log = self.kudu.request("GET", "/api/deployments/%s/log" % rec["id"], expect=(200, 404))
            if status == 200 and isinstance(log, list):
                lines = [e.get("message") for e in log if e.get("message")][-8:]
        self.az.fail("the deployment to %s failed: %s" % (self.kudu.host, rec.get("status_text") or "no reason given"),
                     deployment=_summary(rec), log=lines)


def main():
    az = AzureModule(dict(
        resource_group=dict(type="str", required=True),
        web_app=dict(type="str", required=True),
        slot=dict(type="str"),
        scm_host=dict(type="str"),
        src=dict(type="path", required=True),
        exclude=dict(type="list", elements="str",
                     default=[".git", ".hg", ".svn", "__pycache__", "*.pyc", ".venv", "venv", ".pytest_cache", ".mypy_cache", ".ruff_cache"]),
        version=dict(type="str"),
        asynchronous=dict(type="bool", default=True),
        timeout=dict(type="int", default=1800),
        force=dict(type="bool", default=False),
    ))
    p = az.params

    def run():
        src = p["src"]
        if os.path.isdir(src):
            data, entries = pack_directory(src, p["exclude"])
        elif os.path.isfile(src) and zipfile.is_zipfile(src):
            data, entries = read_zip(src)
        elif os.path.exists(src):
            az.fail("src must be a zip file or a directory: %s is neither" % src)
        else:
            az.fail("src %s does not exist" % src)
        if not entries:
            az.fail("the package from %s holds no file" % src)
        digest = _digest(entries)
        version = p["version"] or digest[:12]
        if not re.match(r"^\S+$", version):
            az.fail("version must be one word, without spaces (it is recorded in Kudu's deployment message): %r" % version)
        package = dict(sha256=digest, version=version, files=len(entries), size=len(data))
        message = "erpops.azure %s sha256:%s" % (version, digest)

        if p["scm_host"]:
            host = p["scm_host"].lower().rstrip(".")  # the caller read it from Resource Manager: no read of the app
            if not re.match(r"^[a-z0-9]([a-z0-9.-]*[a-z0-9])?$", host):
                az.fail("scm_host must be a host name such as erp-supermarket-prod.scm.azurewebsites.net (no scheme, no path), not %r"
                        % p["scm_host"])
        else:
            _path, site = read_site(az, p)
            if site is None:  # check mode, the app only predicted: everything would be deployed
                return dict(changed=True, package=package, deployment={}, previous={},
                            diff=dict(before=_view(None), after=_view(None, digest, version)))
            host = scm_host(site, p["web_app"], p["slot"])
        kudu = KuduClient(az.arm.auth, host, check_mode=az.check_mode)
        try:
            before = active_deployment(kudu)
        except AzureApiError as exc:
            if exc.status in (401, 403):
                az.fail("Kudu refused the credential (%s): the principal needs Microsoft.Web/sites/publish/Action on the app "
                        "(Website Contributor, Contributor or Owner)" % exc.status, status=exc.status)
            raise
        before_view = _view(before)
        if _hash_of(before) == digest and not p["force"]:
            return dict(changed=False, package=package, deployment=_summary(before), previous=_summary(before),
                        diff=dict(before=before_view, after=before_view))
        after_view = _view(None, digest, version)
        if az.check_mode:
            return dict(changed=True, package=package, deployment=_summary(before), previous=_summary(before),
                        diff=dict(before=before_view, after=after_view))
        rec = Deployer(az, kudu, p).push(data, message)
        if rec is None:
            az.fail("Kudu accepted the package but shows no deployment with message %r" % message)
        if rec.get("status") != SUCCESS:
            Deployer(az, kudu, p).failed(rec)
        after_view["deployment"] = rec.get("id")
        return dict(changed=True, package=package, deployment=_summary(rec), previous=_summary(before), diff=dict(before=before_view, after=after_view))

    az.run(run)


if __name__ == "__main__":
    main()
