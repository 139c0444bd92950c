"""A functional lead ticks this month's checklist in a real browser: answers, a file, submission, then read-only."""

from __future__ import annotations

import re

import pytest

from audits.choices import SelfCheckState
from audits.models import SelfCheck
from core import dates
from tests.audits.builders_selfchecks import build_selfcheck, pdf_bytes

from .conftest import sign_in

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def this_months_checklist(people) -> SelfCheck:
    today = dates.local_today()
    # Three items: the first expects a deliverable, the others do not.
    return build_selfcheck(people, year=today.year, month=today.month, count=3, deliverable_every=3)


HTMX_BUSY = ".htmx-request, .htmx-swapping, .htmx-settling, .htmx-added"


def settled(page) -> None:
    """Wait until htmx has swapped and processed the last answer: a person never acts within those milliseconds."""
    page.wait_for_function(f"() => !document.querySelector({HTMX_BUSY!r})")
    page.wait_for_timeout(50)


def test_a_lead_ticks_uploads_and_submits(page, people) -> None:
    from playwright.sync_api import expect

    selfcheck = this_months_checklist(people)
    first, second, third = list(selfcheck.items.order_by("stage_order", "code"))
    assert first.requires_deliverable and not second.requires_deliverable
    sign_in(page, people.lead.user.username)
    page.goto(f"{page.base_url}/audits/selfchecks/{selfcheck.pk}/")
    expect(page.get_by_text("已填 0 / 3 项")).to_be_visible()

    # Done without the file is refused with a clear message; the file is uploaded, then done is accepted.
    card = page.locator(f"#item-{first.pk}")
    card.locator(f"label[for=status-{first.pk}-done]").click()
    expect(card.get_by_test_id("error")).to_contain_text("请先上传交付件")
    settled(page)
    page.locator(f"#files-{first.pk}").set_input_files(
        files=[{"name": "客户服务计划书寄送记录.pdf", "mimeType": "application/pdf", "buffer": pdf_bytes()}]
    )
    expect(card.get_by_role("link", name="客户服务计划书寄送记录.pdf")).to_be_visible()
    settled(page)
    card.locator(f"label[for=status-{first.pk}-done]").click()
    expect(card.get_by_test_id("status")).to_have_text("完成")

    card = page.locator(f"#item-{second.pk}")
    card.locator(f"label[for=status-{second.pk}-not_done]").click()
    expect(card.get_by_test_id("status")).to_have_text("未完成")

    # Not applicable needs a reason: the field opens, the reason is typed, leaving the field saves it.
    card = page.locator(f"#item-{third.pk}")
    card.locator(f"label[for=status-{third.pk}-na]").click()
    expect(page.locator(f"#na-{third.pk}")).to_be_visible()
    page.locator(f"#na-{third.pk}").fill("本月项目尚未进入该阶段")
    page.locator(f"#na-{third.pk}").press("Tab")
    expect(card.get_by_test_id("status")).to_have_text("不适用")
    expect(page.get_by_text("已填 3 / 3 项")).to_be_visible()
    expect(page.get_by_test_id("percent")).to_have_text("100%")
    card.locator("summary").click()
    expect(card.get_by_text("本月项目尚未进入该阶段").last).to_be_visible()  # the item's history

    page.get_by_test_id("open-submit").click()
    expect(page.locator("#submit-modal")).to_be_visible()
    page.get_by_test_id("confirm-submit").click()
    expect(page.get_by_test_id("readonly")).to_be_visible()
    expect(page.get_by_test_id("state")).to_have_text(re.compile("已提交"))
    assert page.locator(".item-form").count() == 0 and page.locator(".upload-form").count() == 0

    selfcheck.refresh_from_db()
    assert selfcheck.state == SelfCheckState.SUBMITTED
    assert list(selfcheck.items.order_by("stage_order", "code").values_list("status", flat=True)) == ["done", "not_done", "na"]
    assert selfcheck.items.get(pk=first.pk).files.count() == 1


def test_the_checklist_fits_a_phone(phone_page, people) -> None:
    selfcheck = this_months_checklist(people)
    sign_in(phone_page, people.lead.user.username)
    phone_page.goto(f"{phone_page.base_url}/audits/selfchecks/{selfcheck.pk}/")
    phone_page.get_by_text("已填 0 / 3 项").wait_for()
    width = phone_page.evaluate("document.documentElement.scrollWidth")
    assert width <= 390, f"the checklist scrolls sideways on a phone: {width}px"
    phone_page.goto(f"{phone_page.base_url}/audits/selfchecks/")
    width = phone_page.evaluate("document.documentElement.scrollWidth")
    assert width <= 390, f"the overview scrolls sideways on a phone: {width}px"
