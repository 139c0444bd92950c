"""Writes of the scoring app: preview, publish and amend a quarter's results, and verify every published version.

Data flows one way (STYLE): finalised inspections → the pure engine → a frozen snapshot → the ledger and
notifications. Nothing here changes an inspection, and nothing ever changes a published version (SPEC §7).

    quarter_preview(*, quarter) -> Preview                       # nothing written
    quarter_publish(*, quarter, user, confirm_missing) -> QuarterResult
    quarter_amend(*, quarter, user, reason) -> QuarterResult
    results_verify() -> list[Mismatch]

Every refusal raises `PublicationRefused` with a message an operator can act on, before anything is written.
"""

from __future__ import annotations

import datetime as dt
import hashlib
from collections import defaultdict
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from django.db import IntegrityError, connection, transaction
from django.db.models import Q
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from audits.choices import InspectionState, ItemStatus
from audits.inspections.selectors import cells_without_finalised_inspection, finalised_cell_weights
from audits.models import Inspection, InspectionItem
from core.dates import SHANGHAI, Quarter, local_today
from core.publication import quarter_is_published
from notifications.choices import NotificationKind
from notifications.services import notify_many_later
from touchpoints.choices import FUNCTION_CHINESE_NAMES, Function
from touchpoints.models import Assignment, Project

from . import engine, selectors, signing
from . import snapshot as snap
from .models import HEAT_WINDOW, GradeBand, HeatCount, Policy, QuarterResult, UnitResult
from .plans import AssignmentLine, assignment_lines, plan_owner_lines, plans_open
from .postings import result_post


class PublicationRefused(Exception):
    """A preview, publication or amendment that cannot go ahead; nothing has been written."""


@dataclass(frozen=True)
class MissingCell:
    """A cell with applicable items but no finalised inspection (SPEC §7): it counts as not inspected if confirmed."""

    project_code: str
    project_name: str
    function: str

    @property
    def function_label(self) -> str:
        return str(Function(self.function).label) if self.function in Function.values else self.function

    def as_data(self) -> dict[str, str]:
        return {"project": self.project_code, "function": self.function}

    def __str__(self) -> str:
        return f"{self.project_code} {self.project_name} · {self.function_label}"


@dataclass(frozen=True)
class Preview:
    """What publishing the quarter now would freeze: the engine's outcome and everything it was computed from."""

    quarter: Quarter
    outcome: engine.QuarterOutcome
    cells: tuple[engine.CellTally, ...]
    missing: tuple[MissingCell, ...]
    policy: Policy
    bands: tuple[engine.GradeBand, ...]
    names: dict[engine.UnitKey, str]

    @property
    def engine_policy(self) -> engine.Policy:
        return policy_for_engine(self.policy)

    def is_low(self, result: engine.UnitResult) -> bool:
        """R11: assessed and graded B- or below by the bands in use."""
        return result.grade is not None and engine.is_at_or_below(result.grade, engine.CAP_GRADE, self.bands)

    def name_of(self, unit: engine.UnitKey) -> str:
        return self.names.get(unit, unit.code)

    @property
    def is_empty(self) -> bool:
        """SPEC §7: no finalised inspection at all this quarter — never published."""
        return not self.cells

    @property
    def counts(self) -> PublishCounts:
        results = self.outcome.results
        return PublishCounts(
            units=sum(1 for r in results if r.assessed),
            not_assessed=sum(1 for r in results if not r.assessed),
            rewards=sum(1 for r in results if r.amount > 0),
            penalties=sum(1 for r in results if r.amount < 0),
            missing=len(self.missing),
        )

    @property
    def fingerprint(self) -> str:
        """A digest of what publishing now would freeze: a confirmation given for other figures is refused."""
        return hashlib.sha256(snap.canonical_json(preview_data(self))).hexdigest()


@dataclass(frozen=True)
class PublishCounts:
    """What the confirmation step names (SPEC §7): assessed units, rewards and penalties, cells counted uninspected."""

    units: int
    not_assessed: int
    rewards: int
    penalties: int
    missing: int


def function_name(code: str) -> str:
    """A function's Chinese name as frozen in snapshots and exports, whatever the reader's language."""
    return FUNCTION_CHINESE_NAMES.get(code, code)  # type: ignore[call-overload]


def policy_for_engine(policy: Policy) -> engine.Policy:
    return engine.Policy(
        amount=policy.amount,
        reward_above_percent=Decimal(policy.reward_above_percent),
        penalty_below_percent=Decimal(policy.penalty_below_percent),
    )


def policy_in_force(day: dt.date) -> Policy | None:
    """SPEC §5: the policy whose effective date is the latest on or before `day`."""
    return Policy.objects.filter(effective_from__lte=day).order_by("-effective_from").first()


def bands_in_force() -> tuple[engine.GradeBand, ...]:
    """The grade bands edited in admin, best first, checked by the engine (SPEC §5)."""
    bands = [engine.GradeBand(band.label, Decimal(band.min_percent)) for band in GradeBand.objects.order_by("order")]
    try:
        checked = engine.validate_bands(bands)
        engine.is_at_or_below(checked[-1].label, engine.CAP_GRADE, checked)
    except ValueError as exc:
        raise PublicationRefused(_("等级档设置有误:{error}").format(error=exc)) from exc
    return checked


def _inspection_inputs(quarter: Quarter) -> tuple[list[engine.CellTally], list[tuple[Project, str]]]:
    # The inspections app owns what a finalised inspection counts for (SPEC §5) and which cells still lack one.
    tallies = [
        engine.CellTally(w.project, w.function, w.done_weight, w.applicable_weight)
        for w in finalised_cell_weights(quarter=quarter)
    ]
    return tallies, list(cells_without_finalised_inspection(quarter=quarter))


def quarter_preview(*, quarter: Quarter) -> Preview:
    """Compute the quarter's results from the finalised inspections as publishing now would, writing nothing.

    Units: the five functions and every project that is active or has an inspection this quarter; a unit without
    applicable weight is not assessed (R6). Uses the grade bands now in force and the policy in force on the quarter's
    last day (SPEC §5). A fixed number of queries.
    """
    policy = policy_in_force(quarter.last_day)
    if policy is None:
        raise PublicationRefused(_("{day} 没有生效的奖惩政策,请先在管理后台设置").format(day=quarter.last_day.isoformat()))
    bands = bands_in_force()
    cells, missing = _inspection_inputs(quarter)
    codes = {cell.project for cell in cells} | {project.code for project, _function in missing}
    projects = list(
        Project.objects.filter(Q(is_active=True) | Q(code__in=codes)).order_by("code").values_list("id", "code", "name")
    )
    names: dict[engine.UnitKey, str] = {engine.UnitKey.function(code): function_name(code) for code in engine.FUNCTION_CODES}
    names.update({engine.UnitKey.project(code): name for _id, code, name in projects})
    try:
        outcome = engine.score_quarter(
            cells,
            project_codes=[code for _id, code, _name in projects],
            bands=bands,
            policy=policy_for_engine(policy),
        )
    except ValueError as exc:
        raise PublicationRefused(str(exc)) from exc
    return Preview(
        quarter=quarter,
        outcome=outcome,
        cells=tuple(sorted(cells, key=lambda c: (c.project, engine.FUNCTION_CODES.index(c.function)))),
        missing=tuple(
            sorted(
                (MissingCell(project.code, project.name, function) for project, function in missing),
                key=lambda m: (m.project_code, m.function),
            )
        ),
        policy=policy,
        bands=bands,
        names=names,
    )


def preview_data(preview: Preview) -> dict[str, Any]:
    """The part of a snapshot that is the result itself (policy, bands, units, cells): what a page shows and what an
    amendment must change."""
    policy = preview.policy
    return {
        "policy": {
            "effective_from": policy.effective_from.isoformat(),
            "amount": policy.amount,
            "reward_above_percent": snap.decimal_text(policy.reward_above_percent),
            "penalty_below_percent": snap.decimal_text(policy.penalty_below_percent),
        },
        "bands": snap.bands_data(preview.bands),
        "cap_grade": engine.CAP_GRADE,
        "units": [
            snap.unit_data(result, name=preview.name_of(result.unit), low=preview.is_low(result))
            for result in preview.outcome.results
        ],
        "cells": [snap.cell_data(cell) for cell in preview.cells],
    }


RESULT_KEYS = ("policy", "bands", "cap_grade", "units", "cells")


def _freeze(
    preview: Preview, *, user, version: int, supersedes: QuarterResult | None, reason: str, missing: Sequence[MissingCell]
) -> QuarterResult:
    """Write one published version: snapshot and digest, unit rows, ledger entries; notify after commit (SPEC §7)."""
    quarter = preview.quarter
    published_at = timezone.now()
    confirmed = [cell.as_data() for cell in missing]
    data = {
        "format": snap.SNAPSHOT_FORMAT,
        "quarter": str(quarter),
        "year": quarter.year,
        "number": quarter.number,
        "version": version,
        "supersedes": None if supersedes is None else supersedes.version,
        "published_at": published_at.isoformat(),
        "published_by": user.get_username() if user is not None else "",
        "reason": reason,
        "confirmed_missing": confirmed,
        **preview_data(preview),
    }
    signature = signing.sign(data)
    try:
        with transaction.atomic():
            result = QuarterResult.objects.create(
                year=quarter.year,
                quarter=quarter.number,
                version=version,
                published_at=published_at,
                published_by=user,
                reason=reason,
                confirmed_missing=confirmed,
                snapshot=data,
                digest=signature.digest,
                digest_key=signature.key_id,
                supersedes=supersedes,
            )
            UnitResult.objects.bulk_create(
                UnitResult(
                    result=result,
                    kind=unit["kind"],
                    code=unit["code"],
                    name=unit["name"],
                    done=unit["done"],
                    applicable=unit["applicable"],
                    assessed=unit["score"] is not None,
                    rank=unit["rank"],
                    grade=unit["grade"] or "",
                    low=unit["low"],
                    amount=unit["amount"],
                    settlement=unit["settlement"] or "",
                )
                for unit in data["units"]
            )
            heat_counts_write(result=result)  # SPEC §16: the heat map's figures, frozen with the version
            result_post(result=result)  # the ledger (rewards registers it)
            # The people notified and the plans' owners, read together (one query).
            lines = assignment_lines(_notified(quarter) | plan_owner_lines(on=timezone.localtime(published_at, SHANGHAI).date()))
            # SPEC §14: every unit fined under R13 owes a rectification plan.
            plans_open(result=result, units=data["units"], lines=lines)
            # SPEC §7: the notifications are written in this transaction (one outbox row) and delivered by the worker
            # after commit; the request renders no e-mail and needs no broker.
            result_notify(result=result, units=data["units"], lines=lines)
    except IntegrityError as exc:
        # The unique (year, quarter, version) and one-to-one `supersedes` refuse a concurrent second publication.
        raise PublicationRefused(_("{quarter} 刚刚已由他人发布或修订,请刷新后重试").format(quarter=quarter)) from exc
    return result


def _heat_counts_sql(vendor: str | None = None) -> str:
    """One statement (`WITH … INSERT … SELECT`, a query on SQLite as on PostgreSQL) writing both kinds of `HeatCount`
    rows of a new version:

    * its counts: per touchpoint per cell of the quarter's finalised inspections, how many items were judged (done or
      not done) and how many not done, and the same per touchpoint over every project (rows without a project);
    * when the version is in the heat map's window as it now stands (the current version of each of the last
      `HEAT_WINDOW` published quarters: a first publication of one of the latest quarters, or an amendment of one of
      them), the window's sums: its counts plus the stored counts of the window's other versions, per touchpoint per
      cell and per touchpoint, with the window's version ids in `members`. The version it amends is out of the window
      (this version supersedes it in the same transaction), so its counts are not summed.

    The window's sums start from the last window stored (its rows read by their index, not the window's versions'
    counts, which grow with every quarter published): minus the counts of its versions that left the window (the
    oldest quarter, or the version this one amends), plus those of versions it lacks besides this one (none, unless
    it was summed beside a concurrent publication), plus this version's counts. A cell no version of the window has
    is dropped (every stored count has at least one item judged). With no window stored, every version's counts are
    summed.

    Migration 0006 backfills the counts with a frozen copy of the first part, migration 0007 the current window."""
    vendor = vendor or connection.vendor
    quote = connection.ops.quote_name
    heat, item, inspection, result, function = (
        quote(HeatCount._meta.db_table),
        quote(InspectionItem._meta.db_table),
        quote(Inspection._meta.db_table),
        quote(QuarterResult._meta.db_table),
        quote("function"),
    )
    columns = f"project_id, {function}, code, stage"
    # The window's version ids, in any order (the map compares them as a set), and back from that text to ids.
    if vendor == "postgresql":
        ids = "string_agg(CAST(id AS text), ',')"
        member_ids = "SELECT CAST(m AS bigint) AS id FROM base, unnest(string_to_array(base.members, ',')) AS m"
    else:
        ids = "group_concat(id, ',')"
        member_ids = "SELECT CAST(j.value AS integer) AS id FROM base, json_each('[' || base.members || ']') AS j"

    def counts_of(versions: str, sign: str = "") -> str:
        """The stored counts of the versions listed in the CTE `versions`, by their index: on PostgreSQL a lateral
        subquery per version (OFFSET 0 keeps it one), which the planner cannot turn into a scan of every version's
        rows as it does an IN over a CTE of unknown size."""
        values = f"{columns}, {sign}not_done AS not_done, {sign}judged AS judged"
        # Both marked for bandit (B608): quoted table names from the models' metadata, CTE names and a sign written here; no value.
        if vendor == "postgresql":
            return (
                f"SELECT c.* FROM {versions} v CROSS JOIN LATERAL (SELECT {values} FROM {heat} WHERE result_id = v.id OFFSET 0) c"  # nosec B608
            )
        return f"SELECT {values} FROM {heat} WHERE result_id IN (SELECT id FROM {versions})"  # nosec B608

    return f"""
WITH fresh AS (
SELECT i.project_id AS project_id, i.{function} AS {function}, it.code AS code, it.stage_name AS stage,
MAX(it.name) AS name, SUM(CASE WHEN it.verdict = %(not_done)s THEN 1 ELSE 0 END) AS not_done, COUNT(*) AS judged
FROM {item} it INNER JOIN {inspection} i ON i.id = it.inspection_id
WHERE i.year = %(year)s AND i.quarter = %(quarter)s AND i.state = %(finalised)s AND it.verdict IN (%(done)s, %(not_done)s)
GROUP BY i.project_id, i.{function}, it.code, it.stage_name
), counted AS (
SELECT {columns}, name, not_done, judged FROM fresh
UNION ALL
SELECT NULL, {function}, code, stage, MAX(name), SUM(not_done), SUM(judged) FROM fresh GROUP BY {function}, code, stage
), latest AS (
SELECT r.id AS id FROM {result} r WHERE NOT EXISTS (SELECT 1 FROM {result} s WHERE s.supersedes_id = r.id)
ORDER BY r.year DESC, r.quarter DESC LIMIT %(window)s
), members AS (
SELECT a.ids AS ids FROM (SELECT {ids} AS ids FROM latest) a WHERE EXISTS (SELECT 1 FROM latest WHERE id = %(result)s)
), base AS (
SELECT window_id AS id, members FROM {heat} WHERE window_id IS NOT NULL AND project_id IS NULL
ORDER BY window_id DESC LIMIT 1
), base_members AS (
{member_ids}
), gone AS (
SELECT b.id AS id FROM base_members b LEFT JOIN latest l ON l.id = b.id WHERE l.id IS NULL
), added AS (
SELECT l.id AS id FROM latest l LEFT JOIN base_members b ON b.id = l.id WHERE b.id IS NULL AND l.id <> %(result)s
)
INSERT INTO {heat} (project_id, {function}, code, stage, result_id, window_id, members, name, not_done, judged)
SELECT {columns}, %(result)s, NULL, NULL, name, not_done, judged FROM counted
UNION ALL
SELECT w.project_id, w.{function}, w.code, w.stage, NULL, %(result)s, m.ids, '', w.not_done, w.judged
FROM (
SELECT {columns}, SUM(not_done) AS not_done, SUM(judged) AS judged FROM (
SELECT {columns}, not_done, judged FROM counted
UNION ALL
SELECT {columns}, not_done, judged FROM {heat} WHERE window_id = (SELECT id FROM base) AND project_id IS NOT NULL
UNION ALL
SELECT {columns}, not_done, judged FROM {heat} WHERE window_id = (SELECT id FROM base) AND project_id IS NULL
UNION ALL
{counts_of("gone", "-")}
UNION ALL
{counts_of("added")}
) v GROUP BY {columns} HAVING SUM(judged) > 0
) w CROSS JOIN members m
"""  # nosec B608 - the tables and columns are the models' names, quoted; every value is a parameter


def heat_counts_write(*, result: QuarterResult) -> None:
    """SPEC §16: store the heat map's counts of a new published version, and the sums of the window it enters, in its
    own transaction, in one statement.

    A published version never changes (SPEC §7), and neither do these rows (`HeatCount` is frozen like the results):
    the heat map reads them instead of the inspection items, whoever reads it."""
    params = {
        "result": result.pk,
        "year": result.year,
        "quarter": result.quarter,
        "finalised": InspectionState.FINALISED.value,
        "done": ItemStatus.DONE.value,
        "not_done": ItemStatus.NOT_DONE.value,
        "window": HEAT_WINDOW,
    }
    with connection.cursor() as cursor:
        cursor.execute(_heat_counts_sql(), params)


def _unit_params(unit: dict[str, Any]) -> dict[str, Any]:
    """What a notification needs of a unit's result: language-neutral data (scoring/notices.py renders it)."""
    return {
        "kind": unit["kind"],
        "code": unit["code"],
        # A function's name is rendered from its code in the reader's language; a project's is data.
        "name": "" if unit["kind"] == "function" else unit["name"],
        "assessed": unit["score"] is not None,
        "percent": str(unit["percent"]) if unit.get("percent") is not None else "",
        "grade": unit["grade"] or "",
        "rank": unit["rank"],
        "amount": unit["amount"] or 0,
        "settlement": unit["settlement"] or "",
    }


def _notified(quarter: Quarter):
    """The assignments overlapping the quarter whose person signs in: who hears of its results."""
    return Assignment.objects.overlapping(quarter.first_day, quarter.last_day).filter(
        person__user__isnull=False, person__user__is_active=True
    )


def result_notify(*, result: QuarterResult, units: list[dict[str, Any]], lines: list[AssignmentLine] | None = None) -> int:
    """Write the notifications of a published version to the outbox: everyone assessed, once (SPEC §7).

    Everyone with an assignment overlapping the quarter to a unit in the result gets their own units' lines. One
    query (the assignments, unless `lines` holds them) and one insert (notifications.notify_many_later); returns how
    many people.
    """
    quarter = result.period
    first_day, last_day = quarter.first_day, quarter.last_day
    # Each unit's lines once, not once per person (3,000 on a large company).
    by_unit = {(unit["kind"], unit["code"]): _unit_params(unit) for unit in units}
    if lines is None:
        lines = assignment_lines(_notified(quarter))
    recipients: dict[int, list[dict[str, Any]]] = defaultdict(list)
    for user_id, _role, project_code, function, start, end in lines:
        if start > last_day or (end is not None and end < first_day):
            continue  # a plan's owner from after the quarter
        key = ("function", function) if project_code is None else ("project", project_code)
        params = by_unit.get(key)
        if params is None:
            continue
        if params not in recipients[user_id]:
            recipients[user_id].append(params)
    amended = result.supersedes_id is not None
    shared = {"quarter": str(quarter), "version": result.version, "reason": result.reason if amended else ""}
    notify_many_later(
        kind=NotificationKind.RESULT_AMENDED if amended else NotificationKind.RESULT_PUBLISHED,
        period=f"{quarter}v{result.version}",
        url=reverse("scoring:results_quarter", kwargs={"quarter": str(quarter)}),
        recipients={user_id: {**shared, "units": unit_list} for user_id, unit_list in recipients.items()},
    )
    return len(recipients)


def refuse_if_empty(preview: Preview) -> None:
    """SPEC §7: a quarter with no finalised inspection at all is never published (nor amended into one)."""
    if preview.is_empty:
        raise PublicationRefused(
            _("{quarter} 没有任何定稿的检查,不能发布;请先完成并定稿检查(或导入纸质检查结果)").format(quarter=preview.quarter)
        )


def quarter_publish(*, quarter: Quarter, user, confirm_missing: bool = False) -> QuarterResult:
    """Publish a quarter's results (R9, SPEC §7): version 1, frozen, posted to the ledger, everyone assessed notified.

    Refused before the quarter has ended, when it is already published (amend it instead), when the quarter has no
    finalised inspection at all, and — unless
    `confirm_missing` — while cells with applicable items have no finalised inspection. A confirmation is recorded in
    the version (`confirmed_missing`) and those cells count as not inspected.
    """
    if not quarter.has_ended(local_today()):
        raise PublicationRefused(
            _("{quarter} 尚未结束({day} 之后才能发布)").format(quarter=quarter, day=quarter.last_day.isoformat())
        )
    if quarter_is_published(quarter):
        raise PublicationRefused(_("{quarter} 已发布;如需更正,请发布修订版本(amend_quarter)").format(quarter=quarter))
    preview = quarter_preview(quarter=quarter)
    refuse_if_empty(preview)
    if preview.missing and not confirm_missing:
        cells = "、".join(str(cell) for cell in preview.missing)
        raise PublicationRefused(
            _("以下 {n} 个单元格有适用检查项但没有定稿的检查:{cells}。确认按未检查发布请加 --confirm-missing").format(
                n=len(preview.missing), cells=cells
            )
        )
    return _freeze(preview, user=user, version=1, supersedes=None, reason="", missing=preview.missing)


def quarter_amend(*, quarter: Quarter, user, reason: str) -> QuarterResult:
    """Publish a correction of a published quarter as its next version (SPEC §7).

    The amendment recomputes the quarter from the finalised inspections as they are now, with the grade bands now in
    force and the policy now in force on the quarter's last day — so it also corrects a wrong band or policy. Cells
    still without a finalised inspection count as not inspected and are recorded, as a publication's confirmation is:
    the amendment itself is the explicit act, with its reason. The superseded version stays readable; its ledger
    entries are reversed and the new ones posted. Refused without a reason, for an unpublished quarter, and when the
    result would not change.
    """
    reason = (reason or "").strip()
    if not reason:
        raise PublicationRefused(_("修订必须填写原因"))
    current = selectors.latest_results(quarter=quarter)
    if current is None:
        raise PublicationRefused(_("{quarter} 尚未发布,无需修订;请先发布").format(quarter=quarter))
    preview = quarter_preview(quarter=quarter)
    refuse_if_empty(preview)
    recomputed = preview_data(preview)
    if all(
        snap.canonical_json({key: recomputed[key]}) == snap.canonical_json({key: current.snapshot.get(key)})
        for key in RESULT_KEYS
    ):
        raise PublicationRefused(
            _("按当前检查结果、等级档和奖惩政策重新计算,{quarter} 的结果与第 {version} 版相同,无需修订").format(
                quarter=quarter, version=current.version
            )
        )
    return _freeze(preview, user=user, version=current.version + 1, supersedes=current, reason=reason, missing=preview.missing)


# ---------------------------------------------------------------------------------------------------------------
# Integrity (SPEC §7, verify_results)


@dataclass(frozen=True)
class Mismatch:
    """One thing wrong with a published version."""

    result: str
    problem: str

    def __str__(self) -> str:
        return f"{self.result}: {self.problem}"


UNIT_FIELDS = ("name", "done", "applicable", "rank", "grade", "low", "amount", "settlement")


def _unit_row_data(unit: UnitResult) -> dict[str, Any]:
    return {
        "name": unit.name,
        "done": unit.done,
        "applicable": unit.applicable,
        "rank": unit.rank,
        "grade": unit.grade or None,
        "low": unit.low,
        "amount": unit.amount,
        "settlement": unit.settlement or None,
        "assessed": unit.assessed,
    }


def version_problems(result: QuarterResult, *, signature: bool = True) -> list[str]:
    """Everything wrong with one version: its signature (unless `signature` is False: resign_results checks the old
    digest itself), its unit rows against the snapshot, and the snapshot's figures against the engine."""
    problems: list[str] = []
    data = result.snapshot if isinstance(result.snapshot, dict) else {}
    try:
        problem = signing.check(data, digest=result.digest, key_id=result.digest_key) if signature else None
        snap.canonical_json(data)
    except TypeError as exc:
        return [_("快照无法规范化:{error}").format(error=exc)]
    if problem is not None:
        problems.append(problem)
    expected = {"year": result.year, "number": result.quarter, "version": result.version}
    for key, value in expected.items():
        if data.get(key) != value:
            problems.append(_("快照的 {key} 为 {found},记录为 {value}").format(key=key, found=data.get(key), value=value))
    units = {(u.get("kind"), u.get("code")): u for u in data.get("units", [])}
    rows = {(row.kind, row.code): row for row in result.units.all()}
    for key in sorted(set(units) - set(rows)):
        problems.append(_("缺少单元结果行 {unit}").format(unit=":".join(key)))
    for key in sorted(set(rows) - set(units)):
        problems.append(_("快照中没有单元结果行 {unit}").format(unit=":".join(key)))
    for key in sorted(set(units) & set(rows)):
        unit, row = units[key], _unit_row_data(rows[key])
        if row["assessed"] != (unit.get("score") is not None):
            problems.append(_("单元 {unit} 的「列入考核」与快照不符").format(unit=":".join(key)))
        for field in UNIT_FIELDS:
            if row[field] != unit.get(field):
                problems.append(
                    _("单元 {unit} 的 {field} 为 {row},快照为 {snapshot}").format(
                        unit=":".join(key), field=field, row=row[field], snapshot=unit.get(field)
                    )
                )
    problems.extend(_check_arithmetic(data))
    return problems


def _check_arithmetic(data: dict[str, Any]) -> list[str]:
    """Re-run the engine on the snapshot's own cells, bands and policy: the frozen figures must be its arithmetic."""
    try:
        units = data["units"]
        outcome = engine.score_quarter(
            snap.cells_from(data),
            project_codes=[u["code"] for u in units if u["kind"] == engine.UnitKind.PROJECT],
            function_codes=[u["code"] for u in units if u["kind"] == engine.UnitKind.FUNCTION],
            bands=snap.bands_from(data),
            policy=snap.policy_from(data),
        )
        bands = snap.bands_from(data)
        expected = {
            (str(r.unit.kind), r.unit.code): snap.unit_data(
                r, name="", low=r.grade is not None and engine.is_at_or_below(r.grade, data["cap_grade"], bands)
            )
            for r in outcome.results
        }
    except (KeyError, TypeError, ValueError) as exc:
        return [_("快照无法重新计算:{error}").format(error=exc)]
    problems = []
    for unit in units:
        computed = expected.get((unit["kind"], unit["code"]))
        stored = {**unit, "name": ""}
        if computed != stored:
            problems.append(_("单元 {kind}:{code} 的数字与按快照重新计算的结果不符").format(kind=unit["kind"], code=unit["code"]))
    return problems


# Further checks of what publication wrote downstream, registered by the apps that own it (the ledger registers
# `rewards.integrity.ledger_verify` in its AppConfig.ready), so scoring never imports them. Each returns mismatches.
VERIFIERS: list[Callable[[], list[Mismatch]]] = []


def register_verifier(check: Callable[[], list[Mismatch]]) -> None:
    if check not in VERIFIERS:
        VERIFIERS.append(check)


def heat_counts_verify() -> list[Mismatch]:
    """The heat map's counts (SPEC §16) have no foreign-key constraints in the database (see `HeatCount`): every count
    must name a published version (its own or its window's) and, where it has one, a project. One query."""
    orphans = (
        HeatCount.objects.filter(
            (Q(result__isnull=False) & ~Q(result_id__in=QuarterResult.objects.values("pk")))
            | (Q(window__isnull=False) & ~Q(window_id__in=QuarterResult.objects.values("pk")))
            | (Q(project__isnull=False) & ~Q(project_id__in=Project.objects.values("pk")))
        )
        .values_list("result_id", "window_id", "project_id")
        .distinct()
    )
    return [
        Mismatch(
            _("问题分布计数"),
            _("计数引用了不存在的版本或项目(版本 {result},窗口 {window},项目 {project})").format(
                result=result or "-", window=window or "-", project=project or "-"
            ),
        )
        for result, window, project in orphans
    ]


def results_verify() -> list[Mismatch]:
    """Check every published version's HMAC signature of its stored snapshot, its unit rows against the snapshot and
    its figures against the engine, then every registered downstream check (the ledger) (SPEC §7). Returns every
    mismatch found; empty when all is well. A fixed number of queries."""
    mismatches = []
    versions = QuarterResult.objects.prefetch_related("units").order_by("year", "quarter", "version")
    for result in versions:
        mismatches.extend(Mismatch(str(result), problem) for problem in version_problems(result))
    mismatches.extend(heat_counts_verify())
    for check in VERIFIERS:
        mismatches.extend(check())
    return mismatches
