"""Admin: the send log, read-only — a row is the proof a notification went out, so it is never edited by hand.

Group robots are registered on operations' page (notifications:webhooks); the admin lists them read-only too.
"""

from django.contrib import admin

from .models import ChatMessage, Notification, Webhook


class ReadOnly(admin.ModelAdmin):
    def has_add_permission(self, request) -> bool:
        return False

    def has_change_permission(self, request, obj=None) -> bool:
        return False


@admin.register(Notification)
class NotificationAdmin(ReadOnly):
    list_display = ("created_at", "recipient", "kind", "period", "email_state", "emailed_to", "read_at")
    list_filter = ("kind", "email_state", ("read_at", admin.EmptyFieldListFilter))
    search_fields = ("recipient__username", "recipient__person__name", "period", "emailed_to")
    date_hierarchy = "created_at"
    list_select_related = ("recipient",)
    readonly_fields = (
        "recipient", "kind", "period", "params", "url", "created_at", "read_at",
        "email_state", "emailed_to", "emailed_at", "attempts", "next_attempt_at", "last_error",
    )  # fmt: skip


@admin.register(Webhook)
class WebhookAdmin(ReadOnly):
    list_display = ("name", "provider", "scope", "project", "function", "active", "created_at")
    list_filter = ("provider", "scope", "active")
    exclude = ("token", "secret")


@admin.register(ChatMessage)
class ChatMessageAdmin(ReadOnly):
    list_display = ("created_at", "webhook", "kind", "period", "state", "attempts", "last_error")
    list_filter = ("state", "kind")
    list_select_related = ("webhook",)
