"""The only code that changes stock: each change is one transaction that locks the products it touches."""

from decimal import Decimal

from django.db import transaction
from django.db.models import F

from .models import Product, Sale, SaleLine, StockMovement


class StockError(Exception):
    """A stock change that cannot be made; nothing was written."""


class UnknownProducts(StockError):
    def __init__(self, skus):
        self.skus = sorted(skus)
        super().__init__("unknown or inactive products: " + ", ".join(self.skus))


class InsufficientStock(StockError):
    def __init__(self, shortages):
        self.shortages = shortages  # [{"sku", "requested", "available"}]
        super().__init__("insufficient stock for " + ", ".join(s["sku"] for s in shortages))


def _locked(skus, active_only=True):
    """The products by SKU, locked (SELECT ... FOR UPDATE) in primary-key order so that two tills never deadlock."""
    query = Product.objects.select_for_update().filter(sku__in=skus)
    if active_only:
        query = query.filter(active=True)
    return {product.sku: product for product in query.order_by("pk")}


@transaction.atomic
def record_sale(items, cashier=None):
    """Sell ``items`` (pairs of SKU and positive quantity; a SKU may repeat): one Sale with a line per product, a
    ``sale`` movement per line, each product's stock decremented. Raises UnknownProducts or InsufficientStock
    (and writes nothing) when a product is unknown, inactive or short."""
    wanted = {}
    for sku, quantity in items:
        if quantity <= 0:
            raise ValueError(f"quantity for {sku} must be positive")
        wanted[sku] = wanted.get(sku, 0) + quantity
    if not wanted:
        raise ValueError("a sale needs at least one line")
    products = _locked(wanted)
    missing = set(wanted) - set(products)
    if missing:
        raise UnknownProducts(missing)
    shortages = [{"sku": sku, "requested": quantity, "available": products[sku].stock_quantity}
                 for sku, quantity in wanted.items() if products[sku].stock_quantity < quantity]
    if shortages:
        raise InsufficientStock(shortages)

    sale = Sale.objects.create(cashier=cashier)
    total = Decimal("0.00")
    for sku, quantity in wanted.items():
        product = products[sku]
        SaleLine.objects.create(sale=sale, product=product, quantity=quantity, unit_price=product.unit_price)
        StockMovement.objects.create(product=product, kind=StockMovement.Kind.SALE, quantity=-quantity, sale=sale,
                                     reference=f"sale {sale.pk}", created_by=cashier)
        Product.objects.filter(pk=product.pk).update(stock_quantity=F("stock_quantity") - quantity)
        total += product.unit_price * quantity
    sale.total = total
    sale.save(update_fields=["total"])
    return sale


@transaction.atomic
def record_movement(product, kind, quantity, reference="", user=None):
    """A receipt (quantity > 0) or an adjustment (either sign) of one product's stock. Raises InsufficientStock when
    an adjustment would take the stock below zero."""
    if kind not in (StockMovement.Kind.RECEIPT, StockMovement.Kind.ADJUSTMENT):
        raise ValueError("sales go through record_sale()")
    if quantity == 0 or (kind == StockMovement.Kind.RECEIPT and quantity < 0):
        raise ValueError("a receipt adds a positive quantity; an adjustment changes the stock by a non-zero quantity")
    locked = _locked([product.sku], active_only=False)[product.sku]
    if locked.stock_quantity + quantity < 0:
        raise InsufficientStock([{"sku": locked.sku, "requested": -quantity, "available": locked.stock_quantity}])
    movement = StockMovement.objects.create(product=locked, kind=kind, quantity=quantity, reference=reference, created_by=user)
    Product.objects.filter(pk=locked.pk).update(stock_quantity=F("stock_quantity") + quantity)
    product.refresh_from_db(fields=["stock_quantity"])
    return movement
