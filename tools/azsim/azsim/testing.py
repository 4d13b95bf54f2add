"""Start a real azsim process and reach it like a user would: for the simulator's own tests, the
collection's integration tests, Molecule and the benchmarks."""

import json
import os
import signal
import socket
import subprocess
import sys
import time

import requests
from requests.adapters import HTTPAdapter
from urllib3.util.retry import Retry

AZSIM_ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class Azsim:
    """A running ``python -m azsim serve`` and helpers to reach it."""

    def __init__(self, state_dir, time_scale=0.0, page_size=5):
        self.state_dir = state_dir
        self.port = free_port()
        self.proxy_port = free_port()
        self.time_scale = time_scale
        self.page_size = page_size
        self.proc = None
        self.info = None

    def start(self):
        env = dict(os.environ)
        env.pop("HTTPS_PROXY", None)
        env["PYTHONPATH"] = AZSIM_ROOT + os.pathsep + env.get("PYTHONPATH", "")
        self.log = open(os.path.join(self.state_dir, "azsim.log"), "ab")  # noqa: SIM115 - kept open for the process lifetime
        self.proc = subprocess.Popen(  # noqa: S603 - our own simulator
            [sys.executable, "-m", "azsim", "serve", "--state-dir", self.state_dir, "--port", str(self.port),
             "--proxy-port", str(self.proxy_port), "--time-scale", str(self.time_scale), "--page-size", str(self.page_size)],
            stdout=self.log, stderr=subprocess.STDOUT, env=env)
        path = os.path.join(self.state_dir, "azsim.json")
        deadline = time.time() + 30
        while time.time() < deadline:
            if self.proc.poll() is not None:
                raise RuntimeError(f"azsim exited with {self.proc.returncode}; see {self.log.name}")
            try:
                with open(path, encoding="utf-8") as f:
                    info = json.load(f)
                if info.get("pid") == self.proc.pid:
                    self.info = info
                    requests.get(f"{info['arm_endpoint']}/_azsim/healthz", verify=info["ca_bundle"], timeout=5).raise_for_status()
                    return self
            except (OSError, ValueError, requests.RequestException):
                pass
            time.sleep(0.05)
        raise RuntimeError("azsim did not start within 30 s")

    def kill(self, sig=signal.SIGKILL):
        self.proc.send_signal(sig)
        self.proc.wait(timeout=15)

    def stop(self):
        if self.proc and self.proc.poll() is None:
            self.kill(signal.SIGTERM)

    # -- handy accessors ----------------------------------------------------------------------
    @property
    def url(self):
        return self.info["arm_endpoint"]

    @property
    def ca(self):
        return self.info["ca_bundle"]

    @property
    def sub(self):
        return self.info["subscription_id"]

    @property
    def tenant(self):
        return self.info["tenant_id"]

    def principal(self, name="deployer"):
        return self.info["principals"][name]

    def admin(self, method, path, body=None):
        r = requests.request(method, f"{self.url}/_azsim/{path.lstrip('/')}", json=body, verify=self.ca, timeout=30)
        if r.status_code >= 400:
            raise AssertionError(f"admin {method} {path}: {r.status_code} {r.text}")
        return r.json() if r.content else None

    def requests_since(self, seq):
        return self.admin("GET", f"requests?since={seq}")

    def last_seq(self):
        rows = self.admin("GET", "requests")
        return rows[-1]["seq"] if rows else 0

    def token(self, principal="deployer", scope="https://management.azure.com/.default"):
        p = self.principal(principal)
        r = requests.post(f"{self.url}/{self.tenant}/oauth2/v2.0/token", verify=self.ca, timeout=10,
                          data={"grant_type": "client_credentials", "client_id": p["client_id"], "client_secret": p["client_secret"], "scope": scope})
        r.raise_for_status()
        return r.json()["access_token"]

    def credential(self, mode, principal="deployer"):
        from azure.identity import ClientSecretCredential
        p = self.principal(principal)
        if mode == "direct":
            return ClientSecretCredential(self.tenant, p["client_id"], p["client_secret"], authority=self.url, disable_instance_discovery=True)
        return ClientSecretCredential(self.tenant, p["client_id"], p["client_secret"])

    def client(self, cls, mode, principal="deployer", **kwargs):
        """An unmodified SDK client: custom cloud for ``direct``, real host names for ``proxy``."""
        cred = self.credential(mode, principal)
        if mode == "direct":
            kwargs.setdefault("base_url", self.url)
            kwargs.setdefault("credential_scopes", [self.url + "/.default"])
        return cls(cred, self.sub, **kwargs)

    def arm(self, mode):
        """Base URL of ARM as seen by a raw HTTP client in that mode."""
        return self.url if mode == "direct" else "https://management.azure.com"

    def session(self, mode, principal="deployer", retry_throttled=True):
        """A plain ``requests`` session with a bearer token, for raw-REST checks.

        Like azure-core's retry policy, it waits out a 429 (``Retry-After``) unless told not to: the whole
        suite shares one principal's ARM write budget, which a realistic token bucket runs dry.
        """
        s = requests.Session()
        if retry_throttled:
            retry = Retry(total=8, status_forcelist=[429], allowed_methods=None, respect_retry_after_header=True, raise_on_status=False)
            s.mount("https://", HTTPAdapter(max_retries=retry))
        scope = (self.url if mode == "direct" else "https://management.azure.com") + "/.default"
        s.headers["Authorization"] = "Bearer " + self.token(principal, scope)
        s.verify = self.ca
        if mode == "proxy":
            s.proxies = {"https": self.info["proxy"]}
        else:
            s.proxies = {"https": None}
            s.trust_env = False
        return s
