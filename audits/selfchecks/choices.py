"""Choices of the self-check pages (SPEC §3, R8)."""

from django.db import models
from django.utils.translation import gettext_lazy


class CellMonthStatus(models.TextChoices):
    """Where a cell's self-check of a month stands, as overviews show it."""

    NOT_STARTED = "not_started", gettext_lazy("未开始")
    IN_PROGRESS = "in_progress", gettext_lazy("填写中")
    ON_TIME = "on_time", gettext_lazy("按时提交")
    LATE = "late", gettext_lazy("逾期提交")
    MISSING = "missing", gettext_lazy("未提交(已逾期)")
    NONE = "none", gettext_lazy("无自检表")
