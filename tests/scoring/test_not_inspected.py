"""Preview and results pages tell "not inspected" from "no applicable items" (SPEC §7, R6), and show no
internal codes (function codes) to users."""

from __future__ import annotations

import re

import pytest
import time_machine

from audits.choices import InspectionState
from audits.models import Inspection

from .builders import NOT_DONE, Q1, after, build_worked_example, inspect

pytestmark = pytest.mark.django_db

RULE_NUMBER = re.compile(r"[((]\s*(R\d+[a-z]?|SPEC)|R\d+[a-z]?\s*[))]|SPEC §|§\s*\d")
FUNCTION_CODES = ("marketing", "design", "engineering", "customer_relations", "property")


def unit_row(page: str, key: str) -> str:
    """The HTML of one ranking row (and its detail row), up to the next unit's row."""
    start = page.index(f'data-unit="{key}"')
    following = page.find("data-unit=", start + 1)
    return page[start : following if following != -1 else None]


def visible_text(page: str) -> str:
    """The page's text without tags and attribute values (codes in data-* attributes are not shown)."""
    return re.sub(r"<[^>]+>", " ", re.sub(r"<script.*?</script>", " ", page, flags=re.S))


@pytest.fixture
def property_uninspected(people):
    """SPEC §12's example with both property cells still open: property has applicable items but nothing finalised."""
    build_worked_example()
    Inspection.objects.filter(project__code="HK", function="property").update(
        state=InspectionState.IN_PROGRESS, finalised_at=None
    )
    inspect(people.project, "property", Q1, [(3, NOT_DONE)], state=InspectionState.IN_PROGRESS)


def test_preview_labels_uninspected_units_not_inspected_not_no_items(client, people, property_uninspected) -> None:
    client.force_login(people.user("inspector"))
    with time_machine.travel(after(Q1), tick=False):
        page = client.get("/results/2026Q1/preview/").content.decode()
    assert "2 个单元格有适用检查项但没有定稿的检查" in page
    row = unit_row(page, "function:property")
    assert "未检查" in row and "2 个单元格未检查,按未检查计入" in row
    assert "本季度无适用检查项" not in row
    # A project assessed on its other cells says how many of its cells were not inspected.
    assert "1 个单元格未检查,按未检查计入" in unit_row(page, "project:GG")
    # No function codes or rule numbers in what the reader sees.
    text = visible_text(page)
    assert not [code for code in FUNCTION_CODES if code in text]
    assert not RULE_NUMBER.search(text)


def test_no_applicable_items_is_still_said_so(client, people) -> None:
    """A unit with nothing applicable (no cell at all) stays 本季度无适用检查项 (R6)."""
    build_worked_example()
    from tests.factories import ProjectFactory

    ProjectFactory(code="JX", name="东原·江夏启城")  # active, nothing inspected, nothing applicable
    client.force_login(people.user("inspector"))
    with time_machine.travel(after(Q1), tick=False):
        page = client.get("/results/2026Q1/preview/").content.decode()
    row = unit_row(page, "project:JX")
    assert "本季度无适用检查项" in row and "未检查" not in row


def test_published_results_say_not_inspected_for_the_confirmed_cells(client, people, property_uninspected) -> None:
    client.force_login(people.user("inspector"))
    with time_machine.travel(after(Q1), tick=False):
        from scoring.services import quarter_publish

        quarter_publish(quarter=Q1, user=people.inspector.user, confirm_missing=True)
        client.force_login(people.user("hr"))
        page = client.get("/results/2026Q1/").content.decode()
    row = unit_row(page, "function:property")
    assert "未检查" in row and "本季度无适用检查项" not in row
    text = visible_text(page)
    assert not [code for code in FUNCTION_CODES if code in text]


@pytest.mark.parametrize(
    ("role", "url"),
    [
        ("hr", "/results/"),
        ("hr", "/results/2026Q1/"),
        ("inspector", "/results/2026Q1/amend/"),
        ("hr", "/rewards/"),
        ("inspector", "/rewards/"),
        ("head", "/results/"),
    ],
)
def test_published_pages_show_no_codes_or_rule_numbers(client, people, role, url) -> None:
    from scoring.services import quarter_publish

    build_worked_example()
    with time_machine.travel(after(Q1), tick=False):
        quarter_publish(quarter=Q1, user=people.inspector.user)
        client.force_login(people.user(role))
        response = client.get(url)
    assert response.status_code == 200
    text = visible_text(response.content.decode())
    assert not RULE_NUMBER.search(text), RULE_NUMBER.search(text)
    assert not [code for code in FUNCTION_CODES if code in text]
