import json
import threading
import unittest
from decimal import Decimal

from django.contrib.auth.models import Permission, User
from django.db import connection, connections
from django.test import Client, TestCase, TransactionTestCase

from inventory import services
from inventory.models import Product, Sale, StockMovement


def _user(username, *perms):
    user = User.objects.create_user(username)  # no password (no slow hashing): the tests log in with force_login
    for codename in perms:
        user.user_permissions.add(Permission.objects.get(content_type__app_label="inventory", codename=codename))
    return user


def _stock(sku, name, price, quantity, reorder_level=0):
    product = Product.objects.create(sku=sku, name=name, unit_price=Decimal(price), reorder_level=reorder_level)
    if quantity:
        services.record_movement(product, StockMovement.Kind.RECEIPT, quantity, reference="opening stock")
    return product


class ProductApiTests(TestCase):
    @classmethod
    def setUpTestData(cls):
        _stock("MILK-1L", "Milk 1 L", "1.15", 40, reorder_level=10)
        _stock("BREAD", "Baguette", "0.95", 5, reorder_level=10)
        Product.objects.create(sku="OLD", name="Discontinued", unit_price=Decimal("1.00"), active=False)
        cls.clerk = _user("clerk", "view_product")

    def test_anonymous_gets_401_and_no_permission_403(self):
        self.assertEqual(self.client.get("/api/products/", secure=True).status_code, 401)
        self.client.force_login(_user("nobody"))
        self.assertEqual(self.client.get("/api/products/", secure=True).status_code, 403)

    def test_lists_active_products_with_stock(self):
        self.client.force_login(self.clerk)
        body = self.client.get("/api/products/", secure=True).json()
        self.assertEqual(body["count"], 2)
        self.assertEqual(body["products"][0], {"sku": "BREAD", "name": "Baguette", "unit_price": "0.95", "stock_quantity": 5, "low_stock": True})
        self.assertEqual(body["products"][1]["stock_quantity"], 40)

    def test_filters(self):
        self.client.force_login(self.clerk)
        self.assertEqual([p["sku"] for p in self.client.get("/api/products/?q=milk", secure=True).json()["products"]], ["MILK-1L"])
        self.assertEqual([p["sku"] for p in self.client.get("/api/products/?low_stock=1", secure=True).json()["products"]], ["BREAD"])


class SaleApiTests(TestCase):
    @classmethod
    def setUpTestData(cls):
        cls.milk = _stock("MILK-1L", "Milk 1 L", "1.15", 40)
        cls.bread = _stock("BREAD", "Baguette", "0.95", 5)
        cls.cashier = _user("cashier", "add_sale")

    def _post(self, payload, client=None):
        client = client or self.client
        body = payload if isinstance(payload, (str, bytes)) else json.dumps(payload)
        return client.post("/api/sales/", body, content_type="application/json", secure=True)

    def setUp(self):
        self.client.force_login(self.cashier)

    def test_sale_decrements_stock_in_one_transaction(self):
        response = self._post({"lines": [{"sku": "MILK-1L", "quantity": 3}, {"sku": "BREAD", "quantity": 2}, {"sku": "MILK-1L", "quantity": 1}]})
        self.assertEqual(response.status_code, 201, response.content)
        body = response.json()
        self.assertEqual(body["total"], "6.50")
        self.assertEqual([(line["sku"], line["quantity"]) for line in body["lines"]], [("MILK-1L", 4), ("BREAD", 2)])
        self.milk.refresh_from_db()
        self.bread.refresh_from_db()
        self.assertEqual((self.milk.stock_quantity, self.bread.stock_quantity), (36, 3))
        sale = Sale.objects.get(pk=body["id"])
        self.assertEqual(sale.cashier, self.cashier)
        self.assertEqual(sorted(sale.movements.values_list("product__sku", "quantity")), [("BREAD", -2), ("MILK-1L", -4)])

    def test_short_stock_answers_409_and_writes_nothing(self):
        response = self._post({"lines": [{"sku": "MILK-1L", "quantity": 1}, {"sku": "BREAD", "quantity": 6}]})
        self.assertEqual(response.status_code, 409)
        self.assertEqual(response.json()["shortages"], [{"sku": "BREAD", "requested": 6, "available": 5}])
        self.milk.refresh_from_db()
        self.assertEqual(self.milk.stock_quantity, 40)
        self.assertFalse(Sale.objects.exists())
        self.assertFalse(StockMovement.objects.filter(kind=StockMovement.Kind.SALE).exists())

    def test_unknown_product_and_malformed_bodies_answer_400(self):
        response = self._post({"lines": [{"sku": "CAVIAR", "quantity": 1}]})
        self.assertEqual((response.status_code, response.json()["unknown"]), (400, ["CAVIAR"]))
        for payload in ("not json", {}, {"lines": []}, {"lines": [{"sku": "BREAD", "quantity": 0}]},
                        {"lines": [{"sku": "BREAD", "quantity": "2"}]}, {"lines": [{"sku": "", "quantity": 1}]}, [1, 2]):
            with self.subTest(payload=payload):
                self.assertEqual(self._post(payload).status_code, 400)
        self.assertFalse(Sale.objects.exists())

    def test_needs_permission_and_csrf_token(self):
        self.client.force_login(_user("viewer", "view_product"))
        self.assertEqual(self._post({"lines": [{"sku": "BREAD", "quantity": 1}]}).status_code, 403)
        strict = Client(enforce_csrf_checks=True)
        strict.force_login(self.cashier)
        self.assertEqual(self._post({"lines": [{"sku": "BREAD", "quantity": 1}]}, client=strict).status_code, 403)
        self.assertEqual(self.client.get("/api/sales/", secure=True).status_code, 405)


@unittest.skipUnless(connection.vendor == "postgresql", "needs PostgreSQL row locks (run with settings_production)")
class ConcurrentSaleTests(TransactionTestCase):
    def test_two_tills_selling_the_last_unit(self):
        product = _stock("CHAMPAGNE", "Champagne 75 cl", "24.90", 1)
        barrier = threading.Barrier(2, timeout=10)
        outcomes = []

        def till():
            try:
                barrier.wait()
                services.record_sale([("CHAMPAGNE", 1)])
                outcomes.append("sold")
            except services.InsufficientStock:
                outcomes.append("short")
            except Exception as exc:  # reported by the assertion below
                outcomes.append(repr(exc))
            finally:
                connections.close_all()

        threads = [threading.Thread(target=till), threading.Thread(target=till)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join(30)
        self.assertEqual(sorted(outcomes), ["short", "sold"])
        product.refresh_from_db()
        self.assertEqual(product.stock_quantity, 0)
        self.assertEqual(Sale.objects.count(), 1)
