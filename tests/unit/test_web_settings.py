"""web_app and web_app_slot's app settings: app_settings (shown) and secret_app_settings (masked) written as one list."""

import pytest
from ansible_collections.erpops.azure.plugins.module_utils import web


class Refused(Exception):
    pass


class FakeAz:
    check_mode = False

    def fail(self, msg, **_kwargs):
        raise Refused(msg)


def params(**kw):
    p = {"app_settings": None, "secret_app_settings": None, "purge_app_settings": False, "connection_strings": None,
         "health_check_path": None, "linux_fx_version": None}
    p.update(kw)
    return p


def state(settings):
    return {"site": {"id": "/s/x", "properties": {}}, "config": {}, "app_settings": settings, "connection_strings": {},
            "policies": {"scm": False, "ftp": False}}


def test_a_name_in_both_options_is_refused_without_its_value():
    with pytest.raises(Refused) as err:
        web.check_input(FakeAz(), params(app_settings={"DB_PASSWORD": "v1s1ble", "A": "1"}, secret_app_settings={"DB_PASSWORD": "s3cr3t"}))
    assert "app_settings and secret_app_settings both name DB_PASSWORD" in str(err.value)
    assert "s3cr3t" not in str(err.value) and "v1s1ble" not in str(err.value)


def test_both_options_are_one_list_of_settings():
    p = params(app_settings={"DB_PORT": 5432, "DEBUG": False}, secret_app_settings={"SECRET_KEY": "k"})
    assert web.wanted_settings(p) == {"DB_PORT": "5432", "DEBUG": "false", "SECRET_KEY": "k"}
    assert web.wanted_settings(params()) is None
    assert web.wanted_settings(params(secret_app_settings={})) == {}


def test_purge_keeps_the_settings_of_both_options():
    app = web.WebApp(FakeAz(), "/s/x", shown={"DB_NAME": "erp"})
    p = params(app_settings={"DB_NAME": "erp"}, secret_app_settings={"SECRET_KEY": "k"}, purge_app_settings=True)
    p.update(tags=None, purge_tags=True, identity=None, basic_publishing_auth=None, purge_connection_strings=False)
    p.update((opt, None) for opt, _prop in web.CONFIG_OPTIONS + web.SITE_OPTIONS if opt not in p)
    changes = app.changes(p, state({"DB_NAME": "erp", "SECRET_KEY": "k", "FOREIGN": "x"}))
    assert changes[2] == {"DB_NAME": "erp", "SECRET_KEY": "k"}


def test_only_the_shown_settings_show_their_values():
    app = web.WebApp(FakeAz(), "/s/x", shown={"DB_NAME": "erp"})
    before = state({"DB_NAME": "old", "SECRET_KEY": "k1", "FOREIGN": "x"})
    after = state({"DB_NAME": "erp", "SECRET_KEY": "k2", "FOREIGN": "x"})
    assert app.view(after, before=before)["appSettings"] == {"DB_NAME": "erp", "SECRET_KEY": "******** (changed)", "FOREIGN": "********"}
    assert app.view(before)["appSettings"] == {"DB_NAME": "old", "SECRET_KEY": "********", "FOREIGN": "********"}
    assert app.result(after)["app_settings"] == {"DB_NAME": "erp", "SECRET_KEY": "********", "FOREIGN": "********"}
    # Without app_settings (a task that names none), every value is masked.
    assert web.WebApp(FakeAz(), "/s/x").result(after)["app_settings"] == {"DB_NAME": "********", "SECRET_KEY": "********", "FOREIGN": "********"}
