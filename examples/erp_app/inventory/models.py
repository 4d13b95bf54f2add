"""A supermarket's stock: products, every stock movement, and sales with their lines.

Stock only changes through ``inventory.services`` (a sale, a receipt, an adjustment), which writes a StockMovement
for every change in the same transaction; PostgreSQL refuses a negative stock (check constraint).
"""

from decimal import Decimal

from django.conf import settings
from django.core.validators import MinValueValidator
from django.db import models
from django.db.models import Q


class Product(models.Model):
    sku = models.CharField("SKU", max_length=32, unique=True)
    name = models.CharField(max_length=200)
    unit_price = models.DecimalField(max_digits=10, decimal_places=2, validators=[MinValueValidator(Decimal("0"))])
    stock_quantity = models.IntegerField(default=0, editable=False)
    reorder_level = models.PositiveIntegerField(default=0, help_text="Low stock at or below this quantity.")
    active = models.BooleanField(default=True)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["sku"]
        constraints = [
            models.CheckConstraint(condition=Q(stock_quantity__gte=0), name="product_stock_not_negative"),
            models.CheckConstraint(condition=Q(unit_price__gte=0), name="product_price_not_negative"),
        ]

    def __str__(self):
        return f"{self.sku} {self.name}"

    @property
    def low_stock(self):
        return self.stock_quantity <= self.reorder_level


class Sale(models.Model):
    created_at = models.DateTimeField(auto_now_add=True)
    cashier = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="sales")
    total = models.DecimalField(max_digits=12, decimal_places=2, default=Decimal("0.00"))

    class Meta:
        ordering = ["-created_at", "-id"]

    def __str__(self):
        return f"Sale #{self.pk}"


class SaleLine(models.Model):
    sale = models.ForeignKey(Sale, on_delete=models.CASCADE, related_name="lines")
    product = models.ForeignKey(Product, on_delete=models.PROTECT, related_name="sale_lines")
    quantity = models.PositiveIntegerField()
    unit_price = models.DecimalField(max_digits=10, decimal_places=2)

    class Meta:
        ordering = ["id"]
        constraints = [models.CheckConstraint(condition=Q(quantity__gt=0), name="sale_line_quantity_positive")]

    def __str__(self):
        return f"{self.quantity} x {self.product.sku}"

    @property
    def line_total(self):
        return self.unit_price * self.quantity


class StockMovement(models.Model):
    class Kind(models.TextChoices):
        RECEIPT = "receipt", "Receipt"
        SALE = "sale", "Sale"
        ADJUSTMENT = "adjustment", "Adjustment"

    product = models.ForeignKey(Product, on_delete=models.PROTECT, related_name="movements")
    kind = models.CharField(max_length=16, choices=Kind.choices)
    quantity = models.IntegerField(help_text="Signed change of the stock: positive in, negative out.")
    reference = models.CharField(max_length=100, blank=True)
    sale = models.ForeignKey(Sale, null=True, blank=True, on_delete=models.CASCADE, related_name="movements")
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        constraints = [models.CheckConstraint(condition=~Q(quantity=0), name="stock_movement_quantity_not_zero")]

    def __str__(self):
        return f"{self.get_kind_display()} {self.quantity:+d} {self.product.sku}"
