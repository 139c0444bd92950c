"""SPEC §3 Frequency and §10: the rule, the model, the optional 频次 column of the catalogue workbook (round trip,
old files unchanged, an unknown word refused with sheet, row and column, nothing changed)."""

from __future__ import annotations

import pytest
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from openpyxl import load_workbook

from core.xlsx import WorkbookInvalid
from touchpoints import frequency
from touchpoints.choices import Frequency, Function
from touchpoints.models import Touchpoint
from touchpoints.services import catalogue_import, catalogue_load_default
from touchpoints.spreadsheets import CATALOGUE_ALL_COLUMNS, CATALOGUE_COLUMNS, CatalogueExport, catalogue_plan

from .workbooks import catalogue_row, catalogue_workbook, workbook_bytes

# -- the pure rule ---------------------------------------------------------------------------------------------------


@pytest.mark.parametrize("month", range(1, 13))
def test_monthly_and_event_items_are_due_every_month(month) -> None:
    assert frequency.is_due(frequency=Frequency.MONTHLY, yearly_month=None, month=month)
    assert frequency.is_due(frequency=Frequency.EVENT, yearly_month=None, month=month)


@pytest.mark.parametrize("month", range(1, 13))
def test_quarterly_items_fall_in_the_quarters_last_month(month) -> None:
    """SPEC §3: 每季度 — in the last month of each quarter (3, 6, 9, 12)."""
    assert frequency.is_due(frequency=Frequency.QUARTERLY, yearly_month=None, month=month) is (month % 3 == 0)


@pytest.mark.parametrize("month", range(1, 13))
def test_yearly_items_fall_in_their_month_only(month) -> None:
    assert frequency.is_due(frequency=Frequency.YEARLY, yearly_month=6, month=month) is (month == 6)


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("", (Frequency.MONTHLY, None)),
        ("每月", (Frequency.MONTHLY, None)),
        (" 每季度 ", (Frequency.QUARTERLY, None)),
        ("每年6月", (Frequency.YEARLY, 6)),
        ("每年 12 月", (Frequency.YEARLY, 12)),
        ("每年1月", (Frequency.YEARLY, 1)),
        ("按事件", (Frequency.EVENT, None)),
        ("每周", None),
        ("每年13月", None),
        ("每年0月", None),
        ("每年", None),
        ("monthly", None),
    ],
)
def test_workbook_words(text, expected) -> None:
    assert frequency.from_text(text) == expected


@pytest.mark.parametrize(
    ("value", "month"),
    [
        (Frequency.MONTHLY, None),
        (Frequency.QUARTERLY, None),
        (Frequency.EVENT, None),
        (Frequency.YEARLY, 1),
        (Frequency.YEARLY, 12),
    ],
)
def test_words_round_trip(value, month) -> None:
    assert frequency.from_text(frequency.to_text(frequency=value, yearly_month=month)) == (value, month)


# -- the model -------------------------------------------------------------------------------------------------------


@pytest.mark.django_db
def test_the_default_is_monthly_and_a_yearly_item_needs_its_month(people) -> None:
    from tests.factories import TouchpointFactory

    touchpoint = TouchpointFactory()
    assert touchpoint.frequency == Frequency.MONTHLY and touchpoint.yearly_month is None
    touchpoint.frequency = Frequency.YEARLY
    with pytest.raises(ValidationError):
        touchpoint.full_clean()
    with pytest.raises(IntegrityError), transaction.atomic():
        touchpoint.save()  # the database refuses it too
    touchpoint.yearly_month = 6
    touchpoint.full_clean()
    touchpoint.save()
    touchpoint.frequency = Frequency.MONTHLY
    with pytest.raises(ValidationError):
        touchpoint.full_clean()  # a month only with 每年


# -- the workbook ----------------------------------------------------------------------------------------------------


def with_frequency(row: list, word: str) -> list:
    return [*row, word]


def frequency_workbook(rows: list[list]) -> bytes:
    return workbook_bytes({"营销": [list(CATALOGUE_ALL_COLUMNS), *rows]})


@pytest.mark.django_db
def test_an_old_file_without_the_column_imports_as_monthly(people) -> None:
    """SPEC §10: files without 频次 keep importing; every item is 每月."""
    catalogue_load_default()
    content = catalogue_workbook({"营销": [catalogue_row("NEW-01")]})
    assert "频次" not in CATALOGUE_COLUMNS
    catalogue_import(plan=catalogue_plan(content))
    assert Touchpoint.objects.get(code="NEW-01").frequency == Frequency.MONTHLY


@pytest.mark.django_db
def test_the_column_sets_frequency_and_an_empty_cell_is_monthly(people) -> None:
    catalogue_load_default()
    content = frequency_workbook(
        [
            with_frequency(catalogue_row("NEW-01"), "每季度"),
            with_frequency(catalogue_row("NEW-02"), "每年6月"),
            with_frequency(catalogue_row("NEW-03"), "按事件"),
            with_frequency(catalogue_row("NEW-04"), ""),
        ]
    )
    catalogue_import(plan=catalogue_plan(content))
    got = {t.code: (t.frequency, t.yearly_month) for t in Touchpoint.objects.filter(code__startswith="NEW-")}
    assert got == {
        "NEW-01": (Frequency.QUARTERLY, None),
        "NEW-02": (Frequency.YEARLY, 6),
        "NEW-03": (Frequency.EVENT, None),
        "NEW-04": (Frequency.MONTHLY, None),
    }


@pytest.mark.django_db
def test_a_changed_frequency_is_an_update_shown_before_and_after(people) -> None:
    catalogue_load_default()
    code = Touchpoint.objects.filter(function=Function.MARKETING, frequency=Frequency.MONTHLY).first().code
    rows = []
    content = CatalogueExport().to_bytes()
    workbook = load_workbook(__import__("io").BytesIO(content))
    for row in workbook["营销"].iter_rows(min_row=2, values_only=True):
        values = list(row)
        if values[0] == code:
            values[-1] = "每年3月"
        rows.append(values)
    plan = catalogue_plan(frequency_workbook(rows))
    assert [(r.code, [(c.field, c.before, c.after) for c in changes]) for r, _t, changes in plan.updates] == [
        (code, [("频次", "每月", "每年3月")])
    ]
    catalogue_import(plan=plan)
    touchpoint = Touchpoint.objects.get(code=code)
    assert (touchpoint.frequency, touchpoint.yearly_month) == (Frequency.YEARLY, 3)
    assert touchpoint.history.first().prev_record.frequency == Frequency.MONTHLY  # before and after kept


@pytest.mark.django_db
def test_an_unknown_word_is_refused_naming_sheet_row_and_column_and_nothing_changes(people) -> None:
    """SPEC §10: an unknown frequency word → sheet, row and column named; nothing changed."""
    catalogue_load_default()
    before = sorted(Touchpoint.objects.values_list("code", "frequency", "yearly_month"))
    content = frequency_workbook(
        [with_frequency(catalogue_row("NEW-01"), "每季度"), with_frequency(catalogue_row("NEW-02"), "每两周")]
    )
    with pytest.raises(WorkbookInvalid) as raised:
        catalogue_plan(content)
    (error,) = raised.value.errors
    assert (error.sheet, error.row, error.column) == ("营销", 3, "频次")
    assert "每两周" in error.message and "每年N月" in error.message
    assert sorted(Touchpoint.objects.values_list("code", "frequency", "yearly_month")) == before


@pytest.mark.django_db
def test_export_then_import_is_a_round_trip_with_frequencies(people) -> None:
    """SPEC §10: export → import changes nothing, frequencies included (the default catalogue has every kind)."""
    catalogue_load_default()
    kinds = set(Touchpoint.objects.values_list("frequency", flat=True))
    assert kinds == set(Frequency.values)
    content = CatalogueExport().to_bytes()
    workbook = load_workbook(__import__("io").BytesIO(content))
    assert [c.value for c in workbook["营销"][1]][-1] == "频次"
    plan = catalogue_plan(content)
    assert not plan.has_changes
