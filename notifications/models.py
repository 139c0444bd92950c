"""Notifications: in-app, by e-mail and to chat groups, each sent exactly once (SPEC §7, §9, §15).

A notification is stored as a kind plus parameters (never as finished text) and rendered in the reader's language
when it is read, e-mailed or posted (notifications.kinds). The rows are also the outbox: they are written in the
transaction of the action that causes them and delivered by the worker after it commits (notifications.delivery).
"""

from __future__ import annotations

from functools import cached_property

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from .choices import ChatProvider, DeliveryState, DispatchState, WebhookScope


class Notification(models.Model):
    """One message to one user. The unique constraint is the send log: a second send of the same one is refused.

    ``email_state`` is its place in the e-mail outbox: pending until the worker sends it (a mail server that is down
    only delays it: it is retried with backoff and never dropped), then sent — or skipped when the person has no
    address.
    """

    recipient = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("接收人"), on_delete=models.CASCADE, related_name="notifications"
    )
    # No choices: apps register their kinds in notifications.kinds (no migration per new kind).
    kind = models.CharField(_("类型"), max_length=40)
    period = models.CharField(_("期间"), max_length=40, help_text=_("如 2026-11、2026Q3、2026Q3v2"))
    params = models.JSONField(_("参数"), default=dict, blank=True)
    url = models.CharField(_("链接"), max_length=300, blank=True)
    created_at = models.DateTimeField(_("发送时间"), auto_now_add=True)
    read_at = models.DateTimeField(_("已读时间"), null=True, blank=True)
    email_state = models.CharField(_("邮件状态"), max_length=10, choices=DeliveryState.choices, default=DeliveryState.PENDING)
    emailed_to = models.EmailField(_("邮件地址"), blank=True)
    emailed_at = models.DateTimeField(_("邮件发送时间"), null=True, blank=True)
    attempts = models.PositiveSmallIntegerField(_("尝试次数"), default=0)
    next_attempt_at = models.DateTimeField(_("下次尝试"), null=True, blank=True)
    last_error = models.TextField(_("最近错误"), blank=True)

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
            # The worker's outbox scan reads the pending rows only.
            models.Index(fields=["next_attempt_at"], condition=Q(email_state="pending"), name="notification_email_pending"),
        ]

    def __str__(self) -> str:
        return f"{self.recipient} · {self.kind} · {self.period}"

    @cached_property
    def rendered(self):
        """Subject and body in the active language (the reader's: the request's, or the e-mail's override)."""
        from .kinds import render

        return render(self.kind, self.params)

    @property
    def subject(self) -> str:
        return self.rendered.subject

    @property
    def body(self) -> str:
        return self.rendered.body

    @property
    def kind_label(self) -> str:
        from .kinds import kind_label

        return kind_label(self.kind)

    @property
    def icon(self) -> str:
        from .kinds import kind_icon

        return kind_icon(self.kind)

    @property
    def is_unread(self) -> bool:
        return self.read_at is None


class Dispatch(models.Model):
    """One pending fan-out (SPEC §7): many notifications of one kind and period, written as a single row.

    A publication notifies everyone assessed (3,000 people on a large company). Writing one row in the publication's
    transaction keeps it a fixed number of queries; the worker expands it into the notifications (the unique
    constraint above skips anyone already notified) and marks it done, in one transaction.
    """

    kind = models.CharField(_("类型"), max_length=40)
    period = models.CharField(_("期间"), max_length=40)
    url = models.CharField(_("链接"), max_length=300, blank=True)
    # {"<user id>": {params of that user's notification}}
    recipients = models.JSONField(_("接收人及参数"), default=dict)
    state = models.CharField(_("状态"), max_length=10, choices=DispatchState.choices, default=DispatchState.PENDING)
    created_at = models.DateTimeField(_("创建时间"), auto_now_add=True)
    done_at = models.DateTimeField(_("分发时间"), null=True, blank=True)

    class Meta:
        ordering = ["created_at", "id"]
        verbose_name = _("待分发通知")
        verbose_name_plural = _("待分发通知")
        indexes = [models.Index(fields=["state"], name="dispatch_state")]

    def __str__(self) -> str:
        return f"{self.kind} · {self.period} · {len(self.recipients)}"


class Preference(models.Model):
    """A person's language for what reaches them outside a page: e-mails (SPEC §1). Default: the product's (zh-hans)."""

    user = models.OneToOneField(
        settings.AUTH_USER_MODEL, verbose_name=_("用户"), on_delete=models.CASCADE, related_name="notification_preference"
    )
    language = models.CharField(_("语言"), max_length=10, choices=settings.LANGUAGES, default=settings.LANGUAGE_CODE)

    class Meta:
        verbose_name = _("通知偏好")
        verbose_name_plural = _("通知偏好")

    def __str__(self) -> str:
        return f"{self.user} · {self.language}"


class Webhook(models.Model):
    """A group robot of WeCom or DingTalk for the company, a project or a function (SPEC §15), registered by operations.

    WeCom: ``token`` is the robot's key (``…/webhook/send?key=``). DingTalk: ``token`` is the access token and
    ``secret`` the signing secret (HMAC-SHA256 of "timestamp\\nsecret"); the secret is never shown back.
    """

    name = models.CharField(_("名称"), max_length=80)
    provider = models.CharField(_("平台"), max_length=10, choices=ChatProvider.choices)
    scope = models.CharField(_("范围"), max_length=10, choices=WebhookScope.choices, default=WebhookScope.COMPANY)
    project = models.ForeignKey(
        "touchpoints.Project", verbose_name=_("项目"), on_delete=models.CASCADE, null=True, blank=True, related_name="+"
    )
    function = models.CharField(_("职能"), max_length=30, blank=True)
    token = models.CharField(_("密钥 / access_token"), max_length=200)
    secret = models.CharField(_("加签密钥"), max_length=200, blank=True)
    language = models.CharField(_("消息语言"), max_length=10, choices=settings.LANGUAGES, default=settings.LANGUAGE_CODE)
    active = models.BooleanField(_("启用"), default=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("登记人"), on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    created_at = models.DateTimeField(_("登记时间"), auto_now_add=True)

    class Meta:
        ordering = ["scope", "name", "id"]
        verbose_name = _("群机器人")
        verbose_name_plural = _("群机器人")
        constraints = [
            models.CheckConstraint(
                condition=Q(scope="company", project__isnull=True, function="")
                | Q(scope="project", project__isnull=False, function="")
                | Q(scope="function", project__isnull=True) & ~Q(function=""),
                name="webhook_scope_matches_unit",
            ),
            models.CheckConstraint(
                condition=~Q(provider="dingtalk") | ~Q(secret=""),  # nosec B106: "no secret" is what is refused
                name="webhook_dingtalk_has_secret",
            ),
        ]

    def __str__(self) -> str:
        return self.name

    @property
    def function_label(self) -> str:
        from .kinds import function_label

        return function_label(self.function) if self.function else ""


class ChatMessage(models.Model):
    """One markdown post to one group robot, sent once per (webhook, kind, period) by the unique constraint (SPEC §15).

    Its state is the sent log's result: pending (retried with exponential backoff), sent, or failed with the error.
    """

    webhook = models.ForeignKey(Webhook, verbose_name=_("群机器人"), on_delete=models.CASCADE, related_name="messages")
    kind = models.CharField(_("类型"), max_length=40)
    period = models.CharField(_("期间"), max_length=40)
    params = models.JSONField(_("参数"), default=dict, blank=True)
    addressees = models.JSONField(_("相关人员"), default=list, blank=True)
    url = models.CharField(_("链接"), max_length=300, blank=True)
    state = models.CharField(_("状态"), max_length=10, choices=DeliveryState.choices, default=DeliveryState.PENDING)
    attempts = models.PositiveSmallIntegerField(_("尝试次数"), default=0)
    next_attempt_at = models.DateTimeField(_("下次尝试"), null=True, blank=True)
    last_error = models.TextField(_("最近错误"), blank=True)
    created_at = models.DateTimeField(_("创建时间"), auto_now_add=True)
    sent_at = models.DateTimeField(_("发送时间"), null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        verbose_name = _("群消息")
        verbose_name_plural = _("群消息")
        constraints = [models.UniqueConstraint(fields=["webhook", "kind", "period"], name="chat_once_per_webhook_kind_period")]
        indexes = [
            models.Index(fields=["next_attempt_at"], condition=Q(state="pending"), name="chatmessage_pending"),
            models.Index(fields=["kind", "period"], name="chatmessage_kind_period"),
            # The robots page and the sent log show the newest posts: read from this end, not sorted out of them all.
            models.Index(fields=["-created_at", "-id"], name="chatmessage_newest"),
        ]

    def __str__(self) -> str:
        return f"{self.webhook} · {self.kind} · {self.period}"

    @property
    def kind_label(self) -> str:
        from .kinds import kind_label

        return kind_label(self.kind)
