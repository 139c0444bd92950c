"""Demo activity for `seed_demo` (SPEC §13): a new user sees every screen with data in it.

Through the real services: last quarter's monthly self-checks ticked (with deliverables) and submitted, its inspections
finalised (with a few discrepancies), last quarter published (ranking, ledger, notifications), and this month's
checklists half done. Runs only on a database without any self-check, so `seed_demo` stays safe to run twice.
"""

from __future__ import annotations

import datetime as dt
import io
import random

from django.contrib.auth.models import Group
from django.db import transaction

from audits.choices import ItemStatus
from audits.inspections.services import inspection_finalise, inspection_item_record, inspection_open
from audits.models import Inspection, SelfCheck
from audits.selfchecks.services import checklists_generate, deliverables_add, selfcheck_item_update, selfcheck_submit
from core import dates
from scoring.services import quarter_publish
from touchpoints.choices import STAFF_GROUP_NAMES, Role, StaffGroup
from touchpoints.models import Assignment

DEMO_PDF = b"%PDF-1.4\n1 0 obj\n<< /Type /Catalog >>\nendobj\ntrailer\n<< /Root 1 0 R >>\n%%EOF\n"
# How well each demo project works (share of items done), so the rankings, a reward and a fine all show.
PROJECT_QUALITY = {"GG": 0.97, "HK": 0.75, "SH": 0.5, "JX": 0.9}


@transaction.atomic
def demo_activity_seed(*, today: dt.date | None = None) -> dict[str, int]:
    """Create the demo's checklists, inspections and last quarter's published results. Returns what it made."""
    if SelfCheck.objects.exists():
        return {}
    today = today or dates.local_today()
    # Seeded with the regulation's date so the demo is the same every time; nothing here is security-sensitive.
    rng = random.Random(20160317)  # nosec B311
    quarter = dates.Quarter.of(today).previous()
    leads = {
        (a.project_id, a.function): a.person.user
        for a in Assignment.objects.current(today)
        .filter(role=Role.FUNCTIONAL_MANAGER, person__user__isnull=False)
        .select_related("person__user")
    }
    months = [*quarter.months, (today.year, today.month)]
    for year, month in months:
        checklists_generate(year=year, month=month)
    checks = SelfCheck.objects.select_related("project").prefetch_related("items").order_by("year", "month", "project__code")
    for check in checks:
        user = leads.get((check.project_id, check.function))
        if user is None:
            continue
        current = (check.year, check.month) == (today.year, today.month)
        items = list(check.items.all())
        quality = PROJECT_QUALITY.get(check.project.code, 0.8)
        for item in items[: len(items) // 2] if current else items:
            roll = rng.random()
            if roll < 0.05:
                selfcheck_item_update(item=item, user=user, status=ItemStatus.NA, note="", na_reason="本月项目无此业务")
                continue
            status = ItemStatus.DONE if roll < quality else ItemStatus.NOT_DONE
            if status == ItemStatus.DONE and item.requires_deliverable:
                deliverables_add(
                    item=item,
                    user=user,
                    uploads=[(io.BytesIO(DEMO_PDF), f"{item.code}-{item.deliverable[:20]}.pdf", len(DEMO_PDF))],
                )
            selfcheck_item_update(item=item, user=user, status=status, note="")
        if not current:
            late = rng.random() < 0.15
            due = dates.due_deadline(check.year, check.month)
            selfcheck_submit(selfcheck=check, user=user, now=due + dt.timedelta(days=2) if late else due - dt.timedelta(days=1))

    operations = Group.objects.get(name=STAFF_GROUP_NAMES[StaffGroup.OPERATIONS]).user_set.order_by("pk").first()
    cells = sorted(
        {(c.project, c.function) for c in checks if (c.year, c.month) in quarter.months}, key=lambda c: (c[0].code, c[1])
    )
    for project, function in cells:
        inspection = inspection_open(project=project, function=function, quarter=quarter, user=operations)
        if inspection is None:
            continue
        for item in inspection.items.all():
            verdict = item.claimed_status or ItemStatus.NOT_DONE
            finding = "现场核实与自检一致"
            if verdict == ItemStatus.DONE and rng.random() < 0.08:
                verdict, finding = ItemStatus.NOT_DONE, "抽查未见交付件原件,判定未完成(虚报)"
            inspection_item_record(item=item, verdict=verdict, finding=finding, user=operations)
        inspection_finalise(inspection=inspection, user=operations)
    published = quarter_publish(quarter=quarter, user=operations, confirm_missing=True)
    return {
        "selfchecks": SelfCheck.objects.count(),
        "inspections": Inspection.objects.count(),
        "quarter": published.quarter,
    }
