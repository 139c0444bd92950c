"""Choices of the quarter board (SPEC §4, R8): how a cell's months and its inspection stand."""

from django.db import models
from django.utils.translation import gettext_lazy as _


class MonthState(models.TextChoices):
    """How a cell's monthly self-check (R8) stands, as the quarter board shows it."""

    ON_TIME = "on_time", _("按时提交")
    LATE = "late", _("逾期提交")
    MISSING = "missing", _("未提交")
    PENDING = "pending", _("未到期")
    NONE = "none", _("无触点")


class CellState(models.TextChoices):
    """Where a cell's quarterly inspection stands."""

    NOT_STARTED = "not_started", _("未开始")
    IN_PROGRESS = "in_progress", _("检查中")
    FINALISED = "finalised", _("已定稿")
    NO_ITEMS = "no_items", _("无检查项")
