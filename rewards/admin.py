"""Admin views of the ledger and splits: read-only, since entries are append-only and splits move only through services."""

from django.contrib import admin
from simple_history.admin import SimpleHistoryAdmin

from .models import LedgerEntry, Split, SplitEvent, SplitPart


class ReadOnlyAdmin(admin.ModelAdmin):
    def has_add_permission(self, request, obj=None) -> bool:
        return False

    def has_change_permission(self, request, obj=None) -> bool:
        return False

    def has_delete_permission(self, request, obj=None) -> bool:
        return False


@admin.register(LedgerEntry)
class LedgerEntryAdmin(ReadOnlyAdmin):
    list_display = ("year", "quarter", "unit_name", "unit_kind", "amount", "settlement", "reverses", "created_at")
    list_filter = ("year", "quarter", "unit_kind", "settlement")
    search_fields = ("unit_code", "unit_name")


class SplitPartInline(admin.TabularInline):
    model = SplitPart
    extra = 0
    can_delete = False
    readonly_fields = ("person", "amount")

    def has_add_permission(self, request, obj=None) -> bool:
        return False


class SplitEventInline(admin.TabularInline):
    model = SplitEvent
    extra = 0
    can_delete = False
    readonly_fields = ("at", "actor", "action", "from_state", "to_state", "comment", "parts")

    def has_add_permission(self, request, obj=None) -> bool:
        return False


@admin.register(Split)
class SplitAdmin(ReadOnlyAdmin, SimpleHistoryAdmin):
    list_display = ("entry", "state", "created_by", "updated_at")
    list_filter = ("state", "entry__year", "entry__quarter")
    search_fields = ("entry__unit_name", "entry__unit_code")
    inlines = [SplitPartInline, SplitEventInline]


@admin.register(SplitPart)
class SplitPartAdmin(ReadOnlyAdmin, SimpleHistoryAdmin):
    list_display = ("split", "person", "amount")
    search_fields = ("person__employee_id", "person__name")
