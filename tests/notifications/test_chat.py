"""Group robots (SPEC §15): posts to a REAL local HTTP server standing in for WeCom and DingTalk — it checks the
payload, the WeCom key and the DingTalk signature itself, as the robots do. No HTTP client is mocked."""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import threading
import time
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qs, unquote_plus, urlsplit

import pytest
from django.core import mail
from django.urls import reverse

from notifications.choices import ChatProvider, DeliveryState, NotificationKind, WebhookScope
from notifications.delivery import outbox_deliver
from notifications.models import ChatMessage, Notification, Webhook
from notifications.services import notify_later
from touchpoints.choices import Function

pytestmark = pytest.mark.django_db

SECRET = "SEC0123456789abcdef"
WECOM_KEY = "693a91f6-7xxx-4bc4-97a0-0ec2sifa5aaa"
DING_TOKEN = "ding-token-1"
PARAMS = {"year": 2028, "month": 2, "due": "2028-02-29", "cells": [["东原·光谷印", "marketing"]]}


@dataclass
class Robot:
    """What the local server received and how it answers next."""

    received: list[dict] = field(default_factory=list)
    answer: str = "ok"  # ok | error | http500 | slow
    delay: float = 0.0


def verify_dingtalk(query: dict[str, list[str]]) -> bool:
    """DingTalk's own check: sign == base64(HMAC-SHA256(secret, "timestamp\\nsecret")), within an hour."""
    timestamp = query["timestamp"][0]
    if abs(int(timestamp) - time.time() * 1000) > 3600 * 1000:
        return False
    expected = base64.b64encode(hmac.new(SECRET.encode(), f"{timestamp}\n{SECRET}".encode(), hashlib.sha256).digest()).decode()
    return hmac.compare_digest(query["sign"][0], expected)


@pytest.fixture
def robot(settings):
    state = Robot()

    class Handler(BaseHTTPRequestHandler):
        def log_message(self, *args) -> None:  # keep the test output clean
            pass

        def do_POST(self) -> None:
            url = urlsplit(self.path)
            # parse_qs decodes once: the URL-encoded signature arrives as DingTalk decodes it.
            query = parse_qs(url.query)
            body = json.loads(self.rfile.read(int(self.headers["Content-Length"])))
            if state.answer == "slow":
                time.sleep(state.delay)
            if url.path == "/robot/send":
                ok = query.get("access_token") == [DING_TOKEN] and verify_dingtalk(query)
                provider = "dingtalk"
                valid = body.get("msgtype") == "markdown" and {"title", "text"} <= set(body["markdown"])
            else:
                ok = query.get("key") == [WECOM_KEY]
                provider = "wecom"
                valid = body.get("msgtype") == "markdown" and "content" in body["markdown"]
            state.received.append({"provider": provider, "query": query, "body": body, "signed": ok})
            if state.answer == "http500":
                self.send_response(500)
                self.end_headers()
                return
            if not ok:
                answer = {"errcode": 310000, "errmsg": "sign not match"}
            elif not valid:
                answer = {"errcode": 40035, "errmsg": "invalid payload"}
            elif state.answer == "error":
                answer = {"errcode": 45009, "errmsg": "api freq out of limit"}
            else:
                answer = {"errcode": 0, "errmsg": "ok"}
            data = json.dumps(answer).encode()
            self.send_response(200)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(data)))
            self.end_headers()
            self.wfile.write(data)

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    port = server.server_address[1]
    settings.WECOM_WEBHOOK_URL = f"http://127.0.0.1:{port}/cgi-bin/webhook/send"
    settings.DINGTALK_WEBHOOK_URL = f"http://127.0.0.1:{port}/robot/send"
    settings.CHAT_TIMEOUT_SECONDS = 1
    settings.SITE_URL = "https://touchpoint.example.cn"
    try:
        yield state
    finally:
        server.shutdown()
        server.server_close()
        thread.join(5)


def dingtalk(**kwargs) -> Webhook:
    defaults = {"name": "运营群", "provider": ChatProvider.DINGTALK, "token": DING_TOKEN, "secret": SECRET}
    return Webhook.objects.create(**{**defaults, **kwargs})


def wecom(**kwargs) -> Webhook:
    defaults = {"name": "光谷印项目群", "provider": ChatProvider.WECOM, "token": WECOM_KEY}
    return Webhook.objects.create(**{**defaults, **kwargs})


def remind(user, period: str = "2028-02"):
    return notify_later(user=user, kind=NotificationKind.SELFCHECK_DUE, period=period, params=PARAMS, url="/audits/selfchecks/")


def test_a_reminder_is_posted_to_dingtalk_signed_as_markdown_with_a_link(people, robot) -> None:
    hook = dingtalk()
    remind(people.user("lead"))
    report = outbox_deliver()
    assert (report.emailed, report.posted) == (1, 1)
    [request] = robot.received
    assert request["provider"] == "dingtalk" and request["signed"]
    markdown = request["body"]["markdown"]
    assert markdown["title"] == "【今日截止】2028年2月月度自检今天截止"
    assert "### 【今日截止】2028年2月月度自检今天截止" in markdown["text"]
    assert "杨帆" in markdown["text"]
    assert "(https://touchpoint.example.cn/audits/selfchecks/)" in markdown["text"]
    post = ChatMessage.objects.get()
    assert (post.webhook, post.state, post.attempts, post.last_error) == (hook, DeliveryState.SENT, 1, "")


def test_a_wrong_signing_secret_is_refused_retried_then_failed_and_the_email_still_goes(people, robot, settings) -> None:
    settings.NOTIFICATIONS_CHAT_MAX_ATTEMPTS = 3
    dingtalk(secret="SECwrong")
    remind(people.user("lead"))
    outbox_deliver()
    assert len(mail.outbox) == 1  # the e-mail does not wait for the robot
    post = ChatMessage.objects.get()
    assert post.state == DeliveryState.PENDING and post.attempts == 1 and "310000" in post.last_error
    first_retry = post.next_attempt_at
    outbox_deliver()  # backoff: not due yet
    assert len(robot.received) == 1
    outbox_deliver(force=True)
    post.refresh_from_db()
    assert post.attempts == 2 and post.next_attempt_at > first_retry  # exponential backoff
    outbox_deliver(force=True)
    post.refresh_from_db()
    assert (post.state, post.attempts) == (DeliveryState.FAILED, 3)
    assert "sign not match" in post.last_error
    assert not any(r["signed"] for r in robot.received) and len(robot.received) == 3
    outbox_deliver(force=True)
    assert len(robot.received) == 3  # failed is final
    assert len(mail.outbox) == 1


@pytest.mark.parametrize(("answer", "error"), [("http500", "HTTP 500"), ("slow", "timed out"), ("error", "45009")])
def test_a_robot_that_errors_or_times_out_is_retried_and_logged(people, robot, answer, error) -> None:
    robot.answer, robot.delay = answer, 2.0
    wecom()
    remind(people.user("lead"))
    outbox_deliver()
    post = ChatMessage.objects.get()
    assert post.state == DeliveryState.PENDING and post.attempts == 1
    assert error in post.last_error
    assert len(mail.outbox) == 1
    robot.answer = "ok"
    outbox_deliver(force=True)
    post.refresh_from_db()
    assert post.state == DeliveryState.SENT and post.attempts == 2


def test_wecom_takes_its_key_in_the_url(people, robot) -> None:
    wecom()
    remind(people.user("lead"))
    outbox_deliver()
    [request] = robot.received
    assert request["signed"] and request["query"]["key"] == [WECOM_KEY]
    assert request["body"]["markdown"]["content"].startswith("### 【今日截止】")


def test_once_per_webhook_kind_and_period_for_the_units_of_the_recipients(people, robot) -> None:
    company = dingtalk(name="公司群")
    gg = wecom(name="光谷印群", scope=WebhookScope.PROJECT, project=people.project)
    hk = wecom(name="汉口群", scope=WebhookScope.PROJECT, project=people.other_project)
    marketing = wecom(name="营销群", scope=WebhookScope.FUNCTION, function=Function.MARKETING)
    design = wecom(name="研发群", scope=WebhookScope.FUNCTION, function=Function.DESIGN)
    for role in ("lead", "director", "head"):  # two of GG's people, and the marketing head
        remind(people.user(role))
    outbox_deliver()
    posts = {p.webhook_id: p for p in ChatMessage.objects.all()}
    assert set(posts) == {company.pk, gg.pk, marketing.pk}
    assert hk.pk not in posts and design.pk not in posts
    assert sorted(posts[gg.pk].addressees) == ["张伟", "杨帆"]
    assert posts[marketing.pk].addressees == ["周立新"]
    assert len(robot.received) == 3
    # The same kind and period again (a second run, a late recipient): nothing is posted twice.
    remind(people.user("outsider"))
    outbox_deliver()
    assert ChatMessage.objects.filter(webhook=company).count() == 1
    assert ChatMessage.objects.get(webhook=hk).state == DeliveryState.SENT  # HK's first post of this period
    assert len(robot.received) == 4


def test_a_kind_that_is_not_for_chat_posts_nothing(people, robot) -> None:
    dingtalk()
    notify_later(user=people.user("lead"), kind=NotificationKind.SPLIT_ACTION, period="split1", params={}, url="/")
    outbox_deliver()
    assert not ChatMessage.objects.exists() and robot.received == []


def test_a_switched_off_robot_gets_nothing(people, robot) -> None:
    dingtalk(active=False)
    remind(people.user("lead"))
    outbox_deliver()
    assert robot.received == [] and not ChatMessage.objects.exists()


def test_the_robot_posts_in_its_own_language(people, robot) -> None:
    wecom(language="en")
    remind(people.user("lead"))
    outbox_deliver()
    content = robot.received[0]["body"]["markdown"]["content"]
    assert content.startswith("### [Due today] The February 2028 self-check is due today")
    assert "[Open Touchpoint Audit](https://touchpoint.example.cn/audits/selfchecks/)" in content


# -- operations' page -----------------------------------------------------------------------------------------------


def test_operations_register_a_dingtalk_robot_and_the_test_button_sends_a_sample(client, people, robot) -> None:
    client.force_login(people.user("inspector"))
    page = client.get(reverse("notifications:webhooks"))
    assert page.status_code == 200
    response = client.post(
        reverse("notifications:webhooks"),
        {
            "name": "运营钉钉群",
            "provider": "dingtalk",
            "scope": "company",
            "token": f"https://oapi.dingtalk.com/robot/send?access_token={DING_TOKEN}",
            "secret": SECRET,
            "language": "zh-hans",
        },
    )
    assert response.status_code == 302
    hook = Webhook.objects.get()
    assert (hook.token, hook.secret, hook.created_by) == (DING_TOKEN, SECRET, people.user("inspector"))
    assert SECRET not in client.get(reverse("notifications:webhooks")).content.decode()  # the secret is never shown

    assert client.post(reverse("notifications:webhook_test", args=[hook.pk])).status_code == 302
    assert robot.received == []  # queued, never sent inside the request
    outbox_deliver()
    [request] = robot.received
    assert request["signed"] and "运营钉钉群" in request["body"]["markdown"]["text"]
    log = client.get(reverse("notifications:webhooks")).content.decode()
    assert 'data-chat-state="sent"' in log


def test_robots_are_registered_on_their_own_page_linked_from_the_list(client, people) -> None:
    """The list carries no form (its 60-project select cost more than the list): a button leads to the form, which
    posts to its own address and returns to the list; the list's old address still accepts the form's POST (above)."""
    from tests.factories import ProjectFactory

    ProjectFactory(code="ZZ9", name="登记页项目")
    client.force_login(people.user("inspector"))
    page = client.get(reverse("notifications:webhooks")).content.decode()
    new_url = reverse("notifications:webhook_new")
    assert f'href="{new_url}" data-testid="webhook-new"' in page
    assert 'name="token"' not in page and "登记页项目" not in page
    form = client.get(new_url)
    assert form.status_code == 200
    content = form.content.decode()
    assert 'name="token"' in content and "登记页项目</option>" in content
    english = client.get(new_url, HTTP_ACCEPT_LANGUAGE="en").content.decode()
    assert "Register a group robot" in english
    refused = client.post(new_url, {"name": "x", "provider": "wecom", "scope": "function", "token": "k", "language": "zh-hans"})
    assert refused.status_code == 400 and "职能群机器人需要选择职能" in refused.content.decode()
    response = client.post(
        new_url, {"name": "公司群", "provider": "wecom", "scope": "company", "token": "key-1", "language": "zh-hans"}
    )
    assert response.status_code == 302 and response["Location"] == reverse("notifications:webhooks")
    assert Webhook.objects.get().token == "key-1"
    for role in ("lead", "director"):
        client.force_login(people.user(role))
        assert client.get(new_url).status_code == 404
        assert client.post(new_url, {"name": "y"}).status_code == 404


def test_a_bad_robot_is_refused_with_a_message_and_nothing_is_saved(client, people) -> None:
    client.force_login(people.user("inspector"))
    response = client.post(
        reverse("notifications:webhooks"),
        {"name": "x", "provider": "dingtalk", "scope": "project", "token": "t", "language": "zh-hans"},
    )
    assert response.status_code == 400
    content = response.content.decode()
    assert "钉钉机器人需要填写加签密钥" in content and "项目群机器人需要选择项目" in content
    assert not Webhook.objects.exists()


@pytest.mark.parametrize("role", ["lead", "director", "head", "hr", "outsider"])
def test_only_operations_manage_robots(client, people, role) -> None:
    hook = dingtalk()
    client.force_login(people.user(role))
    assert client.get(reverse("notifications:webhooks")).status_code == 404
    assert client.post(reverse("notifications:webhook_test", args=[hook.pk])).status_code == 404
    assert client.post(reverse("notifications:webhook_toggle", args=[hook.pk])).status_code == 404
    assert Webhook.objects.get().active and not ChatMessage.objects.exists()


def test_the_sent_log_shows_each_posts_result(client, people, robot) -> None:
    robot.answer = "error"
    wecom()
    remind(people.user("lead"))
    outbox_deliver()
    client.force_login(people.user("inspector"))
    content = client.get(reverse("notifications:sent")).content.decode()
    assert 'data-chat-state="pending"' in content and "45009" in content
    assert Notification.objects.get().email_state == DeliveryState.SENT


def test_the_dingtalk_signature_matches_the_documented_example() -> None:
    """The algorithm of DingTalk's documentation, independently of the server above."""
    from notifications.chat import dingtalk_sign

    timestamp = 1577262236757
    secret = "this is secret"
    expected = base64.b64encode(hmac.new(secret.encode(), f"{timestamp}\n{secret}".encode(), hashlib.sha256).digest())
    assert unquote_plus(dingtalk_sign(secret, timestamp)) == expected.decode()


def test_a_publication_notice_is_posted_once_to_each_robot_of_the_assessed_units(people, robot) -> None:
    import time_machine

    from scoring.services import quarter_publish
    from tests.scoring.builders import Q1, after, build_worked_example

    company = dingtalk(name="公司群")
    gg = wecom(name="光谷印群", scope=WebhookScope.PROJECT, project=people.project)
    build_worked_example()
    with time_machine.travel(after(Q1, days=10), tick=False):
        quarter_publish(quarter=Q1, user=None)
    outbox_deliver()
    posts = {p.webhook_id: p for p in ChatMessage.objects.all()}
    assert set(posts) == {company.pk, gg.pk}
    assert all(p.state == DeliveryState.SENT and p.period == "2026Q1v1" for p in posts.values())
    assert sorted(posts[gg.pk].addressees) == ["张伟", "杨帆"]
    texts = [r["body"]["markdown"].get("text") or r["body"]["markdown"]["content"] for r in robot.received]
    assert len(texts) == 2
    assert all("2026年第1季度考核结果已发布" in t and "(https://touchpoint.example.cn/results/2026Q1/)" in t for t in texts)
    outbox_deliver(force=True)
    assert len(robot.received) == 2


def _robots_with_posts(n: int) -> None:
    from tests.factories import ProjectFactory

    for i in range(n):
        project = ProjectFactory(code=f"R{i:02d}", name=f"项目{i}")
        hook = wecom(name=f"项目群{i}", scope=WebhookScope.PROJECT, project=project, active=i % 3 != 0)
        ChatMessage.objects.create(
            webhook=hook,
            kind=NotificationKind.SELFCHECK_DUE,
            period="2028-02",
            state="failed",
            attempts=i % 4 + 1,
            last_error=f"HTTP 50{i % 10}",
            params=PARAMS,
            addressees=["经理"],
        )
    dingtalk(scope=WebhookScope.FUNCTION, function=Function.MARKETING)


@pytest.mark.parametrize("n", [1, 12])
def test_the_robots_page_lists_every_robot_and_post_in_a_fixed_number_of_queries(
    client, people, django_assert_num_queries, n: int
) -> None:
    _robots_with_posts(n)
    client.force_login(people.user("inspector"))
    with django_assert_num_queries(6):  # session, user, scope, unread count, robots, posts (the form is on its own page)
        page = client.get(reverse("notifications:webhooks"))
    content = page.content.decode()
    hooks = list(Webhook.objects.order_by("pk"))
    assert content.count("data-webhook=") == n + 1 and content.count('data-chat-state="failed"') == n
    for hook in hooks:
        # Each robot's two buttons post to its own address, with the form's CSRF token.
        for name in ("notifications:webhook_test", "notifications:webhook_toggle"):
            assert (
                f'<form method="post" action="{reverse(name, args=[hook.pk])}"><input type="hidden" name="csrfmiddlewaretoken"'
                in content
            )
    assert "企业微信 · 项目 · 项目0 · 简体中文" in content and "钉钉 · 职能 · 营销 · 简体中文" in content
    assert content.count('<span class="badge text-bg-secondary">已停用</span>') == len([h for h in hooks if not h.active])
    assert "尝试 1 次" in content and "HTTP 500" in content
    english = client.get(reverse("notifications:webhooks"), HTTP_ACCEPT_LANGUAGE="en").content.decode()
    assert "WeCom · Project · 项目0" in english and "Send a test" in english and "Failed" in english


def test_the_robots_page_escapes_every_name_and_error_it_writes(client, people) -> None:
    """The lists' row loops write with autoescaping off (each label escaped once per language): a robot's name, its
    project's name and a post's error must still be escaped."""
    hostile = '<b>"Q&A"</b>'
    people.project.name = f"项目{hostile}"
    people.project.save()
    hook = Webhook.objects.create(
        name=f"群{hostile}", provider=ChatProvider.WECOM, scope=WebhookScope.PROJECT, project=people.project, token="k"
    )
    ChatMessage.objects.create(
        webhook=hook,
        kind=NotificationKind.SELFCHECK_DUE,
        period="2026-11",
        state="failed",
        attempts=2,
        last_error=f"HTTP 502 {hostile}",
    )
    client.force_login(people.user("inspector"))
    for language in ("zh-hans", "en"):
        content = client.get(reverse("notifications:webhooks"), HTTP_ACCEPT_LANGUAGE=language).content.decode()
        assert "<b>" not in content
        escaped = "&lt;b&gt;&#34;Q&amp;A&#34;&lt;/b&gt;"
        assert content.count(escaped) == 4, content.count(escaped)  # robot twice (list, log), project, error
