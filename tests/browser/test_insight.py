"""Insight in a real browser (SPEC §16): a project director goes from a red score on the results page to the failing
item of their project and downloads its file; the trend charts and the heat map run under the CSP."""

from __future__ import annotations

import pytest
import time_machine
from django.core.files.base import ContentFile

from audits.choices import ItemStatus, SelfCheckState
from audits.models import Deliverable, SelfCheck, SelfCheckItem
from scoring.services import quarter_publish
from tests.audits.builders_selfchecks import pdf_bytes
from tests.browser.conftest import sign_in
from tests.scoring.builders import Q1, after, build_worked_example, ensure_default_rules
from touchpoints.choices import Function

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def published(people):
    """SPEC §12's quarter; GG engineering's March self-check claimed GG-ENG-02 done with a file; the inspector found
    it not done."""
    ensure_default_rules()
    inspections = build_worked_example()
    item = inspections[("GG", Function.ENGINEERING)].items.get(code="GG-ENG-02")
    item.claimed_status, item.finding = ItemStatus.DONE, "现场未见月度工程进展短信记录"
    item.save()
    check = SelfCheck.objects.create(
        project=people.project, function=Function.ENGINEERING, year=2026, month=3, state=SelfCheckState.SUBMITTED
    )
    claim = SelfCheckItem.objects.create(
        selfcheck=check, code="GG-ENG-02", name=item.name, level_name="二级", weight=2, status="done"
    )
    deliverable = Deliverable(
        item=claim, original_name="三月进展短信.pdf", size=len(pdf_bytes()), content_type="application/pdf", sha256="0" * 64
    )
    deliverable.file.save("gg-eng-02.pdf", ContentFile(pdf_bytes()), save=False)
    deliverable.save()
    with time_machine.travel(after(Q1), tick=False):
        return quarter_publish(quarter=Q1, user=None)


def watch_errors(page) -> list[str]:
    errors: list[str] = []
    page.on("console", lambda message: errors.append(message.text) if message.type == "error" else None)
    page.on("pageerror", lambda error: errors.append(str(error)))
    return errors


def test_a_director_goes_from_a_red_score_to_the_item_and_its_file(page, people, published) -> None:
    from playwright.sync_api import expect

    sign_in(page, people.director.user.username)
    errors = watch_errors(page)
    page.goto(f"{page.base_url}/results/2026Q1/")
    row = page.locator("tr[data-unit='function:engineering']")
    expect(row.locator(".badge.text-bg-danger")).to_have_text("C")  # the red grade
    row.get_by_test_id("score-link").click()
    expect(page.get_by_test_id("unit-score")).to_have_text("50.00%")
    expect(page.get_by_text("完成权重 8 ÷ 适用权重 16 = 50.00%")).to_be_visible()
    page.get_by_test_id("cell-link").filter(has_text="东原·光谷印").click()  # the only engineering cell they may read
    failing = page.get_by_test_id("item-GG-ENG-02")
    expect(failing.get_by_test_id("verdict")).to_have_text("未完成")
    expect(failing).to_contain_text("现场未见月度工程进展短信记录")
    expect(failing).to_contain_text("虚报")
    with page.expect_download() as download:
        failing.get_by_test_id("file").click()
    assert download.value.suggested_filename == "三月进展短信.pdf"
    from pathlib import Path

    assert Path(download.value.path()).read_bytes() == pdf_bytes()
    assert errors == []


def test_trends_and_heat_map_run_under_the_csp(page, people, published) -> None:
    from playwright.sync_api import expect

    sign_in(page, people.inspector.user.username)
    errors = watch_errors(page)
    page.goto(f"{page.base_url}/results/insight/trends/")
    page.wait_for_function("Chart.getChart(document.getElementById('in-score-chart')) !== undefined")
    page.wait_for_function("Chart.getChart(document.getElementById('in-rank-chart')).data.datasets[0].data.length === 1")
    page.goto(f"{page.base_url}/results/insight/heatmap/")
    page.select_option("#in-function", "engineering")  # applies on change
    page.wait_for_url("**/heatmap/?function=engineering*")
    page.locator("[data-testid=heat-project] a").first.click()
    expect(page.get_by_test_id("finding").first).to_be_visible()
    assert errors == []
