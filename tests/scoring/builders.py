"""Finalised inspections built directly with the ORM (what the inspection pages or import_inspection leave behind),
and SPEC §12's worked example, for the scoring tests."""

from __future__ import annotations

import datetime as dt
import io
from collections.abc import Iterable, Sequence

from django.utils import timezone
from openpyxl import load_workbook

from audits.choices import InspectionSource, InspectionState, ItemStatus
from audits.item_summary import inspections_store_tally
from audits.models import Inspection, InspectionItem
from core.dates import SHANGHAI, Quarter
from touchpoints.models import Project

DONE, NOT_DONE, NA = ItemStatus.DONE, ItemStatus.NOT_DONE, ItemStatus.NA
LEVELS = {3: "一级", 2: "二级", 1: "三级"}
Q1 = Quarter(2026, 1)


def inspect(
    project: Project,
    function: str,
    quarter: Quarter,
    items: Sequence[tuple[int, str]],
    *,
    state: str = InspectionState.FINALISED,
) -> Inspection:
    """One inspection of a cell whose items are (weight, verdict) pairs, in order."""
    inspection = Inspection.objects.create(
        project=project,
        function=function,
        year=quarter.year,
        quarter=quarter.number,
        state=state,
        source=InspectionSource.WEB,
        finalised_at=timezone.now() if state == InspectionState.FINALISED else None,
    )
    InspectionItem.objects.bulk_create(
        InspectionItem(
            inspection=inspection,
            code=f"{project.code}-{function[:3].upper()}-{index:02d}",
            name=f"触点{index}",
            level_name=LEVELS[weight],
            weight=weight,
            verdict=verdict,
            claimed_status=verdict,
        )
        for index, (weight, verdict) in enumerate(items, start=1)
    )
    inspections_store_tally(Inspection.objects.filter(pk=inspection.pk))  # as the services store it with the items
    return inspection


# SPEC §12: weights 一级 3, 二级 2, 三级 1; ✓ done, ✗ not done. GG property has no item that applies (no inspection).
WORKED_EXAMPLE: dict[tuple[str, str], list[tuple[int, str]]] = {
    ("GG", "marketing"): [(3, DONE), (3, DONE), (2, DONE), (1, NOT_DONE)],  # 8 / 9
    ("GG", "design"): [(3, DONE), (2, DONE)],  # 5 / 5
    ("GG", "engineering"): [(3, DONE), (2, NOT_DONE), (2, DONE), (1, DONE)],  # 6 / 8
    ("GG", "customer_relations"): [(3, DONE), (2, DONE), (1, DONE)],  # 6 / 6
    ("HK", "marketing"): [(3, NOT_DONE), (2, DONE), (1, NOT_DONE)],  # 2 / 6
    ("HK", "design"): [(3, DONE), (2, DONE)],  # 5 / 5
    ("HK", "engineering"): [(3, NOT_DONE), (3, NOT_DONE), (2, DONE)],  # 2 / 8
    ("HK", "customer_relations"): [(3, DONE), (2, DONE), (2, DONE), (1, NOT_DONE)],  # 7 / 8
    ("HK", "property"): [(3, DONE), (2, DONE), (1, DONE)],  # 6 / 6
}


def build_worked_example(quarter: Quarter = Q1) -> dict[tuple[str, str], Inspection]:
    """SPEC §12 as finalised inspections of projects GG and HK (created if the people fixture has not)."""
    projects = {
        code: Project.objects.get_or_create(code=code, defaults={"name": name})[0]
        for code, name in (("GG", "东原·光谷印"), ("HK", "东原·汉口时光道"))
    }
    return {
        (code, function): inspect(projects[code], function, quarter, items) for (code, function), items in WORKED_EXAMPLE.items()
    }


def after(quarter: Quarter, days: int = 1, hour: int = 9) -> dt.datetime:
    """A Shanghai wall-clock moment `days` after the quarter's last day (for time_machine)."""
    return dt.datetime.combine(quarter.last_day + dt.timedelta(days=days), dt.time(hour), tzinfo=SHANGHAI)


def sheet_rows(workbook: bytes, sheet: str) -> list[tuple]:
    """The rows of one sheet of an .xlsx (header first), values as Excel stores them, padded to the header's width
    (a row's trailing empty cells are not stored)."""
    wb = load_workbook(io.BytesIO(workbook), read_only=True)
    rows = [tuple(row) for row in wb[sheet].iter_rows(values_only=True)]
    width = len(rows[0]) if rows else 0
    return [row + (None,) * (width - len(row)) for row in rows]


def sheet_names(workbook: bytes) -> list[str]:
    return load_workbook(io.BytesIO(workbook), read_only=True).sheetnames


def codes(rows: Iterable[tuple]) -> list:
    return [row[1] for row in rows]


def build_quarter(quarter: Quarter, *, projects: int, items: int, people_per_project: int = 0) -> list[Project]:
    """A quarter of `projects` × 5 functions × `items` finalised items, in bulk. Every cell scores about 84% (a fixed
    pattern of done, not done and not applicable) except the first project's, all not done: with ten projects or more
    that is exactly one ledger entry (that project's fine) whatever the size. Optionally team members per project."""
    from tests.factories import AssignmentFactory
    from touchpoints.choices import Function, Role

    created = Project.objects.bulk_create(
        Project(code=f"P{quarter.number}{i:03d}", name=f"东原·测试项目{quarter.number}{i:03d}") for i in range(projects)
    )
    created = list(Project.objects.filter(code__in=[p.code for p in created]).order_by("code"))
    inspections = Inspection.objects.bulk_create(
        Inspection(
            project=project,
            function=function,
            year=quarter.year,
            quarter=quarter.number,
            state=InspectionState.FINALISED,
            source=InspectionSource.IMPORT,
            finalised_at=timezone.now(),
        )
        for project in created
        for function in Function.values
    )
    inspections = list(Inspection.objects.filter(year=quarter.year, quarter=quarter.number).select_related("project"))
    pattern = [DONE, DONE, NOT_DONE, DONE, NA, DONE, DONE, NOT_DONE, DONE, DONE]
    rows = []
    for inspection in inspections:
        failing = inspection.project.code == created[0].code
        for index in range(items):
            weight = (3, 2, 1)[index % 3]
            rows.append(
                InspectionItem(
                    inspection=inspection,
                    code=f"{inspection.function[:3].upper()}-{index:03d}",
                    name=f"触点{index}",
                    level_name=LEVELS[weight],
                    weight=weight,
                    verdict=NOT_DONE if failing else pattern[index % len(pattern)],
                )
            )
    InspectionItem.objects.bulk_create(rows, batch_size=2000)
    for project in created[:]:
        for _ in range(people_per_project):
            AssignmentFactory(role=Role.TEAM_MEMBER, project=project, start=dt.date(2025, 1, 1))
    return created


def ensure_default_rules() -> None:
    """SPEC §5's grade bands and policy, as migration 0002 creates them. A transactional test's flush empties tables
    filled by data migrations, so browser tests call this instead of relying on them."""
    from decimal import Decimal

    from scoring.models import GradeBand, Policy

    if not GradeBand.objects.exists():
        for order, (label, minimum) in enumerate((("A", 90), ("B+", 80), ("B", 70), ("B-", 60), ("C", 0)), start=1):
            GradeBand.objects.create(label=label, min_percent=Decimal(minimum), order=order)
    Policy.objects.get_or_create(effective_from=dt.date(2016, 4, 1))
