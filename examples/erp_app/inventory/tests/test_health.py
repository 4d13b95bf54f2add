import socket
import unittest

from django.db import connection
from django.test import TestCase, TransactionTestCase, override_settings

from inventory.models import Product

needs_postgresql = unittest.skipUnless(connection.vendor == "postgresql", "needs PostgreSQL (run with settings_production)")


def _closed_port():
    """A loopback port nothing listens on (bound, then released)."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class HealthTests(TestCase):
    @override_settings(ERP_RELEASE="2025.06.1")
    def test_ok_reports_database_release_and_a_count(self):
        Product.objects.create(sku="MILK-1L", name="Milk 1 L", unit_price="1.15")
        response = self.client.get("/health/", secure=True)
        self.assertEqual(response.status_code, 200)
        body = response.json()
        self.assertEqual(body["status"], "ok")
        self.assertEqual(body["database"], "ok")
        self.assertEqual(body["version"], "2025.06.1")
        self.assertEqual(body["products"], 1)
        self.assertIsInstance(body["database_ms"], float)
        self.assertIn("no-cache", response["Cache-Control"])

    def test_head_is_allowed_and_writes_are_not(self):
        self.assertEqual(self.client.head("/health/", secure=True).status_code, 200)
        self.assertEqual(self.client.post("/health/", secure=True).status_code, 405)

    @needs_postgresql
    def test_missing_table_answers_503_not_migrated(self):
        # DDL is transactional in PostgreSQL: the test's transaction rolls the rename back.
        with connection.cursor() as cursor:
            cursor.execute("ALTER TABLE inventory_product RENAME TO inventory_product_hidden")
        with self.assertLogs("inventory.views", "WARNING") as logs:
            response = self.client.get("/health/", secure=True)
        self.assertEqual(response.status_code, 503)
        self.assertEqual(response.json()["status"], "error")
        self.assertEqual(response.json()["database"], "not migrated")
        self.assertIn("inventory_product", logs.output[0])


@needs_postgresql
class HealthDatabaseDownTests(TransactionTestCase):
    """The database server unreachable: connection refused on its port."""

    def test_unreachable_database_answers_503(self):
        saved = dict(connection.settings_dict)
        connection.close()
        connection.settings_dict["PORT"] = str(_closed_port())
        try:
            with self.assertLogs("inventory.views", "WARNING"):
                response = self.client.get("/health/", secure=True)
        finally:
            connection.close()
            connection.settings_dict.update(saved)
        self.assertEqual(response.status_code, 503)
        body = response.json()
        self.assertEqual(body["status"], "error")
        self.assertEqual(body["database"], "unavailable")
        self.assertIn("version", body)
        self.assertNotIn("products", body)
        # And back once the server answers again.
        self.assertEqual(self.client.get("/health/", secure=True).status_code, 200)
