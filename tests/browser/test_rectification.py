"""Rectification in a real browser (SPEC §14): operations finalise with a 未完成 item; the lead sees it on the home page
and submits a fix with a photo; operations return it once, then verify it."""

from __future__ import annotations

import pytest

from audits.models import Rectification
from core import dates
from tests.audits.builders_inspections import DONE, selfcheck, touchpoints
from tests.audits.builders_selfchecks import png_bytes
from touchpoints.choices import Function

from .conftest import sign_in

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_a_finding_becomes_a_fix_returned_once_then_verified(page, browser, live_server, people, tmp_path) -> None:
    quarter = dates.Quarter.of(dates.local_today())
    year, month = quarter.months[0]
    items = touchpoints(Function.MARKETING, levels=("一级", "二级"))
    selfcheck(people.project, Function.MARKETING, month, [(t, DONE, "已完成") for t in items], year=year)

    # Operations inspect: the second item is not done; finalising opens its rectification.
    sign_in(page, people.inspector.user.username)
    page.goto(f"{page.base_url}/audits/inspections/{quarter}/GG/marketing/")
    page.locator("#start-inspection").click()
    for code, verdict in ((items[0].code, "done"), (items[1].code, "not_done")):
        card = page.locator(f'.inspection-item[data-code="{code}"]')
        card.locator(f'label[for$="-{verdict}"]').click()
        card.locator(".saved-flash").wait_for()
    second = page.locator(f'.inspection-item[data-code="{items[1].code}"]')
    second.locator("textarea").fill("售楼处未见阳光宣言展板")
    second.locator("textarea").blur()
    page.wait_for_function(
        "code => document.querySelector(`.inspection-item[data-code='${code}'] .saved-flash`) !== null", arg=items[1].code
    )
    page.once("dialog", lambda dialog: dialog.accept())
    page.locator("#finalise-button").click()
    page.get_by_text("检查已定稿。").wait_for()
    assert page.locator("#cell-rectifications .cell-rectification-open").count() == 1
    rect = Rectification.objects.get()
    assert (rect.code, rect.finding, rect.false_claim) == (items[1].code, "售楼处未见阳光宣言展板", True)

    # The lead sees it on the home page and submits a fix with a photo.
    lead_context = browser.new_context(locale="zh-CN", viewport={"width": 390, "height": 844}, is_mobile=True)
    lead = lead_context.new_page()
    lead.base_url = live_server.url
    sign_in(lead, people.lead.user.username)
    mine = lead.locator("#my-rectifications .my-rectification")
    assert mine.count() == 1 and items[1].code in mine.inner_text() and rect.due_date.isoformat() in mine.inner_text()
    mine.locator("a").click()
    lead.wait_for_url(f"**/audits/rectifications/{rect.pk}/")
    width = lead.evaluate("document.documentElement.scrollWidth")
    assert width <= 390, f"the rectification page scrolls sideways on a phone: {width}px"
    photo = tmp_path / "展板照片.png"
    photo.write_bytes(png_bytes())
    lead.fill("#id_description", "已补设展板")
    lead.set_input_files("#id_files", str(photo))
    lead.locator("#rectification-submit-form button[type=submit]").click()
    lead.get_by_text("整改已提交,等待验证。").wait_for()
    assert "展板照片.png" in lead.content()

    # Operations return it once, with a comment …
    page.goto(f"{page.base_url}/audits/rectifications/{rect.pk}/")
    page.fill("#id_comment", "照片看不清展板内容")
    page.locator("#rectification-return-form button[type=submit]").click()
    page.get_by_text("整改已退回").wait_for()
    rect.refresh_from_db()
    assert (rect.state, rect.return_comment) == ("returned", "照片看不清展板内容")

    # … the lead reads the comment and submits again …
    lead.goto(f"{lead.base_url}/audits/rectifications/{rect.pk}/")
    assert "照片看不清展板内容" in lead.locator("#rectification-return-comment").inner_text()
    lead.fill("#id_description", "已补设展板,附近景照片")
    lead.set_input_files("#id_files", str(photo))
    lead.locator("#rectification-submit-form button[type=submit]").click()
    lead.get_by_text("整改已提交,等待验证。").wait_for()

    # … and operations verify it.
    page.goto(f"{page.base_url}/audits/rectifications/{rect.pk}/")
    page.locator("#rectification-verify-form button[type=submit]").click()
    page.get_by_text("整改已验证。").wait_for()
    rect.refresh_from_db()
    assert rect.state == "verified" and rect.verified_by == people.inspector.user
    assert [e.action for e in rect.events.order_by("at", "id")] == ["open", "submit", "return", "submit", "verify"]
    assert page.locator("#rectification-log li").count() == 5
    # Verified: the lead's home no longer lists it.
    lead.goto(f"{lead.base_url}/")
    assert lead.locator("#my-rectifications").count() == 0
    lead_context.close()
