from django.db import models
from django.utils.translation import gettext_lazy as _


class NotificationKind(models.TextChoices):
    """What a notification is about. With (recipient, period) it identifies a notification exactly once (SPEC §9)."""

    SELFCHECK_DUE_SOON = "selfcheck_due_soon", _("自检即将截止")
    SELFCHECK_DUE = "selfcheck_due", _("自检今日截止")
    MISSING_DIGEST = "missing_digest", _("未提交自检汇总")
    PUBLICATION_DUE = "publication_due", _("季度结果今日发布")
    RESULT_PUBLISHED = "result_published", _("季度结果已发布")
    RESULT_AMENDED = "result_amended", _("季度结果已修订")
    SPLIT_ACTION = "split_action", _("奖惩分配待处理")
    SELFCHECK_REOPENED = "selfcheck_reopened", _("自检被退回")
    RECTIFICATION_DUE_SOON = "rectification_due_soon", _("整改即将截止")
    RECTIFICATION_DUE = "rectification_due", _("整改今日截止")
    RECTIFICATION_ESCALATED = "rectification_escalated", _("整改逾期未验证")
    PLAN_DUE_SOON = "plan_due_soon", _("整改方案即将截止")
    PLAN_DUE = "plan_due", _("整改方案今日截止")
    PLAN_ESCALATED = "plan_escalated", _("整改方案逾期未提交")


# Bootstrap Icons shown next to each kind in the notification centre and the sent log.
KIND_ICONS = {
    NotificationKind.SELFCHECK_DUE_SOON: "bi-hourglass-split",
    NotificationKind.SELFCHECK_DUE: "bi-alarm",
    NotificationKind.MISSING_DIGEST: "bi-list-check",
    NotificationKind.PUBLICATION_DUE: "bi-megaphone",
    NotificationKind.RESULT_PUBLISHED: "bi-trophy",
    NotificationKind.RESULT_AMENDED: "bi-pencil-square",
    NotificationKind.SPLIT_ACTION: "bi-cash-coin",
    NotificationKind.SELFCHECK_REOPENED: "bi-arrow-counterclockwise",
    NotificationKind.RECTIFICATION_DUE_SOON: "bi-tools",
    NotificationKind.RECTIFICATION_DUE: "bi-tools",
    NotificationKind.RECTIFICATION_ESCALATED: "bi-exclamation-octagon",
    NotificationKind.PLAN_DUE_SOON: "bi-journal-text",
    NotificationKind.PLAN_DUE: "bi-journal-text",
    NotificationKind.PLAN_ESCALATED: "bi-exclamation-octagon",
}
