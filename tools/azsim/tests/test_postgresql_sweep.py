"""The shared cluster roots (/var/tmp/azsim-postgresql-<hash>) of state directories that are gone, and the socket directories
no live postmaster holds, are swept at start."""

import os
import subprocess
import time

from azsim.providers.dbforpostgresql import cluster


def test_roots_of_vanished_state_directories_are_removed_and_the_others_kept(tmp_path):
    base = tmp_path / "var-tmp"
    base.mkdir()
    alive, gone = tmp_path / "alive-state", tmp_path / "gone-state"
    alive.mkdir()
    gone.mkdir()
    kept_root, swept_root = str(base / "azsim-postgresql-aaaa"), str(base / "azsim-postgresql-bbbb")
    cluster.link_root(str(alive), kept_root)
    cluster.link_root(str(gone), swept_root)
    os.unlink(gone / "postgresql")
    gone.rmdir()
    unowned = base / "azsim-postgresql-cccc"  # older than the owner file: never guessed at
    unowned.mkdir()
    other = base / "something-else"
    other.mkdir()

    assert cluster.sweep_orphans(str(base)) == [swept_root]
    assert os.path.isdir(kept_root) and not os.path.exists(swept_root) and unowned.is_dir() and other.is_dir()
    assert os.path.realpath(alive / "postgresql") == kept_root


def test_socket_directories_no_live_postmaster_holds_are_removed_once_old(tmp_path):
    def socket_dir(name, pid=None, age=7200):
        d = tmp_path / name
        d.mkdir()
        if pid is not None:
            (d / ".s.PGSQL.5432.lock").write_text(f"{pid}\n/somewhere/data\n")
        os.utime(d, (time.time() - age, time.time() - age))
        return str(d)

    dead = subprocess.Popen(["true"])  # noqa: S607 - a pid that is surely gone once waited for
    dead.wait()
    stale = socket_dir("azsim-pg-aaaa", pid=dead.pid)
    empty = socket_dir("azsim-pg-bbbb")
    running = socket_dir("azsim-pg-cccc", pid=os.getpid())
    fresh = socket_dir("azsim-pg-dddd", age=10)  # another azsim may be starting this one's cluster
    other = socket_dir("something-else")

    assert sorted(cluster.sweep_sockets(str(tmp_path))) == [stale, empty]
    assert all(os.path.isdir(d) for d in (running, fresh, other))
