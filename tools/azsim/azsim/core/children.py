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
