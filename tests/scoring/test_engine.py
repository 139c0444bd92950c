"""Tests for the pure rule engine: scoring (SPEC §5) and appraisal caps (SPEC §6, R11).

No database and no Django: the engine takes and returns plain frozen dataclasses.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import FrozenInstanceError
from datetime import date
from decimal import ROUND_HALF_UP, Decimal, localcontext
from fractions import Fraction

import pytest
from hypothesis import given
from hypothesis import strategies as st

from core.dates import Quarter
from scoring.engine import (
    ASSESSED_ROLES,
    CAP_GRADE,
    DEFAULT_BANDS,
    FUNCTION_CODES,
    PROPERTY,
    AssignmentSpan,
    CapRule,
    CellTally,
    GradeBand,
    PersonCap,
    Policy,
    QuarterOutcome,
    Settlement,
    UnitCapStatus,
    UnitKey,
    UnitKind,
    UnitResult,
    appraisal_caps,
    exposed_assignments,
    grade_for,
    is_at_or_below,
    percent_display,
    percent_of,
    percent_text,
    score_quarter,
    unit_cap_status,
    units_at_or_below,
    validate_bands,
)

F = UnitKey.function
P = UnitKey.project

# ------------------------------------------------------------------------------------------
# SPEC §12: the worked example, 2026Q1, projects GG and HK (weights 一级 3, 二级 2, 三级 1)
# ------------------------------------------------------------------------------------------

WEIGHT = {"一": 3, "二": 2, "三": 1}


def tally(project: str, function: str, items: str) -> CellTally:
    """A cell from the SPEC's notation: ``"一✓ 二✗"`` (level, verdict) pairs."""
    done = applicable = 0
    for item in items.split():
        weight = WEIGHT[item[0]]
        applicable += weight
        done += weight if item[1] == "✓" else 0
    return CellTally(project, function, done, applicable)


WORKED_CELLS = (
    tally("GG", "marketing", "一✓ 一✓ 二✓ 三✗"),
    tally("GG", "design", "一✓ 二✓"),
    tally("GG", "engineering", "一✓ 二✗ 二✓ 三✓"),
    tally("GG", "customer_relations", "一✓ 二✓ 三✓"),
    CellTally("GG", "property", 0, 0),  # no item applies
    tally("HK", "marketing", "一✗ 二✓ 三✗"),
    tally("HK", "design", "一✓ 二✓"),
    tally("HK", "engineering", "一✗ 一✗ 二✓"),
    tally("HK", "customer_relations", "一✓ 二✓ 二✓ 三✗"),
    tally("HK", "property", "一✓ 二✓ 三✓"),
)


@pytest.fixture
def worked() -> QuarterOutcome:
    return score_quarter(WORKED_CELLS, project_codes=["GG", "HK"])


def test_worked_example_cells_match_the_spec_table() -> None:
    assert [(c.done_weight, c.applicable_weight) for c in WORKED_CELLS] == [
        (8, 9), (5, 5), (6, 8), (6, 6), (0, 0), (2, 6), (5, 5), (2, 8), (7, 8), (6, 6),
    ]  # fmt: skip


def summary(result: UnitResult) -> tuple[object, ...]:
    return (
        result.unit.code,
        result.done,
        result.applicable,
        result.score,
        result.percent_display,
        result.grade,
        result.rank,
        result.amount,
        result.settlement,
    )


def test_worked_example_functions(worked: QuarterOutcome) -> None:
    assert [summary(r) for r in worked.functions] == [
        ("design", 10, 10, Fraction(1), Decimal("100.00"), "A", 1, 3000, Settlement.TEAM),
        ("property", 6, 6, Fraction(1), Decimal("100.00"), "A", 1, 3000, Settlement.SERVICE_FEE),
        ("customer_relations", 13, 14, Fraction(13, 14), Decimal("92.86"), "A", 3, 0, None),
        ("marketing", 10, 15, Fraction(2, 3), Decimal("66.67"), "B-", 4, 0, None),
        ("engineering", 8, 16, Fraction(1, 2), Decimal("50.00"), "C", 5, -3000, Settlement.TEAM),
    ]


def test_worked_example_projects(worked: QuarterOutcome) -> None:
    assert [summary(r) for r in worked.projects] == [
        ("GG", 25, 28, Fraction(25, 28), Decimal("89.29"), "B+", 1, 0, None),
        ("HK", 22, 33, Fraction(2, 3), Decimal("66.67"), "B-", 2, 0, None),
    ]


def test_worked_example_ledger_entries(worked: QuarterOutcome) -> None:
    assert [(r.unit, r.amount, r.settlement) for r in worked.entries] == [
        (F("design"), 3000, Settlement.TEAM),
        (F("property"), 3000, Settlement.SERVICE_FEE),
        (F("engineering"), -3000, Settlement.TEAM),
    ]


def test_worked_example_result_lookup(worked: QuarterOutcome) -> None:
    assert worked.result_for(P("GG")).grade == "B+"
    assert worked.result_for(F("marketing")).percent == Fraction(200, 3)
    with pytest.raises(KeyError):
        worked.result_for(P("XX"))


def test_worked_example_low_units(worked: QuarterOutcome) -> None:
    # B- or below: marketing (B-), engineering (C), HK (B-).
    assert units_at_or_below(worked) == {F("marketing"), F("engineering"), P("HK")}


def test_worked_example_caps_and_risk() -> None:
    """SPEC §12: marketing and HK B- in Q1 → at risk; marketing also low in Q2 → head capped."""
    head = AssignmentSpan(1, "E001", "营销负责人", F("marketing"), "function_head", date(2020, 1, 1), None)
    director = AssignmentSpan(2, "E002", "HK总监", P("HK"), "project_director", date(2025, 1, 1), None)

    after_q1 = appraisal_caps(
        year=2026,
        low_quarters_by_unit={F("marketing"): {1}, F("engineering"): {1}, P("HK"): {1}},
        published_quarters={1},
        assignments=[head, director],
    )
    assert after_q1.people == ()
    at_risk = {status.unit: status.risk_quarters for status in after_q1.at_risk}
    assert at_risk == {F("marketing"): (2,), F("engineering"): (2,), P("HK"): (2,)}

    after_q2 = appraisal_caps(
        year=2026,
        low_quarters_by_unit={F("marketing"): {1, 2}, P("HK"): {1}},
        published_quarters={1, 2},
        assignments=[head, director],
    )
    (capped,) = after_q2.people
    assert (capped.employee_id, capped.cap, capped.units, capped.trigger_quarters, capped.rules) == (
        "E001",
        "B-",
        (F("marketing"),),
        (1, 2),
        (CapRule.CONSECUTIVE,),
    )
    # HK, low in Q1 only and fine in Q2: one more low quarter (Q3 or Q4) would make two
    # non-consecutive quarters, which does not trigger, so HK is no longer at risk.
    assert after_q2.at_risk == ()


# ------------------------------------------------------------------------------------------
# Scoring: specific rules
# ------------------------------------------------------------------------------------------


def one_project(*cells: tuple[str, int, int]) -> QuarterOutcome:
    return score_quarter(
        [CellTally("P1", function, done, applicable) for function, done, applicable in cells],
        project_codes=["P1"],
    )


def test_exactly_90_percent_at_rank_1_earns_nothing() -> None:
    outcome = one_project(("design", 9, 10), ("marketing", 27, 30))
    for result in outcome.functions[:2]:
        assert (result.rank, result.percent, result.amount) == (1, Fraction(90), 0)


def test_just_above_90_percent_at_rank_1_earns_the_reward() -> None:
    outcome = one_project(("design", 901, 1000))
    assert outcome.result_for(F("design")).amount == 3000


def test_exactly_60_percent_is_not_fined() -> None:
    outcome = one_project(("design", 6, 10), ("marketing", 3, 5))
    assert [r.amount for r in outcome.functions[:2]] == [0, 0]


def test_just_below_60_percent_is_fined_even_at_rank_1() -> None:
    outcome = one_project(("design", 599, 1000))
    result = outcome.result_for(F("design"))
    assert (result.rank, result.amount, result.settlement) == (1, -3000, Settlement.TEAM)


def test_rank_2_above_90_earns_nothing() -> None:
    outcome = one_project(("design", 10, 10), ("marketing", 95, 100))
    assert outcome.result_for(F("marketing")).rank == 2
    assert outcome.result_for(F("marketing")).amount == 0


def test_comparisons_are_exact_not_floating_point() -> None:
    # 0.57 * 100 == 56.99999999999999 in floating point; the engine must see exactly 57.
    bands = (GradeBand("pass", Fraction(57)), GradeBand("fail", Fraction(0)))
    policy = Policy(amount=100, reward_above_percent=Fraction(99), penalty_below_percent=Fraction(57))
    outcome = score_quarter([CellTally("P1", "design", 57, 100)], project_codes=["P1"], bands=bands, policy=policy)
    result = outcome.result_for(F("design"))
    assert (result.grade, result.amount) == ("pass", 0)


def test_function_with_no_applicable_item_is_not_assessed() -> None:
    """R6: no score, grade, rank or money; listed after the assessed units."""
    outcome = one_project(("design", 0, 0), ("marketing", 1, 2))
    design = outcome.result_for(F("design"))
    assert not design.assessed
    assert (design.score, design.percent, design.percent_display) == (None, None, None)
    assert (design.grade, design.rank, design.amount, design.settlement) == (None, None, 0, None)
    assert [r.unit.code for r in outcome.functions] == [
        "marketing", "customer_relations", "design", "engineering", "property",
    ]  # fmt: skip


def test_every_project_and_function_appears_even_without_cells() -> None:
    outcome = score_quarter([], project_codes=["GG", "HK"])
    assert [r.unit for r in outcome.projects] == [P("GG"), P("HK")]
    assert [r.unit.code for r in outcome.functions] == sorted(FUNCTION_CODES)
    assert not any(r.assessed for r in outcome.results)
    assert outcome.entries == ()


def test_property_money_is_settled_through_the_service_fee_but_a_projects_is_not() -> None:
    outcome = score_quarter([CellTally("P1", PROPERTY, 1, 10)], project_codes=["P1"])
    assert outcome.result_for(F(PROPERTY)).settlement is Settlement.SERVICE_FEE
    assert outcome.result_for(P("P1")).settlement is Settlement.TEAM


def test_policy_amount_and_thresholds_are_used() -> None:
    policy = Policy(amount=500, reward_above_percent=Fraction(50), penalty_below_percent=Fraction(40))
    outcome = score_quarter(
        [CellTally("P1", "design", 6, 10), CellTally("P1", "marketing", 3, 10)],
        project_codes=["P1"],
        policy=policy,
    )
    assert outcome.result_for(F("design")).amount == 500
    assert outcome.result_for(F("marketing")).amount == -500
    assert outcome.result_for(P("P1")).amount == 0  # 9/20 = 45%: rank 1, neither above 50 nor below 40


def test_custom_function_codes() -> None:
    outcome = score_quarter([CellTally("P1", "x", 1, 1)], project_codes=["P1"], function_codes=["x", "y"])
    assert [r.unit for r in outcome.functions] == [F("x"), F("y")]


@pytest.mark.parametrize(
    ("cells", "projects", "message"),
    [
        ([CellTally("P1", "sales", 1, 2)], ["P1"], "未知职能"),
        ([CellTally("P2", "design", 1, 2)], ["P1"], "未知项目"),
        ([CellTally("P1", "design", 1, 2), CellTally("P1", "design", 1, 2)], ["P1"], "重复"),
        ([], ["P1", "P1"], "项目编号重复"),
    ],
)
def test_score_quarter_rejects_inconsistent_input(cells: list[CellTally], projects: list[str], message: str) -> None:
    with pytest.raises(ValueError, match=message):
        score_quarter(cells, project_codes=projects)


@pytest.mark.parametrize(("done", "applicable"), [(-1, 2), (1, -2), (3, 2)])
def test_cell_tally_rejects_impossible_weights(done: int, applicable: int) -> None:
    with pytest.raises(ValueError):
        CellTally("P1", "design", done, applicable)


def test_unit_result_refuses_inconsistent_values() -> None:
    with pytest.raises(ValueError):
        UnitResult(F("design"), 1, 2, Fraction(1, 3), "C", 1, 0, None)
    with pytest.raises(ValueError):
        UnitResult(F("design"), 0, 0, None, None, 1, 0, None)
    with pytest.raises(ValueError):
        UnitResult(F("design"), 1, 2, Fraction(1, 2), "C", 1, -3000, None)


def test_policy_refuses_floats_and_a_penalty_line_above_the_reward_line() -> None:
    with pytest.raises(ValueError):
        Policy(reward_above_percent=90.0)  # type: ignore[arg-type]
    with pytest.raises(ValueError):
        Policy(reward_above_percent=Fraction(50), penalty_below_percent=Fraction(60))
    with pytest.raises(ValueError):
        Policy(amount=-1)
    # Decimals and ints (what the admin stores) become exact fractions.
    policy = Policy(reward_above_percent=Decimal("90.5"), penalty_below_percent=60)  # type: ignore[arg-type]
    assert policy.reward_above_percent == Fraction(181, 2)
    assert isinstance(policy.penalty_below_percent, Fraction)


# ------------------------------------------------------------------------------------------
# Grades and display
# ------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("score", "grade"),
    [
        (Fraction(1), "A"),
        (Fraction(9, 10), "A"),
        (Fraction(899, 1000), "B+"),
        (Fraction(8, 10), "B+"),
        (Fraction(7, 10), "B"),
        (Fraction(6, 10), "B-"),
        (Fraction(599, 1000), "C"),
        (Fraction(0), "C"),
    ],
)
def test_default_grade_bands(score: Fraction, grade: str) -> None:
    assert grade_for(score) == grade


@pytest.mark.parametrize(("grade", "expected"), [("A", False), ("B+", False), ("B", False), ("B-", True), ("C", True)])
def test_b_minus_or_below(grade: str, expected: bool) -> None:
    assert is_at_or_below(grade, CAP_GRADE, DEFAULT_BANDS) is expected


def test_is_at_or_below_refuses_unknown_grades() -> None:
    with pytest.raises(ValueError, match="未知等级"):
        is_at_or_below("D")


@pytest.mark.parametrize(
    "bands",
    [
        (),
        (GradeBand("A", Fraction(90)),),  # does not reach 0%
        (GradeBand("A", Fraction(60)), GradeBand("B", Fraction(70)), GradeBand("C", Fraction(0))),
        (GradeBand("A", Fraction(60)), GradeBand("A", Fraction(0))),
    ],
)
def test_validate_bands_refuses_unusable_bands(bands: tuple[GradeBand, ...]) -> None:
    with pytest.raises(ValueError):
        validate_bands(bands)


@pytest.mark.parametrize(
    ("score", "shown"),
    [
        (Fraction(13, 14), "92.86"),
        (Fraction(2, 3), "66.67"),
        (Fraction(25, 28), "89.29"),
        (Fraction(1, 2), "50.00"),
        (Fraction(1), "100.00"),
        (Fraction(0), "0.00"),
        (Fraction(1, 800), "0.13"),  # 0.125 exactly: half rounds up
        (Fraction(1, 1600), "0.06"),  # 0.0625 exactly: below half
        (Fraction(889349, 1000000), "88.93"),  # 88.9349
        (Fraction(88935, 100000), "88.94"),  # 88.935 exactly: half rounds up
    ],
)
def test_percent_display_rounds_half_up(score: Fraction, shown: str) -> None:
    assert percent_display(score) == Decimal(shown)
    assert str(percent_display(score)) == shown


@given(st.integers(min_value=0, max_value=10**6), st.integers(min_value=1, max_value=10**6))
def test_percent_display_matches_decimal_half_up(done: int, applicable: int) -> None:
    with localcontext() as context:
        context.prec = 60
        expected = (Decimal(done) * 100 / Decimal(applicable)).quantize(Decimal("0.01"), rounding=ROUND_HALF_UP)
    assert percent_display(Fraction(done, applicable)) == expected


@given(st.integers(min_value=-(10**6), max_value=10**6), st.integers(min_value=1, max_value=10**6))
def test_percent_of_is_percent_display_in_integers(done: int, applicable: int) -> None:
    shown = percent_of(done, applicable)
    assert shown == percent_display(Fraction(done, applicable))
    assert str(shown) == str(percent_display(Fraction(done, applicable)))  # the same two decimals, sign and all


@given(st.integers(min_value=-(10**6), max_value=10**6), st.integers(min_value=1, max_value=10**6))
def test_percent_text_is_percent_of_as_text(done: int, applicable: int) -> None:
    assert percent_text(done, applicable) == str(percent_of(done, applicable))


@pytest.mark.parametrize(
    ("done", "applicable", "shown"),
    [(1, 20000, "0.01"), (1, 20001, "0.00"), (-1, 20000, "-0.01"), (-1, 20001, "0.00"), (1, 8, "12.50"), (0, 7, "0.00")],
)
def test_percent_text_rounds_ties_away_from_zero(done: int, applicable: int, shown: str) -> None:
    assert percent_text(done, applicable) == shown == str(percent_of(done, applicable))


@pytest.mark.parametrize("applicable", [0, -3])
def test_percent_of_refuses_no_applicable_weight(applicable: int) -> None:
    with pytest.raises(ValueError):
        percent_of(1, applicable)
    with pytest.raises(ValueError):
        percent_text(1, applicable)


# ------------------------------------------------------------------------------------------
# Scoring: properties over random quarters
# ------------------------------------------------------------------------------------------

PROJECTS = ("P1", "P2", "P3", "P4")


@st.composite
def quarters(draw: st.DrawFn) -> tuple[list[CellTally], tuple[str, ...]]:
    """A random quarter: some projects, at most one cell per project × function.

    Small weights make exact ties, 90% and 60% scores frequent.
    """
    projects = tuple(draw(st.lists(st.sampled_from(PROJECTS), unique=True, max_size=4)))
    cells = []
    for project in projects:
        for function in FUNCTION_CODES:
            if draw(st.booleans()):
                applicable = draw(st.integers(min_value=0, max_value=10))
                done = draw(st.integers(min_value=0, max_value=applicable))
                cells.append(CellTally(project, function, done, applicable))
    return cells, projects


def pooled(cells: Iterable[CellTally], unit: UnitKey) -> tuple[int, int]:
    mine = [c for c in cells if (c.function if unit.kind is UnitKind.FUNCTION else c.project) == unit.code]
    return sum(c.done_weight for c in mine), sum(c.applicable_weight for c in mine)


@given(quarters())
def test_score_is_the_pooled_fraction(quarter: tuple[list[CellTally], tuple[str, ...]]) -> None:
    cells, projects = quarter
    outcome = score_quarter(cells, project_codes=projects)
    for result in outcome.results:
        done, applicable = pooled(cells, result.unit)
        assert (result.done, result.applicable) == (done, applicable)
        assert result.score == (Fraction(done, applicable) if applicable else None)


@given(quarters())
def test_every_unit_appears_once(quarter: tuple[list[CellTally], tuple[str, ...]]) -> None:
    cells, projects = quarter
    outcome = score_quarter(cells, project_codes=projects)
    assert sorted(r.unit.code for r in outcome.functions) == sorted(FUNCTION_CODES)
    assert sorted(r.unit.code for r in outcome.projects) == sorted(projects)
    assert all(r.unit.kind is UnitKind.FUNCTION for r in outcome.functions)
    assert all(r.unit.kind is UnitKind.PROJECT for r in outcome.projects)


@given(quarters())
def test_ties_share_a_rank_and_the_next_rank_is_skipped(
    quarter: tuple[list[CellTally], tuple[str, ...]],
) -> None:
    cells, projects = quarter
    outcome = score_quarter(cells, project_codes=projects)
    for ranking in (outcome.functions, outcome.projects):
        assessed = [r for r in ranking if r.assessed]
        # Assessed units first, then the rest.
        assert list(ranking[: len(assessed)]) == assessed
        scored = [(r.score, r.rank) for r in assessed if r.score is not None]
        assert len(scored) == len(assessed)
        if scored:
            assert scored[0][1] == 1
        for position, ((score, rank), (previous_score, previous_rank)) in enumerate(
            zip(scored[1:], scored, strict=False), start=2
        ):
            if score == previous_score:
                assert rank == previous_rank  # a tie shares the rank
            else:
                assert score < previous_score  # highest first
                assert rank == position  # the ranks after a tie are skipped (1, 1, 3)
        # Listed by rank, then code.
        keys = [(r.rank, r.unit.code) for r in assessed]
        assert keys == sorted(keys)
        unassessed = [r.unit.code for r in ranking[len(assessed) :]]
        assert unassessed == sorted(unassessed)


@given(quarters())
def test_money_follows_r12_and_r13(quarter: tuple[list[CellTally], tuple[str, ...]]) -> None:
    cells, projects = quarter
    outcome = score_quarter(cells, project_codes=projects)
    for result in outcome.results:
        if not result.assessed:
            # R6: never ranked, never paid.
            assert (result.rank, result.grade, result.amount, result.settlement) == (None, None, 0, None)
            continue
        assert result.score is not None
        rewarded = result.rank == 1 and result.score > Fraction(9, 10)
        fined = result.score < Fraction(6, 10)
        assert not (rewarded and fined)
        assert result.amount == (3000 if rewarded else -3000 if fined else 0)
        if result.amount > 0:
            assert result.rank == 1
        if result.score in (Fraction(9, 10), Fraction(6, 10)):
            assert result.amount == 0


@given(quarters())
def test_settlement_rule(quarter: tuple[list[CellTally], tuple[str, ...]]) -> None:
    cells, projects = quarter
    outcome = score_quarter(cells, project_codes=projects)
    for result in outcome.results:
        if result.amount == 0:
            assert result.settlement is None
        elif result.unit == F(PROPERTY):
            assert result.settlement is Settlement.SERVICE_FEE
        else:
            assert result.settlement is Settlement.TEAM


@given(quarters())
def test_grades_follow_the_bands(quarter: tuple[list[CellTally], tuple[str, ...]]) -> None:
    cells, projects = quarter
    outcome = score_quarter(cells, project_codes=projects)
    for result in outcome.results:
        percent = result.percent
        if percent is not None:
            expected = next(b.label for b in DEFAULT_BANDS if percent >= b.min_percent)
            assert result.grade == expected
            assert (result.unit in units_at_or_below(outcome)) == (percent < 70)


# ------------------------------------------------------------------------------------------
# Appraisal caps (R11)
# ------------------------------------------------------------------------------------------

MARKETING = F("marketing")
HK = P("HK")


def status(low: set[int], published: set[int] | None = None, unit: UnitKey = MARKETING) -> UnitCapStatus:
    return unit_cap_status(
        unit=unit,
        year=2026,
        low_quarters=low,
        published_quarters={1, 2, 3, 4} if published is None else published,
    )


@pytest.mark.parametrize(
    ("low", "rules"),
    [
        (set(), ()),
        ({2}, ()),
        ({1, 2}, (CapRule.CONSECUTIVE,)),
        ({2, 3}, (CapRule.CONSECUTIVE,)),
        ({3, 4}, (CapRule.CONSECUTIVE,)),
        ({1, 3}, ()),
        ({1, 4}, ()),
        ({2, 4}, ()),
        # Three quarters of four always include a consecutive pair: both rules are reported.
        ({1, 3, 4}, (CapRule.CONSECUTIVE, CapRule.CUMULATIVE)),
        ({1, 2, 4}, (CapRule.CONSECUTIVE, CapRule.CUMULATIVE)),
        ({1, 2, 3, 4}, (CapRule.CONSECUTIVE, CapRule.CUMULATIVE)),
    ],
)
def test_unit_triggers(low: set[int], rules: tuple[CapRule, ...]) -> None:
    result = status(low)
    assert result.low_quarters == tuple(sorted(low))
    assert result.rules == rules
    assert result.triggered is bool(rules)
    assert not result.at_risk  # the year is fully published


def test_q4_of_the_previous_year_and_q1_do_not_trigger() -> None:
    last_year = unit_cap_status(unit=MARKETING, year=2025, low_quarters={4}, published_quarters={1, 2, 3, 4})
    this_year = unit_cap_status(unit=MARKETING, year=2026, low_quarters={1}, published_quarters={1})
    assert not last_year.triggered and not this_year.triggered
    head = AssignmentSpan(1, "E001", "张三", MARKETING, "function_head", date(2020, 1, 1), None)
    for year, low, published in ((2025, {4}, {1, 2, 3, 4}), (2026, {1}, {1})):
        caps = appraisal_caps(
            year=year,
            low_quarters_by_unit={MARKETING: low},
            published_quarters=published,
            assignments=[head],
        )
        assert caps.people == ()


def test_low_quarters_must_be_published() -> None:
    with pytest.raises(ValueError, match="2026Q2 尚未发布"):
        status({1, 2}, published={1})
    with pytest.raises(ValueError):
        status({5})


@pytest.mark.parametrize(
    ("low", "published", "risk"),
    [
        ({1}, {1}, (2,)),  # SPEC §12: B- in Q1, Q2 unpublished
        ({2}, {1, 2}, (3,)),
        ({2}, {2}, (1, 3)),  # Q1 unpublished (not yet published late) counts too
        ({1, 3}, {1, 2, 3}, (4,)),  # Q4 would make three (and Q3+Q4 consecutive)
        ({1}, {1, 2}, ()),  # Q1 with Q3 or Q4: two non-consecutive quarters, no trigger
        (set(), {1}, ()),
        ({4}, {1, 2, 3, 4}, ()),
        ({1, 2}, {1, 2}, ()),  # already triggered: not "at risk"
    ],
)
def test_at_risk(low: set[int], published: set[int], risk: tuple[int, ...]) -> None:
    result = status(low, published)
    assert result.risk_quarters == risk
    assert result.at_risk is bool(risk)


def span(
    person: int,
    unit: UnitKey,
    start: date,
    end: date | None = None,
    role: str = "functional_manager",
) -> AssignmentSpan:
    return AssignmentSpan(person, f"E{person:03d}", f"员工{person}", unit, role, start, end)


def test_person_assigned_only_in_a_non_low_quarter_is_not_capped() -> None:
    # Marketing low in Q1 and Q2; this person joined on 1 July (Q3).
    joined_later = span(1, MARKETING, date(2026, 7, 1))
    left_early = span(2, MARKETING, date(2024, 1, 1), date(2025, 12, 31))
    caps = appraisal_caps(
        year=2026,
        low_quarters_by_unit={MARKETING: {1, 2}},
        published_quarters={1, 2, 3},
        assignments=[joined_later, left_early],
    )
    assert caps.people == ()


def test_person_assigned_on_the_last_day_of_a_low_quarter_is_capped() -> None:
    caps = appraisal_caps(
        year=2026,
        low_quarters_by_unit={MARKETING: {1, 2}},
        published_quarters={1, 2},
        assignments=[span(1, MARKETING, date(2026, 6, 30))],
    )
    assert [person.employee_id for person in caps.people] == ["E001"]


def test_assignments_to_other_units_do_not_cap() -> None:
    caps = appraisal_caps(
        year=2026,
        low_quarters_by_unit={MARKETING: {1, 2}, HK: {1}},
        published_quarters={1, 2},
        assignments=[span(1, HK, date(2020, 1, 1)), span(2, F("design"), date(2020, 1, 1))],
    )
    assert caps.people == ()


def test_person_capped_through_two_units_appears_once_with_every_trigger() -> None:
    person = 7
    caps = appraisal_caps(
        year=2026,
        low_quarters_by_unit={MARKETING: {1, 2}, HK: {2, 3, 4}},
        published_quarters={1, 2, 3, 4},
        assignments=[
            span(person, HK, date(2026, 1, 1), role="project_director"),
            span(person, MARKETING, date(2025, 1, 1), date(2026, 2, 1), role="function_head"),
            span(person, MARKETING, date(2026, 3, 1), date(2026, 12, 31), role="team_member"),
        ],
    )
    (capped,) = caps.people
    assert capped.person_id == person
    assert capped.units == (MARKETING, HK)
    # SPEC §6: the team-member assignment to marketing caps nobody; the head's and the director's do.
    assert capped.roles == ("function_head", "project_director")
    assert capped.trigger_quarters == (1, 2, 3, 4)
    assert capped.rules == (CapRule.CONSECUTIVE, CapRule.CUMULATIVE)
    assert [str(q) for q in capped.trigger_periods] == ["2026Q1", "2026Q2", "2026Q3", "2026Q4"]
    assert (capped.year, capped.cap) == (2026, "B-")


def test_people_are_ordered_by_employee_id() -> None:
    caps = appraisal_caps(
        year=2026,
        low_quarters_by_unit={MARKETING: {1, 2}},
        published_quarters={1, 2},
        assignments=[span(3, MARKETING, date(2026, 1, 1)), span(1, MARKETING, date(2026, 1, 1))],
    )
    assert [p.employee_id for p in caps.people] == ["E001", "E003"]


def test_at_risk_units_and_their_exposed_people() -> None:
    early = span(1, HK, date(2025, 1, 1), date(2026, 3, 31))  # overlaps Q1 (low)
    later = span(2, HK, date(2026, 5, 1))  # overlaps Q2 (risk)
    gone = span(3, HK, date(2024, 1, 1), date(2025, 12, 31))
    caps = appraisal_caps(
        year=2026,
        low_quarters_by_unit={HK: {1}, MARKETING: set()},
        published_quarters={1},
        assignments=[early, later, gone],
    )
    assert caps.people == ()
    (hk,) = caps.at_risk
    assert (hk.unit, hk.at_risk, hk.risk_quarters) == (HK, True, (2,))
    assert exposed_assignments(status=hk, assignments=[early, later, gone]) == (early, later)


def test_team_members_of_a_capped_or_at_risk_unit_are_never_capped_nor_exposed() -> None:
    """SPEC §6 Decision: only function heads, project directors and functional managers (R3) are capped."""
    member = span(1, MARKETING, date(2026, 1, 1), role="team_member")
    head = span(2, MARKETING, date(2026, 1, 1), role="function_head")
    director = span(3, HK, date(2026, 1, 1), role="project_director")
    hk_member = span(4, HK, date(2026, 1, 1), role="team_member")
    caps = appraisal_caps(
        year=2026,
        low_quarters_by_unit={MARKETING: {1, 2}, HK: {2}},
        published_quarters={1, 2},
        assignments=[member, head, director, hk_member],
    )
    assert [(p.employee_id, p.roles) for p in caps.people] == [("E002", ("function_head",))]
    (hk,) = caps.at_risk
    assert exposed_assignments(status=hk, assignments=[director, hk_member]) == (director,)
    triggered = status({1, 2}, published={1, 2})
    assert exposed_assignments(status=triggered, assignments=[member, head]) == (head,)
    assert {"function_head", "project_director", "functional_manager"} == ASSESSED_ROLES


def test_exposed_assignments_of_a_safe_unit_is_empty() -> None:
    safe = status({2}, published={1, 2, 3, 4})
    assert exposed_assignments(status=safe, assignments=[span(1, MARKETING, date(2020, 1, 1))]) == ()


def test_assignment_span_refuses_an_end_before_its_start() -> None:
    with pytest.raises(ValueError):
        span(1, MARKETING, date(2026, 2, 1), date(2026, 1, 1))


# ------------------------------------------------------------------------------------------
# Appraisal caps: properties
# ------------------------------------------------------------------------------------------

CAP_UNITS = (MARKETING, F("design"), P("GG"), HK)
ROLES = ("function_head", "project_director", "functional_manager", "team_member")
quarter_sets = st.frozensets(st.integers(min_value=1, max_value=4))


@st.composite
def cap_years(draw: st.DrawFn) -> tuple[frozenset[int], dict[UnitKey, frozenset[int]], list[AssignmentSpan]]:
    published = draw(quarter_sets)
    low = {
        unit: frozenset(draw(st.frozensets(st.sampled_from(sorted(published))))) if published else frozenset()
        for unit in draw(st.lists(st.sampled_from(CAP_UNITS), unique=True))
    }
    spans = []
    for _ in range(draw(st.integers(min_value=0, max_value=8))):
        start = draw(st.dates(min_value=date(2025, 6, 1), max_value=date(2027, 3, 1)))
        end = draw(st.none() | st.dates(min_value=start, max_value=date(2027, 6, 1)))
        role = draw(st.sampled_from(ROLES))
        spans.append(span(draw(st.integers(min_value=1, max_value=4)), draw(st.sampled_from(CAP_UNITS)), start, end, role))
    return published, low, spans


def brute_force_triggered(low: frozenset[int]) -> bool:
    return len(low) >= 3 or any({q, q + 1} <= low for q in (1, 2, 3))


QUARTER_SPANS_2026 = {
    1: (date(2026, 1, 1), date(2026, 3, 31)),
    2: (date(2026, 4, 1), date(2026, 6, 30)),
    3: (date(2026, 7, 1), date(2026, 9, 30)),
    4: (date(2026, 10, 1), date(2026, 12, 31)),
}


@given(cap_years(), st.sampled_from(CAP_UNITS), st.integers(min_value=1, max_value=4))
def test_adding_a_low_quarter_never_removes_a_cap(
    year_data: tuple[frozenset[int], dict[UnitKey, frozenset[int]], list[AssignmentSpan]],
    unit: UnitKey,
    number: int,
) -> None:
    published, low, spans = year_data
    before = appraisal_caps(year=2026, low_quarters_by_unit=low, published_quarters=published, assignments=spans)
    more_low = dict(low)
    more_low[unit] = low.get(unit, frozenset()) | {number}
    after = appraisal_caps(year=2026, low_quarters_by_unit=more_low, published_quarters=published | {number}, assignments=spans)
    after_by_person = {p.person_id: p for p in after.people}
    for person in before.people:
        assert person.person_id in after_by_person
        later = after_by_person[person.person_id]
        assert set(person.units) <= set(later.units)
        assert set(person.trigger_quarters) <= set(later.trigger_quarters)
        assert set(person.rules) <= set(later.rules)


@given(cap_years())
def test_caps_match_the_definition(
    year_data: tuple[frozenset[int], dict[UnitKey, frozenset[int]], list[AssignmentSpan]],
) -> None:
    """SPEC §6 spelt out naively: capped iff assigned in an assessed role (not a team member) to a triggered unit in
    one of its low quarters."""
    published, low, spans = year_data
    caps = appraisal_caps(year=2026, low_quarters_by_unit=low, published_quarters=published, assignments=spans)
    expected: dict[int, set[UnitKey]] = {}
    for s in spans:
        unit_low = low.get(s.unit, frozenset())
        if (
            s.role != "team_member"
            and brute_force_triggered(unit_low)
            and any(
                s.start <= QUARTER_SPANS_2026[q][1] and (s.end is None or s.end >= QUARTER_SPANS_2026[q][0]) for q in unit_low
            )
        ):
            expected.setdefault(s.person_id, set()).add(s.unit)
    assert {p.person_id: set(p.units) for p in caps.people} == expected
    assert len({p.person_id for p in caps.people}) == len(caps.people)


@given(st.sets(st.integers(min_value=1, max_value=4)), st.sets(st.integers(min_value=1, max_value=4)))
def test_at_risk_matches_the_definition(low: set[int], extra_published: set[int]) -> None:
    published = low | extra_published
    result = status(low, published)
    assert result.triggered == brute_force_triggered(frozenset(low))
    for number in range(1, 5):
        would_trigger = number not in published and brute_force_triggered(frozenset(low | {number}))
        assert (number in result.risk_quarters) == (would_trigger and not result.triggered)
    assert result.at_risk == bool(result.risk_quarters)
    assert not (result.at_risk and result.triggered)


# ------------------------------------------------------------------------------------------
# Appraisal caps: the engine equals its first, plain implementation (kept here as the reference). appraisal_caps
# now shares one status per set of low quarters, groups spans by unit once and skips the merging for a person with
# one cause (the caps export reads thousands of people at >= 80,000 cells/s); the result must not change at all.
# ------------------------------------------------------------------------------------------


def reference_exposed_assignments(*, status: UnitCapStatus, assignments: Iterable[AssignmentSpan]) -> tuple:
    if status.triggered:
        numbers = status.low_quarters
    elif status.at_risk:
        numbers = tuple(sorted({*status.low_quarters, *status.risk_quarters}))
    else:
        return ()
    quarters = [Quarter(status.year, number) for number in numbers]
    return tuple(
        span
        for span in assignments
        if span.unit == status.unit and span.role in ASSESSED_ROLES and any(span.overlaps(quarter) for quarter in quarters)
    )


def reference_appraisal_caps(*, year, low_quarters_by_unit, published_quarters, assignments) -> tuple:
    statuses = [
        unit_cap_status(unit=unit, year=year, low_quarters=low, published_quarters=published_quarters)
        for unit, low in sorted(low_quarters_by_unit.items())
    ]
    spans_by_unit: dict[UnitKey, list[AssignmentSpan]] = {}
    for s in assignments:
        spans_by_unit.setdefault(s.unit, []).append(s)
    causes: dict[int, list[tuple[AssignmentSpan, UnitCapStatus]]] = {}
    for unit_status in statuses:
        if unit_status.triggered:
            for s in reference_exposed_assignments(status=unit_status, assignments=spans_by_unit.get(unit_status.unit, [])):
                causes.setdefault(s.person_id, []).append((s, unit_status))
    people = []
    for pairs in causes.values():
        pairs.sort(key=lambda pair: (pair[0].unit, pair[0].start, pair[0].role))
        first = pairs[0][0]
        rules = {rule for _, unit_status in pairs for rule in unit_status.rules}
        people.append(
            PersonCap(
                person_id=first.person_id,
                employee_id=first.employee_id,
                name=first.name,
                year=year,
                cap=CAP_GRADE,
                units=tuple(dict.fromkeys(s.unit for s, _ in pairs)),
                roles=tuple(dict.fromkeys(s.role for s, _ in pairs)),
                trigger_quarters=tuple(sorted({n for _, unit_status in pairs for n in unit_status.low_quarters})),
                rules=tuple(rule for rule in CapRule if rule in rules),
            )
        )
    people.sort(key=lambda person: (person.employee_id, person.person_id))
    return tuple(people), tuple(unit_status for unit_status in statuses if unit_status.at_risk)


MANY_CAP_UNITS = (*CAP_UNITS, F("engineering"), F("property"), P("A1"), P("A2"), P("B1"))


@st.composite
def crowded_cap_years(draw: st.DrawFn) -> tuple[frozenset[int], dict[UnitKey, frozenset[int]], list[AssignmentSpan]]:
    """Many units sharing few sets of low quarters, people with several spans in several units and roles."""
    published = draw(quarter_sets)
    choices = st.sampled_from(sorted(published)) if published else st.nothing()
    shared = draw(st.lists(st.frozensets(choices), min_size=1, max_size=3)) if published else [frozenset()]
    low = {unit: draw(st.sampled_from(shared)) for unit in draw(st.lists(st.sampled_from(MANY_CAP_UNITS), unique=True))}
    spans = []
    for _ in range(draw(st.integers(min_value=0, max_value=20))):
        start = draw(st.dates(min_value=date(2025, 10, 1), max_value=date(2027, 1, 31)))
        end = draw(st.none() | st.dates(min_value=start, max_value=date(2027, 3, 31)))
        role = draw(st.sampled_from(ROLES))
        spans.append(span(draw(st.integers(min_value=1, max_value=6)), draw(st.sampled_from(MANY_CAP_UNITS)), start, end, role))
    return published, low, spans


@given(st.one_of(cap_years(), crowded_cap_years()))
def test_appraisal_caps_equals_the_reference_implementation(
    year_data: tuple[frozenset[int], dict[UnitKey, frozenset[int]], list[AssignmentSpan]],
) -> None:
    published, low, spans = year_data
    caps = appraisal_caps(year=2026, low_quarters_by_unit=low, published_quarters=published, assignments=spans)
    expected = reference_appraisal_caps(year=2026, low_quarters_by_unit=low, published_quarters=published, assignments=spans)
    assert (caps.people, caps.at_risk) == expected
    # Field by field too (dataclass equality would hide nothing, but say which field differs).
    assert [vars(person) for person in caps.people] == [vars(person) for person in expected[0]]
    for unit in MANY_CAP_UNITS:
        unit_status = unit_cap_status(unit=unit, year=2026, low_quarters=low.get(unit, frozenset()), published_quarters=published)
        assert exposed_assignments(status=unit_status, assignments=spans) == reference_exposed_assignments(
            status=unit_status, assignments=spans
        )


def test_appraisal_caps_names_the_first_unit_whose_low_quarters_are_unpublished() -> None:
    """Units sharing a set of low quarters share its check: the error still names the first such unit."""
    low = {P("ZZ"): frozenset({3}), MARKETING: frozenset({1}), P("AA"): frozenset({3})}
    with pytest.raises(ValueError, match=r"^project:AA：2026Q3 尚未发布"):
        appraisal_caps(year=2026, low_quarters_by_unit=low, published_quarters={1, 2}, assignments=[])


# ------------------------------------------------------------------------------------------
# Mutation-checked edges (make mutation): each test kills mutants that survived the tests above
# ------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("percent", "grade"),
    [
        (Fraction(7995, 100), "B"),  # 79.95 %: between 79 and 80, still B (a B+ bound of 79 would say B+)
        (Fraction(7901, 100), "B"),
        (Fraction(80), "B+"),
        (Fraction(8999, 100), "B+"),
        (Fraction(6999, 100), "B-"),
        (Fraction(5999, 100), "C"),
        (Fraction(0), "C"),
    ],
)
def test_each_default_band_starts_exactly_at_its_bound(percent: Fraction, grade: str) -> None:
    """SPEC §5: A ≥ 90, B+ ≥ 80, B ≥ 70, B- ≥ 60, C below — no score between 79 % and 80 % is B+."""
    assert grade_for(percent / 100) == grade
    assert [band.min_percent for band in DEFAULT_BANDS] == [90, 80, 70, 60, 0]


def test_a_policy_of_zero_yuan_and_equal_thresholds_is_accepted() -> None:
    """SPEC §5 "Policy": the amount may be 0 (money switched off); the penalty line may equal the reward line."""
    assert Policy(amount=0).amount == 0
    same = Policy(reward_above_percent=60, penalty_below_percent=60)
    assert (same.reward_above_percent, same.penalty_below_percent) == (60, 60)
    with pytest.raises(ValueError, match="不能高于奖励线"):
        Policy(reward_above_percent=60, penalty_below_percent=Fraction(6001, 100))
    with pytest.raises(ValueError, match="非负整数"):
        Policy(amount=-1)
    # With the amount at 0, a rank-1 unit above the line and a unit below the line both get nothing, unsettled.
    outcome = score_quarter([CellTally("GG", "marketing", 10, 10)], project_codes=["GG"], policy=Policy(amount=0))
    assert outcome.entries == ()


@pytest.mark.parametrize(
    ("bands", "message"),
    [
        ((GradeBand("A", Fraction(80)), GradeBand("B", Fraction(80)), GradeBand("C", Fraction(0))), "不低于"),
        ((GradeBand("A", Fraction(90)), GradeBand("C", Fraction(1))), "下限应为 0%"),
    ],
)
def test_bands_with_equal_bounds_or_a_lowest_band_above_zero_are_refused(bands: tuple[GradeBand, ...], message: str) -> None:
    with pytest.raises(ValueError, match=message):
        validate_bands(bands)


def test_a_negative_score_or_impossible_unit_result_is_refused() -> None:
    with pytest.raises(ValueError, match="得分不能为负数"):
        grade_for(Fraction(-1, 100))
    assert grade_for(Fraction(0)) == "C"
    unit = F("marketing")
    with pytest.raises(ValueError, match="完成权重应在 0 到适用权重之间"):
        UnitResult(unit, -1, 0, None, None, None, 0, None)
    with pytest.raises(ValueError, match="得分、等级或排名与权重不一致"):
        UnitResult(unit, 1, 2, Fraction(1, 2), "C", 0, -3000, Settlement.TEAM)
    ranked_first = UnitResult(unit, 1, 2, Fraction(1, 2), "C", 1, -3000, Settlement.TEAM)
    assert (ranked_first.rank, ranked_first.assessed, ranked_first.percent) == (1, True, 50)
    zero = UnitResult(unit, 0, 2, Fraction(0), "C", 1, -3000, Settlement.TEAM)
    assert zero.percent_display == Decimal("0.00")


def test_percent_display_of_a_tiny_positive_score_is_zero_not_minus_zero() -> None:
    assert str(percent_display(Fraction(1, 10**6))) == "0.00"  # 0.0001 %
    assert str(percent_display(Fraction(1, 20000))) == "0.01"  # 0.005 %: half-up
    assert str(percent_display(Fraction(1, 20001))) == "0.00"
    assert str(percent_display(Fraction(0))) == "0.00"


@pytest.mark.parametrize(
    "make",
    [
        lambda: UnitKey.function("marketing"),
        lambda: CellTally("GG", "marketing", 1, 2),
        lambda: GradeBand("A", Fraction(90)),
        lambda: Policy(),
        lambda: UnitResult(F("design"), 0, 0, None, None, None, 0, None),
        lambda: QuarterOutcome((), ()),
        lambda: AssignmentSpan(1, "E001", "员工1", F("marketing"), "function_head", date(2026, 1, 1), None),
        lambda: unit_cap_status(unit=F("marketing"), year=2026, low_quarters={1}, published_quarters={1}),
        lambda: PersonCap(1, "E001", "员工1", 2026, "B-", (F("marketing"),), ("function_head",), (1, 2), ()),
    ],
)
def test_the_engines_values_are_frozen(make) -> None:
    """Frozen dataclasses in, frozen dataclasses out (engine docstring): a value cannot be changed after it is made."""
    value = make()
    field = next(iter(value.__dataclass_fields__))
    with pytest.raises(FrozenInstanceError):
        setattr(value, field, getattr(value, field))
    assert value == make() and hash(value) == hash(make())  # frozen and compared by value, so hashable


def _refused(message: str):
    """The exact message an operator reads (SPEC: invalid input raises ValueError with a Chinese message)."""
    return pytest.raises(ValueError, match=f"^{re.escape(message)}$")


@pytest.mark.parametrize(
    ("make", "message"),
    [
        (lambda: GradeBand("A", 0.9), "等级下限必须是精确数值（整数、分数或十进制数），收到 0.9"),
        (lambda: GradeBand("", Fraction(90)), "等级名称不能为空"),
        (lambda: Policy(reward_above_percent=90.0), "奖励线必须是精确数值（整数、分数或十进制数），收到 90.0"),
        (lambda: Policy(penalty_below_percent=True), "处罚线必须是精确数值（整数、分数或十进制数），收到 True"),
        (lambda: Policy(amount=True), "奖惩金额必须是非负整数，收到 True"),
        (lambda: Policy(amount=1.5), "奖惩金额必须是非负整数，收到 1.5"),
        (lambda: Policy(reward_above_percent=60, penalty_below_percent=61), "处罚线(61%)不能高于奖励线(60%)"),
        (lambda: CellTally("GG", "marketing", -1, 2), "GG/marketing：权重不能为负数"),
        (lambda: CellTally("GG", "marketing", 3, 2), "GG/marketing：完成权重大于适用权重"),
        (lambda: validate_bands([]), "至少需要一个等级"),
        (lambda: validate_bands([GradeBand("A", Fraction(0)), GradeBand("A", Fraction(0))]), "等级名称重复"),
        (
            lambda: validate_bands([GradeBand("A", Fraction(80)), GradeBand("B", Fraction(80)), GradeBand("C", Fraction(0))]),
            "等级应从高到低排列：B(80%)不低于 A(80%)",
        ),
        (lambda: validate_bands([GradeBand("A", Fraction(90)), GradeBand("C", Fraction(1))]), "最低等级 C 的下限应为 0%"),
        (lambda: grade_for(Fraction(-1, 100)), "得分不能为负数，收到 -1/100"),
        (
            lambda: UnitResult(F("marketing"), -1, 0, None, None, None, 0, None),
            "function:marketing：完成权重应在 0 到适用权重之间",
        ),
        (
            lambda: UnitResult(F("marketing"), 0, 0, Fraction(0), None, None, 0, None),
            "function:marketing：不列入考核的单元不能有得分、等级、排名或奖惩",
        ),
        (
            lambda: UnitResult(F("marketing"), 1, 2, Fraction(1, 2), "C", None, 0, None),
            "function:marketing：得分、等级或排名与权重不一致",
        ),
        (
            lambda: UnitResult(F("marketing"), 1, 2, Fraction(1, 2), None, 1, 0, None),
            "function:marketing：得分、等级或排名与权重不一致",
        ),
        (
            lambda: UnitResult(F("marketing"), 1, 2, Fraction(1, 2), "C", 1, 0, Settlement.TEAM),
            "function:marketing：结算方式应当且仅当有奖惩金额时填写",
        ),
        (lambda: score_quarter([], project_codes=["BB", "AA", "BB", "AA"]), "项目编号重复：AA、BB"),
        (lambda: score_quarter([], project_codes=[], function_codes=["design", "design"]), "职能编号重复：design"),
        (
            lambda: AssignmentSpan(1, "E001", "员工1", F("marketing"), "function_head", date(2026, 2, 1), date(2026, 1, 1)),
            "E001 员工1：结束日期早于起始日期",
        ),
        (
            lambda: unit_cap_status(unit=F("marketing"), year=2026, low_quarters={5}, published_quarters={1}),
            "低等级季度应为 1 到 4，收到 [5]",
        ),
        (
            lambda: unit_cap_status(unit=F("marketing"), year=2026, low_quarters=set(), published_quarters={0, 1}),
            "已发布季度应为 1 到 4，收到 [0]",
        ),
        (
            lambda: unit_cap_status(unit=F("marketing"), year=2026, low_quarters={1, 2}, published_quarters=set()),
            "function:marketing：2026Q1、2026Q2 尚未发布，不能计入绩效上限",
        ),
    ],
)
def test_every_refusal_says_exactly_what_is_wrong(make, message: str) -> None:
    with _refused(message):
        make()


def test_exact_thresholds_are_stored_as_fractions() -> None:
    band = GradeBand("A", Decimal("90.5"))
    assert isinstance(band.min_percent, Fraction) and band.min_percent == Fraction(181, 2)
    policy = Policy(reward_above_percent=Decimal("90.5"), penalty_below_percent=Decimal("59.5"))
    assert isinstance(policy.reward_above_percent, Fraction) and policy.reward_above_percent == Fraction(181, 2)
    assert isinstance(policy.penalty_below_percent, Fraction) and policy.penalty_below_percent == Fraction(119, 2)


def test_percent_display_keeps_the_sign_of_a_negative_fraction() -> None:
    """Half-up means ties away from zero on both sides (the engine never produces a negative score)."""
    assert str(percent_display(Fraction(-1, 8))) == "-12.50"
    assert str(percent_display(Fraction(-1, 20000))) == "-0.01"  # -0.005 %: the tie goes away from zero
    assert str(percent_display(Fraction(-2, 3))) == "-66.67"


def test_result_for_an_unknown_unit_names_it() -> None:
    outcome = score_quarter([], project_codes=["GG"])
    with pytest.raises(KeyError) as missing:
        outcome.result_for(P("ZZ"))
    assert missing.value.args == (P("ZZ"),)


def test_units_at_or_below_uses_the_bands_it_is_given() -> None:
    bands = (GradeBand("优", Fraction(50)), GradeBand("差", Fraction(0)))
    outcome = score_quarter([CellTally("GG", "marketing", 1, 4)], project_codes=["GG"], bands=bands)
    assert units_at_or_below(outcome, cap_grade="差", bands=bands) == {F("marketing"), P("GG")}


def test_a_capped_person_is_named() -> None:
    caps = appraisal_caps(
        year=2026,
        low_quarters_by_unit={MARKETING: {1, 2}},
        published_quarters={1, 2},
        assignments=[span(7, MARKETING, date(2026, 1, 1), role="function_head")],
    )
    assert [(p.person_id, p.employee_id, p.name) for p in caps.people] == [(7, "E007", "员工7")]
