"""The reward and penalty ledger (R12, R13, R15). Entries are append-only: an amendment reverses and re-creates."""

from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _

from scoring.choices import Settlement, UnitKind
from scoring.models import QuarterResult, UnitResult


class LedgerEntry(models.Model):
    """A reward (+) or penalty (−) of one unit in one published version, or the reversal of an earlier entry."""

    result = models.ForeignKey(QuarterResult, verbose_name=_("季度结果"), on_delete=models.PROTECT, related_name="ledger_entries")
    unit_result = models.ForeignKey(
        UnitResult, verbose_name=_("单元结果"), on_delete=models.PROTECT, related_name="ledger_entries"
    )
    year = models.PositiveSmallIntegerField(_("年"))
    quarter = models.PositiveSmallIntegerField(_("季度"))
    unit_kind = models.CharField(_("单元类型"), max_length=20, choices=UnitKind.choices)
    unit_code = models.CharField(_("单元编号"), max_length=30)
    unit_name = models.CharField(_("考核单元"), max_length=100)
    amount = models.IntegerField(_("金额"))
    settlement = models.CharField(_("结算方式"), max_length=20, choices=Settlement.choices)
    reverses = models.OneToOneField(
        "self", verbose_name=_("冲销"), on_delete=models.PROTECT, null=True, blank=True, related_name="reversed_by"
    )
    created_at = models.DateTimeField(_("记账时间"), auto_now_add=True)

    class Meta:
        ordering = ["year", "quarter", "unit_kind", "unit_code", "id"]
        verbose_name = _("奖惩台账")
        verbose_name_plural = _("奖惩台账")

    def __str__(self) -> str:
        return f"{self.year}Q{self.quarter} {self.unit_name} {self.amount:+d}"

    @property
    def is_reversal(self) -> bool:
        return self.reverses_id is not None

    @property
    def is_active(self) -> bool:
        """An original entry not reversed by a later amendment."""
        return self.reverses_id is None and not hasattr(self, "reversed_by")
