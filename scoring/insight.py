"""Reads behind the insight pages (SPEC §16): trends, where it fails (heat maps and findings), and the drill-down from a
unit's score to its cells and items. Every function here runs a fixed number of queries whatever the number of units,
projects, touchpoints or quarters.

    published_window(*, count=8, upto=None) -> list[PublishedQuarter]
    heat_window(*, count=8) -> (list[PublishedQuarter], stored window id or None)
    unit_trend_table(*, scope, count=8) -> TrendTable
    heat_maps(*, scope, function="", stage="", page=1) -> HeatMaps
    findings(*, scope, code="", project="", quarter=None, function="", stage="") -> Findings
    latest_result(*, quarter) -> QuarterResult or None
    unit_explanation(*, result, kind, code, scope) -> UnitExplanation
    latest_cells(*, quarter) -> (version, cells) or None
    cell_explanation(*, quarter, version, cells, project, function) -> CellExplanation

Published quarters are never edited (SPEC §7): the heat maps read the counts each publication stored with its version
and the sums it stored for the window it entered (`HeatCount`), never the inspection items, and only the page of
touchpoints the reader reads.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from decimal import Decimal
from html import escape
from typing import Any, NamedTuple
from urllib.parse import quote

from django.core.exceptions import EmptyResultSet
from django.db import connection
from django.db.models import OuterRef, Q, Subquery
from django.http import Http404
from django.urls import reverse
from django.utils.http import urlencode
from django.utils.safestring import SafeString, mark_safe
from django.utils.translation import gettext as _

from audits.choices import InspectionState, ItemStatus
from audits.models import Deliverable, Inspection, InspectionItem, SelfCheck, SelfCheckItem
from core.access import Scope
from core.dates import Quarter
from touchpoints.choices import Function
from touchpoints.models import Project, Stage

from . import engine
from .choices import Settlement, UnitKind
from .models import HEAT_WINDOW, HeatCount, QuarterResult, UnitResult
from .selectors import grade_class, latest_result_parts, money

APPLICABLE = (ItemStatus.DONE, ItemStatus.NOT_DONE)
FINDINGS_LIMIT = 500


def function_label(code: str) -> str:
    return str(Function(code).label) if code in Function.values else code


# ---------------------------------------------------------------------------------------------------------------
# The window of published quarters


@dataclass(frozen=True)
class PublishedQuarter:
    """The latest version of one published quarter."""

    pk: int
    quarter: Quarter
    version: int
    digest: str


def published_window(*, count: int = HEAT_WINDOW, upto: Quarter | None = None) -> list[PublishedQuarter]:
    """The last `count` published quarters (latest version of each), oldest first. One query."""
    rows = QuarterResult.objects.latest_versions()
    if upto is not None:
        rows = rows.filter(Q(year__lt=upto.year) | Q(year=upto.year, quarter__lte=upto.number))
    picked = list(rows.order_by("-year", "-quarter").values_list("id", "year", "quarter", "version", "digest")[:count])
    picked.reverse()
    return [PublishedQuarter(pk, Quarter(year, number), version, digest) for pk, year, number, version, digest in picked]


def heat_window(*, count: int = HEAT_WINDOW) -> tuple[list[PublishedQuarter], int | None]:
    """`published_window`, and the version under which publication stored this window's sums (`HeatCount.window`),
    or None when no stored sums are exactly this window's (its versions compared as a set: two publications committed
    at the same moment may each have summed a window without the other). One query: each version's stored window's
    `members`, beside it."""
    members = HeatCount.objects.filter(window=OuterRef("pk"), project__isnull=True).values("members")[:1]
    picked = list(
        QuarterResult.objects.latest_versions()
        .order_by("-year", "-quarter")
        .annotate(heat_members=Subquery(members))
        .values_list("id", "year", "quarter", "version", "digest", "heat_members")[:count]
    )
    picked.reverse()
    window = [PublishedQuarter(pk, Quarter(year, number), version, digest) for pk, year, number, version, digest, _m in picked]
    ids = {q.pk for q in window}
    # Only the newest version can have summed the whole window (the others were published before it).
    newest = max(picked, default=None, key=lambda row: row[0])
    if newest is None or not newest[5] or {int(pk) for pk in newest[5].split(",")} != ids:
        return window, None
    return window, newest[0]


# ---------------------------------------------------------------------------------------------------------------
# Trends


class TrendPoint(NamedTuple):
    """One unit in one published quarter; `percent` its score as shown ("86.54", `engine.percent_text`), None when
    not assessed (R6) or not yet a unit. A tuple: the trends page makes 520 of them."""

    quarter: Quarter
    percent: str | None
    grade: str
    low: bool
    rank: int | None

    @property
    def grade_class(self) -> str:
        return grade_class(self.grade, self.low)


@dataclass
class TrendRow:
    kind: str
    code: str
    name: str
    points: list[TrendPoint]
    mine: bool = False

    @property
    def key(self) -> str:
        return f"{self.kind}:{self.code}"

    @property
    def latest(self) -> TrendPoint | None:
        assessed = [p for p in self.points if p.percent is not None]
        return assessed[-1] if assessed else None


@dataclass(frozen=True)
class TrendTable:
    quarters: list[PublishedQuarter]
    functions: list[TrendRow]
    projects: list[TrendRow]

    @property
    def mine(self) -> list[TrendRow]:
        return [row for row in self.functions + self.projects if row.mine]

    def chart_data(self) -> dict[str, Any]:
        """Plain data for the charts (json_script): labels, and per unit its name, percents, grades and ranks."""
        series = {}
        for row in self.functions + self.projects:
            points = row.points
            series[f"{row.kind}:{row.code}"] = {
                "name": row.name,
                "kind": row.kind,
                "mine": row.mine,
                "percent": [p.percent for p in points],
                "grade": [p.grade or None for p in points],
                "rank": [p.rank for p in points],
            }
        return {"labels": [str(q.quarter) for q in self.quarters], "series": series}


def own_units(scope: Scope) -> tuple[set[tuple[str, str]], set[int]]:
    """The units the reader belongs to today (SPEC §3: a functional manager belongs to the project unit): the function
    units' keys, and the ids of the projects whose units are theirs (their codes read with the trends)."""
    project_ids = {pid for pid, _f in scope.led_cells} | set(scope.directed_projects) | set(scope.member_projects)
    return {(UnitKind.FUNCTION.value, code) for code in scope.headed_functions | scope.member_functions}, project_ids


def _window_units(count: int, project_ids: set[int]) -> list[tuple]:
    """`published_window(count=count)`'s versions, their units and the codes of the given projects, in one query:
    (id, year, quarter, version, digest, then NULLs) for each version, (result id, NULLs, then kind, code, name,
    done, applicable, grade, low, rank) for each unit, (NULLs, code, NULLs) for each project. Read with the cursor, in
    SQL of its own: through the ORM, compiling the window and iterating the trends page's 520 rows took longer than
    the queries (window 1.0 ms against 0.2 ms, units 1.7 ms against 0.7 ms), the model's ordering joined the quarters
    again to sort the units by text, joining each unit to its version's columns cost more than a second query, and
    the reader's projects were a round trip of their own. Unordered: each unit is placed by its version."""
    q = connection.ops.quote_name
    result, unit = q(QuarterResult._meta.db_table), q(UnitResult._meta.db_table)
    version_columns = ", ".join(f"w.{q(c)}" for c in ("id", "year", "quarter", "version", "digest"))
    unit_columns = ", ".join(f"u.{q(c)}" for c in ("kind", "code", "name", "done", "applicable", "grade", "low", "rank"))
    projects, params = "", [count]
    if project_ids:
        marks = ", ".join(["%s"] * len(project_ids))
        # nosec B608: the table and column are the model's, every id a parameter
        projects = (
            f"UNION ALL SELECT NULL, NULL, NULL, NULL, NULL, NULL, p.{q('code')}, NULL, NULL, NULL, NULL, NULL, NULL "
            f"FROM {q(Project._meta.db_table)} p WHERE p.{q('id')} IN ({marks})"  # nosec B608
        )
        params += sorted(project_ids)
    # The latest version of each quarter is the one no amendment supersedes (QuarterResultQuerySet.latest_versions).
    # nosec B608: the tables and columns are the models', every value a parameter
    sql = f"""
        WITH w AS (
            SELECT r.{q("id")}, r.{q("year")}, r.{q("quarter")}, r.{q("version")}, r.{q("digest")} FROM {result} r
            WHERE NOT EXISTS (SELECT 1 FROM {result} s WHERE s.{q("supersedes_id")} = r.{q("id")})
            ORDER BY r.{q("year")} DESC, r.{q("quarter")} DESC LIMIT %s
        )
        SELECT {version_columns}, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL FROM w
        UNION ALL
        SELECT u.{q("result_id")}, NULL, NULL, NULL, NULL, {unit_columns} FROM {unit} u
        WHERE u.{q("result_id")} IN (SELECT {q("id")} FROM w)
        {projects}
    """  # nosec B608
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        return cursor.fetchall()


_new_point = tuple.__new__  # TrendPoint's fields as one tuple, without NamedTuple's __new__ in Python (520 points)


def unit_trend_table(*, scope: Scope, count: int = 8) -> TrendTable:
    """Each unit's score, grade and rank over the last `count` published quarters, the reader's own units first.
    One query. A unit's name is the newest it has in the window."""
    mine, project_ids = own_units(scope)
    found = _window_units(count, project_ids)
    versions = [row[:5] for row in found if row[1] is not None]  # the rows with a year
    window = sorted(
        (PublishedQuarter(pk, Quarter(year, number), version, digest) for pk, year, number, version, digest in versions),
        key=lambda q: q.quarter,
    )
    position = {q.pk: index for index, q in enumerate(window)}
    quarters = [q.quarter for q in window]
    rows: dict[tuple[str, str], TrendRow] = {}
    named: dict[tuple[str, str], int] = {}  # the position whose name each row shows
    none_yet = [TrendPoint(quarter, None, "", False, None) for quarter in quarters]  # immutable, so shared
    percent_text = engine.percent_text
    for result_id, _year, _number, _version, _digest, kind, code, name, done, applicable, grade, low, rank in found:
        if kind is None:  # a version's row, or one of the reader's projects
            if result_id is None:
                mine.add((UnitKind.PROJECT.value, code))
            continue
        at = position[result_id]
        key = (kind, code)
        row = rows.get(key)
        if row is None:
            row = rows[key] = TrendRow(kind, code, name, none_yet.copy())
            named[key] = at
        elif name and (at > named[key] or not row.name):
            row.name = name
            named[key] = at
        if applicable:
            row.points[at] = _new_point(TrendPoint, (quarters[at], percent_text(done, applicable), grade, low, rank))
        else:
            row.points[at] = _new_point(TrendPoint, (quarters[at], None, "", low, rank))
    for key in mine:
        if key in rows:
            rows[key].mine = True

    def order(row: TrendRow):
        latest = row.points[-1]
        return (not row.mine, latest.rank is None, latest.rank or 0, row.code)

    function, project = UnitKind.FUNCTION.value, UnitKind.PROJECT.value  # plain strs: an enum member compares slowly
    functions = sorted((r for r in rows.values() if r.kind == function), key=order)
    projects = sorted((r for r in rows.values() if r.kind == project), key=order)
    return TrendTable(quarters=window, functions=functions, projects=projects)


# ---------------------------------------------------------------------------------------------------------------
# Where it fails: heat maps of not-done rates

HEAT_PAGE_SIZE = 20  # touchpoints per page: both maps show the same page, worst first


def rate_class(not_done: int, applicable: int) -> str:
    """The colour step of a not-done rate (hm-0 none … hm-5 three in four or more)."""
    if not applicable:
        return "hm-na"
    if not not_done:
        return "hm-0"
    # Exact, in integers: rate < 1/10 ⇔ 10 × not_done < applicable, and so on.
    for step, (num, den) in enumerate(((1, 10), (1, 4), (1, 2), (3, 4)), start=1):
        if den * not_done < num * applicable:
            return f"hm-{step}"
    return "hm-5"


def rate_text(not_done: int, applicable: int) -> str:
    """A rate as a whole percentage, rounded half up (e.g. 1 of 3 → 33, 1 of 8 → 13)."""
    if not applicable:
        return ""
    return str((200 * not_done + applicable) // (2 * applicable))


@dataclass(frozen=True)
class HeatRow:
    """One touchpoint's line of a heat map: its overall rate and one pre-rendered cell per column."""

    code: str
    name: str
    function: str
    not_done: int
    applicable: int
    cells_html: SafeString
    counts: dict[str, tuple[int, int]] = field(default_factory=dict)  # column key → (not done, judged)

    @property
    def rate(self) -> str:
        return rate_text(self.not_done, self.applicable)

    @property
    def rate_class(self) -> str:
        return rate_class(self.not_done, self.applicable)

    @property
    def function_label(self) -> str:
        return function_label(self.function)

    @property
    def html(self) -> str:
        """The whole row: the touchpoint (code and name, escaped), its overall rate, then its cells."""
        return (
            f'<tr><th scope="row" class="in-sticky"><span class="font-monospace">{escape(self.code)}</span> '
            f'<span class="small text-secondary">{escape(self.name)}</span></th>'
            f'<td class="text-center {self.rate_class}">{self.rate}</td>{self.cells_html}</tr>'
        )


@dataclass(frozen=True)
class HeatMap:
    columns: list[tuple[str, str]]  # (key, label)
    rows: list[HeatRow]
    body_html: SafeString = field(default_factory=lambda: mark_safe(""))  # nosec B308 B703 - empty
    columns_html: SafeString = field(default_factory=lambda: mark_safe(""))  # nosec B308 B703 - empty

    @classmethod
    def of(cls, columns: list[tuple[str, str]], rows: list[HeatRow], *, titled: bool = False) -> HeatMap:
        """A map with its column headers and table body rendered once: a string each for the template (a loop there
        would resolve and escape two variables per column). `titled`: each header shows its key, its label on hover
        (a project's code and name); otherwise its label (a quarter)."""
        if titled:
            heads = (f'<th scope="col" class="in-col" title="{escape(label)}">{escape(key)}</th>' for key, label in columns)
        else:
            heads = (f'<th scope="col" class="in-col">{escape(label)}</th>' for _key, label in columns)
        body = "".join(row.html for row in rows)
        # nosec B308 B703: every value interpolated is escaped here or by its row
        return cls(columns, rows, mark_safe(body), mark_safe("".join(heads)))  # nosec B308 B703


@dataclass(frozen=True)
class HeatPage:
    """Which touchpoints of the map this page shows: `first`…`last` (from 1) of `total`, page `number` of `pages`."""

    number: int = 1
    pages: int = 1
    total: int = 0
    first: int = 0
    last: int = 0

    @property
    def has_other_pages(self) -> bool:
        return self.pages > 1

    @property
    def previous_number(self) -> int | None:
        return self.number - 1 if self.number > 1 else None

    @property
    def next_number(self) -> int | None:
        return self.number + 1 if self.number < self.pages else None


@dataclass(frozen=True)
class HeatMaps:
    quarters: list[PublishedQuarter]
    by_project: HeatMap
    by_quarter: HeatMap
    stages: list[str]
    page: HeatPage = field(default_factory=HeatPage)

    @property
    def empty(self) -> bool:
        return not self.by_project.rows


def _whole_functions(scope: Scope) -> frozenset[str] | None:
    """The functions whose every cell the reader may read, when those are all the cells they may read: every function
    for company-wide readers, their functions for a function head or an R5b inspection-team member (with, at most,
    cells they lead in those functions). Their map is read from the stored totals; anyone else's (a director, a lead,
    a head who also directs a project) is summed from their cells."""
    if scope.sees_all:
        return frozenset(Function.values)
    functions = scope.headed_functions | scope.inspected_functions
    if not functions or scope.directed_projects or any(f not in functions for _p, f in scope.led_cells):
        return None
    return frozenset(functions)


def _heat_filter(*, scope: Scope, function: str, stage: str, totals: bool = False):
    """Which stored counts the reader reads, whichever rows they are (a window's sums or its versions' counts): the
    cells the reader may read (`Scope.cell_q`), or with `totals` the every-project totals of the functions they read
    whole; then the filters."""
    counts = HeatCount.objects.all()
    if totals:
        whole = _whole_functions(scope) or frozenset()
        counts = counts.filter(project__isnull=True)
        if not scope.sees_all:
            counts = counts.filter(function__in=whole)
    else:
        counts = counts.filter(scope.cell_q("project", "function"), project__isnull=False)
    if function:
        counts = counts.filter(function=function)
    if stage:
        counts = counts.filter(stage=stage)
    return counts


def _of_window(window_id: int) -> tuple[str, list[Any]]:
    """The rows of a stored window's sums (`HeatCount.window`)."""
    return "window_id = %s", [window_id]


def _of_versions(window: list[PublishedQuarter]) -> tuple[str, list[Any]]:
    """The rows of the window's versions' own counts (`HeatCount.result`)."""
    return f"result_id IN ({', '.join(['%s'] * len(window))})", [q.pk for q in window]


class _Counts:
    """A `_heat_filter` queryset's filter, compiled once, summed in plain SQL over the rows asked for (a window's sums
    or its versions' counts).

    The ORM would compile each aggregate afresh and convert its values one at a time (2,400 for a page of 20
    touchpoints × 60 projects), which costs more than PostgreSQL's own work here; the filter itself (the reader's
    scope, `Scope.cell_q`) is still the ORM's."""

    def __init__(self, queryset) -> None:
        query = queryset.query
        try:
            self.where, params = query.get_compiler(using=queryset.db).compile(query.where)
        except EmptyResultSet:  # a reader without a readable cell
            self.where, params = "", ()
        self.params = list(params)
        self.table = connection.ops.quote_name(HeatCount._meta.db_table)

    def sums(
        self, columns: list[str], *, rows: tuple[str, list[Any]], codes: list[str] | None = None, extra: str = ""
    ) -> list[tuple]:
        """(columns…, not done, judged, extra…) summed per distinct `columns` over `rows` (`_of_window` or
        `_of_versions`), optionally for the given codes only."""
        if not self.where or codes == []:
            return []
        where, params = f"{rows[0]} AND {self.where}", [*rows[1], *self.params]
        if codes is not None:
            where += f" AND code IN ({', '.join(['%s'] * len(codes))})"
            params += codes
        keys = ", ".join(columns)
        # nosec B608: the columns are the callers' literals, the filter compiled by the ORM, every value a parameter
        sql = f"SELECT {keys}, SUM(not_done), SUM(judged){extra} FROM {self.table} WHERE {where} GROUP BY {keys}"  # nosec B608
        with connection.cursor() as cursor:
            cursor.execute(sql, params)
            return cursor.fetchall()


def _worst_first(totals: list[tuple[str, int, int]]) -> list[tuple[str, int, int]]:
    """(code, not done, judged) by not-done rate, then by not-done count, then by code. The rate as a float orders
    exactly: two different fractions with denominators under a million differ by far more than a float's precision,
    and equal fractions give the same float."""
    return sorted(totals, key=lambda t: (-t[1] / t[2], -t[1], t[0]))


def _cells_html(
    *,
    columns: list[tuple[str, str]],
    counts: dict[str, tuple[int, int]],
    link_base: str,
    looks: dict[tuple[int, int], tuple[str, str]],
) -> SafeString:
    """One row's cells, as text (a template per cell would cost a hundred times more). `columns` are (key, the escaped
    end of the cell's link); `looks` keeps each distinct count's markup before and after its link, computed once per
    map (most cells share a few counts). Every value interpolated is an escaped code or a number."""
    out = []
    for column, link_end in columns:
        found = counts.get(column)
        if found is None:
            out.append('<td class="hm-na"></td>')
            continue
        look = looks.get(found)
        if look is None:
            nd, ap = found
            css, text = rate_class(nd, ap), rate_text(nd, ap)
            look = looks[found] = (
                (f'<td class="{css}"><a href="', f'" title="{nd}/{ap}">{text}</a></td>')
                if nd
                else (f'<td class="hm-0">{text}</td>', "")
            )
        before, after = look
        out.append(before + link_base + link_end + after if after else before)
    return mark_safe("".join(out))  # nosec B308 B703


def heat_maps(
    *,
    scope: Scope,
    function: str = "",
    stage: str = "",
    page: int = 1,
    count: int = HEAT_WINDOW,
    per_page: int = HEAT_PAGE_SIZE,
) -> HeatMaps:
    """Not-done rates by touchpoint × project and touchpoint × quarter over the last `count` published quarters, for
    the cells the reader may read, filtered by function and stage; worst touchpoints first, `per_page` touchpoints a
    page (both maps show the same page; a page out of range shows the nearest one). Each cell with a failure links to
    the findings behind it.

    Read from the counts each publication stored (`HeatCount`) with SQL aggregates, in six queries whatever the data:
    the window (and whether its sums are stored), the stages, every touchpoint's totals over the window (to order
    them), the page's cells by project over the window, its cells by quarter, and the projects' names. The window's
    totals and cells are the sums publication stored for it (one row per touchpoint and per touchpoint × cell), or,
    when none are stored for exactly this window, its versions' counts summed here; the quarter map reads each
    version's counts. A reader who reads whole functions (operations, HR, a function head) has the order and the
    quarter map from the stored every-project totals; anyone else's are summed from their own cells.
    """
    window, stored = heat_window(count=count)
    stages = list(Stage.objects.order_by("order").values_list("name", flat=True))
    empty = HeatMaps(window, HeatMap([], []), HeatMap([], []), stages)
    if not window:
        return empty
    # The window's sums when publication stored them for exactly this window, else its versions' counts summed here.
    summed = _of_window(stored) if stored is not None else _of_versions(window)
    versions = _of_versions(window)
    cells = _Counts(_heat_filter(scope=scope, function=function, stage=stage))
    whole = _whole_functions(scope) is not None
    lines = _Counts(_heat_filter(scope=scope, function=function, stage=stage, totals=True)) if whole else cells
    totals = _worst_first(lines.sums(["code"], rows=summed))
    if not totals:
        return empty
    pages = -(-len(totals) // per_page)
    number = min(max(page, 1), pages)
    shown = totals[(number - 1) * per_page : number * per_page]
    codes = [code for code, _nd, _ap in shown]
    by_project = cells.sums(["code", "project_id"], rows=summed, codes=codes)
    func = connection.ops.quote_name("function")
    by_quarter = lines.sums(["code", "result_id"], rows=versions, codes=codes, extra=f", MAX(name), MAX({func})")
    projects = {
        pk: (code, name)
        for pk, code, name in Project.objects.filter(pk__in={pk for _c, pk, _n, _a in by_project}).values_list(
            "id", "code", "name"
        )
    }
    per_project: dict[str, dict[str, tuple[int, int]]] = defaultdict(dict)
    for code, project_id, nd, ap in by_project:
        per_project[code][projects[project_id][0]] = (nd, ap)
    label = {q.pk: str(q.quarter) for q in window}
    position = {q.pk: index for index, q in enumerate(window)}
    per_quarter: dict[str, dict[str, tuple[int, int]]] = defaultdict(dict)
    names: dict[str, tuple[int, str, str]] = {}  # code → (quarter position, name, function): the latest name
    for code, result_id, nd, ap, name, func in by_quarter:
        per_quarter[code][label[result_id]] = (nd, ap)
        if code not in names or names[code][0] < position[result_id]:
            names[code] = (position[result_id], name, func)
    findings_url = reverse("scoring:insight_findings")
    filters = {k: v for k, v in (("function", function), ("stage", stage)) if v}
    project_columns = sorted((code, name) for code, name in projects.values())
    quarter_columns = [str(q.quarter) for q in window]
    # Each column's end of a cell's link, escaped once.
    project_links = [(code, escape(f"&project={quote(code)}")) for code, _name in project_columns]
    quarter_links = [(q, escape(f"&quarter={q}")) for q in quarter_columns]
    rows_p, rows_q = [], []
    looks: dict[tuple[int, int], tuple[str, str]] = {}
    for code, nd, ap in shown:
        base = escape(f"{findings_url}?{urlencode({'code': code, **filters})}")
        _position, name, func = names.get(code, (0, "", ""))
        by_p = _cells_html(columns=project_links, counts=per_project[code], link_base=base, looks=looks)
        by_q = _cells_html(columns=quarter_links, counts=per_quarter[code], link_base=base, looks=looks)
        rows_p.append(HeatRow(code, name, func, nd, ap, by_p, per_project[code]))
        rows_q.append(HeatRow(code, name, func, nd, ap, by_q, per_quarter[code]))
    first = (number - 1) * per_page + 1
    return HeatMaps(
        quarters=window,
        by_project=HeatMap.of(project_columns, rows_p, titled=True),
        by_quarter=HeatMap.of([(q, q) for q in quarter_columns], rows_q),
        stages=stages,
        page=HeatPage(number=number, pages=pages, total=len(totals), first=first, last=first + len(shown) - 1),
    )


# ---------------------------------------------------------------------------------------------------------------
# Findings: the not-done items behind a heat-map cell


@dataclass(frozen=True)
class Finding:
    """An item judged not done, with its cell."""

    pk: int
    code: str
    name: str
    stage_name: str
    finding: str
    claimed_status: str
    claimed_note: str
    quarter: Quarter
    project_code: str
    project_name: str
    function: str

    @property
    def function_label(self) -> str:
        return function_label(self.function)

    @property
    def discrepancy(self) -> bool:
        """虚报: claimed done in the self-check (every finding was judged not done)."""
        return self.claimed_status == ItemStatus.DONE


@dataclass(frozen=True)
class Findings:
    rows: list[Finding]
    truncated: bool
    filters: dict[str, str] = field(default_factory=dict)


def _published_inspections(*, window: list[PublishedQuarter], scope: Scope, function: str, project: str):
    """The ids of the finalised inspections of the window's quarters the reader may read."""
    quarters = Q(pk__in=[])
    for q in window:
        quarters |= Q(year=q.quarter.year, quarter=q.quarter.number)
    inspections = Inspection.objects.filter(quarters, scope.cell_q(), state=InspectionState.FINALISED)
    if function:
        inspections = inspections.filter(function=function)
    if project:
        inspections = inspections.filter(project__code=project)
    return inspections.order_by().values("id")


def _finding_rows(*, inspections, code: str, stage: str) -> list[tuple]:
    """The items judged not done of `inspections` (a queryset of their ids: the window, the reader's scope and the
    filters, compiled by the ORM), of one code and one stage when given, at most `FINDINGS_LIMIT` + 1 in the page's
    order, each with its cell: `Finding`'s fields in their order. One statement; the ORM's compiling of the items'
    query, its joins and its ordering cost more than PostgreSQL's reading.

    On PostgreSQL the inspections are an array (`= ANY(ARRAY(…))`), which the planner probes in the (inspection, code)
    index with the code; written as IN, it joined them and read every item of each one through the single-column index
    (its estimate ranks that cheaper) to keep one in 40."""
    try:
        subquery, params = inspections.query.get_compiler(using=inspections.db).as_sql()
    except EmptyResultSet:  # a reader without a readable cell
        return []
    item, inspection, project = (
        connection.ops.quote_name(model._meta.db_table) for model in (InspectionItem, Inspection, Project)
    )
    func = connection.ops.quote_name("function")
    among = f"= ANY(ARRAY({subquery}))" if connection.vendor == "postgresql" else f"IN ({subquery})"
    where, params = [f"it.inspection_id {among}", "it.verdict = %s"], [*params, ItemStatus.NOT_DONE.value]
    if code:
        where.append("it.code = %s")
        params.append(code)
    if stage:
        where.append("it.stage_name = %s")
        params.append(stage)
    # nosec B608: the names are the models' tables and literal columns, the subquery the ORM's; every value a parameter
    sql = f"""
        SELECT it.id, it.code, it.name, it.stage_name, it.finding, it.claimed_status, it.claimed_note,
               i.year, i.quarter, p.code, p.name, i.{func}
        FROM {item} it
        JOIN {inspection} i ON i.id = it.inspection_id
        JOIN {project} p ON p.id = i.project_id
        WHERE {" AND ".join(where)}
        ORDER BY i.year DESC, i.quarter DESC, p.code, i.{func}, it.stage_order, it.code
        LIMIT {FINDINGS_LIMIT + 1}
    """  # nosec B608
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        return cursor.fetchall()


def findings(
    *,
    scope: Scope,
    code: str = "",
    project: str = "",
    quarter: Quarter | None = None,
    function: str = "",
    stage: str = "",
    count: int = 8,
) -> Findings:
    """The items judged not done (未完成) in the published quarters' finalised inspections that the reader may read,
    narrowed to a touchpoint, a project, a quarter, a function or a stage. Two queries: the window, then the items
    (`_finding_rows`)."""
    window = published_window(count=count)
    if quarter is not None:
        window = [q for q in window if q.quarter == quarter]
    if not window:
        return Findings([], False)
    inspections = _published_inspections(window=window, scope=scope, function=function, project=project)
    picked = _finding_rows(inspections=inspections, code=code, stage=stage)
    rows = [
        Finding(pk, code_, name, stage_name, text, claimed, note, Quarter(year, number), project_code, project_name, func)
        for pk, code_, name, stage_name, text, claimed, note, year, number, project_code, project_name, func in picked[
            :FINDINGS_LIMIT
        ]
    ]
    # What the reader filtered on, as they read it (a function by its name, never its code).
    filters = {
        k: v for k, v in (("code", code), ("project", project), ("function", function_label(function)), ("stage", stage)) if v
    }
    if quarter is not None:
        filters["quarter"] = str(quarter)
    return Findings(rows, len(picked) > FINDINGS_LIMIT, filters)


# ---------------------------------------------------------------------------------------------------------------
# Drill-down: a unit's score → its cells → each item


@dataclass(frozen=True)
class CellLine:
    project_code: str
    project_name: str
    function: str
    done: int
    applicable: int
    percent: str | None
    readable: bool

    @property
    def function_label(self) -> str:
        return function_label(self.function)


@dataclass(frozen=True)
class UnitExplanation:
    """Why a unit has its score, grade, rank and amount in one published version (SPEC §5)."""

    result: QuarterResult
    unit: dict[str, Any]
    cells: list[CellLine]
    hidden_cells: int
    assessed_count: int
    leaders: list[str]
    band: dict[str, str] | None
    next_band: dict[str, str] | None
    project_id: int | None = None  # a project unit's project, when it still exists

    @property
    def kind_label(self) -> str:
        return str(UnitKind(self.unit["kind"]).label)

    @property
    def grade_class(self) -> str:
        return grade_class(self.unit["grade"] or "", self.unit["low"])

    @property
    def money(self) -> str:
        return money(self.unit["amount"])

    @property
    def settlement_label(self) -> str:
        return str(Settlement(self.unit["settlement"]).label) if self.unit["settlement"] else ""

    @property
    def policy(self) -> dict[str, Any]:
        return self.result.snapshot.get("policy", {})

    @property
    def reward_reason(self) -> str:
        """Which rule gave (or did not give) the amount, in words (R12, R13)."""
        unit, policy = self.unit, self.policy
        if unit["percent"] is None:
            return _("本季度没有适用的检查项,不列入考核:没有得分、等级、排名和奖惩。")
        percent = Decimal(unit["percent"])
        reward_line, penalty_line = Decimal(policy["reward_above_percent"]), Decimal(policy["penalty_below_percent"])
        if unit["amount"] > 0:
            return _("排名第一且得分 {p}% 高于 {line}%,奖励 ¥{amount}。").format(
                p=percent, line=reward_line, amount=policy["amount"]
            )
        if unit["amount"] < 0:
            return _("得分 {p}% 低于 {line}%,处罚 ¥{amount}。").format(p=percent, line=penalty_line, amount=policy["amount"])
        if unit["rank"] == 1:
            return _("排名第一,但得分 {p}% 未高于 {line}%,没有奖励。").format(p=percent, line=reward_line)
        return _("排名第 {rank},得分 {p}% 不低于 {line}%:既无奖励也无处罚。").format(
            rank=unit["rank"], p=percent, line=penalty_line
        )


def latest_result(*, quarter: Quarter) -> QuarterResult | None:
    """A quarter's latest published version with its snapshot, or None while the quarter is open; what an explanation
    reads of it (`selectors.latest_results` also reads who published it and the cells confirmed missing). One query."""
    return (
        QuarterResult.objects.filter(year=quarter.year, quarter=quarter.number)
        .order_by("-version")
        .defer("confirmed_missing")
        .first()
    )


def unit_explanation(*, result: QuarterResult, kind: str, code: str, scope: Scope) -> UnitExplanation:
    """A unit of a published version with its cells (those the reader may read open to their items). One query (the
    projects' ids), none for a company-wide reader's function."""
    snapshot = result.snapshot
    unit = next((u for u in snapshot["units"] if u["kind"] == kind and u["code"] == code), None)
    if unit is None:
        raise Http404
    names = {u["code"]: u["name"] for u in snapshot["units"] if u["kind"] == UnitKind.PROJECT}
    key = "project" if kind == UnitKind.PROJECT else "function"
    mine = [c for c in snapshot.get("cells", []) if c[key] == code]
    # The cells' projects' ids decide which cells the reader may open; a company-wide reader opens every cell, so only
    # a project unit's own id is read (for its bundle link).
    wanted = ({code} if kind == UnitKind.PROJECT else set()) | (set() if scope.sees_all else {c["project"] for c in mine})
    ids = dict(Project.objects.filter(code__in=wanted).values_list("code", "id")) if wanted else {}

    def readable(cell) -> bool:
        pk = ids.get(cell["project"])
        return scope.sees_all or (pk is not None and scope.can_read_cell(pk, cell["function"]))

    cells = [
        CellLine(
            c["project"],
            names.get(c["project"], c["project"]),
            c["function"],
            c["done"],
            c["applicable"],
            c["percent"],
            readable(c),
        )
        for c in mine
    ]
    readable_cells = [c for c in cells if c.readable]
    same_kind = [u for u in snapshot["units"] if u["kind"] == kind]
    leaders = [u["name"] for u in same_kind if u["rank"] == 1]
    band = next_band = None
    if unit["percent"] is not None:
        bands = snapshot.get("bands", [])
        for index, candidate in enumerate(bands):
            if candidate["label"] == unit["grade"]:
                band = candidate
                next_band = bands[index - 1] if index > 0 else None
    return UnitExplanation(
        result=result,
        unit=unit,
        cells=readable_cells,
        hidden_cells=len(cells) - len(readable_cells),
        assessed_count=sum(1 for u in same_kind if u["percent"] is not None),
        leaders=leaders,
        band=band,
        next_band=next_band,
        project_id=ids.get(code) if kind == UnitKind.PROJECT else None,
    )


@dataclass(frozen=True)
class CellItem:
    """What the cell page shows of an inspection item (its catalogue texts stay unread)."""

    pk: int
    code: str
    name: str
    stage_name: str
    level_name: str
    weight: int
    verdict: str
    finding: str
    claimed_status: str
    claimed_note: str

    @property
    def is_discrepancy(self) -> bool:
        """虚报: claimed done in the self-check, found not done by the inspector."""
        return self.claimed_status == ItemStatus.DONE and self.verdict == ItemStatus.NOT_DONE


@dataclass(frozen=True)
class FileLine:
    """A deliverable file of the cell's self-checks in the quarter: its download link's id, its name and its month."""

    pk: int
    original_name: str
    month: int


@dataclass(frozen=True)
class ItemLine:
    item: CellItem
    files: list[FileLine]

    @property
    def counted(self) -> bool:
        return self.item.verdict in APPLICABLE

    @property
    def done_weight(self) -> int:
        return self.item.weight if self.item.verdict == ItemStatus.DONE else 0


@dataclass(frozen=True)
class CellExplanation:
    project: Project
    function: str
    quarter: Quarter
    version: int  # of the quarter's results, the latest
    inspection: int | None  # the cell's finalised inspection in the quarter
    items: list[ItemLine]
    frozen: dict[str, Any] | None  # the cell as the version froze it

    @property
    def function_label(self) -> str:
        return function_label(self.function)

    @property
    def done(self) -> int:
        return sum(line.done_weight for line in self.items)

    @property
    def applicable(self) -> int:
        return sum(line.item.weight for line in self.items if line.counted)

    @property
    def not_done_count(self) -> int:
        return sum(1 for line in self.items if line.item.verdict == ItemStatus.NOT_DONE)


def latest_cells(*, quarter: Quarter) -> tuple[int, list[dict[str, Any]]] | None:
    """The number of a quarter's latest published version and the cells it froze, or None while the quarter is open.
    One query, reading only the snapshot's cells: decoding the whole snapshot (its units, bands and policy too) cost
    more than the cell page's other reads together. Its statement is compiled once (`selectors.latest_result_parts`),
    as compiling it cost as much CPU as decoding the cells."""
    latest = latest_result_parts(quarter=quarter, parts=("cells",))
    return None if latest is None else (latest[0].version, latest[1]["cells"] or [])


def cell_explanation(
    *, quarter: Quarter, version: int, cells: list[dict[str, Any]], project: Project, function: str
) -> CellExplanation:
    """A cell of a published quarter (`cells`, as its latest `version` froze them: `latest_cells`): every item's verdict,
    finding, self-check claim and the quarter's deliverable files for its code (each a link to the access-checked
    download). One query (`_cell_rows`)."""
    rows = _cell_rows(project_id=project.pk, function=function, quarter=quarter)
    frozen = next((c for c in cells if c["project"] == project.code and c["function"] == function), None)
    if not rows:
        return CellExplanation(project, function, quarter, version, None, [], frozen)
    lines: list[ItemLine] = []
    for row in rows:
        if row[1] is None:  # an inspection without items
            continue
        if not lines or lines[-1].item.pk != row[1]:
            lines.append(ItemLine(CellItem(*row[1:11]), []))
        if row[11] is not None:
            lines[-1].files.append(FileLine(*row[11:]))
    return CellExplanation(project, function, quarter, version, rows[0][0], lines, frozen)


def _cell_rows(*, project_id: int, function: str, quarter: Quarter) -> list[tuple]:
    """The cell's finalised inspection in the quarter, its items in the page's order and beside each the deliverable
    files of its code in the cell's self-checks of the quarter's months (a row per item and file; NULLs for an item
    without a file, and for the items of an inspection without any), in one statement: the ORM compiled the items'
    and the files' queries at more cost than PostgreSQL's work for both. The columns are `CellItem`'s and
    `FileLine`'s, in their order."""
    inspection, item, selfcheck, selfcheck_item, deliverable = (
        connection.ops.quote_name(model._meta.db_table)
        for model in (Inspection, InspectionItem, SelfCheck, SelfCheckItem, Deliverable)
    )
    func = connection.ops.quote_name("function")
    # nosec B608: the names are the models' tables and literal columns; every value is a parameter
    sql = f"""
        SELECT i.id, it.id, it.code, it.name, it.stage_name, it.level_name, it.weight, it.verdict, it.finding,
               it.claimed_status, it.claimed_note, f.id, f.original_name, f.month
        FROM {inspection} i
        LEFT JOIN {item} it ON it.inspection_id = i.id
        LEFT JOIN (
            SELECT si.code, s.month, d.id, d.original_name, d.uploaded_at
            FROM {deliverable} d
            JOIN {selfcheck_item} si ON si.id = d.item_id
            JOIN {selfcheck} s ON s.id = si.selfcheck_id
            WHERE s.project_id = %s AND s.{func} = %s AND s.year = %s AND s.month IN (%s, %s, %s)
        ) f ON f.code = it.code
        WHERE i.project_id = %s AND i.{func} = %s AND i.year = %s AND i.quarter = %s AND i.state = %s
        ORDER BY it.stage_order, it.code, f.month, f.uploaded_at, f.id
    """  # nosec B608
    months = [month for _year, month in quarter.months]
    params = [project_id, function, quarter.year, *months, project_id, function, quarter.year, quarter.number]
    with connection.cursor() as cursor:
        cursor.execute(sql, [*params, InspectionState.FINALISED.value])
        return cursor.fetchall()
