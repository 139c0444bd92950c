"""Cached page bodies (touchpoints.pagecache): never served after the data behind them changed, per user, per day,
with a fresh CSRF token every time, and no query for what was cached.

These tests commit (transaction=True): the generation moves only after a commit, which a rolled-back TestCase never does.
"""

from __future__ import annotations

import datetime as dt
import io
import re

import pytest
import time_machine
from django.core.cache import cache, caches
from django.db import connection, transaction
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from audits.models import SelfCheck, SelfCheckItem
from audits.selfchecks.services import selfcheck_reopen, selfcheck_submit
from core import dates
from notifications.choices import NotificationKind
from notifications.services import notify_later
from tests.audits.builders_selfchecks import build_selfcheck
from tests.factories import build_people
from touchpoints import pagecache
from touchpoints.models import Assignment, Project

pytestmark = pytest.mark.django_db(transaction=True)
HTMX = {"HTTP_HX_REQUEST": "true"}
NOW = dt.datetime(2026, 11, 15, 10, 0, tzinfo=dates.SHANGHAI)


@pytest.fixture(autouse=True)
def page_cache_on(settings):
    settings.PAGE_CACHE_SECONDS = 600
    cache.clear()
    caches["memo"].clear()
    with time_machine.travel(NOW, tick=False):
        yield
    cache.clear()


@pytest.fixture
def people():
    return build_people()


@pytest.fixture
def checklist(people) -> SelfCheck:
    return build_selfcheck(people, year=2026, month=11, count=4, deliverable_every=0)


def signed_in(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


def page(client: Client, selfcheck: SelfCheck) -> str:
    response = client.get(reverse("audits:selfcheck_detail", args=[selfcheck.pk]))
    assert response.status_code == 200
    return response.content.decode()


# -- which statements move which generation (pure) ----------------------------------------------------------------------


@pytest.mark.parametrize(
    ("sql", "expected"),
    [
        ('INSERT INTO "audits_selfcheckitem" ("status") VALUES (%s)', pagecache.DATA),
        ('UPDATE "audits_selfcheck" SET "state" = %s', pagecache.DATA),
        ('  delete from "touchpoints_assignment" where id = 1', pagecache.DATA),
        ('INSERT INTO "auth_user_groups" ("user_id", "group_id") VALUES (1, 2)', pagecache.DATA),
        ('UPDATE "notifications_notification" SET "read_at" = %s', pagecache.NOTIFICATIONS),
        ('UPDATE "django_session" SET "session_data" = %s', None),
        ('INSERT INTO "axes_accessattempt" ("username") VALUES (%s)', None),
        ('UPDATE "django_celery_beat_periodictask" SET "last_run_at" = %s', None),
        ('SELECT "audits_selfcheck"."id" FROM "audits_selfcheck"', None),
        ("SAVEPOINT s1", None),
    ],
)
def test_which_statements_move_a_generation(sql, expected) -> None:
    assert pagecache.generation_written(sql) == expected


# -- the generation moves after commit, whatever made the write ---------------------------------------------------------


def test_every_kind_of_write_moves_the_generation_after_commit(people) -> None:
    project = Project.objects.get(code="GG")
    before = pagecache.current_generation()
    with transaction.atomic():
        project.name = "东原·光谷印(二期)"
        project.save()
        Project.objects.filter(pk=project.pk).update(name="东原·光谷印")
        with connection.cursor() as cursor:
            cursor.execute('UPDATE "touchpoints_project" SET "is_active" = true WHERE "id" = %s', [project.pk])
        assert pagecache.current_generation() == before, "not before the commit: others cannot see the change yet"
    assert pagecache.current_generation() == before + 1, "once per transaction, however many writes"

    Project.objects.bulk_create([Project(code="ZZ", name="新项目")])  # autocommit: moves at once
    assert pagecache.current_generation() == before + 2


def test_a_rolled_back_write_does_not_move_the_generation(people) -> None:
    before = pagecache.current_generation()
    with pytest.raises(RuntimeError), transaction.atomic():
        Project.objects.filter(code="GG").update(name="不会保存")
        raise RuntimeError
    assert pagecache.current_generation() == before


def test_a_lost_generation_restarts_above_every_earlier_one(people) -> None:
    before = pagecache.current_generation()
    cache.delete("pagecache:generation:data")
    with time_machine.travel(NOW + dt.timedelta(seconds=1), tick=False):
        assert pagecache.current_generation() > before


def test_the_watch_survives_execute_wrapper_blocks(people) -> None:
    connection.ensure_connection()
    with connection.execute_wrapper(lambda execute, *args: execute(*args)):
        assert connection.execute_wrappers[0] is pagecache.watch_writes
    assert pagecache.watch_writes in connection.execute_wrappers


# -- the checklist page: fresh after every change, cheap in between -----------------------------------------------------


def test_a_cached_checklist_costs_only_the_sign_in_queries(people, checklist) -> None:
    client = signed_in(people.user("lead"))
    first = page(client, checklist)
    with CaptureQueriesContext(connection) as cached:
        again = page(client, checklist)
    assert [q["sql"] for q in cached.captured_queries if "audits_selfcheckitem" in q["sql"]] == []
    assert len(cached.captured_queries) == 2, [q["sql"] for q in cached.captured_queries]  # the session, the user
    strip = re.compile(r'name="csrfmiddlewaretoken" value="[^"]+"')
    assert strip.sub("", first) == strip.sub("", again)


def test_a_tick_shows_at_once_on_the_next_page_view(people, checklist) -> None:
    client = signed_in(people.user("lead"))
    item = checklist.items.first()
    assert "现场核实完毕" not in page(client, checklist)
    response = client.post(
        reverse("audits:selfcheck_item_update", args=[item.pk]), {"status": "done", "note": "现场核实完毕"}, **HTMX
    )
    assert response.status_code == 200
    assert "现场核实完毕" in page(client, checklist)


def test_a_change_made_elsewhere_shows_on_every_cached_page(people, checklist) -> None:
    lead, director, inspector = people.user("lead"), people.user("director"), people.user("inspector")
    clients = {user: signed_in(user) for user in (lead, director, inspector)}
    for client in clients.values():
        assert 'data-testid="state"><i class="bi bi-pencil-square"></i>' in page(client, checklist)
    SelfCheckItem.objects.filter(selfcheck=checklist).update(status="not_done")  # as a service or a task would
    selfcheck_submit(selfcheck=checklist, user=lead)
    for client in clients.values():
        assert "已提交" in page(client, checklist)
    selfcheck_reopen(selfcheck=SelfCheck.objects.get(pk=checklist.pk), user=inspector, reason="附件不清晰,请补充")
    for client in clients.values():
        assert "附件不清晰,请补充" in page(client, checklist)


def test_each_user_gets_their_own_body(people, checklist) -> None:
    lead_page = page(signed_in(people.user("lead")), checklist)
    director_page = page(signed_in(people.user("director")), checklist)
    assert 'data-testid="open-submit"' in lead_page
    assert 'data-testid="open-submit"' not in director_page
    assert "只有本项目该职能的职能经理可以填写" in director_page


def test_losing_access_is_a_404_even_with_a_body_cached(people, checklist) -> None:
    director = people.user("director")
    client = signed_in(director)
    page(client, checklist)
    Assignment.objects.filter(person__user=director).update(end=dates.local_today() - dt.timedelta(days=1))
    response = client.get(reverse("audits:selfcheck_detail", args=[checklist.pk]))
    assert response.status_code == 404


def test_a_body_cached_yesterday_is_not_served_today(people, checklist) -> None:
    client = signed_in(people.user("lead"))
    assert "剩 " not in page(client, checklist)  # 15 November: 15 days to the 30th
    with time_machine.travel(dt.datetime(2026, 11, 28, 10, 0, tzinfo=dates.SHANGHAI), tick=False):
        client = signed_in(people.user("lead"))  # the session of 15 November has expired (SESSION_ABSOLUTE_SECONDS)
        assert "剩 2 天" in page(client, checklist)


def test_every_view_of_a_cached_page_carries_a_fresh_valid_csrf_token(people, checklist) -> None:
    client = Client(enforce_csrf_checks=True)
    client.force_login(people.user("lead"))
    tokens = set()
    for _ in range(3):
        html = page(client, checklist)
        assert pagecache.CSRF_PLACEHOLDER not in html
        tokens.update(re.findall(r'name="csrfmiddlewaretoken" value="([^"]+)"', html))
    assert len(tokens) >= 3, "masked afresh on every view"
    item = checklist.items.first()
    for token in tokens:
        response = client.post(
            reverse("audits:selfcheck_item_update", args=[item.pk]),
            {"status": "not_done", "note": token[:8], "csrfmiddlewaretoken": token},
            **HTMX,
        )
        assert response.status_code == 200, "every token served from the cache is accepted"


def test_messages_are_never_cached(people, checklist) -> None:
    client = signed_in(people.user("lead"))
    page(client, checklist)
    SelfCheckItem.objects.filter(selfcheck=checklist).update(status="not_done")
    response = client.post(reverse("audits:selfcheck_submit", args=[checklist.pk]), follow=True)
    assert "自检表已提交" in response.content.decode()
    assert "自检表已提交。" not in page(client, checklist), "a message is shown once"


def test_the_unread_badge_follows_new_notifications(people, checklist) -> None:
    lead = people.user("lead")
    client = signed_in(lead)
    assert 'text-bg-danger">1<' not in page(client, checklist).replace(" ", "")
    params = {"legacy": {"subject": "自检表被退回", "body": "请补充附件"}}
    notify_later(user=lead, kind=NotificationKind.SELFCHECK_DUE_SOON, period="2026-11", params=params)
    assert 'text-bg-danger">1</span>' in page(client, checklist)


def test_the_board_follows_changes_too(people, checklist) -> None:
    client = signed_in(people.user("inspector"))
    board = reverse("audits:board", args=["2026Q4"])
    november_on_time = 'month-on_time" title="11月'
    assert november_on_time not in client.get(board).content.decode()
    SelfCheckItem.objects.filter(selfcheck=checklist).update(status="done")
    selfcheck_submit(selfcheck=checklist, user=people.user("lead"))
    assert november_on_time in client.get(board).content.decode()


def test_nothing_is_cached_when_the_page_cache_is_off(settings, people, checklist) -> None:
    settings.PAGE_CACHE_SECONDS = 0
    client = signed_in(people.user("lead"))
    page(client, checklist)
    with CaptureQueriesContext(connection) as queries:
        page(client, checklist)
    assert any("audits_selfcheckitem" in q["sql"] for q in queries.captured_queries)


def test_a_new_release_never_serves_pages_the_old_one_rendered(settings, tmp_path) -> None:
    (tmp_path / "templates").mkdir()
    template = tmp_path / "templates" / "base.html"
    template.write_text("<p>旧版</p>", encoding="utf-8")
    settings.BASE_DIR = tmp_path
    pagecache.release_stamp.cache_clear()
    try:
        old = pagecache.release_stamp()
        template.write_text("<p>新版本</p>", encoding="utf-8")
        pagecache.release_stamp.cache_clear()
        assert pagecache.release_stamp() != old
    finally:
        pagecache.release_stamp.cache_clear()


def test_a_page_is_stored_only_when_it_is_a_plain_200(people, checklist) -> None:
    outsider = signed_in(people.user("outsider"))
    url = reverse("audits:selfcheck_detail", args=[checklist.pk])
    assert outsider.get(url).status_code == 404
    with CaptureQueriesContext(connection) as again:
        assert outsider.get(url).status_code == 404
    assert any("audits_selfcheck" in q["sql"] for q in again.captured_queries), "a refusal is decided afresh each time"


# -- cards cached by content ({% memo %}): identical to a fresh render, whatever changed -------------------------------

TOKEN = re.compile(r'name="csrfmiddlewaretoken" value="[^"]+"')


def cached_and_fresh(client: Client, selfcheck: SelfCheck, settings) -> tuple[str, str]:
    pagecache.bump_data()  # the page itself is rendered again; its cards come from the cache where they can
    cached = page(client, selfcheck)
    settings.PAGE_CACHE_SECONDS = 0
    try:
        fresh = page(client, selfcheck)
    finally:
        settings.PAGE_CACHE_SECONDS = 600
    return TOKEN.sub("", cached), TOKEN.sub("", fresh)


def test_cached_cards_match_a_fresh_render_after_any_change(settings, people, checklist) -> None:
    from django.db import models as m

    from audits.selfchecks.services import deliverable_remove, deliverables_add, selfcheck_item_update
    from tests.audits.builders_selfchecks import pdf_bytes
    from touchpoints.models import Person

    lead = people.user("lead")
    client = signed_in(lead)
    item = checklist.items.order_by("pk").first()
    page(client, checklist)  # every card cached

    def same() -> None:
        cached, fresh = cached_and_fresh(client, checklist, settings)
        assert cached == fresh

    selfcheck_item_update(item=item, user=lead, status="not_done", note="第一次填写")
    same()
    content = pdf_bytes()
    [file] = deliverables_add(item=item, user=lead, uploads=[(io.BytesIO(content), "计划书.pdf", len(content))])
    same()
    Person.objects.filter(user=lead).update(name="杨帆(改名)")  # who made each change, as the history shows it
    same()
    deliverable_remove(deliverable=file, user=lead)
    same()
    # Every field of an item, changed behind the services' back: a card that shows it must show the new value.
    for field in SelfCheckItem._meta.concrete_fields:
        if isinstance(field, m.CharField | m.TextField) and not field.choices:
            SelfCheckItem.objects.filter(pk=item.pk).update(**{field.attname: f"改过的{field.name}"})
        elif isinstance(field, m.DecimalField | m.IntegerField | m.PositiveSmallIntegerField) and not field.primary_key:
            SelfCheckItem.objects.filter(pk=item.pk).update(**{field.attname: 7})
        elif field.choices:
            for value, _label in field.choices:
                SelfCheckItem.objects.filter(pk=item.pk).update(**{field.attname: value})
                same()
        else:
            continue
        same()
    SelfCheckItem.objects.filter(selfcheck=checklist).update(status="not_done")
    selfcheck_submit(selfcheck=checklist, user=lead)  # read-only cards from now on
    same()


def test_the_same_card_is_rendered_once_for_everyone(people, checklist) -> None:
    def cards() -> int:
        return sum(":selfcheck-item:" in key for key in caches["memo"]._cache)  # the memory cache's own store

    page(signed_in(people.user("lead")), checklist)
    assert cards() == checklist.items.count()  # the lead's editable cards
    page(signed_in(people.user("director")), checklist)
    page(signed_in(people.user("head")), checklist)
    page(signed_in(people.user("inspector")), checklist)
    assert cards() == 2 * checklist.items.count(), "the read-only cards are stored once for everyone who reads them"


def test_cached_board_cells_match_a_fresh_render_after_any_change(settings, people, checklist) -> None:
    from audits.inspections.services import inspection_finalise, inspection_item_record, inspection_open
    from audits.models import Inspection
    from core.dates import Quarter

    inspector = people.user("inspector")
    url = reverse("audits:board", args=["2026Q4"])

    def same(client: Client) -> None:
        pagecache.bump_data()
        cached = client.get(url)
        settings.PAGE_CACHE_SECONDS = 0
        try:
            fresh = client.get(url)
        finally:
            settings.PAGE_CACHE_SECONDS = 600
        assert cached.status_code == fresh.status_code == 200
        assert TOKEN.sub("", cached.content.decode()) == TOKEN.sub("", fresh.content.decode())

    same(signed_in(inspector))
    SelfCheckItem.objects.filter(selfcheck=checklist).update(status="done")
    selfcheck_submit(selfcheck=checklist, user=people.user("lead"))
    same(signed_in(inspector))
    with time_machine.travel(dt.datetime(2026, 12, 5, 10, 0, tzinfo=dates.SHANGHAI), tick=False):
        client = signed_in(inspector)
        inspection = inspection_open(project=people.project, function="marketing", quarter=Quarter(2026, 4), user=inspector)
        same(client)
        for item in inspection.items.all():
            # As the lead claimed: no discrepancy, only the cell's progress moves.
            inspection_item_record(item=item, user=inspector, verdict="done", finding="与自检一致")
            same(client)
        inspection_finalise(inspection=Inspection.objects.get(pk=inspection.pk), user=inspector)
        same(client)


def test_made_up_query_strings_are_answered_but_never_stored(people, checklist) -> None:
    client = signed_in(people.user("lead"))
    page(client, checklist)
    stored = set(cache._cache)  # the memory cache's own store
    for n in range(5):
        response = client.get(reverse("audits:selfcheck_detail", args=[checklist.pk]), {"junk": n})
        assert response.status_code == 200
        assert "自检" in response.content.decode()
    assert set(cache._cache) == stored


def test_the_generation_does_not_expire(people) -> None:
    pagecache.current_generation()
    assert cache._expire_info[cache.make_key("pagecache:generation:data")] is None
