"""Fixed vocabularies of the catalogue and the organisation (SPEC §3)."""

from django.db import models
from django.utils.translation import gettext_lazy as _


class Function(models.TextChoices):
    """The five assessed functions (R3). Codes are fixed; the order is the regulation's."""

    MARKETING = "marketing", _("营销")
    DESIGN = "design", _("研发")
    ENGINEERING = "engineering", _("工程")
    CUSTOMER_RELATIONS = "customer_relations", _("客户关系")
    PROPERTY = "property", _("物业")


# The Chinese names users type in spreadsheets, whatever the UI language is.
FUNCTION_CHINESE_NAMES = {
    Function.MARKETING: "营销",
    Function.DESIGN: "研发",
    Function.ENGINEERING: "工程",
    Function.CUSTOMER_RELATIONS: "客户关系",
    Function.PROPERTY: "物业",
}
FUNCTION_ALIASES = {"客服": Function.CUSTOMER_RELATIONS, "设计": Function.DESIGN}


def function_from_text(text: str) -> Function | None:
    """A function from its code or its Chinese name as typed in a spreadsheet, or None."""
    value = (text or "").strip()
    if value in Function.values:
        return Function(value)
    if value.lower() in Function.values:
        return Function(value.lower())
    for code, name in FUNCTION_CHINESE_NAMES.items():
        if value == name:
            return code
    return FUNCTION_ALIASES.get(value)


class Role(models.TextChoices):
    """A person's role in an assessment unit (R3, SPEC §3)."""

    FUNCTION_HEAD = "function_head", _("职能负责人")
    PROJECT_DIRECTOR = "project_director", _("项目总监")
    FUNCTIONAL_MANAGER = "functional_manager", _("职能经理")
    TEAM_MEMBER = "team_member", _("团队成员")


ROLE_CHINESE_NAMES = {
    Role.FUNCTION_HEAD: "职能负责人",
    Role.PROJECT_DIRECTOR: "项目总监",
    Role.FUNCTIONAL_MANAGER: "职能经理",
    Role.TEAM_MEMBER: "团队成员",
}


def role_from_text(text: str) -> Role | None:
    value = (text or "").strip()
    if value in Role.values:
        return Role(value)
    for code, name in ROLE_CHINESE_NAMES.items():
        if value == name:
            return code
    return None


class StaffGroup(models.TextChoices):
    """Company-wide groups that are not tied to a unit (SPEC §1). Stored as auth groups named by the code."""

    OPERATIONS = "operations", _("运营管理部")
    HR = "hr", _("人力资源行政部")


# Auth group names (roles as groups, SPEC §1): fixed Chinese names, so admin shows and grants them as users say them.
ROLE_GROUP_NAMES = dict(ROLE_CHINESE_NAMES)
STAFF_GROUP_NAMES = {StaffGroup.OPERATIONS: "运营管理部", StaffGroup.HR: "人力资源行政部"}


class Frequency(models.TextChoices):
    """How often a touchpoint is due in the monthly checklist (频次, SPEC §3)."""

    MONTHLY = "monthly", _("每月")
    QUARTERLY = "quarterly", _("每季度")
    YEARLY = "yearly", _("每年")
    EVENT = "event", _("按事件")


# R5b: the department that inspects each function's cells with operations.
INSPECTION_DEPARTMENTS = {
    Function.MARKETING: _("营销管理部"),
    Function.DESIGN: _("研发设计部"),
    Function.ENGINEERING: _("运营管理部工程组"),
    Function.CUSTOMER_RELATIONS: _("运营管理部客服组"),
    Function.PROPERTY: _("物业公司"),
}
