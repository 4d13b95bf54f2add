"""Integration targets of the restore drill's modules against azsim: the point-in-time restore of a PostgreSQL flexible
server (real PostgreSQL, real WAL replay) and the restore of an App Service backup (a real blob through Azurite)."""


def test_postgresql_flexible_server_restore(run_target):
    run_target("postgresql_flexible_server_restore")


def test_web_app_backup_restore(run_target, azsim):
    # At -vvv Ansible prints every module's arguments and results: the container's SAS (read by the restore, held by the
    # backups) must be in none of them, nor the auditor's secret (the target reads the backups as a Reader too).
    auditor = azsim.principal("auditor")
    _report, output = run_target("web_app_backup_restore", verbosity=3,
                                 extra_vars={"auditor_client_id": auditor["client_id"], "auditor_secret": auditor["client_secret"]})
    assert "web_app_backup_restore" in output and "backup_configuration" in output
    assert "sig=" not in output and "sig%3D" not in output
    assert auditor["client_secret"] not in output
