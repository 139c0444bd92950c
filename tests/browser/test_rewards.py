"""The split page in a real browser: the running total, "split evenly", submitting, and the ledger on a phone."""

from __future__ import annotations

import pytest

from rewards.choices import SplitState
from rewards.models import Split
from tests.browser.conftest import sign_in
from tests.rewards.builders import build_ledger

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_the_director_splits_evenly_sees_the_total_and_submits(page, people) -> None:
    ledger = build_ledger(people)
    sign_in(page, people.director.user.username)
    page.goto(f"{page.base_url}/rewards/")
    page.get_by_role("link", name="分配").first.click()
    assert page.locator("[data-rw-sum]").inner_text() == "¥0"
    page.fill(f"input[name=part_{people.director.pk}]", "2000")
    assert page.locator("[data-rw-sum]").inner_text() == "¥2,000"
    assert "¥1,000" in page.locator("[data-rw-remaining]").inner_text()
    page.get_by_role("button", name="平均分配").click()
    assert page.locator("[data-rw-sum]").inner_text() == "¥3,000"
    assert page.locator("[data-rw-remaining]").inner_text() == "✓"
    page.screenshot(path="/tmp/rewards-split.png", full_page=True)
    page.get_by_role("button", name="保存并提交审核").click()
    page.wait_for_selector("text=分配已提交")
    split = Split.objects.get(entry=ledger.gg)
    assert split.state == SplitState.SUBMITTED
    assert sorted(split.parts.values_list("amount", flat=True)) == [1000, 1000, 1000]


def test_the_workspace_fits_a_phone_for_hr(phone_page, people) -> None:
    build_ledger(people)
    sign_in(phone_page, people.hr.user.username)
    phone_page.goto(f"{phone_page.base_url}/rewards/?year=2026")
    assert phone_page.get_by_role("heading", name="2026 年奖惩台账").is_visible()
    width = phone_page.evaluate("document.documentElement.scrollWidth")
    assert width <= 390, f"page scrolls sideways on a phone: {width}px"
    phone_page.screenshot(path="/tmp/rewards-phone.png", full_page=True)
