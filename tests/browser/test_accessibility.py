"""WCAG 2.1 AA: axe-core finds no critical or serious violation on any page of any role, on a desktop and a phone.

axe-core (tests/browser/vendor/axe.min.js, MPL-2.0) is loaded into each page by the test only; the product never
serves it. The demo company is seeded so every screen has data, and each kind of user walks every page reachable from
the home page (a bounded number per view), in Chinese and in English, at 1280 px and at 390 px.
"""

from __future__ import annotations

import json
import os
from collections import defaultdict
from pathlib import Path
from urllib.parse import urldefrag, urlsplit

import pytest
from django.core.management import call_command
from django.urls import Resolver404, resolve
from playwright.sync_api import Error as PlaywrightError

from tests.crawl import SKIP_PATHS, representative_users, restore_reference_data

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

AXE = (Path(__file__).parent / "vendor" / "axe.min.js").read_text(encoding="utf-8")
TAGS = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa"]
PER_VIEW = 1
MAX_PAGES = 40


def axe_violations(page) -> list[dict]:
    page.add_script_tag(content=AXE)
    result = page.evaluate(
        "async (tags) => (await axe.run(document, {runOnly: {type: 'tag', values: tags}})).violations"
        ".filter(v => v.impact === 'critical' || v.impact === 'serious')"
        ".map(v => ({id: v.id, impact: v.impact, nodes: v.nodes.slice(0, 3).map(n => n.target.join(' ') + ' ' + (n.any[0]?.message || n.all[0]?.message || '').slice(0, 90))}))",
        TAGS,
    )
    return result


def walk(page, base_url: str) -> list[str]:
    """Every same-site page reachable from home, a bounded number per view name."""
    per_view: dict[str, int] = defaultdict(int)
    queue, seen, visited = ["/"], {"/"}, []
    while queue and len(visited) < MAX_PAGES:
        url = queue.pop(0)
        try:
            response = page.goto(base_url + url)
        except PlaywrightError:  # a download (Excel, zip, PDF) is not a page
            continue
        if response is None or response.status != 200 or "text/html" not in (response.headers.get("content-type") or ""):
            continue
        visited.append(url)
        yield url
        for href in page.eval_on_selector_all("a[href^='/']", "els => els.map(e => e.getAttribute('href'))"):
            href = urldefrag(href)[0]
            path = urlsplit(href).path
            if href in seen or path.startswith(SKIP_PATHS):
                continue
            try:
                name = resolve(path).view_name
            except Resolver404:
                continue
            if per_view[name] >= PER_VIEW:
                continue
            per_view[name] += 1
            seen.add(href)
            queue.append(href)


@pytest.fixture
def demo_company(settings):
    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
    restore_reference_data()
    call_command("seed_demo", stdout=open("/dev/null", "w"))  # noqa: SIM115


@pytest.mark.parametrize(("locale", "width"), [("zh-CN", 1280), ("zh-CN", 390), ("en-US", 1280), ("en-US", 390)])
def test_no_page_of_any_role_has_a_serious_accessibility_violation(browser, live_server, demo_company, locale, width):
    problems: dict[str, set[str]] = defaultdict(set)
    pages = 0
    for user in representative_users():
        context = browser.new_context(
            locale=locale, viewport={"width": width, "height": 900}, bypass_csp=True, is_mobile=width < 500
        )
        context.add_cookies([_session_cookie(user, live_server.url)])
        page = context.new_page()
        page.set_default_timeout(15_000)
        for url in walk(page, live_server.url):
            pages += 1
            for violation in axe_violations(page):
                problems[violation["id"]].add(f"{url} ({user.username}): {', '.join(violation['nodes'])}")
        context.close()
    assert pages > 30
    if os.environ.get("AXE_REPORT"):  # for whoever fixes a violation: every page and element, as JSON
        Path(os.environ["AXE_REPORT"]).write_text(
            json.dumps({k: sorted(v) for k, v in problems.items()}, ensure_ascii=False, indent=1)
        )
    report = [f"{rule}: {len(where)} pages, e.g. {sorted(where)[0]}" for rule, where in sorted(problems.items())]
    assert report == [], "\n".join(report)


def _session_cookie(user, base_url: str) -> dict:
    """Sign the user in without the login form (the form has its own browser test)."""
    from django.conf import settings
    from django.test import Client

    client = Client()
    client.force_login(user)
    return {"name": settings.SESSION_COOKIE_NAME, "value": client.cookies[settings.SESSION_COOKIE_NAME].value, "url": base_url}
