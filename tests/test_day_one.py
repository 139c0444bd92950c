"""Day one: error pages in the reader's language, a favicon, and `make run` links on the right port."""

from __future__ import annotations

import pytest
from django.test import RequestFactory
from django.utils import translation
from django.views.defaults import server_error

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize(
    ("language", "heading", "foreign"),
    [("zh-hans", "页面不存在", "Page not found"), ("en", "Page not found", "页面不存在")],
)
def test_404_is_in_the_readers_language(client, language, heading, foreign):
    response = client.get("/no-such-page/", HTTP_ACCEPT_LANGUAGE=language)
    assert response.status_code == 404
    body = response.content.decode()
    assert heading in body and foreign not in body
    assert "Not Found</h1>" not in body  # Django's bare page
    assert "favicon.svg" in body


@pytest.mark.parametrize(("language", "heading"), [("zh-hans", "系统出错了"), ("en", "Something went wrong")])
def test_500_renders_without_a_database_or_context(language, heading):
    request = RequestFactory().get("/")
    with translation.override(language):
        response = server_error(request)
    assert response.status_code == 500
    assert heading in response.content.decode()


def test_favicon_ico_points_at_the_served_icon(client):
    response = client.get("/favicon.ico")
    assert response.status_code == 301 and response["Location"].endswith("favicon.svg")


def test_make_run_gives_the_server_and_the_seed_a_site_url_on_the_chosen_port():
    import subprocess
    from pathlib import Path

    root = Path(__file__).resolve().parent.parent
    out = subprocess.run(["make", "-n", "run", "PORT=8123"], cwd=root, capture_output=True, text=True, check=True).stdout
    assert "SITE_URL=http://127.0.0.1:8123" in out and "runserver 127.0.0.1:8123" in out
    assert "SITE_URL=http://127.0.0.1:8123 .venv/bin/python manage.py seed_demo" in out
