"""Publishing and amending a quarter through the services (SPEC §5, §7, §12)."""

from __future__ import annotations

import datetime as dt
import hashlib
import hmac
import json
from decimal import Decimal

import pytest
import time_machine
from django.conf import settings
from django.core import mail

from audits.choices import InspectionState
from audits.models import InspectionItem
from core.dates import Quarter
from core.publication import quarter_is_published
from notifications.choices import NotificationKind
from notifications.delivery import outbox_deliver
from notifications.models import Notification
from rewards.models import LedgerEntry
from scoring import services
from scoring.exports import QuarterExport
from scoring.models import GradeBand, Policy, QuarterResult
from scoring.services import PublicationRefused, quarter_amend, quarter_preview, quarter_publish
from scoring.signing import key_id_of
from scoring.snapshot import canonical_json
from tests.factories import AssignmentFactory, ProjectFactory
from touchpoints.choices import Role

from .builders import DONE, NA, NOT_DONE, Q1, after, build_worked_example, inspect, sheet_names, sheet_rows

pytestmark = pytest.mark.django_db

RANKING_HEADER = ("排名", "编号", "名称", "得分", "等级", "奖惩金额", "结算方式")


@pytest.fixture
def example(people):
    return build_worked_example()


def publish_q1(user=None, **kwargs) -> QuarterResult:
    with time_machine.travel(after(Q1, days=10), tick=False):
        return quarter_publish(quarter=Q1, user=user, **kwargs)


def test_the_worked_example_published_gives_exactly_the_spec_figures_in_the_export(people, example) -> None:
    """SPEC §12, end to end: inspections → publish → export_quarter's workbook."""
    publish_q1(people.inspector.user)
    workbook = QuarterExport(Q1).to_bytes()

    assert sheet_names(workbook) == ["职能排名", "项目排名", "明细"]
    assert sheet_rows(workbook, "职能排名") == [
        RANKING_HEADER,
        (1, "design", "研发", 100, "A", 3000, "团队奖惩"),  # 10/10
        (1, "property", "物业", 100, "A", 3000, "服务费结算"),  # 6/6, R15
        (3, "customer_relations", "客户关系", 92.86, "A", 0, None),  # 13/14, rank 3: nothing
        (4, "marketing", "营销", 66.67, "B-", 0, None),  # 10/15
        (5, "engineering", "工程", 50, "C", -3000, "团队奖惩"),  # 8/16, below 60
    ]
    assert sheet_rows(workbook, "项目排名") == [
        RANKING_HEADER,
        (1, "GG", "东原·光谷印", 89.29, "B+", 0, None),  # 25/28: rank 1 but not above 90
        (2, "HK", "东原·汉口时光道", 66.67, "B-", 0, None),  # 22/33
    ]
    assert sheet_rows(workbook, "明细") == [
        ("项目编号", "职能", "完成权重", "适用权重", "得分"),
        ("GG", "营销", 8, 9, 88.89),
        ("GG", "研发", 5, 5, 100),
        ("GG", "工程", 6, 8, 75),
        ("GG", "客户关系", 6, 6, 100),
        ("HK", "营销", 2, 6, 33.33),
        ("HK", "研发", 5, 5, 100),
        ("HK", "工程", 2, 8, 25),
        ("HK", "客户关系", 7, 8, 87.5),
        ("HK", "物业", 6, 6, 100),
    ]


def test_publication_freezes_a_canonical_snapshot_with_its_digest_and_unit_rows(people, example) -> None:
    result = publish_q1(people.inspector.user)
    assert (result.year, result.quarter, result.version, result.published_by) == (2026, 1, 1, people.inspector.user)
    stored = QuarterResult.objects.get(pk=result.pk)
    canonical = json.dumps(stored.snapshot, sort_keys=True, separators=(",", ":"), ensure_ascii=False).encode()
    assert canonical_json(stored.snapshot) == canonical
    # SPEC §7: HMAC-SHA256 under RESULTS_SIGNING_KEY, with the key's id; never the plain SHA-256 anyone could recompute.
    assert stored.digest == hmac.new(settings.RESULTS_SIGNING_KEY.encode(), canonical, hashlib.sha256).hexdigest()
    assert stored.digest != hashlib.sha256(canonical).hexdigest()
    assert stored.digest_key == key_id_of(settings.RESULTS_SIGNING_KEY) != ""
    assert "." not in json.dumps([u["score"] for u in stored.snapshot["units"]])  # no float anywhere near a score
    units = {(u["kind"], u["code"]): u for u in stored.snapshot["units"]}
    assert units[("function", "customer_relations")]["score"] == {"numerator": 13, "denominator": 14}
    assert units[("function", "customer_relations")]["percent"] == "92.86"
    assert stored.snapshot["policy"] == {
        "effective_from": "2016-04-01",
        "amount": 3000,
        "reward_above_percent": "90.00",
        "penalty_below_percent": "60.00",
    }
    assert [b["label"] for b in stored.snapshot["bands"]] == ["A", "B+", "B", "B-", "C"]
    rows = {(u.kind, u.code): u for u in stored.units.all()}
    assert len(rows) == 7
    marketing = rows[("function", "marketing")]
    assert (marketing.done, marketing.applicable, marketing.rank, marketing.grade, marketing.low) == (10, 15, 4, "B-", True)
    assert marketing.percent_display == Decimal("66.67")
    assert rows[("project", "GG")].low is False and rows[("project", "HK")].low is True
    assert quarter_is_published(Q1)


def test_publication_posts_the_ledger(people, example) -> None:
    result = publish_q1()
    entries = sorted(LedgerEntry.objects.filter(result=result).values_list("unit_code", "amount", "settlement"))
    assert entries == [("design", 3000, "team"), ("engineering", -3000, "team"), ("property", 3000, "service_fee")]


def test_everyone_assessed_is_notified_once_after_commit(people, example, django_capture_on_commit_callbacks) -> None:
    left = AssignmentFactory(
        person__name="已离开", role=Role.TEAM_MEMBER, project=people.project, start=dt.date(2024, 1, 1), end=dt.date(2025, 12, 31)
    )
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        publish_q1(people.inspector.user)
        assert Notification.objects.count() == 0  # nothing before commit
    for callback in callbacks:
        callback()
    notified = set(Notification.objects.values_list("recipient__username", flat=True))
    assessed = {p.user.username for p in (people.lead, people.director, people.head, people.outsider)}
    assert notified == assessed and left.person.user.username not in notified
    note = Notification.objects.get(recipient=people.head.user)
    assert (note.kind, note.period) == (NotificationKind.RESULT_PUBLISHED, "2026Q1v1")
    assert "营销" in note.body and "66.67%" in note.body and "B-" in note.body
    assert note.url == "/results/2026Q1/"
    assert len(mail.outbox) == 4
    for callback in callbacks:  # a second run sends nothing twice
        callback()
    assert Notification.objects.count() == 4 and len(mail.outbox) == 4


def test_publication_is_refused_before_the_quarter_has_ended(people, example) -> None:
    shanghai = dt.timezone(dt.timedelta(hours=8))
    with (
        time_machine.travel(dt.datetime(2026, 3, 31, 23, 59, tzinfo=shanghai), tick=False),
        pytest.raises(PublicationRefused, match="尚未结束"),
    ):
        quarter_publish(quarter=Q1, user=None)
    assert not QuarterResult.objects.exists()
    with time_machine.travel(dt.datetime(2026, 4, 1, 0, 1, tzinfo=shanghai), tick=False):
        assert quarter_publish(quarter=Q1, user=None).version == 1


def test_a_published_quarter_is_not_published_again(people, example) -> None:
    publish_q1()
    with pytest.raises(PublicationRefused, match="已发布"):
        publish_q1()
    assert QuarterResult.objects.count() == 1


def test_missing_cells_need_confirmation_which_is_recorded_and_they_count_as_not_inspected(people, example) -> None:
    inspect(people.project, "property", Q1, [(3, NOT_DONE)], state=InspectionState.IN_PROGRESS)
    preview = quarter_preview(quarter=Q1)
    assert [(m.project_code, m.function) for m in preview.missing] == [("GG", "property")]
    with pytest.raises(PublicationRefused, match="GG"):
        publish_q1()
    assert not QuarterResult.objects.exists()
    result = publish_q1(confirm_missing=True)
    assert result.confirmed_missing == [{"project": "GG", "function": "property"}]
    assert result.snapshot["confirmed_missing"] == result.confirmed_missing
    # The unfinished inspection counts nowhere: property stays 6/6 from HK alone, GG stays 25/28.
    assert result.units.get(kind="function", code="property").applicable == 6
    assert result.units.get(kind="project", code="GG").applicable == 28


def test_not_applicable_items_count_nowhere_and_a_unit_without_weight_is_not_assessed(people) -> None:
    inspect(people.project, "design", Q1, [(3, NA), (2, NA)])
    inspect(people.project, "marketing", Q1, [(3, DONE), (1, NA)])
    result = publish_q1()
    design = result.units.get(kind="function", code="design")
    assert (design.assessed, design.rank, design.grade, design.amount) == (False, None, "", 0)
    marketing = result.units.get(kind="function", code="marketing")
    assert (marketing.done, marketing.applicable, marketing.rank, marketing.amount) == (3, 3, 1, 3000)
    hk = result.units.get(kind="project", code="HK")
    assert hk.assessed is False


def test_the_policy_in_force_on_the_quarters_last_day_is_used_and_recorded(people, example) -> None:
    Policy.objects.create(effective_from=dt.date(2026, 3, 31), amount=5000, reward_above_percent=95, penalty_below_percent=55)
    Policy.objects.create(effective_from=dt.date(2026, 4, 1), amount=9000, reward_above_percent=80, penalty_below_percent=70)
    result = publish_q1()
    assert result.snapshot["policy"]["amount"] == 5000
    amounts = dict(result.units.exclude(amount=0).values_list("code", "amount"))
    # Rank 1 above 95%: design and property (100%) earn 5000; engineering 50% < 55% is fined.
    assert amounts == {"design": 5000, "property": 5000, "engineering": -5000}


def test_an_amendment_is_a_new_version_with_a_reason_and_the_ledger_is_reversed_and_reposted(
    people, example, django_capture_on_commit_callbacks
) -> None:
    v1 = publish_q1()
    # Operations correct HK engineering: one of its 一级 items was in fact done (2/8 → 5/8); engineering 11/16 = 68.75.
    item = InspectionItem.objects.filter(inspection=example[("HK", "engineering")], verdict=NOT_DONE).first()
    InspectionItem.objects.filter(pk=item.pk).update(verdict=DONE)
    with time_machine.travel(after(Q1, days=20), tick=False), django_capture_on_commit_callbacks(execute=True):
        v2 = quarter_amend(quarter=Q1, user=people.inspector.user, reason="HK 工程检查结果更正")
    assert (v2.version, v2.supersedes, v2.reason) == (2, v1, "HK 工程检查结果更正")
    assert v2.snapshot["supersedes"] == 1 and v2.snapshot["reason"] == "HK 工程检查结果更正"
    engineering = v2.units.get(kind="function", code="engineering")
    assert (engineering.done, engineering.applicable, engineering.grade, engineering.amount) == (11, 16, "B-", 0)
    # v1 stays readable and unchanged.
    assert QuarterResult.objects.get(pk=v1.pk).units.get(kind="function", code="engineering").amount == -3000
    # Ledger: v1's three entries reversed, v2's two posted.
    reversals = LedgerEntry.objects.filter(result=v2, reverses__isnull=False)
    assert sorted(reversals.values_list("unit_code", "amount")) == [("design", -3000), ("engineering", 3000), ("property", -3000)]
    posted = LedgerEntry.objects.filter(result=v2, reverses__isnull=True)
    assert sorted(posted.values_list("unit_code", "amount")) == [("design", 3000), ("property", 3000)]
    outbox_deliver()  # the worker, after both commits (SPEC §7)
    assert set(Notification.objects.values_list("kind", "period")) == {
        (NotificationKind.RESULT_PUBLISHED, "2026Q1v1"),
        (NotificationKind.RESULT_AMENDED, "2026Q1v2"),
    }


def test_an_amendment_uses_the_bands_now_in_force(people, example) -> None:
    publish_q1()
    GradeBand.objects.filter(label="B-").update(min_percent=Decimal("67.00"))  # marketing and HK at 66.67 drop to C
    v2 = quarter_amend(quarter=Q1, user=None, reason="等级档更正")
    assert v2.units.get(kind="function", code="marketing").grade == "C"
    assert v2.snapshot["bands"][3] == {"label": "B-", "min_percent": "67.00"}


def test_amendments_are_refused_without_reason_before_publication_and_when_nothing_changes(people, example) -> None:
    with pytest.raises(PublicationRefused, match="尚未发布"):
        quarter_amend(quarter=Q1, user=None, reason="更正")
    publish_q1()
    with pytest.raises(PublicationRefused, match="原因"):
        quarter_amend(quarter=Q1, user=None, reason="  ")
    with pytest.raises(PublicationRefused, match="相同"):
        quarter_amend(quarter=Q1, user=None, reason="更正")
    assert QuarterResult.objects.count() == 1


def test_a_project_no_longer_active_but_inspected_this_quarter_is_still_a_unit(people) -> None:
    closed = ProjectFactory(code="ZZ", name="东原·已结束项目", is_active=False)
    inspect(closed, "design", Q1, [(3, DONE)])
    result = publish_q1()
    assert result.units.filter(kind="project").count() == 3
    assert result.units.get(code="ZZ").rank == 1


def test_no_policy_in_force_refuses_the_preview(people) -> None:
    with pytest.raises(PublicationRefused, match="奖惩政策"):
        quarter_preview(quarter=Quarter(2015, 4))


def test_the_preview_writes_nothing(people, example) -> None:
    preview = quarter_preview(quarter=Q1)
    assert preview.outcome.result_for(services.engine.UnitKey.function("design")).rank == 1
    assert not QuarterResult.objects.exists() and not LedgerEntry.objects.exists()
