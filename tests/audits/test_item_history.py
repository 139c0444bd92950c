"""An item's history on the checklist: the page shows how many changes each item has; the entries load
when someone opens them, from an access-checked endpoint, in a fixed number of queries."""

from __future__ import annotations

import datetime as dt
import io

import pytest
import time_machine
from django.urls import reverse
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from audits.models import SelfCheckItem
from audits.selfchecks.selectors import decorate_items, item_history, item_history_entries
from audits.selfchecks.services import deliverable_remove, deliverables_add, selfcheck_item_update
from core import dates
from tests.audits.builders_selfchecks import build_selfcheck, pdf_bytes

pytestmark = pytest.mark.django_db
HTMX = {"HTTP_HX_REQUEST": "true"}


@pytest.fixture(autouse=True)
def frozen():
    with time_machine.travel(dt.datetime(2026, 11, 15, 10, 0, tzinfo=dates.SHANGHAI), tick=False):
        yield


def edit(item, user, times: int) -> None:
    for n in range(times):
        selfcheck_item_update(item=item, user=user, status=("done", "not_done")[n % 2], note=f"第{n}次")


def test_the_page_shows_a_count_and_no_entries(client, people) -> None:
    lead = people.user("lead")
    selfcheck = build_selfcheck(people, year=2026, month=11, count=3, deliverable_every=0)
    item = selfcheck.items.first()
    edit(item, lead, 4)
    selfcheck_item_update(item=item, user=lead, status="not_done", note="第3次")  # no visible change: not an entry
    client.force_login(lead)
    page = client.get(reverse("audits:selfcheck_detail", args=[selfcheck.pk])).content.decode()
    assert "修改记录(5)" in page  # generated + four changes
    assert "第0次" not in page.split("item-form")[0] and "<del>" not in page  # no entry rendered inline
    assert page.count("修改记录(1)") == 2  # the untouched items: their generation
    entries = client.get(reverse("audits:selfcheck_item_history", args=[item.pk]), **HTMX).content.decode()
    assert entries.count("<li") == 5 and "<del>第2次</del> → 第3次" in entries and "杨帆" in entries
    assert "<html" not in entries  # a fragment for htmx; without htmx a whole page
    whole = client.get(reverse("audits:selfcheck_item_history", args=[item.pk])).content.decode()
    assert "<html" in whole and "<del>第2次</del> → 第3次" in whole


def test_the_count_matches_the_entries_shown(people) -> None:
    lead = people.user("lead")
    selfcheck = build_selfcheck(people, year=2026, month=11, count=1, deliverable_every=0)
    item = selfcheck.items.get()
    edit(item, lead, 7)
    SelfCheckItem.objects.get(pk=item.pk).save()  # a save with nothing visible changed
    records = list(SelfCheckItem.history.filter(id=item.pk).order_by("history_date", "history_id"))
    decorate_items([item])
    assert item.history_count == len(item_history_entries(records)) == 8


def test_another_cells_item_history_is_a_404(client, people) -> None:
    selfcheck = build_selfcheck(people, year=2026, month=11, count=1, deliverable_every=0)
    client.force_login(people.user("outsider"))
    response = client.get(reverse("audits:selfcheck_item_history", args=[selfcheck.items.get().pk]), **HTMX)
    assert response.status_code == 404
    assert client.get(reverse("audits:selfcheck_item_history", args=[999999]), **HTMX).status_code == 404


def test_the_history_query_count_does_not_grow(client, people, django_assert_max_num_queries) -> None:
    lead = people.user("lead")
    selfcheck = build_selfcheck(people, year=2026, month=11, count=2, deliverable_every=0)
    few, many = selfcheck.items.all()
    edit(few, lead, 1)
    edit(many, lead, 30)
    client.force_login(lead)
    client.get(reverse("home"))
    counts = []
    for item in (few, many):
        with django_assert_max_num_queries(10) as captured:
            assert client.get(reverse("audits:selfcheck_item_history", args=[item.pk]), **HTMX).status_code == 200
        counts.append(len(captured.captured_queries))
    assert counts[0] == counts[1], counts


def test_the_cards_forms_and_links_point_at_their_views(client, people) -> None:
    selfcheck = build_selfcheck(people, year=2026, month=11, count=1, deliverable_every=0)
    item = selfcheck.items.get()
    client.force_login(people.user("lead"))
    page = client.get(reverse("audits:selfcheck_detail", args=[selfcheck.pk])).content.decode()
    for url in (
        reverse("audits:selfcheck_item_update", args=[item.pk]),
        reverse("audits:selfcheck_item_upload", args=[item.pk]),
        reverse("audits:selfcheck_item_history", args=[item.pk]),
    ):
        assert f'"{url}"' in page, url
    assert "built-in method" not in page


def test_the_cards_escape_what_people_typed(client, people) -> None:
    lead = people.user("lead")
    selfcheck = build_selfcheck(people, year=2026, month=11, count=1, deliverable_every=0)
    item = selfcheck.items.get()
    SelfCheckItem.objects.filter(pk=item.pk).update(name="<script>x</script>", note="a\n<b>b</b>")
    client.force_login(lead)
    page = client.get(reverse("audits:selfcheck_detail", args=[selfcheck.pk])).content.decode()
    assert "<script>x</script>" not in page and "&lt;script&gt;x&lt;/script&gt;" in page
    assert "<b>b</b>" not in page and "&lt;b&gt;b&lt;/b&gt;" in page


@settings(max_examples=15, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(
    answers=st.lists(
        st.tuples(st.sampled_from(["done", "not_done", "na"]), st.sampled_from(["", "甲", "乙"])), min_size=0, max_size=8
    ),
    files=st.lists(st.booleans(), max_size=3),  # True: upload one, False: remove the latest
)
def test_the_counts_read_by_the_database_match_the_entries_shown(people, answers, files) -> None:
    """decorate_items counts in SQL what item_history shows: same-answer saves are no entry, files are."""
    lead = people.user("lead")
    selfcheck = build_selfcheck(people, year=2026, month=11, count=2, deliverable_every=0)
    item, untouched = selfcheck.items.order_by("code")
    for status, note in answers:
        selfcheck_item_update(item=item, user=lead, status=status, note=note, na_reason="无此业务" if status == "na" else "")
    for upload in files:
        latest = item.files.order_by("-pk").first()
        if upload or latest is None:
            deliverables_add(item=item, user=lead, uploads=[(io.BytesIO(pdf_bytes()), "记录.pdf", len(pdf_bytes()))])
        else:
            deliverable_remove(deliverable=latest, user=lead)
    items = list(SelfCheckItem.objects.filter(pk__in=[item.pk, untouched.pk]).order_by("code"))
    decorate_items(items)
    assert [i.history_count for i in items] == [len(item_history(item=i)) for i in items]
    assert items[1].history_count == 1  # generated, nothing since
