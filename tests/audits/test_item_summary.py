"""A checklist's item count, weight and codes, stored when it is generated, so that the quarter board counts
nothing per view; the migration fills them for checklists generated before."""

from __future__ import annotations

import importlib

import pytest
from django.apps import apps
from django.urls import reverse

from audits.item_summary import item_summary, quarter_code_count
from audits.models import SelfCheck
from tests.audits.builders_inspections import AFTER_Q1, selfcheck, touchpoints
from tests.audits.builders_selfchecks import build_selfcheck
from touchpoints.choices import Function

pytestmark = pytest.mark.django_db
DONE = "done"


def test_generation_stores_the_count_weight_and_codes(people) -> None:
    check = build_selfcheck(people, year=2026, month=11, count=4)  # levels 一级/二级/三级/一级: weights 3+2+1+3
    codes = sorted(check.items.values_list("code", flat=True))
    assert (check.item_count, check.item_weight, check.item_codes) == (4, 9, " ".join(codes))


def test_the_quarter_counts_distinct_codes_across_its_months() -> None:
    assert quarter_code_count([]) == 0
    assert quarter_code_count(["A B C", "A B C", ""]) == 3
    assert quarter_code_count(["A B", "B C", "D"]) == 4  # a touchpoint added and one retired mid-quarter
    assert item_summary([("B", 2), ("A", 3)]) == {"item_count": 2, "item_weight": 5, "item_codes": "A B"}


def test_the_board_shows_the_union_of_the_quarters_items(client, people) -> None:
    import time_machine

    a, b = touchpoints(Function.MARKETING, levels=("一级", "二级"))
    (c,) = touchpoints(Function.MARKETING, levels=("三级",), prefix="MKX")
    selfcheck(people.project, Function.MARKETING, 1, [(a, DONE, ""), (b, DONE, "")])
    selfcheck(people.project, Function.MARKETING, 2, [(b, DONE, ""), (c, DONE, "")])
    with time_machine.travel(AFTER_Q1, tick=False):
        client.force_login(people.user("inspector"))
        page = client.get(reverse("audits:board", args=["2026Q1"])).content.decode()
    cell = page.split('data-cell="GG-marketing"')[1].split("</td>")[0]
    assert "3 项" in cell


def test_the_migration_fills_checklists_generated_before(people) -> None:
    check = build_selfcheck(people, year=2026, month=11, count=3)
    expected = (check.item_count, check.item_weight, check.item_codes)
    SelfCheck.objects.filter(pk=check.pk).update(item_count=0, item_weight=0, item_codes="")
    migration = importlib.import_module("audits.migrations.0003_selfcheck_item_count")
    migration.fill_item_summaries(apps, None)
    check.refresh_from_db()
    assert (check.item_count, check.item_weight, check.item_codes) == expected and expected[0] == 3
