"""Real PostgreSQL clusters behind simulated flexible servers: initdb, pg_ctl, pg_hba, TLS, WAL archiving, base backups
and point-in-time restore. Nothing here touches azsim's store; callers run these methods outside the request lock.

Layout under ``<state>/postgresql/<server>/``: ``data/`` (PGDATA), ``wal/`` (archived WAL), ``backups/<name>/`` (base
backups, plain format with their own WAL), ``postgres.log``. The Unix socket lives in a short directory under the system
temp dir (socket paths are limited to ~107 bytes); it is mode 0700, so only the cluster's OS user and root can use the
``local ... trust`` line azsim manages the server through.
"""

import glob
import hashlib
import os
import pwd
import shutil
import socket
import subprocess
import tempfile
import time


class ClusterError(Exception):
    pass


def installed_majors():
    """Installed PostgreSQL major versions -> bin dir (Debian layout /usr/lib/postgresql/N/bin, else pg_config --bindir)."""
    out = {}
    for d in glob.glob("/usr/lib/postgresql/*/bin"):
        major = d.split("/")[-2]
        if os.path.exists(os.path.join(d, "initdb")):
            out[major] = d
    if not out:
        try:
            bindir = subprocess.run(["pg_config", "--bindir"], capture_output=True, text=True, check=True,  # noqa: S603,S607 - PATH lookup of pg_config
                                    timeout=10).stdout.strip()
            ver = subprocess.run([os.path.join(bindir, "postgres"), "--version"], capture_output=True, text=True, check=True,  # noqa: S603
                                 timeout=10)
            out[ver.stdout.split()[-1].split(".")[0]] = bindir
        except (OSError, subprocess.SubprocessError, IndexError):
            pass
    return out


def minor_version(bindir):
    """The minor release of the PostgreSQL in ``bindir`` ("18" for ``postgres (PostgreSQL) 15.18 (Debian 15.18-0+deb12u1)``),
    or None when it cannot be read."""
    try:
        out = subprocess.run([os.path.join(bindir, "postgres"), "--version"], capture_output=True, text=True, check=True,  # noqa: S603
                             timeout=10).stdout
    except (OSError, subprocess.SubprocessError):
        return None
    words = out.split()
    release = words[2] if len(words) > 2 else ""
    major, _sep, minor = release.partition(".")
    return minor.split(".")[0] if major.isdigit() and minor[:1].isdigit() else None


def closest_major(wanted, majors):
    """The installed major closest to ``wanted`` (ties go to the newer one)."""
    if not majors:
        raise ClusterError("no PostgreSQL installation found (looked in /usr/lib/postgresql/*/bin and pg_config --bindir)")
    w = int(wanted)
    return str(min((int(m) for m in majors), key=lambda m: (abs(m - w), -m)))


def storage_root(state_dir):
    """Where the clusters live: ``<state>/postgresql``. When azsim runs as root and the ``postgres`` user cannot traverse the
    state directory (pytest's 0700 temp roots, which pytest re-tightens whenever it makes a new numbered dir), the clusters
    live in ``/var/tmp/azsim-postgresql-<hash>`` and ``<state>/postgresql`` becomes a symlink to it (made with the first
    cluster), so no foreign directory's permissions are touched."""
    link = os.path.join(state_dir, "postgresql")
    if os.path.islink(link) or os.geteuid() != 0 or _traversable(state_dir, pwd.getpwnam("postgres")):
        return os.path.realpath(link)
    digest = hashlib.sha256(os.path.realpath(state_dir).encode()).hexdigest()[:12]
    return os.path.join("/var/tmp", "azsim-postgresql-" + digest)  # noqa: S108 - a fixed per-state-dir name, root-owned 0755


OWNER = ".azsim-owner"
SHARED_PREFIX = "azsim-postgresql-"


def link_root(state_dir, root):
    link = os.path.join(state_dir, "postgresql")
    if os.path.realpath(link) != root and not os.path.lexists(link):
        os.makedirs(root, mode=0o755, exist_ok=True)
        os.symlink(root, link)
        if os.path.basename(root).startswith(SHARED_PREFIX):
            with open(os.path.join(root, OWNER), "w", encoding="utf-8") as f:
                f.write(os.path.realpath(state_dir))


def sweep_orphans(base="/var/tmp"):  # noqa: S108 - where storage_root puts the shared roots
    """Remove the shared cluster roots whose state directory is gone (a test's temporary azsim, deleted by pytest's
    retention): nothing can ever start those clusters again, and each holds hundreds of MB. A root is removed only when
    its owner file names a directory that no longer links to it; roots without an owner file are left alone."""
    removed = []
    try:
        names = os.listdir(base)
    except OSError:
        return removed
    for name in names:
        root = os.path.join(base, name)
        if not name.startswith(SHARED_PREFIX) or os.path.islink(root):
            continue
        try:
            with open(os.path.join(root, OWNER), encoding="utf-8") as f:
                owner = f.read().strip()
        except OSError:
            continue
        if owner and os.path.realpath(os.path.join(owner, "postgresql")) != os.path.realpath(root):
            shutil.rmtree(root, ignore_errors=True)
            removed.append(root)
    return removed


SOCKET_PREFIX = "azsim-pg-"


def sweep_sockets(base=None, min_age=3600):
    """Remove the Unix socket directories (``<tmp>/azsim-pg-<hash>``, kept short for the socket path's 108 bytes) that no
    live postmaster holds and nothing touched for ``min_age`` seconds: those of clusters whose state directory is gone
    (a test's temporary azsim) would otherwise stay forever. A cluster that is only stopped makes its directory again
    when it starts; the age spares one another azsim is just starting."""
    base = base or tempfile.gettempdir()
    removed = []
    try:
        names = os.listdir(base)
    except OSError:
        return removed
    now = time.time()
    for name in names:
        path = os.path.join(base, name)
        if not name.startswith(SOCKET_PREFIX) or os.path.islink(path) or not os.path.isdir(path):
            continue
        try:
            if now - os.stat(path).st_mtime < min_age or any(_held(os.path.join(path, f)) for f in os.listdir(path) if f.endswith(".lock")):
                continue
        except OSError:
            continue
        shutil.rmtree(path, ignore_errors=True)
        removed.append(path)
    return removed


def _held(lock):
    """A postmaster's socket lock file (its first line is the postmaster's pid) whose process is alive."""
    try:
        with open(lock, encoding="ascii") as f:
            os.kill(int(f.readline()), 0)
    except ProcessLookupError:
        return False
    except (OSError, ValueError):
        return True  # unreadable or another user's process: not ours to judge
    return True


def _traversable(path, user):
    d = os.path.realpath(path)
    while True:
        st = os.stat(d)
        if not (st.st_mode & 0o001 or (st.st_uid == user.pw_uid and st.st_mode & 0o100) or (st.st_gid == user.pw_gid and st.st_mode & 0o010)):
            return False
        if d == "/":
            return True
        d = os.path.dirname(d)


def free_port():
    """A TCP port free on both loopback addresses the cluster listens on."""
    for _unused in range(50):
        with socket.socket() as s:
            s.bind(("127.0.0.1", 0))
            port = s.getsockname()[1]
        try:
            with socket.socket() as s2:
                s2.bind(("127.0.0.2", port))
            return port
        except OSError:
            continue
    raise ClusterError("no free port")


class Cluster:
    def __init__(self, root, major, bindir, port, admin):
        self.root = root
        self.major = major
        self.bindir = bindir
        self.port = port
        self.admin = admin
        self.data = os.path.join(root, "data")
        self.wal = os.path.join(root, "wal")
        self.backups = os.path.join(root, "backups")
        self.log = os.path.join(root, "postgres.log")
        self.sock = os.path.join(tempfile.gettempdir(), "azsim-pg-" + hashlib.sha256(root.encode()).hexdigest()[:12])
        self.as_root = os.geteuid() == 0
        self.user = pwd.getpwnam("postgres") if self.as_root else None

    # -- process helpers --------------------------------------------------------------------------
    def _run(self, argv, timeout=120, check=True, env=None):
        """Run a PostgreSQL binary as the cluster's OS user (``postgres`` when azsim runs as root: initdb refuses root)."""
        cmd = list(argv)
        if self.as_root:
            cmd = ["runuser", "-u", "postgres", "--", *cmd]
        e = {**os.environ, "LC_ALL": "C.UTF-8", **(env or {})}
        e.pop("PGPASSWORD", None)
        # PostgreSQL binaries with azsim-built arguments.
        p = subprocess.run(cmd, capture_output=True, text=True, timeout=timeout, check=False, env=e, cwd="/")  # noqa: S603
        if check and p.returncode != 0:
            raise ClusterError(f"{os.path.basename(argv[0])} failed ({p.returncode}): {(p.stderr or p.stdout).strip()[-2000:]}")
        return p

    def _bin(self, name):
        return os.path.join(self.bindir, name)

    def _own(self, path, mode=0o700):
        os.makedirs(path, exist_ok=True)
        os.chmod(path, mode)
        if self.as_root:
            os.chown(path, self.user.pw_uid, self.user.pw_gid)

    def _write(self, path, text, mode=0o600):
        with open(path, "w", encoding="utf-8") as f:
            f.write(text)
        os.chmod(path, mode)
        if self.as_root:
            os.chown(path, self.user.pw_uid, self.user.pw_gid)

    def _prepare_dirs(self):
        os.makedirs(os.path.dirname(self.root), mode=0o755, exist_ok=True)
        os.makedirs(self.root, exist_ok=True)
        for d in (self.root, self.wal, self.backups, self.sock):
            self._own(d)

    # -- lifecycle --------------------------------------------------------------------------------
    def initialized(self):
        return os.path.exists(os.path.join(self.data, "PG_VERSION"))

    def init(self, password):
        """initdb with the admin as bootstrap superuser, its password scram-hashed (``--pwfile``)."""
        self._prepare_dirs()
        if self.initialized():
            return
        if os.path.exists(self.data):
            shutil.rmtree(self.data)
        pwfile = os.path.join(self.root, ".pwfile")
        self._write(pwfile, password + "\n")
        try:
            self._run([self._bin("initdb"), "-D", self.data, "-U", self.admin, "--pwfile", pwfile, "--auth-host=scram-sha-256",
                       "--auth-local=trust", "--encoding=UTF8", "--locale=C.UTF-8", "--no-sync"], timeout=180)
        finally:
            os.unlink(pwfile)
        with open(os.path.join(self.data, "postgresql.conf"), "a", encoding="utf-8") as f:
            f.write("\ninclude = 'azsim.conf'\n")

    def configure(self, cert_pem, key_pem, networks, secure):
        """azsim's settings (port, listeners, TLS, archiving) and pg_hba for the firewall rules."""
        self._write(os.path.join(self.data, "server.crt"), cert_pem.decode() if isinstance(cert_pem, bytes) else cert_pem)
        self._write(os.path.join(self.data, "server.key"), key_pem.decode() if isinstance(key_pem, bytes) else key_pem)
        archive = f"test ! -f {self.wal}/%f && cp %p {self.wal}/%f"
        conf = {
            "listen_addresses": "'127.0.0.1,127.0.0.2'", "port": str(self.port), "unix_socket_directories": f"'{self.sock}'",
            "unix_socket_permissions": "0700", "ssl": "on", "ssl_cert_file": "'server.crt'", "ssl_key_file": "'server.key'",
            "ssl_min_protocol_version": "'TLSv1.2'", "password_encryption": "'scram-sha-256'", "wal_level": "replica",
            "archive_mode": "on", "archive_command": f"'{archive}'", "max_wal_senders": "5", "fsync": "off",
            "synchronous_commit": "off", "full_page_writes": "on", "shared_buffers": "16MB", "max_connections": "100",
            "logging_collector": "off", "log_timezone": "'UTC'", "timezone": "'UTC'",
            # Azure's default prefix (Learn "Server parameters in Azure Database for PostgreSQL": log_line_prefix '%t-%c-').
            "log_line_prefix": "'%t-%c-'",
        }
        self._write(os.path.join(self.data, "azsim.conf"), "".join(f"{k} = {v}\n" for k, v in conf.items()))
        self.write_hba(networks, secure)

    def write_hba(self, networks, secure):
        """Azure's firewall as pg_hba: one scram line per allowed network (``hostssl`` when require_secure_transport is on);
        any other client gets PostgreSQL's own "no pg_hba.conf entry for host ..." refusal."""
        kind = "hostssl" if secure else "host"
        lines = ["# managed by azsim: firewall rules of the flexible server", "local all all trust", "local replication all trust"]
        lines += [f"{kind} all all {net} scram-sha-256" for net in networks]
        self._write(os.path.join(self.data, "pg_hba.conf"), "\n".join(lines) + "\n")

    def running(self):
        if not self.initialized():
            return False
        return self._run([self._bin("pg_ctl"), "status", "-D", self.data], check=False, timeout=30).returncode == 0

    def postmaster_alive(self):
        """The postmaster of postmaster.pid is alive: a cheap check (no pg_ctl) for the once-a-second crash scan."""
        try:
            with open(os.path.join(self.data, "postmaster.pid"), encoding="ascii") as f:
                pid = int(f.readline())
            os.kill(pid, 0)
        except (OSError, ValueError):
            return False
        return True

    def start(self):
        self._own(self.sock)
        if self.running():
            self.reload()
            return
        self._run([self._bin("pg_ctl"), "start", "-w", "-t", "120", "-D", self.data, "-l", self.log], timeout=150)

    def stop(self):
        if self.running():
            self._run([self._bin("pg_ctl"), "stop", "-w", "-t", "60", "-m", "fast", "-D", self.data], timeout=90)

    def restart(self):
        self.stop()
        self.start()

    def reload(self):
        if self.running():
            self._run([self._bin("pg_ctl"), "reload", "-D", self.data], timeout=30)

    def destroy(self):
        try:
            self.stop()
        except ClusterError:
            pass
        shutil.rmtree(self.root, ignore_errors=True)
        shutil.rmtree(self.sock, ignore_errors=True)

    # -- SQL as the admin over the Unix socket ------------------------------------------------------
    def sql(self, statement, db="postgres", timeout=60):
        """Run one statement with psql (autocommit, so CREATE DATABASE works); returns the unaligned rows."""
        argv = [self._bin("psql"), "-X", "-q", "-A", "-t", "-F", "\t", "-v", "ON_ERROR_STOP=1", "-h", self.sock,
                "-p", str(self.port), "-U", self.admin, "-d", db, "-c", statement]
        p = subprocess.run(argv,  # noqa: S603 - psql with azsim-built arguments
                           capture_output=True, text=True, timeout=timeout, check=False,
                           env={**os.environ, "PGCONNECT_TIMEOUT": "5", "LC_ALL": "C.UTF-8"})
        if p.returncode != 0:
            raise ClusterError(p.stderr.strip().replace("ERROR:  ", "") or f"psql exited {p.returncode}")
        return [line.split("\t") for line in p.stdout.splitlines() if line]

    def set_password(self, password):
        self.sql(f"ALTER ROLE {quote_ident(self.admin)} WITH PASSWORD {quote_literal(password)}")

    def alter_system(self, settings):
        """ALTER SYSTEM for each (name, value or None=RESET), then reload; static ones apply at the next restart."""
        for name, value in settings.items():
            if value is None:
                self.sql(f"ALTER SYSTEM RESET {name}")
            else:
                self.sql(f"ALTER SYSTEM SET {name} = {quote_literal(value)}")
        self.sql("SELECT pg_reload_conf()")

    # -- backups ----------------------------------------------------------------------------------------
    def base_backup(self, name):
        """A real base backup (plain format, WAL streamed in); returns the wall time it was consistent at."""
        target = os.path.join(self.backups, name)
        if os.path.exists(target):
            shutil.rmtree(target)
        self._run([self._bin("pg_basebackup"), "-h", self.sock, "-p", str(self.port), "-U", self.admin, "-D", target,
                   "-X", "stream", "-c", "fast", "--no-sync"], timeout=600)
        return time.time()

    def switch_wal(self):
        """Commit a transaction (so recovery has a commit record past any target time up to now), switch to a new WAL
        segment and wait until the finished one is archived."""
        self.sql("SELECT pg_current_xact_id()")
        seg = self.sql("SELECT pg_walfile_name(pg_switch_wal())")[0][0]
        deadline = time.time() + 60
        while time.time() < deadline:
            if os.path.exists(os.path.join(self.wal, seg)):
                return
            time.sleep(0.05)
        raise ClusterError(f"WAL segment {seg} was not archived within 60 s")

    def restore_from(self, backup_dir, source, target_wall_time):
        """Point-in-time restore into this (new) cluster: the base backup, then WAL replayed from the source's archive up to
        ``target_wall_time`` and promoted (recovery_target_action=promote). The source's current server parameters
        (postgresql.auto.conf) come along: replay refuses settings lower than the primary's (e.g. max_connections)."""
        self._prepare_dirs()
        if os.path.exists(self.data):
            shutil.rmtree(self.data)
        shutil.copytree(backup_dir, self.data, symlinks=True)
        for name in ("postmaster.pid", "postmaster.opts", "backup_manifest"):
            path = os.path.join(self.data, name)
            if os.path.exists(path):
                os.unlink(path)
        if self.as_root:
            for dirpath, _dirs, files in os.walk(self.data):
                os.chown(dirpath, self.user.pw_uid, self.user.pw_gid)
                for f in files:
                    os.chown(os.path.join(dirpath, f), self.user.pw_uid, self.user.pw_gid)
        os.chmod(self.data, 0o700)
        auto = os.path.join(source.data, "postgresql.auto.conf")
        if os.path.exists(auto):
            shutil.copyfile(auto, os.path.join(self.data, "postgresql.auto.conf"))
        stamp = time.strftime("%Y-%m-%d %H:%M:%S", time.gmtime(target_wall_time)) + f".{int((target_wall_time % 1) * 1e6):06d}+00"
        with open(os.path.join(self.data, "postgresql.auto.conf"), "a", encoding="utf-8") as f:
            f.write(f"\n# azsim point-in-time restore\nrestore_command = 'cp {source.wal}/%f %p'\nrecovery_target_time = '{stamp}'\n"
                    "recovery_target_action = 'promote'\n")
        self._write(os.path.join(self.data, "recovery.signal"), "")

    def wait_promoted(self, timeout=300):
        deadline = time.time() + timeout
        while time.time() < deadline:
            if not self.running() or "recovery has paused" in self.tail_log(4000):
                raise ClusterError("recovery of the restored server failed: " + self.tail_log())
            try:
                if self.sql("SELECT pg_is_in_recovery()")[0][0] == "f":
                    self.clear_recovery_settings()
                    return
            except ClusterError:
                pass
            time.sleep(0.1)
        raise ClusterError("recovery did not finish in time")

    def clear_recovery_settings(self):
        self.sql("ALTER SYSTEM RESET restore_command")
        self.sql("ALTER SYSTEM RESET recovery_target_time")
        self.sql("ALTER SYSTEM RESET recovery_target_action")

    def tail_log(self, n=2000):
        try:
            with open(self.log, encoding="utf-8", errors="replace") as f:
                return f.read()[-n:]
        except OSError:
            return ""


def quote_ident(name):
    return '"' + name.replace('"', '""') + '"'


def quote_literal(value):
    return "'" + str(value).replace("'", "''") + "'"
