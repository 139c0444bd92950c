"""Operations run a quarterly inspection in a real browser: board → cell → verdicts saved immediately → finalised."""

from __future__ import annotations

import pytest

from audits.choices import InspectionState
from audits.models import Inspection
from core import dates
from tests.audits.builders_inspections import DONE, selfcheck, touchpoints
from touchpoints.choices import Function

from .conftest import sign_in

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def _quarter_with_selfcheck(people):
    """This quarter (the browser's clock is the real one), with a self-check of GG × marketing in its first month."""
    quarter = dates.Quarter.of(dates.local_today())
    year, month = quarter.months[0]
    items = touchpoints(Function.MARKETING, levels=("一级", "二级", "三级"))
    selfcheck(people.project, Function.MARKETING, month, [(t, DONE, "已按标准完成") for t in items], year=year)
    return quarter, items


def test_operations_run_an_inspection_from_the_board_to_finalised(page, people) -> None:
    quarter, items = _quarter_with_selfcheck(people)
    sign_in(page, people.inspector.user.username)
    page.goto(f"{page.base_url}/audits/board/{quarter}/")
    assert page.get_by_role("heading", name="季度检查看板").is_visible()
    cell = page.locator('.board-table [data-cell="GG-marketing"]')
    assert cell.get_attribute("data-state") == "not_started"
    cell.locator("a.inspection-link").click()
    page.wait_for_url(f"**/audits/inspections/{quarter}/GG/marketing/")
    assert not Inspection.objects.exists()  # opening the page wrote nothing
    page.locator("#start-inspection").click()
    page.locator(".inspection-item").first.wait_for()
    assert page.locator(".inspection-item").count() == 3
    assert page.get_by_text("已按标准完成").first.is_visible()

    verdicts = {items[0].code: "done", items[1].code: "not_done", items[2].code: "na"}
    for code, verdict in verdicts.items():
        card = page.locator(f'.inspection-item[data-code="{code}"]')
        card.locator(f'label[for$="-{verdict}"]').click()
        card.locator(".saved-flash").wait_for()
    second = page.locator(f'.inspection-item[data-code="{items[1].code}"]')
    second.locator("textarea").fill("未见客户服务计划书寄送记录")
    second.locator("textarea").blur()
    page.wait_for_function(
        "code => document.querySelector(`.inspection-item[data-code='${code}'] .saved-flash`) !== null", arg=items[1].code
    )
    assert "虚报" in second.inner_text()
    assert page.locator("#answered-count").inner_text() == "3 / 3"

    page.once("dialog", lambda dialog: dialog.accept())
    page.locator("#finalise-button").click()
    page.get_by_text("检查已定稿。").wait_for()
    inspection = Inspection.objects.get(project=people.project, function=Function.MARKETING)
    assert inspection.state == InspectionState.FINALISED
    found = dict(inspection.items.values_list("code", "verdict"))
    assert found == verdicts
    assert inspection.items.get(code=items[1].code).finding == "未见客户服务计划书寄送记录"

    page.goto(f"{page.base_url}/audits/board/{quarter}/")
    assert page.locator('.board-table [data-cell="GG-marketing"]').get_attribute("data-state") == "finalised"
    assert page.locator("#discrepancy-count").inner_text() == "1"


def test_the_board_fits_a_phone(phone_page, people) -> None:
    quarter, _items = _quarter_with_selfcheck(people)
    sign_in(phone_page, people.inspector.user.username)
    phone_page.goto(f"{phone_page.base_url}/audits/board/{quarter}/")
    assert phone_page.locator(".board-project-card").first.is_visible()
    # One render per cell: on a phone the table's rows are cards and its header is hidden.
    assert not phone_page.locator(".board-table thead").is_visible()
    assert phone_page.locator(".board-project-card .board-cell-function").first.is_visible()  # each cell says its function
    width = phone_page.evaluate("document.documentElement.scrollWidth")
    assert width <= 390, f"board scrolls sideways on a phone: {width}px"
    phone_page.locator('.board-project-card [data-cell="GG-marketing"] a.inspection-link').click()
    phone_page.wait_for_url(f"**/audits/inspections/{quarter}/GG/marketing/")
    width = phone_page.evaluate("document.documentElement.scrollWidth")
    assert width <= 390, f"inspection page scrolls sideways on a phone: {width}px"
