"""States and answers of self-checks and inspections (SPEC §3)."""

from django.db import models
from django.utils.translation import gettext_lazy as _


class ItemStatus(models.TextChoices):
    """A self-check answer or an inspection verdict. Blank ("") means not answered yet."""

    DONE = "done", _("完成")
    NOT_DONE = "not_done", _("未完成")
    NA = "na", _("不适用")
    # SPEC §3: an event-driven (按事件) item whose event did not happen this month; counts as not applicable, no reason.
    NOT_OCCURRED = "not_occurred", _("本月未发生")


# The inspector's verdicts: an event that did not happen is judged 不适用 with a finding.
VERDICT_CHOICES = [(value, label) for value, label in ItemStatus.choices if value != ItemStatus.NOT_OCCURRED]


class SelfCheckState(models.TextChoices):
    OPEN = "open", _("填写中")
    SUBMITTED = "submitted", _("已提交")


class InspectionState(models.TextChoices):
    IN_PROGRESS = "in_progress", _("检查中")
    FINALISED = "finalised", _("已定稿")


class InspectionSource(models.TextChoices):
    WEB = "web", _("在线检查")
    IMPORT = "import", _("纸质检查导入")
