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
    assert "month-missing" in overview and 'data-status="none"' in overview
