"""What the self-check deadline looks like to its lead (R8): one wording, shared by the checklist page and the home
panel; and the lead's overdue checklists (past the due date, not submitted)."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from audits.choices import SelfCheckState
from audits.models import SelfCheck
from core import dates
from core.access import EDIT, Scope


def deadline_label(days_left: int) -> str:
    """The deadline badge's text for a checklist due in `days_left` days (R8: due at the end of the due date).

    On the due day itself it says 今天截止, never "剩 0 天"; after it, that a submission will be late.
    """
    if days_left < 0:
        return _("已过截止日,提交将记为逾期")
    if days_left == 0:
        return _("今天截止")
    return ngettext("剩 {n} 天", "剩 {n} 天", days_left).format(n=days_left)


@dataclass(frozen=True)
class OverdueChecklist:
    selfcheck_id: int
    project_name: str
    function_label: str
    label: str
    due: dt.date
    days_late: int


def lead_overdue(*, scope: Scope, today: dt.date) -> list[OverdueChecklist]:
    """The checklists the user leads that are past their due date and not submitted, oldest first. One query."""
    if not scope.led_cells:
        return []
    checks = (
        SelfCheck.objects.for_scope(scope.as_lead(), EDIT)
        .filter(state=SelfCheckState.OPEN)
        .filter(year__lte=today.year)
        .select_related("project")
        .order_by("year", "month", "project__code", "function")
    )
    result = []
    for check in checks:
        due = dates.due_date(check.year, check.month)
        if today > due:
            result.append(
                OverdueChecklist(
                    selfcheck_id=check.pk,
                    project_name=check.project.name,
                    function_label=str(check.get_function_display()),
                    label=dates.month_label(check.year, check.month),
                    due=due,
                    days_late=(today - due).days,
                )
            )
    return result
