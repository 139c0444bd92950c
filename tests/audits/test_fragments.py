"""The Jinja2 fragments' helpers (audits.fragments) give what Django's filters and catalogues give."""

from __future__ import annotations

from django.template.defaultfilters import linebreaksbr
from django.utils import translation
from hypothesis import given
from hypothesis import strategies as st

from audits.fragments import _linebreaksbr, history_label, render_each, texts, weight_label

text_with_breaks = st.text(alphabet=st.sampled_from(list("ab<>&\"'\r\n 触点")), max_size=30)


@given(value=text_with_breaks)
def test_the_fast_linebreaksbr_is_djangos(value) -> None:
    assert str(_linebreaksbr(value)) == str(linebreaksbr(value, autoescape=True))


def test_labels_follow_the_active_language() -> None:
    with translation.override("zh-hans"):
        assert weight_label(3) == "权重 3" and history_label(2) == "修改记录(2)" and texts("zh-hans").saved == "已保存"
    with translation.override("en"):
        assert weight_label(3) == "weight 3" and history_label(2) == "Change history (2)" and texts("en").saved == "Saved"
    with translation.override("zh-hans"):
        assert weight_label(3) == "权重 3"  # the memo is per language, not whichever came first


def test_render_each_renders_every_distinct_value_once() -> None:
    from audits.inspections.selectors import MonthState, month_cell

    marks = [month_cell(2026, 10, MonthState.ON_TIME), month_cell(2026, 11, MonthState.LATE)] * 50
    context = {"month_icons": {"on_time": "bi-check", "late": "bi-clock"}, "month_names": {10: "10月", 11: "11月"}}
    with translation.override("zh-hans"):
        rendered = render_each("month_mark.jinja", "m", marks, {**context, "month_labels": {"on_time": "按时", "late": "逾期"}})
    assert len(rendered) == 2
    assert 'data-month="10"' in rendered[marks[0]] and "10月" in rendered[marks[0]]
    assert 'data-month-state="late"' in rendered[marks[1]]


def test_a_fragment_of_many_pieces_is_joined_whole_and_in_order() -> None:
    from markupsafe import Markup

    from audits.fragments import JOIN_BATCH, _joined

    pieces = [Markup("<b>{}</b>").format(i) for i in range(3 * JOIN_BATCH + 7)]
    assert _joined(iter(pieces)) == "".join(pieces)
    assert _joined(iter([])) == "" and _joined(["", "", "x"]) == "x"


def test_the_board_rows_arrive_escaped_though_written_without_autoescaping() -> None:
    """board_rows.jinja escapes each value once and writes the rows with autoescaping off: a project's name and code and
    a label carrying markup must still come out escaped, in every branch a cell can take."""
    import datetime as dt

    from markupsafe import Markup, escape

    from audits.fragments import items_label, render_fragment
    from audits.inspections.choices import STATE_ICONS, CellState, MonthState
    from audits.inspections.selectors import Board, BoardCell, BoardRow, month_cell
    from core.dates import Quarter
    from touchpoints.choices import Function
    from touchpoints.models import Project

    project = Project(pk=1, code='X<&"', name="<script>alert(1)</script>&", is_active=True)
    months = (month_cell(2026, 7, MonthState.ON_TIME),)
    functions = tuple(Function)[:4]
    cells = tuple(
        BoardCell(project, function, months, state, 7 if state != CellState.NO_ITEMS else None, 5, 2, 1, 3)
        for function, state in zip(functions, CellState, strict=True)
    )
    board = Board(Quarter.parse("2026Q3"), functions, (BoardRow(project, cells),), False, dt.date(2026, 9, 1))
    with translation.override("zh-hans"):
        html = render_fragment(
            "board_rows.jinja",
            {
                "month_marks": {months: Markup("<span>mark</span>")},
                "item_labels": {5: escape(items_label(5))},
                "board": board,
                "can_operate": True,
                "inspection_prefix": "/i/",
                "discrepancies_url": "/d/",
                "state_labels": {state.value: "<em>" for state in CellState},
                "state_icons": STATE_ICONS,
                "function_labels": {function.value: "<b>" for function in functions},
            },
        )
    assert "<script>" not in html and "<em>" not in html and "<b>" not in html
    assert "&lt;script&gt;alert(1)&lt;/script&gt;&amp;" in html and html.count("&lt;b&gt;") == 4
    assert 'data-cell="X&lt;&amp;&#34;-marketing"' in html and 'href="/i/X%3C%26%22/marketing/"' in html
    assert 'href="/d/?project=X%3C%26%22&amp;function=design"' in html  # every cell has a discrepancy
    assert html.count("state-badge") == 4 and "<span>mark</span>" in html  # the marks come rendered
