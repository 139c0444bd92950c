"""Reads of published results for pages, exports, the home panel and the rewards app. Every function here uses a fixed
number of queries, whatever the number of units, people or versions.

    latest_results(*, quarter) -> QuarterResult | None
    published_versions(*, quarter) -> list[QuarterResult]
    versions_for_page(*, quarter, version) -> PageVersions  # every version's header and the shown one's snapshot
    published_periods() -> list[Quarter]
    caps_for_year(*, year) -> engine.AppraisalCaps          # R11, from published quarters only
    caps_and_exposure_for_year(*, year)                     # the same, with the people each unit at risk would cap
    unit_trends(*, upto, count) -> Trends
    results_page(*, result, scope) -> ResultsPage
    my_units(*, scope, today) -> MyUnits
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from collections.abc import Container, Iterable
from dataclasses import dataclass, field
from decimal import Decimal
from fractions import Fraction
from functools import cache, lru_cache
from typing import Any, NamedTuple

from django.db import connection
from django.db.models import Case, JSONField, Q, QuerySet, When
from django.db.models.fields.json import KeyTransform
from django.utils.translation import get_language, ngettext, override
from django.utils.translation import gettext as _

from core.access import Scope
from core.dates import Quarter
from core.statements import Statement, compile_statement
from touchpoints.choices import Function, Role
from touchpoints.models import Assignment, Project

from . import engine
from .choices import Settlement, UnitKind
from .models import QuarterResult, UnitResult

# ---------------------------------------------------------------------------------------------------------------
# Versions


def latest_results(*, quarter: Quarter) -> QuarterResult | None:
    """The current (latest) published version of a quarter, or None while it is open."""
    return (
        QuarterResult.objects.filter(year=quarter.year, quarter=quarter.number)
        .select_related("published_by")
        .order_by("-version")
        .first()
    )


@cache
def _latest_parts_statement(parts: tuple[str, ...], alias: str) -> Statement:
    """The query of `latest_result_parts`, compiled once per process, database and parts (core.statements):
    compiling it each time cost more CPU than PostgreSQL spends running it."""
    return compile_statement(
        lambda year, number: (
            QuarterResult.objects.filter(year=year, quarter=number)
            .defer("snapshot", "confirmed_missing")
            .annotate(**{f"snapshot_{part}": KeyTransform(part, "snapshot") for part in parts})
            .order_by("-version")[:1]
        ),
        alias,
        keys=(int, int),
    )


def latest_result_parts(*, quarter: Quarter, parts: tuple[str, ...]) -> tuple[QuarterResult, dict[str, Any]] | None:
    """The current version of a quarter without its snapshot, and the named top-level parts of that snapshot, decoded
    alone (the bulletin reads its units and policy, not its cells); None while the quarter is open. One query, its
    statement compiled once (`_latest_parts_statement`)."""
    found = _latest_parts_statement(parts, connection.alias).instances(quarter.year, quarter.number)
    if not found:
        return None
    result = found[0]
    return result, {part: result.__dict__.pop(f"snapshot_{part}") for part in parts}


def result_version(*, pk: int) -> QuarterResult:
    """One published version with its snapshot (and who published it; not the version it supersedes, whose whole
    snapshot would be read and parsed for its id, which `supersedes_id` already gives)."""
    return QuarterResult.objects.select_related("published_by").get(pk=pk)


def published_versions(*, quarter: Quarter) -> list[QuarterResult]:
    """Every published version of a quarter, newest first (earlier versions stay readable, SPEC §7)."""
    return list(
        QuarterResult.objects.filter(year=quarter.year, quarter=quarter.number)
        .select_related("published_by__person")
        .order_by("-version")
        .defer("snapshot")
    )


@dataclass(frozen=True)
class Version:
    """One published version's header, as the results page lists it; `snapshot` only for the version it shows."""

    pk: int
    year: int
    quarter: int
    version: int
    published_at: dt.datetime
    reason: str
    supersedes_id: int | None
    current: bool  # not superseded by an amendment: the quarter's latest version
    confirmed_missing: list[dict[str, str]]
    snapshot: dict[str, Any] | None = field(default=None, repr=False)

    @property
    def period(self) -> Quarter:
        return Quarter(self.year, self.quarter)

    @property
    def is_amendment(self) -> bool:
        return self.supersedes_id is not None


@dataclass(frozen=True)
class PageVersions:
    """The header of every published version of every quarter, newest first, with the snapshot of the version a page
    shows: what `published_periods`, `published_versions`, `result_version` and the latest-version lookups of
    `unit_trends` and `my_units` read in five queries, in one (a company publishes four quarters a year)."""

    rows: list[Version]
    quarter: Quarter

    @property
    def periods(self) -> list[Quarter]:
        """The quarters with at least one published version, newest first."""
        seen: dict[tuple[int, int], Quarter] = {}
        for row in self.rows:
            seen.setdefault((row.year, row.quarter), Quarter(row.year, row.quarter))
        return list(seen.values())

    @property
    def versions(self) -> list[Version]:
        """The versions of the page's quarter, newest first."""
        return [row for row in self.rows if row.year == self.quarter.year and row.quarter == self.quarter.number]

    @property
    def shown(self) -> Version | None:
        return next((row for row in self.rows if row.snapshot is not None), None)

    def latest_upto(self, upto: Quarter, count: int) -> list[tuple[int, int, int]]:
        """(id, year, quarter) of the latest version of the last `count` published quarters up to `upto`, newest
        first (as `unit_trends` reads them)."""
        rows = [r for r in self.rows if r.current and (r.year, r.quarter) <= (upto.year, upto.number)]
        return [(r.pk, r.year, r.quarter) for r in rows[:count]]

    def latest_ids(self, year: int) -> dict[int, int]:
        """Quarter number → id of its latest version, for the published quarters of a year (as `_latest_ids`)."""
        return {r.quarter: r.pk for r in self.rows if r.current and r.year == year}


@cache
def _versions_statement(alias: str, chosen: bool) -> Statement:
    """`versions_for_page`'s query, for the quarter's latest version or a `chosen` one, compiled once per process
    (core.statements): every results page runs it."""

    def build(year: int, number: int, version: int | None = None) -> QuerySet:
        here = Q(year=year, quarter=number)
        shown = here & (Q(version=version) if chosen else Q(superseded_by__isnull=True))
        return (
            QuarterResult.objects.annotate(
                shown_snapshot=Case(When(shown, then="snapshot"), default=None, output_field=JSONField()),
            )
            .order_by("-year", "-quarter", "-version")
            .values_list(
                "id",
                "year",
                "quarter",
                "version",
                "published_at",
                "reason",
                "supersedes_id",
                "superseded_by__id",
                "confirmed_missing",
                "shown_snapshot",
            )
        )

    return compile_statement(build, alias, keys=(int, int, int) if chosen else (int, int))


def versions_for_page(*, quarter: Quarter, version: int | None) -> PageVersions:
    """Every published version's header (one query), with the snapshot of the quarter's `version` (its latest with
    None); no other version's snapshot is read or parsed."""
    statement = _versions_statement(connection.alias, version is not None)
    keys = (quarter.year, quarter.number) if version is None else (quarter.year, quarter.number, version)
    return PageVersions(
        rows=[
            Version(pk, year, number, v, at, reason, supersedes, superseded is None, missing, snapshot)
            for pk, year, number, v, at, reason, supersedes, superseded, missing, snapshot in statement.rows(*keys)
        ],
        quarter=quarter,
    )


def published_periods() -> list[Quarter]:
    """The quarters with at least one published version, newest first."""
    rows = QuarterResult.objects.values_list("year", "quarter").distinct().order_by("-year", "-quarter")
    return [Quarter(year, number) for year, number in rows]


def _latest_ids(year: int) -> dict[int, int]:
    """Quarter number → id of its latest version, for the published quarters of a year. One query."""
    rows = QuarterResult.objects.filter(year=year).latest_versions().values_list("quarter", "id")
    return dict(rows)


# ---------------------------------------------------------------------------------------------------------------
# Appraisal caps (R11, SPEC §6)


def unit_key(kind: str, code: str) -> engine.UnitKey:
    return engine.UnitKey(engine.UnitKind(kind), code)


def assignment_unit(assignment: Assignment) -> engine.UnitKey:
    """The unit an assignment belongs to. SPEC §3 Decision: a project's functional manager belongs to the project
    unit; a function head or a function's team member to the city-wide function unit."""
    if assignment.project_id is not None:
        return engine.UnitKey.project(assignment.project.code)
    return engine.UnitKey.function(assignment.function)


def _spans(assignments: Iterable[Assignment]) -> list[engine.AssignmentSpan]:
    return [
        engine.AssignmentSpan(
            person_id=a.person_id,
            employee_id=a.person.employee_id,
            name=a.person.name,
            unit=assignment_unit(a),
            role=a.role,
            start=a.start,
            end=a.end,
        )
        for a in assignments
    ]


@dataclass(frozen=True)
class YearLows:
    """The published quarters of a year and, per unit, those graded B- or below (latest versions only)."""

    year: int
    published: frozenset[int]
    low_by_unit: dict[engine.UnitKey, frozenset[int]]

    def status(self, unit: engine.UnitKey) -> engine.UnitCapStatus:
        return engine.unit_cap_status(
            unit=unit, year=self.year, low_quarters=self.low_by_unit.get(unit, frozenset()), published_quarters=self.published
        )


@cache
def _year_lows_sql() -> str:
    """The year's current versions, each with its units graded B- or below (a version without any: one row with
    none), written once per process from the models' own names (as `notifications.selectors._unread_sql`): the ORM
    spent longer building the two joins than PostgreSQL spent answering them, on every bulletin and caps page."""
    q = connection.ops.quote_name
    result, unit = q(QuarterResult._meta.db_table), q(UnitResult._meta.db_table)

    def r(name: str) -> str:
        return q(QuarterResult._meta.get_field(name).column)

    def u(name: str) -> str:
        return q(UnitResult._meta.get_field(name).column)

    # nosec B608: identifiers from the models' metadata, quoted; every value is a parameter.
    return (
        f"SELECT v.{r('quarter')}, x.{u('kind')}, x.{u('code')} FROM {result} v "  # nosec B608
        f"LEFT JOIN {result} later ON later.{r('supersedes')} = v.{r('id')} "
        f"LEFT JOIN {unit} x ON x.{u('result')} = v.{r('id')} AND x.{u('low')} = %s "
        f"WHERE v.{r('year')} = %s AND later.{r('id')} IS NULL"
    )


def year_lows(*, year: int) -> YearLows:
    """One query (`_year_lows_sql`). `low` was frozen with each version by the bands it used: a later edit of the bands
    never changes what a published quarter counts for (SPEC §6 counts published results)."""
    with connection.cursor() as cursor:
        cursor.execute(_year_lows_sql(), [True, year])
        rows = cursor.fetchall()
    published: set[int] = set()
    low: dict[engine.UnitKey, set[int]] = defaultdict(set)
    for number, kind, code in rows:
        published.add(number)
        if kind is not None:
            low[unit_key(kind, code)].add(number)
    return YearLows(year=year, published=frozenset(published), low_by_unit={u: frozenset(q) for u, q in low.items()})


def _year_assignments(year: int):
    return Assignment.objects.overlapping(dt.date(year, 1, 1), dt.date(year, 12, 31)).select_related("person", "project")


def _year_spans(year: int, units: Container[engine.UnitKey]) -> list[engine.AssignmentSpan]:
    """The year's assignments to `units` in an assessed role, as spans read as plain values (no model instances): the
    caps export reads thousands (≥ 80,000 cells/s). The engine caps and exposes no other role (SPEC §6 Decision), so
    the other roles are not read; spans of other units are not built. The same spans as
    `[s for s in _spans(_year_assignments(year)) if s.unit in units and s.role in engine.ASSESSED_ROLES]`, one query."""
    keys: dict[tuple[int | None, str], engine.UnitKey | None] = {}
    spans = []
    rows = (
        Assignment.objects.overlapping(dt.date(year, 1, 1), dt.date(year, 12, 31))
        .filter(role__in=sorted(engine.ASSESSED_ROLES))
        .order_by("pk")
        .values_list(
            "person_id", "person__employee_id", "person__name", "project_id", "project__code", "function", "role", "start", "end"
        )
    )
    for person_id, employee_id, name, project_id, project_code, function, role, start, end in rows:
        key = (project_id, project_code if project_id is not None else function)
        if key in keys:
            unit = keys[key]
        else:  # SPEC §3 Decision, as assignment_unit: the project's unit, else the function's
            unit = engine.UnitKey.project(project_code) if project_id is not None else engine.UnitKey.function(function)
            unit = keys[key] = unit if unit in units else None
        if unit is not None:
            spans.append(engine.AssignmentSpan(person_id, employee_id, name, unit, role, start, end))
    return spans


def caps_for_year(*, year: int) -> engine.AppraisalCaps:
    """R11 for a year from its published quarters (latest version of each): every capped person, once, with every
    unit and trigger, and every unit at risk (预警). Two queries."""
    lows = year_lows(year=year)
    if not lows.low_by_unit:
        return engine.AppraisalCaps(people=(), at_risk=())
    units = set(lows.low_by_unit)
    spans = _year_spans(year, units)
    return engine.appraisal_caps(
        year=year, low_quarters_by_unit=lows.low_by_unit, published_quarters=lows.published, assignments=spans
    )


def at_risk_people(*, year: int, caps: engine.AppraisalCaps) -> dict[engine.UnitKey, list[engine.AssignmentSpan]]:
    """For each unit at risk, the assignments its cap would reach (预警 sheet). One query."""
    if not caps.at_risk:
        return {}
    units = {status.unit for status in caps.at_risk}
    return _exposure(caps, _year_spans(year, units))


def _exposure(
    caps: engine.AppraisalCaps, spans: Iterable[engine.AssignmentSpan]
) -> dict[engine.UnitKey, list[engine.AssignmentSpan]]:
    by_unit: dict[engine.UnitKey, list[engine.AssignmentSpan]] = defaultdict(list)
    for span in spans:
        by_unit[span.unit].append(span)
    return {
        status.unit: list(engine.exposed_assignments(status=status, assignments=by_unit.get(status.unit, ())))
        for status in caps.at_risk
    }


def caps_and_exposure_for_year(*, year: int) -> tuple[engine.AppraisalCaps, dict[engine.UnitKey, list[engine.AssignmentSpan]]]:
    """`caps_for_year` and `at_risk_people` from one read of the year's assignments (the caps export needs both).
    Two queries."""
    lows = year_lows(year=year)
    if not lows.low_by_unit:
        return engine.AppraisalCaps(people=(), at_risk=()), {}
    spans = _year_spans(year, lows.low_by_unit)
    caps = engine.appraisal_caps(
        year=year, low_quarters_by_unit=lows.low_by_unit, published_quarters=lows.published, assignments=spans
    )
    return caps, _exposure(caps, spans)


def unit_names(units: Iterable[engine.UnitKey]) -> dict[engine.UnitKey, str]:
    """Display names: a project's name (one query), a function's Chinese name."""
    units = list(units)
    names = {
        unit: str(Function(unit.code).label)
        for unit in units
        if unit.kind is engine.UnitKind.FUNCTION and unit.code in Function.values
    }
    codes = {unit.code for unit in units if unit.kind is engine.UnitKind.PROJECT}
    if codes:
        for code, name in Project.objects.filter(code__in=codes).values_list("code", "name"):
            names[engine.UnitKey.project(code)] = name
    return names


# ---------------------------------------------------------------------------------------------------------------
# Pages


def money(amount: int) -> str:
    """¥3,000 / -¥3,000 / ¥0."""
    return f"¥{amount:,}" if amount >= 0 else f"-¥{-amount:,}"


GRADE_CLASSES = {"A": "text-bg-success", "B+": "text-bg-primary", "B": "text-bg-info"}


def grade_class(grade: str, low: bool) -> str:
    """The badge colour of a grade: green/blue for good grades, amber for B-, red below; grey when not assessed."""
    if not grade:
        return "text-bg-secondary"
    if low:
        return "text-bg-warning" if grade == engine.CAP_GRADE else "text-bg-danger"
    return GRADE_CLASSES.get(grade, "text-bg-primary")


@dataclass(frozen=True)
class CellRow:
    project_code: str
    project_name: str
    function: str
    done: int
    applicable: int
    percent: str | None

    @property
    def function_label(self) -> str:
        return str(Function(self.function).label) if self.function in Function.values else self.function


@dataclass
class UnitRow:
    """One line of a ranking as a page shows it."""

    kind: str
    code: str
    name: str
    done: int
    applicable: int
    percent: Decimal | None
    rank: int | None
    grade: str
    low: bool
    amount: int
    settlement: str
    cells: list[CellRow] = field(default_factory=list)
    detail_hidden: bool = False
    # Cells of the unit with applicable items but no finalised inspection (SPEC §7: they count as not inspected).
    uninspected: int = 0

    @property
    def assessed(self) -> bool:
        return self.percent is not None

    @property
    def uninspected_label(self) -> str:
        return ngettext("%(n)s 个单元格未检查,按未检查计入", "%(n)s 个单元格未检查,按未检查计入", self.uninspected) % {
            "n": self.uninspected
        }

    @property
    def not_inspected(self) -> bool:
        """Not assessed because its applicable cells were not inspected — not because nothing applied (R6)."""
        return not self.assessed and self.uninspected > 0

    @property
    def grade_class(self) -> str:
        return grade_class(self.grade, self.low)

    @property
    def settlement_label(self) -> str:
        return settlement_labels(get_language()).get(self.settlement, "") if self.settlement else ""

    @property
    def key(self) -> str:
        return f"{self.kind}:{self.code}"

    @property
    def money(self) -> str:
        return money(self.amount)

    @property
    def money_class(self) -> str:
        return "sc-pos" if self.amount > 0 else "sc-neg" if self.amount < 0 else "text-secondary"

    @property
    def percent_bar(self) -> str:
        """The score as a bar width for the page (the exact figures are shown as text next to it)."""
        return "0" if self.percent is None else str(self.percent)


@lru_cache(maxsize=16)
def settlement_labels(language: str | None) -> dict[str, str]:
    """Settlement value → label in one language, translated once per process and language (the catalogues do not
    change while it runs): a ranking asks for one per row."""
    with override(language):
        return {value: str(label) for value, label in Settlement.choices}


def row_from_snapshot(unit: dict[str, Any]) -> UnitRow:
    return UnitRow(
        kind=unit["kind"],
        code=unit["code"],
        name=unit["name"],
        done=unit["done"],
        applicable=unit["applicable"],
        percent=None if unit["percent"] is None else Decimal(unit["percent"]),
        rank=unit["rank"],
        grade=unit["grade"] or "",
        low=unit["low"],
        amount=unit["amount"],
        settlement=unit["settlement"] or "",
    )


@dataclass(frozen=True)
class ResultsPage:
    """Both rankings of a version (or of a preview, `result` None) as pages show them."""

    result: QuarterResult | Version | None
    functions: list[UnitRow]
    projects: list[UnitRow]
    policy: dict[str, Any]
    bands: list[dict[str, str]]
    confirmed_missing: list[CellRow]
    total_reward: int
    total_penalty: int

    @property
    def first_functions(self) -> str:
        """The first-ranked functions' names, for the results page's card: each followed by a space except the last
        function of the ranking (the text the card's loop used to write)."""
        last = len(self.functions) - 1
        return "".join(row.name if i == last else f"{row.name} " for i, row in enumerate(self.functions) if row.rank == 1)

    @property
    def first_projects(self) -> str:
        """The first-ranked projects' names, each followed by a space."""
        return "".join(f"{row.name} " for row in self.projects if row.rank == 1)

    @property
    def reward_display(self) -> str:
        return money(self.total_reward)

    @property
    def penalty_display(self) -> str:
        return money(self.total_penalty)


def results_page(*, result: QuarterResult | Version, scope: Scope) -> ResultsPage:
    """Both rankings of a published version from its snapshot, with the per-cell detail this user may read.

    Rankings are published to the whole company (R9); a cell's detail only to those who can read the cell (scope),
    operations, HR and admins seeing every cell. At most one query (project ids, for the scope check).
    """
    return rankings(data=result.snapshot, scope=scope, result=result)


def _readable_project_ids(scope: Scope, codes: set[str]) -> dict[str, int]:
    """Code → id of the projects among `codes` that `readable` needs to know (at most one query): none for those who
    see every cell or read none by function or project; only the projects they lead or direct for those who read no
    function as a whole (any other project's cells they cannot read, known or not); else every one of `codes`."""
    if not codes or scope.sees_all:
        return {}
    if scope.headed_functions or scope.inspected_functions:
        found = Project.objects.filter(code__in=codes)
    else:
        ids = {project for project, _function in scope.led_cells} | set(scope.directed_projects)
        if not ids:
            return {}
        found = Project.objects.filter(id__in=ids)
    return {code: pk for code, pk in found.order_by().values_list("code", "id") if code in codes}


def rankings(
    *,
    data: dict[str, Any],
    scope: Scope,
    result: QuarterResult | None = None,
    missing: Iterable[dict[str, str]] | None = None,
) -> ResultsPage:
    """Rankings and readable cell detail from snapshot data (a published version's, or a preview's).

    `missing`: the cells with applicable items but no finalised inspection (a preview's; a published version's are its
    `confirmed_missing`); each unit counts its own, so a page tells "not inspected" from "nothing applied" (R6).
    """
    uninspected = list(data.get("confirmed_missing", []) if missing is None else missing)
    codes = {cell["project"] for cell in data.get("cells", [])} | {m["project"] for m in uninspected}
    project_ids = _readable_project_ids(scope, codes)
    names = {unit["code"]: unit["name"] for unit in data["units"] if unit["kind"] == UnitKind.PROJECT}

    def readable(project: str, function: str) -> bool:
        if scope.sees_all:
            return True
        pk = project_ids.get(project)
        return pk is not None and scope.can_read_cell(pk, function)

    functions = [row_from_snapshot(unit) for unit in data["units"] if unit["kind"] == UnitKind.FUNCTION]
    projects = [row_from_snapshot(unit) for unit in data["units"] if unit["kind"] == UnitKind.PROJECT]
    by_key = {(row.kind, row.code): row for row in functions + projects}
    for cell in data.get("cells", []):
        project, function = cell["project"], cell["function"]
        # Asked once per cell (it stands in two rankings); a cell the reader may not read gets no row.
        row = None
        if readable(project, function):
            row = CellRow(project, names.get(project, project), function, cell["done"], cell["applicable"], cell["percent"])
        for key in ((UnitKind.PROJECT, project), (UnitKind.FUNCTION, function)):
            unit = by_key.get(key)
            if unit is None:
                continue
            if row is not None:
                unit.cells.append(row)
            else:
                unit.detail_hidden = True
    for m in uninspected:
        for key in ((UnitKind.PROJECT, m["project"]), (UnitKind.FUNCTION, m["function"])):
            if key in by_key:
                by_key[key].uninspected += 1
    missing_rows = [
        CellRow(m["project"], names.get(m["project"], m["project"]), m["function"], 0, 0, None)
        for m in data.get("confirmed_missing", [])
        if readable(m["project"], m["function"])
    ]
    amounts = [unit["amount"] for unit in data["units"]]
    return ResultsPage(
        result=result,
        functions=functions,
        projects=projects,
        policy=data.get("policy", {}),
        bands=data.get("bands", []),
        confirmed_missing=missing_rows,
        total_reward=sum(a for a in amounts if a > 0),
        total_penalty=sum(a for a in amounts if a < 0),
    )


@dataclass(frozen=True)
class Trends:
    """Scores of every unit over the last published quarters (latest versions), for the trend chart."""

    labels: list[str]
    series: dict[str, dict[str, Any]]
    # The rows read, for "my units" on the same page: (result id, kind, code) → (assessed, done, applicable, grade,
    # low, rank, amount), for the versions `result_ids`.
    result_ids: frozenset[int] = frozenset()
    graded: dict[tuple[int, str, str], tuple[Any, ...]] = field(default_factory=dict, repr=False)

    def as_data(self) -> dict[str, Any]:
        return {"labels": self.labels, "series": self.series}


def unit_trends(*, upto: Quarter, count: int = 8, versions: PageVersions | None = None) -> Trends:
    """The last `count` published quarters up to `upto`: per unit (key "kind:code") its name, percents and grades
    (None where not assessed or not yet a unit). Two queries; one with the page's `versions` already read."""
    if versions is not None:
        results = versions.latest_upto(upto, count)
    else:
        results = list(
            QuarterResult.objects.latest_versions()
            .filter(Q(year__lt=upto.year) | Q(year=upto.year, quarter__lte=upto.number))
            .order_by("-year", "-quarter")
            .values_list("id", "year", "quarter")[:count]
        )
    results.reverse()
    labels = [str(Quarter(year, number)) for _id, year, number in results]
    position = {pk: index for index, (pk, _y, _q) in enumerate(results)}
    series: dict[str, dict[str, Any]] = {}
    graded: dict[tuple[int, str, str], tuple[Any, ...]] = {}
    rows = UnitResult.objects.filter(result_id__in=position).values_list(
        "result_id", "kind", "code", "name", "done", "applicable", "grade", "assessed", "low", "rank", "amount"
    )
    for result_id, kind, code, name, done, applicable, grade, assessed, low, rank, amount in rows.order_by("kind", "code"):
        entry = series.setdefault(
            f"{kind}:{code}", {"name": name, "kind": kind, "percent": [None] * len(labels), "grade": [None] * len(labels)}
        )
        entry["name"] = name
        if applicable:
            entry["percent"][position[result_id]] = engine.percent_text(done, applicable)
            entry["grade"][position[result_id]] = grade
        graded[(result_id, kind, code)] = (assessed, done, applicable, grade, low, rank, amount)
    return Trends(labels=labels, series=series, result_ids=frozenset(position), graded=graded)


# ---------------------------------------------------------------------------------------------------------------
# My units (results page and home panel)


@dataclass(frozen=True)
class QuarterGrade:
    quarter: Quarter
    published: bool
    assessed: bool
    percent: Decimal | None
    grade: str
    low: bool
    rank: int | None
    amount: int

    @property
    def grade_class(self) -> str:
        return grade_class(self.grade, self.low)

    @property
    def money(self) -> str:
        return money(self.amount)


@dataclass(frozen=True)
class MyUnit:
    """One unit the person belongs to this year, with its quarters and where it stands against R11."""

    key: str
    kind: str
    code: str
    name: str
    roles: list[str]
    quarters: list[QuarterGrade]
    status: engine.UnitCapStatus
    assessed: bool = True  # SPEC §6: the person holds an assessed role in the unit, so its cap binds them

    @property
    def triggered(self) -> bool:
        return self.status.triggered

    @property
    def at_risk(self) -> bool:
        return self.status.at_risk

    @property
    def low_labels(self) -> str:
        return "、".join(str(q) for q in self.status.low_periods)

    @property
    def risk_labels(self) -> str:
        return "、".join(str(q) for q in self.status.risk_periods)

    @property
    def rule_labels(self) -> str:
        return "、".join(rule_label(rule) for rule in self.status.rules)


def rule_label(rule: engine.CapRule) -> str:
    return {engine.CapRule.CONSECUTIVE: _("连续两个季度"), engine.CapRule.CUMULATIVE: _("累计三个季度")}[rule]


@dataclass(frozen=True)
class MyUnits:
    year: int
    units: list[MyUnit]
    cap: engine.PersonCap | None

    @property
    def any_risk(self) -> bool:
        return any(unit.at_risk for unit in self.units)


class _Graded(NamedTuple):
    """The columns of a unit's UnitResult that `my_units` shows."""

    assessed: bool
    percent: Decimal | None
    grade: str
    low: bool
    rank: int | None
    amount: int


@cache
def _assignments_statement(alias: str) -> Statement:
    """`my_units`' read of a person's assignments overlapping a span, compiled once per process (core.statements):
    every results page and home page runs it."""
    return compile_statement(
        lambda person, start, end: (
            Assignment.objects.filter(person_id=person)
            .overlapping(start, end)
            .order_by("start")
            .values_list("role", "project_id", "project__code", "project__name", "function", "start", "end")
        ),
        alias,
        keys=(int, dt.date, dt.date),
    )


def my_units(*, scope: Scope, today: dt.date, versions: PageVersions | None = None, trends: Trends | None = None) -> MyUnits:
    """The signed-in person's units this year (assignments overlapping the year up to today) with each quarter's grade,
    their own appraisal cap if R11 caps them, and any unit at risk. At most three queries; one while nothing of the year
    is published (then there is nothing to show); one fewer with the page's `versions` already read, and another
    fewer when the page's `trends` read the rows of every published quarter of the year."""
    year = today.year
    if not scope.is_assessed:
        return MyUnits(year=year, units=[], cap=None)
    latest = _latest_ids(year) if versions is None else versions.latest_ids(year)
    if not latest:  # nothing published this year yet: no grade, cap or warning to show
        return MyUnits(year=year, units=[], cap=None)
    person = scope.person
    # The person's assignments as columns (they are the scope's person: its id, name and employee id are known).
    assignments = _assignments_statement(connection.alias).rows(person.pk, dt.date(year, 1, 1), min(today, dt.date(year, 12, 31)))
    if not assignments:
        return MyUnits(year=year, units=[], cap=None)
    spans = [
        engine.AssignmentSpan(
            person_id=person.pk,
            employee_id=person.employee_id,
            name=person.name,
            unit=engine.UnitKey.project(code) if project_id is not None else engine.UnitKey.function(function),
            role=role,
            start=start,
            end=end,
        )
        for role, project_id, code, _name, function, start, end in assignments
    ]
    rows: dict[tuple[engine.UnitKey, int], _Graded] = {}
    units = {span.unit for span in spans}
    quarter_of = {pk: number for number, pk in latest.items()}
    if trends is not None and trends.result_ids.issuperset(latest.values()):
        found: Iterable[tuple[Any, ...]] = [
            (result_id, unit.kind, unit.code, *trends.graded[(result_id, unit.kind, unit.code)])
            for unit in units
            for result_id in latest.values()
            if (result_id, unit.kind, unit.code) in trends.graded
        ]
    else:
        found = (
            UnitResult.objects.filter(result_id__in=latest.values(), code__in={u.code for u in units})
            .order_by()
            .values_list("result_id", "kind", "code", "assessed", "done", "applicable", "grade", "low", "rank", "amount")
        )
    for result_id, kind, code, assessed, done, applicable, grade, low, rank, amount in found:
        key = unit_key(kind, code)
        if key in units:
            percent = engine.percent_display(Fraction(done, applicable)) if applicable else None
            rows[(key, quarter_of[result_id])] = _Graded(assessed, percent, grade, low, rank, amount)
    published = frozenset(latest)
    low_by_unit = {unit: frozenset(n for (u, n), row in rows.items() if u == unit and row.low) for unit in units}
    lows = YearLows(year=year, published=published, low_by_unit=low_by_unit)
    roles: dict[engine.UnitKey, list[str]] = defaultdict(list)
    for span in spans:
        label = str(Role(span.role).label)
        if label not in roles[span.unit]:
            roles[span.unit].append(label)
    # A project unit is named by its project (Assignment.unit_label for all but a functional manager, whose label
    # names their function too), a function unit by the function.
    names = {
        span.unit: project_name if project_id is not None else str(Function(function).label)
        for span, (_role, project_id, _code, project_name, function, _start, _end) in zip(spans, assignments, strict=True)
    }
    result = []
    for unit in sorted(units):
        quarters = []
        for quarter in Quarter.of_year(year):
            row = rows.get((unit, quarter.number))
            quarters.append(
                QuarterGrade(
                    quarter=quarter,
                    published=quarter.number in published,
                    assessed=bool(row and row.assessed),
                    percent=row.percent if row else None,
                    grade=row.grade if row else "",
                    low=bool(row and row.low),
                    rank=row.rank if row else None,
                    amount=row.amount if row else 0,
                )
            )
        result.append(
            MyUnit(
                key=str(unit),
                kind=str(unit.kind),
                code=unit.code,
                name=names[unit],
                roles=roles[unit],
                quarters=quarters,
                status=lows.status(unit),
                assessed=any(span.role in engine.ASSESSED_ROLES for span in spans if span.unit == unit),
            )
        )
    caps = engine.appraisal_caps(year=year, low_quarters_by_unit=low_by_unit, published_quarters=published, assignments=spans)
    return MyUnits(year=year, units=result, cap=caps.people[0] if caps.people else None)
