"""Every URL answers PUT, DELETE, PATCH, TRACE and other unused methods with 405."""

from __future__ import annotations

import pytest
from django.urls import URLResolver, get_resolver
from django.urls.converters import IntConverter
from django.utils.regex_helper import normalize

pytestmark = pytest.mark.django_db

REFUSED = ("PUT", "DELETE", "PATCH", "TRACE", "PROPFIND", "CONNECT")


def every_url() -> list[str]:
    """One concrete path per URL pattern of the site (admin included), with sample values for its parameters."""
    urls: set[str] = set()

    def walk(patterns, prefix: str, converters: dict) -> None:
        for entry in patterns:
            merged = {**converters, **getattr(entry.pattern, "converters", {})}
            for template, params in normalize(entry.pattern.regex.pattern):
                values = {p: "1" if isinstance(merged.get(p), IntConverter) else "x" for p in params}
                path = prefix + template % values
                if isinstance(entry, URLResolver):
                    walk(entry.url_patterns, path, merged)
                else:
                    urls.add("/" + path)

    walk(get_resolver().url_patterns, "", {})
    return sorted(urls)


def test_the_walk_covers_the_site() -> None:
    urls = every_url()
    assert len(urls) > 50
    assert "/audits/selfchecks/1/reopen/" in urls and "/admin/" in urls and "/" in urls


@pytest.mark.parametrize("method", REFUSED)
def test_every_url_refuses_the_method_with_405(client, people, method) -> None:
    client.force_login(people.user("inspector"))
    answers = {url: client.generic(method, url) for url in every_url()}
    wrong = {url: r.status_code for url, r in answers.items() if r.status_code != 405}
    assert wrong == {}
    allow = next(iter(answers.values()))["Allow"]
    assert set(allow.replace(" ", "").split(",")) == {"GET", "HEAD", "POST", "OPTIONS"}


def test_a_page_that_took_any_method_now_refuses_put_but_still_serves_get(client, people) -> None:
    client.force_login(people.user("lead"))
    assert client.get("/").status_code == 200
    assert client.put("/", data="x").status_code == 405
    assert client.delete("/catalogue/").status_code == 405
    assert client.get("/catalogue/").status_code == 200
