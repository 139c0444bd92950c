"""The quarter board as a user meets it: one truth for a month with the self-check overview, filters and search, no
paging into quarters that have not started, states readable without colour, no rule numbers."""

from __future__ import annotations

import datetime as dt

import pytest
from django.urls import reverse

from audits.inspections.choices import MonthState
from audits.inspections.selectors import quarter_board
from audits.selfchecks.choices import CellMonthStatus
from audits.selfchecks.selectors import cell_month_statuses
from core.access import scope_for
from core.dates import Quarter
from tests.audits.builders_inspections import DONE, NOT_DONE, inspection, sales_stage, selfcheck, touchpoints
from tests.factories import ProjectFactory
from touchpoints.choices import Function
from touchpoints.models import Touchpoint

pytestmark = pytest.mark.django_db

TODAY = dt.date(2026, 12, 1)
Q4 = Quarter(2026, 4)
# The board's month marks and the overview's statuses say the same thing (R8).
SAME = {
    MonthState.ON_TIME: {CellMonthStatus.ON_TIME},
    MonthState.LATE: {CellMonthStatus.LATE},
    MonthState.MISSING: {CellMonthStatus.MISSING},
    MonthState.PENDING: {CellMonthStatus.NOT_STARTED, CellMonthStatus.IN_PROGRESS},
    MonthState.NONE: {CellMonthStatus.NONE},
}


@pytest.fixture(autouse=True)
def _today(time_machine) -> None:
    time_machine.move_to(dt.datetime(2026, 12, 1, 10, 0), tick=False)


def board_months(board, code: str, function: str):
    row = next(r for r in board.rows if r.project.code == code)
    return [m.state for m in row.cells[list(board.functions).index(Function(function))].months]


def test_october_says_the_same_on_the_board_and_the_overview(people) -> None:
    # A touchpoint applies to GG marketing now; October's checklist was never generated (nothing to submit),
    # November's was left open past its due date, December's is not generated yet.
    (mkt,) = touchpoints(Function.MARKETING, levels=("一级",))
    selfcheck(people.project, Function.MARKETING, 11, [(mkt, "", "")], submitted=False)
    people.project.stages.add(sales_stage())
    scope = scope_for(people.user("inspector"))

    board = board_months(quarter_board(quarter=Q4, scope=scope, today=TODAY), "GG", "marketing")
    overview = cell_month_statuses(scope=scope, months=[(2026, 10), (2026, 11), (2026, 12)], today=TODAY)
    row = next(r for r in overview.rows if r.project.code == "GG" and r.function == Function.MARKETING)

    assert [c.status for c in row.months] == [CellMonthStatus.NONE, CellMonthStatus.MISSING, CellMonthStatus.NOT_STARTED]
    assert board == [MonthState.NONE, MonthState.MISSING, MonthState.PENDING]  # October was red "未提交" here
    assert all(status in SAME[mark] for mark, status in zip(board, [c.status for c in row.months], strict=True))


def test_the_board_page_shows_october_as_the_overview_does(client, people) -> None:
    (mkt,) = touchpoints(Function.MARKETING, levels=("一级",))
    selfcheck(people.project, Function.MARKETING, 11, [(mkt, "", "")], submitted=False)
    people.project.stages.add(sales_stage())
    client.force_login(people.user("inspector"))
    board = client.get(reverse("audits:board", kwargs={"quarter": "2026Q4"})).content.decode()
    overview = client.get(reverse("audits:selfcheck_overview") + "?year=2026").content.decode()
    cell = board[board.index('data-cell="GG-marketing"') :]
    cell = cell[: cell.index("</td>")]
    assert 'data-month="10" data-month-state="none"' in cell and 'data-month="11" data-month-state="missing"' in cell
    assert 'data-status="missing"' in overview and 'data-status="none"' in overview


def _cells(page: str) -> set[str]:
    import re

    return set(re.findall(r'data-cell="([^"]+)"', page))


def _two_projects(people) -> None:
    (mkt,) = touchpoints(Function.MARKETING, levels=("一级",))
    (des,) = touchpoints(Function.DESIGN, levels=("一级",))
    selfcheck(people.project, Function.MARKETING, 10, [(mkt, DONE, "")])
    selfcheck(people.other_project, Function.MARKETING, 10, [(mkt, DONE, "")])
    inspection(people.project, Function.DESIGN, [(3, NOT_DONE, DONE)], quarter=Q4)  # finalised
    selfcheck(people.other_project, Function.DESIGN, 10, [(des, DONE, "")])


def test_the_board_filters_by_project_function_state_and_search(client, people) -> None:
    _two_projects(people)
    client.force_login(people.user("inspector"))
    url = reverse("audits:board", kwargs={"quarter": "2026Q4"})
    everything = _cells(client.get(url).content.decode())
    assert {"GG-marketing", "GG-design", "HK-marketing", "HK-design"} <= everything

    assert _cells(client.get(url, {"project": "HK"}).content.decode()) == {c for c in everything if c.startswith("HK-")}
    assert _cells(client.get(url, {"function": "design"}).content.decode()) == {"GG-design", "HK-design"}
    assert _cells(client.get(url, {"state": "finalised"}).content.decode()) == {"GG-design"}
    assert _cells(client.get(url, {"state": "not_started", "function": "marketing"}).content.decode()) == {
        "GG-marketing",
        "HK-marketing",
    }
    searched = client.get(url, {"q": people.other_project.name}).content.decode()
    assert {c.split("-")[0] for c in _cells(searched)} == {"HK"}
    assert {c.split("-")[0] for c in _cells(client.get(url, {"q": "gg"}).content.decode())} == {"GG"}
    # The quarter's figures stay those of the whole board; an empty result says so and offers the way back.
    empty = client.get(url, {"q": "没有这个项目"}).content.decode()
    assert 'data-testid="filter-empty"' in empty and 'id="board-progress">1 / ' in empty
    # Nonsense values are ignored, never an error page.
    assert _cells(client.get(url, {"function": "x", "state": "<b>"}).content.decode()) == everything


def test_filtering_makes_no_extra_query(client, people, django_assert_max_num_queries) -> None:
    client.force_login(people.user("inspector"))
    url = reverse("audits:board", kwargs={"quarter": "2026Q4"})
    params = {"project": "GG", "function": "design", "state": "finalised", "q": "光谷"}
    measured = []
    for start, stop in ((0, 1), (1, 12)):
        for index in range(start, stop):
            project = ProjectFactory(code=f"Q{index:03d}", name=f"项目{index}")
            tps = list(Touchpoint.objects.filter(function="design")) or touchpoints(Function.DESIGN, levels=("一级",))
            selfcheck(project, Function.DESIGN, 10, [(t, DONE, "") for t in tps])
        _two_projects(people) if start == 0 else None
        with django_assert_max_num_queries(13) as unfiltered:  # as the unfiltered board test (R5b memberships)
            client.get(url)
        with django_assert_max_num_queries(13) as filtered:
            response = client.get(url, params)
        assert _cells(response.content.decode()) == {"GG-design"}
        assert len(filtered.captured_queries) == len(unfiltered.captured_queries)
        measured.append(len(filtered.captured_queries))
    assert measured[0] == measured[1], measured


def test_the_board_does_not_page_into_quarters_that_have_not_started(client, people) -> None:
    client.force_login(people.user("inspector"))
    current = client.get(reverse("audits:board", kwargs={"quarter": "2026Q4"}))
    page = current.content.decode()
    assert reverse("audits:board", kwargs={"quarter": "2026Q3"}) in page
    assert reverse("audits:board", kwargs={"quarter": "2027Q1"}) not in page and "下一季度" not in page
    assert reverse("audits:board", kwargs={"quarter": "2026Q3"}) in page
    assert "下一季度" in client.get(reverse("audits:board", kwargs={"quarter": "2026Q3"})).content.decode()

    future = client.get(reverse("audits:board", kwargs={"quarter": "2027Q2"}), {"function": "design"})
    assert future.status_code == 302
    assert future["Location"] == reverse("audits:board", kwargs={"quarter": "2026Q4"}) + "?function=design"
    followed = client.get(future["Location"]).content.decode()
    assert "2027年第2季度 尚未开始" in followed and "2026年第4季度" in followed


def test_states_read_without_colour_or_hover_and_without_rule_numbers(client, people) -> None:
    _two_projects(people)
    client.force_login(people.user("inspector"))
    page = client.get(reverse("audits:board", kwargs={"quarter": "2026Q4"})).content.decode()
    cell = page[page.index('data-cell="GG-marketing"') :]
    cell = cell[: cell.index("</td>")]
    # Every month mark has an icon and its state in words (read by a screen reader), not a hover-only title.
    assert 'data-month-state="on_time"><i class="bi bi-check-lg" aria-hidden="true"></i>10月' in cell
    assert '<span class="visually-hidden"> 按时提交</span>' in cell
    assert 'title="' not in cell.split("month-marks", 1)[1].split("</span></span>", 1)[0]
    assert '<i class="bi bi-circle" aria-hidden="true"></i> 未开始' in cell
    assert "(R6)" not in page and "(R" not in page and "SPEC" not in page
