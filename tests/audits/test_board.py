"""The quarter board: per cell the three monthly self-checks and the inspection state; fixed queries; the home panel."""

from __future__ import annotations

import datetime as dt

import pytest
from django.urls import reverse

from audits.inspections.choices import CellState, MonthState
from audits.inspections.selectors import default_quarter, quarter_board
from core.access import scope_for
from core.dates import Quarter
from tests.audits.builders_inspections import (
    AFTER_Q1,
    DONE,
    NOT_DONE,
    Q1,
    inspection,
    publish,
    sales_stage,
    selfcheck,
    touchpoints,
)
from tests.factories import ProjectFactory
from touchpoints.choices import Function
from touchpoints.models import Touchpoint

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _after_q1(time_machine) -> None:
    time_machine.move_to(AFTER_Q1, tick=False)


def cell_of(board, code: str, function: str):
    row = next(r for r in board.rows if r.project.code == code)
    return row.cells[list(board.functions).index(Function(function))]


def test_board_states_per_cell(people) -> None:
    gg, hk = people.project, people.other_project
    (mkt,) = touchpoints(Function.MARKETING, levels=("一级",))
    (des,) = touchpoints(Function.DESIGN, levels=("一级",))
    (eng,) = touchpoints(Function.ENGINEERING, levels=("一级",))
    selfcheck(gg, Function.MARKETING, 1, [(mkt, DONE, "")])
    selfcheck(gg, Function.MARKETING, 2, [(mkt, DONE, "")], late=True)
    selfcheck(gg, Function.DESIGN, 1, [(des, DONE, "")])
    inspection(gg, Function.DESIGN, [(3, NOT_DONE, DONE)])
    selfcheck(gg, Function.ENGINEERING, 3, [(eng, DONE, "")], submitted=False)
    inspection(gg, Function.ENGINEERING, [(3, DONE), (1, "")], finalised=False)
    hk.stages.add(sales_stage())  # HK: catalogue touchpoints apply, but no checklist was ever generated

    board = quarter_board(quarter=Q1, scope=scope_for(people.user("inspector")), today=dt.date(2026, 4, 5))

    marketing = cell_of(board, "GG", "marketing")
    # March had no checklist generated: nothing to submit, as the self-check overview says too (R8).
    assert [m.state for m in marketing.months] == [MonthState.ON_TIME, MonthState.LATE, MonthState.NONE]
    assert marketing.state == CellState.NOT_STARTED and marketing.items == 1
    design = cell_of(board, "GG", "design")
    assert design.state == CellState.FINALISED and design.discrepancies == 1
    engineering = cell_of(board, "GG", "engineering")
    assert engineering.state == CellState.IN_PROGRESS and (engineering.answered, engineering.items) == (1, 2)
    assert engineering.months[2].state == MonthState.MISSING  # open but past the due date
    prop = cell_of(board, "GG", "property")
    assert prop.state == CellState.NO_ITEMS and not prop.assessed  # R6
    assert [m.state for m in prop.months] == [MonthState.NONE] * 3
    hk_marketing = cell_of(board, "HK", "marketing")
    assert hk_marketing.state == CellState.NO_ITEMS and hk_marketing.can_inspect_from_catalogue
    assert hk_marketing.months[0].state == MonthState.NONE  # a past month never generated is not "not submitted"
    assert (board.assessed, board.finalised, board.discrepancies) == (3, 1, 1)


def test_months_not_yet_due_are_pending(people) -> None:
    (mkt,) = touchpoints(Function.MARKETING, levels=("一级",))
    selfcheck(people.project, Function.MARKETING, 4, [(mkt, "", "")], submitted=False)
    people.project.stages.add(sales_stage())  # the touchpoint applies now: May and June will have checklists
    board = quarter_board(quarter=Quarter(2026, 2), scope=scope_for(people.user("hr")), today=dt.date(2026, 4, 5))
    assert [m.state for m in cell_of(board, "GG", "marketing").months] == [MonthState.PENDING] * 3


def test_directors_and_heads_see_only_their_cells(people) -> None:
    director = quarter_board(quarter=Q1, scope=scope_for(people.user("director")))
    assert [r.project.code for r in director.rows] == ["GG"] and len(director.functions) == 5
    head = quarter_board(quarter=Q1, scope=scope_for(people.user("head")))
    assert head.functions == (Function.MARKETING,) and {r.project.code for r in head.rows} == {"GG", "HK"}


def test_the_board_page_renders_each_cell_once_for_desktop_and_phone(client, people) -> None:
    (mkt,) = touchpoints(Function.MARKETING, levels=("一级",))
    selfcheck(people.project, Function.MARKETING, 1, [(mkt, DONE, "")])
    inspection(people.project, Function.DESIGN, [(3, NOT_DONE, DONE)])
    client.force_login(people.user("inspector"))
    page = client.get(reverse("audits:board", kwargs={"quarter": "2026Q1"})).content.decode()
    assert "2026年第1季度" in page and "东原·光谷印" in page
    # Rendered once: CSS shows the table on desktop and one card per project on a phone.
    assert page.count('data-cell="GG-marketing"') == 1 and page.count('class="board-project-card"') == 2
    assert reverse("audits:inspection", args=["2026Q1", "GG", "marketing"]) in page
    assert reverse("audits:discrepancies", args=["2026Q1"]) + "?project=GG&amp;function=design" in page
    assert 'id="discrepancy-count">1<' in page and "导入纸质检查" in page
    assert "<script>" not in page and "onclick" not in page and 'style="' not in page


def test_an_inactive_project_shows_only_in_the_quarters_it_has_checklists_or_inspections(people) -> None:
    (mkt,) = touchpoints(Function.MARKETING, levels=("一级",))
    closed = ProjectFactory(code="ZZ", name="已交付项目", is_active=False)
    idle = ProjectFactory(code="ZY", name="停用项目", is_active=False)
    selfcheck(closed, Function.MARKETING, 2, [(mkt, DONE, "")])
    inspection(idle, Function.DESIGN, [(3, DONE)], quarter=Quarter(2025, 4))
    ops = scope_for(people.user("inspector"))
    codes = [r.project.code for r in quarter_board(quarter=Q1, scope=ops).rows]
    assert codes == ["GG", "HK", "ZZ"]  # the active projects, and the closed one for its February checklist
    assert cell_of(quarter_board(quarter=Q1, scope=ops), "ZZ", "marketing").items == 1
    assert [r.project.code for r in quarter_board(quarter=Quarter(2025, 4), scope=ops).rows] == ["GG", "HK", "ZY"]
    head = scope_for(people.user("head"))  # marketing only: the idle project's design inspection is not theirs
    assert [r.project.code for r in quarter_board(quarter=Quarter(2025, 4), scope=head).rows] == ["GG", "HK"]


def test_default_quarter_is_last_quarter_until_it_is_published_or_due(people) -> None:
    assert default_quarter(today=dt.date(2026, 4, 5)) == Q1
    assert default_quarter(today=dt.date(2026, 4, 11)) == Quarter(2026, 2)
    publish(Q1)
    assert default_quarter(today=dt.date(2026, 4, 5)) == Quarter(2026, 2)


def _populate(start: int, stop: int) -> None:
    """Projects start..stop-1, each with two months of self-checks and an inspection in every function."""
    tps = {f: list(Touchpoint.objects.filter(function=f)) or touchpoints(f, levels=("一级", "二级")) for f in Function.values}
    for index in range(start, stop):
        project = ProjectFactory(code=f"Q{index:03d}", name=f"项目{index}")
        for function in Function.values:
            for month in (1, 2):
                selfcheck(project, function, month, [(t, DONE, "") for t in tps[function]])
            inspection(project, function, [(3, DONE), (2, NOT_DONE, DONE)], finalised=index % 2 == 0)


def test_the_board_makes_a_fixed_number_of_queries_whatever_the_number_of_projects(
    client, people, django_assert_max_num_queries
) -> None:
    client.force_login(people.user("inspector"))
    url = reverse("audits:board", kwargs={"quarter": "2026Q1"})
    measured = {}
    for start, stop in ((0, 2), (2, 30)):
        _populate(start, stop)
        with django_assert_max_num_queries(13) as captured:  # 13: the scope also reads R5b inspection-team memberships
            response = client.get(url)
        assert response.content.decode().count('data-state="finalised"') == 5 * ((stop + 1) // 2)  # one render per cell
        measured[stop] = len(captured.captured_queries)
    assert measured[2] == measured[30], measured


def test_home_panel_shows_operations_the_inspection_progress(client, people, django_assert_max_num_queries) -> None:
    _populate(0, 3)
    client.force_login(people.user("inspector"))
    page = client.get(reverse("home")).content.decode()
    assert 'id="panel-inspections"' in page and "2026年第1季度城市公司检查" in page and "10 / 15" in page
    client.force_login(people.user("lead"))
    assert 'id="panel-inspections"' not in client.get(reverse("home")).content.decode()


def test_the_discrepancy_page_lists_cells_and_filters_one(client, people) -> None:
    inspection(people.project, Function.MARKETING, [(3, NOT_DONE, DONE)])
    inspection(people.other_project, Function.DESIGN, [(2, NOT_DONE, DONE), (1, DONE, DONE)])
    client.force_login(people.user("inspector"))
    page = client.get(reverse("audits:discrepancies", kwargs={"quarter": "2026Q1"})).content.decode()
    assert page.count('class="discrepancy-row"') == 2 and "东原·光谷印" in page and "东原·汉口时光道" in page
    url = reverse("audits:discrepancies", kwargs={"quarter": "2026Q1"}) + "?project=HK&function=design"
    page = client.get(url).content.decode()
    assert page.count('class="discrepancy-row"') == 1 and "东原·光谷印 ·" not in page
