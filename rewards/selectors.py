"""Reads of the ledger and of splits for pages, exports and services, each in a fixed number of queries.

Who sees what (SPEC §1, R14): operations, HR and admins see every entry; a project director or function head sees their
units' entries (the units they direct or head today, and those they directed or headed in the entry's quarter); everyone
else sees only their own parts. The narrowing lives here, fed by `core.access.scope_for`.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from dataclasses import dataclass, field

from django.contrib.auth import get_user_model
from django.db.models import Count, Q, QuerySet, Sum
from django.http import Http404
from django.utils.translation import gettext as _

from core import dates
from core.access import VIEW, Action, Scope
from scoring.choices import Settlement, UnitKind
from scoring.engine import CapRule
from scoring.models import QuarterResult
from scoring.selectors import at_risk_people, caps_for_year, unit_names
from touchpoints.choices import STAFF_GROUP_NAMES, Function, Role, StaffGroup
from touchpoints.models import Assignment, Person

from .choices import LedgerStatus, SplitState
from .models import LedgerEntry, Split, SplitPart, quarter_span_q
from .rules import Actor, Candidate, SplitRefused, check_splittable, ledger_status, money

SPLITTER_ROLES = (Role.PROJECT_DIRECTOR, Role.FUNCTION_HEAD)


# ---------------------------------------------------------------------------------------------------------------
# Who splits, who may receive a part (R14)


def _quarter_of(entry: LedgerEntry) -> dates.Quarter:
    return dates.Quarter(entry.year, entry.quarter)


def _unit_assignments(*, unit_kind: str, unit_code: str) -> QuerySet[Assignment]:
    """The assignments that belong to a unit: a project's director, functional managers and team members; a function's
    head and team members (SPEC §3 Decision: a functional manager belongs to the project unit)."""
    if unit_kind == UnitKind.PROJECT:
        return Assignment.objects.filter(project__code=unit_code)
    return Assignment.objects.filter(project__isnull=True, function=unit_code)


def split_candidates(*, entry: LedgerEntry) -> dict[int, Candidate]:
    """R14: the people assigned to the entry's unit during its quarter (assignment overlapping the quarter). One query."""
    quarter = _quarter_of(entry)
    assignments = (
        _unit_assignments(unit_kind=entry.unit_kind, unit_code=entry.unit_code)
        .overlapping(quarter.first_day, quarter.last_day)
        .select_related("person")
        .order_by("person__employee_id", "start")
    )
    roles: dict[int, list[str]] = defaultdict(list)
    people: dict[int, Person] = {}
    property_people: set[int] = set()
    for assignment in assignments:
        people[assignment.person_id] = assignment.person
        label = str(Role(assignment.role).label)
        if label not in roles[assignment.person_id]:
            roles[assignment.person_id].append(label)
        if assignment.function == Function.PROPERTY:  # SPEC §8: the property company's people
            property_people.add(assignment.person_id)
    return {
        pid: Candidate(
            person_id=pid,
            employee_id=person.employee_id,
            name=person.name,
            roles=tuple(roles[pid]),
            property_function=pid in property_people,
        )
        for pid, person in people.items()
    }


def entry_splitters(*, entry: LedgerEntry) -> list[Person]:
    """R14: the unit's project director (project unit) or function head (function unit) in force during the quarter."""
    quarter = _quarter_of(entry)
    role = Role.PROJECT_DIRECTOR if entry.unit_kind == UnitKind.PROJECT else Role.FUNCTION_HEAD
    return list(
        Person.objects.filter(
            pk__in=_unit_assignments(unit_kind=entry.unit_kind, unit_code=entry.unit_code)
            .filter(role=role)
            .overlapping(quarter.first_day, quarter.last_day)
            .values("person_id")
        ).order_by("employee_id")
    )


@dataclass(frozen=True)
class LeadSpan:
    """A director's or head's assignment, reduced to the unit and the dates (for matching entries without queries)."""

    unit_kind: str
    unit_code: str
    start: dt.date
    end: dt.date | None

    def covers(self, entry: LedgerEntry) -> bool:
        return (
            self.unit_kind == entry.unit_kind
            and self.unit_code == entry.unit_code
            and _quarter_of(entry).overlaps(self.start, self.end)
        )


def lead_spans(*, person: Person | None) -> list[LeadSpan]:
    """Every director or head assignment the person ever held, past or present. One query."""
    if person is None:
        return []
    spans = []
    for a in Assignment.objects.filter(person=person, role__in=SPLITTER_ROLES).select_related("project"):
        if a.role == Role.PROJECT_DIRECTOR:
            spans.append(LeadSpan(UnitKind.PROJECT, a.project.code, a.start, a.end))
        else:
            spans.append(LeadSpan(UnitKind.FUNCTION, a.function, a.start, a.end))
    return spans


def actors_for(*, scope: Scope, entry: LedgerEntry, spans: list[LeadSpan] | None = None) -> frozenset[Actor]:
    """In which capacities this user may act on the entry's split (R14). Admins act as operations and HR."""
    actors = set()
    if spans is None:
        spans = lead_spans(person=scope.person)
    if any(span.covers(entry) for span in spans):
        actors.add(Actor.SPLITTER)
    if scope.can_operate:
        actors.add(Actor.OPERATIONS)
    if scope.can_read_hr:
        actors.add(Actor.HR)
    return frozenset(actors)


def staff_users(group: StaffGroup) -> list:
    """The active users of a company-wide group (operations review, HR files)."""
    return list(get_user_model().objects.filter(groups__name=STAFF_GROUP_NAMES[group], is_active=True).order_by("pk"))


# ---------------------------------------------------------------------------------------------------------------
# Visibility


def entries_for_scope(*, scope: Scope, spans: list[LeadSpan] | None = None) -> QuerySet[LedgerEntry]:
    """The ledger entries this user may read (see the module docstring)."""
    if spans is None and not scope.sees_all:
        spans = lead_spans(person=scope.person)
    return LedgerEntry.objects.for_scope(scope, VIEW, spans=spans or ())


def is_lead(*, scope: Scope, spans: list[LeadSpan]) -> bool:
    return scope.follows_units or bool(spans)


def get_entry_for(*, scope: Scope, pk: int, action: Action = VIEW) -> LedgerEntry:
    """The entry, if this user may read it (what they may do with its split is `actors_for`, R14); 404 otherwise."""
    if action != VIEW:
        raise ValueError(f"unknown action {action!r}")
    try:
        return entries_for_scope(scope=scope).select_related("split", "reverses", "reversed_by", "result").get(pk=pk)
    except LedgerEntry.DoesNotExist as exc:
        raise Http404 from exc


# ---------------------------------------------------------------------------------------------------------------
# Pages


@dataclass(frozen=True)
class LedgerRow:
    """One ledger line for a page: the entry, its state as HR reads it, its split's progress, and what the viewer may do."""

    entry: LedgerEntry
    status: LedgerStatus
    parts: int
    parts_total: int
    can_split: bool

    @property
    def quarter_code(self) -> str:
        return f"{self.entry.year}Q{self.entry.quarter}"

    @property
    def amount_display(self) -> str:
        return money(self.entry.amount)

    @property
    def is_service_fee(self) -> bool:
        return self.entry.settlement == Settlement.SERVICE_FEE

    @property
    def is_team(self) -> bool:
        return self.status not in (LedgerStatus.REVERSAL, LedgerStatus.REVERSED, LedgerStatus.SERVICE_FEE)

    @property
    def needs_me(self) -> bool:
        """The viewer splits this entry and it waits for them (not yet split, or back in draft)."""
        return self.can_split and self.status in (LedgerStatus.UNSPLIT, LedgerStatus.DRAFT)

    @property
    def split_id(self) -> int | None:
        split = getattr(self.entry, "split", None)
        return split.pk if split is not None else None

    @property
    def badge(self) -> str:
        return STATUS_BADGES[self.status]


STATUS_BADGES = {
    LedgerStatus.UNSPLIT: "text-bg-warning",
    LedgerStatus.DRAFT: "text-bg-secondary",
    LedgerStatus.SUBMITTED: "text-bg-info",
    LedgerStatus.REVIEWED: "text-bg-primary",
    LedgerStatus.FILED: "text-bg-success",
    LedgerStatus.SERVICE_FEE: "text-bg-light border",
    LedgerStatus.REVERSED: "text-bg-dark",
    LedgerStatus.REVERSAL: "text-bg-dark",
}


def row_status(entry: LedgerEntry) -> LedgerStatus:
    split = getattr(entry, "split", None)
    return ledger_status(
        settlement=entry.settlement,
        is_reversal=entry.reverses_id is not None,
        is_reversed=hasattr(entry, "reversed_by"),
        split_state=split.state if split is not None else None,
    )


@dataclass
class LedgerSummary:
    """Totals of a year's ledger for the page's figures (live entries only: reversed ones and reversals cancel out)."""

    rewards: int = 0
    penalties: int = 0
    service_fee: int = 0
    team_entries: int = 0
    by_status: dict[str, int] = field(default_factory=dict)

    @property
    def filed_percent(self) -> int:
        if not self.team_entries:
            return 0
        return round(100 * self.by_status.get(LedgerStatus.FILED, 0) / self.team_entries)

    def status_bars(self) -> list[tuple[str, str, int, int]]:
        """(label, badge class, count, percent of team entries) for the split progress bar."""
        if not self.team_entries:
            return []
        order = (LedgerStatus.FILED, LedgerStatus.REVIEWED, LedgerStatus.SUBMITTED, LedgerStatus.DRAFT, LedgerStatus.UNSPLIT)
        return [
            (
                str(status.label),
                STATUS_BADGES[status].split()[0].replace("text-bg-", "bg-"),
                n,
                round(100 * n / self.team_entries),
            )
            for status in order
            if (n := self.by_status.get(status, 0))
        ]

    @property
    def rewards_display(self) -> str:
        return money(self.rewards)

    @property
    def penalties_display(self) -> str:
        return money(self.penalties)

    @property
    def service_fee_display(self) -> str:
        return money(self.service_fee)


def ledger_rows(*, scope: Scope, year: int, spans: list[LeadSpan] | None = None) -> list[LedgerRow]:
    """The year's ledger as this user may read it, with split state and part counts. Two queries (spans, entries)."""
    if spans is None:
        spans = lead_spans(person=scope.person)
    entries = (
        entries_for_scope(scope=scope, spans=spans)
        .filter(year=year)
        .select_related("split", "reverses", "reversed_by")
        .annotate(n_parts=Count("split__parts"), parts_total=Sum("split__parts__amount"))
        .order_by("quarter", "unit_kind", "unit_code", "id")
    )
    return [
        LedgerRow(
            entry=entry,
            status=row_status(entry),
            parts=entry.n_parts,
            parts_total=entry.parts_total or 0,
            can_split=any(span.covers(entry) for span in spans),
        )
        for entry in entries
    ]


def ledger_summary(rows: list[LedgerRow]) -> LedgerSummary:
    summary = LedgerSummary()
    for row in rows:
        if row.status in (LedgerStatus.REVERSAL, LedgerStatus.REVERSED):
            continue
        if row.status == LedgerStatus.SERVICE_FEE:
            summary.service_fee += row.entry.amount
            continue
        summary.team_entries += 1
        summary.by_status[row.status] = summary.by_status.get(row.status, 0) + 1
        if row.entry.amount > 0:
            summary.rewards += row.entry.amount
        else:
            summary.penalties += row.entry.amount
    return summary


def ledger_years(*, today: dt.date | None = None) -> list[int]:
    """Years with published results (hence ledger entries), newest first, always including this year. One query."""
    this_year = (today or dates.local_today()).year
    years = set(QuarterResult.objects.values_list("year", flat=True).distinct())
    years.add(this_year)
    return sorted(years, reverse=True)


def published_quarters_of(*, year: int) -> list[dates.Quarter]:
    """Quarters of the year with at least one published version (their results can be downloaded)."""
    numbers = QuarterResult.objects.filter(year=year).values_list("quarter", flat=True).distinct()
    return [dates.Quarter(year, n) for n in sorted(set(numbers))]


@dataclass(frozen=True)
class MyPart:
    """A part of a split that one person receives (or pays), for the "my rewards" view."""

    part: SplitPart

    @property
    def entry(self) -> LedgerEntry:
        return self.part.split.entry

    @property
    def amount_display(self) -> str:
        return money(self.part.amount)

    @property
    def status(self) -> LedgerStatus:
        return row_status(self.entry)

    @property
    def badge(self) -> str:
        return STATUS_BADGES[self.status]


def my_parts(*, scope: Scope, year: int) -> list[MyPart]:
    """The person's own parts in the year, once the split has left the director's draft. One query."""
    if not scope.is_assessed:
        return []
    parts = (
        SplitPart.objects.filter(person=scope.person, split__entry__year=year)
        .exclude(split__state=SplitState.DRAFT)
        .select_related("split__entry__reversed_by", "split__entry__reverses", "split__entry__split")
        .order_by("split__entry__quarter", "split__entry__unit_code")
    )
    return [MyPart(part) for part in parts]


@dataclass(frozen=True)
class SplitPage:
    """Everything the split page shows for one entry."""

    entry: LedgerEntry
    split: Split | None
    status: LedgerStatus
    parts: list[SplitPart]
    events: list
    candidates: dict[int, Candidate]
    splitters: list[Person]
    actors: frozenset[Actor]

    @property
    def amount_display(self) -> str:
        return money(self.entry.amount)

    @property
    def not_splittable_reason(self) -> str | None:
        """Why this entry is not split (service fee, reversal, reversed), or None for a live team entry."""
        try:
            check_splittable(
                settlement=self.entry.settlement,
                is_reversal=self.entry.reverses_id is not None,
                is_reversed=hasattr(self.entry, "reversed_by"),
            )
        except SplitRefused as refused:
            return refused.messages[0]
        return None

    @property
    def parts_total(self) -> int:
        return sum(part.amount for part in self.parts)

    @property
    def parts_total_display(self) -> str:
        return money(self.parts_total)

    @property
    def parts_display(self) -> list[tuple[SplitPart, str]]:
        return [(part, money(part.amount)) for part in self.parts]

    @property
    def badge(self) -> str:
        return STATUS_BADGES[self.status]

    @property
    def state_steps(self) -> list[tuple[str, str, str]]:
        """The four states of R14 with where this split stands: ("done" | "current" | "todo")."""
        order = list(SplitState)
        current = order.index(SplitState(self.split.state)) if self.split else -1
        return [
            (state.value, str(state.label), "done" if i < current else "current" if i == current else "todo")
            for i, state in enumerate(order)
        ]

    @property
    def part_by_person(self) -> dict[int, int]:
        return {part.person_id: part.amount for part in self.parts}

    @property
    def form_rows(self) -> list[tuple[Candidate, int | None, bool]]:
        """Every candidate with their current part, and whether they are no longer in the candidate list (kept visible)."""
        current = self.part_by_person
        rows = [(c, current.get(pid), False) for pid, c in self.candidates.items()]
        for part in self.parts:
            if part.person_id not in self.candidates:
                person = part.person
                rows.append((Candidate(person.pk, person.employee_id, person.name), part.amount, True))
        return rows


def split_page(*, scope: Scope, entry: LedgerEntry) -> SplitPage:
    """The split of an entry the user may read, with its parts, steps, the candidates and the viewer's capacities."""
    split = getattr(entry, "split", None)
    parts = list(split.parts.select_related("person").order_by("person__employee_id")) if split else []
    events = list(split.events.select_related("actor__person").order_by("at", "id")) if split else []
    return SplitPage(
        entry=entry,
        split=split,
        status=row_status(entry),
        parts=parts,
        events=events,
        candidates=split_candidates(entry=entry),
        splitters=entry_splitters(entry=entry),
        actors=actors_for(scope=scope, entry=entry),
    )


def pending_counts(*, scope: Scope, spans: list[LeadSpan] | None = None) -> dict[str, int]:
    """Splits waiting for this user: to split or resubmit (director/head), to review (operations), to file (HR)."""
    counts = {"to_split": 0, "to_review": 0, "to_file": 0}
    if spans is None:
        spans = lead_spans(person=scope.person)
    live_team = LedgerEntry.objects.filter(settlement=Settlement.TEAM, reverses__isnull=True, reversed_by__isnull=True)
    if spans:
        q = Q(pk__in=[])
        for span in spans:
            q |= Q(unit_kind=span.unit_kind, unit_code=span.unit_code) & quarter_span_q(span.start, span.end)
        counts["to_split"] = live_team.filter(q).filter(Q(split__isnull=True) | Q(split__state=SplitState.DRAFT)).count()
    if scope.sees_all:
        states = dict(
            live_team.filter(split__state__in=[SplitState.SUBMITTED, SplitState.REVIEWED])
            .values_list("split__state")
            .annotate(n=Count("id"))
        )
        if scope.can_operate:
            counts["to_review"] = states.get(SplitState.SUBMITTED, 0)
        if scope.can_read_hr:
            counts["to_file"] = states.get(SplitState.REVIEWED, 0)
    return counts


# ---------------------------------------------------------------------------------------------------------------
# Appraisal caps for the HR workspace (R11), from the scoring app's selector


@dataclass(frozen=True)
class CapRow:
    """One capped person as HR reads it (the same facts as the `绩效上限` sheet)."""

    employee_id: str
    name: str
    units: str
    roles: str
    cap: str
    quarters: str
    rules: str


@dataclass(frozen=True)
class RiskRow:
    """One unit at risk (预警): its low quarters so far and the unpublished quarters that would trigger it."""

    unit: str
    kind: str
    low_quarters: str
    risk_quarters: str
    people: int


@dataclass(frozen=True)
class CapsTable:
    people: list[CapRow]
    total: int
    at_risk: list[RiskRow]


def caps_table(*, year: int, limit: int = 100) -> CapsTable:
    """The year's capped people (the first `limit`, with the total) and the units at risk with how many people each
    would cap, from `scoring.selectors.caps_for_year` (published quarters only, R11). A fixed number of queries."""
    caps = caps_for_year(year=year)
    shown = caps.people[:limit]
    names = unit_names({u for p in shown for u in p.units} | {s.unit for s in caps.at_risk})
    exposed = at_risk_people(year=year, caps=caps)
    rule_labels = {CapRule.CONSECUTIVE: _("连续两个季度"), CapRule.CUMULATIVE: _("累计三个季度")}

    def role_label(role: str) -> str:
        return str(Role(role).label) if role in Role.values else role

    people = [
        CapRow(
            employee_id=p.employee_id,
            name=p.name,
            units="、".join(names.get(u, u.code) for u in p.units),
            roles="、".join(role_label(r) for r in p.roles),
            cap=p.cap,
            quarters="、".join(str(q) for q in p.trigger_periods),
            rules="、".join(str(rule_labels.get(r, r)) for r in p.rules),
        )
        for p in shown
    ]
    at_risk = [
        RiskRow(
            unit=names.get(s.unit, s.unit.code),
            kind=str(UnitKind(str(s.unit.kind)).label),
            low_quarters="、".join(str(q) for q in s.low_periods),
            risk_quarters="、".join(str(q) for q in s.risk_periods),
            people=len({span.person_id for span in exposed.get(s.unit, [])}),
        )
        for s in caps.at_risk
    ]
    return CapsTable(people=people, total=len(caps.people), at_risk=at_risk)
