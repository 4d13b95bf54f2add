"""Restoring App Service backups really restores: an app deployed with v1 is backed up (a real blob in a real container),
deployed again with v2 and reconfigured, then restored - into a staging slot, into itself, and from the blob into another
app of the plan - and each target serves v1 through the front door with the backed-up settings.  The official
azure-mgmt-web client drives it (WebApps_Restore[Slot], WebApps_RestoreFromBackupBlob: long-running operations)."""

import io
import time
import uuid
import zipfile

import pytest
from azsim.providers.storage.azurite import find_binary
from azure.core.exceptions import HttpResponseError, ResourceNotFoundError
from azure.mgmt.resource.resources import ResourceManagementClient
from azure.mgmt.web import WebSiteManagementClient

from ._web_helpers import expect_web_error
from .test_kudu import GUNICORN, browser, deploy, env_of, kudu, wait_for
from .test_web_backups import make_storage, wait_backup

pytestmark = pytest.mark.skipif(find_binary() is None, reason="Azurite is not installed (run `make node` or set AZSIM_AZURITE)")


def serves(azsim, host, text, timeout=60.0):
    def ok():
        try:
            return browser(azsim).get(f"https://{host}/", timeout=60).text == text
        except OSError:
            return False
    return wait_for(ok, timeout, 0.2)


def vfs(azsim, label, path):
    """A file of the app's HOME through Kudu's VFS API, or None."""
    r = kudu(azsim).get(f"https://{label}.scm.azurewebsites.net/api/vfs/{path}", timeout=30)
    return r.text if r.status_code == 200 else None


@pytest.fixture(scope="module")
def web(azsim):
    return azsim.client(WebSiteManagementClient, "proxy")


@pytest.fixture(scope="module")
def apps(azsim, web):
    """An S1 Linux plan with the app (v1 deployed, settings, a connection string, STAGE a slot setting), its staging slot
    (its own STAGE, no content) and a second app of the plan (no content); one storage container; one backup of v1."""
    rg = f"rg-restore-{uuid.uuid4().hex[:6]}"
    azsim.client(ResourceManagementClient, "proxy").resource_groups.create_or_update(rg, {"location": "westeurope"})
    plan = web.app_service_plans.begin_create_or_update(rg, f"plan-{uuid.uuid4().hex[:6]}", {
        "location": "westeurope", "kind": "linux", "sku": {"name": "S1"}, "properties": {"reserved": True}}).result()
    name, other = f"rst-{uuid.uuid4().hex[:8]}", f"rst2-{uuid.uuid4().hex[:8]}"
    config = {"linuxFxVersion": "PYTHON|3.11", "appCommandLine": GUNICORN}
    web.web_apps.begin_create_or_update(rg, name, {"location": "westeurope", "properties": {"serverFarmId": plan.id, "siteConfig": config}}).result()
    web.web_apps.update_application_settings(rg, name, {"properties": {"SCM_DO_BUILD_DURING_DEPLOYMENT": "true", "FOO": "one", "STAGE": "prod"}})
    web.web_apps.update_connection_strings(rg, name, {"properties": {"erpdb": {"value": "host=db-one", "type": "PostgreSQL"}}})
    web.web_apps.update_slot_configuration_names(rg, name, {"properties": {"appSettingNames": ["STAGE"]}})
    web.web_apps.begin_create_or_update_slot(rg, name, "staging", {"location": "westeurope", "properties": {"serverFarmId": plan.id}}).result()
    web.web_apps.update_application_settings_slot(rg, name, "staging", {"properties": {"STAGE": "staging"}})
    web.web_apps.begin_create_or_update(rg, other, {"location": "westeurope", "properties": {"serverFarmId": plan.id}}).result()
    # uploads/ is left out of backups (Learn "Configure partial backups": _backup.filter, paths relative to HOME).
    deploy(azsim, name, "v1", extra={"_backup.filter": "\\site\\wwwroot\\uploads\n", "uploads/a.txt": "from v1"})
    assert serves(azsim, f"{name}.azurewebsites.net", "hello from v1\n")
    storage = make_storage(azsim)
    item = web.web_apps.backup(rg, name, {"properties": {"storageAccountUrl": storage["url"], "backupName": f"{name}-v1"}})
    done = wait_backup(web, rg, name, item.properties.backup_id)
    assert done.properties.status == "Succeeded", done.properties.log
    # v2 and other settings afterwards: what the restores must undo.
    deploy(azsim, name, "v2", extra={"uploads/a.txt": "from v2"})
    web.web_apps.update_application_settings(rg, name, {"properties": {"SCM_DO_BUILD_DURING_DEPLOYMENT": "true", "FOO": "two", "STAGE": "prod"}})
    web.web_apps.update_connection_strings(rg, name, {"properties": {"erpdb": {"value": "host=db-two", "type": "PostgreSQL"}}})
    assert serves(azsim, f"{name}.azurewebsites.net", "hello from v2\n")
    return {"rg": rg, "name": name, "other": other, "plan": plan, "storage": storage, "backup": done}


def test_backup_list_shows_the_blob_it_wrote(web, apps):
    rg, name, storage = apps["rg"], apps["name"], apps["storage"]
    (b,) = [i.properties for i in web.web_apps.list_backups(rg, name)]
    assert b.status == "Succeeded" and b.size_in_bytes > 0 and b.created is not None and b.website_size_in_bytes > 0
    blob = storage["container"].get_blob_client(b.blob_name)
    assert blob.exists() and blob.get_blob_properties().size == b.size_in_bytes
    names = zipfile.ZipFile(io.BytesIO(blob.download_blob().readall())).namelist()
    assert "fs/site/wwwroot/app.py" in names and "fs/site/wwwroot/_backup.filter" in names
    assert not [n for n in names if n.startswith("fs/site/wwwroot/uploads")]


def test_restore_into_the_staging_slot(azsim, web, apps):
    rg, name, storage, b = apps["rg"], apps["name"], apps["storage"], apps["backup"].properties
    assert browser(azsim).get(f"https://{name}-staging.azurewebsites.net/", timeout=60).text.find("waiting for your content") > 0
    # As az CLI's `az webapp config backup restore --slot` sends it: backup id 0 and the blob's name.
    request = {"properties": {"storageAccountUrl": storage["url"], "blobName": b.blob_name, "overwrite": True}}
    poller = web.web_apps.begin_restore_slot(rg, name, "0", "staging", request)
    poller.result()
    assert poller.status() == "Succeeded"
    assert serves(azsim, f"{name}-staging.azurewebsites.net", "hello from v1\n")
    env = env_of(azsim, f"{name}-staging.azurewebsites.net")["env"]
    # The backed-up settings, except the slot setting the slot keeps (azsim's reading of slot settings, unverified).
    assert env["FOO"] == "one" and env["STAGE"] == "staging" and env["POSTGRESQLCONNSTR_erpdb"] == "host=db-one"
    assert vfs(azsim, f"{name}-staging", "site/wwwroot/version.txt") == "v1"
    assert vfs(azsim, f"{name}-staging", "site/wwwroot/uploads/a.txt") is None  # filtered out, and the slot had none
    settings = web.web_apps.list_application_settings_slot(rg, name, "staging").properties
    assert settings["FOO"] == "one" and settings["STAGE"] == "staging"
    # Production is untouched.
    assert browser(azsim).get(f"https://{name}.azurewebsites.net/", timeout=60).text == "hello from v2\n"


def test_restore_into_the_same_app(azsim, web, apps):
    rg, name, storage, b = apps["rg"], apps["name"], apps["storage"], apps["backup"].properties
    web.web_apps.begin_restore(rg, name, str(b.backup_id), {"properties": {"storageAccountUrl": storage["url"], "overwrite": True}}).result()
    assert serves(azsim, f"{name}.azurewebsites.net", "hello from v1\n")
    env = env_of(azsim, f"{name}.azurewebsites.net")["env"]
    assert env["FOO"] == "one" and env["STAGE"] == "prod" and env["POSTGRESQLCONNSTR_erpdb"] == "host=db-one"
    assert web.web_apps.list_connection_strings(rg, name).properties["erpdb"].value == "host=db-one"
    # The files the backup's _backup.filter names are left as they are; the rest is the backup's.
    assert vfs(azsim, name, "site/wwwroot/uploads/a.txt") == "from v2" and vfs(azsim, name, "site/wwwroot/version.txt") == "v1"
    assert web.web_apps.get_backup_status(rg, name, str(b.backup_id)).properties.last_restore_time_stamp is not None


def test_restore_from_the_blob_into_another_app_of_the_plan(azsim, web, apps):
    rg, other, storage, b = apps["rg"], apps["other"], apps["storage"], apps["backup"].properties
    web.web_apps.begin_restore_from_backup_blob(rg, other, {"properties": {"storageAccountUrl": storage["url"], "blobName": b.blob_name,
                                                                           "overwrite": True}}).result()
    assert serves(azsim, f"{other}.azurewebsites.net", "hello from v1\n")
    assert env_of(azsim, f"{other}.azurewebsites.net")["env"]["FOO"] == "one"
    assert web.web_apps.get_configuration(rg, other).app_command_line == GUNICORN


def restore_blob(web, rg, name, url, **props):
    """A call of WebApps_RestoreFromBackupBlob, for expect_web_error."""
    return lambda: web.web_apps.begin_restore_from_backup_blob(rg, name, {"properties": {"storageAccountUrl": url, "overwrite": True, **props}})


def test_restore_errors(azsim, web, apps):
    rg, name, storage, b = apps["rg"], apps["name"], apps["storage"], apps["backup"].properties
    url = storage["url"]
    before = browser(azsim).get(f"https://{name}.azurewebsites.net/", timeout=60).text
    # A backup id the app does not have, without a blob name: 404.
    with pytest.raises(ResourceNotFoundError):
        web.web_apps.begin_restore(rg, name, "999", {"properties": {"storageAccountUrl": url, "overwrite": True}})
    # restoreFromBackupBlob needs the blob's name; a URL without a SAS is refused; overwrite=false onto an existing app too.
    expect_web_error(restore_blob(web, rg, name, url), 400, "BadRequest", "The parameter BlobName is required.")
    expect_web_error(restore_blob(web, rg, name, url, blobName=b.blob_name, storageAccountUrl=url.split("?")[0] + "?sv=1"), 400, "BadRequest",
                     "Missing mandatory parameters for valid Shared Access Signature.")
    expect_web_error(restore_blob(web, rg, name, url, blobName=b.blob_name, overwrite=False), 400, "BadRequest",
                     f"The site {name} already exists. Set overwrite to true to restore over it.")
    # A target that is not an app of the resource group.
    with pytest.raises(ResourceNotFoundError):
        restore_blob(web, rg, name, url, blobName=b.blob_name, siteName="no-such-app")()
    # A blob that is not in the container: the operation is accepted, then fails; the app keeps running what it ran.
    poller = restore_blob(web, rg, name, url, blobName="missing.zip")()
    with pytest.raises(HttpResponseError) as err:
        poller.result()
    assert "(BlobNotFound)" in str(err.value) and poller.status() == "Failed"
    assert browser(azsim).get(f"https://{name}.azurewebsites.net/", timeout=60).text == before
    # Restoring a database the backup does not hold fails too (azsim's backups never hold one, as Azure's do not for
    # flexible servers); ignoreDatabases restores the rest.
    erp = [{"databaseType": "PostgreSql", "name": "erp", "connectionStringName": "erpdb"}]
    poller = web.web_apps.begin_restore(rg, name, str(b.backup_id), {"properties": {"storageAccountUrl": url, "overwrite": True, "databases": erp}})
    with pytest.raises(HttpResponseError) as err:
        poller.result()
    assert "does not contain the database 'erp'" in str(err.value)
    web.web_apps.begin_restore(rg, name, str(b.backup_id), {"properties": {"storageAccountUrl": url, "overwrite": True, "databases": erp,
                                                                           "ignoreDatabases": True}}).result()


def test_restore_is_a_long_running_operation(azsim, web, apps, time_scale):
    """202 + Azure-AsyncOperation (spec example RestoreWebAppBackup.json) polled InProgress, then Succeeded."""
    rg, name, storage, b = apps["rg"], apps["name"], apps["storage"], apps["backup"].properties
    time_scale(0.02)  # 120 s of Azure time: 2.4 s
    started = time.time()
    answers = []
    request = {"properties": {"storageAccountUrl": storage["url"], "blobName": b.blob_name, "overwrite": True}}
    poller = web.web_apps.begin_restore_slot(rg, name, str(b.backup_id), "staging", request,
                                             raw_response_hook=lambda pipeline_response: answers.append(pipeline_response.http_response))
    assert poller.status() == "InProgress"
    assert answers[0].status_code == 202
    assert answers[0].headers["Azure-AsyncOperation"].startswith(f"https://management.azure.com/subscriptions/{azsim.sub}/providers/Microsoft.Web/"
                                                                 f"sites/{name}/operationResults/")
    # A second restore of the same target meanwhile: 409.
    expect_web_error(lambda: web.web_apps.begin_restore_slot(rg, name, "0", "staging", request), 409, "Conflict",
                     "Cannot modify this site because another operation is in progress.")
    poller.result()
    assert time.time() - started >= 2.0 and {a.status_code for a in answers[1:]} == {200}
