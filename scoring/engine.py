"""The pure rule engine: quarter scores, grades, ranks, money (SPEC §5) and appraisal caps (SPEC §6).

Frozen dataclasses in, frozen dataclasses out. Nothing here touches Django or the database:
the services in ``scoring`` load inspections and assignments, reduce them to the plain data
below, call the engine and freeze what it returns. Every comparison with a threshold uses exact
``fractions.Fraction`` arithmetic (SPEC §5 "Exactness"); floats are refused wherever a number
could reach a threshold.

Scoring a quarter::

    score_quarter(cells: Iterable[CellTally], *, project_codes: Iterable[str],
                  function_codes: Iterable[str] = FUNCTION_CODES,
                  bands: Sequence[GradeBand] = DEFAULT_BANDS,
                  policy: Policy = DEFAULT_POLICY) -> QuarterOutcome

    CellTally(project, function, done_weight, applicable_weight)   # one inspected cell
    QuarterOutcome(functions, projects)                             # two ranked tuples of UnitResult
        .results  .entries  .result_for(unit)
    UnitResult(unit, done, applicable, score, grade, rank, amount, settlement)
        .assessed  .percent  .percent_display
    UnitKey(kind: UnitKind, code)  UnitKey.function(code)  UnitKey.project(code)
    GradeBand(label, min_percent)  DEFAULT_BANDS  CAP_GRADE = "B-"
    Policy(amount=3000, reward_above_percent=90, penalty_below_percent=60)  DEFAULT_POLICY
    grade_for(score, bands=DEFAULT_BANDS) -> str
    is_at_or_below(grade, cap_grade=CAP_GRADE, bands=DEFAULT_BANDS) -> bool
    units_at_or_below(outcome, *, cap_grade=CAP_GRADE, bands=DEFAULT_BANDS) -> frozenset[UnitKey]
    percent_display(score) -> Decimal   percent_of(done, applicable) -> Decimal   # the same, in integers
    percent_text(done, applicable) -> str   # str(percent_of(...)), without the Decimal
    validate_bands(bands) -> tuple[GradeBand, ...]

Appraisal caps (R11) for one year::

    unit_cap_status(*, unit, year, low_quarters, published_quarters) -> UnitCapStatus
    appraisal_caps(*, year, low_quarters_by_unit, published_quarters, assignments) -> AppraisalCaps
    exposed_assignments(*, status, assignments) -> tuple[AssignmentSpan, ...]   # assessed roles only

    AssignmentSpan(person_id, employee_id, name, unit, role, start, end)
    UnitCapStatus(unit, year, low_quarters, triggered, rules, at_risk, risk_quarters)
    PersonCap(person_id, employee_id, name, year, cap, units, roles, trigger_quarters, rules)
    AppraisalCaps(people, at_risk)      # a NamedTuple: ``people, at_risk = appraisal_caps(...)``
    CapRule.CONSECUTIVE ("consecutive", 连续两个季度), CapRule.CUMULATIVE ("cumulative", 累计三个季度)

A score is a fraction in [0, 1]; thresholds and grade bands are percentages (0–100), so a
score is compared as ``score * 100``. Quarter numbers in the cap API are 1–4 within ``year``.
Invalid input raises ``ValueError`` with a Chinese message (operators may see it).
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Mapping, Sequence
from collections.abc import Set as AbstractSet
from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from enum import StrEnum
from fractions import Fraction
from itertools import pairwise
from operator import attrgetter
from typing import NamedTuple

from core.dates import Quarter

__all__ = [
    "ASSESSED_ROLES",
    "CAP_GRADE",
    "DEFAULT_BANDS",
    "DEFAULT_POLICY",
    "FUNCTION_CODES",
    "PROPERTY",
    "AppraisalCaps",
    "AssignmentSpan",
    "CapRule",
    "CellTally",
    "GradeBand",
    "PersonCap",
    "Policy",
    "QuarterOutcome",
    "Settlement",
    "UnitCapStatus",
    "UnitKey",
    "UnitKind",
    "UnitResult",
    "appraisal_caps",
    "exposed_assignments",
    "grade_for",
    "is_at_or_below",
    "percent_display",
    "score_quarter",
    "unit_cap_status",
    "units_at_or_below",
    "validate_bands",
]

# SPEC §3: the five functions of R3, with fixed codes.
FUNCTION_CODES: tuple[str, ...] = (
    "marketing",
    "design",
    "engineering",
    "customer_relations",
    "property",
)
# R15: the property company's money is settled through its service fee.
PROPERTY = "property"
# R11: the annual appraisal cap, and the grade at or below which a quarter counts towards it.
CAP_GRADE = "B-"
# R3, SPEC §6: the assessed people (被考核人员) whose appraisal a cap binds — function heads, project directors and
# functional managers (the role codes of touchpoints.choices.Role). Decision: team members (团队成员) share rewards and
# penalties (R14) but are not assessed, so they are never capped nor listed as at risk.
ASSESSED_ROLES: frozenset[str] = frozenset({"function_head", "project_director", "functional_manager"})

_QUARTER_NUMBERS = (1, 2, 3, 4)
_HUNDRED = 100


class UnitKind(StrEnum):
    """What a unit (考核单元) is: a city-wide function or a project."""

    FUNCTION = "function"
    PROJECT = "project"


class Settlement(StrEnum):
    """How a reward or penalty is settled (R15)."""

    TEAM = "team"  # 团队奖惩: split among the unit's people (R14)
    SERVICE_FEE = "service_fee"  # 服务费结算: the property company, through its service fee


class CapRule(StrEnum):
    """Which clause of R11 triggered an appraisal cap."""

    CONSECUTIVE = "consecutive"  # 连续两个季度
    CUMULATIVE = "cumulative"  # 累计三个季度


def _exact(value: object, what: str) -> Fraction:
    """An exact Fraction from an int, Fraction or Decimal; floats are refused (SPEC §5)."""
    if isinstance(value, bool) or not isinstance(value, int | Fraction | Decimal):
        raise ValueError(f"{what}必须是精确数值（整数、分数或十进制数），收到 {value!r}")
    return Fraction(value)


# ------------------------------------------------------------------------------------------
# Scoring (SPEC §5)
# ------------------------------------------------------------------------------------------


@dataclass(frozen=True, order=True)
class UnitKey:
    """Identifies a unit: a function by its code, or a project by its code.

    Ordered functions first, then by code, which gives every output a stable order.
    """

    kind: UnitKind
    code: str

    @classmethod
    def function(cls, code: str) -> UnitKey:
        return cls(UnitKind.FUNCTION, code)

    @classmethod
    def project(cls, code: str) -> UnitKey:
        return cls(UnitKind.PROJECT, code)

    def __str__(self) -> str:
        return f"{self.kind}:{self.code}"


@dataclass(frozen=True)
class CellTally:
    """One inspected cell (project × function) of a quarter, reduced to two weight sums.

    ``done_weight`` sums the weights of items with verdict *done*; ``applicable_weight`` those
    with verdict *done* or *not done*. Not-applicable items count nowhere (SPEC §5).
    """

    project: str
    function: str
    done_weight: int
    applicable_weight: int

    def __post_init__(self) -> None:
        if self.done_weight < 0 or self.applicable_weight < 0:
            raise ValueError(f"{self.project}/{self.function}：权重不能为负数")
        if self.done_weight > self.applicable_weight:
            raise ValueError(f"{self.project}/{self.function}：完成权重大于适用权重")


@dataclass(frozen=True)
class GradeBand:
    """A grade and the lowest percentage (inclusive) that earns it (int/Decimal → Fraction)."""

    label: str
    min_percent: Fraction

    def __post_init__(self) -> None:
        if not self.label:
            raise ValueError("等级名称不能为空")
        object.__setattr__(self, "min_percent", _exact(self.min_percent, "等级下限"))


# SPEC §5 default bands, best first: A ≥ 90, B+ ≥ 80, B ≥ 70, B- ≥ 60, C below 60.
DEFAULT_BANDS: tuple[GradeBand, ...] = (
    GradeBand("A", Fraction(90)),
    GradeBand("B+", Fraction(80)),
    GradeBand("B", Fraction(70)),
    GradeBand("B-", Fraction(60)),
    GradeBand("C", Fraction(0)),
)


@dataclass(frozen=True)
class Policy:
    """Reward/penalty amount and thresholds in percent (SPEC §5 "Policy", R12, R13).

    Thresholds given as ``int`` or ``Decimal`` (what a model field holds) are converted to
    ``Fraction``; floats are refused.
    """

    amount: int = 3000
    reward_above_percent: Fraction = Fraction(90)
    penalty_below_percent: Fraction = Fraction(60)

    def __post_init__(self) -> None:
        if isinstance(self.amount, bool) or not isinstance(self.amount, int) or self.amount < 0:
            raise ValueError(f"奖惩金额必须是非负整数，收到 {self.amount!r}")
        reward = _exact(self.reward_above_percent, "奖励线")
        penalty = _exact(self.penalty_below_percent, "处罚线")
        # With penalty ≤ reward no score can be both above the one and below the other,
        # so a unit is never both rewarded and fined.
        if penalty > reward:
            raise ValueError(f"处罚线({penalty}%)不能高于奖励线({reward}%)")
        object.__setattr__(self, "reward_above_percent", reward)
        object.__setattr__(self, "penalty_below_percent", penalty)


DEFAULT_POLICY = Policy()


def validate_bands(bands: Sequence[GradeBand]) -> tuple[GradeBand, ...]:
    """Check grade bands are usable: best first, strictly descending, covering 0%.

    Returns them as a tuple. Raises ValueError otherwise (admin can call this to validate).
    """
    result = tuple(bands)
    if not result:
        raise ValueError("至少需要一个等级")
    labels = [band.label for band in result]
    if len(set(labels)) != len(labels):
        raise ValueError("等级名称重复")
    for better, worse in pairwise(result):
        if worse.min_percent >= better.min_percent:
            raise ValueError(
                f"等级应从高到低排列：{worse.label}({worse.min_percent}%)不低于 {better.label}({better.min_percent}%)"
            )
    if result[-1].min_percent > 0:
        raise ValueError(f"最低等级 {result[-1].label} 的下限应为 0%")
    return result


def grade_for(score: Fraction, bands: Sequence[GradeBand] = DEFAULT_BANDS) -> str:
    """The grade of a score in [0, 1]: the first (best) band whose lower bound it reaches."""
    checked = validate_bands(bands)
    if score < 0:
        raise ValueError(f"得分不能为负数，收到 {score}")
    percent = score * _HUNDRED
    # validate_bands guarantees the last band starts at or below 0 % and the score is not negative: one band matches.
    return next(band.label for band in checked if percent >= band.min_percent)


def is_at_or_below(grade: str, cap_grade: str = CAP_GRADE, bands: Sequence[GradeBand] = DEFAULT_BANDS) -> bool:
    """R11: whether ``grade`` is ordered at or below ``cap_grade`` ("B- or below")."""
    labels = [band.label for band in validate_bands(bands)]
    for label in (grade, cap_grade):
        if label not in labels:
            raise ValueError(f"未知等级 {label!r}")
    return labels.index(grade) >= labels.index(cap_grade)


def percent_display(score: Fraction) -> Decimal:
    """A score in [0, 1] as a percentage rounded half-up to two decimals (SPEC §5).

    Exact: the rounding is done in integers, so 0.125% shows as 0.13 and 2/3 as 66.67.
    """
    exact = Fraction(score)
    return percent_of(exact.numerator, exact.denominator)


_CENTS = [f"{cents:02d}" for cents in range(_HUNDRED)]  # "00" … "99"


def _hundredths_of(done: int, applicable: int) -> int:
    """``done / applicable`` in hundredths of a percent, rounded half-up (ties away from zero)."""
    if applicable <= 0:
        raise ValueError(f"适用权重必须为正数，收到 {applicable}")
    scaled = done * _HUNDRED * _HUNDRED  # hundredths of a percent, over `applicable`
    quotient, remainder = divmod(abs(scaled), applicable)
    if 2 * remainder >= applicable:  # ROUND_HALF_UP: ties away from zero
        quotient += 1
    return -quotient if scaled < 0 else quotient


def percent_of(done: int, applicable: int) -> Decimal:
    """``percent_display(Fraction(done, applicable))`` in integers alone, without building a fraction.
    ``applicable`` must be positive."""
    return Decimal(_hundredths_of(done, applicable)).scaleb(-2)


def percent_text(done: int, applicable: int) -> str:
    """``str(percent_of(done, applicable))`` ("86.54") without building a Decimal: the trends page shows 520 scores.
    ``applicable`` must be positive."""
    if done >= 0 and applicable > 0:  # the usual case in one expression: floor(x + 1/2) is half-up for x >= 0
        whole, cents = divmod((done * 2 * _HUNDRED * _HUNDRED + applicable) // (2 * applicable), _HUNDRED)
        return f"{whole}.{_CENTS[cents]}"
    hundredths = _hundredths_of(done, applicable)
    whole, cents = divmod(abs(hundredths), _HUNDRED)
    return f"{'-' if hundredths < 0 else ''}{whole}.{cents:02d}"


@dataclass(frozen=True)
class UnitResult:
    """A unit's result for one quarter.

    ``score`` is ``done / applicable`` (exact, in [0, 1]); a unit with ``applicable == 0`` is
    not assessed (R6): no score, grade or rank, and no money. ``amount`` is +reward, −penalty
    or 0; ``settlement`` is set exactly when ``amount`` is not 0.
    """

    unit: UnitKey
    done: int
    applicable: int
    score: Fraction | None
    grade: str | None
    rank: int | None
    amount: int
    settlement: Settlement | None

    def __post_init__(self) -> None:
        if not 0 <= self.done <= self.applicable:
            raise ValueError(f"{self.unit}：完成权重应在 0 到适用权重之间")
        if self.applicable == 0:
            if (self.score, self.grade, self.rank, self.amount) != (None, None, None, 0):
                raise ValueError(f"{self.unit}：不列入考核的单元不能有得分、等级、排名或奖惩")
        elif self.score != Fraction(self.done, self.applicable) or self.grade is None or self.rank is None or self.rank < 1:
            raise ValueError(f"{self.unit}：得分、等级或排名与权重不一致")
        if (self.settlement is None) != (self.amount == 0):
            raise ValueError(f"{self.unit}：结算方式应当且仅当有奖惩金额时填写")

    @property
    def assessed(self) -> bool:
        """False when the unit had no applicable item this quarter (R6, 不列入考核)."""
        return self.score is not None

    @property
    def percent(self) -> Fraction | None:
        """The exact score in percent (0–100), or None when not assessed."""
        return None if self.score is None else self.score * _HUNDRED

    @property
    def percent_display(self) -> Decimal | None:
        """The score as shown: percent rounded half-up to two decimals, e.g. 92.86."""
        return None if self.score is None else percent_display(self.score)


@dataclass(frozen=True)
class QuarterOutcome:
    """Both rankings of a quarter.

    Each tuple lists the assessed units by rank then code, then the not-assessed units by code.
    """

    functions: tuple[UnitResult, ...]
    projects: tuple[UnitResult, ...]

    @property
    def results(self) -> tuple[UnitResult, ...]:
        """Every unit: functions first, then projects, each in ranking order."""
        return self.functions + self.projects

    @property
    def entries(self) -> tuple[UnitResult, ...]:
        """The units with money (R12, R13): the ledger entries publication creates."""
        return tuple(result for result in self.results if result.amount != 0)

    def result_for(self, unit: UnitKey) -> UnitResult:
        for result in self.results:
            if result.unit == unit:
                return result
        raise KeyError(unit)


def _unique_codes(codes: Iterable[str], what: str) -> tuple[str, ...]:
    result = tuple(codes)
    duplicates = sorted({code for code in result if result.count(code) > 1})
    if duplicates:
        raise ValueError(f"{what}编号重复：{'、'.join(duplicates)}")
    return result


def _settlement(unit: UnitKey, amount: int) -> Settlement | None:
    if amount == 0:
        return None
    # R15: only the property function is settled through the service fee; a project's money
    # (even the part earned by its property cell) goes to the project team.
    if unit.kind is UnitKind.FUNCTION and unit.code == PROPERTY:
        return Settlement.SERVICE_FEE
    return Settlement.TEAM


def _amount(rank: int, score: Fraction, policy: Policy) -> int:
    percent = score * _HUNDRED
    # R12: rank 1 and strictly above the threshold (exactly 90% earns nothing).
    if rank == 1 and percent > policy.reward_above_percent:
        return policy.amount
    # R13: strictly below the threshold, whatever the rank (exactly 60% is not fined).
    if percent < policy.penalty_below_percent:
        return -policy.amount
    return 0


def _rank(totals: Sequence[tuple[UnitKey, int, int]], bands: Sequence[GradeBand], policy: Policy) -> tuple[UnitResult, ...]:
    """Rank one kind of unit (functions, or projects) among themselves."""
    scores = [Fraction(done, applicable) for _, done, applicable in totals if applicable]
    # Competition ranking: a unit's rank is 1 + the number of strictly better scores, so ties
    # share a rank and the next one is skipped (1, 1, 3).
    first_position: dict[Fraction, int] = {}
    for position, score in enumerate(sorted(scores, reverse=True), start=1):
        first_position.setdefault(score, position)

    results = []
    for unit, done, applicable in totals:
        if applicable == 0:
            # R6: not assessed — no score, grade, rank or money.
            results.append(UnitResult(unit, done, 0, None, None, None, 0, None))
            continue
        score = Fraction(done, applicable)
        rank = first_position[score]
        amount = _amount(rank, score, policy)
        results.append(
            UnitResult(
                unit=unit,
                done=done,
                applicable=applicable,
                score=score,
                grade=grade_for(score, bands),
                rank=rank,
                amount=amount,
                settlement=_settlement(unit, amount),
            )
        )
    results.sort(key=lambda r: (r.rank is None, r.rank if r.rank is not None else 0, r.unit.code))
    return tuple(results)


def score_quarter(
    cells: Iterable[CellTally],
    *,
    project_codes: Iterable[str],
    function_codes: Iterable[str] = FUNCTION_CODES,
    bands: Sequence[GradeBand] = DEFAULT_BANDS,
    policy: Policy = DEFAULT_POLICY,
) -> QuarterOutcome:
    """Score, grade, rank and price every function and project of a quarter (SPEC §5).

    ``cells`` are the finalised inspections of the quarter, at most one per project × function.
    A unit's score pools the weights of its cells into one fraction (not an average of cells):
    a function over its cells in all projects, a project over its cells of all functions.
    Every code in ``project_codes`` and ``function_codes`` appears in the outcome, as not
    assessed (R6) when it has no applicable weight.
    """
    functions = _unique_codes(function_codes, "职能")
    projects = _unique_codes(project_codes, "项目")
    checked_bands = validate_bands(bands)

    sums: dict[UnitKey, tuple[int, int]] = {UnitKey.function(code): (0, 0) for code in functions}
    sums.update({UnitKey.project(code): (0, 0) for code in projects})
    seen: set[tuple[str, str]] = set()
    for cell in cells:
        if cell.function not in functions:
            raise ValueError(f"未知职能 {cell.function!r}")
        if cell.project not in projects:
            raise ValueError(f"未知项目 {cell.project!r}")
        if (cell.project, cell.function) in seen:
            raise ValueError(f"{cell.project}/{cell.function}：同一季度的检查重复")
        seen.add((cell.project, cell.function))
        for unit in (UnitKey.function(cell.function), UnitKey.project(cell.project)):
            done, applicable = sums[unit]
            sums[unit] = (done + cell.done_weight, applicable + cell.applicable_weight)

    def totals(kind: UnitKind) -> list[tuple[UnitKey, int, int]]:
        return [(unit, *sums[unit]) for unit in sums if unit.kind is kind]

    return QuarterOutcome(
        functions=_rank(totals(UnitKind.FUNCTION), checked_bands, policy),
        projects=_rank(totals(UnitKind.PROJECT), checked_bands, policy),
    )


def units_at_or_below(
    outcome: QuarterOutcome,
    *,
    cap_grade: str = CAP_GRADE,
    bands: Sequence[GradeBand] = DEFAULT_BANDS,
) -> frozenset[UnitKey]:
    """R11: the assessed units of a quarter graded ``cap_grade`` or below.

    Not-assessed units are never included: such a quarter counts neither for nor against a
    cap (R6).
    """
    return frozenset(
        result.unit for result in outcome.results if result.grade is not None and is_at_or_below(result.grade, cap_grade, bands)
    )


# ------------------------------------------------------------------------------------------
# Appraisal caps (SPEC §6, R11)
# ------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class AssignmentSpan:
    """A person's role in a unit from ``start`` to ``end`` (inclusive; None = still open)."""

    person_id: int
    employee_id: str
    name: str
    unit: UnitKey
    role: str
    start: date
    end: date | None

    def __post_init__(self) -> None:
        if self.end is not None and self.end < self.start:
            raise ValueError(f"{self.employee_id} {self.name}：结束日期早于起始日期")

    def overlaps(self, quarter: Quarter) -> bool:
        """Whether the span shares at least one day with the quarter."""
        return quarter.overlaps(self.start, self.end)


@dataclass(frozen=True)
class UnitCapStatus:
    """Where one unit stands against R11 in one year.

    ``low_quarters``: published quarters of the year in which the unit was assessed and graded
    at or below the cap grade. ``rules``: the clauses that hold (empty unless ``triggered``).
    ``risk_quarters``: unpublished quarters that, graded low, would trigger the unit
    (empty unless ``at_risk``; a triggered unit is never at risk).
    """

    unit: UnitKey
    year: int
    low_quarters: tuple[int, ...]
    triggered: bool
    rules: tuple[CapRule, ...]
    at_risk: bool
    risk_quarters: tuple[int, ...]

    @property
    def low_periods(self) -> tuple[Quarter, ...]:
        return tuple(Quarter(self.year, number) for number in self.low_quarters)

    @property
    def risk_periods(self) -> tuple[Quarter, ...]:
        return tuple(Quarter(self.year, number) for number in self.risk_quarters)


@dataclass(frozen=True)
class PersonCap:
    """One person whose year's appraisal is capped, with every unit that caps it (R11).

    ``units`` and ``roles`` list the distinct units and roles of the assignments that caused the
    cap (in unit order); ``trigger_quarters`` is the union of those units' low quarters and
    ``rules`` the union of their rules.
    """

    person_id: int
    employee_id: str
    name: str
    year: int
    cap: str
    units: tuple[UnitKey, ...]
    roles: tuple[str, ...]
    trigger_quarters: tuple[int, ...]
    rules: tuple[CapRule, ...]

    @property
    def trigger_periods(self) -> tuple[Quarter, ...]:
        return tuple(Quarter(self.year, number) for number in self.trigger_quarters)


class AppraisalCaps(NamedTuple):
    """What ``appraisal_caps`` returns: capped people, and units at risk (预警)."""

    people: tuple[PersonCap, ...]
    at_risk: tuple[UnitCapStatus, ...]


def _quarter_numbers(numbers: AbstractSet[int], what: str) -> frozenset[int]:
    result = frozenset(numbers)
    invalid = sorted(result.difference(_QUARTER_NUMBERS))
    if invalid:
        raise ValueError(f"{what}应为 1 到 4，收到 {invalid}")
    return result


def _rules(low: AbstractSet[int]) -> tuple[CapRule, ...]:
    """The R11 clauses that a set of low quarters of one year satisfies."""
    rules = []
    # R11: two calendar-consecutive quarters of the same year (Q1+Q2, Q2+Q3, Q3+Q4). The
    # year's Q1 never pairs with the previous year's Q4: the rule speaks of one appraisal year.
    if any(number in low and number + 1 in low for number in (1, 2, 3)):
        rules.append(CapRule.CONSECUTIVE)
    # R11: three quarters of one year, consecutive or not.
    if len(low) >= 3:
        rules.append(CapRule.CUMULATIVE)
    return tuple(rules)


def unit_cap_status(
    *,
    unit: UnitKey,
    year: int,
    low_quarters: AbstractSet[int],
    published_quarters: AbstractSet[int],
) -> UnitCapStatus:
    """R11 for one unit and year: triggered (and by which rules), or at risk.

    ``low_quarters`` must be published quarters: only published results count (SPEC §6).
    """
    low = _quarter_numbers(low_quarters, "低等级季度")
    published = _quarter_numbers(published_quarters, "已发布季度")
    if not low <= published:
        unpublished = "、".join(str(Quarter(year, n)) for n in sorted(low - published))
        raise ValueError(f"{unit}：{unpublished} 尚未发布，不能计入绩效上限")
    rules = _rules(low)
    # At risk (预警): not yet triggered, and one more low quarter among the unpublished ones
    # would trigger it.
    risk = () if rules else tuple(n for n in _QUARTER_NUMBERS if n not in published and _rules(low | {n}))
    return UnitCapStatus(
        unit=unit,
        year=year,
        low_quarters=tuple(sorted(low)),
        triggered=bool(rules),
        rules=rules,
        at_risk=bool(risk),
        risk_quarters=risk,
    )


def _exposure_days(status: UnitCapStatus) -> tuple[tuple[date, date], ...]:
    """First and last day of each quarter whose assignments ``status.unit``'s cap reaches (see exposed_assignments)."""
    if status.triggered:
        numbers = status.low_quarters
    elif status.at_risk:
        numbers = tuple(sorted({*status.low_quarters, *status.risk_quarters}))
    else:
        return ()
    quarters = [Quarter(status.year, number) for number in numbers]
    return tuple((quarter.first_day, quarter.last_day) for quarter in quarters)


def _reached(assignments: Iterable[AssignmentSpan], days: Sequence[tuple[date, date]]) -> tuple[AssignmentSpan, ...]:
    """The assignments in an assessed role that share a day with one of the ``days`` ranges (``Quarter.overlaps``:
    a span's end is inclusive, None when open, never before its start)."""
    reached = []
    for span in assignments:
        if span.role in ASSESSED_ROLES:
            start, end = span.start, span.end
            for first, last in days:
                if start <= last and (end is None or end >= first):
                    reached.append(span)
                    break
    return tuple(reached)


def exposed_assignments(*, status: UnitCapStatus, assignments: Iterable[AssignmentSpan]) -> tuple[AssignmentSpan, ...]:
    """The assignments to ``status.unit`` that its cap reaches (or would reach).

    Only assignments in an assessed role (``ASSESSED_ROLES``, SPEC §6): a team member is never
    capped. Triggered unit: those overlapping any of its low quarters (R11 — these people are
    capped). At-risk unit: those overlapping a low or a risk quarter (who would be capped if
    it triggers). Otherwise none.
    """
    days = _exposure_days(status)
    if not days:
        return ()
    unit = status.unit
    return _reached((span for span in assignments if span.unit == unit), days)


def _unit_order(item: tuple[UnitKey, object]) -> tuple[str, str]:
    """A mapping item's place in UnitKey order (kind, then code), compared as plain tuples."""
    return (item[0].kind, item[0].code)


def _span_order(span: AssignmentSpan) -> tuple[UnitKey, date, str]:
    return (span.unit, span.start, span.role)


def appraisal_caps(
    *,
    year: int,
    low_quarters_by_unit: Mapping[UnitKey, AbstractSet[int]],
    published_quarters: AbstractSet[int],
    assignments: Iterable[AssignmentSpan],
) -> AppraisalCaps:
    """R11 for a year: every capped person (once, with every unit) and every unit at risk.

    ``low_quarters_by_unit`` maps a unit to its published quarters of ``year`` graded at or
    below the cap grade; units absent from it have none (and so can be neither triggered nor
    at risk). People are ordered by employee id; at-risk units by unit.
    """
    # A unit's status depends on its set of low quarters only, and hundreds of units share a few sets: each set is
    # worked out (and checked) once, by unit_cap_status for the first unit (in unit order) that has it.
    statuses = []
    by_low: dict[frozenset[int], UnitCapStatus] = {}
    for unit, low in sorted(low_quarters_by_unit.items(), key=_unit_order):
        key = frozenset(low)
        known = by_low.get(key)
        if known is None:
            status = by_low[key] = unit_cap_status(unit=unit, year=year, low_quarters=low, published_quarters=published_quarters)
        else:
            status = UnitCapStatus(
                unit, year, known.low_quarters, known.triggered, known.rules, known.at_risk, known.risk_quarters
            )
        statuses.append(status)
    spans_by_unit: dict[UnitKey, list[AssignmentSpan]] = defaultdict(list)
    for span in assignments:
        spans_by_unit[span.unit].append(span)

    causes: dict[int, list[tuple[AssignmentSpan, UnitCapStatus]]] = defaultdict(list)
    days_by_low: dict[tuple[int, ...], tuple[tuple[date, date], ...]] = {}
    for status in statuses:
        if status.triggered:
            # exposed_assignments, on the spans already grouped by unit (a triggered unit's days are its low quarters')
            days = days_by_low.get(status.low_quarters)
            if days is None:
                days = days_by_low[status.low_quarters] = _exposure_days(status)
            for span in _reached(spans_by_unit.get(status.unit, ()), days):
                causes[span.person_id].append((span, status))

    people = []
    for pairs in causes.values():
        pairs.sort(key=lambda pair: _span_order(pair[0]))
        first = pairs[0][0]
        rules = {rule for _, status in pairs for rule in status.rules}
        people.append(
            PersonCap(
                person_id=first.person_id,
                employee_id=first.employee_id,
                name=first.name,
                year=year,
                cap=CAP_GRADE,
                units=tuple(dict.fromkeys(span.unit for span, _ in pairs)),
                roles=tuple(dict.fromkeys(span.role for span, _ in pairs)),
                trigger_quarters=tuple(sorted({n for _, status in pairs for n in status.low_quarters})),
                rules=tuple(rule for rule in CapRule if rule in rules),
            )
        )
    people.sort(key=attrgetter("employee_id", "person_id"))  # (employee_id, person_id), built in C
    return AppraisalCaps(
        people=tuple(people),
        at_risk=tuple(status for status in statuses if status.at_risk),
    )
