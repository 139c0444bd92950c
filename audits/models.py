"""Monthly self-checks and quarterly inspections (SPEC §3).

Items are snapshots: code, name, level and weight are copied from the catalogue when the checklist or inspection is
created, so later catalogue edits never change past checklists or scores. Every change keeps its history (SPEC §7).
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _
from simple_history.models import HistoricalRecords

from core import dates
from core.access import EDIT, OPERATE, VIEW, Action, Scope
from touchpoints.choices import Frequency, Function
from touchpoints.models import Project, Touchpoint

from .choices import InspectionSource, InspectionState, ItemStatus, SelfCheckState


class ChangeStamped(models.Model):
    """When an item last changed and who changed it; its history keeps every change (SPEC §7)."""

    updated_at = models.DateTimeField(_("更新时间"), auto_now=True)
    updated_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("更新人"), on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )

    class Meta:
        abstract = True


class ItemSnapshot(models.Model):
    """The catalogue fields an item copies from its touchpoint when it is created."""

    touchpoint = models.ForeignKey(
        Touchpoint, verbose_name=_("触点"), on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    code = models.CharField(_("编号"), max_length=30)
    name = models.CharField(_("触点名称"), max_length=200)
    stage_name = models.CharField(_("阶段"), max_length=50, blank=True)
    stage_order = models.PositiveSmallIntegerField(_("阶段顺序"), default=0)
    level_name = models.CharField(_("级别"), max_length=20)
    weight = models.PositiveSmallIntegerField(_("权重"))
    standard_action = models.TextField(_("标准动作"), blank=True)
    check_method = models.TextField(_("检查方式"), blank=True)
    deliverable = models.CharField(_("交付件"), max_length=300, blank=True)
    frequency = models.CharField(_("频次"), max_length=20, choices=Frequency.choices, default=Frequency.MONTHLY)

    class Meta:
        abstract = True

    @property
    def is_event_driven(self) -> bool:
        """SPEC §3: a 按事件 item offers the answer 本月未发生."""
        return self.frequency == Frequency.EVENT

    @property
    def requires_deliverable(self) -> bool:
        """An item whose touchpoint expects a deliverable cannot be marked done without a file."""
        return bool(self.deliverable.strip())

    def copy_from(self, touchpoint: Touchpoint) -> None:
        self.touchpoint = touchpoint
        self.code = touchpoint.code
        self.name = touchpoint.name
        self.stage_name = touchpoint.stage.name
        self.stage_order = touchpoint.stage.order
        self.level_name = touchpoint.level.name
        self.weight = touchpoint.level.weight
        self.standard_action = touchpoint.standard_action
        self.check_method = touchpoint.check_method
        self.deliverable = touchpoint.deliverable
        self.frequency = touchpoint.frequency


class CellQuerySet(models.QuerySet):
    """Records of a cell (project × function), narrowed to what a scope may do with them (core.access)."""

    cell = ""  # the lookup path to the record that carries project and function ("" for the record itself)
    # How each action maps to the scope's filters; a model overrides what differs (inspections are operations' to edit).
    actions: dict[str, Action] = {VIEW: VIEW, EDIT: EDIT, OPERATE: OPERATE}

    def for_scope(self, scope: Scope, action: Action = VIEW) -> models.QuerySet:
        if action not in self.actions:
            raise ValueError(f"unknown action {action!r}")
        return self.filter(scope.cell_action_q(self.actions[action], f"{self.cell}project", f"{self.cell}function"))


class SelfCheckQuerySet(CellQuerySet):
    """View: whoever reads the cell. Edit: the cell's lead (R8). Operate (reopen): operations."""


class SelfCheckItemQuerySet(CellQuerySet):
    cell = "selfcheck__"


class DeliverableQuerySet(CellQuerySet):
    cell = "item__selfcheck__"


class InspectionQuerySet(CellQuerySet):
    """View: whoever reads the cell. Edit: operations only (R5b)."""

    actions = {VIEW: VIEW, EDIT: OPERATE, OPERATE: OPERATE}


class InspectionItemQuerySet(InspectionQuerySet):
    """Edit (record a verdict): operations on every cell, an R5b inspection-team member on their function's cells.
    Finalising, reopening and importing stay with operations (`InspectionQuerySet`)."""

    cell = "inspection__"

    def for_scope(self, scope: Scope, action: Action = VIEW) -> models.QuerySet:
        if action == EDIT:
            return self.filter(scope.judge_q(f"{self.cell}function"))
        return super().for_scope(scope, action)


class SelfCheck(models.Model):
    """A monthly self-check (月度自检) of one cell — project × function — due on the 30th (R8)."""

    project = models.ForeignKey(Project, verbose_name=_("项目"), on_delete=models.PROTECT, related_name="selfchecks")
    function = models.CharField(_("职能"), max_length=30, choices=Function.choices)
    year = models.PositiveSmallIntegerField(_("年"))
    month = models.PositiveSmallIntegerField(_("月"))
    state = models.CharField(_("状态"), max_length=20, choices=SelfCheckState.choices, default=SelfCheckState.OPEN)
    created_at = models.DateTimeField(_("生成时间"), auto_now_add=True)
    submitted_at = models.DateTimeField(_("提交时间"), null=True, blank=True)
    submitted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("提交人"), on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    is_late = models.BooleanField(_("逾期提交"), default=False)
    reopen_reason = models.TextField(_("退回原因"), blank=True)
    # R5a: the project director's confirmation (签认) of the submitted month; cleared when it is sent back.
    confirmed_at = models.DateTimeField(_("签认时间"), null=True, blank=True)
    confirmed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("签认人"), on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    # What the checklist was generated with, stored once so that no page counts items again: items are
    # only ever created with their checklist (audits.item_summary keeps the three in step).
    item_count = models.PositiveIntegerField(_("自检项数"), default=0)
    item_weight = models.PositiveIntegerField(_("权重合计"), default=0)
    item_codes = models.TextField(_("自检项编号"), blank=True, help_text=_("按编号排序,以空格分隔"))
    history = HistoricalRecords()
    objects = SelfCheckQuerySet.as_manager()

    class Meta:
        ordering = ["-year", "-month", "project__code", "function"]
        verbose_name = _("月度自检")
        verbose_name_plural = _("月度自检")
        constraints = [
            models.UniqueConstraint(fields=["project", "function", "year", "month"], name="one_selfcheck_per_cell_month"),
            models.CheckConstraint(condition=models.Q(month__gte=1, month__lte=12), name="selfcheck_month_valid"),
        ]
        indexes = [models.Index(fields=["year", "month"])]

    def __str__(self) -> str:
        return f"{self.project.name} · {self.get_function_display()} · {dates.month_label(self.year, self.month)}"


class SelfCheckItem(ItemSnapshot, ChangeStamped):
    """One touchpoint of a self-check: done / not done / not applicable (with a reason), a note, deliverable files."""

    selfcheck = models.ForeignKey(SelfCheck, verbose_name=_("月度自检"), on_delete=models.CASCADE, related_name="items")
    status = models.CharField(_("完成情况"), max_length=20, choices=ItemStatus.choices, blank=True)
    na_reason = models.TextField(_("不适用原因"), blank=True)
    note = models.TextField(_("备注"), blank=True)
    # SPEC §16: copied from last month's answer (沿用上月) and not touched since; any change by the lead clears it.
    copied_from_last_month = models.BooleanField(_("沿用上月"), default=False)
    history = HistoricalRecords()
    objects = SelfCheckItemQuerySet.as_manager()

    class Meta:
        ordering = ["stage_order", "code"]
        verbose_name = _("自检项")
        verbose_name_plural = _("自检项")
        constraints = [models.UniqueConstraint(fields=["selfcheck", "code"], name="one_item_per_code_per_selfcheck")]

    def __str__(self) -> str:
        return f"{self.code} {self.name}"


def deliverable_path(instance: Deliverable, filename: str) -> str:
    check = instance.item.selfcheck
    return f"deliverables/{check.year}/{check.month:02d}/{check.project.code}/{check.function}/{instance.item.code}/{filename}"


class Deliverable(models.Model):
    """A deliverable file (交付件) attached to a self-check item. Private: served only through an access-checked view."""

    item = models.ForeignKey(SelfCheckItem, verbose_name=_("自检项"), on_delete=models.CASCADE, related_name="files")
    file = models.FileField(_("文件"), upload_to=deliverable_path, max_length=400)
    original_name = models.CharField(_("文件名"), max_length=255)
    size = models.PositiveBigIntegerField(_("大小(字节)"))
    content_type = models.CharField(_("文件类型"), max_length=100)
    sha256 = models.CharField(_("SHA-256"), max_length=64)
    uploaded_at = models.DateTimeField(_("上传时间"), auto_now_add=True)
    uploaded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("上传人"), on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    history = HistoricalRecords()
    objects = DeliverableQuerySet.as_manager()

    class Meta:
        ordering = ["uploaded_at", "id"]
        verbose_name = _("交付件")
        verbose_name_plural = _("交付件")

    def __str__(self) -> str:
        return self.original_name


class Inspection(models.Model):
    """A quarterly company inspection (城市公司检查, R5b) of one cell, by operations."""

    project = models.ForeignKey(Project, verbose_name=_("项目"), on_delete=models.PROTECT, related_name="inspections")
    function = models.CharField(_("职能"), max_length=30, choices=Function.choices)
    year = models.PositiveSmallIntegerField(_("年"))
    quarter = models.PositiveSmallIntegerField(_("季度"))
    state = models.CharField(_("状态"), max_length=20, choices=InspectionState.choices, default=InspectionState.IN_PROGRESS)
    source = models.CharField(_("来源"), max_length=20, choices=InspectionSource.choices, default=InspectionSource.WEB)
    created_at = models.DateTimeField(_("创建时间"), auto_now_add=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("检查人"), on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    finalised_at = models.DateTimeField(_("定稿时间"), null=True, blank=True)
    finalised_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("定稿人"), on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    reopen_reason = models.TextField(_("重新打开原因"), blank=True)
    # What the quarter board and the bulletin show of the inspection, stored by every service that writes its items, in the same
    # transaction (audits.item_summary.inspection_store_tally), instead of counting 12,000 items on every board view.
    item_count = models.PositiveIntegerField(_("检查项数"), default=0, editable=False)
    answered_count = models.PositiveIntegerField(_("已检查项数"), default=0, editable=False)
    discrepancy_count = models.PositiveIntegerField(_("虚报项数"), default=0, editable=False)
    not_done_count = models.PositiveIntegerField(_("未完成项数"), default=0, editable=False)  # the bulletin's findings
    # R5b: everyone who took part (opened, judged or finalised), in the order they joined.
    participants = models.ManyToManyField(
        settings.AUTH_USER_MODEL, verbose_name=_("检查组"), blank=True, related_name="+", through="InspectionParticipant"
    )
    history = HistoricalRecords()
    objects = InspectionQuerySet.as_manager()

    class Meta:
        ordering = ["-year", "-quarter", "project__code", "function"]
        verbose_name = _("季度检查")
        verbose_name_plural = _("季度检查")
        constraints = [
            models.UniqueConstraint(fields=["project", "function", "year", "quarter"], name="one_inspection_per_cell_quarter"),
            models.CheckConstraint(condition=models.Q(quarter__gte=1, quarter__lte=4), name="inspection_quarter_valid"),
        ]
        indexes = [models.Index(fields=["year", "quarter", "state"])]

    def __str__(self) -> str:
        return f"{self.project.name} · {self.get_function_display()} · {self.year}Q{self.quarter}"


class InspectionItem(ItemSnapshot, ChangeStamped):
    """One item of an inspection: what the lead claimed, and the inspector's verdict and finding (说明)."""

    inspection = models.ForeignKey(Inspection, verbose_name=_("季度检查"), on_delete=models.CASCADE, related_name="items")
    claimed_status = models.CharField(_("自检结果"), max_length=20, choices=ItemStatus.choices, blank=True)
    claimed_note = models.TextField(_("自检备注"), blank=True)
    verdict = models.CharField(_("检查结果"), max_length=20, choices=ItemStatus.choices, blank=True)
    finding = models.TextField(_("说明"), blank=True)
    # R5b: who gave the verdict (operations or the function's inspection-team member).
    judged_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("检查人"), on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    history = HistoricalRecords()
    objects = InspectionItemQuerySet.as_manager()

    class Meta:
        ordering = ["stage_order", "code"]
        verbose_name = _("检查项")
        verbose_name_plural = _("检查项")
        constraints = [models.UniqueConstraint(fields=["inspection", "code"], name="one_item_per_code_per_inspection")]

    def __str__(self) -> str:
        return f"{self.code} {self.name}"

    @property
    def is_discrepancy(self) -> bool:
        """虚报: claimed done in the self-check, found not done by the inspector."""
        return self.claimed_status == ItemStatus.DONE and self.verdict == ItemStatus.NOT_DONE


class InspectionParticipant(models.Model):
    """A person who took part in an inspection (R5b: each inspection records who took part), and in what part."""

    inspection = models.ForeignKey(Inspection, verbose_name=_("季度检查"), on_delete=models.CASCADE)
    user = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name=_("参与人"), on_delete=models.CASCADE, related_name="+")
    joined_at = models.DateTimeField(_("参与时间"), auto_now_add=True)

    class Meta:
        ordering = ["joined_at", "id"]
        verbose_name = _("检查参与人")
        verbose_name_plural = _("检查参与人")
        constraints = [models.UniqueConstraint(fields=["inspection", "user"], name="one_participation_per_user")]

    def __str__(self) -> str:
        return f"{self.inspection} · {self.user}"


# Rectifications (SPEC §14) live in their own sub-package; imported here so Django registers them in this app.
from .rectifications.models import (  # noqa: E402
    Rectification,
    RectificationEvent,
    RectificationPolicy,
    RectificationProof,
)

__all__ = [
    "ChangeStamped",
    "Deliverable",
    "Inspection",
    "InspectionItem",
    "InspectionParticipant",
    "ItemSnapshot",
    "Rectification",
    "RectificationEvent",
    "RectificationPolicy",
    "RectificationProof",
    "SelfCheck",
    "SelfCheckItem",
]
