"""Test data built in code: factory_boy factories and a small organisation with a named person per role."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

import factory
from django.contrib.auth import get_user_model

from touchpoints.choices import STAFF_GROUP_NAMES, Function, Role, StaffGroup
from touchpoints.models import Assignment, InspectionTeamMember, Level, Person, Project, Stage, Touchpoint
from touchpoints.services import ensure_groups, person_sync_groups

PASSWORD = "pw-for-tests-123"


class UserFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = get_user_model()
        django_get_or_create = ("username",)

    username = factory.Sequence(lambda n: f"user{n}")
    password = factory.django.Password(PASSWORD)


class StageFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Stage
        django_get_or_create = ("name",)

    name = factory.Sequence(lambda n: f"阶段{n}")
    order = factory.Sequence(int)


class LevelFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Level
        django_get_or_create = ("name",)

    name = "一级"
    rank = 1
    weight = 3


def default_levels() -> dict[str, Level]:
    return {
        name: LevelFactory(name=name, rank=rank, weight=weight)
        for name, rank, weight in (("一级", 1, 3), ("二级", 2, 2), ("三级", 3, 1))
    }


class TouchpointFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Touchpoint

    code = factory.Sequence(lambda n: f"TP-{n:03d}")
    function = Function.MARKETING
    stage = factory.SubFactory(StageFactory)
    name = factory.Sequence(lambda n: f"触点{n}")
    level = factory.SubFactory(LevelFactory)
    standard_action = "签约后7个工作日内寄送《客户服务计划书》"
    check_method = "抽查近3个月签约客户"
    deliverable = "寄送记录"
    responsible_dept = "营销管理部"
    assisting_dept = "运营管理部客服组"


class ProjectFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Project
        django_get_or_create = ("code",)

    code = factory.Sequence(lambda n: f"P{n}")
    name = factory.Sequence(lambda n: f"东原·项目{n}")


class PersonFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Person

    employee_id = factory.Sequence(lambda n: f"E{n:04d}")
    name = factory.Sequence(lambda n: f"员工{n}")
    email = factory.LazyAttribute(lambda p: f"{p.employee_id.lower()}@example.cn")
    user = factory.SubFactory(UserFactory, username=factory.SelfAttribute("..employee_id"))


class AssignmentFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Assignment

    person = factory.SubFactory(PersonFactory)
    role = Role.TEAM_MEMBER
    start = dt.date(2024, 1, 1)
    end = None


@dataclass
class People:
    """One person per role around project GG and the marketing function."""

    project: Project
    other_project: Project
    lead: Person  # functional manager of GG × marketing
    director: Person  # project director of GG
    head: Person  # function head of marketing
    inspector: Person  # operations
    hr: Person
    outsider: Person  # signed in, no role here: lead of the other project's design cell
    team_marketing: Person | None = None  # R5b inspection-team member for marketing (营销管理部), no assignment
    team_design: Person | None = None  # R5b inspection-team member for design (研发设计部), no assignment

    def user(self, role: str):
        return getattr(self, role).user


def build_people() -> People:
    ensure_groups()
    project = ProjectFactory(code="GG", name="东原·光谷印")
    other = ProjectFactory(code="HK", name="东原·汉口时光道")
    lead = AssignmentFactory(
        person__name="杨帆", role=Role.FUNCTIONAL_MANAGER, project=project, function=Function.MARKETING
    ).person
    director = AssignmentFactory(person__name="张伟", role=Role.PROJECT_DIRECTOR, project=project).person
    head = AssignmentFactory(person__name="周立新", role=Role.FUNCTION_HEAD, function=Function.MARKETING).person
    outsider = AssignmentFactory(
        person__name="外人", role=Role.FUNCTIONAL_MANAGER, project=other, function=Function.DESIGN
    ).person
    inspector = PersonFactory(name="潘慧")
    hr = PersonFactory(name="李娟")
    from django.contrib.auth.models import Group

    inspector.user.groups.add(Group.objects.get(name=STAFF_GROUP_NAMES[StaffGroup.OPERATIONS]))
    hr.user.groups.add(Group.objects.get(name=STAFF_GROUP_NAMES[StaffGroup.HR]))
    for person in (lead, director, head, outsider):
        person_sync_groups(person=person)
    team_marketing = PersonFactory(name="钱雨萌")
    team_design = PersonFactory(name="卢志远")
    InspectionTeamMember.objects.create(person=team_marketing, function=Function.MARKETING, start=dt.date(2024, 1, 1))
    InspectionTeamMember.objects.create(person=team_design, function=Function.DESIGN, start=dt.date(2024, 1, 1))
    return People(project, other, lead, director, head, inspector, hr, outsider, team_marketing, team_design)
