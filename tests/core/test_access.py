"""core.access: the named predicates on a Scope and the for_scope querysets built on its filters (SPEC §1, R5b, R8)."""

from __future__ import annotations

import pytest

from audits.models import Inspection, SelfCheck
from core.access import EDIT, OPERATE, VIEW, Scope

OPS = Scope(operations=True)
HR = Scope(hr=True)
ADMIN = Scope(admin=True)
LEAD = Scope(led_cells=frozenset({(1, "marketing")}))
DIRECTOR = Scope(directed_projects=frozenset({1}))
HEAD = Scope(headed_functions=frozenset({"design"}))
NOBODY = Scope()


@pytest.mark.parametrize(
    ("scope", "can_operate", "can_read_hr", "sees_all", "reads_board", "leads_cells"),
    [
        (OPS, True, False, True, True, False),
        (HR, False, True, True, True, False),
        (ADMIN, True, True, True, True, False),
        (LEAD, False, False, False, False, True),
        (DIRECTOR, False, False, False, True, False),
        (HEAD, False, False, False, True, False),
        (NOBODY, False, False, False, False, False),
    ],
)
def test_named_predicates(scope, can_operate, can_read_hr, sees_all, reads_board, leads_cells) -> None:
    assert (scope.can_operate, scope.can_read_hr, scope.sees_all, scope.reads_board, scope.leads_cells) == (
        can_operate,
        can_read_hr,
        sees_all,
        reads_board,
        leads_cells,
    )


def test_narrowed_scopes_keep_only_one_side() -> None:
    both = Scope(operations=True, led_cells=frozenset({(1, "marketing")}), directed_projects=frozenset({2}))
    assert both.as_lead().led_cells == both.led_cells and not both.as_lead().sees_all
    assert not both.as_follower().led_cells and both.as_follower().operations and both.as_follower().directed_projects


def _cells(queryset) -> set[tuple[int, str]]:
    return set(queryset.values_list("project_id", "function"))


@pytest.fixture
def checks(db):
    from tests.factories import ProjectFactory

    first, second = ProjectFactory(code="A1"), ProjectFactory(code="A2")
    for project in (first, second):
        for function in ("marketing", "design"):
            SelfCheck.objects.create(project=project, function=function, year=2026, month=1)
            Inspection.objects.create(project=project, function=function, year=2026, quarter=1)
    return first, second


def test_for_scope_on_selfchecks_and_inspections(checks) -> None:
    first, second = checks
    lead = Scope(led_cells=frozenset({(first.pk, "marketing")}))
    director = Scope(directed_projects=frozenset({second.pk}))
    assert _cells(SelfCheck.objects.for_scope(lead, VIEW)) == {(first.pk, "marketing")}
    assert _cells(SelfCheck.objects.for_scope(lead, EDIT)) == {(first.pk, "marketing")}
    assert _cells(SelfCheck.objects.for_scope(director, VIEW)) == {(second.pk, "marketing"), (second.pk, "design")}
    assert not SelfCheck.objects.for_scope(director, EDIT).exists()  # only the lead fills a self-check (R8)
    assert not SelfCheck.objects.for_scope(lead, OPERATE).exists()
    assert SelfCheck.objects.for_scope(OPS, OPERATE).count() == 4
    # Inspections: readers see their cells; only operations edit (R5b), never the lead.
    assert _cells(Inspection.objects.for_scope(lead, VIEW)) == {(first.pk, "marketing")}
    assert not Inspection.objects.for_scope(lead, EDIT).exists()
    assert Inspection.objects.for_scope(OPS, EDIT).count() == 4
    with pytest.raises(ValueError):
        SelfCheck.objects.for_scope(lead, "delete")


def test_allows_cell_decides_as_for_scope_does(checks) -> None:
    """A page that reads one record by its key checks it with `allows_cell` (the checklist, its items): for every scope,
    action and cell, the answer is the one `for_scope` gives in the database, so the two can never disagree."""
    first, second = checks
    scopes = [
        OPS,
        HR,
        ADMIN,
        NOBODY,
        Scope(led_cells=frozenset({(first.pk, "marketing")})),
        Scope(directed_projects=frozenset({second.pk})),
        Scope(headed_functions=frozenset({"design"})),
        Scope(inspected_functions=frozenset({"marketing"})),
        Scope(led_cells=frozenset({(second.pk, "design")}), directed_projects=frozenset({first.pk})),
    ]
    for scope in scopes:
        for action in (VIEW, EDIT, OPERATE):
            allowed = _cells(SelfCheck.objects.for_scope(scope, action))
            for check in SelfCheck.objects.all():
                cell = (check.project_id, check.function)
                assert scope.allows_cell(action, *cell) == (cell in allowed), (scope, action, cell)
    with pytest.raises(ValueError):
        OPS.allows_cell("delete", first.pk, "marketing")
