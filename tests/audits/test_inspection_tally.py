"""The inspection page counts the rows it shows (selectors.tally); the quarter board reads the tally every service
stores with the items (audits.item_summary). Both must agree with the items themselves, for any mix of verdicts and
claims, and for any sequence of opening, judging, clearing and adding items."""

from __future__ import annotations

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from audits.inspections.selectors import inspection_counts, quarter_board, tally
from audits.inspections.services import inspection_add_new_items, inspection_item_record, inspection_open
from audits.models import Inspection, SelfCheck
from core.access import scope_for
from tests.audits.builders_inspections import AFTER_Q1, Q1, inspection, selfcheck, touchpoints
from touchpoints.choices import Function
from touchpoints.models import Touchpoint

pytestmark = pytest.mark.django_db

verdicts = st.sampled_from(["", "done", "not_done", "na"])
claims = st.sampled_from(["", "done", "not_done", "na"])


@settings(max_examples=20, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(items=st.lists(st.tuples(st.integers(1, 3), verdicts, claims), min_size=1, max_size=12))
def test_page_counts_board_counts_and_the_items_agree(people, items) -> None:
    cell = inspection(people.project, "marketing", items, quarter=Q1, finalised=False)
    counts = tally((verdict, claimed) for _weight, verdict, claimed in items)
    assert counts == inspection_counts(inspection=cell)
    assert counts["total"] == len(items)
    assert counts["answered"] == sum(1 for _w, v, _c in items if v)
    assert counts["discrepancies"] == sum(1 for _w, v, c in items if c == "done" and v == "not_done")
    assert counts["done"] + counts["not_done"] + counts["na"] == counts["answered"]
    board = quarter_board(quarter=Q1, scope=scope_for(people.user("inspector")))
    (board_cell,) = [c for row in board.rows for c in row.cells if c and c.inspection_id == cell.pk]
    assert (board_cell.items, board_cell.answered, board_cell.discrepancies) == (
        counts["total"],
        counts["answered"],
        counts["discrepancies"],
    )
    cell.items.all().delete()
    cell.delete()


def stored(inspection_id: int) -> tuple[int, int, int, int]:
    fields = ("item_count", "answered_count", "discrepancy_count", "not_done_count")
    return Inspection.objects.values_list(*fields).get(pk=inspection_id)


def counted(inspection_id: int) -> tuple[int, int, int, int]:
    """What the page counts, and the not-done items the bulletin's rectification summary reads."""
    counts = inspection_counts(inspection=Inspection.objects.get(pk=inspection_id))
    return counts["total"], counts["answered"], counts["discrepancies"], counts["not_done"]


@settings(max_examples=15, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(
    claimed=st.lists(claims, min_size=3, max_size=3),
    steps=st.lists(st.tuples(st.integers(0, 3), verdicts), min_size=1, max_size=10),
)
def test_the_stored_tally_follows_every_service_that_writes_items(people, time_machine, claimed, steps) -> None:
    """Open (three items from the self-checks), judge and clear in any order, then a fourth item appears in a
    self-check and is added: after each step the board's stored tally equals a count of the items."""
    time_machine.move_to(AFTER_Q1, tick=False)
    a, b, c = touchpoints(Function.MARKETING)
    selfcheck(people.project, Function.MARKETING, 1, [(a, claimed[0], ""), (b, claimed[1], ""), (c, claimed[2], "")])
    user = people.user("inspector")
    cell = inspection_open(project=people.project, function=Function.MARKETING, quarter=Q1, user=user)
    assert stored(cell.pk) == counted(cell.pk) == (3, 0, 0, 0)
    added = False
    for index, verdict in steps:
        if index == 3 and not added:
            (d,) = touchpoints(Function.MARKETING, levels=("三级",), prefix="NEW")
            selfcheck(people.project, Function.MARKETING, 2, [(d, "done", "")])
            assert inspection_add_new_items(inspection=cell, user=user) == 1
            added = True
        items = list(cell.items.order_by("code"))
        inspection_item_record(item=items[index % len(items)], verdict=verdict, finding="", user=user)
        assert stored(cell.pk) == counted(cell.pk)
    assert stored(cell.pk)[0] == (4 if added else 3)
    board = quarter_board(quarter=Q1, scope=scope_for(user))
    (board_cell,) = [x for row in board.rows for x in row.cells if x and x.inspection_id == cell.pk]
    assert (board_cell.items, board_cell.answered, board_cell.discrepancies) == counted(cell.pk)[:3]
    Inspection.objects.filter(pk=cell.pk).delete()  # hypothesis reuses the database between examples
    SelfCheck.objects.all().delete()
    Touchpoint.objects.all().delete()
