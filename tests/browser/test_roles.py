"""In a real browser: the project director confirms (签认) a submitted month (R5a), and an inspection-team member
judges their own function's cells (R5b) — the verdict names them, finalising stays with operations."""

from __future__ import annotations

import pytest

from audits.models import InspectionItem, SelfCheck
from core import dates
from tests.audits.builders_inspections import DONE, selfcheck, touchpoints
from touchpoints.choices import Function

from .conftest import sign_in

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def _submitted_month(people):
    """This month's GG × marketing self-check, submitted (the browser's clock is the real one)."""
    today = dates.local_today()
    items = touchpoints(Function.MARKETING, levels=("一级", "二级"))
    check = selfcheck(
        people.project, Function.MARKETING, today.month, [(t, DONE, "已按标准完成") for t in items], year=today.year
    )
    check.submitted_by = people.user("lead")
    check.save()
    return check, items


def test_the_director_confirms_a_submitted_month(page, people) -> None:
    check, _items = _submitted_month(people)
    sign_in(page, people.director.user.username)
    page.get_by_role("link", name="自检签认").first.click()
    page.wait_for_url("**/audits/selfchecks/signoff/")
    card = page.locator('[data-testid="signoff-GG-marketing"]')
    assert card.locator('[data-testid="signoff"]').inner_text().strip() == "待总监签认"
    card.locator(f'[data-testid="confirm-{check.pk}"]').click()
    page.get_by_text("已签认:").wait_for()
    card = page.locator('[data-testid="signoff-GG-marketing"]')
    badge = card.locator('[data-testid="signoff"]')
    assert badge.inner_text().strip() == "总监已签认" and badge.locator("i.bi-patch-check-fill").count() == 1
    assert "张伟" in card.inner_text()
    check.refresh_from_db()
    assert check.confirmed_by == people.user("director")


def test_the_director_sends_a_month_back_with_a_comment(page, people) -> None:
    check, _items = _submitted_month(people)
    sign_in(page, people.director.user.username)
    page.goto(f"{page.base_url}/audits/selfchecks/{check.pk}/")
    page.locator("summary", has_text="退回").click()
    page.fill(f"#comment-{check.pk}", "请补充展板照片")
    page.locator(f'[data-testid="return-{check.pk}"]').click()
    page.get_by_text("已退回,职能经理会收到通知").wait_for()
    check.refresh_from_db()
    assert check.state == "open" and check.reopen_reason == "请补充展板照片"


def test_a_team_member_judges_their_function_and_cannot_finalise(page, people) -> None:
    _check, items = _submitted_month(people)
    quarter = dates.Quarter.of(dates.local_today())
    sign_in(page, people.team_marketing.user.username)
    page.get_by_role("link", name="季度检查").first.click()
    page.goto(f"{page.base_url}/audits/board/{quarter}/")
    assert page.locator('.board-table [data-cell="GG-design"]').count() == 0  # only their function
    page.locator('.board-table [data-cell="GG-marketing"] a.inspection-link').click()
    page.wait_for_url(f"**/audits/inspections/{quarter}/GG/marketing/")
    page.locator("#start-inspection").click()  # R5b: the function's team member may start its inspection
    page.locator(".inspection-item").first.wait_for()
    card = page.locator(f'.inspection-item[data-code="{items[0].code}"]')
    card.locator('label[for$="-not_done"]').click()
    card.locator(".saved-flash").wait_for()
    assert "钱雨萌" in card.locator('[data-testid="judged-by"]').inner_text()
    assert page.locator("#finalise-button").count() == 0  # only operations finalise
    item = InspectionItem.objects.get(code=items[0].code)
    assert item.verdict == "not_done" and item.judged_by == people.user("team_marketing")
    page.reload()
    assert "钱雨萌" in page.locator('[data-testid="participants"]').inner_text()
    assert SelfCheck.objects.get(pk=_check.pk).confirmed_at is None


def test_the_signoff_page_fits_a_phone(phone_page, people) -> None:
    check, _items = _submitted_month(people)
    sign_in(phone_page, people.director.user.username)
    phone_page.goto(f"{phone_page.base_url}/audits/selfchecks/signoff/")
    assert phone_page.locator(f'[data-testid="confirm-{check.pk}"]').is_visible()
    width = phone_page.evaluate("document.documentElement.scrollWidth")
    assert width <= 390, f"the sign-off page scrolls sideways on a phone: {width}px"
