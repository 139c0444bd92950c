"""The self-check deadline's wording in templates: ``{{ days_left|deadline_label }}`` (R8, one wording everywhere)."""

from django import template

from audits.selfchecks.deadlines import deadline_label as _deadline_label

register = template.Library()


@register.filter
def deadline_label(days_left: int) -> str:
    """今天截止 on the due day, 剩 N 天 before it, the late warning after it."""
    return _deadline_label(int(days_left))
