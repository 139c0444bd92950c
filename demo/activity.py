"""Demo activity for `seed_demo` (SPEC §13): a new user sees every screen with data in it.

Through the real services: the monthly self-checks of every ended quarter of this year ticked (with deliverables) and
submitted, their inspections finalised (with a few discrepancies), each of those quarters published (ranking, ledger,
notifications), and this month's checklists half done. One demo project works badly every quarter, so its assessed
people are capped (SPEC §6, R11); another slips only in the latest published quarter, so it is at risk (预警).
Runs only on a database without any self-check, so `seed_demo` stays safe to run twice.
"""

from __future__ import annotations

import datetime as dt
import io
import random
from collections.abc import Callable

from django.contrib.auth.models import Group
from django.db import transaction
from django.utils.translation import gettext as _

from audits.choices import ItemStatus
from audits.inspections.services import inspection_finalise, inspection_item_record, inspection_open
from audits.models import Inspection, SelfCheck
from audits.selfchecks.services import checklists_generate, deliverables_add, selfcheck_item_update, selfcheck_submit
from core import dates
from scoring.services import quarter_publish
from touchpoints.choices import STAFF_GROUP_NAMES, Role, StaffGroup
from touchpoints.models import Assignment

DEMO_PDF = b"%PDF-1.4\n1 0 obj\n<< /Type /Catalog >>\nendobj\ntrailer\n<< /Root 1 0 R >>\n%%EOF\n"
# How well each demo project works (share of items done), so the rankings, a reward and a fine all show; SH stays
# below 60 % every quarter, so two published quarters cap its assessed people (R11).
PROJECT_QUALITY = {"GG": 0.97, "HK": 0.9, "SH": 0.5, "JX": 0.9}
# In the latest published quarter only: HK slips to B- or below, so the next (unpublished) quarter would trigger
# its cap — the caps sheet's at-risk warning (SPEC §6 预警).
SLIPPING = {"HK": 0.5}

Progress = Callable[[str], None]


def demo_quarters(today: dt.date) -> list[dates.Quarter]:
    """The quarters the demo publishes: every ended quarter of this year, or last quarter in January–March."""
    ended = [q for q in dates.Quarter.of_year(today.year) if q.has_ended(today)]
    return ended or [dates.Quarter.of(today).previous()]


@transaction.atomic
def demo_activity_seed(*, today: dt.date | None = None, progress: Progress | None = None) -> dict[str, object]:
    """Create the demo's checklists, inspections and the published results of `demo_quarters`. Returns what it
    made (empty when the database already has self-checks). `progress` receives one line per phase."""
    if SelfCheck.objects.exists():
        return {}
    say = progress or (lambda line: None)
    today = today or dates.local_today()
    # Seeded with the regulation's date so the demo is the same every time; nothing here is security-sensitive.
    rng = random.Random(20160317)  # nosec B311
    leads = {
        (a.project_id, a.function): a.person.user
        for a in Assignment.objects.current(today)
        .filter(role=Role.FUNCTIONAL_MANAGER, person__user__isnull=False)
        .select_related("person__user")
    }
    operations = Group.objects.get(name=STAFF_GROUP_NAMES[StaffGroup.OPERATIONS]).user_set.order_by("pk").first()
    quarters = demo_quarters(today)
    published = []
    for quarter in quarters:
        quality = dict(PROJECT_QUALITY, **SLIPPING) if quarter == quarters[-1] else PROJECT_QUALITY
        for year, month in quarter.months:
            say(_("自检表 {year}年{month}月……").format(year=year, month=month))
            _month_fill(year, month, leads=leads, quality=quality, rng=rng, complete=True)
        say(_("{quarter} 季度检查……").format(quarter=quarter))
        _quarter_inspect(quarter, operations=operations, rng=rng)
        say(_("发布 {quarter} 结果……").format(quarter=quarter))
        quarter_publish(quarter=quarter, user=operations, confirm_missing=True)
        published.append(str(quarter))
    say(_("本月自检表 {year}年{month}月(完成一半)……").format(year=today.year, month=today.month))
    _month_fill(today.year, today.month, leads=leads, quality=PROJECT_QUALITY, rng=rng, complete=False)
    return {
        "selfchecks": SelfCheck.objects.count(),
        "inspections": Inspection.objects.count(),
        "quarters": published,
    }


def _month_fill(year: int, month: int, *, leads, quality: dict[str, float], rng: random.Random, complete: bool) -> None:
    """Generate a month's checklists and tick them as their leads would: all items and submitted (`complete`), or
    half the items and left open (this month)."""
    checklists_generate(year=year, month=month)
    checks = (
        SelfCheck.objects.filter(year=year, month=month)
        .select_related("project")
        .prefetch_related("items")
        .order_by("project__code", "function")
    )
    for check in checks:
        user = leads.get((check.project_id, check.function))
        if user is None:
            continue
        items = list(check.items.all())
        share = quality.get(check.project.code, 0.8)
        for item in items if complete else items[: len(items) // 2]:
            roll = rng.random()
            if roll < 0.05:
                selfcheck_item_update(item=item, user=user, status=ItemStatus.NA, note="", na_reason="本月项目无此业务")
                continue
            status = ItemStatus.DONE if roll < share else ItemStatus.NOT_DONE
            if status == ItemStatus.DONE and item.requires_deliverable:
                deliverables_add(
                    item=item,
                    user=user,
                    uploads=[(io.BytesIO(DEMO_PDF), f"{item.code}-{item.deliverable[:20]}.pdf", len(DEMO_PDF))],
                )
            selfcheck_item_update(item=item, user=user, status=status, note="")
        if complete:
            late = rng.random() < 0.15
            due = dates.due_deadline(check.year, check.month)
            selfcheck_submit(selfcheck=check, user=user, now=due + dt.timedelta(days=2) if late else due - dt.timedelta(days=1))


def _quarter_inspect(quarter: dates.Quarter, *, operations, rng: random.Random) -> None:
    """Operations inspect every cell of the quarter, confirm most claims, catch a few false ones, and finalise."""
    cells = (
        SelfCheck.objects.filter(year=quarter.year, month__in=[m for _y, m in quarter.months])
        .select_related("project")
        .order_by("project__code", "function")
    )
    for project, function in dict.fromkeys((c.project, c.function) for c in cells):
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
