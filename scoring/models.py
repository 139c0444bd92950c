"""Grade bands, policy, and published quarter results (SPEC §5, §7).

A `QuarterResult` is one published version of a quarter: an immutable snapshot (canonical JSON and its SHA-256 digest)
with one `UnitResult` row per unit for pages and exports. Amendments add a new version; nothing is ever edited.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _
from simple_history.models import HistoricalRecords

from .choices import Settlement, UnitKind


class GradeBand(models.Model):
    """A grade (等级) and the lowest score that earns it; ordered best first. Default A/B+/B/B-/C (SPEC §5)."""

    label = models.CharField(_("等级"), max_length=10, unique=True)
    min_percent = models.DecimalField(_("最低得分(%)"), max_digits=5, decimal_places=2)
    order = models.PositiveSmallIntegerField(_("顺序"), help_text=_("1 为最高等级"))
    history = HistoricalRecords()

    class Meta:
        ordering = ["order"]
        verbose_name = _("等级档")
        verbose_name_plural = _("等级档")

    def __str__(self) -> str:
        return f"{self.label} ≥ {self.min_percent}"


class Policy(models.Model):
    """Reward/penalty amount and thresholds, in force from a date; a quarter uses the one in force on its last day."""

    effective_from = models.DateField(_("生效日期"), unique=True)
    amount = models.PositiveIntegerField(_("奖惩金额(元)"), default=3000)
    reward_above_percent = models.DecimalField(_("奖励线(得分高于,%)"), max_digits=5, decimal_places=2, default=90)
    penalty_below_percent = models.DecimalField(_("处罚线(得分低于,%)"), max_digits=5, decimal_places=2, default=60)
    history = HistoricalRecords()

    class Meta:
        ordering = ["-effective_from"]
        verbose_name = _("奖惩政策")
        verbose_name_plural = _("奖惩政策")

    def __str__(self) -> str:
        return f"{self.effective_from}: ¥{self.amount} (>{self.reward_above_percent}% / <{self.penalty_below_percent}%)"


class QuarterResult(models.Model):
    """One published version of a quarter's results. Immutable once written (R9, SPEC §7)."""

    year = models.PositiveSmallIntegerField(_("年"))
    quarter = models.PositiveSmallIntegerField(_("季度"))
    version = models.PositiveSmallIntegerField(_("版本"), default=1)
    published_at = models.DateTimeField(_("发布时间"))
    published_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("发布人"), on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    reason = models.TextField(_("修订原因"), blank=True)
    confirmed_missing = models.JSONField(_("确认未检查的单元格"), default=list, blank=True)
    snapshot = models.JSONField(_("结果快照"))
    digest = models.CharField(_("SHA-256 摘要"), max_length=64)
    supersedes = models.OneToOneField(
        "self", verbose_name=_("替代版本"), on_delete=models.PROTECT, null=True, blank=True, related_name="superseded_by"
    )

    class Meta:
        ordering = ["-year", "-quarter", "-version"]
        verbose_name = _("季度结果")
        verbose_name_plural = _("季度结果")
        constraints = [models.UniqueConstraint(fields=["year", "quarter", "version"], name="one_result_per_quarter_version")]

    def __str__(self) -> str:
        return f"{self.year}Q{self.quarter} v{self.version}"

    @property
    def quarter_code(self) -> str:
        return f"{self.year}Q{self.quarter}"


class UnitResult(models.Model):
    """A unit's frozen result in one published version: exact score as numerator/denominator, grade, rank, money."""

    result = models.ForeignKey(QuarterResult, verbose_name=_("季度结果"), on_delete=models.PROTECT, related_name="units")
    kind = models.CharField(_("单元类型"), max_length=20, choices=UnitKind.choices)
    code = models.CharField(_("编号"), max_length=30)
    name = models.CharField(_("名称"), max_length=100)
    done = models.PositiveIntegerField(_("完成权重"))
    applicable = models.PositiveIntegerField(_("适用权重"))
    assessed = models.BooleanField(_("列入考核"))
    rank = models.PositiveIntegerField(_("排名"), null=True, blank=True)
    grade = models.CharField(_("等级"), max_length=10, blank=True)
    low = models.BooleanField(_("B-及以下"), default=False)
    amount = models.IntegerField(_("奖惩金额"), default=0)
    settlement = models.CharField(_("结算方式"), max_length=20, choices=Settlement.choices, blank=True)

    class Meta:
        ordering = ["result", "kind", "rank", "code"]
        verbose_name = _("单元结果")
        verbose_name_plural = _("单元结果")
        constraints = [models.UniqueConstraint(fields=["result", "kind", "code"], name="one_row_per_unit_per_result")]

    def __str__(self) -> str:
        return f"{self.result} {self.name}"
