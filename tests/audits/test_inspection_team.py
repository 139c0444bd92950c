"""R5b Decision — the inspection team: each function department judges its own function's cells, operations finalise,
each verdict names who gave it, each inspection records who took part, and nobody judges a unit they are assessed in."""

from __future__ import annotations

import pytest
from django.urls import reverse

from audits.choices import InspectionState
from audits.inspections.selectors import inspection_participants
from audits.inspections.services import (
    InspectionRefused,
    inspection_finalise,
    inspection_item_record,
    inspection_open,
)
from core.access import scope_for
from tests.audits.builders_inspections import AFTER_Q1, DONE, NOT_DONE, Q1, inspection, selfcheck, touchpoints
from tests.factories import AssignmentFactory
from touchpoints.choices import Function, Role

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _after_q1(time_machine) -> None:
    time_machine.move_to(AFTER_Q1, tick=False)


@pytest.fixture
def marketing(people):
    """GG × marketing, an inspection in progress with two items."""
    return inspection(people.project, Function.MARKETING, [(3, ""), (2, "")], finalised=False)


def test_a_team_member_judges_their_functions_cell_and_the_verdict_names_them(client, people, marketing) -> None:
    """R5b: a marketing member (营销管理部) records a verdict on a marketing cell; judged_by and participants say so."""
    item = marketing.items.first()
    client.force_login(people.user("team_marketing"))
    response = client.post(
        reverse("audits:inspection_item", args=[item.pk]), {"verdict": NOT_DONE, "finding": "展板缺失"}, HTTP_HX_REQUEST="true"
    )
    assert response.status_code == 200 and "钱雨萌" in response.content.decode()
    item.refresh_from_db()
    assert item.verdict == NOT_DONE and item.judged_by == people.user("team_marketing")
    assert item.history.first().history_user == people.user("team_marketing")
    assert inspection_participants(inspection=marketing) == [people.user("team_marketing")]


def test_a_design_member_gets_404_on_a_marketing_cell_and_nothing_changes(client, people, marketing) -> None:
    """R5b: a design-department member giving a verdict on a marketing cell gets a 404."""
    item = marketing.items.first()
    client.force_login(people.user("team_design"))
    response = client.post(reverse("audits:inspection_item", args=[item.pk]), {"verdict": DONE, "finding": ""})
    assert response.status_code == 404
    item.refresh_from_db()
    assert item.verdict == "" and item.judged_by is None
    assert client.get(reverse("audits:inspection", args=["2026Q1", "GG", "marketing"])).status_code == 404


def test_finalise_and_reopen_stay_with_operations(client, people, marketing) -> None:
    """R5b: only operations finalise, reopen and publish."""
    for item in marketing.items.all():
        inspection_item_record(item=item, verdict=DONE, finding="", user=people.user("team_marketing"))
    client.force_login(people.user("team_marketing"))
    assert client.post(reverse("audits:inspection_finalise", args=[marketing.pk])).status_code == 404
    page = client.get(reverse("audits:inspection", args=["2026Q1", "GG", "marketing"])).content.decode()
    assert 'id="finalise-button"' not in page and "verdict-form" in page
    marketing.refresh_from_db()
    assert marketing.state == InspectionState.IN_PROGRESS
    inspection_finalise(inspection=marketing, user=people.user("inspector"))
    participants = inspection_participants(inspection=marketing)
    assert participants == [people.user("team_marketing"), people.user("inspector")]
    client.force_login(people.user("inspector"))
    page = client.get(reverse("audits:inspection", args=["2026Q1", "GG", "marketing"])).content.decode()
    assert "钱雨萌" in page and "潘慧" in page  # the page lists who took part


def test_a_team_member_opens_their_cell_and_is_recorded_as_taking_part(people) -> None:
    (a,) = touchpoints(Function.MARKETING, levels=("一级",))
    selfcheck(people.project, Function.MARKETING, 1, [(a, DONE, "")])
    opened = inspection_open(project=people.project, function=Function.MARKETING, quarter=Q1, user=people.user("team_marketing"))
    assert opened is not None and inspection_participants(inspection=opened) == [people.user("team_marketing")]


@pytest.mark.parametrize(
    "assignment",
    [
        {"role": Role.FUNCTIONAL_MANAGER, "project": "project", "function": Function.MARKETING},
        {"role": Role.PROJECT_DIRECTOR, "project": "project", "function": ""},
        {"role": Role.TEAM_MEMBER, "project": "project", "function": ""},
        {"role": Role.FUNCTION_HEAD, "project": None, "function": Function.MARKETING},
        {"role": Role.TEAM_MEMBER, "project": None, "function": Function.MARKETING},
    ],
    ids=["cell-lead", "project-director", "project-member", "function-head", "function-member"],
)
def test_nobody_judges_a_unit_they_are_assessed_in_that_quarter(client, people, marketing, assignment) -> None:
    """R5b: no verdict on a cell of a unit (its project or its function) where the person is assessed that quarter."""
    import datetime as dt

    AssignmentFactory(
        person=people.team_marketing,
        role=assignment["role"],
        project=people.project if assignment["project"] else None,
        function=assignment["function"],
        start=dt.date(2026, 3, 1),  # overlapping the quarter for one month is enough
    )
    item = marketing.items.first()
    with pytest.raises(InspectionRefused, match="不能检查自己的工作"):
        inspection_item_record(item=item, verdict=DONE, finding="", user=people.user("team_marketing"))
    client.force_login(people.user("team_marketing"))
    response = client.post(
        reverse("audits:inspection_item", args=[item.pk]), {"verdict": DONE, "finding": ""}, HTTP_HX_REQUEST="true"
    )
    assert "不能检查自己的工作" in response.content.decode()
    item.refresh_from_db()
    assert item.verdict == "" and item.judged_by is None
    page = client.get(reverse("audits:inspection", args=["2026Q1", "GG", "marketing"])).content.decode()
    assert 'data-testid="assessed-here"' in page and "verdict-form" not in page


def test_an_assignment_outside_the_quarter_or_elsewhere_does_not_block(people, marketing) -> None:
    """R5b: only the quarter's units the cell falls in count; another project or an ended assignment does not."""
    import datetime as dt

    AssignmentFactory(person=people.team_marketing, role=Role.TEAM_MEMBER, project=people.other_project)
    AssignmentFactory(
        person=people.team_marketing,
        role=Role.TEAM_MEMBER,
        project=people.project,
        start=dt.date(2025, 1, 1),
        end=dt.date(2025, 12, 31),
    )
    item = marketing.items.first()
    inspection_item_record(item=item, verdict=DONE, finding="", user=people.user("team_marketing"))
    item.refresh_from_db()
    assert item.verdict == DONE


def test_operations_staff_are_held_to_the_same_rule(people, marketing) -> None:
    """R5b: "nobody" — an operations inspector assessed in the project is refused too."""
    AssignmentFactory(person=people.inspector, role=Role.TEAM_MEMBER, project=people.project)
    with pytest.raises(InspectionRefused):
        inspection_item_record(item=marketing.items.first(), verdict=DONE, finding="", user=people.user("inspector"))


def test_scope_lists_the_members_function_and_reads_only_its_cells(people) -> None:
    scope = scope_for(people.user("team_marketing"))
    assert scope.inspected_functions == {Function.MARKETING}
    assert scope.can_judge_function(Function.MARKETING) and not scope.can_judge_function(Function.DESIGN)
    assert scope.can_read_cell(people.project.pk, Function.MARKETING)
    assert not scope.can_read_cell(people.project.pk, Function.DESIGN)
    assert not scope.operations


def test_the_board_shows_a_member_only_their_function(client, people, marketing) -> None:
    inspection(people.project, Function.DESIGN, [(3, DONE)])
    client.force_login(people.user("team_marketing"))
    page = client.get(reverse("audits:board", kwargs={"quarter": "2026Q1"})).content.decode()
    assert 'data-cell="GG-marketing"' in page and 'data-cell="GG-design"' not in page


def test_a_members_home_shows_the_inspection_panel_of_their_function(client, people, marketing) -> None:
    client.force_login(people.user("team_marketing"))
    page = client.get("/").content.decode()
    assert 'id="panel-inspections"' in page
    client.force_login(people.user("outsider"))
    assert 'id="panel-inspections"' not in client.get("/").content.decode()
