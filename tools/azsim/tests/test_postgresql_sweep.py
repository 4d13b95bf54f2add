"""The shared cluster roots (/var/tmp/azsim-postgresql-<hash>) of state directories that are gone are swept at start."""

import os

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
