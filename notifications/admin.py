"""Admin: the send log, read-only — a row is the proof a notification went out, so it is never edited by hand."""

from django.contrib import admin

from .models import Notification


@admin.register(Notification)
class NotificationAdmin(admin.ModelAdmin):
    list_display = ("created_at", "recipient", "kind", "period", "subject", "emailed_to", "read_at")
    list_filter = ("kind", "period", ("read_at", admin.EmptyFieldListFilter))
    search_fields = ("recipient__username", "recipient__person__name", "subject", "period", "emailed_to")
    date_hierarchy = "created_at"
    list_select_related = ("recipient",)
    readonly_fields = ("recipient", "kind", "period", "subject", "body", "url", "created_at", "emailed_to", "read_at")

    def has_add_permission(self, request) -> bool:
        return False

    def has_change_permission(self, request, obj=None) -> bool:
        return False
