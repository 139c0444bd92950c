"""caps_for_year (R11 from published quarters, latest versions) and the admin of grade bands and policy (SPEC §5, §6)."""

from __future__ import annotations

import datetime as dt

import pytest
import time_machine

from audits.models import InspectionItem
from core.dates import Quarter
from scoring import selectors
from scoring.engine import CapRule, UnitKey
from scoring.models import GradeBand, Policy
from scoring.services import quarter_amend, quarter_publish
from tests.factories import AssignmentFactory
from touchpoints.choices import Function, Role

from .builders import DONE, NOT_DONE, Q1, after, inspect

pytestmark = pytest.mark.django_db
Q2 = Quarter(2026, 2)


def low_quarter(people, quarter: Quarter) -> None:
    """GG marketing 2/6 (C): the marketing function and project GG are both graded below B-."""
    inspect(people.project, Function.MARKETING, quarter, [(3, NOT_DONE), (2, DONE), (1, NOT_DONE)])


def test_two_consecutive_low_quarters_cap_every_assessed_person_and_the_manager_belongs_to_the_project(people) -> None:
    member = AssignmentFactory(
        person__name="王芳", role=Role.TEAM_MEMBER, function=Function.MARKETING, start=dt.date(2026, 7, 1)
    ).person
    low_quarter(people, Q1)
    low_quarter(people, Q2)
    with time_machine.travel(after(Q1), tick=False):
        quarter_publish(quarter=Q1, user=None)
        caps = selectors.caps_for_year(year=2026)
        assert caps.people == ()
        assert {s.unit for s in caps.at_risk} == {UnitKey.function("marketing"), UnitKey.project("GG")}
    with time_machine.travel(after(Q2), tick=False):
        quarter_publish(quarter=Q2, user=None)
    caps = selectors.caps_for_year(year=2026)
    capped = {p.name: ([str(u) for u in p.units], p.rules) for p in caps.people}
    assert capped == {
        "杨帆": (["project:GG"], (CapRule.CONSECUTIVE,)),  # GG's functional manager: project unit (SPEC §3)
        "张伟": (["project:GG"], (CapRule.CONSECUTIVE,)),
        "周立新": (["function:marketing"], (CapRule.CONSECUTIVE,)),
    }
    assert member.name not in capped  # joined after the low quarters
    assert caps.at_risk == ()


def test_caps_and_exposure_read_together_are_the_caps_and_the_people_at_risk(people, django_assert_num_queries) -> None:
    """The caps export reads both from one read of the year's assignments: the same answers as the two selectors."""
    low_quarter(people, Q1)
    with time_machine.travel(after(Q1), tick=False):
        quarter_publish(quarter=Q1, user=None)
        caps = selectors.caps_for_year(year=2026)
        exposed = selectors.at_risk_people(year=2026, caps=caps)
        assert exposed[UnitKey.project("GG")] and exposed[UnitKey.function("marketing")]
        with django_assert_num_queries(2):  # the year's low units (one query with its versions), its assignments
            assert selectors.caps_and_exposure_for_year(year=2026) == (caps, exposed)
    low_quarter(people, Q2)
    with time_machine.travel(after(Q2), tick=False):
        quarter_publish(quarter=Q2, user=None)
        caps = selectors.caps_for_year(year=2026)
        assert caps.people and selectors.caps_and_exposure_for_year(year=2026) == (caps, {})


def test_only_the_latest_version_counts(people) -> None:
    low_quarter(people, Q1)
    low_quarter(people, Q2)
    with time_machine.travel(after(Q2), tick=False):
        quarter_publish(quarter=Q1, user=None)
        quarter_publish(quarter=Q2, user=None)
        assert len(selectors.caps_for_year(year=2026).people) == 3
        # Q2 corrected: GG marketing was in fact all done → no longer low; nobody is capped any more.
        InspectionItem.objects.filter(inspection__quarter=2).update(verdict=DONE)
        quarter_amend(quarter=Q2, user=None, reason="检查结果更正")
    caps = selectors.caps_for_year(year=2026)
    # Low in Q1 only, Q2 published and not low: no later quarter can pair with Q1, so nothing is at risk either.
    assert caps.people == () and caps.at_risk == ()
    assert selectors.latest_results(quarter=Q2).version == 2


def test_unpublished_quarters_never_count(people) -> None:
    low_quarter(people, Q1)
    low_quarter(people, Q2)
    assert selectors.caps_for_year(year=2026).people == ()


def test_admin_refuses_bands_the_engine_cannot_use(admin_client) -> None:
    b_minus = GradeBand.objects.get(label="B-")
    response = admin_client.post(
        f"/admin/scoring/gradeband/{b_minus.pk}/change/", {"label": "B-", "min_percent": "75", "order": "4"}
    )
    assert response.status_code == 200 and "等级档不可用" in response.content.decode()
    assert GradeBand.objects.get(label="B-").min_percent == 60
    c = GradeBand.objects.get(label="C")
    response = admin_client.post(f"/admin/scoring/gradeband/{c.pk}/change/", {"label": "C", "min_percent": "10", "order": "5"})
    assert "0%" in response.content.decode()
    assert admin_client.get(f"/admin/scoring/gradeband/{c.pk}/delete/").status_code == 403  # would leave nothing at 0%
    response = admin_client.post(
        f"/admin/scoring/gradeband/{b_minus.pk}/change/", {"label": "B-", "min_percent": "65", "order": "4"}
    )
    assert response.status_code == 302 and GradeBand.objects.get(label="B-").min_percent == 65
    change = GradeBand.history.filter(label="B-").latest("history_date")  # who, when, and the value (SPEC §7)
    assert (change.min_percent, change.history_user.is_superuser) == (65, True)


def test_admin_refuses_a_policy_fining_above_the_reward_line(admin_client) -> None:
    data = {"effective_from": "2027-01-01", "amount": "3000", "reward_above_percent": "50", "penalty_below_percent": "60"}
    response = admin_client.post("/admin/scoring/policy/add/", data)
    assert response.status_code == 200 and not Policy.objects.filter(effective_from=dt.date(2027, 1, 1)).exists()
    data["reward_above_percent"] = "95"
    assert admin_client.post("/admin/scoring/policy/add/", data).status_code == 302
    assert Policy.objects.get(effective_from=dt.date(2027, 1, 1)).history.count() == 1


def test_default_bands_and_policy_come_with_the_migrations() -> None:
    assert list(GradeBand.objects.values_list("label", "min_percent")) == [("A", 90), ("B+", 80), ("B", 70), ("B-", 60), ("C", 0)]
    policy = Policy.objects.get()
    assert (policy.effective_from, policy.amount, policy.reward_above_percent, policy.penalty_below_percent) == (
        dt.date(2016, 4, 1),
        3000,
        90,
        60,
    )


def test_a_team_member_of_a_capped_unit_is_not_capped_on_any_page_or_sheet(client, people) -> None:
    """SPEC §6 Decision: only function heads, project directors and functional managers are capped — the engine, the
    person's own cards, the caps workbook and its 预警 sheet."""
    from scoring.exports import CapsExport
    from tests.factories import PersonFactory
    from tests.scoring.builders import sheet_rows

    member = AssignmentFactory(
        person=PersonFactory(name="王芳"), role=Role.TEAM_MEMBER, function=Function.MARKETING, start=dt.date(2025, 1, 1)
    ).person
    low_quarter(people, Q1)
    with time_machine.travel(after(Q1), tick=False):
        quarter_publish(quarter=Q1, user=None)
        risk = sheet_rows(CapsExport(2026).to_bytes(), "预警")
        assert "周立新" in {row[5] for row in risk[1:]} and "王芳" not in {row[5] for row in risk[1:]}
        client.force_login(member.user)
        card = client.get("/results/2026Q1/").content.decode()
        assert "年度绩效不受此上限约束" in card
    low_quarter(people, Q2)
    with time_machine.travel(after(Q2), tick=False):
        quarter_publish(quarter=Q2, user=None)
        caps = selectors.caps_for_year(year=2026)
        assert "王芳" not in {p.name for p in caps.people} and "周立新" in {p.name for p in caps.people}
        assert "王芳" not in {row[1] for row in sheet_rows(CapsExport(2026).to_bytes(), "绩效上限")}
        client.force_login(member.user)  # a new session: the first one expired months ago
        page = client.get("/results/2026Q2/").content.decode()
        assert "年度绩效考核上限为" not in page and "单元已触发上限" in page and "年度绩效不受此上限约束" in page
        client.force_login(people.user("head"))
        page = client.get("/results/2026Q2/").content.decode()
        assert "您的 2026 年度绩效考核上限为 B-" in page and "年度绩效不受此上限约束" not in page


def test_each_capped_persons_row_joins_their_own_units_roles_quarters_and_rules() -> None:
    """The caps sheet joins each distinct tuple of units, roles, quarters and rules once per export: people who share
    them and people who do not each get their own text."""
    from scoring.engine import AppraisalCaps, PersonCap
    from scoring.exports import CapsExport

    gg, hk, marketing = UnitKey.project("GG"), UnitKey.project("HK"), UnitKey.function("marketing")
    both = (CapRule.CONSECUTIVE, CapRule.CUMULATIVE)
    people = (
        PersonCap(1, "E1", "甲", 2026, "B-", (gg,), ("project_director",), (1, 2), (CapRule.CONSECUTIVE,)),
        PersonCap(2, "E2", "乙", 2026, "B-", (gg,), ("project_director",), (1, 2), (CapRule.CONSECUTIVE,)),
        PersonCap(3, "E3", "丙", 2026, "B-", (marketing, gg), ("function_head", "functional_manager"), (1, 2, 3), both),
        PersonCap(4, "E4", "丁", 2026, "B-", (hk,), ("functional_manager",), (1, 3, 4), (CapRule.CUMULATIVE,)),
        PersonCap(5, "E5", "戊", 2026, "B-", (gg,), ("project_director",), (1, 2), (CapRule.CONSECUTIVE,)),
    )
    names = {gg: "东原·澜岸", hk: "东原·印长江", marketing: "营销"}
    assert list(CapsExport(2026)._cap_rows(AppraisalCaps(people=people, at_risk=()), names)) == [
        ("E1", "甲", "东原·澜岸", "项目总监", 2026, "B-", "2026Q1、2026Q2", "连续两个季度"),
        ("E2", "乙", "东原·澜岸", "项目总监", 2026, "B-", "2026Q1、2026Q2", "连续两个季度"),
        (
            "E3",
            "丙",
            "营销、东原·澜岸",
            "职能负责人、职能经理",
            2026,
            "B-",
            "2026Q1、2026Q2、2026Q3",
            "连续两个季度、累计三个季度",
        ),
        ("E4", "丁", "东原·印长江", "职能经理", 2026, "B-", "2026Q1、2026Q3、2026Q4", "累计三个季度"),
        ("E5", "戊", "东原·澜岸", "项目总监", 2026, "B-", "2026Q1、2026Q2", "连续两个季度"),
    ]


def test_the_years_spans_are_the_assessed_assignments_to_the_units_asked_for(people) -> None:
    """The caps read only the assessed roles' assignments to the units with low quarters (as plain values): exactly the
    spans the model instances give, filtered as the engine would filter them."""
    from scoring.engine import ASSESSED_ROLES

    AssignmentFactory(role=Role.TEAM_MEMBER, function=Function.MARKETING, start=dt.date(2026, 2, 1))
    AssignmentFactory(role=Role.TEAM_MEMBER, project=people.project, start=dt.date(2025, 1, 1))
    AssignmentFactory(role=Role.FUNCTION_HEAD, function=Function.DESIGN, start=dt.date(2025, 1, 1), end=dt.date(2026, 1, 1))
    AssignmentFactory(role=Role.PROJECT_DIRECTOR, project=people.other_project, start=dt.date(2026, 12, 31))
    AssignmentFactory(role=Role.PROJECT_DIRECTOR, project=people.project, start=dt.date(2024, 1, 1), end=dt.date(2025, 12, 31))
    AssignmentFactory(role=Role.FUNCTIONAL_MANAGER, project=people.project, function=Function.DESIGN, start=dt.date(2027, 1, 1))
    every = selectors._spans(selectors._year_assignments(2026).order_by("pk"))
    assert {span.role for span in every} >= {Role.TEAM_MEMBER, *ASSESSED_ROLES}
    for units in (
        {span.unit for span in every},
        {UnitKey.project("GG"), UnitKey.function("design")},
        {UnitKey.function("marketing")},
        set(),
    ):
        expected = [span for span in every if span.unit in units and span.role in ASSESSED_ROLES]
        assert selectors._year_spans(2026, units) == expected
    assert len(selectors._year_spans(2026, {span.unit for span in every})) < len(every)  # team members left out
