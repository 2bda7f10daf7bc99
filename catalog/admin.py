from django.contrib import admin

from core.admin import HistoryAdmin

from .models import FaultPhenomenon, ProductLine, ProductModel


@admin.register(ProductLine)
class ProductLineAdmin(HistoryAdmin):
    list_display = ("name", "code", "is_active")
    search_fields = ("name", "code")


@admin.register(ProductModel)
class ProductModelAdmin(HistoryAdmin):
    list_display = ("code", "name", "line", "is_active")
    list_filter = ("line", "is_active")
    search_fields = ("code", "name")


@admin.register(FaultPhenomenon)
class FaultPhenomenonAdmin(HistoryAdmin):
    list_display = ("name", "line", "is_active")
    list_filter = ("line", "is_active")
    search_fields = ("name",)
    list_select_related = ("line",)  # nullable: the admin's automatic select_related skips it
