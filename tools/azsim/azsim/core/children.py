"""Real services azsim starts as child processes (Azurite, the sites' containers) and how they end with it.

A child starts through :data:`SHIM`: it asks the kernel to send it SIGTERM when the thread that started it ends (azsim
exits, even by SIGKILL; ``PR_SET_PDEATHSIG``, prctl(2), survives execve), checks that its parent is still the azsim that
started it, then becomes the real command.  A child still saving its data when a new azsim starts is found again through
the pid file azsim writes, and waited for before a new one starts on the same data.
"""

import contextlib
import os
import signal
import sys
import time

SHIM = ("import ctypes, os, signal, sys\n"
        "try:\n    ctypes.CDLL(None, use_errno=True).prctl(1, signal.SIGTERM, 0, 0, 0)\nexcept (OSError, AttributeError):\n    pass\n"
        "if os.getppid() != int(sys.argv[1]):\n    sys.exit(1)\n"
        "os.execvp(sys.argv[2], sys.argv[2:])\n")


# For services that stop gracefully on the first SIGTERM and die on the spot at a second one (Node's ``process.once``, as
# Azurite does): the kernel may send the parent-death signal more than once, each time the thread the child hangs from
# ends while azsim's other threads die (prctl(2): the signal follows the parent *thread*). This launcher stays between
# azsim and the service, takes those signals and passes exactly one SIGTERM on, then waits for the service to end.
SUPERVISOR = ("import ctypes, os, signal, subprocess, sys\n"
              "def pdeath():\n    ctypes.CDLL(None, use_errno=True).prctl(1, signal.SIGTERM, 0, 0, 0)\n"
              "try:\n    pdeath()\nexcept (OSError, AttributeError):\n    pass\n"
              "if os.getppid() != int(sys.argv[1]):\n    sys.exit(1)\n"
              "child = subprocess.Popen(sys.argv[2:], preexec_fn=pdeath)\n"
              "sent = []\n"
              "def forward(*_args):\n    if not sent:\n        sent.append(True)\n        child.send_signal(signal.SIGTERM)\n"
              "signal.signal(signal.SIGTERM, forward)\nsignal.signal(signal.SIGINT, forward)\n"
              "sys.exit(child.wait())\n")


def guarded(argv, forward_once=False):
    """``argv`` run through the shim (the child gets SIGTERM when azsim goes away) or, with ``forward_once``, under the
    supervisor that passes that signal on exactly once."""
    return [sys.executable, "-I", "-S", "-c", SUPERVISOR if forward_once else SHIM, str(os.getpid()), *argv]


def _cmdline(pid):
    try:
        with open(f"/proc/{pid}/cmdline", "rb") as f:
            return f.read().replace(b"\0", b" ").decode("utf-8", "replace")
    except OSError:
        return None


def stop_previous(pid_file, marker, grace=20.0):
    """Wait for the process a previous azsim recorded in ``pid_file`` to end, if it still runs and its command line holds
    ``marker`` (a recycled pid is never touched).  Its azsim is gone, so the kernel already sent it SIGTERM and it is
    saving its data: a second SIGTERM would kill Node services on the spot (Azurite handles the first one only), so it is
    left alone, and killed only if it has not ended after ``grace`` seconds."""
    try:
        with open(pid_file, encoding="ascii") as f:
            pid = int(f.read().strip())
    except (OSError, ValueError):
        return
    line = _cmdline(pid)
    if line is not None and marker in line:
        deadline = time.monotonic() + grace
        while time.monotonic() < deadline and _cmdline(pid) is not None:
            time.sleep(0.1)
        if _cmdline(pid) is not None:
            with contextlib.suppress(ProcessLookupError, PermissionError):
                os.kill(pid, signal.SIGKILL)
    with contextlib.suppress(OSError):
        os.unlink(pid_file)


def record(pid_file, pid):
    with open(pid_file, "w", encoding="ascii") as f:
        f.write(str(pid))


def _pids():
    try:
        return [int(p) for p in os.listdir("/proc") if p.isdigit()]
    except OSError:
        return []


def _wait_gone(pids, seconds):
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline and any(_cmdline(p) is not None for p in pids):
        time.sleep(0.1)
    return [p for p in pids if _cmdline(p) is not None]


def _signal_all(pids, sig):
    for pid in pids:
        with contextlib.suppress(ProcessLookupError, PermissionError):
            os.kill(pid, sig)


def postmasters(state_dir):
    """{pid: data directory} of the PostgreSQL clusters of ``state_dir`` that run (their postmaster.pid names a live
    postmaster whose command line holds the data directory; a recycled pid is not counted)."""
    root = os.path.realpath(os.path.join(state_dir, "postgresql"))
    found = {}
    try:
        names = os.listdir(root)
    except OSError:
        return found
    for name in names:
        data = os.path.join(root, name, "data")
        try:
            with open(os.path.join(data, "postmaster.pid"), encoding="ascii") as f:
                pid = int(f.readline().strip())
        except (OSError, ValueError):
            continue
        line = _cmdline(pid)
        if line is not None and data in line:
            found[pid] = data
    return found


def azurites(state_dir):
    """Pids of the Azurite processes (and their supervisors) that serve ``state_dir``'s blob data."""
    marker = "--location " + os.path.join(os.path.abspath(state_dir), "azurite") + " "
    return [p for p in _pids() if p != os.getpid() and "azurite" in (_cmdline(p) or "") and marker in (_cmdline(p) or "") + " "]


def reap(state_dir, postgres=True, grace=20.0):
    """Stop what an azsim that is gone (killed with SIGKILL) left running for ``state_dir``: its Azurite, and with
    ``postgres`` its PostgreSQL clusters.  PostgreSQL's postmaster does not die with its parent (pg_ctl detaches it, and
    PR_SET_PDEATHSIG cannot follow a daemon), and an Azurite whose supervisor was itself killed outright is nobody's child.

    Azurite first gets the time to save its metadata (the kernel's parent-death SIGTERM is already on its way to it; a
    second SIGTERM would kill Node on the spot), then SIGTERM, then SIGKILL.  Postmasters get SIGINT, PostgreSQL's fast
    shutdown (a checkpoint, then exit: what ``pg_ctl stop -m fast`` sends), then SIGQUIT.  Returns what was stopped."""
    stopped = {"azurite": [], "postgres": []}
    stop_previous(os.path.join(state_dir, "azurite.pid"), os.path.join(os.path.abspath(state_dir), "azurite"), grace=grace)
    left = azurites(state_dir)
    if left:
        stopped["azurite"] = list(left)
        left = _wait_gone(left, min(grace, 5.0))
        _signal_all(left, signal.SIGTERM)
        _signal_all(_wait_gone(left, grace), signal.SIGKILL)
    if postgres:
        clusters = postmasters(state_dir)
        stopped["postgres"] = sorted(clusters.values())
        _signal_all(clusters, signal.SIGINT)
        left = _wait_gone(list(clusters), 60.0)
        _signal_all(left, signal.SIGQUIT)
        _wait_gone(left, 10.0)
    return stopped
