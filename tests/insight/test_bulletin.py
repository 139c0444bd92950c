"""The quarter bulletin (SPEC §16): page, PDF download and `export_bulletin`. The PDF's text, extracted with pypdf,
names every unit and every amount; Chinese needs no font file (STSong-Light is a built-in CID font)."""

from __future__ import annotations

import datetime as dt
import io

import pytest
import time_machine
from django.core.management import CommandError, call_command
from pypdf import PdfReader

from core import dates
from core.dates import Quarter
from scoring.bulletin import bulletin_for, bulletin_pdf
from tests.scoring.builders import Q1, after, build_worked_example, inspect

from .builders import publish, publish_worked_example

pytestmark = pytest.mark.django_db
Q2 = Quarter(2026, 2)


def pdf_text(data: bytes) -> str:
    return "\n".join(page.extract_text() for page in PdfReader(io.BytesIO(data)).pages)


@pytest.fixture
def later():
    with time_machine.travel(after(Q2, days=20), tick=False):
        yield


def test_bulletin_pdf_names_every_unit_amount_grade_cap_and_finding(client, people, later) -> None:
    publish_worked_example(Q1)
    client.force_login(people.user("lead"))
    response = client.get("/results/2026Q1/bulletin.pdf")
    assert response.status_code == 200 and response["Content-Type"] == "application/pdf"
    assert 'filename="bulletin-2026Q1.pdf"' in response["Content-Disposition"]
    text = pdf_text(response.content)
    data = bulletin_for(quarter=Q1)
    for row in data.functions + data.projects:
        assert row.name in text, row.name
    for row in data.projects:
        assert row.code in text, row.code
    assert "customer_relations" not in text  # internal codes never reach readers
    for figure in ("100.00%", "92.86%", "66.67%", "50.00%", "89.29%", "¥3,000", "-¥3,000", "服务费结算", "团队奖惩", "B-", "B+"):
        assert figure in text, figure
    assert "奖励合计 ¥6,000,处罚合计 -¥3,000" in text
    # SPEC §12: marketing and HK are B- — at risk of the cap; 整改汇总: 9 items judged 未完成 in 2026Q1.
    assert "预警" in text and "2026Q2" in text
    assert "本季度检查发现未完成项 7 项" in text


def test_bulletin_states_caps_as_of_its_quarter_and_a_triggered_cap(people, later) -> None:
    publish_worked_example(Q1)
    build_worked_example(Q2)
    publish(Q2)
    q2 = bulletin_for(quarter=Q2)
    assert {(c.code, c.rules) for c in q2.triggered} == {
        ("marketing", "连续两个季度"),
        ("engineering", "连续两个季度"),
        ("HK", "连续两个季度"),
    }
    assert q2.at_risk == []
    q1 = bulletin_for(quarter=Q1)  # printed later, still reads as of Q1
    assert q1.triggered == [] and {c.code for c in q1.at_risk} == {"marketing", "engineering", "HK"}
    text = pdf_text(bulletin_pdf(q2))
    assert "已触发" in text and "连续两个季度" in text


def test_bulletin_page_prints_and_links_the_pdf(client, people, later) -> None:
    publish_worked_example(Q1)
    client.force_login(people.user("hr"))
    html = client.get("/results/2026Q1/bulletin/").content.decode()
    assert "2026年第1季度客户触点考核通报" in html and "东原·汉口时光道" in html and "-¥3,000" in html
    assert 'href="/results/2026Q1/bulletin.pdf"' in html and "data-in-print" in html
    assert client.get("/results/2026Q3/bulletin/").status_code == 404
    assert client.get("/results/2026Q3/bulletin.pdf").status_code == 404
    client.logout()
    assert client.get("/results/2026Q1/bulletin.pdf").status_code == 302


def test_export_bulletin_command(tmp_path, people, later) -> None:
    publish_worked_example(Q1)
    target = tmp_path / "通报.pdf"
    call_command("export_bulletin", "2026Q1", "--output", str(target))
    assert "东原·光谷印" in pdf_text(target.read_bytes())
    with pytest.raises(CommandError, match="尚未发布"):
        call_command("export_bulletin", "2026Q3", "--output", str(tmp_path / "x.pdf"))
    with pytest.raises(CommandError, match="季度格式"):
        call_command("export_bulletin", "2026-1", "--output", str(tmp_path / "x.pdf"))
    with pytest.raises(CommandError, match="输出目录不存在"):
        call_command("export_bulletin", "2026Q1", "--output", str(tmp_path / "missing" / "x.pdf"))
    assert not (tmp_path / "x.pdf").exists()


def test_bulletin_for_sixty_projects_names_every_unit_in_a_fixed_number_of_queries(people, later) -> None:
    """Its speed (under 2 s) is measured by bench/bench_insight.py, not here: a timed test fails on a busy machine.
    What a test can hold is that the data for sixty projects takes no more queries than for a handful."""
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from tests.scoring.builders import build_quarter, ensure_default_rules

    ensure_default_rules()
    build_quarter(Q2, projects=3, items=4)
    publish(Q2)
    with CaptureQueriesContext(connection) as few:
        bulletin_for(quarter=Q2)
    build_quarter(Q1, projects=60, items=4)
    publish(Q1)
    with CaptureQueriesContext(connection) as many:
        data = bulletin_for(quarter=Q1)
    assert len(many) <= len(few)
    pdf = bulletin_pdf(data)
    text = pdf_text(pdf)
    assert sum(1 for row in data.projects if row.assessed) == 60
    assert all(row.name in text and row.money in text for row in data.projects + data.functions)
    assert all(row.code in text for row in data.projects)


def test_the_bulletin_page_takes_the_same_queries_for_sixty_projects(client, people, later) -> None:
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from tests.scoring.builders import build_quarter, ensure_default_rules

    ensure_default_rules()
    build_quarter(Q2, projects=3, items=4)
    publish(Q2)
    build_quarter(Q1, projects=60, items=4)
    publish(Q1)
    client.force_login(people.user("hr"))
    counts = []
    for quarter in ("2026Q2", "2026Q1"):
        with CaptureQueriesContext(connection) as captured:
            html = client.get(f"/results/{quarter}/bulletin/").content.decode()
        counts.append(len(captured))
    assert counts[0] == counts[1] == 7  # 4 to sign in and read the navigation, 3 for the bulletin
    assert html.count('<td class="font-monospace">') == 65  # every project by its code: 60, Q2's 3, GG and HK


def test_rectification_summary_counts_false_claims(people, later) -> None:
    from audits.choices import ItemStatus
    from audits.item_summary import inspections_store_tally
    from audits.models import Inspection, InspectionItem

    inspection = inspect(
        people.project, "marketing", Q1, [(3, ItemStatus.NOT_DONE), (2, ItemStatus.NOT_DONE), (1, ItemStatus.DONE)]
    )
    InspectionItem.objects.filter(inspection=inspection, weight=2).update(claimed_status=ItemStatus.DONE)
    inspections_store_tally(Inspection.objects.filter(pk=inspection.pk))  # as the services store it with the items
    from tests.scoring.builders import ensure_default_rules

    ensure_default_rules()
    publish(Q1)
    lines = {(x.kind, x.code): (x.findings, x.discrepancies) for x in bulletin_for(quarter=Q1).rectifications}
    assert lines == {("function", "marketing"): (2, 1), ("project", "GG"): (2, 1)}


def test_the_findings_are_the_counts_each_inspection_stores_not_a_count_of_its_items(people, later) -> None:
    """The summary reads a row per cell (audits.item_summary stores its not-done items and false claims with the items)
    in the same query as the register, instead of counting the quarter's 12,000 items on every bulletin."""
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from audits.choices import ItemStatus
    from audits.models import Inspection
    from audits.rectifications.models import Rectification
    from scoring.bulletin import rectification_summary
    from tests.audits.builders_rectifications import finalised_cell

    finalised_cell(people)  # GG × marketing: two not-done items, one of them claimed done, and their rectifications
    inspect(people.project, "design", Q1, [(3, ItemStatus.NOT_DONE), (1, ItemStatus.DONE)])
    inspect(people.project, "property", Q1, [(2, ItemStatus.NOT_DONE)], state="in_progress")  # not finalised: no findings
    assert Inspection.objects.filter(function="marketing").values_list("not_done_count", "discrepancy_count").get() == (2, 1)
    names = {("function", "marketing"): "营销", ("function", "design"): "研发", ("project", "GG"): "光谷印"}
    with CaptureQueriesContext(connection) as captured:
        summary = rectification_summary(quarter=Q1, names=names, today=Q1.first_day)
    assert len(captured) == 1 and "inspectionitem" not in captured[0]["sql"].lower()
    assert {(x.kind, x.code): (x.findings, x.discrepancies, x.unverified) for x in summary} == {
        ("function", "marketing"): (2, 1, 2),
        ("function", "design"): (1, 0, 0),
        ("project", "GG"): (3, 1, 2),
    }
    assert Rectification.objects.count() == 2


def test_the_rectification_summary_reads_the_register(people, later) -> None:
    """SPEC §14 in the bulletin: of a unit's findings, how many rectifications are verified, unverified, overdue."""
    from audits.rectifications.models import Rectification
    from audits.rectifications.services import rectification_submit, rectification_verify
    from scoring.bulletin import rectification_summary
    from tests.audits.builders_rectifications import finalised_cell, photo
    from tests.scoring.builders import ensure_default_rules

    finalised_cell(people)  # GG × marketing: two not-done items, one of them claimed done
    first, second = Rectification.objects.order_by("code")
    rectification_submit(rectification=first, user=people.user("lead"), description="已补寄", uploads=[photo()])
    rectification_verify(rectification=Rectification.objects.get(pk=first.pk), user=people.user("inspector"))
    ensure_default_rules()
    publish(Q1)
    names = {("function", "marketing"): "营销", ("project", "GG"): "光谷印"}

    def lines(today):
        summary = rectification_summary(quarter=Q1, names=names, today=today)
        return {(x.kind, x.code): (x.findings, x.discrepancies, x.verified, x.unverified, x.overdue) for x in summary}

    assert lines(second.due_date) == {("function", "marketing"): (2, 1, 1, 1, 0), ("project", "GG"): (2, 1, 1, 1, 0)}
    after_due = second.due_date + dt.timedelta(days=1)
    assert lines(after_due)[("project", "GG")] == (2, 1, 1, 1, 1)
    with time_machine.travel(dt.datetime.combine(after_due, dt.time(10), tzinfo=dates.SHANGHAI), tick=False):
        data = bulletin_for(quarter=Q1)
        text = pdf_text(bulletin_pdf(data))
    assert data.as_of == after_due and f"整改进度截至 {after_due.isoformat()}" in text


def test_the_statement_of_latest_result_parts_is_compiled_once_and_reads_as_the_orm(people, later) -> None:
    """The bulletin's (and the cell page's) read of the latest version: the ORM compiles its statement once per
    process; each quarter's values take the placeholders' places, and the version reads as the ORM reads it."""
    from scoring import selectors
    from scoring.models import QuarterResult

    publish_worked_example(Q1)
    build_worked_example(Q2)
    publish(Q2)
    selectors._latest_parts_statement.cache_clear()
    for quarter in (Q1, Q2, Q1):
        result, parts = selectors.latest_result_parts(quarter=quarter, parts=("units", "policy"))
        stored = QuarterResult.objects.filter(year=quarter.year, quarter=quarter.number).latest("version")
        assert (result.pk, result.year, result.quarter, result.version) == (stored.pk, quarter.year, quarter.number, 1)
        assert result.published_at == stored.published_at and result.published_at.tzinfo is not None
        assert parts == {"units": stored.snapshot["units"], "policy": stored.snapshot["policy"]}
    assert selectors._latest_parts_statement.cache_info().misses == 1
    assert selectors.latest_result_parts(quarter=Quarter(2026, 4), parts=("units", "policy")) is None


def test_the_bulletin_tables_escape_every_name_they_write_as_prepared() -> None:
    """The rankings and the rectification lines write the cells `bulletin_tables` prepared without escaping them
    again: every text among them is escaped there (a unit's code and name, a grade, a settlement)."""
    from django.utils import translation

    from scoring.bulletin import BulletinRow, RectificationLine
    from scoring.templatetags.bulletin_tables import bulletin_ranking, bulletin_rectifications

    rows = [
        BulletinRow(1, "P<1>", "<b>一</b> & 二", 10, 12, "83.33", "<i>A</i>", 3000, "team"),
        BulletinRow(None, "P2", "<script>x</script>", 0, 0, None, "", 0, "<u>?</u>"),
    ]
    with translation.override("zh-hans"):
        html = bulletin_ranking(rows, codes=True)
        lines = bulletin_rectifications([RectificationLine("project", "P<1>", "<b>项目</b>", 3, 1, 1, 2, 1)])
    assert "<b>" not in html and "<script>" not in html and "<i>" not in html and "<u>" not in html
    for text in ("P&lt;1&gt;", "&lt;b&gt;一&lt;/b&gt; &amp; 二", "&lt;script&gt;x&lt;/script&gt;", "&lt;i&gt;A&lt;/i&gt;"):
        assert text in html, text
    assert "<td>1</td>" in html and "83.33%" in html and "10/12" in html and "¥3,000" in html and "团队奖惩" in html
    assert "&lt;u&gt;?&lt;/u&gt;" in html and "不列入考核" in html  # an unknown settlement as it is, escaped
    assert "<td>&lt;b&gt;项目&lt;/b&gt;</td>" in lines and "text-danger" in lines and "<b>" not in lines
