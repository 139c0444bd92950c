"""The touchpoint catalogue and the organisation (SPEC §3).

Every model here keeps its history (who, when, before and after) through django-simple-history (SPEC §7).
"""

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _
from simple_history.models import HistoricalRecords

from .choices import Frequency, Function, Role


class Stage(models.Model):
    """A stage of a project's life (阶段), e.g. 开盘销售. The list is editable."""

    name = models.CharField(_("阶段"), max_length=50, unique=True)
    order = models.PositiveSmallIntegerField(_("顺序"), default=0)
    history = HistoricalRecords()

    class Meta:
        ordering = ["order", "id"]
        verbose_name = _("阶段")
        verbose_name_plural = _("阶段")

    def __str__(self) -> str:
        return self.name


class Level(models.Model):
    """A touchpoint level (触点级别) and its scoring weight; default 一级 3, 二级 2, 三级 1 (SPEC §3)."""

    name = models.CharField(_("级别"), max_length=20, unique=True)
    rank = models.PositiveSmallIntegerField(_("排序"), default=1, help_text=_("1 为最高级别"))
    weight = models.PositiveSmallIntegerField(_("权重"), help_text=_("修改只影响之后生成的检查表"))
    history = HistoricalRecords()

    class Meta:
        ordering = ["rank", "id"]
        verbose_name = _("触点级别")
        verbose_name_plural = _("触点级别")
        constraints = [models.CheckConstraint(condition=Q(weight__gte=1), name="level_weight_positive")]

    def __str__(self) -> str:
        return self.name


class TouchpointQuerySet(models.QuerySet["Touchpoint"]):
    def active(self) -> "TouchpointQuerySet":
        return self.filter(is_active=True)


class Touchpoint(models.Model):
    """A customer touchpoint (触点) of one function in one stage, from the graded touchpoint table (R7)."""

    code = models.CharField(_("编号"), max_length=30, unique=True)
    function = models.CharField(_("职能"), max_length=30, choices=Function.choices, db_index=True)
    stage = models.ForeignKey(Stage, verbose_name=_("阶段"), on_delete=models.PROTECT, related_name="touchpoints")
    name = models.CharField(_("触点名称"), max_length=200)
    level = models.ForeignKey(Level, verbose_name=_("级别"), on_delete=models.PROTECT, related_name="touchpoints")
    standard_action = models.TextField(_("标准动作"), blank=True)
    check_method = models.TextField(_("检查方式"), blank=True)
    deliverable = models.CharField(_("交付件"), max_length=300, blank=True)
    responsible_dept = models.CharField(_("责任部门"), max_length=100, blank=True)
    assisting_dept = models.CharField(_("协助部门"), max_length=200, blank=True)
    is_active = models.BooleanField(_("启用"), default=True)
    # SPEC §3 Frequency: which monthly checklists hold the touchpoint.
    frequency = models.CharField(_("频次"), max_length=20, choices=Frequency.choices, default=Frequency.MONTHLY)
    yearly_month = models.PositiveSmallIntegerField(
        _("每年月份"), null=True, blank=True, help_text=_("频次为「每年」时必填:该触点出现在哪个月的自检表")
    )
    history = HistoricalRecords()

    objects = TouchpointQuerySet.as_manager()

    class Meta:
        ordering = ["function", "stage__order", "code"]
        verbose_name = _("触点")
        verbose_name_plural = _("触点")
        constraints = [
            models.CheckConstraint(
                condition=Q(frequency=Frequency.YEARLY, yearly_month__isnull=False, yearly_month__gte=1, yearly_month__lte=12)
                | (~Q(frequency=Frequency.YEARLY) & Q(yearly_month__isnull=True)),
                name="touchpoint_yearly_month_matches_frequency",
            )
        ]

    def __str__(self) -> str:
        return f"{self.code} {self.name}"

    def clean(self) -> None:
        from django.core.exceptions import ValidationError

        if self.frequency == Frequency.YEARLY and not (self.yearly_month and 1 <= self.yearly_month <= 12):
            raise ValidationError({"yearly_month": _("频次为「每年」时请填写 1–12 月")})
        if self.frequency != Frequency.YEARLY and self.yearly_month is not None:
            raise ValidationError({"yearly_month": _("只有频次为「每年」时才填写月份")})

    @property
    def frequency_text(self) -> str:
        """The frequency as the catalogue workbook writes it (每月 / 每季度 / 每年N月 / 按事件)."""
        from .frequency import to_text

        return to_text(frequency=self.frequency, yearly_month=self.yearly_month)


class Project(models.Model):
    """A project (项目) and the stages active in it now; each project is an assessment unit (SPEC §3)."""

    code = models.CharField(_("项目编号"), max_length=30, unique=True)
    name = models.CharField(_("项目名称"), max_length=100)
    stages = models.ManyToManyField(Stage, verbose_name=_("当前阶段"), blank=True, related_name="projects")
    is_active = models.BooleanField(_("在考核中"), default=True)
    history = HistoricalRecords(m2m_fields=[stages])

    class Meta:
        ordering = ["code"]
        verbose_name = _("项目")
        verbose_name_plural = _("项目")

    def __str__(self) -> str:
        return f"{self.code} {self.name}"


class Person(models.Model):
    """An employee (工号) who may hold roles in assessment units; signs in through the linked user."""

    employee_id = models.CharField(_("工号"), max_length=30, unique=True)
    name = models.CharField(_("姓名"), max_length=50)
    email = models.EmailField(_("邮箱"), blank=True)
    user = models.OneToOneField(
        settings.AUTH_USER_MODEL,
        verbose_name=_("登录账号"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="person",
    )
    history = HistoricalRecords()

    class Meta:
        ordering = ["employee_id"]
        verbose_name = _("人员")
        verbose_name_plural = _("人员")

    def __str__(self) -> str:
        return f"{self.name}({self.employee_id})"


class AssignmentQuerySet(models.QuerySet["Assignment"]):
    def current(self, on) -> "AssignmentQuerySet":
        """Assignments in force on the given date."""
        return self.filter(start__lte=on).filter(Q(end__isnull=True) | Q(end__gte=on))

    def overlapping(self, start, end) -> "AssignmentQuerySet":
        """Assignments in force on at least one day of [start, end]."""
        return self.filter(start__lte=end).filter(Q(end__isnull=True) | Q(end__gte=start))


class Assignment(models.Model):
    """A person's role in one assessment unit from a start date to an optional end date (SPEC §3).

    The unit is either a project (project set) or a city-wide function (function set, no project). A functional
    manager belongs to the project unit and names the function they lead there (the cell).
    """

    person = models.ForeignKey(Person, verbose_name=_("人员"), on_delete=models.CASCADE, related_name="assignments")
    role = models.CharField(_("角色"), max_length=30, choices=Role.choices)
    project = models.ForeignKey(
        Project, verbose_name=_("项目"), on_delete=models.PROTECT, null=True, blank=True, related_name="assignments"
    )
    function = models.CharField(_("职能"), max_length=30, choices=Function.choices, blank=True)
    start = models.DateField(_("起始日期"))
    end = models.DateField(_("结束日期"), null=True, blank=True)
    history = HistoricalRecords()

    objects = AssignmentQuerySet.as_manager()

    class Meta:
        ordering = ["person__employee_id", "start"]
        verbose_name = _("任职")
        verbose_name_plural = _("任职")
        constraints = [
            models.CheckConstraint(
                condition=Q(end__isnull=True) | Q(end__gte=models.F("start")), name="assignment_end_after_start"
            ),
            models.CheckConstraint(
                condition=(
                    Q(role=Role.FUNCTION_HEAD, project__isnull=True) & ~Q(function="")
                    | Q(role=Role.PROJECT_DIRECTOR, project__isnull=False, function="")
                    | Q(role=Role.FUNCTIONAL_MANAGER, project__isnull=False) & ~Q(function="")
                    | Q(role=Role.TEAM_MEMBER, project__isnull=False, function="")
                    | Q(role=Role.TEAM_MEMBER, project__isnull=True) & ~Q(function="")
                ),
                name="assignment_unit_matches_role",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.person} · {self.get_role_display()} · {self.unit_label}"

    @property
    def is_function_unit(self) -> bool:
        return self.project_id is None

    @property
    def unit_label(self) -> str:
        if self.project_id is None:
            return str(Function(self.function).label)
        if self.role == Role.FUNCTIONAL_MANAGER:
            return f"{self.project.name} · {Function(self.function).label}"
        return self.project.name


class InspectionTeamMember(models.Model):
    """A member of the quarterly inspection team (检查组成员, R5b) for one function's cells.

    R5b: 营销管理部 → marketing, 研发设计部 → design, the operations engineering group → engineering, the operations
    customer-service group → customer relations, the property company's contact → property. A member records verdicts
    on the cells of their function only; operations alone finalise, reopen and publish.
    """

    person = models.ForeignKey(Person, verbose_name=_("人员"), on_delete=models.CASCADE, related_name="inspection_memberships")
    function = models.CharField(_("职能"), max_length=30, choices=Function.choices)
    start = models.DateField(_("起始日期"))
    end = models.DateField(_("结束日期"), null=True, blank=True)
    history = HistoricalRecords()

    objects = AssignmentQuerySet.as_manager()

    class Meta:
        ordering = ["function", "person__employee_id"]
        verbose_name = _("检查组成员")
        verbose_name_plural = _("检查组成员")
        constraints = [
            models.UniqueConstraint(fields=["person", "function", "start"], name="one_membership_per_person_function_start"),
            models.CheckConstraint(
                condition=Q(end__isnull=True) | Q(end__gte=models.F("start")), name="membership_end_after_start"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.person} · {self.department}"

    @property
    def department(self) -> str:
        from .choices import INSPECTION_DEPARTMENTS

        return str(INSPECTION_DEPARTMENTS[Function(self.function)])
