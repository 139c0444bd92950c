"""R5a Decision — the project director's sign-off (签认) of submitted monthly self-checks.

The director of the checklist's project confirms it or sends it back with a comment (it reopens for the lead, who
is notified); who and when are kept with history; the board and the inspection page show it; a reminder on the 5th
of the next month goes to the director and the unconfirmed list to operations, exactly once.
"""

from __future__ import annotations

import datetime as dt

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse

from audits.choices import SelfCheckState
from audits.jobs import AuditJob
from audits.models import SelfCheck
from audits.signoff.services import selfcheck_confirm, selfcheck_return
from core.jobs import job_is_due, job_run
from notifications.models import Notification
from tests.audits.builders_inspections import AFTER_Q1, DONE, selfcheck, touchpoints
from tests.factories import AssignmentFactory
from touchpoints.choices import Function, Role

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _after_q1(time_machine) -> None:
    time_machine.move_to(AFTER_Q1, tick=False)


@pytest.fixture
def submitted(people) -> SelfCheck:
    """GG × marketing, March 2026, submitted by its lead."""
    (a,) = touchpoints(Function.MARKETING, levels=("一级",))
    check = selfcheck(people.project, Function.MARKETING, 3, [(a, DONE, "")])
    check.submitted_by = people.user("lead")
    check.save()
    return check


@pytest.fixture
def other_projects_check(people) -> SelfCheck:
    """HK × design, March 2026, submitted: its director is not GG's."""
    (a,) = touchpoints(Function.DESIGN, levels=("一级",))
    return selfcheck(people.other_project, Function.DESIGN, 3, [(a, DONE, "")])


# -- the service -----------------------------------------------------------------------------------------------------


def test_the_director_confirms_and_who_and_when_are_kept_in_history(people, submitted) -> None:
    """R5a: confirmation recorded (who, when) with the checklist's history; the state stays submitted."""
    director = people.user("director")
    selfcheck_confirm(selfcheck=submitted, user=director)
    submitted.refresh_from_db()
    assert submitted.confirmed_by == director and submitted.confirmed_at == AFTER_Q1
    assert submitted.state == SelfCheckState.SUBMITTED
    latest, before = submitted.history.all()[:2]
    assert latest.history_user == director and latest.history_change_reason == "项目总监签认"
    assert before.confirmed_at is None and latest.confirmed_at == AFTER_Q1


def test_confirming_twice_or_an_open_checklist_is_refused(people, submitted) -> None:
    director = people.user("director")
    selfcheck_confirm(selfcheck=submitted, user=director)
    with pytest.raises(ValidationError, match="已经签认"):
        selfcheck_confirm(selfcheck=submitted, user=director)
    submitted.state = SelfCheckState.OPEN
    submitted.confirmed_at = None
    submitted.save()
    with pytest.raises(ValidationError, match="尚未提交"):
        selfcheck_confirm(selfcheck=submitted, user=director)


@pytest.mark.parametrize("role", ["lead", "head", "inspector", "hr", "outsider"])
def test_only_the_projects_director_signs(people, submitted, role) -> None:
    """R5a: the project's director, nobody else — not even operations."""
    with pytest.raises(ValidationError, match="项目总监"):
        selfcheck_confirm(selfcheck=submitted, user=people.user(role))
    submitted.refresh_from_db()
    assert submitted.confirmed_at is None


def test_returning_reopens_for_the_lead_with_the_comment_and_notifies_them(people, submitted) -> None:
    """R5a: sent back with a comment, it reopens for the lead; the lead is notified; history names the director."""
    director = people.user("director")
    selfcheck_return(selfcheck=submitted, user=director, comment="交付件照片不清晰")
    submitted.refresh_from_db()
    assert submitted.state == SelfCheckState.OPEN and submitted.submitted_at is None
    assert submitted.reopen_reason == "交付件照片不清晰" and submitted.confirmed_at is None
    assert submitted.history.first().history_user == director
    note = Notification.objects.get(recipient=people.user("lead"))
    assert "交付件照片不清晰" in note.body and "项目总监" in note.subject


def test_returning_needs_a_comment_and_changes_nothing_without_one(people, submitted) -> None:
    with pytest.raises(ValidationError, match="退回意见"):
        selfcheck_return(selfcheck=submitted, user=people.user("director"), comment="  ")
    submitted.refresh_from_db()
    assert submitted.state == SelfCheckState.SUBMITTED
    assert not Notification.objects.exists()


def test_an_operations_reopen_clears_the_confirmation(people, submitted) -> None:
    """R5a: a reopened month is signed again after its next submission."""
    from audits.selfchecks.services import selfcheck_reopen

    selfcheck_confirm(selfcheck=submitted, user=people.user("director"))
    selfcheck_reopen(selfcheck=submitted, user=people.user("inspector"), reason="补充材料")
    submitted.refresh_from_db()
    assert submitted.confirmed_at is None and submitted.confirmed_by is None


# -- the pages -------------------------------------------------------------------------------------------------------

ROLES = ("lead", "director", "head", "inspector", "hr", "outsider", "team_marketing")


def signoff_urls(check) -> dict[str, tuple[str, str, dict]]:
    return {
        "list": ("get", reverse("audits:selfcheck_signoff") + "?month=2026-03", {}),
        "confirm": ("post", reverse("audits:selfcheck_confirm", args=[check.pk]), {}),
        "return": ("post", reverse("audits:selfcheck_return", args=[check.pk]), {"comment": "请补充"}),
    }


# R5a: only the project's director reaches the sign-off pages; everyone else gets 404.
EXPECTED = {
    "list": {"lead": 404, "director": 200, "head": 404, "inspector": 404, "hr": 404, "outsider": 404, "team_marketing": 404},
    "confirm": {"lead": 404, "director": 302, "head": 404, "inspector": 404, "hr": 404, "outsider": 404, "team_marketing": 404},
    "return": {"lead": 404, "director": 302, "head": 404, "inspector": 404, "hr": 404, "outsider": 404, "team_marketing": 404},
}


@pytest.mark.parametrize("role", ROLES)
@pytest.mark.parametrize("kind", list(EXPECTED))
def test_permission_matrix(client, people, submitted, kind, role) -> None:
    method, url, data = signoff_urls(submitted)[kind]
    client.force_login(people.user(role))
    response = getattr(client, method)(url, data)
    assert response.status_code == EXPECTED[kind][role], f"{kind} as {role}"


def test_a_director_of_another_project_gets_404_and_changes_nothing(client, people, other_projects_check) -> None:
    """R5a: a director confirming a checklist of another project gets a 404."""
    client.force_login(people.user("director"))
    for kind in ("confirm", "return"):
        method, url, data = signoff_urls(other_projects_check)[kind]
        assert getattr(client, method)(url, data).status_code == 404
    other_projects_check.refresh_from_db()
    assert other_projects_check.confirmed_at is None
    assert other_projects_check.state == SelfCheckState.SUBMITTED


def test_the_director_confirms_from_the_list_and_sees_it_confirmed(client, people, submitted) -> None:
    client.force_login(people.user("director"))
    page = client.get(reverse("audits:selfcheck_signoff") + "?month=2026-03").content.decode()
    assert "待总监签认" in page and "东原·光谷印" in page
    response = client.post(
        reverse("audits:selfcheck_confirm", args=[submitted.pk]), {"next": "/audits/selfchecks/signoff/?month=2026-03"}
    )
    assert response.status_code == 302 and response["Location"].endswith("month=2026-03")
    page = client.get(reverse("audits:selfcheck_signoff") + "?month=2026-03").content.decode()
    assert "总监已签认" in page and "bi-patch-check-fill" in page  # text and icon, not colour only


def test_the_return_comment_is_required_from_the_page(client, people, submitted) -> None:
    client.force_login(people.user("director"))
    response = client.post(reverse("audits:selfcheck_return", args=[submitted.pk]), {"comment": ""}, follow=True)
    assert "请填写退回意见" in response.content.decode()
    submitted.refresh_from_db()
    assert submitted.state == SelfCheckState.SUBMITTED


def test_the_board_and_the_inspection_page_show_confirmed_or_not(client, people, submitted) -> None:
    """R5a: confirmation shown on the board and the inspection page, with text and an icon."""
    client.force_login(people.user("inspector"))
    board = client.get(reverse("audits:board", kwargs={"quarter": "2026Q1"})).content.decode()
    assert "未签认" in board
    page = client.get(reverse("audits:inspection", args=["2026Q1", "GG", "marketing"])).content.decode()
    assert 'data-testid="signoff-month-3"' in page and "未签认" in page
    selfcheck_confirm(selfcheck=submitted, user=people.user("director"))
    board = client.get(reverse("audits:board", kwargs={"quarter": "2026Q1"})).content.decode()
    assert 'data-confirmed="yes"' in board and "总监已签认" in board
    page = client.get(reverse("audits:inspection", args=["2026Q1", "GG", "marketing"])).content.decode()
    assert "已签认" in page and "张伟" in page


def test_the_checklist_page_offers_the_director_confirm_and_return(client, people, submitted) -> None:
    client.force_login(people.user("director"))
    page = client.get(reverse("audits:selfcheck_detail", args=[submitted.pk])).content.decode()
    assert reverse("audits:selfcheck_confirm", args=[submitted.pk]) in page
    client.force_login(people.user("inspector"))
    page = client.get(reverse("audits:selfcheck_detail", args=[submitted.pk])).content.decode()
    assert reverse("audits:selfcheck_confirm", args=[submitted.pk]) not in page


def test_the_signoff_list_makes_a_fixed_number_of_queries(client, people, django_assert_max_num_queries) -> None:
    client.force_login(people.user("director"))
    url = reverse("audits:selfcheck_signoff") + "?month=2026-03"
    for function in (Function.MARKETING, Function.DESIGN, Function.ENGINEERING, Function.PROPERTY):
        (a,) = touchpoints(function, levels=("一级",))
        selfcheck(people.project, function, 3, [(a, DONE, "")])
        with django_assert_max_num_queries(12):
            assert client.get(url).status_code == 200


# -- the reminder on the 5th -----------------------------------------------------------------------------------------

FIFTH = dt.date(2026, 4, 5)


def test_the_signoff_job_runs_on_the_fifth_only() -> None:
    assert job_is_due(AuditJob.SIGNOFF_DUE, FIFTH)
    assert not job_is_due(AuditJob.SIGNOFF_DUE, dt.date(2026, 4, 4))
    assert not job_is_due(AuditJob.SIGNOFF_DUE, dt.date(2026, 4, 6))


def test_the_fifth_reminds_the_director_and_lists_to_operations_exactly_once(people, submitted, other_projects_check) -> None:
    """R5a: unconfirmed by the 5th of the next month → the director (their projects) and operations (all)."""
    hk_director = AssignmentFactory(person__name="李浩然", role=Role.PROJECT_DIRECTOR, project=people.other_project).person
    result = job_run(job=AuditJob.SIGNOFF_DUE, day=FIFTH)
    assert result.sent == 3
    gg = Notification.objects.get(recipient=people.user("director"))
    assert "东原·光谷印" in gg.body and "东原·汉口时光道" not in gg.body and gg.url.endswith("month=2026-03")
    assert "东原·汉口时光道" in Notification.objects.get(recipient=hk_director.user).body
    ops = Notification.objects.get(recipient=people.user("inspector"))
    assert "东原·光谷印" in ops.body and "东原·汉口时光道" in ops.body
    again = job_run(job=AuditJob.SIGNOFF_DUE, day=FIFTH)
    assert again.sent == 0 and Notification.objects.count() == 3  # exactly once (unique constraint)


def test_confirmed_months_are_not_reminded(people, submitted) -> None:
    selfcheck_confirm(selfcheck=submitted, user=people.user("director"))
    result = job_run(job=AuditJob.SIGNOFF_DUE, day=FIFTH)
    assert result.sent == 0 and not Notification.objects.exists()


def test_the_directors_home_lists_what_waits_for_their_signoff(client, people, submitted) -> None:
    client.force_login(people.user("director"))
    page = client.get("/").content.decode()
    assert 'data-testid="home-signoff"' in page and "待总监签认" in page
    selfcheck_confirm(selfcheck=submitted, user=people.user("director"))
    page = client.get("/").content.decode()
    assert "没有待签认的自检表" in page
