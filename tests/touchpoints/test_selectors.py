"""Reads of the catalogue for pages (touchpoints.selectors)."""

from __future__ import annotations

import pytest

from tests.factories import ProjectFactory, StageFactory, TouchpointFactory, default_levels
from touchpoints.models import Project
from touchpoints.selectors import applicable_counts

pytestmark = pytest.mark.django_db


def test_applicable_counts_per_project_and_function_from_ids_or_a_queryset() -> None:
    sales, handover = StageFactory(name="开盘销售", order=3), StageFactory(name="交付", order=5)
    level = default_levels()["一级"]
    for code, function, stage in [("M-1", "marketing", sales), ("M-2", "marketing", sales), ("D-1", "design", sales)]:
        TouchpointFactory(code=code, function=function, stage=stage, level=level)
    TouchpointFactory(code="P-1", function="property", stage=handover, level=level)
    TouchpointFactory(code="P-2", function="property", stage=handover, level=level, is_active=False)
    one, two, three = (ProjectFactory(code=c) for c in ("A1", "A2", "A3"))
    one.stages.add(sales)
    two.stages.add(sales, handover)
    three.stages.add(handover, sales)  # the same combination of stages as A2, listed the other way round
    expected = {
        (one.pk, "marketing"): 2,
        (one.pk, "design"): 1,
        **{(p.pk, f): n for p in (two, three) for f, n in (("marketing", 2), ("design", 1), ("property", 1))},
    }
    assert applicable_counts({one.pk, two.pk, three.pk}) == expected
    assert applicable_counts(Project.objects.filter(code__in=["A1", "A2", "A3"]).values("pk")) == expected
    assert applicable_counts({one.pk}) == {(one.pk, "marketing"): 2, (one.pk, "design"): 1}
    assert applicable_counts(set()) == {} and applicable_counts(Project.objects.none().values("pk")) == {}
