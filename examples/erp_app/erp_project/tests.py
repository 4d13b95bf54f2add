"""The production settings (read afresh from a given environment), HTTPS redirects, static files and telemetry."""

import importlib.util
import os
import secrets
import shutil
import tempfile
import unittest
from io import StringIO
from unittest import mock

from django.contrib import admin
from django.contrib.auth.models import User
from django.core.exceptions import ImproperlyConfigured
from django.core.management import call_command
from django.db import connection
from django.test import TestCase, TransactionTestCase, override_settings
from inventory.models import Product, Sale, StockMovement

from erp_project import telemetry

GUIDE_ENV = {
    "SECRET_KEY": "test-" + secrets.token_urlsafe(32),
    "ALLOWED_HOSTS": "erp.example.com, www.erp.example.com,erp-supermarket-prod.azurewebsites.net",
    "CSRF_TRUSTED_ORIGINS": "https://erp.example.com,www.erp.example.com",
    "DB_NAME": "postgres",
    "DB_USER": "erpadmin",
    "DB_PASSWORD": secrets.token_urlsafe(12),
    "DB_HOST": "erp-postgres-prod.postgres.database.azure.com",
    "DB_PORT": "5432",
    "SECURE_SSL_REDIRECT": "True",
}


def production(**env):
    """erp_project.settings_production executed in ``env`` only, as a new module object (Django's settings and
    sys.modules are not touched)."""
    spec = importlib.util.find_spec("erp_project.settings_production")
    module = importlib.util.module_from_spec(spec)
    with mock.patch.dict(os.environ, env, clear=True):
        spec.loader.exec_module(module)
    return module


class ProductionSettingsTests(TestCase):
    def test_reads_the_guides_environment(self):
        s = production(**GUIDE_ENV)
        self.assertFalse(s.DEBUG)
        self.assertEqual(s.SECRET_KEY, GUIDE_ENV["SECRET_KEY"])
        self.assertEqual(s.ALLOWED_HOSTS, ["erp.example.com", "www.erp.example.com", "erp-supermarket-prod.azurewebsites.net"])
        self.assertEqual(s.CSRF_TRUSTED_ORIGINS, ["https://erp.example.com", "https://www.erp.example.com"])
        db = s.DATABASES["default"]
        self.assertEqual(db["ENGINE"], "erp_project.postgresql")
        self.assertEqual((s.SECRET_KEY_FALLBACKS, db["PASSWORD_FALLBACKS"]), ([], []))
        self.assertEqual((db["NAME"], db["USER"], db["PASSWORD"], db["HOST"], db["PORT"]),
                         ("postgres", "erpadmin", GUIDE_ENV["DB_PASSWORD"], "erp-postgres-prod.postgres.database.azure.com", "5432"))
        self.assertEqual(db["OPTIONS"]["sslmode"], "require")
        self.assertTrue(s.SECURE_SSL_REDIRECT)
        self.assertEqual(s.SECURE_PROXY_SSL_HEADER, ("HTTP_X_FORWARDED_PROTO", "https"))
        self.assertTrue(s.SESSION_COOKIE_SECURE and s.CSRF_COOKIE_SECURE)
        self.assertIsNone(s.APPLICATIONINSIGHTS_CONNECTION_STRING)
        self.assertEqual(s.ERP_RELEASE, "dev")
        self.assertEqual(s.LOGGING["handlers"]["stdout"]["stream"], "ext://sys.stdout")
        self.assertEqual(s.LOGGING["root"]["level"], "INFO")

    def test_static_files_through_storages_not_the_removed_setting(self):
        s = production(**GUIDE_ENV)
        self.assertEqual(s.STORAGES["staticfiles"]["BACKEND"], "whitenoise.storage.CompressedManifestStaticFilesStorage")
        self.assertIn("default", s.STORAGES)
        self.assertFalse(hasattr(s, "STATICFILES_STORAGE"))
        self.assertEqual(s.STATIC_ROOT.name, "staticfiles")
        self.assertEqual(s.MIDDLEWARE[1], "whitenoise.middleware.WhiteNoiseMiddleware")

    def test_optional_settings(self):
        s = production(**{**GUIDE_ENV, "DB_SSLMODE": "verify-full", "DB_PORT": "", "SECURE_SSL_REDIRECT": "false", "ERP_RELEASE": "2025.06.1",
                          "WEBSITE_HOSTNAME": "erp-supermarket-prod-staging.azurewebsites.net", "SECURE_HSTS_SECONDS": "3600",
                          "DJANGO_LOG_LEVEL": "warning", "APPLICATIONINSIGHTS_CONNECTION_STRING": "InstrumentationKey=00000000-0000-0000-0000-000000000000"})
        self.assertEqual(s.DATABASES["default"]["OPTIONS"]["sslmode"], "verify-full")
        self.assertEqual(s.DATABASES["default"]["PORT"], "5432")
        self.assertFalse(s.SECURE_SSL_REDIRECT)
        self.assertEqual(s.ERP_RELEASE, "2025.06.1")
        self.assertEqual(s.ALLOWED_HOSTS[-1], "erp-supermarket-prod-staging.azurewebsites.net")
        self.assertEqual(s.SECURE_HSTS_SECONDS, 3600)
        self.assertTrue(s.APPLICATIONINSIGHTS_CONNECTION_STRING.startswith("InstrumentationKey="))
        self.assertEqual(s.LOGGING["root"]["level"], "WARNING")

    def test_refuses_to_start_without_a_secret_key_or_with_a_bad_boolean(self):
        with self.assertRaisesMessage(ImproperlyConfigured, "SECRET_KEY is not set"):
            production(**{**GUIDE_ENV, "SECRET_KEY": ""})
        with self.assertRaisesMessage(ImproperlyConfigured, "SECURE_SSL_REDIRECT must be true or false"):
            production(**{**GUIDE_ENV, "SECURE_SSL_REDIRECT": "sometimes"})


_PROD = production(**GUIDE_ENV)


@override_settings(SECURE_SSL_REDIRECT=True, SECURE_PROXY_SSL_HEADER=_PROD.SECURE_PROXY_SSL_HEADER, SECURE_REDIRECT_EXEMPT=_PROD.SECURE_REDIRECT_EXEMPT)
class HttpsRedirectTests(TestCase):
    def test_plain_http_is_redirected_except_the_health_check(self):
        response = self.client.get("/api/products/?q=milk")
        self.assertEqual(response.status_code, 301)
        self.assertEqual(response["Location"], "https://testserver/api/products/?q=milk")
        self.assertEqual(self.client.get("/api/products/").status_code, 301)
        self.assertEqual(self.client.get("/health/").status_code, 200)

    def test_forwarded_https_from_app_service_is_not_redirected(self):
        response = self.client.get("/api/products/", headers={"X-Forwarded-Proto": "https"})
        self.assertEqual(response.status_code, 401)


class StaticFilesAndAdminTests(TestCase):
    """collectstatic into a scratch STATIC_ROOT with the production storage, then WhiteNoise serves the hashed files
    and the admin (registered models, a stock receipt) renders with them."""

    @classmethod
    def setUpClass(cls):
        cls.static_root = tempfile.mkdtemp(prefix="erp-static-")
        cls.addClassCleanup(shutil.rmtree, cls.static_root, True)
        cls.enterClassContext(override_settings(STATIC_ROOT=cls.static_root, STORAGES=_PROD.STORAGES))
        call_command("collectstatic", interactive=False, verbosity=0, stdout=StringIO())
        super().setUpClass()

    def setUp(self):
        self.admin_user = User.objects.create_superuser("boss", "boss@example.com")  # no password: force_login
        self.client.force_login(self.admin_user)

    def test_whitenoise_serves_compressed_hashed_files(self):
        from django.contrib.staticfiles.storage import staticfiles_storage

        url = staticfiles_storage.url("admin/css/base.css")
        self.assertRegex(url, r"^/static/admin/css/base\.[0-9a-f]{12}\.css$")
        response = self.client.get(url, secure=True, headers={"Accept-Encoding": "gzip"})
        self.assertEqual(response.status_code, 200)
        self.assertEqual(response["Content-Encoding"], "gzip")
        self.assertIn("immutable", response["Cache-Control"])
        response.close()

    def test_admin_registers_the_erp_models(self):
        for model in (Product, StockMovement, Sale):
            self.assertTrue(admin.site.is_registered(model), model)
        for path in ("/admin/", "/admin/inventory/product/", "/admin/inventory/stockmovement/add/", "/admin/inventory/sale/"):
            with self.subTest(path=path):
                self.assertEqual(self.client.get(path, secure=True).status_code, 200)

    def test_a_receipt_entered_in_the_admin_adds_stock(self):
        product = Product.objects.create(sku="EGGS-12", name="Eggs x12", unit_price="3.20")
        response = self.client.post("/admin/inventory/stockmovement/add/",
                                    {"product": product.pk, "kind": "receipt", "quantity": 24, "reference": "delivery 881"}, secure=True)
        self.assertEqual(response.status_code, 302, response.content[:2000])
        product.refresh_from_db()
        self.assertEqual(product.stock_quantity, 24)
        movement = StockMovement.objects.get()
        self.assertEqual((movement.kind, movement.quantity, movement.created_by), ("receipt", 24, self.admin_user))
        # Removing more than the stock is refused by the form.
        response = self.client.post("/admin/inventory/stockmovement/add/",
                                    {"product": product.pk, "kind": "adjustment", "quantity": -25, "reference": "broken"}, secure=True)
        self.assertEqual(response.status_code, 200)
        product.refresh_from_db()
        self.assertEqual(product.stock_quantity, 24)


class TelemetryTests(TestCase):
    @override_settings(APPLICATIONINSIGHTS_CONNECTION_STRING=None)
    def test_nothing_without_a_connection_string(self):
        self.assertEqual(telemetry.configure(), "off")

    @override_settings(APPLICATIONINSIGHTS_CONNECTION_STRING="InstrumentationKey=00000000-0000-0000-0000-000000000000")
    def test_leaves_it_to_app_service_autoinstrumentation(self):
        with mock.patch.dict(os.environ, {"ApplicationInsightsAgent_EXTENSION_VERSION": "~3"}):
            self.assertEqual(telemetry.configure(), "autoinstrumentation")

    @override_settings(APPLICATIONINSIGHTS_CONNECTION_STRING="InstrumentationKey=00000000-0000-0000-0000-000000000000")
    def test_runs_without_telemetry_when_the_distro_is_missing(self):
        with mock.patch.dict(os.environ, {"ApplicationInsightsAgent_EXTENSION_VERSION": ""}), \
                mock.patch.dict("sys.modules", {"azure.monitor.opentelemetry": None}), self.assertLogs("erp_project.telemetry", "WARNING"):
            self.assertEqual(telemetry.configure(), "unavailable")


class ReleaseChecksTests(TestCase):
    def test_models_match_the_committed_migrations(self):
        out = StringIO()
        try:
            call_command("makemigrations", check=True, dry_run=True, stdout=out)
        except SystemExit:
            self.fail("models changed without a migration (run makemigrations):\n" + out.getvalue())

    def test_deploy_checks_find_no_error(self):
        # Warnings (HSTS off by default) are printed; an error raises SystemCheckError.
        call_command("check", deploy=True, fail_level="ERROR", stdout=StringIO(), stderr=StringIO())


class RotationTests(TestCase):
    """A rotation of SECRET_KEY and of the database password: the previous values keep working while it runs."""

    def test_reads_the_fallbacks_as_json_or_plain(self):
        s = production(**GUIDE_ENV, **{"SECRET_KEY_FALLBACKS": "old-one, old-two,", "DB_PASSWORD_FALLBACKS": "p,with,commas"})
        self.assertEqual(s.SECRET_KEY_FALLBACKS, ["old-one", "old-two"])
        self.assertEqual(s.DATABASES["default"]["PASSWORD_FALLBACKS"], ["p,with,commas"])
        s = production(**GUIDE_ENV, **{"SECRET_KEY_FALLBACKS": '["a,b", "c"]', "DB_PASSWORD_FALLBACKS": '["x", "y"]'})
        self.assertEqual((s.SECRET_KEY_FALLBACKS, s.DATABASES["default"]["PASSWORD_FALLBACKS"]), (["a,b", "c"], ["x", "y"]))
        # The current key is no fallback of itself (a rotation that set both to the same version of a Key Vault secret).
        self.assertEqual(production(**GUIDE_ENV, SECRET_KEY_FALLBACKS=GUIDE_ENV["SECRET_KEY"]).SECRET_KEY_FALLBACKS, [])
        for bad in ("[not json", '["a", 1]'):
            with self.assertRaisesMessage(ImproperlyConfigured, "SECRET_KEY_FALLBACKS"):
                production(**GUIDE_ENV, SECRET_KEY_FALLBACKS=bad)

    def test_a_session_made_with_the_previous_key_survives_the_rotation(self):
        till = {"username": "till", "password": "till-" + secrets.token_urlsafe(12)}
        User.objects.create_superuser(**till, email="till@example.com")
        old, new = "old-" + secrets.token_urlsafe(40), "new-" + secrets.token_urlsafe(40)
        with override_settings(SECRET_KEY=old, SECURE_SSL_REDIRECT=False):
            self.assertTrue(self.client.login(**till))
            self.assertEqual(self.client.get("/api/products/").status_code, 200)
        with override_settings(SECRET_KEY=new, SECRET_KEY_FALLBACKS=[old], SECURE_SSL_REDIRECT=False):
            self.assertEqual(self.client.get("/api/products/").status_code, 200)
        # The session's hash was renewed with the new key: it no longer needs the fallback.
        with override_settings(SECRET_KEY=new, SECRET_KEY_FALLBACKS=[], SECURE_SSL_REDIRECT=False):
            self.assertEqual(self.client.get("/api/products/").status_code, 200)
        self.client.logout()
        with override_settings(SECRET_KEY=old, SECURE_SSL_REDIRECT=False):
            self.client.login(**till)
        with override_settings(SECRET_KEY=new, SECRET_KEY_FALLBACKS=[], SECURE_SSL_REDIRECT=False):
            self.assertEqual(self.client.get("/api/products/").status_code, 401)  # without the fallback: logged out


@unittest.skipUnless(connection.vendor == "postgresql", "needs PostgreSQL (run with settings_production)")
class DatabasePasswordFallbackTests(TransactionTestCase):
    """A role created for the test (committed: TestCase's transaction would hide it from new connections)."""

    def test_the_database_password_falls_back_only_on_an_authentication_failure(self):
        from erp_project.postgresql.base import DatabaseWrapper

        role, password = "rotation_" + secrets.token_hex(4), "Rt1-" + secrets.token_urlsafe(18)
        with connection.cursor() as cursor:
            cursor.execute(f"CREATE ROLE {role} LOGIN PASSWORD %s", [password])
        try:
            def wrapper(primary, fallbacks, **extra):
                return DatabaseWrapper({**connection.settings_dict, "USER": role, "PASSWORD": primary, "PASSWORD_FALLBACKS": fallbacks,
                                        "NAME": connection.settings_dict["NAME"], **extra}, alias="rotation")

            for primary, fallbacks in ((password, []), ("new-not-yet", [password]), ("new-not-yet", ["older", password])):
                db = wrapper(primary, fallbacks)
                db.ensure_connection()
                with db.cursor() as cursor:
                    cursor.execute("SELECT current_user")
                    self.assertEqual(cursor.fetchone()[0], role)
                db.close()
            db = wrapper("wrong", ["also-wrong"])
            with self.assertRaisesMessage(Exception, "password authentication failed"):
                db.ensure_connection()
            # Another failure (no such database) is raised at once: the fallbacks are not tried.
            db = wrapper(password, ["other"], NAME="no_such_database_" + secrets.token_hex(3))
            with self.assertRaisesMessage(Exception, "does not exist"):
                db.ensure_connection()
        finally:
            with connection.cursor() as cursor:
                cursor.execute(f"DROP ROLE {role}")
