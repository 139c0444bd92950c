"""How self-check states and levels look: Bootstrap badge classes, kept in presentation, out of the selectors."""

from django import template

from audits.selfchecks.choices import CellMonthStatus

register = template.Library()

STATUS_BADGES = {
    CellMonthStatus.NOT_STARTED: "text-bg-light border",
    CellMonthStatus.IN_PROGRESS: "text-bg-info",
    CellMonthStatus.ON_TIME: "text-bg-success",
    CellMonthStatus.LATE: "text-bg-warning",
    CellMonthStatus.MISSING: "text-bg-danger",
    CellMonthStatus.NONE: "text-bg-secondary bg-opacity-25 text-secondary",
}
LEVEL_BADGES = {"一级": "badge-level-1", "二级": "badge-level-2", "三级": "badge-level-3"}


@register.filter
def status_badge(status: str) -> str:
    """The badge class of a cell-month status (`CellMonthStatus`)."""
    return STATUS_BADGES.get(status, "text-bg-light border")


@register.filter
def level_badge(level_name: str) -> str:
    """The badge class of a level (一级 / 二级 / 三级); an unknown level looks like the lowest."""
    return LEVEL_BADGES.get(level_name, "badge-level-3")
