"""The health check, a home page and a small JSON API (session log-in, the admin's)."""

import json
import logging
import time
from functools import wraps

from django.conf import settings
from django.db import DatabaseError, OperationalError, connection
from django.db.models import Q
from django.http import JsonResponse
from django.shortcuts import render
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET, require_POST, require_safe

from . import services
from .models import Product

logger = logging.getLogger(__name__)

MAX_SALE_LINES = 200


def _database_state(exc):
    """not migrated (the table is missing: the release's migrate has not run), unavailable (no connection), error."""
    if getattr(exc.__cause__, "sqlstate", None) == "42P01" or "no such table" in str(exc):  # PostgreSQL, SQLite
        return "not migrated"
    return "unavailable" if isinstance(exc, OperationalError) else "error"


def _first_line(exc):
    text = str(exc).strip()
    return text.splitlines()[0] if text else type(exc).__name__


@require_safe
@never_cache
def health(request):
    """200 when the database answers (SELECT 1, then a count from the products table), 503 otherwise.

    Used by App Service's health check and by the release playbook's warm-up: never redirected to HTTPS
    (SECURE_REDIRECT_EXEMPT), never cached, no log-in."""
    body = {"status": "ok", "database": "ok", "version": settings.ERP_RELEASE}
    started = time.monotonic()
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
            cursor.fetchone()
        body["products"] = Product.objects.count()
    except DatabaseError as exc:
        body.update(status="error", database=_database_state(exc))
        logger.warning("health check failed: database %s: %s", body["database"], _first_line(exc))
        return JsonResponse(body, status=503)
    body["database_ms"] = round((time.monotonic() - started) * 1000, 1)
    return JsonResponse(body)


@require_safe
def index(request):
    return render(request, "inventory/index.html", {"release": settings.ERP_RELEASE})


def _api_permission(permission):
    """Session log-in and one model permission, answered in JSON (401 / 403) instead of a redirect to a log-in page."""

    def decorator(view):
        @wraps(view)
        def wrapper(request, *args, **kwargs):
            if not request.user.is_authenticated:
                return JsonResponse({"error": "authentication required"}, status=401)
            if not request.user.has_perm(permission):
                return JsonResponse({"error": f"permission {permission} required"}, status=403)
            return view(request, *args, **kwargs)

        return wrapper

    return decorator


def _product(product):
    return {"sku": product.sku, "name": product.name, "unit_price": str(product.unit_price), "stock_quantity": product.stock_quantity,
            "low_stock": product.low_stock}


@require_GET
@_api_permission("inventory.view_product")
def product_list(request):
    """Active products, by SKU; ``?q=`` filters on SKU or name, ``?low_stock=1`` keeps those at or below their reorder level."""
    products = Product.objects.filter(active=True)
    query = request.GET.get("q", "").strip()
    if query:
        products = products.filter(Q(sku__icontains=query) | Q(name__icontains=query))
    items = [_product(p) for p in products.order_by("sku")]
    if request.GET.get("low_stock") in ("1", "true"):
        items = [item for item in items if item["low_stock"]]
    return JsonResponse({"count": len(items), "products": items})


def _sale_items(request):
    """The (sku, quantity) pairs of a POSTed sale, or raise ValueError with what is wrong."""
    try:
        payload = json.loads(request.body or b"null")
    except (ValueError, UnicodeDecodeError) as exc:
        raise ValueError("the body must be JSON") from exc
    lines = payload.get("lines") if isinstance(payload, dict) else None
    if not isinstance(lines, list) or not lines:
        raise ValueError('expected {"lines": [{"sku": "...", "quantity": 1}, ...]}')
    if len(lines) > MAX_SALE_LINES:
        raise ValueError(f"at most {MAX_SALE_LINES} lines per sale")
    items = []
    for number, line in enumerate(lines, 1):
        sku = line.get("sku") if isinstance(line, dict) else None
        quantity = line.get("quantity") if isinstance(line, dict) else None
        if not isinstance(sku, str) or not sku.strip():
            raise ValueError(f"line {number}: sku must be a non-empty string")
        if isinstance(quantity, bool) or not isinstance(quantity, int) or quantity <= 0:
            raise ValueError(f"line {number}: quantity must be a positive integer")
        items.append((sku.strip(), quantity))
    return items


@require_POST
@_api_permission("inventory.add_sale")
def sale_create(request):
    """Record a sale: 201 with the sale, 400 for a malformed body or an unknown product, 409 when stock is short (nothing
    written)."""
    try:
        items = _sale_items(request)
        sale = services.record_sale(items, cashier=request.user)
    except ValueError as exc:
        return JsonResponse({"error": str(exc)}, status=400)
    except services.UnknownProducts as exc:
        return JsonResponse({"error": str(exc), "unknown": exc.skus}, status=400)
    except services.InsufficientStock as exc:
        return JsonResponse({"error": str(exc), "shortages": exc.shortages}, status=409)
    logger.info("sale %s recorded by %s: %d line(s), total %s", sale.pk, request.user.get_username(), len(items), sale.total)
    body = {
        "id": sale.pk,
        "created_at": sale.created_at.isoformat(),
        "total": str(sale.total),
        "lines": [{"sku": line.product.sku, "quantity": line.quantity, "unit_price": str(line.unit_price), "line_total": str(line.line_total)}
                  for line in sale.lines.select_related("product")],
    }
    return JsonResponse(body, status=201)
