"""Fixed vocabularies of the ledger and of team splits (R14, SPEC §8)."""

from django.db import models
from django.utils.translation import gettext_lazy as _


class SplitState(models.TextChoices):
    """R14: draft → submitted (director/head) → reviewed (operations) → filed (HR)."""

    DRAFT = "draft", _("草稿")
    SUBMITTED = "submitted", _("已提交")
    REVIEWED = "reviewed", _("已审核")
    FILED = "filed", _("已备案")


class SplitAction(models.TextChoices):
    """What someone did to a split; every action is one `SplitEvent`."""

    SAVE = "save", _("保存分配")
    SUBMIT = "submit", _("提交审核")
    REVIEW = "review", _("审核通过")
    FILE = "file", _("备案")
    SEND_BACK = "send_back", _("退回修改")


class LedgerStatus(models.TextChoices):
    """The 状态 of a ledger line as HR reads it (SPEC §10 `export_rewards`): a split state or what the entry is."""

    UNSPLIT = "unsplit", _("未分配")
    DRAFT = "draft", _("草稿")
    SUBMITTED = "submitted", _("已提交")
    REVIEWED = "reviewed", _("已审核")
    FILED = "filed", _("已备案")
    SERVICE_FEE = "service_fee", _("服务费调整")
    REVERSED = "reversed", _("已冲销")
    REVERSAL = "reversal", _("冲销")
