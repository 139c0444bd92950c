"""Grade bands, policy, and published quarter results (SPEC §5, §7).

A `QuarterResult` is one published version of a quarter: an immutable snapshot (canonical JSON and its HMAC-SHA256 digest)
with one `UnitResult` row per unit for pages and exports. Amendments add a new version; nothing is ever edited.
"""

from __future__ import annotations

from decimal import Decimal
from fractions import Fraction

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _
from simple_history.models import HistoricalRecords

from core.dates import Quarter

from .choices import Settlement, UnitKind
from .engine import percent_display


class ResultFrozen(Exception):
    """Raised on any attempt to change or delete a published result: a correction is an amendment (SPEC §7)."""


def _refuse(what: str) -> None:
    raise ResultFrozen(_("已发布的{what}不可修改或删除;如需更正,请发布修订版本").format(what=what))


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


class FrozenQuerySet(models.QuerySet):
    """Bulk writes are refused: published rows are only ever inserted (SPEC §7)."""

    frozen_label = _("考核结果")

    def update(self, **kwargs):
        _refuse(self.frozen_label)

    def bulk_update(self, objs, fields, batch_size=None):
        _refuse(self.frozen_label)

    def update_or_create(self, defaults=None, create_defaults=None, **kwargs):
        _refuse(self.frozen_label)

    def delete(self):
        _refuse(self.frozen_label)

    delete.queryset_only = True  # type: ignore[attr-defined]  # as Django's: no Model.objects.delete()


class QuarterResultQuerySet(FrozenQuerySet):
    def latest_versions(self) -> QuarterResultQuerySet:
        """The current version of every published quarter (one not superseded by an amendment)."""
        return self.filter(superseded_by__isnull=True)


class FrozenModel(models.Model):
    """A row that may be inserted once and never changed or deleted through the ORM (SPEC §7).

    The database refuses the same with triggers (migration 0004), so raw SQL cannot change it either on PostgreSQL.
    """

    class Meta:
        abstract = True

    def save(self, *args, **kwargs):
        if not self._state.adding:
            _refuse(self._meta.verbose_name)
        kwargs["force_insert"] = True
        super().save(*args, **kwargs)

    def delete(self, *args, **kwargs):
        _refuse(self._meta.verbose_name)


class QuarterResult(FrozenModel):
    """One published version of a quarter's results. Immutable once written (R9, SPEC §7).

    `snapshot` is the whole result as canonical JSON data (see `scoring.snapshot`); `digest` is the HMAC-SHA256 of its
    canonical serialisation under the key `digest_key` names (see `scoring.signing`), which `verify_results` recomputes.
    A version published before keys has an empty `digest_key` and a plain SHA-256 until `resign_results` re-signs it. Version 1 is the publication; each amendment is the next
    version, with a reason, pointing at the version it `supersedes`.
    """

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
    digest = models.CharField(_("HMAC-SHA256 摘要"), max_length=64)
    digest_key = models.CharField(_("签名密钥编号"), max_length=32, blank=True, default="")
    supersedes = models.OneToOneField(
        "self", verbose_name=_("替代版本"), on_delete=models.PROTECT, null=True, blank=True, related_name="superseded_by"
    )

    objects = QuarterResultQuerySet.as_manager()

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

    @property
    def period(self) -> Quarter:
        return Quarter(self.year, self.quarter)

    @property
    def is_amendment(self) -> bool:
        return self.supersedes_id is not None


class UnitResultQuerySet(FrozenQuerySet):
    frozen_label = _("单元结果")


class UnitResult(FrozenModel):
    """A unit's frozen result in one published version: exact score as numerator/denominator, grade, rank, money.

    The same facts as the unit's entry in the version's snapshot (checked by `verify_results`), as rows for pages,
    exports and the ledger. `low` is "graded B- or below" by the bands the version used (R11).
    """

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

    objects = UnitResultQuerySet.as_manager()

    class Meta:
        ordering = ["result", "kind", "rank", "code"]
        verbose_name = _("单元结果")
        verbose_name_plural = _("单元结果")
        constraints = [models.UniqueConstraint(fields=["result", "kind", "code"], name="one_row_per_unit_per_result")]

    def __str__(self) -> str:
        return f"{self.result} {self.name}"

    @property
    def score(self) -> Fraction | None:
        """The exact score done / applicable, or None when not assessed (R6)."""
        return Fraction(self.done, self.applicable) if self.applicable else None

    @property
    def percent_display(self) -> Decimal | None:
        """Percent rounded half-up to two decimals, e.g. 92.86 (SPEC §5)."""
        return None if self.score is None else percent_display(self.score)


HEAT_WINDOW = 8  # SPEC §16: the heat map covers the last eight published quarters


class HeatCountQuerySet(FrozenQuerySet):
    frozen_label = _("问题分布计数")


class HeatCount(FrozenModel):
    """How often one touchpoint was judged, and judged not done (未完成), in one cell: the figures behind the heat map
    (SPEC §16). A row without a project is the total over every project for that function, touchpoint and stage, so
    company-wide readers and function heads read 200 totals, not 12,000 cells. A row is one of two kinds:

    * a version's count (`result` set): the cell in that published version;
    * a window's sum (`window` set, no `result`): the cell summed over the heat map's window as it stood when the
      version `window` was published: the current version of each of the last `HEAT_WINDOW` published quarters, the
      version ids in `members`. The page reads these (1,200 rows for a page across 60 projects) instead of summing
      eight versions' counts (9,600); it uses them only while its window is exactly `members`, and sums the versions'
      counts otherwise.

    Both kinds are written once, in the publication's own transaction and in one statement
    (`scoring.services.heat_counts_write`), and never changed (SPEC §7): the database refuses UPDATE and DELETE as it
    does on the other published rows. Only items with a done or not-done verdict count; not applicable ones do not.

    The three references (version, window, project) have no foreign-key constraint in PostgreSQL (migration 0009).
    They are figures derived from the frozen snapshot, not the record itself, and a publication writes some 23,000 of
    them: PostgreSQL checked each reference of each row at the COMMIT, 0.4–0.5 s of a one-second publication. What
    the checks guarded cannot happen: the ids are those of the version being published, of projects read in the same
    transaction, and neither side can go away (a published version refuses DELETE in the database; a project with
    results is protected by its other records and never deleted, only deactivated). `verify_results` checks that every
    count names an existing version and project, and tests/insight/test_heat_counts.py that a publication's do.
    """

    result = models.ForeignKey(
        QuarterResult,
        verbose_name=_("季度结果"),
        on_delete=models.PROTECT,
        related_name="heat_counts",
        db_index=False,
        db_constraint=False,  # see the class's docstring: no per-row foreign-key check
        null=True,
        blank=True,
    )
    window = models.ForeignKey(
        QuarterResult,
        verbose_name=_("问题分布窗口"),
        on_delete=models.PROTECT,
        related_name="heat_window_counts",
        db_index=False,
        db_constraint=False,
        null=True,
        blank=True,
    )
    members = models.CharField(_("窗口内的版本"), max_length=200, null=True, blank=True)
    # No index of its own (migration 0008): every reader reads a version's or a window's rows, by the indexes below;
    # one on the project alone was never read and was a quarter of the index entries publication writes.
    project = models.ForeignKey(
        "touchpoints.Project",
        verbose_name=_("项目"),
        on_delete=models.PROTECT,
        related_name="+",
        null=True,
        blank=True,
        db_index=False,
        db_constraint=False,
    )
    function = models.CharField(_("职能"), max_length=30)
    code = models.CharField(_("编号"), max_length=30)
    name = models.CharField(_("触点名称"), max_length=200)
    stage = models.CharField(_("阶段"), max_length=50, blank=True)
    not_done = models.PositiveIntegerField(_("未完成项"))
    judged = models.PositiveIntegerField(_("已判定项"))

    objects = HeatCountQuerySet.as_manager()

    class Meta:
        verbose_name = _("问题分布计数")
        verbose_name_plural = _("问题分布计数")
        constraints = [
            # A version's cells (a director's or a lead's quarter map reads them by result and project).
            models.UniqueConstraint(
                fields=["result", "project", "function", "code"],
                condition=models.Q(result__isnull=False),
                name="one_heat_count_per_cell_code",
            ),
            # The totals (company-wide readers and function heads order the touchpoints and fill the quarter map).
            models.UniqueConstraint(
                fields=["result", "code", "function", "stage"],
                condition=models.Q(project__isnull=True),
                name="one_heat_total_per_code_stage",
            ),
            # A row is a version's count or a window's sum, never both.
            models.CheckConstraint(
                condition=models.Q(result__isnull=False, window__isnull=True, members__isnull=True)
                | models.Q(result__isnull=True, window__isnull=False, members__isnull=False),
                name="heat_count_version_or_window",
            ),
            # A window's cells: a page of touchpoints across every project, filtered by stage or not, read from the
            # index alone on PostgreSQL.
            models.UniqueConstraint(
                fields=["window", "code", "project", "function", "stage"],
                include=["not_done", "judged"],
                condition=models.Q(window__isnull=False, project__isnull=False),
                name="one_heat_window_cell_per_code",
            ),
            # A window's totals: company-wide readers and function heads order the touchpoints by them.
            models.UniqueConstraint(
                fields=["window", "code", "function", "stage"],
                include=["not_done", "judged"],
                condition=models.Q(window__isnull=False, project__isnull=True),
                name="one_heat_window_total_per_code",
            ),
        ]
        indexes = [
            # A version's cells of a page of touchpoints across every project, when its window is not stored.
            models.Index(
                fields=["code", "project", "result"],
                include=["function", "stage", "not_done", "judged"],
                condition=models.Q(project__isnull=False, result__isnull=False),
                name="heat_count_page_cells",
            ),
            # A window's cells of the projects a director, a lead or a mixed reader reads.
            models.Index(
                fields=["window", "project", "function"],
                include=["code", "stage", "not_done", "judged"],
                condition=models.Q(window__isnull=False, project__isnull=False),
                name="heat_window_scoped_cells",
            ),
        ]

    def __str__(self) -> str:
        of = self.result if self.window_id is None else f"{self.window} [{self.members}]"
        return f"{of} {self.code} {self.not_done}/{self.judged}"


class PlanState(models.TextChoices):
    """A rectification plan (整改方案) of a fined unit (SPEC §14): owed, filed, acknowledged by operations."""

    PENDING = "pending", _("待提交")
    SUBMITTED = "submitted", _("已提交")
    ACKNOWLEDGED = "acknowledged", _("已确认")


def plan_file_path(instance: RectificationPlan, filename: str) -> str:
    return f"plans/{instance.year}/Q{instance.quarter}/{instance.unit_kind}-{instance.unit_code}/{filename}"


class RectificationPlan(models.Model):
    """SPEC §14: after publication every unit fined under R13 files a plan (text, optional file) within the policy's
    days — the project director for a project, the function head for a function; operations acknowledge it.
    One per unit and quarter, whatever the number of amendments. Changes no score."""

    year = models.PositiveSmallIntegerField(_("年"))
    quarter = models.PositiveSmallIntegerField(_("季度"))
    unit_kind = models.CharField(_("单元类型"), max_length=20, choices=UnitKind.choices)
    unit_code = models.CharField(_("编号"), max_length=30)
    unit_name = models.CharField(_("考核单元"), max_length=100)
    amount = models.IntegerField(_("奖惩金额"))
    owner = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("负责人"), on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    opened_on = models.DateField(_("开启日期"))
    due_date = models.DateField(_("截止日期"))
    state = models.CharField(_("状态"), max_length=20, choices=PlanState.choices, default=PlanState.PENDING)
    text = models.TextField(_("整改方案"), blank=True)
    file = models.FileField(_("附件"), upload_to=plan_file_path, max_length=400, blank=True)
    file_name = models.CharField(_("附件名"), max_length=255, blank=True)
    file_type = models.CharField(_("附件类型"), max_length=100, blank=True)
    submitted_at = models.DateTimeField(_("提交时间"), null=True, blank=True)
    submitted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("提交人"), on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    acknowledged_at = models.DateTimeField(_("确认时间"), null=True, blank=True)
    acknowledged_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("确认人"), on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    history = HistoricalRecords()

    class Meta:
        ordering = ["-year", "-quarter", "unit_kind", "unit_code"]
        verbose_name = _("整改方案")
        verbose_name_plural = _("整改方案")
        constraints = [
            models.UniqueConstraint(fields=["year", "quarter", "unit_kind", "unit_code"], name="one_plan_per_unit_quarter")
        ]

    def __str__(self) -> str:
        return f"{self.year}Q{self.quarter} {self.unit_name}"

    @property
    def period(self) -> Quarter:
        return Quarter(self.year, self.quarter)
