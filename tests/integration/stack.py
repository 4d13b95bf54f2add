"""The deployment of playbooks/deploy.yml on an azsim of its own, and playbooks run from the checkout the way an operator
runs them (inventories/local, the checkout's ansible.cfg): shared by test_deploy.py and test_maintain.py."""

import contextlib
import os
import re
import signal
import subprocess
import sys
import time

from azsim.testing import Azsim

from . import requestlog, secrets_scan

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(os.path.dirname(HERE))
RG = "erp-supermarket-production-rg"
# Paths that only read though they are not GETs (token requests, list actions, name checks, Cost Management's queries).
WRITE_EXEMPT = re.compile(r"/(oauth2|list|listKeys|checkNameAvailability|checkDomainAvailability)|/providers/Microsoft\.CostManagement/(query|forecast)$")


@contextlib.contextmanager
def started_azsim(state_dir):
    """An azsim at time scale 0 whose CA the official SDK clients of the tests trust while it runs."""
    sim = Azsim(state_dir, time_scale=0.0, page_size=5).start()
    saved = os.environ.get("REQUESTS_CA_BUNDLE")
    os.environ["REQUESTS_CA_BUNDLE"] = sim.ca
    try:
        yield sim
    finally:
        sim.stop()
        if saved is None:
            os.environ.pop("REQUESTS_CA_BUNDLE", None)
        else:
            os.environ["REQUESTS_CA_BUNDLE"] = saved


def playbook_runner(azsim, collections_path):
    """run(*args, playbook=..., kill_after_write=None, timeout=900, clock=None, env=None) -> (rc, output, writes sent to azsim).

    ``kill_after_write`` kills the run (SIGKILL, like a lost runner) right after azsim received a write whose path matches
    it; ``clock`` ("+172d") runs the controller in the future too, with libfaketime.

    Every run goes with ``-vvv`` (``verbose=False`` leaves it out), and its output and the report files it wrote under
    ``<azsim state>/reports`` (maintenance and audit reports) are scanned for every secret the run knows
    (tests/integration/secrets_scan.py): a secret found fails the run's caller, naming the secret, never printing it.
    """
    secrets = secrets_scan.Secrets(azsim)

    def run(*args, playbook="playbooks/deploy.yml", kill_after_write=None, timeout=900, clock=None, verbose=True, env=None):
        extra, env = env or {}, {k: v for k, v in os.environ.items() if not k.startswith(("AZURE_", "HTTPS_PROXY", "https_proxy", "ANSIBLE_"))}
        env.update({"AZSIM_STATE_DIR": azsim.state_dir, "ANSIBLE_CONFIG": os.path.join(ROOT, "ansible.cfg"),
                    "ANSIBLE_COLLECTIONS_PATH": collections_path, "ANSIBLE_NOCOLOR": "1", "ANSIBLE_FORCE_COLOR": "0"})
        env.update(extra)  # e.g. a test-only callback (ANSIBLE_CALLBACK_PLUGINS, ANSIBLE_CALLBACKS_ENABLED)
        mark = azsim.last_seq()
        secrets.refresh()  # what the run may replace (a rotation) is known before it does
        started = time.time()
        argv = [os.path.join(os.path.dirname(sys.executable), "ansible-playbook"), playbook, *(["-vvv"] if verbose else []), *args]
        if clock:  # the controller's clock moved too (libfaketime, e.g. "+172d": wall and monotonic clocks shift alike)
            argv = ["faketime", "-f", clock, *argv]
        proc = subprocess.Popen(argv, cwd=ROOT, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True,  # noqa: S603
                                start_new_session=True)
        if kill_after_write:
            deadline = time.time() + timeout
            while time.time() < deadline and proc.poll() is None:
                if any(r["method"] in ("PUT", "PATCH", "POST") and re.search(kill_after_write, r["path"], re.I) for r in azsim.requests_since(mark)):
                    os.killpg(proc.pid, signal.SIGKILL)
                    break
                time.sleep(0.05)
        out = proc.communicate(timeout=timeout)[0]
        writes = requestlog.writes(azsim.requests_since(mark), WRITE_EXEMPT)
        secrets.refresh()
        findings = secrets.scan(out, f"the output of {playbook}{' -vvv' if verbose else ''} {' '.join(args)}".rstrip())
        findings += secrets.scan_reports(os.path.join(azsim.state_dir, "reports"), since=started - 1)
        assert not findings, f"secrets leaked ({len(secrets.known)} known; names only): " + "; ".join(findings)
        return proc.returncode, out, writes

    run.azsim = azsim
    run.secrets = secrets
    return run


@contextlib.contextmanager
def clock_moved(azsim, seconds):
    """azsim's clock moved forward for the block, and back after it (the module's azsim serves the next tests)."""
    azsim.admin("POST", "clock", {"advance_seconds": seconds})
    try:
        yield
    finally:
        azsim.admin("POST", "clock", {"advance_seconds": -seconds})


def browser(azsim):
    """A requests session that reaches the deployed sites the way a user does: through azsim's front door, trusting its CA."""
    import requests

    session = requests.Session()
    session.trust_env = False
    session.proxies = {"https": azsim.info["proxy"]}
    session.verify = azsim.ca
    return session
