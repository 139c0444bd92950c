"""A large city company for benchmarks: 60 projects, 3,000 people, 5 functions × 40 touchpoints, and a year of
monthly self-checks and quarterly inspections, inserted in bulk (deterministic: seeded random verdicts).

Used by `make bench` (bench/run.py) and the load test. Call `build_large_org()` inside a configured Django process.
"""

from __future__ import annotations

import datetime as dt
import random
from dataclasses import dataclass

from django.contrib.auth import get_user_model
from django.contrib.auth.hashers import make_password
from django.db import transaction

from audits.choices import InspectionSource, InspectionState, ItemStatus, SelfCheckState
from audits.item_summary import inspections_store_tally, item_summary
from audits.models import Inspection, InspectionItem, SelfCheck, SelfCheckItem
from core.dates import due_date
from touchpoints.choices import Function, Role
from touchpoints.models import Assignment, Level, Person, Project, Stage, Touchpoint
from touchpoints.services import catalogue_load_default, ensure_groups

PASSWORD = "bench-password-2026"
STATUSES = [ItemStatus.DONE] * 7 + [ItemStatus.NOT_DONE] * 2 + [ItemStatus.NA]


def submitted_at(year: int, month: int, late: bool) -> dt.datetime:
    """On time: the 25th; late: two days after the due date (R8)."""
    day = due_date(year, month) + dt.timedelta(days=2) if late else dt.date(year, month, 25)
    return dt.datetime.combine(day, dt.time(10), tzinfo=dt.UTC)


@dataclass(frozen=True)
class LargeOrg:
    projects: int
    people: int
    touchpoints: int
    selfchecks: int
    selfcheck_items: int
    inspections: int
    inspection_items: int
    lead_usernames: list[str]


def _touchpoints(per_function: int) -> list[Touchpoint]:
    stages = list(Stage.objects.order_by("order"))
    levels = list(Level.objects.order_by("rank"))
    prefix = {"marketing": "BMK", "design": "BDS", "engineering": "BEN", "customer_relations": "BCR", "property": "BPR"}
    rows = []
    for function in Function:
        for i in range(per_function):
            rows.append(
                Touchpoint(
                    code=f"{prefix[function]}-{i + 1:03d}",
                    function=function,
                    stage=stages[i % len(stages)],
                    level=levels[i % len(levels)],
                    name=f"{function.label}基准触点{i + 1:03d}",
                    standard_action="按标准动作执行并留存记录",
                    check_method="抽查记录与现场查看",
                    deliverable="记录表" if i % 3 else "",
                    responsible_dept="运营管理部",
                )
            )
    Touchpoint.objects.filter(is_active=True).update(is_active=False)  # the benchmark catalogue replaces the default
    return Touchpoint.objects.bulk_create(rows)


@transaction.atomic
def build_large_org(
    *,
    projects: int = 60,
    people: int = 3000,
    per_function: int = 40,
    year: int = 2026,
    months: int = 12,
    quarters: int = 3,
    first_month: int = 1,
    first_quarter: int = 1,
) -> LargeOrg:
    """Build the organisation and a year of work. Expects an empty database (migrated)."""
    rng = random.Random(20261123)
    catalogue_load_default()
    ensure_groups()
    touchpoints = _touchpoints(per_function)
    by_function: dict[str, list[Touchpoint]] = {f: [] for f in Function.values}
    for touchpoint in Touchpoint.objects.filter(pk__in=[t.pk for t in touchpoints]).select_related("stage", "level"):
        by_function[touchpoint.function].append(touchpoint)

    all_stages = list(Stage.objects.all())
    project_rows = Project.objects.bulk_create(Project(code=f"B{i:03d}", name=f"东原·基准项目{i:03d}") for i in range(projects))
    for project in project_rows:
        project.stages.set(all_stages)

    User = get_user_model()
    password = make_password(PASSWORD)
    start = dt.date(year - 1, 1, 1)
    persons, users, assignments = [], [], []
    lead_usernames: list[str] = []

    def person(role: str, project: Project | None, function: str) -> None:
        n = len(persons)
        username = f"b{n:05d}"
        users.append(User(username=username, password=password, email=f"{username}@bench.example.cn"))
        persons.append(Person(employee_id=f"B{n:05d}", name=f"员工{n:05d}", email=f"{username}@bench.example.cn"))
        assignments.append((n, role, project, function))
        if role == Role.FUNCTIONAL_MANAGER:
            lead_usernames.append(username)

    for function in Function:
        person(Role.FUNCTION_HEAD, None, function)
    for project in project_rows:
        person(Role.PROJECT_DIRECTOR, project, "")
        for function in Function:
            person(Role.FUNCTIONAL_MANAGER, project, function)
    while len(persons) < people:
        if rng.random() < 0.8:
            person(Role.TEAM_MEMBER, rng.choice(project_rows), "")
        else:
            person(Role.TEAM_MEMBER, None, rng.choice(Function.values))
    users = User.objects.bulk_create(users, batch_size=1000)
    for p, u in zip(persons, users, strict=True):
        p.user = u
    persons = Person.objects.bulk_create(persons, batch_size=1000)
    Assignment.objects.bulk_create(
        (
            Assignment(person=persons[i], role=role, project=project, function=function, start=start)
            for i, role, project, function in assignments
        ),
        batch_size=2000,
    )

    # A year of monthly self-checks, all submitted on time but for a few late ones.
    summaries = {f: item_summary((t.code, t.level.weight) for t in by_function[f]) for f in Function.values}
    checks = []
    for month in range(first_month, months + 1):
        for project in project_rows:
            for function in Function:
                late = rng.random() < 0.05
                checks.append(
                    SelfCheck(
                        project=project,
                        function=function,
                        year=year,
                        month=month,
                        state=SelfCheckState.SUBMITTED if month < months else SelfCheckState.OPEN,
                        submitted_at=submitted_at(year, month, late) if month < months else None,
                        is_late=late,
                        # as generation stores it (audits.item_summary)
                        **summaries[function],
                    )
                )
    checks = SelfCheck.objects.bulk_create(checks, batch_size=2000)
    items = []
    for check in checks:
        for touchpoint in by_function[check.function]:
            item = SelfCheckItem(selfcheck=check, status=rng.choice(STATUSES) if check.month < months else "")
            item.copy_from(touchpoint)
            if item.status == ItemStatus.NA:
                item.na_reason = "本月无此业务"
            items.append(item)
    SelfCheckItem.objects.bulk_create(items, batch_size=5000)

    inspections = []
    for quarter in range(first_quarter, quarters + 1):
        for project in project_rows:
            for function in Function:
                inspections.append(
                    Inspection(
                        project=project,
                        function=function,
                        year=year,
                        quarter=quarter,
                        state=InspectionState.FINALISED,
                        source=InspectionSource.WEB,
                        finalised_at=dt.datetime(year, quarter * 3, 28, 10, tzinfo=dt.UTC),
                    )
                )
    inspections = Inspection.objects.bulk_create(inspections, batch_size=2000)
    # Projects range from weak (≈45 % done) to strong (≈95 %), so rankings, rewards, fines and caps all occur.
    quality = {project.pk: 0.45 + 0.5 * index / max(1, len(project_rows) - 1) for index, project in enumerate(project_rows)}
    inspection_items = []
    for inspection in inspections:
        for touchpoint in by_function[inspection.function]:
            claimed = rng.choice(STATUSES)
            if rng.random() < 0.1:
                verdict = ItemStatus.NA
            else:
                verdict = ItemStatus.DONE if rng.random() < quality[inspection.project_id] else ItemStatus.NOT_DONE
            item = InspectionItem(inspection=inspection, claimed_status=claimed, verdict=verdict, finding="抽查记录")
            item.copy_from(touchpoint)
            inspection_items.append(item)
    InspectionItem.objects.bulk_create(inspection_items, batch_size=5000)
    inspections_store_tally(Inspection.objects.all())  # what the services store with the items
    return LargeOrg(
        projects=len(project_rows),
        people=len(persons),
        touchpoints=len(touchpoints),
        selfchecks=len(checks),
        selfcheck_items=len(items),
        inspections=len(inspections),
        inspection_items=len(inspection_items),
        lead_usernames=lead_usernames,
    )


def _historical_copy(historical_model, item, *, when: dt.datetime, kind: str, user_id: int | None, **changes):
    """One historical record of an item as django-simple-history writes it: every field, plus who, when and how."""
    values = {f.attname: getattr(item, f.attname) for f in item._meta.concrete_fields}
    values.update(changes)
    return historical_model(**values, history_date=when, history_type=kind, history_user_id=user_id)


@transaction.atomic
def add_month_of_history(*, year: int = 2026, month: int = 12, quarter: int = 3, changes: int = 10) -> int:
    """A month of work as history: each item of the month's checklists and of the quarter's inspections gets its
    generation record and `changes - 1` edits (status and note flipping), by the cell's lead or an inspector.
    Returns the number of historical records written."""
    rng = random.Random(20261201)
    leads = {
        (a.project_id, a.function): a.person.user_id
        for a in Assignment.objects.filter(role=Role.FUNCTIONAL_MANAGER).select_related("person")
    }
    start = dt.datetime(year, month, 1, 9, tzinfo=dt.UTC)
    written = 0

    def spread(n: int) -> list[dt.datetime]:
        return sorted(start + dt.timedelta(minutes=rng.randrange(0, 60 * 24 * 19)) for _ in range(n))

    rows = []
    items = SelfCheckItem.objects.filter(selfcheck__year=year, selfcheck__month=month).select_related("selfcheck")
    for item in items.iterator(chunk_size=5000):
        user = leads.get((item.selfcheck.project_id, item.selfcheck.function))
        for n, when in enumerate(spread(changes)):
            if n == 0:
                rows.append(_historical_copy(SelfCheckItem.history.model, item, when=when, kind="+", user_id=None, status=""))
            else:
                status = STATUSES[(n + item.pk) % len(STATUSES)]
                note = f"第{n}次核对:现场记录已更新"
                rows.append(
                    _historical_copy(
                        SelfCheckItem.history.model, item, when=when, kind="~", user_id=user, status=status, note=note
                    )
                )
        if len(rows) >= 10000:
            SelfCheckItem.history.model.objects.bulk_create(rows)
            written += len(rows)
            rows = []
    SelfCheckItem.history.model.objects.bulk_create(rows)
    written += len(rows)
    rows = []
    inspector = get_user_model().objects.order_by("pk").values_list("pk", flat=True).first()
    start = dt.datetime(year, quarter * 3, 1, 9, tzinfo=dt.UTC)
    for item in InspectionItem.objects.filter(inspection__year=year, inspection__quarter=quarter).iterator(chunk_size=5000):
        for n, when in enumerate(spread(changes)):
            kind = "+" if n == 0 else "~"
            verdict = "" if n == 0 else (ItemStatus.DONE if (n + item.pk) % 3 else ItemStatus.NOT_DONE)
            rows.append(
                _historical_copy(
                    InspectionItem.history.model,
                    item,
                    when=when,
                    kind=kind,
                    user_id=inspector,
                    verdict=verdict if n < changes - 1 else item.verdict,
                    finding=f"第{n}次抽查" if n else "",
                )
            )
        if len(rows) >= 10000:
            InspectionItem.history.model.objects.bulk_create(rows)
            written += len(rows)
            rows = []
    InspectionItem.history.model.objects.bulk_create(rows)
    return written + len(rows)
