"""Admin of rectifications: the policy (days) is edited there (R16); rectifications themselves are read-only records
whose steps happen in the product's pages."""

from django.contrib import admin
from simple_history.admin import SimpleHistoryAdmin

from .models import Rectification, RectificationEvent, RectificationPolicy


@admin.register(RectificationPolicy)
class RectificationPolicyAdmin(SimpleHistoryAdmin):
    list_display = ["effective_from", "rectification_days", "plan_days"]


class EventInline(admin.TabularInline):
    model = RectificationEvent
    fields = ["at", "action", "state_before", "state_after", "by", "text"]
    readonly_fields = fields
    extra = 0
    can_delete = False

    def has_add_permission(self, request, obj=None):
        return False


@admin.register(Rectification)
class RectificationAdmin(SimpleHistoryAdmin):
    list_display = ["project", "function", "year", "quarter", "code", "state", "due_date", "responsible", "false_claim"]
    list_filter = ["state", "year", "quarter", "function", "false_claim", "project"]
    search_fields = ["code", "name", "project__code"]
    list_select_related = ["project", "responsible"]
    inlines = [EventInline]

    def has_add_permission(self, request, obj=None):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False
