"""The deploy_summary callback counts each Azure resource once, with the most telling outcome, and names it clearly."""

from types import SimpleNamespace

from ansible_collections.erpops.azure.plugins.callback import deploy_summary
from ansible_collections.erpops.azure.plugins.module_utils import plan

RG = "/subscriptions/s/resourceGroups/rg/providers"


class Display:
    verbosity = 0

    def __init__(self):
        self.lines = []

    def banner(self, text):
        self.lines.append("== " + text)

    def display(self, text):
        self.lines.append(text)


def result(module, res, name="a task", check_mode=None):
    ds = {"check_mode": check_mode} if check_mode is not None else {}
    task = SimpleNamespace(resolved_action="erpops.azure." + module, get_name=lambda: name, _ds=ds)
    return SimpleNamespace(_task=task, _result=res)


def created(ident, **args):
    return {"changed": True, "invocation": {"module_args": args}, "diff": {"before": {}, "after": {"id": ident, "properties": {"x": 1}}},
            "resource": {"id": ident}}


def summary(results):
    cb = deploy_summary.CallbackModule(display=Display())
    for r in results:
        cb.v2_runner_on_ok(r)
    cb.v2_playbook_on_stats(None)
    return cb._display.lines


def test_a_resource_touched_twice_is_counted_once_as_created():
    account = RG + "/Microsoft.Storage/storageAccounts/media"
    lines = summary([
        result("storage_account", created(account, name="media")),
        # Read again by another role (check_mode: true): a read, not counted.
        result("storage_account", created(account, name="media"), check_mode=True),
        # A domain started then finished, its module returning no id: one resource, by module and name.
        result("app_service_domain", {"changed": True, "invocation": {"module_args": {"name": "d.com"}}, "diff": {"before": {}, "after": {"x": 1}}}),
        result("app_service_domain", {"changed": False, "invocation": {"module_args": {"name": "d.com"}}}),
    ])
    assert lines[1].startswith("2 created, 0 changed, 0 deleted, 0 unchanged"), lines
    assert lines[2:] == ["  created   storage_account media", "  created   app_service_domain d.com"], lines


def test_an_unchanged_then_changed_resource_is_changed_and_settings_name_their_owner():
    server = RG + "/Microsoft.DBforPostgreSQL/flexibleServers/pg"
    blob = RG + "/Microsoft.Storage/storageAccounts/%s/blobServices/default/providers/microsoft.insights/diagnosticSettings/logs"
    lines = summary([
        result("postgresql_flexible_server", {"changed": False, "invocation": {"module_args": {"name": "pg"}}, "server": {"id": server}}),
        result("postgresql_flexible_server", {"changed": True, "invocation": {"module_args": {"name": "pg"}}, "server": {"id": server},
                                              "diff": {"before": {"id": server, "a": 1}, "after": {"id": server, "a": 2}}}),
        result("monitor_diagnostic_setting", created(blob % "media", name="logs")),
        result("monitor_diagnostic_setting", created(blob % "backup", name="logs")),
    ])
    assert lines[1].startswith("2 created, 1 changed, 0 deleted, 0 unchanged"), lines
    assert "  created   monitor_diagnostic_setting logs (on media/default)" in lines
    assert "  created   monitor_diagnostic_setting logs (on backup/default)" in lines
    assert "  changed   postgresql_flexible_server pg" in lines


def test_planned_adds_the_id_azure_will_give_only_to_a_check_mode_creation():
    path = RG + "/Microsoft.Insights/components/ai"
    check = SimpleNamespace(check_mode=True)
    doc, diff = plan.planned(check, path, True, {"location": "westeurope"}, {"before": {}, "after": {"location": "westeurope"}})
    assert doc == diff["after"] == {"id": path, "name": "ai", "location": "westeurope"}
    # An existing resource, or a real run, keeps what Azure returned.
    existing = {"before": {"id": path, "location": "westeurope"}, "after": {"id": path, "location": "northeurope"}}
    assert plan.planned(check, path, True, {"location": "northeurope"}, existing)[0] == {"location": "northeurope"}
    assert plan.planned(SimpleNamespace(check_mode=False), path, True, {"a": 1}, {"before": {}, "after": {"a": 1}})[0] == {"a": 1}


def test_tags_on_owners_of_one_name_and_different_types_name_the_types():
    tags = "/providers/Microsoft.Resources/tags/default"
    owners = [RG + "/Microsoft.DomainRegistration/domains/d.com", RG + "/Microsoft.Network/dnszones/d.com", RG + "/Microsoft.Web/certificates/d.com"]
    changed = [{"changed": True, "invocation": {"module_args": {"scope": o}},
                "diff": {"before": {"id": o + tags, "tags": {}}, "after": {"id": o + tags, "tags": {"a": "b"}}}} for o in owners]
    lines = summary([result("resource_tags", r) for r in changed])
    assert lines[1].startswith("0 created, 3 changed, 0 deleted, 0 unchanged"), lines
    assert lines[2:] == ["  changed   resource_tags default (on domains/d.com)", "  changed   resource_tags default (on dnszones/d.com)",
                         "  changed   resource_tags default (on certificates/d.com)"], lines


def test_a_task_managing_several_resources_counts_each():
    conf = RG + "/Microsoft.DBforPostgreSQL/flexibleServers/pg/configurations/"
    parts = [{"name": "log_connections", "changed": False, "configuration": {"id": conf + "log_connections"}, "diff": {"before": {}, "after": {}}},
             {"name": "log_disconnections", "changed": True, "configuration": {"id": conf + "log_disconnections"},
              "diff": {"before": {"properties": {"value": "off"}}, "after": {"properties": {"value": "on"}}}}]
    task = {"changed": True, "invocation": {"module_args": {"server_name": "pg", "parameters": {}}}, "per_resource": parts,
            "diff": {"before": {"log_disconnections": {}}, "after": {"log_disconnections": {}}}}
    lines = summary([result("postgresql_flexible_server_configuration", task)])
    assert lines[1].startswith("0 created, 1 changed, 0 deleted, 1 unchanged"), lines
    assert lines[2:] == ["  changed   postgresql_flexible_server_configuration log_disconnections"], lines
    assert [r.get("name") for r in deploy_summary.results({"results": [task, {"skipped": True}]})] == ["log_connections", "log_disconnections", None]
