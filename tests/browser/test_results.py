"""The results page in a real browser: no script blocked by the Content-Security-Policy, the trend chart drawn from
json_script data, cell detail expanding, and a phone-sized page that does not scroll sideways."""

from __future__ import annotations

import pytest
import time_machine

from scoring.services import quarter_publish
from tests.browser.conftest import sign_in
from tests.scoring.builders import Q1, after, build_worked_example, ensure_default_rules

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def published(people):
    ensure_default_rules()  # an earlier transactional test's flush removed the migration's defaults
    build_worked_example()
    with time_machine.travel(after(Q1), tick=False):
        return quarter_publish(quarter=Q1, user=None)


def test_the_rankings_chart_and_cell_detail_work_with_the_csp(page, people, published) -> None:
    sign_in(page, people.head.user.username)
    errors: list[str] = []  # a CSP violation or a script error on the results page
    page.on("console", lambda message: errors.append(message.text) if message.type == "error" else None)
    page.on("pageerror", lambda error: errors.append(str(error)))
    page.goto(f"{page.base_url}/results/")
    assert page.get_by_role("heading", name="2026年第1季度考核结果").is_visible()
    page.wait_for_function("Chart.getChart(document.getElementById('sc-trend-chart')) !== undefined")
    assert page.locator("#sc-trend-unit").input_value() == "function:marketing"  # the head's own unit first
    width = page.evaluate("document.querySelector('[data-sc-width=\"100.00\"]').style.width")
    assert width == "100%"
    row = page.locator("tr[data-unit='function:marketing']")
    row.get_by_role("button", name="明细").click()
    assert page.locator("#pane-functions").get_by_text("完成 8 / 适用 9").is_visible()  # GG marketing
    page.locator("tr[data-unit='function:design'] [data-sc-trend]").click()
    assert page.locator("#sc-trend-unit").input_value() == "function:design"
    assert errors == []


def test_the_results_page_fits_a_phone(phone_page, people, published) -> None:
    sign_in(phone_page, people.lead.user.username)
    phone_page.goto(f"{phone_page.base_url}/results/2026Q1/")
    assert phone_page.get_by_text("职能排名").first.is_visible()
    width = phone_page.evaluate("document.documentElement.scrollWidth")
    assert width <= 390, f"page scrolls sideways on a phone: {width}px"


def test_operations_publish_in_two_steps_typing_the_quarter_on_a_phone(phone_page, people) -> None:
    """SPEC §7: the preview, then a confirmation page naming the quarter and the counts; the quarter typed in."""
    from scoring.models import QuarterResult

    ensure_default_rules()
    build_worked_example()
    with time_machine.travel(after(Q1), tick=True):
        sign_in(phone_page, people.inspector.user.username)
        phone_page.goto(f"{phone_page.base_url}/results/2026Q1/preview/")
        phone_page.get_by_role("link", name="下一步:确认发布").click()
        phone_page.wait_for_url("**/results/2026Q1/publish/")
        counts = phone_page.locator("#sc-publish-counts")
        assert "7 个考核单元列入考核" in counts.inner_text() and "处罚 1 项" in counts.inner_text()
        assert phone_page.evaluate("document.documentElement.scrollWidth") <= 390
        phone_page.get_by_label("输入季度编号以确认发布").fill("2025Q4")
        phone_page.get_by_role("button", name="确认发布").click()
        assert phone_page.get_by_text("输入的「2025Q4」不是 2026Q1;未发布任何结果").is_visible()
        assert not QuarterResult.objects.exists()
        phone_page.get_by_label("输入季度编号以确认发布").fill("2026Q1")
        phone_page.get_by_role("button", name="确认发布").click()
        phone_page.wait_for_url("**/results/2026Q1/")
    assert QuarterResult.objects.get().published_by == people.inspector.user
