"""A lead ticks a long checklist on a phone (390 px): the action bar stays at the bottom with the submit button and the
progress, "下一个未填项" moves to an unanswered item, and the file-delete control is a real tap target (≥ 44 px)."""

from __future__ import annotations

import pytest

from core import dates
from tests.audits.builders_selfchecks import build_selfcheck, pdf_bytes

from .conftest import sign_in
from .test_selfcheck import settled

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def scrolled_to(page, pk: int) -> None:
    """Wait until the item's card is in the upper half of the screen (the page scrolls smoothly)."""
    page.wait_for_function(
        "id => { const top = document.getElementById(id).getBoundingClientRect().top;"
        " return top >= 0 && top < window.innerHeight / 2; }",
        arg=f"item-{pk}",
    )


def test_the_action_bar_and_next_unanswered_on_a_phone(phone_page, people) -> None:
    from playwright.sync_api import expect

    page = phone_page
    today = dates.local_today()
    selfcheck = build_selfcheck(people, year=today.year, month=today.month, count=6, deliverable_every=2)
    items = list(selfcheck.items.order_by("stage_order", "code"))
    sign_in(page, people.lead.user.username)
    page.goto(f"{page.base_url}/audits/selfchecks/{selfcheck.pk}/")

    bar = page.get_by_test_id("action-bar")
    expect(bar).to_be_visible()
    expect(bar.get_by_test_id("bar-submit")).to_be_visible()
    expect(bar.get_by_test_id("bar-progress")).to_contain_text("0/6")
    height = page.evaluate("window.innerHeight")
    box = bar.bounding_box()
    assert box["y"] + box["height"] <= height + 1 and box["y"] > height / 2, box  # at the bottom of the screen
    # The standard action is collapsed, as on the inspection page.
    assert not page.locator(f"#item-{items[0].pk} .item-standard").first.evaluate("d => d.open")

    # Answer the first item; the bar follows; "next unanswered" goes to the second, then further down.
    card = page.locator(f"#item-{items[1].pk}")
    card.locator(f"label[for=status-{items[1].pk}-na]").click()
    page.locator(f"#na-{items[1].pk}").fill("本月项目尚未进入该阶段")
    page.locator(f"#na-{items[1].pk}").press("Tab")
    expect(card.get_by_test_id("status")).to_have_text("不适用")
    settled(page)
    expect(page.get_by_test_id("bar-progress")).to_contain_text("1/6")

    # From the first item, "next unanswered" skips the answered second one and moves to the third, then the fourth.
    page.evaluate("window.scrollTo(0, 0)")
    page.locator(f"#note-{items[0].pk}").focus()
    page.get_by_test_id("next-unanswered").click()
    scrolled_to(page, items[2].pk)
    focused = page.evaluate("document.activeElement.closest('.selfcheck-item').id")
    assert focused == f"item-{items[2].pk}", focused
    assert "status-blank" in page.locator(f"#item-{items[2].pk} .status-badge").get_attribute("class")
    page.get_by_test_id("next-unanswered").click()
    scrolled_to(page, items[3].pk)
    assert page.evaluate("document.activeElement.closest('.selfcheck-item').id") == f"item-{items[3].pk}"

    # A file, and its delete control is at least 44 × 44 px.
    first = items[0]
    page.locator(f"#files-{first.pk}").set_input_files(
        files=[{"name": "客户服务计划书.pdf", "mimeType": "application/pdf", "buffer": pdf_bytes()}]
    )
    delete = page.locator(f"#item-{first.pk}").get_by_test_id("file-delete")
    expect(delete).to_be_visible()
    box = delete.bounding_box()
    assert box["width"] >= 44 and box["height"] >= 44, box
    for selector in (f"label[for=status-{first.pk}-done]", "[data-testid=bar-submit]", "[data-testid=next-unanswered]"):
        box = page.locator(selector).first.bounding_box()
        assert box["height"] >= 44, (selector, box)

    # The bar's submit button opens the confirmation.
    settled(page)
    page.get_by_test_id("bar-submit").click()
    expect(page.locator("#submit-modal")).to_be_visible()
    width = page.evaluate("document.documentElement.scrollWidth")
    assert width <= 390, width
