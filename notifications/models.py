"""Notifications: in-app and by e-mail, each sent exactly once per (recipient, kind, period) (SPEC §9)."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from .choices import KIND_ICONS, NotificationKind


class Notification(models.Model):
    """One message to one user. The unique constraint is the send log: a second send of the same one is refused."""

    recipient = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("接收人"), on_delete=models.CASCADE, related_name="notifications"
    )
    kind = models.CharField(_("类型"), max_length=40, choices=NotificationKind.choices)
    period = models.CharField(_("期间"), max_length=40, help_text=_("如 2026-11、2026Q3、2026Q3v2"))
    subject = models.CharField(_("标题"), max_length=200)
    body = models.TextField(_("内容"))
    url = models.CharField(_("链接"), max_length=300, blank=True)
    created_at = models.DateTimeField(_("发送时间"), auto_now_add=True)
    emailed_to = models.EmailField(_("邮件地址"), blank=True)
    read_at = models.DateTimeField(_("已读时间"), null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        verbose_name = _("通知")
        verbose_name_plural = _("通知")
        constraints = [
            models.UniqueConstraint(fields=["recipient", "kind", "period"], name="notify_once_per_recipient_kind_period")
        ]
        indexes = [
            models.Index(fields=["recipient", "read_at"]),
            # The sent log (operations) filters by kind and period.
            models.Index(fields=["kind", "period"], name="notification_kind_period"),
        ]

    def __str__(self) -> str:
        return f"{self.recipient} · {self.subject}"

    @property
    def icon(self) -> str:
        return KIND_ICONS.get(self.kind, "bi-bell")

    @property
    def is_unread(self) -> bool:
        return self.read_at is None
