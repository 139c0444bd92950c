from django.db import models
from django.utils.translation import gettext_lazy as _


class NotificationKind(models.TextChoices):
    """The kinds this product sends today. With (recipient, period) a kind identifies a notification exactly once (SPEC §9).

    The model field has no ``choices``: an app adds a kind by registering its renderer in its own ``notices`` module
    (see notifications.kinds), with no migration here. These values stay stable: they are stored in the send log.
    """

    SELFCHECK_DUE_SOON = "selfcheck_due_soon", _("自检即将截止")
    SELFCHECK_DUE = "selfcheck_due", _("自检今日截止")
    MISSING_DIGEST = "missing_digest", _("未提交自检汇总")
    PUBLICATION_DUE = "publication_due", _("季度结果今日发布")
    RESULT_PUBLISHED = "result_published", _("季度结果已发布")
    RESULT_AMENDED = "result_amended", _("季度结果已修订")
    SPLIT_ACTION = "split_action", _("奖惩分配待处理")
    SELFCHECK_REOPENED = "selfcheck_reopened", _("自检被退回")
    WEBHOOK_TEST = "webhook_test", _("群机器人测试")


class DeliveryState(models.TextChoices):
    """Where one e-mail or one chat post stands in the outbox (SPEC §7, §15)."""

    PENDING = "pending", _("待发送")
    SENT = "sent", _("已发送")
    FAILED = "failed", _("发送失败")
    SKIPPED = "skipped", _("无邮箱,仅站内")


class DispatchState(models.TextChoices):
    PENDING = "pending", _("待分发")
    DONE = "done", _("已分发")


class ChatProvider(models.TextChoices):
    """The group robots of SPEC §15."""

    WECOM = "wecom", _("企业微信")
    DINGTALK = "dingtalk", _("钉钉")


class WebhookScope(models.TextChoices):
    """Whose group a robot posts to: the whole company, one project, or one function (SPEC §15)."""

    COMPANY = "company", _("全公司")
    PROJECT = "project", _("项目")
    FUNCTION = "function", _("职能")
