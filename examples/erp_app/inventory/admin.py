"""The back office: products, stock receipts and adjustments, and the sales (read-only: the tills write them)."""

from django import forms
from django.contrib import admin

from . import services
from .models import Product, Sale, SaleLine, StockMovement


@admin.register(Product)
class ProductAdmin(admin.ModelAdmin):
    list_display = ["sku", "name", "unit_price", "stock_quantity", "is_low_stock", "active"]
    list_filter = ["active"]
    search_fields = ["sku", "name"]
    readonly_fields = ["stock_quantity", "created_at", "updated_at"]

    @admin.display(boolean=True, description="Low stock")
    def is_low_stock(self, obj):
        return obj.low_stock


class StockMovementForm(forms.ModelForm):
    kind = forms.ChoiceField(choices=[(StockMovement.Kind.RECEIPT, "Receipt"), (StockMovement.Kind.ADJUSTMENT, "Adjustment")])

    class Meta:
        model = StockMovement
        fields = ["product", "kind", "quantity", "reference"]

    def clean(self):
        data = super().clean()
        product, kind, quantity = data.get("product"), data.get("kind"), data.get("quantity")
        if product is None or quantity is None:
            return data
        if quantity == 0:
            self.add_error("quantity", "The quantity cannot be zero.")
        elif kind == StockMovement.Kind.RECEIPT and quantity < 0:
            self.add_error("quantity", "A receipt adds stock: use an adjustment to remove some.")
        elif product.stock_quantity + quantity < 0:
            self.add_error("quantity", f"Only {product.stock_quantity} in stock.")
        return data


@admin.register(StockMovement)
class StockMovementAdmin(admin.ModelAdmin):
    """Receipts and adjustments are added here (the stock follows); movements are never edited or deleted."""

    form = StockMovementForm
    list_display = ["created_at", "product", "kind", "quantity", "reference", "created_by"]
    list_filter = ["kind"]
    search_fields = ["product__sku", "product__name", "reference"]
    autocomplete_fields = ["product"]
    list_select_related = ["product", "created_by"]

    def has_change_permission(self, request, obj=None):
        return obj is None and super().has_change_permission(request, obj)

    def has_delete_permission(self, request, obj=None):
        return False

    def save_model(self, request, obj, form, change):
        movement = services.record_movement(obj.product, obj.kind, obj.quantity, reference=obj.reference, user=request.user)
        obj.pk = movement.pk
        obj.created_at = movement.created_at


class SaleLineInline(admin.TabularInline):
    model = SaleLine
    fields = ["product", "quantity", "unit_price"]
    readonly_fields = fields
    extra = 0
    can_delete = False


@admin.register(Sale)
class SaleAdmin(admin.ModelAdmin):
    """Sales come from the tills (POST /api/sales/): read-only here, so stock and movements stay consistent."""

    list_display = ["id", "created_at", "cashier", "total"]
    date_hierarchy = "created_at"
    inlines = [SaleLineInline]
    readonly_fields = ["created_at", "cashier", "total"]

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False
