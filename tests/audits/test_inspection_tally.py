"""The inspection page counts the rows it shows (selectors.tally); the quarter board counts in the database per
inspection. Both must agree with the items themselves, for any mix of verdicts and claims."""

from __future__ import annotations

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from audits.inspections.selectors import inspection_counts, quarter_board, tally
from core.access import scope_for
from tests.audits.builders_inspections import Q1, inspection

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
