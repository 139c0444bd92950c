"""What scoring and publication read from inspections (SPEC §5, §7, §12), and the discrepancy list."""

from __future__ import annotations

import pytest

from audits.inspections.selectors import (
    CellWeights,
    cells_without_finalised_inspection,
    discrepancies,
    finalised_cell_weights,
    inspection_detail_rows,
)
from core.access import scope_for
from core.dates import Quarter
from scoring.engine import CellTally, UnitKey, score_quarter
from tests.audits.builders_inspections import DONE, NA, NOT_DONE, Q1, inspection, selfcheck, touchpoints
from tests.factories import ProjectFactory
from touchpoints.choices import Function

pytestmark = pytest.mark.django_db

D, N = DONE, NOT_DONE


def test_tallies_reproduce_the_worked_example_of_spec_12(people) -> None:
    gg, hk = people.project, people.other_project
    inspection(gg, Function.MARKETING, [(3, D), (3, D), (2, D), (1, N)])
    inspection(gg, Function.DESIGN, [(3, D), (2, D)])
    inspection(gg, Function.ENGINEERING, [(3, D), (2, N), (2, D), (1, D)])
    inspection(gg, Function.CUSTOMER_RELATIONS, [(3, D), (2, D), (1, D), (2, NA)])  # N/A counts nowhere
    inspection(hk, Function.MARKETING, [(3, N), (2, D), (1, N)])
    inspection(hk, Function.DESIGN, [(3, D), (2, D)])
    inspection(hk, Function.ENGINEERING, [(3, N), (3, N), (2, D)])
    inspection(hk, Function.CUSTOMER_RELATIONS, [(3, D), (2, D), (2, D), (1, N)])
    inspection(hk, Function.PROPERTY, [(3, D), (2, D), (1, D)])
    # Not counted: an unfinalised inspection, and another quarter's.
    inspection(gg, Function.PROPERTY, [(3, N)], finalised=False)
    inspection(gg, Function.MARKETING, [(3, N)], quarter=Quarter(2026, 2))

    tallies = finalised_cell_weights(quarter=Q1)

    assert tallies[:4] == [
        CellWeights("GG", "marketing", 8, 9),
        CellWeights("GG", "design", 5, 5),
        CellWeights("GG", "engineering", 6, 8),
        CellWeights("GG", "customer_relations", 6, 6),
    ]
    assert ("GG", "property") not in {(t.project, t.function) for t in tallies}
    assert CellWeights("HK", "engineering", 2, 8) in tallies and len(tallies) == 9
    cells = [CellTally(t.project, t.function, t.done_weight, t.applicable_weight) for t in tallies]
    outcome = score_quarter(cells, project_codes=["GG", "HK"])
    gg_result = outcome.result_for(UnitKey.project("GG"))
    assert (gg_result.done, gg_result.applicable, gg_result.grade) == (25, 28, "B+")
    assert outcome.result_for(UnitKey.function("customer_relations")).applicable == 14


def test_tallies_use_one_query(people, django_assert_num_queries) -> None:
    for index in range(5):
        inspection(ProjectFactory(code=f"P{index}"), Function.DESIGN, [(3, D), (1, N)])
    with django_assert_num_queries(1):
        assert len(finalised_cell_weights(quarter=Q1)) == 5


def test_an_all_not_applicable_inspection_is_a_zero_over_zero_cell(people) -> None:
    inspection(people.project, Function.PROPERTY, [(3, NA), (1, NA)])
    assert finalised_cell_weights(quarter=Q1) == [CellWeights("GG", "property", 0, 0)]


def test_cells_without_finalised_inspection_lists_cells_with_items_only(people) -> None:
    gg, hk = people.project, people.other_project
    (mkt,) = touchpoints(Function.MARKETING, levels=("一级",))
    (des,) = touchpoints(Function.DESIGN, levels=("一级",))
    selfcheck(gg, Function.MARKETING, 2, [(mkt, DONE, "")])  # self-check items, no inspection → listed
    selfcheck(gg, Function.DESIGN, 1, [(des, DONE, "")])
    inspection(gg, Function.DESIGN, [(3, D)])  # finalised → not listed
    inspection(hk, Function.ENGINEERING, [(3, D)], finalised=False)  # unfinalised with items → listed
    inspection(hk, Function.PROPERTY, [], finalised=False)  # no items → not assessed (R6)
    selfcheck(hk, Function.MARKETING, 4, [(mkt, DONE, "")])  # another quarter

    cells = cells_without_finalised_inspection(quarter=Q1)

    assert [(p.code, f) for p, f in cells] == [("GG", "marketing"), ("HK", "engineering")]


def test_discrepancies_are_grouped_per_cell_and_narrowed_by_scope(people) -> None:
    gg, hk = people.project, people.other_project
    inspection(gg, Function.MARKETING, [(3, N, D), (2, N, N), (1, D, D), (1, N, D)])
    inspection(hk, Function.DESIGN, [(3, N, D)], finalised=False)
    everyone = discrepancies(quarter=Q1, scope=scope_for(people.user("inspector")))
    assert [(g.inspection.project.code, len(g.items)) for g in everyone] == [("GG", 2), ("HK", 1)]
    head = discrepancies(quarter=Q1, scope=scope_for(people.user("head")))  # marketing head
    assert [g.inspection.function for g in head] == ["marketing"]
    only_hk = discrepancies(quarter=Q1, scope=scope_for(people.user("hr")), project=hk)
    assert [g.inspection.project.code for g in only_hk] == ["HK"]


def test_detail_rows_carry_weights_and_counts(people) -> None:
    inspection(people.project, Function.MARKETING, [(3, D), (2, N, D), (1, NA)])
    (row,) = inspection_detail_rows(quarter=Q1)
    assert (row.project_code, row.function, row.done_weight, row.applicable_weight) == ("GG", "marketing", 3, 5)
    assert (row.items, row.not_applicable, row.discrepancies) == (3, 1, 1)
