"""Rectifications (整改, SPEC §14), their proof files, their step log, and the policy that sets their due dates.

Imported by ``audits.models`` so Django registers them in the ``audits`` app.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _
from simple_history.models import HistoricalRecords

from touchpoints.choices import Function
from touchpoints.models import Project

from .choices import RectificationAction, RectificationState, Responsibility
from .rules import DEFAULT_PLAN_DAYS, DEFAULT_RECTIFICATION_DAYS


class RectificationPolicy(models.Model):
    """How long a fix and a rectification plan may take, in force from a date (SPEC §14: default 15 and 7 days)."""

    effective_from = models.DateField(_("生效日期"), unique=True)
    rectification_days = models.PositiveSmallIntegerField(_("整改期限(天)"), default=DEFAULT_RECTIFICATION_DAYS)
    plan_days = models.PositiveSmallIntegerField(_("整改方案期限(天)"), default=DEFAULT_PLAN_DAYS)
    history = HistoricalRecords()

    class Meta:
        ordering = ["-effective_from"]
        verbose_name = _("整改期限")
        verbose_name_plural = _("整改期限")
        constraints = [
            models.CheckConstraint(condition=Q(rectification_days__gte=1, plan_days__gte=1), name="rectification_days_positive")
        ]

    def __str__(self) -> str:
        return f"{self.effective_from}: {self.rectification_days} / {self.plan_days}"


class RectificationQuerySet(models.QuerySet["Rectification"]):
    def live(self) -> RectificationQuerySet:
        """Every rectification but the withdrawn ones."""
        return self.exclude(state=RectificationState.WITHDRAWN)

    def unverified(self) -> RectificationQuerySet:
        return self.filter(state__in=[RectificationState.OPEN, RectificationState.SUBMITTED, RectificationState.RETURNED])


class Rectification(models.Model):
    """One fix owed for an item an inspection judged 未完成 (SPEC §14). Copies what it is about, so it outlives the item."""

    inspection = models.ForeignKey(
        "audits.Inspection", verbose_name=_("季度检查"), on_delete=models.PROTECT, related_name="rectifications"
    )
    item = models.ForeignKey(
        "audits.InspectionItem",
        verbose_name=_("检查项"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="rectifications",
    )
    project = models.ForeignKey(Project, verbose_name=_("项目"), on_delete=models.PROTECT, related_name="rectifications")
    function = models.CharField(_("职能"), max_length=30, choices=Function.choices)
    year = models.PositiveSmallIntegerField(_("年"))
    quarter = models.PositiveSmallIntegerField(_("季度"))
    code = models.CharField(_("触点编号"), max_length=30)
    name = models.CharField(_("触点名称"), max_length=200)
    finding = models.TextField(_("检查发现"), blank=True)
    false_claim = models.BooleanField(_("虚报"), default=False)
    responsible = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("责任人"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="rectifications",
    )
    responsibility = models.CharField(_("责任类型"), max_length=20, choices=Responsibility.choices)
    opened_at = models.DateTimeField(_("开启时间"))
    opened_on = models.DateField(_("开启日期"), db_index=True)
    due_date = models.DateField(_("截止日期"), db_index=True)
    state = models.CharField(_("状态"), max_length=20, choices=RectificationState.choices, default=RectificationState.OPEN)
    description = models.TextField(_("整改说明"), blank=True)
    submitted_at = models.DateTimeField(_("提交时间"), null=True, blank=True)
    submitted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("提交人"), on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    verified_at = models.DateTimeField(_("验证时间"), null=True, blank=True)
    verified_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("验证人"), on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    return_comment = models.TextField(_("退回意见"), blank=True)
    history = HistoricalRecords()

    objects = RectificationQuerySet.as_manager()

    class Meta:
        ordering = ["due_date", "project__code", "function", "code", "id"]
        verbose_name = _("整改")
        verbose_name_plural = _("整改")
        constraints = [
            # Nothing duplicated: one live rectification per item code of an inspection (withdrawn ones may repeat).
            models.UniqueConstraint(
                fields=["inspection", "code"],
                condition=~Q(state=RectificationState.WITHDRAWN),
                name="one_live_rectification_per_inspection_item",
            ),
            models.CheckConstraint(condition=Q(quarter__gte=1, quarter__lte=4), name="rectification_quarter_valid"),
        ]
        indexes = [models.Index(fields=["state", "due_date"]), models.Index(fields=["year", "quarter"])]

    def __str__(self) -> str:
        return f"{self.project.code} · {self.get_function_display()} · {self.code} {self.name}"


def proof_path(instance: RectificationProof, filename: str) -> str:
    r = instance.rectification
    return f"rectifications/{r.year}/Q{r.quarter}/{r.project.code}/{r.function}/{r.code}/{filename}"


class RectificationProof(models.Model):
    """A proof file (photo, document) of a fix. Private: served only through an access-checked view."""

    rectification = models.ForeignKey(Rectification, verbose_name=_("整改"), on_delete=models.CASCADE, related_name="files")
    file = models.FileField(_("文件"), upload_to=proof_path, max_length=400)
    original_name = models.CharField(_("文件名"), max_length=255)
    size = models.PositiveBigIntegerField(_("大小(字节)"))
    content_type = models.CharField(_("文件类型"), max_length=100)
    sha256 = models.CharField(_("SHA-256"), max_length=64)
    uploaded_at = models.DateTimeField(_("上传时间"), auto_now_add=True)
    uploaded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("上传人"), on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )

    class Meta:
        ordering = ["uploaded_at", "id"]
        verbose_name = _("整改证明")
        verbose_name_plural = _("整改证明")

    def __str__(self) -> str:
        return self.original_name


class RectificationEvent(models.Model):
    """One step of a rectification: who, when, what (the action, the states before and after, the text given)."""

    rectification = models.ForeignKey(Rectification, verbose_name=_("整改"), on_delete=models.CASCADE, related_name="events")
    action = models.CharField(_("操作"), max_length=20, choices=RectificationAction.choices)
    state_before = models.CharField(_("原状态"), max_length=20, choices=RectificationState.choices, blank=True)
    state_after = models.CharField(_("新状态"), max_length=20, choices=RectificationState.choices)
    text = models.TextField(_("内容"), blank=True)
    at = models.DateTimeField(_("时间"))
    by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("操作人"), on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )

    class Meta:
        ordering = ["at", "id"]
        verbose_name = _("整改记录")
        verbose_name_plural = _("整改记录")

    def __str__(self) -> str:
        return f"{self.rectification_id} {self.get_action_display()}"
