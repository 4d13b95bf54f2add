"""Integration targets of the restore drill's modules against azsim: the point-in-time restore of a PostgreSQL flexible
server (real PostgreSQL, real WAL replay) and the restore of an App Service backup (a real blob through Azurite)."""


def test_postgresql_flexible_server_restore(run_target):
    run_target("postgresql_flexible_server_restore")

