from django.urls import path

from . import views

urlpatterns = [
    path("", views.index, name="index"),
    path("health/", views.health, name="health"),
    path("api/products/", views.product_list, name="api-products"),
    path("api/sales/", views.sale_create, name="api-sales"),
]
