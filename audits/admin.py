"""Django admin for self-checks and inspections: read-only records with their full history (SPEC §7).

Work on these objects happens in the product's pages, through services that check access and rules; the admin lets
an administrator look things up and read who changed what and when, not edit behind the rules' back.
"""

from django.contrib import admin
from simple_history.admin import SimpleHistoryAdmin

from .models import Deliverable, Inspection, InspectionItem, SelfCheck, SelfCheckItem


class ReadOnlyMixin:
    """No adding, changing or deleting from admin: every field is shown read-only."""

    def has_add_permission(self, request, obj=None):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


class SelfCheckItemInline(ReadOnlyMixin, admin.TabularInline):
    model = SelfCheckItem
    fields = ["code", "name", "level_name", "weight", "status", "na_reason", "note", "updated_by", "updated_at"]
    readonly_fields = fields
    extra = 0
    show_change_link = True


@admin.register(SelfCheck)
class SelfCheckAdmin(ReadOnlyMixin, SimpleHistoryAdmin):
    list_display = [
        "project",
        "function",
        "year",
        "month",
        "state",
        "is_late",
        "submitted_at",
        "submitted_by",
        "confirmed_at",  # R5a: the director's sign-off
        "confirmed_by",
    ]
    list_filter = ["year", "month", "state", "is_late", "function", "project"]
    search_fields = ["project__code", "project__name"]
    list_select_related = ["project", "submitted_by", "confirmed_by"]
    date_hierarchy = "created_at"
    inlines = [SelfCheckItemInline]


class DeliverableInline(ReadOnlyMixin, admin.TabularInline):
    model = Deliverable
    fields = ["original_name", "content_type", "size", "sha256", "uploaded_by", "uploaded_at"]
    readonly_fields = fields
    extra = 0


@admin.register(SelfCheckItem)
class SelfCheckItemAdmin(ReadOnlyMixin, SimpleHistoryAdmin):
    list_display = ["code", "name", "selfcheck", "level_name", "weight", "status", "updated_by", "updated_at"]
    list_filter = ["status", "selfcheck__year", "selfcheck__month", "selfcheck__function"]
    search_fields = ["code", "name", "selfcheck__project__code"]
    list_select_related = ["selfcheck__project", "updated_by"]
    inlines = [DeliverableInline]


@admin.register(Deliverable)
class DeliverableAdmin(ReadOnlyMixin, SimpleHistoryAdmin):
    list_display = ["original_name", "item", "content_type", "size", "uploaded_by", "uploaded_at"]
    list_filter = ["content_type"]
    search_fields = ["original_name", "item__code", "sha256"]
    list_select_related = ["item", "uploaded_by"]
    # The file field is left out: files are private and downloaded only through the access-checked view.
    exclude = ["file"]


class InspectionItemInline(ReadOnlyMixin, admin.TabularInline):
    model = InspectionItem
    fields = ["code", "name", "level_name", "weight", "claimed_status", "verdict", "finding", "judged_by", "updated_at"]
    readonly_fields = fields
    extra = 0
    show_change_link = True


@admin.register(Inspection)
class InspectionAdmin(ReadOnlyMixin, SimpleHistoryAdmin):
    list_display = ["project", "function", "year", "quarter", "state", "source", "finalised_at", "finalised_by"]
    list_filter = ["year", "quarter", "state", "source", "function", "project"]
    search_fields = ["project__code", "project__name"]
    list_select_related = ["project", "finalised_by"]
    inlines = [InspectionItemInline]


@admin.register(InspectionItem)
class InspectionItemAdmin(ReadOnlyMixin, SimpleHistoryAdmin):
    list_display = ["code", "name", "inspection", "weight", "claimed_status", "verdict", "judged_by", "updated_at"]
    list_filter = ["verdict", "inspection__year", "inspection__quarter", "inspection__function"]
    search_fields = ["code", "name", "inspection__project__code"]
    list_select_related = ["inspection__project", "judged_by"]


from .rectifications import admin as rectifications_admin  # noqa: E402,F401  (registers the rectification admin)
