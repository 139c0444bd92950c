"""The reward and penalty ledger (R12, R13, R15) and its team splits (R14).

Entries are append-only: an amendment reverses and re-creates. Splits move through states by services only. SPEC §7:
the ORM refuses to change or delete an entry, and a filed split or its parts; the database refuses the same with
triggers (migration 0004_ledger_append_only), so raw SQL cannot either.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from typing import Any

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from simple_history.models import HistoricalRecords

from core.access import VIEW, Action, Scope
from core.dates import Quarter
from scoring.choices import Settlement, UnitKind
from scoring.models import FrozenModel, FrozenQuerySet, QuarterResult, ResultFrozen, UnitResult
from touchpoints.models import Person, Project

from .choices import SplitAction, SplitState


class LedgerFrozen(ResultFrozen):
    """Raised on any attempt to change or delete a ledger entry, or a filed split or its parts (SPEC §7)."""


def _refuse(what) -> None:
    raise LedgerFrozen(_("{what}不可修改或删除;更正请发布修订版本(冲销后重新记账)").format(what=what))


def quarter_span_q(start: dt.date, end: dt.date | None) -> Q:
    """Entries whose (year, quarter) lies in the quarters that [start, end] overlaps."""
    first = Quarter.of(start)
    q = Q(year__gt=first.year) | Q(year=first.year, quarter__gte=first.number)
    if end is not None:
        last = Quarter.of(end)
        q &= Q(year__lt=last.year) | Q(year=last.year, quarter__lte=last.number)
    return q


class LedgerEntryQuerySet(FrozenQuerySet):
    """Entries are only ever inserted (SPEC §7): bulk updates and deletes are refused like results'."""

    frozen_label = _("奖惩台账")

    def for_scope(self, scope: Scope, action: Action = VIEW, *, spans: Iterable[Any] = ()) -> models.QuerySet:
        """The entries the scope may read (R14): every entry for company-wide readers; for a director or head the
        units they lead today, and each unit they led (``spans``: unit_kind, unit_code, start, end) in the quarters
        they led it. What they may do with an entry's split is decided per step (rewards.rules)."""
        if action != VIEW:
            raise ValueError(f"unknown action {action!r}")
        if scope.sees_all:
            return self.all()
        q = Q(pk__in=[])
        if scope.directed_projects:
            q |= Q(
                unit_kind=UnitKind.PROJECT, unit_code__in=Project.objects.filter(pk__in=scope.directed_projects).values("code")
            )
        if scope.headed_functions:
            q |= Q(unit_kind=UnitKind.FUNCTION, unit_code__in=scope.headed_functions)
        for span in spans:
            q |= Q(unit_kind=span.unit_kind, unit_code=span.unit_code) & quarter_span_q(span.start, span.end)
        return self.filter(q)


class LedgerEntry(FrozenModel):
    """A reward (+) or penalty (−) of one unit in one published version, or the reversal of an earlier entry.

    Append-only (SPEC §7): inserted once by `rewards.ledger`, never updated or deleted.
    """

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

    objects = LedgerEntryQuerySet.as_manager()

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


class SplitQuerySet(models.QuerySet):
    """Bulk writes that would touch a filed split are refused (SPEC §7)."""

    def update(self, **kwargs):
        if self.filter(state=SplitState.FILED).exists():
            _refuse(_("已备案的奖惩分配"))
        return super().update(**kwargs)

    def delete(self):
        if self.filter(state=SplitState.FILED).exists():
            _refuse(_("已备案的奖惩分配"))
        return super().delete()

    delete.queryset_only = True  # type: ignore[attr-defined]


class Split(models.Model):
    """R14: how the unit's director or head splits one team entry among the people assigned in its quarter.

    Created in draft the first time parts are saved; moves draft → submitted → reviewed → filed through the services in
    `rewards.services`, and back to draft when operations or HR send it back. Every step is a `SplitEvent`; every change
    to the split or its parts is kept by simple-history (SPEC §7).
    """

    entry = models.OneToOneField(LedgerEntry, verbose_name=_("台账条目"), on_delete=models.PROTECT, related_name="split")
    state = models.CharField(_("状态"), max_length=20, choices=SplitState.choices, default=SplitState.DRAFT)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("分配人"), on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    created_at = models.DateTimeField(_("创建时间"), default=timezone.now)
    updated_at = models.DateTimeField(_("更新时间"), default=timezone.now)
    history = HistoricalRecords()

    objects = SplitQuerySet.as_manager()

    class Meta:
        ordering = ["entry"]
        verbose_name = _("奖惩分配")
        verbose_name_plural = _("奖惩分配")

    def __str__(self) -> str:
        return f"{self.entry} · {self.get_state_display()}"

    def save(self, *args, **kwargs):
        if self.is_filed:
            _refuse(_("已备案的奖惩分配"))
        super().save(*args, **kwargs)
        self._stored_state = self.state

    def delete(self, *args, **kwargs):
        if self.is_filed:
            _refuse(_("已备案的奖惩分配"))
        return super().delete(*args, **kwargs)

    @classmethod
    def from_db(cls, db, field_names, values):
        instance = super().from_db(db, field_names, values)
        instance._stored_state = instance.__dict__.get("state")
        return instance

    @property
    def is_filed(self) -> bool:
        """Filed as stored in the database (a split in memory moving to filed is not filed until saved)."""
        return getattr(self, "_stored_state", None) == SplitState.FILED


class SplitPartQuerySet(models.QuerySet):
    """Bulk writes that would touch a part of a filed split are refused (SPEC §7)."""

    def _refuse_filed(self) -> None:
        if self.filter(split__state=SplitState.FILED).exists():
            _refuse(_("已备案的分配明细"))

    def update(self, **kwargs):
        self._refuse_filed()
        return super().update(**kwargs)

    def bulk_update(self, objs, fields, batch_size=None):
        if self.model.objects.filter(pk__in=[o.pk for o in objs], split__state=SplitState.FILED).exists():
            _refuse(_("已备案的分配明细"))
        return super().bulk_update(objs, fields, batch_size=batch_size)

    def delete(self):
        self._refuse_filed()
        return super().delete()

    delete.queryset_only = True  # type: ignore[attr-defined]


class SplitPart(models.Model):
    """One person's share of a split, in whole yuan, with the entry's sign (negative for a penalty, R13/R14).

    `settlement` is 团队奖惩, or 服务费结算 for a person of the property function (SPEC §8, R15): the project's property
    manager works for the property company, which is paid through its service fee, never as pay to the person.
    """

    split = models.ForeignKey(Split, verbose_name=_("奖惩分配"), on_delete=models.CASCADE, related_name="parts")
    person = models.ForeignKey(Person, verbose_name=_("人员"), on_delete=models.PROTECT, related_name="split_parts")
    amount = models.IntegerField(_("分配金额"))
    settlement = models.CharField(_("结算方式"), max_length=20, choices=Settlement.choices, default=Settlement.TEAM)
    history = HistoricalRecords()

    objects = SplitPartQuerySet.as_manager()

    class Meta:
        ordering = ["split", "person__employee_id"]
        verbose_name = _("分配明细")
        verbose_name_plural = _("分配明细")
        constraints = [
            models.UniqueConstraint(fields=["split", "person"], name="one_part_per_person_per_split"),
            models.CheckConstraint(condition=~Q(amount=0), name="split_part_not_zero"),
        ]

    def __str__(self) -> str:
        return f"{self.person} {self.amount:+d}"

    def save(self, *args, **kwargs):
        if self._split_filed():
            _refuse(_("已备案的分配明细"))
        super().save(*args, **kwargs)

    def delete(self, *args, **kwargs):
        if self._split_filed():
            _refuse(_("已备案的分配明细"))
        return super().delete(*args, **kwargs)

    def _split_filed(self) -> bool:
        # The split in memory (set by `split.parts` or `create(split=…)`) tells its stored state without a query.
        split = self.split if self.split_id is not None else None
        return split is not None and split.is_filed


class SplitEvent(models.Model):
    """One step of a split (R14): who did what, when, from which state to which, with their comment and the parts then."""

    split = models.ForeignKey(Split, verbose_name=_("奖惩分配"), on_delete=models.CASCADE, related_name="events")
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("操作人"), on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    action = models.CharField(_("操作"), max_length=20, choices=SplitAction.choices)
    from_state = models.CharField(_("原状态"), max_length=20, choices=SplitState.choices, blank=True)
    to_state = models.CharField(_("新状态"), max_length=20, choices=SplitState.choices)
    comment = models.TextField(_("意见"), blank=True)
    parts = models.JSONField(_("分配快照"), default=list, blank=True, help_text=_("[[工号, 姓名, 金额], …]"))
    at = models.DateTimeField(_("时间"), default=timezone.now)

    class Meta:
        ordering = ["split", "at", "id"]
        verbose_name = _("分配记录")
        verbose_name_plural = _("分配记录")

    def __str__(self) -> str:
        return f"{self.split} · {self.get_action_display()}"
