"""The navigation bar (core.layout, templates/fragments/navigation.jinja): each reader sees the links of their role,
in their language, with their unread count, the CSRF token on its forms and the page to come back to."""

from __future__ import annotations

import re

import pytest
from django.test import Client
from django.urls import reverse
from django.utils import translation

from core.layout import nav_texts, nav_urls
from tests.notifications.test_views import send

pytestmark = pytest.mark.django_db


def nav(user, *, language: str = "zh-hans", path: str | None = None) -> str:
    client = Client(HTTP_ACCEPT_LANGUAGE=language)
    if user is not None:
        client.force_login(user)
    response = client.get(path or (reverse("catalogue") if user is not None else reverse("login")))
    assert response.status_code == 200
    match = re.search(r'<nav class="navbar.*?</nav>', response.content.decode(), re.S)
    assert match, "the page has no navigation bar"
    return match.group(0)


def links(html: str) -> dict[str, str]:
    """href → label of the bar's plain links."""
    return {href: label.strip() for href, label in re.findall(r'class="nav-link" href="([^"]+)">([^<]+)</a>', html)}


def test_each_role_sees_its_own_links(people) -> None:
    lead = links(nav(people.user("lead")))
    assert lead[reverse("audits:selfcheck_overview")] == "月度自检"
    assert reverse("audits:board") not in lead and reverse("audits:selfcheck_signoff") not in lead
    director = links(nav(people.user("director")))
    assert director[reverse("audits:selfcheck_signoff")] == "自检签认"  # R5a
    ops = links(nav(people.user("inspector")))
    assert ops[reverse("audits:board")] == "季度检查" and ops[reverse("audits:rectifications")] == "整改"
    assert reverse("admin:index") not in ops
    for seen in (lead, director, ops):
        assert seen[reverse("home")] == "我的待办" and seen[reverse("scoring:results")] == "考核结果"


def test_staff_see_the_admin_link(people) -> None:
    user = people.user("inspector")
    user.is_staff = True
    user.save()
    assert links(nav(user))[reverse("admin:index")] == "管理后台"


def test_the_bar_speaks_the_readers_language(people) -> None:
    html = nav(people.user("inspector"), language="en")
    assert links(html)[reverse("audits:board")] == "Quarterly inspection"
    assert "退出登录" not in html and '<option value="en" selected>' in html
    assert '<option value="zh-hans" selected>' in nav(people.user("inspector"))


def test_the_bell_counts_unread_and_says_so(people) -> None:
    user = people.user("lead")
    assert 'aria-label="通知"' in nav(user) and "text-bg-danger" not in nav(user)
    for month in ("2028-01", "2028-02", "2028-03"):
        send(user, month)
    html = nav(user)
    assert 'text-bg-danger">3</span>' in html and 'aria-label="通知:3 条未读"' in html


def test_the_forms_carry_the_token_and_the_page_to_come_back_to(people) -> None:
    path = reverse("catalogue") + "?q=%E5%B1%95"
    html = nav(people.user("lead"), path=path)
    tokens = re.findall(r'name="csrfmiddlewaretoken" value="([^"]+)"', html)
    assert len(tokens) == 2 and all(len(token) == 64 for token in tokens)
    assert f'name="next" type="hidden" value="{path}"' in html.replace("&amp;", "&")
    assert f'action="{reverse("logout")}"' in html and f'action="{reverse("set_language")}"' in html


def test_a_visitor_gets_the_brand_alone(db) -> None:
    html = nav(None)
    assert "客户触点考核" in html and "mainnav" not in html and "csrfmiddlewaretoken" not in html


def test_the_labels_and_links_are_the_catalogues_and_the_url_confs() -> None:
    """What is kept for the process is the same for every reader: labels per language and links per URL conf."""
    with translation.override("en"):
        assert nav_texts("en").logout == str(translation.gettext("退出登录")) == "Sign out"
    assert nav_urls().board == reverse("audits:board") and nav_urls().logout == reverse("logout")


def test_the_layouts_assets_are_what_the_static_tag_writes() -> None:
    """core.layout.layout_assets writes base.html's stylesheets and scripts once per process: the same markup as a
    `{% static %}` tag per asset."""
    from django.template import Context, Template

    from core.layout import HEAD_ASSETS, SCRIPT_ASSETS, layout_assets

    def by_tags(tags: tuple[tuple[str, str], ...], joiner: str) -> str:
        source = joiner.join(tag.format(f"{{% static '{path}' %}}") for tag, path in tags)
        return Template("{% load static %}" + source).render(Context())

    assert str(layout_assets("head")) == by_tags(HEAD_ASSETS, "\n  ")
    assert str(layout_assets("scripts")) == by_tags(SCRIPT_ASSETS, "\n")
    assert 'href="/static/vendor/bootstrap/bootstrap.min.css"' in layout_assets("head")
