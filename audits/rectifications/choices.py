"""States and log entries of rectifications (SPEC §14)."""

from django.db import models
from django.utils.translation import gettext_lazy as _


class RectificationState(models.TextChoices):
    """Where a rectification stands. Withdrawn ones (their inspection was reopened untouched) are kept, not deleted."""

    OPEN = "open", _("待整改")
    SUBMITTED = "submitted", _("已提交")
    VERIFIED = "verified", _("已验证")
    RETURNED = "returned", _("已退回")
    WITHDRAWN = "withdrawn", _("已撤回")


class RectificationAction(models.TextChoices):
    """One step of the lifecycle, as logged (who, when, what)."""

    OPEN = "open", _("开启整改")
    SUBMIT = "submit", _("提交整改")
    VERIFY = "verify", _("验证通过")
    RETURN = "return", _("退回整改")
    WITHDRAW = "withdraw", _("撤回整改")


class Responsibility(models.TextChoices):
    """Whom a rectification fell to (SPEC §14): the cell's lead, else the director, else operations."""

    LEAD = "lead", _("职能经理")
    DIRECTOR = "director", _("项目总监")
    OPERATIONS = "operations", _("运营管理部")
