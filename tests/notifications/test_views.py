"""The notification centre (list, mark read) and operations' sent log: access, behaviour, fixed query counts."""

from __future__ import annotations

import json

import pytest
from django.urls import reverse
from django.utils import timezone

from notifications.choices import NotificationKind
from notifications.models import Notification
from notifications.services import notify_later
from tests.factories import PersonFactory
from tests.notifications.builders import deliver

pytestmark = pytest.mark.django_db


def send(user, period: str, kind: str = NotificationKind.SELFCHECK_DUE, url: str = "/audits/selfchecks/") -> Notification:
    params = {"legacy": {"subject": f"提醒 {period}", "body": "请提交\n第二行"}}
    return notify_later(user=user, kind=kind, period=period, params=params, url=url)


def signed_in(client, people, role: str):
    client.force_login(people.user(role))
    return client


def test_list_shows_my_notifications_only_and_the_unread_filter(client, people) -> None:
    mine = send(people.user("lead"), "2028-01")
    send(people.user("lead"), "2028-02").read_at = None
    theirs = send(people.user("director"), "2028-01")
    Notification.objects.filter(pk=mine.pk).update(read_at="2028-01-30T10:00:00+08:00")
    response = signed_in(client, people, "lead").get(reverse("notifications:list"))
    assert response.status_code == 200
    content = response.content.decode()
    assert "提醒 2028-01" in content and "提醒 2028-02" in content
    assert f"notification-{theirs.pk}" not in content
    assert "第二行" in content
    unread = client.get(reverse("notifications:list"), {"unread": "1"}).content.decode()
    assert "提醒 2028-02" in unread and "提醒 2028-01" not in unread


def test_mark_one_read_with_htmx_returns_the_item_and_the_new_count(client, people) -> None:
    first = send(people.user("lead"), "2028-01")
    send(people.user("lead"), "2028-02")
    response = signed_in(client, people, "lead").post(reverse("notifications:read", args=[first.pk]), HTTP_HX_REQUEST="true")
    assert response.status_code == 200
    assert f'id="notification-{first.pk}"' in response.content.decode()
    assert "已读于" in response.content.decode()
    assert json.loads(response["HX-Trigger"]) == {"notificationsUnread": {"count": 1}}
    first.refresh_from_db()
    assert first.read_at is not None


def test_mark_one_read_without_javascript_redirects_back(client, people) -> None:
    first = send(people.user("lead"), "2028-01")
    response = signed_in(client, people, "lead").post(
        reverse("notifications:read", args=[first.pk]), {"next": reverse("notifications:list") + "?unread=1"}
    )
    assert response.status_code == 302 and response["Location"] == reverse("notifications:list") + "?unread=1"
    # An outside address is never followed.
    response = client.post(reverse("notifications:read", args=[first.pk]), {"next": "https://evil.example.com/"})
    assert response["Location"] == reverse("notifications:list")


def test_someone_elses_notification_is_a_404_and_stays_unread(client, people) -> None:
    theirs = send(people.user("director"), "2028-01")
    client = signed_in(client, people, "lead")
    assert client.post(reverse("notifications:read", args=[theirs.pk])).status_code == 404
    assert client.post(reverse("notifications:open", args=[theirs.pk])).status_code == 404
    theirs.refresh_from_db()
    assert theirs.read_at is None


def test_reading_needs_post(client, people) -> None:
    first = send(people.user("lead"), "2028-01")
    assert signed_in(client, people, "lead").get(reverse("notifications:read", args=[first.pk])).status_code == 405


def test_open_marks_read_and_goes_to_the_page_to_act_on(client, people) -> None:
    first = send(people.user("lead"), "2028-01", url="/audits/selfchecks/")
    response = signed_in(client, people, "lead").post(reverse("notifications:open", args=[first.pk]))
    assert response.status_code == 302 and response["Location"] == "/audits/selfchecks/"
    first.refresh_from_db()
    assert first.read_at is not None


def test_mark_all_read(client, people) -> None:
    for period in ("2028-01", "2028-02", "2028-03"):
        send(people.user("lead"), period)
    send(people.user("director"), "2028-01")
    response = signed_in(client, people, "lead").post(reverse("notifications:read_all"))
    assert response.status_code == 302
    assert not Notification.objects.filter(recipient=people.user("lead"), read_at__isnull=True).exists()
    assert Notification.objects.filter(recipient=people.user("director"), read_at__isnull=True).count() == 1


def test_the_bell_badge_counts_unread(client, people) -> None:
    send(people.user("lead"), "2028-01")
    send(people.user("lead"), "2028-02")
    read = send(people.user("lead"), "2028-03")
    Notification.objects.filter(pk=read.pk).update(read_at=timezone.now())  # read: not counted
    send(people.user("director"), "2028-01")  # someone else's: not counted
    content = signed_in(client, people, "lead").get(reverse("notifications:list")).content.decode()
    assert 'text-bg-danger">2</span>' in content


def test_the_home_panel_lists_unread_reminders_in_one_query(rf, people, django_assert_num_queries) -> None:
    from django.template.loader import render_to_string

    from core.access import scope_for
    from notifications.home import panels

    request = rf.get("/")
    request.user = people.user("lead")
    scope = scope_for(request.user)
    with django_assert_num_queries(1):
        assert panels(request=request, scope=scope, today=None) == []
    first = send(people.user("lead"), "2028-01")
    send(people.user("lead"), "2028-02")
    with django_assert_num_queries(1):
        [panel] = panels(request=request, scope=scope, today=None)
    html = render_to_string(panel.template, {"panel": panel.context}, request=request)
    assert "未读提醒" in html and "提醒 2028-02" in html
    assert reverse("notifications:open", args=[first.pk]) in html


@pytest.mark.parametrize("role", ["lead", "director", "head", "hr", "outsider"])
def test_the_sent_log_is_for_operations_only(client, people, role: str) -> None:
    assert signed_in(client, people, role).get(reverse("notifications:sent")).status_code == 404


def test_the_sent_log_shows_what_was_sent_to_whom_with_filters(client, people) -> None:
    send(people.user("lead"), "2028-02")
    send(people.user("outsider"), "2028-02")
    send(people.user("lead"), "2028-01")
    send(people.user("inspector"), "2028-02", kind=NotificationKind.MISSING_DIGEST)
    deliver()
    client = signed_in(client, people, "inspector")
    content = client.get(reverse("notifications:sent")).content.decode()
    assert "杨帆" in content and "外人" in content and people.lead.email in content
    assert 'data-stat="total">4<' in content
    filtered = client.get(reverse("notifications:sent"), {"kind": NotificationKind.SELFCHECK_DUE, "period": "2028-02"})
    content = filtered.content.decode()
    assert 'data-stat="total">2<' in content
    assert "杨帆" in content and "外人" in content and "潘慧" not in content.split("<tbody>")[1]


def _many(people, n: int) -> None:
    for i in range(n):
        person = PersonFactory(name=f"经理{i}")
        send(person.user, "2028-02")
        send(
            people.user("lead"),
            f"2027-{i % 12 + 1:02d}",
            kind=NotificationKind.SELFCHECK_DUE_SOON if i >= 12 else NotificationKind.SELFCHECK_DUE,
        )


@pytest.mark.parametrize("n", [2, 40])
def test_the_pages_use_a_fixed_number_of_queries(client, people, django_assert_max_num_queries, n: int) -> None:
    _many(people, n)
    client.force_login(people.user("inspector"))
    with django_assert_max_num_queries(12):  # 10 + the group robots' log + R5b memberships in the scope
        assert client.get(reverse("notifications:sent"), {"period": "2028-02"}).status_code == 200
    client.force_login(people.user("lead"))
    with django_assert_max_num_queries(10):  # 8 + the reader's e-mail language + R5b memberships in the scope
        assert client.get(reverse("notifications:list")).status_code == 200
