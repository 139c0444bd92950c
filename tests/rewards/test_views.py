"""The rewards pages as each role sees them: workspace, split page, steps, downloads; 404 outside one's scope."""

from __future__ import annotations

import datetime as dt
import io

import pytest
import time_machine
from django.urls import reverse
from openpyxl import load_workbook

from rewards.choices import SplitState
from rewards.models import Split, SplitEvent, SplitPart
from rewards.services import split_review, split_save, split_send_back, split_submit
from scoring.choices import UnitKind
from tests.rewards.builders import many_people, publish, reward

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("frozen")]

ROLES = ["lead", "director", "head", "inspector", "hr", "outsider"]


@pytest.fixture
def frozen():
    with time_machine.travel(dt.datetime(2026, 4, 15, 10, tzinfo=dt.UTC), tick=False):
        yield


def page(client, people, role: str, url: str):
    client.force_login(people.user(role))
    return client.get(url)


def test_hr_sees_the_workspace_with_ledger_states_and_downloads(client, people, ledger) -> None:
    split_save(entry=ledger.gg, user=people.user("director"), parts=[(people.director.pk, 3000)], submit=True)
    response = page(client, people, "hr", reverse("rewards:workspace") + "?year=2026")
    html = response.content.decode()
    assert response.status_code == 200
    for text in ("2026 年奖惩台账", "东原·光谷印", "营销", "物业", "¥3,000", "-¥3,000", "服务费调整", "已提交", "未分配"):
        assert text in html, text
    assert reverse("rewards:download", args=["rewards"]) + "?year=2026" in html
    assert "<script>" not in html and "onclick" not in html


def test_the_director_sees_their_units_entries_only_and_is_asked_to_split(client, people, ledger) -> None:
    html = page(client, people, "director", reverse("rewards:workspace")).content.decode()
    assert "东原·光谷印" in html and "待您分配" in html
    assert "营销" not in html.split('id="ledger"')[1].split("</section>")[0]
    assert reverse("rewards:download", args=["rewards"]) not in html


def test_a_team_member_sees_only_their_own_parts(client, people, ledger) -> None:
    split_save(entry=ledger.gg, user=people.user("director"), parts=[(people.director.pk, 2000), (ledger.member.pk, 1000)])
    client.force_login(ledger.member.user)
    html = client.get(reverse("rewards:workspace")).content.decode()
    assert 'id="ledger"' not in html and "暂无分配给您的团队奖惩" in html  # a draft is the director's own work
    split_submit(split=Split.objects.get(), user=people.user("director"))
    for url in (reverse("rewards:workspace"), reverse("rewards:mine")):
        html = client.get(url).content.decode()
        assert "¥1,000" in html and "¥2,000" not in html and "已提交" in html
    assert client.get(reverse("rewards:split", args=[ledger.gg.pk])).status_code == 404


@pytest.mark.parametrize(
    ("role", "entry", "status"),
    [
        ("hr", "gg", 200),
        ("inspector", "marketing", 200),
        ("director", "gg", 200),
        ("director", "marketing", 404),
        ("head", "marketing", 200),
        ("head", "gg", 404),
        ("lead", "gg", 404),
        ("outsider", "gg", 404),
        ("outsider", "property", 404),
    ],
)
def test_split_page_permission_matrix(client, people, ledger, role, entry, status) -> None:
    assert page(client, people, role, reverse("rewards:split", args=[getattr(ledger, entry).pk])).status_code == status


@pytest.mark.parametrize("role", ROLES)
def test_downloads_are_for_hr_and_operations_only(client, people, ledger, role) -> None:
    response = page(client, people, role, reverse("rewards:download", args=["rewards"]) + "?year=2026")
    assert response.status_code == (200 if role in ("hr", "inspector") else 404)
    if response.status_code == 200:
        content = b"".join(response.streaming_content)
        workbook = load_workbook(io.BytesIO(content))
        assert workbook.sheetnames == ["奖惩台账"]
        assert 'filename="rewards-2026.xlsx"' in response["Content-Disposition"]


def test_an_unknown_download_is_404(client, people, ledger) -> None:
    assert page(client, people, "hr", reverse("rewards:download", args=["secrets"])).status_code == 404


def test_the_director_splits_through_the_page_and_a_wrong_sum_is_shown_and_saves_nothing(client, people, ledger) -> None:
    client.force_login(people.user("director"))
    url = reverse("rewards:split", args=[ledger.gg.pk])
    form = client.get(url).content.decode()
    assert f'name="part_{ledger.member.pk}"' in form and f'name="part_{ledger.former.pk}"' not in form
    assert 'data-amount="3000"' in form
    bad = client.post(url, {f"part_{people.director.pk}": "2000", f"part_{ledger.member.pk}": "500", "submit": "1"})
    assert bad.status_code == 422
    assert "分配合计 ¥2,500 与条目金额 ¥3,000 不一致" in bad.content.decode()
    assert not Split.objects.exists()
    not_integer = client.post(url, {f"part_{people.director.pk}": "2999.5", "submit": "0"})
    assert not_integer.status_code == 422 and "请输入整数元" in not_integer.content.decode()
    good = client.post(url, {f"part_{people.director.pk}": "2000", f"part_{ledger.member.pk}": "1000", "submit": "1"})
    assert good.status_code == 302
    split = Split.objects.get()
    assert split.state == SplitState.SUBMITTED and split.parts.count() == 2


def test_operations_review_and_send_back_through_the_page(client, people, ledger) -> None:
    split = split_save(entry=ledger.gg, user=people.user("director"), parts=[(people.director.pk, 3000)], submit=True)
    client.force_login(people.user("inspector"))
    html = client.get(reverse("rewards:split", args=[ledger.gg.pk])).content.decode()
    assert 'value="review"' in html and 'value="send_back"' in html and 'value="file"' not in html
    step = reverse("rewards:split_step", args=[split.pk])
    response = client.post(step, {"action": "send_back", "comment": ""}, follow=True)
    assert "退回时请填写意见" in response.content.decode()
    assert Split.objects.get().state == SplitState.SUBMITTED
    client.post(step, {"action": "review"})
    assert Split.objects.get().state == SplitState.REVIEWED


def test_a_step_by_the_wrong_person_through_the_page_is_refused(client, people, ledger) -> None:
    split = split_save(entry=ledger.gg, user=people.user("director"), parts=[(people.director.pk, 3000)], submit=True)
    client.force_login(people.user("hr"))
    response = client.post(reverse("rewards:split_step", args=[split.pk]), {"action": "file"}, follow=True)
    assert "当前状态为「已提交」,不能执行「备案」" in response.content.decode()
    assert Split.objects.get().state == SplitState.SUBMITTED and SplitEvent.objects.count() == 2
    # Someone who cannot see the entry gets 404, not a message.
    client.force_login(people.user("outsider"))
    assert client.post(reverse("rewards:split_step", args=[split.pk]), {"action": "review"}).status_code == 404


def test_posting_parts_as_someone_who_is_not_the_splitter_is_404(client, people, ledger) -> None:
    client.force_login(people.user("hr"))
    response = client.post(reverse("rewards:split", args=[ledger.gg.pk]), {f"part_{people.director.pk}": "3000"})
    assert response.status_code == 404 and not SplitPart.objects.exists()


def test_the_service_fee_entry_page_explains_r15(client, people, ledger) -> None:
    html = page(client, people, "hr", reverse("rewards:split", args=[ledger.property.pk])).content.decode()
    assert "服务费结算的条目(物业)不分配到个人" in html and "js-split-part" not in html


def _grow(people, n: int) -> None:
    """n more quarters' worth of entries, parts and people."""
    members = many_people(people.project, n)
    for i in range(n):
        year, quarter = 2026 + i // 4, i % 4 + 1
        if (year, quarter) == (2026, 1):
            continue
        result = publish(
            year,
            quarter,
            [reward(UnitKind.PROJECT, "GG", "东原·光谷印", 3000), reward(UnitKind.FUNCTION, "marketing", "营销", -3000)],
        )
        entry = result.ledger_entries.get(unit_code="GG")
        split = split_save(
            entry=entry,
            user=people.user("director"),
            parts=[(m.pk, 3000 // n) for m in members[:-1]] + [(members[-1].pk, 3000 - 3000 // n * (n - 1))],
            submit=True,
        )
        split_review(split=split, user=people.user("inspector"))


@pytest.mark.parametrize("role", ["hr", "director", "lead"])
def test_workspace_query_count_does_not_grow_with_the_ledger(client, people, ledger, role, django_assert_max_num_queries) -> None:
    client.force_login(people.user(role))
    url = reverse("rewards:workspace") + "?year=2026"
    with django_assert_max_num_queries(20) as small:
        assert client.get(url).status_code == 200
    _grow(people, 4)
    with django_assert_max_num_queries(len(small.captured_queries)) as large:
        html = client.get(url).content.decode()
    assert len(large.captured_queries) <= len(small.captured_queries)
    if role != "lead":
        assert html.count("东原·光谷印") >= 4


def test_split_page_query_count_does_not_grow_with_parts(client, people, ledger, django_assert_max_num_queries) -> None:
    split_save(entry=ledger.gg, user=people.user("director"), parts=[(people.director.pk, 3000)], submit=True)
    client.force_login(people.user("inspector"))
    url = reverse("rewards:split", args=[ledger.gg.pk])
    with django_assert_max_num_queries(25) as small:
        client.get(url)
    members = many_people(people.project, 12)
    split = Split.objects.get()
    split_send_back(split=split, user=people.user("inspector"), comment="加上新同事")
    split_save(entry=ledger.gg, user=people.user("director"), parts=[(m.pk, 250) for m in members], submit=True)
    with django_assert_max_num_queries(len(small.captured_queries)):
        assert "加上新同事" in client.get(url).content.decode()


def test_home_panel_tells_each_actor_what_waits_for_them(client, people, ledger) -> None:
    html = page(client, people, "director", reverse("home")).content.decode()
    assert "待您分配的团队奖惩" in html
    split_save(entry=ledger.gg, user=people.user("director"), parts=[(people.director.pk, 3000)], submit=True)
    assert "待审核的分配" in page(client, people, "inspector", reverse("home")).content.decode()
    split_review(split=Split.objects.get(), user=people.user("inspector"))
    assert "待备案的分配" in page(client, people, "hr", reverse("home")).content.decode()
    assert "奖惩分配" not in page(client, people, "outsider", reverse("home")).content.decode()


def test_hr_sees_units_at_risk_then_the_capped_people(client, people, ledger) -> None:
    client.force_login(people.user("hr"))
    url = reverse("rewards:workspace") + "?year=2026"
    caps = client.get(url).content.decode().split('id="caps"')[1]
    assert "预警" in caps and "营销" in caps and "2026Q2" in caps and "将影响 1 人" in caps  # the head, not the member
    publish(2026, 2, [reward(UnitKind.FUNCTION, "marketing", "营销", -3000)])
    caps = client.get(url).content.decode().split('id="caps"')[1].split("</section>")[0]
    assert "1 人上限 B-" in caps
    # SPEC §6: the team member 王芳 is not capped; SPEC §3: a functional manager (杨帆) is in the project unit.
    assert "周立新" in caps and "王芳" not in caps and "杨帆" not in caps
    assert "2026Q1、2026Q2" in caps and "连续两个季度" in caps


def test_people_without_hr_or_operations_do_not_see_caps(client, people, ledger) -> None:
    publish(2026, 2, [reward(UnitKind.FUNCTION, "marketing", "营销", -3000)])
    html = page(client, people, "head", reverse("rewards:workspace") + "?year=2026").content.decode()
    assert 'id="caps"' not in html


@pytest.mark.parametrize(("role", "queries"), [("lead", 1), ("director", 3), ("hr", 2), ("inspector", 2)])
def test_home_panel_uses_a_fixed_number_of_queries(people, ledger, role, queries, django_assert_num_queries) -> None:
    from core.access import scope_for
    from rewards.home import panels

    scope = scope_for(people.user(role))
    with django_assert_num_queries(queries):
        panels(request=None, scope=scope, today=dt.date(2026, 4, 15))
    _grow(people, 4)
    with django_assert_num_queries(queries):
        found = panels(request=None, scope=scope, today=dt.date(2026, 4, 15))
    if role == "director":
        assert found[0].context["pending"]["to_split"] == 1  # 2026Q1 GG; the later ones are submitted


def test_admin_shows_the_ledger_and_split_history_read_only(client, people, ledger) -> None:
    from django.contrib.auth import get_user_model

    split = split_save(entry=ledger.gg, user=people.user("director"), parts=[(people.director.pk, 3000)])
    admin = get_user_model().objects.create_superuser("root", "root@example.cn", "pw-root-2026")
    client.force_login(admin)
    for name in ("ledgerentry", "split", "splitpart"):
        assert client.get(reverse(f"admin:rewards_{name}_changelist")).status_code == 200
    assert client.get(reverse("admin:rewards_ledgerentry_add")).status_code == 403
    detail = client.get(reverse("admin:rewards_split_change", args=[split.pk])).content.decode()
    assert "张伟" in detail and "保存分配" in detail
    assert client.get(reverse("admin:rewards_split_history", args=[split.pk])).status_code == 200
