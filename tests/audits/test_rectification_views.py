"""Rectification pages (SPEC §14): the permission matrix over every new URL and role, the lead's home panel, the
inspection and results pages, the register's filters and download, reminders across the due date, fixed queries."""

from __future__ import annotations

import datetime as dt
import io
from io import StringIO

import pytest
import time_machine
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import CommandError, call_command
from django.urls import reverse

from audits.models import Rectification
from audits.rectifications.exports import REGISTER_COLUMNS
from audits.rectifications.jobs import reminder_period
from audits.rectifications.services import rectification_submit, rectification_verify
from core.dates import SHANGHAI
from notifications.models import Notification
from scoring.models import PlanState, RectificationPlan
from scoring.plans import PLAN_COLUMNS, plan_submit
from tests.audits.builders_inspections import AFTER_Q1
from tests.audits.builders_rectifications import finalised_cell, photo
from tests.audits.builders_selfchecks import png_bytes
from tests.scoring.builders import sheet_names, sheet_rows
from touchpoints.choices import Function

pytestmark = pytest.mark.django_db

ROLES = ("lead", "director", "head", "inspector", "hr", "outsider")


@pytest.fixture(autouse=True)
def _after_q1(time_machine) -> None:
    time_machine.move_to(AFTER_Q1, tick=False)


@pytest.fixture
def world(people):
    """GG × marketing: one open and one submitted rectification (the lead's); HK × design: the outsider's;
    a plan owed by GG (its director) and one filed, with a file, by the marketing head."""
    finalised_cell(people)
    open_rect, submitted = Rectification.objects.order_by("code")
    submitted = rectification_submit(rectification=submitted, user=people.user("lead"), description="已整改", uploads=[photo()])
    finalised_cell(people, function=Function.DESIGN, project=people.other_project, verdicts=(NOT_DONE_,), claims=("",))
    other = Rectification.objects.get(function=Function.DESIGN)
    common = dict(year=2026, quarter=1, amount=-3000, opened_on=dt.date(2026, 4, 10), due_date=dt.date(2026, 4, 17))
    project_plan = RectificationPlan.objects.create(
        unit_kind="project", unit_code="GG", unit_name="东原·光谷印", owner=people.user("director"), **common
    )
    function_plan = RectificationPlan.objects.create(
        unit_kind="function", unit_code="marketing", unit_name="营销", owner=people.user("head"), **common
    )
    content = png_bytes()
    function_plan = plan_submit(
        plan=function_plan, user=people.user("head"), text="加强培训", upload=(io.BytesIO(content), "方案.png", len(content))
    )
    return {
        "open": open_rect,
        "submitted": submitted,
        "other": other,
        "project_plan": project_plan,
        "function_plan": function_plan,
    }


NOT_DONE_ = "not_done"


def urls(world) -> dict[str, tuple[str, str, dict]]:
    proof = world["submitted"].files.first()
    return {
        "register": ("get", reverse("audits:rectifications"), {}),
        "register_filtered": ("get", reverse("audits:rectifications"), {"state": "open", "overdue": "1", "false_claim": "1"}),
        "export": ("get", reverse("audits:rectification_export", args=[2026]), {}),
        "detail": ("get", reverse("audits:rectification", args=[world["open"].pk]), {}),
        "other_detail": ("get", reverse("audits:rectification", args=[world["other"].pk]), {}),
        "submit": (
            "post",
            reverse("audits:rectification_submit", args=[world["open"].pk]),
            {"description": "已补", "files": SimpleUploadedFile("p.png", png_bytes())},
        ),
        "verify": ("post", reverse("audits:rectification_verify", args=[world["submitted"].pk]), {}),
        "return": ("post", reverse("audits:rectification_return", args=[world["submitted"].pk]), {"comment": "不清楚"}),
        "file": ("get", reverse("audits:rectification_file", args=[proof.pk]), {}),
        "plans": ("get", reverse("scoring:plans"), {}),
        "plan": ("get", reverse("scoring:plan", args=[world["project_plan"].pk]), {}),
        "plan_submit": ("post", reverse("scoring:plan_submit", args=[world["project_plan"].pk]), {"text": "整改方案"}),
        "plan_acknowledge": ("post", reverse("scoring:plan_acknowledge", args=[world["function_plan"].pk]), {}),
        "plan_file": ("get", reverse("scoring:plan_file", args=[world["function_plan"].pk]), {}),
    }


ALL = dict.fromkeys(ROLES, 200)
OPS_HR = {"lead": 404, "director": 404, "head": 404, "inspector": 200, "hr": 404, "outsider": 404} | {"hr": 200}
ONLY = lambda role, status: {r: status if r == role else 404 for r in ROLES}  # noqa: E731
EXPECTED = {
    "register": ALL,  # narrowed to one's own cells (the outsider sees HK design's)
    "register_filtered": ALL,
    "export": OPS_HR,
    "detail": {"lead": 200, "director": 200, "head": 200, "inspector": 200, "hr": 200, "outsider": 404},
    "other_detail": {"lead": 404, "director": 404, "head": 404, "inspector": 200, "hr": 200, "outsider": 200},
    "submit": ONLY("lead", 302),
    "verify": ONLY("inspector", 302),
    "return": ONLY("inspector", 302),
    "file": {"lead": 200, "director": 200, "head": 200, "inspector": 200, "hr": 200, "outsider": 404},
    "plans": {"lead": 404, "director": 200, "head": 200, "inspector": 200, "hr": 200, "outsider": 404},
    "plan": {"lead": 404, "director": 200, "head": 404, "inspector": 200, "hr": 200, "outsider": 404},
    "plan_submit": ONLY("director", 302),
    "plan_acknowledge": ONLY("inspector", 302),
    "plan_file": {"lead": 404, "director": 404, "head": 200, "inspector": 200, "hr": 200, "outsider": 404},
}


@pytest.mark.parametrize("role", ROLES)
@pytest.mark.parametrize("kind", list(EXPECTED))
def test_permission_matrix(client, people, world, kind, role) -> None:
    method, url, data = urls(world)[kind]
    client.force_login(people.user(role))
    response = getattr(client, method)(url, data)
    assert response.status_code == EXPECTED[kind][role], f"{kind} as {role}"


def test_anonymous_users_are_sent_to_sign_in(client, world) -> None:
    for method, url, data in urls(world).values():
        response = getattr(client, method)(url, data)
        assert response.status_code == 302 and "/accounts/login/" in response["Location"]


def test_a_get_on_a_step_is_refused_and_readers_change_nothing(client, people, world) -> None:
    client.force_login(people.user("inspector"))
    assert client.get(reverse("audits:rectification_verify", args=[world["submitted"].pk])).status_code == 405
    for role in ("hr", "director", "head", "outsider"):
        client.force_login(people.user(role))
        for kind in ("submit", "verify", "return", "plan_acknowledge") + (() if role == "director" else ("plan_submit",)):
            method, url, data = urls(world)[kind]
            getattr(client, method)(url, data)
    states = dict(Rectification.objects.values_list("pk", "state"))
    assert states[world["open"].pk] == "open" and states[world["submitted"].pk] == "submitted"
    assert RectificationPlan.objects.get(pk=world["project_plan"].pk).state == PlanState.PENDING
    assert RectificationPlan.objects.get(pk=world["function_plan"].pk).state == PlanState.SUBMITTED


def test_the_pages_show_refusals_with_their_reason(client, people, world) -> None:
    client.force_login(people.user("lead"))
    page = client.post(
        reverse("audits:rectification_submit", args=[world["open"].pk]),
        {"description": "已补", "files": SimpleUploadedFile("p.png", b"MZ\x90 not an image")},
        follow=True,
    ).content.decode()
    assert "内容不是允许的类型" in page
    page = client.post(reverse("audits:rectification_submit", args=[world["open"].pk]), {"description": ""}, follow=True)
    assert "请填写整改说明" in page.content.decode()
    assert Rectification.objects.get(pk=world["open"].pk).state == "open"


def test_the_lead_sees_theirs_on_home_with_due_dates_and_overdue(client, people, world) -> None:
    client.force_login(people.user("lead"))
    page = client.get(reverse("home")).content.decode()
    assert 'id="my-rectifications"' in page and world["open"].code in page and "2026-04-20" in page
    assert "rect-overdue" not in page
    with time_machine.travel(dt.datetime(2026, 4, 21, 10, tzinfo=SHANGHAI), tick=False):
        client.force_login(people.user("lead"))
        page = client.get(reverse("home")).content.decode()
    assert "rect-overdue" in page and "逾期" in page
    client.force_login(people.user("director"))
    page = client.get(reverse("home")).content.decode()
    assert 'id="unit-rectifications"' in page and world["open"].code in page
    assert "待提交的整改方案" in page and "东原·光谷印" in page  # the project's plan is the director's to file
    client.force_login(people.user("inspector"))
    page = client.get(reverse("home")).content.decode()
    assert "待验证" in page and "待确认的整改方案" in page


def test_the_inspection_page_shows_the_cells_open_and_recently_verified(client, people, world) -> None:
    rectification_verify(rectification=world["submitted"], user=people.user("inspector"))
    client.force_login(people.user("director"))
    page = client.get(reverse("audits:inspection", args=["2026Q1", "GG", "marketing"])).content.decode()
    assert 'id="cell-rectifications"' in page
    assert page.count("cell-rectification-open") == 1 and page.count("cell-rectification-verified") == 1


def test_the_register_filters(client, people, world) -> None:
    client.force_login(people.user("hr"))
    url = reverse("audits:rectifications")
    assert client.get(url).content.decode().count('class="rectification-row"') == 3
    assert client.get(url, {"state": "submitted"}).content.decode().count('class="rectification-row"') == 1
    assert client.get(url, {"function": "design"}).content.decode().count('class="rectification-row"') == 1
    assert client.get(url, {"project": "HK"}).content.decode().count('class="rectification-row"') == 1
    assert client.get(url, {"false_claim": "1"}).content.decode().count('class="rectification-row"') == 1
    assert client.get(url, {"quarter": "2026Q2"}).content.decode().count('class="rectification-row"') == 0
    assert client.get(url, {"overdue": "1"}).content.decode().count('class="rectification-row"') == 0
    with time_machine.travel(dt.datetime(2026, 4, 25, 10, tzinfo=SHANGHAI), tick=False):
        client.force_login(people.user("hr"))
        assert client.get(url, {"overdue": "1"}).content.decode().count('class="rectification-row"') == 3
    # A lead's register holds their own cells only.
    client.force_login(people.user("outsider"))
    page = client.get(url).content.decode()
    assert page.count('class="rectification-row"') == 1 and world["other"].code in page
    client.force_login(people.user("hr"))
    # Nonsense filters are ignored, never an error.
    assert client.get(url, {"quarter": "bad", "state": "x", "function": "y"}).status_code == 200
    # HR is read-only: no step forms on a rectification.
    page = client.get(reverse("audits:rectification", args=[world["submitted"].pk])).content.decode()
    assert "rectification-verify-form" not in page and "rectification-submit-form" not in page


def test_the_register_workbook_has_exactly_the_spec_columns(client, people, world, tmp_path) -> None:
    rectification_verify(rectification=world["submitted"], user=people.user("inspector"))
    with time_machine.travel(dt.datetime(2026, 4, 25, 10, tzinfo=SHANGHAI), tick=False):
        call_command("export_rectifications", "2026", "--output", str(tmp_path / "r.xlsx"), stdout=StringIO())
        client.force_login(people.user("inspector"))
        download = client.get(reverse("audits:rectification_export", args=[2026]))
    workbook = (tmp_path / "r.xlsx").read_bytes()
    assert sheet_names(workbook) == ["整改台账", "整改方案"]
    rows = sheet_rows(workbook, "整改台账")
    assert rows[0] == REGISTER_COLUMNS == (
        "季度", "项目编号", "职能", "触点编号", "触点名称", "检查发现", "虚报", "责任人工号", "责任人", "截止日期", "状态",
        "整改说明", "验证人", "验证日期",
    )  # fmt: skip
    by_code = {(r[1], r[3]): r for r in rows[1:]}
    opened, verified = world["open"], world["submitted"]
    lead = people.lead
    assert by_code[("GG", opened.code)] == (
        "2026Q1", "GG", "营销", opened.code, opened.name, "发现1", "是", lead.employee_id, "杨帆",
        dt.datetime(2026, 4, 20), "待整改·逾期", None, None, None,
    )  # fmt: skip
    assert by_code[("GG", verified.code)][6:] == (
        None, lead.employee_id, "杨帆", dt.datetime(2026, 4, 20), "已验证", "已整改", "潘慧", dt.datetime(2026, 4, 5),
    )  # fmt: skip
    plans = sheet_rows(workbook, "整改方案")
    assert plans[0] == PLAN_COLUMNS == ("季度", "考核单元", "负责人", "截止日期", "状态", "提交日期")
    assert sorted(plans[1:]) == sorted(
        [
            ("2026Q1", "东原·光谷印", "张伟", dt.datetime(2026, 4, 17), "待提交", None),
            ("2026Q1", "营销", "周立新", dt.datetime(2026, 4, 17), "已提交", dt.datetime(2026, 4, 5)),
        ]
    )
    assert download.status_code == 200 and sheet_rows(download.content, "整改台账") == rows


def test_the_command_refuses_a_bad_year() -> None:
    with pytest.raises(CommandError, match="年度格式"):
        call_command("export_rectifications", "26", "--output", "/tmp/x.xlsx")


def test_results_page_shows_open_and_overdue_counts_per_unit(client, people, world) -> None:
    from scoring.services import quarter_publish
    from tests.audits.builders_inspections import Q1

    quarter_publish(quarter=Q1, user=None, confirm_missing=True)
    with time_machine.travel(dt.datetime(2026, 4, 25, 10, tzinfo=SHANGHAI), tick=False):
        client.force_login(people.user("hr"))
        page = client.get("/results/2026Q1/").content.decode()
    assert 'id="results-rectifications"' in page
    assert page.count("results-rectification-row") == 4  # marketing 2, design 1, GG 2, HK 1 — all overdue by now
    # Every unit fined under R13 owes a plan after publication, one each (GG and marketing already had theirs).
    assert sorted(RectificationPlan.objects.values_list("unit_kind", "unit_code")) == [
        ("function", "design"),
        ("function", "marketing"),
        ("project", "GG"),
        ("project", "HK"),
    ]


def test_reminders_exactly_once_across_the_due_date(people) -> None:
    finalised_cell(people, verdicts=("not_done",), claims=("",))
    rect = Rectification.objects.get()
    assert rect.due_date == dt.date(2026, 4, 20)
    lead, director = people.user("lead"), people.user("director")
    day = dt.date(2026, 4, 6)
    while day <= dt.date(2026, 5, 20):
        with time_machine.travel(dt.datetime.combine(day, dt.time(9), tzinfo=SHANGHAI), tick=False):
            for _twice in range(2):
                call_command("run_scheduled", "--date", day.isoformat(), "--job", "rectification_reminders", stdout=StringIO())
        day += dt.timedelta(days=1)
    sent = sorted(
        (n.kind, n.recipient.username, n.created_at.astimezone(SHANGHAI).date())
        for n in Notification.objects.filter(period=reminder_period(rect))
    )
    assert sent == sorted(
        [
            ("rectification_due_soon", lead.username, dt.date(2026, 4, 17)),
            ("rectification_due", lead.username, dt.date(2026, 4, 20)),
            ("rectification_escalated", director.username, dt.date(2026, 4, 23)),
        ]
    )


def test_a_verified_rectification_is_neither_reminded_nor_escalated(people) -> None:
    finalised_cell(people, verdicts=("not_done",), claims=("",))
    rect = Rectification.objects.get()
    rect = rectification_submit(rectification=rect, user=people.user("lead"), description="已整改", uploads=[photo()])
    rectification_verify(rectification=rect, user=people.user("inspector"))
    for day in (dt.date(2026, 4, 17), dt.date(2026, 4, 20), dt.date(2026, 4, 23)):
        call_command("run_scheduled", "--date", day.isoformat(), stdout=StringIO())
    assert not Notification.objects.filter(period=reminder_period(rect)).exists()


def _grow(people, count: int) -> None:
    """More rectifications in the lead's cell: earlier quarters' inspections, each with a not-done item."""
    from audits.rectifications.services import rectifications_open
    from core.dates import Quarter
    from tests.audits.builders_inspections import inspection

    for index in range(count):
        quarter = Quarter(2025 - index // 4, 4 - index % 4)
        extra = inspection(people.project, Function.MARKETING, [(3, "not_done"), (2, "not_done")], quarter=quarter)
        rectifications_open(inspection=extra, user=people.user("inspector"))


@pytest.mark.parametrize(
    "path",
    ["/", "/audits/rectifications/", "/audits/inspections/2026Q1/GG/marketing/"],
)
def test_pages_take_a_fixed_number_of_queries(client, people, world, path, django_assert_max_num_queries) -> None:
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    client.force_login(people.user("lead") if path == "/" else people.user("inspector"))
    client.get(path)  # warm the scope
    with CaptureQueriesContext(connection) as small:
        assert client.get(path).status_code == 200
    _grow(people, 8)
    with django_assert_max_num_queries(len(small)):
        assert client.get(path).status_code == 200


def test_without_a_director_the_escalation_goes_to_operations(people) -> None:
    from touchpoints.models import Assignment

    finalised_cell(people, verdicts=("not_done",), claims=("",))
    rect = Rectification.objects.get()
    Assignment.objects.filter(person=people.director).delete()
    call_command("run_scheduled", "--date", "2026-04-23", "--job", "rectification_reminders", stdout=StringIO())
    escalated = Notification.objects.get(period=reminder_period(rect), kind="rectification_escalated")
    assert escalated.recipient == people.user("inspector")
    from notifications.kinds import render

    assert rect.code in render(escalated.kind, escalated.params).subject and escalated.url == reverse(
        "audits:rectification", args=[rect.pk]
    )


def test_the_pages_read_in_english(client, people, world) -> None:
    client.force_login(people.user("lead"))
    client.cookies["django_language"] = "en"
    page = client.get(reverse("home"), HTTP_ACCEPT_LANGUAGE="en").content.decode()
    assert "My rectifications" in page and "我的整改" not in page
    page = client.get(reverse("audits:rectification", args=[world["open"].pk]), HTTP_ACCEPT_LANGUAGE="en").content.decode()
    assert "Description of the fix" in page and "To fix" in page


def test_plan_pages_take_a_fixed_number_of_queries(client, people, world, django_assert_max_num_queries) -> None:
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    client.force_login(people.user("hr"))
    client.get(reverse("scoring:plans"))
    with CaptureQueriesContext(connection) as small:
        assert client.get(reverse("scoring:plans")).status_code == 200
    for number in range(2, 5):
        RectificationPlan.objects.create(
            year=2025, quarter=number, unit_kind="project", unit_code="GG", unit_name="东原·光谷印", amount=-3000,
            owner=people.user("director"), opened_on=dt.date(2025, 4, 10), due_date=dt.date(2025, 4, 17),
        )  # fmt: skip
    with django_assert_max_num_queries(len(small)):
        assert client.get(reverse("scoring:plans")).content.decode().count("东原·光谷印") == 4
