"""``python -m azsim serve|start|stop``."""

import argparse
import errno
import json
import os
import signal
import socket
import sys
import threading
import time


def _port_free(host, port):
    s = socket.socket(socket.AF_INET6 if ":" in host else socket.AF_INET, socket.SOCK_STREAM)
    s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    try:
        s.bind((host, port))
        return True
    except OSError as exc:
        if exc.errno in (errno.EADDRINUSE, errno.EACCES):
            return False
        raise
    finally:
        s.close()


def serve(args):
    state_dir = os.path.abspath(args.state_dir)
    for port in (args.port, args.proxy_port):
        if not _port_free(args.host, port):
            print(f"azsim: port {port} on {args.host} is already in use (another azsim? stop it with "
                  f"`python -m azsim stop --state-dir {args.state_dir}` or pick --port/--proxy-port)", file=sys.stderr)
            return 2
    from .core.app import App, Settings
    from .core.server import Listeners

    app = App(Settings(state_dir, args.host, args.port, args.proxy_port, args.time_scale, args.page_size))
    listeners = Listeners(app)
    listeners.start()
    info = describe(app)
    _write_json(os.path.join(state_dir, "azsim.json"), info)
    with open(os.path.join(state_dir, "azsim.pid"), "w", encoding="ascii") as f:
        f.write(str(os.getpid()))
    print(f"azsim: ARM/Entra on {info['arm_endpoint']}, front-door proxy on {info['proxy']}; settings in "
          f"{os.path.join(state_dir, 'azsim.json')}", flush=True)
    stop = threading.Event()
    signal.signal(signal.SIGTERM, lambda *_args: stop.set())
    signal.signal(signal.SIGINT, lambda *_args: stop.set())
    while not stop.wait(0.05):
        app.tick()
    listeners.stop()
    app.shutdown()
    try:
        os.unlink(os.path.join(state_dir, "azsim.pid"))
    except OSError:
        pass
    return 0


def describe(app):
    s = app.settings
    principals = {}
    for p in app.store.values("principals"):
        principals[p["name"]] = {"client_id": p["client_id"], "client_secret": p["client_secret"], "object_id": p["object_id"],
                                 "certificate_path": p["certificate_path"],
                                 "role": app.builtin_principals.get(p["name"])}
    return {
        "arm_endpoint": app.direct_url,
        "authority_host": app.direct_url,
        "proxy": f"http://{s.host}:{s.proxy_port}",
        "ca_bundle": app.ca.ca_path,
        "tenant_id": app.identity.tenant_id,
        "subscription_id": app.identity.subscription_id,
        "principals": principals,
        "time_scale": app.clock.time_scale,
        "page_size": s.page_size,
        "admin": f"{app.direct_url}/_azsim",
        "pid": os.getpid(),
    }


def _write_json(path, data):
    tmp = path + ".tmp"
    fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "w", encoding="utf-8") as f:
        json.dump(data, f, indent=2)
    os.replace(tmp, path)


def start(args):
    """Start ``serve`` in the background and return once it answers; an azsim already serving the state directory is
    reused (its settings stay as they are), so ``make demo`` can run again and again."""
    import subprocess  # noqa: PLC0415 - only this command needs it
    import urllib.request  # noqa: PLC0415

    state_dir = os.path.abspath(args.state_dir)
    os.makedirs(state_dir, exist_ok=True)
    info_path = os.path.join(state_dir, "azsim.json")
    running = _running_pid(state_dir)
    if running:
        print(f"azsim: already running (pid {running}); settings in {info_path}")
        return 0
    _reap(state_dir, postgres=False)  # a killed azsim's Azurite; its PostgreSQL clusters the new azsim takes over
    argv = [sys.executable, "-m", "azsim", "serve", "--state-dir", state_dir, "--host", args.host, "--port", str(args.port),
            "--proxy-port", str(args.proxy_port), "--time-scale", str(args.time_scale), "--page-size", str(args.page_size)]
    log_path = os.path.join(state_dir, "azsim.log")
    with open(log_path, "ab") as log:
        proc = subprocess.Popen(argv, stdout=log, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL,  # noqa: S603 - ourselves
                                start_new_session=True, env=dict(os.environ, PYTHONPATH=os.pathsep.join(sys.path)))
    deadline = time.time() + args.timeout
    while time.time() < deadline:
        if proc.poll() is not None:
            print(f"azsim: exited with {proc.returncode} while starting; see {log_path}", file=sys.stderr)
            return 1
        try:
            with open(info_path, encoding="utf-8") as f:
                info = json.load(f)
            if info.get("pid") == proc.pid:
                ctx = __import__("ssl").create_default_context(cafile=info["ca_bundle"])
                with urllib.request.urlopen(info["admin"] + "/healthz", context=ctx, timeout=5):  # noqa: S310 - https, our CA
                    pass
                print(f"azsim: started (pid {proc.pid}, time scale {args.time_scale}); ARM/Entra on {info['arm_endpoint']}, "
                      f"proxy {info['proxy']}; settings in {info_path}; log {log_path}")
                return 0
        except (OSError, ValueError, KeyError):
            pass
        time.sleep(0.1)
    proc.terminate()
    print(f"azsim: did not answer within {args.timeout:.0f} s; see {log_path}", file=sys.stderr)
    return 1


def _running_pid(state_dir):
    try:
        with open(os.path.join(state_dir, "azsim.pid"), encoding="ascii") as f:
            pid = int(f.read().strip())
    except (OSError, ValueError):
        return None
    return pid if _alive(pid) else None


def stop(args):
    pid_path = os.path.join(os.path.abspath(args.state_dir), "azsim.pid")
    try:
        with open(pid_path, encoding="ascii") as f:
            pid = int(f.read().strip())
    except (OSError, ValueError):
        print(f"azsim: not running (no {pid_path})", file=sys.stderr)
        _reap(args.state_dir)
        return 0
    try:
        os.kill(pid, signal.SIGTERM)
    except ProcessLookupError:
        os.unlink(pid_path)
        print("azsim: was not running (stale pid file removed)")
        _reap(args.state_dir)
        return 0
    deadline = time.time() + args.timeout
    while time.time() < deadline:
        if not _alive(pid):
            print(f"azsim: stopped (pid {pid})")
            _reap(args.state_dir)
            return 0
        time.sleep(0.05)
    os.kill(pid, signal.SIGKILL)
    print(f"azsim: killed (pid {pid}) after {args.timeout}s")
    _reap(args.state_dir)
    return 0


def _reap(state_dir, postgres=True):
    """What a killed azsim left running for the state directory (Azurite, PostgreSQL clusters), stopped and said."""
    from .core import children  # noqa: PLC0415 - only start and stop need it

    stopped = children.reap(os.path.abspath(state_dir), postgres=postgres)
    for what, items in stopped.items():
        if items:
            print(f"azsim: stopped {len(items)} {what} process(es) a killed azsim had left running")


def _alive(pid):
    """True while ``pid`` runs; an exited process its parent has not reaped yet (a zombie) counts as stopped."""
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    try:
        with open(f"/proc/{pid}/stat", encoding="ascii", errors="replace") as f:
            return f.read().rsplit(")", 1)[1].split()[0] != "Z"
    except (OSError, IndexError):
        return True


def main(argv=None):
    parser = argparse.ArgumentParser(prog="python -m azsim", description="A local Azure: Resource Manager, Entra ID and an HTTPS front door.")
    sub = parser.add_subparsers(dest="command", required=True)
    p = sub.add_parser("serve", help="run azsim in the foreground")
    p.add_argument("--state-dir", required=True, help="where state, certificates and azsim.json live")
    p.add_argument("--host", default="127.0.0.1")
    p.add_argument("--port", type=int, default=8443, help="direct HTTPS endpoint (ARM, Entra, admin API)")
    p.add_argument("--proxy-port", type=int, default=8444, help="HTTPS forward proxy for the real Azure host names")
    p.add_argument("--time-scale", type=float, default=0.01, help="multiplier on Azure's operation durations (0 = instant)")
    p.add_argument("--page-size", type=int, default=10, help="items per page of ARM list responses")
    p.set_defaults(fn=serve)
    r = sub.add_parser("start", help="run azsim in the background (reuse the one serving --state-dir if any)")
    r.add_argument("--state-dir", required=True)
    r.add_argument("--host", default="127.0.0.1")
    r.add_argument("--port", type=int, default=8443)
    r.add_argument("--proxy-port", type=int, default=8444)
    r.add_argument("--time-scale", type=float, default=0.01)
    r.add_argument("--page-size", type=int, default=10)
    r.add_argument("--timeout", type=float, default=60.0, help="seconds to wait for it to answer")
    r.set_defaults(fn=start)
    q = sub.add_parser("stop", help="stop the azsim serving a state directory")
    q.add_argument("--state-dir", required=True)
    q.add_argument("--timeout", type=float, default=10.0)
    q.set_defaults(fn=stop)
    args = parser.parse_args(argv)
    if args.command in ("serve", "start") and (args.time_scale < 0 or args.page_size < 1):
        parser.error("--time-scale must be >= 0 and --page-size >= 1")
    return args.fn(args)


if __name__ == "__main__":
    sys.exit(main())
