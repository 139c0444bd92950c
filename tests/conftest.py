"""Shared fixtures: named people per role, and the rule that under CI a test needing a service fails, never skips."""

from __future__ import annotations

import os
import socket

import pytest
from django.db import connection

from tests.factories import build_people

SERVICES_REQUIRED = bool(os.environ.get("REQUIRE_SERVICES") or os.environ.get("CI"))


def service_missing(message: str) -> None:
    """Under CI a missing service is a failure; on a developer's machine the test is skipped with the reason."""
    if SERVICES_REQUIRED:
        pytest.fail(f"{message} (CI requires it)")
    pytest.skip(message)


@pytest.fixture
def postgres(db) -> None:
    """The test runs against PostgreSQL."""
    if connection.vendor != "postgresql":
        service_missing("needs PostgreSQL: set DATABASE_URL=postgres://postgres@127.0.0.1:5432/touchpoint")


@pytest.fixture
def redis_url() -> str:
    """A reachable Redis database reserved for tests."""
    url = os.environ.get("TEST_REDIS_URL", "redis://127.0.0.1:6379/15")
    try:
        import redis

        redis.Redis.from_url(url, socket_connect_timeout=2).ping()
    except Exception as exc:
        service_missing(f"needs Redis at {url}: {exc}")
    return url


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@pytest.fixture
def people(db):
    """A small organisation with one named person per role (see tests.factories.build_people)."""
    return build_people()


@pytest.fixture(autouse=True)
def default_language():
    """Each test starts in the default language (Chinese, SPEC §1). A request in English leaves its language active in
    the thread, as Django does between requests; a later test reading a notification's text would read it in English."""
    from django.utils import translation

    translation.deactivate()
    yield
    translation.deactivate()
