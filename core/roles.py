"""Roles in an assessment unit and the company-wide staff groups (SPEC §1, §3): the words access is decided in."""

from django.db import models
from django.utils.translation import gettext_lazy as _


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
