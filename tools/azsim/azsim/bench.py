"""``python -m azsim.bench``: requests per second through azsim's front door (the real host names via the proxy).

Starts its own azsim (time scale 0) on free ports in a temporary state directory, raises the throttling limits
through the admin API so the buckets never answer 429, then runs simple resource-group GETs and PUTs with raw
``requests`` sessions (keep-alive, a bearer token from the token endpoint) for a few seconds each, with 1 and with
4 client threads, and one run through the official SDK client. Prints a small table.
"""

import argparse
import json
import os
import socket
import subprocess
import sys
import tempfile
import threading
import time

import requests

API = {"api-version": "2025-04-01"}


def _free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _start(state_dir):
    port, proxy_port = _free_port(), _free_port()
    env = dict(os.environ)
    env["PYTHONPATH"] = os.path.dirname(os.path.dirname(os.path.abspath(__file__))) + os.pathsep + env.get("PYTHONPATH", "")
    log = open(os.path.join(state_dir, "azsim.log"), "ab")  # noqa: SIM115 - kept for the process lifetime
    proc = subprocess.Popen([sys.executable, "-m", "azsim", "serve", "--state-dir", state_dir, "--port", str(port),  # noqa: S603
                             "--proxy-port", str(proxy_port), "--time-scale", "0"], stdout=log, stderr=subprocess.STDOUT, env=env)
    deadline = time.time() + 30
    while time.time() < deadline:
        if proc.poll() is not None:
            raise SystemExit(f"azsim exited with {proc.returncode}; see {log.name}")
        try:
            with open(os.path.join(state_dir, "azsim.json"), encoding="utf-8") as f:
                info = json.load(f)
            if info.get("pid") == proc.pid:
                requests.get(f"{info['arm_endpoint']}/_azsim/healthz", verify=info["ca_bundle"], timeout=5).raise_for_status()
                return proc, info
        except (OSError, ValueError, requests.RequestException):
            pass
        time.sleep(0.05)
    proc.kill()
    raise SystemExit("azsim did not start within 30 s")


def _session(info, token):
    s = requests.Session()
    s.trust_env = False
    s.verify = info["ca_bundle"]
    s.proxies = {"https": info["proxy"]}
    s.headers["Authorization"] = "Bearer " + token
    return s


def _run(workers, seconds, make_call):
    """Run ``make_call()`` -> call() per worker in a loop for ``seconds``; (requests, errors, elapsed)."""
    stop = time.monotonic() + seconds
    counts = [0] * workers
    errors = [0] * workers
    calls = [make_call(i) for i in range(workers)]

    def loop(i):
        call = calls[i]
        while time.monotonic() < stop:
            try:
                ok = call()
            except Exception:  # noqa: BLE001 - counted, the table shows it
                ok = False
            counts[i] += 1
            if not ok:
                errors[i] += 1

    t0 = time.monotonic()
    threads = [threading.Thread(target=loop, args=(i,)) for i in range(workers)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    return sum(counts), sum(errors), time.monotonic() - t0


def main(argv=None):
    parser = argparse.ArgumentParser(prog="python -m azsim.bench", description=__doc__.splitlines()[0])
    parser.add_argument("--seconds", type=float, default=5.0, help="duration of each run")
    parser.add_argument("--state-dir", help="use this directory instead of a temporary one")
    args = parser.parse_args(argv)
    tmp = None if args.state_dir else tempfile.TemporaryDirectory(prefix="azsim-bench-")
    state_dir = args.state_dir or tmp.name
    proc, info = _start(state_dir)
    try:
        return _bench(info, args.seconds)
    finally:
        proc.terminate()
        proc.wait(timeout=15)
        if tmp is not None:
            tmp.cleanup()


def _bench(info, seconds):
    admin = f"{info['arm_endpoint']}/_azsim"
    huge = {"capacity": 1e9, "refill_per_second": 1e9}
    requests.put(f"{admin}/throttling", json={"limits": {"reads": huge, "writes": huge, "deletes": huge}},
                 verify=info["ca_bundle"], timeout=10).raise_for_status()
    print("azsim.bench: throttling limits raised to 1e9 tokens (refill 1e9/s) for reads, writes and deletes via PUT /_azsim/throttling")
    p = info["principals"]["deployer"]
    token = requests.post(f"{info['arm_endpoint']}/{info['tenant_id']}/oauth2/v2.0/token", verify=info["ca_bundle"], timeout=10,
                          data={"grant_type": "client_credentials", "client_id": p["client_id"], "client_secret": p["client_secret"],
                                "scope": "https://management.azure.com/.default"}).json()["access_token"]
    base = f"https://management.azure.com/subscriptions/{info['subscription_id']}/resourcegroups"
    setup = _session(info, token)
    for i in range(4):
        setup.put(f"{base}/rg-bench-{i}", params=API, json={"location": "westeurope"}).raise_for_status()

    def get_call(i):
        s = _session(info, token)
        url = f"{base}/rg-bench-{i}"
        return lambda: s.get(url, params=API).status_code == 200

    def put_call(i):
        s = _session(info, token)
        url = f"{base}/rg-bench-{i}"
        n = [0]

        def call():
            n[0] += 1
            return s.put(url, params=API, json={"location": "westeurope", "tags": {"n": str(n[0])}}).status_code == 200
        return call

    def sdk_call(i):
        from azure.identity import ClientSecretCredential
        from azure.mgmt.resource.resources import ResourceManagementClient
        cred = ClientSecretCredential(info["tenant_id"], p["client_id"], p["client_secret"], connection_verify=info["ca_bundle"],
                                      proxies={"https": info["proxy"]})
        c = ResourceManagementClient(cred, info["subscription_id"], connection_verify=info["ca_bundle"], proxies={"https": info["proxy"]})
        return lambda: c.resource_groups.get(f"rg-bench-{i}").name == f"rg-bench-{i}"

    runs = [("GET resource group (requests)", get_call, 1), ("GET resource group (requests)", get_call, 4),
            ("PUT resource group tags (requests)", put_call, 1), ("PUT resource group tags (requests)", put_call, 4),
            ("GET resource group (azure-mgmt-resource SDK)", sdk_call, 1)]
    rows = []
    for label, make, workers in runs:
        n, errors, elapsed = _run(workers, seconds, make)
        rows.append((label, workers, n, errors, n / elapsed, elapsed / n * 1000 * workers if n else 0.0))
    print(f"azsim.bench: through the HTTPS proxy {info['proxy']} with real host names, {seconds:g} s per run, {os.cpu_count()} CPUs")
    print(f"{'workload':<46} {'threads':>7} {'requests':>9} {'errors':>6} {'req/s':>8} {'ms/req':>7}")
    for label, workers, n, errors, rps, ms in rows:
        print(f"{label:<46} {workers:>7} {n:>9} {errors:>6} {rps:>8.0f} {ms:>7.2f}")
    return 1 if any(r[3] for r in rows) else 0


if __name__ == "__main__":
    sys.exit(main())
