"""Rendered page bodies, cached until the data behind them changes (issue 8: each page within 3× an empty view).

The rule that keeps a cached page exact:

* One **generation** number stands for the state of the data. Every INSERT, UPDATE or DELETE the application sends to a
  watched table, however it is made (ORM save, bulk_create, QuerySet.update, raw SQL), schedules a bump of the
  generation for *after its transaction commits* (a rolled-back write bumps nothing, because nothing changed).
* A request reads the generation *before it reads any data* (PageGenerationMiddleware, first in line), and a body is
  cached under that generation. A body rendered from data older than a commit can therefore only be stored under a
  generation that the commit's bump has already left behind: no later request asks for it again.
* The key also holds the user, the language, the local date (badges such as "剩 3 天" move with it), the full path
  with its query string, and the release (a new deployment never serves HTML the previous one rendered). Access checks run on every request, in the view, before the cached body is looked up.
* Forms in a cached body get a freshly masked CSRF token on every request (store_csrf / restore_csrf): the stored HTML
  holds a placeholder that escaped content can never produce.

The generation lives in the default cache, so every web process and the Celery worker must share it: the page cache is
switched off (PAGE_CACHE_SECONDS = 0) wherever that is not so (config/settings). Two ways to use it: `@cached_page` on
the busiest pages (the whole answer), and `{% pagecache "name" %}…{% endpagecache %}` in templates (the layout).
Whoever edits the database by hand, outside the application, runs `manage.py shell -c "from touchpoints.pagecache
import bump_data; bump_data()"` afterwards.
"""

from __future__ import annotations

import hashlib
import json
import re
import time
from collections.abc import Callable
from functools import cache as cache_once
from functools import wraps
from pathlib import Path
from typing import Any

from django.conf import settings
from django.contrib import messages
from django.core.cache import cache
from django.db import transaction
from django.http import HttpRequest, HttpResponse
from django.middleware.csrf import get_token

from core import dates

# Writes that no cached page shows: sign-in bookkeeping, login throttling and Celery beat's own schedule state.
IGNORED_TABLES = frozenset({"django_session", "axes_accessattempt", "axes_accessfailurelog", "axes_accesslog"})
IGNORED_PREFIXES = ("django_celery_beat_",)
# Notifications change all the time (a read mark, a reminder) and only the unread badge shows them: they have their own
# generation, so reading one does not throw away every cached page.
NOTIFICATIONS = "notifications"
DATA = "data"
WRITE = re.compile(r'\s*(?:INSERT\s+INTO|UPDATE|DELETE\s+FROM)\s+"?([A-Za-z0-9_]+)"?', re.IGNORECASE)


def enabled() -> bool:
    return settings.PAGE_CACHE_SECONDS > 0


def generation_written(sql: str) -> str | None:
    """Which generation a statement moves: DATA, NOTIFICATIONS, or None for a read or an ignored table."""
    match = WRITE.match(sql)
    if match is None:
        return None
    table = match.group(1).lower()
    if table in IGNORED_TABLES or table.startswith(IGNORED_PREFIXES):
        return None
    return NOTIFICATIONS if table.startswith("notifications_") else DATA


def current_generation(name: str = DATA) -> int:
    """The generation now. A cache that lost it starts again from the clock, above every number it handed out before."""
    key = f"pagecache:generation:{name}"
    value = cache.get(key)
    if value is None:
        cache.add(key, time.time_ns(), timeout=None)  # kept until the cache itself loses it
        value = cache.get(key)
    return int(value)


def _bump(name: str) -> None:
    key = f"pagecache:generation:{name}"
    try:
        cache.incr(key)
    except ValueError:  # the key is gone: restarting from the clock leaves every older key behind
        cache.add(key, time.time_ns(), timeout=None)


def bump_data() -> None:
    _bump(DATA)


def bump_notifications() -> None:
    _bump(NOTIFICATIONS)


BUMPS = {DATA: bump_data, NOTIFICATIONS: bump_notifications}


def _queued(connection: Any, bump: Any) -> bool:
    return any(func is bump for _sids, func, *_rest in connection.run_on_commit)


def watch_writes(execute: Any, sql: str, params: Any, many: bool, context: dict[str, Any]) -> Any:
    """Database execute wrapper: a write to a watched table bumps the generation once its transaction commits."""
    result = execute(sql, params, many, context)
    name = generation_written(sql) if enabled() else None
    if name is not None:
        bump = BUMPS[name]
        connection = context["connection"]
        if not connection.in_atomic_block:
            bump()  # autocommit: the statement is committed already
        elif not _queued(connection, bump):
            transaction.on_commit(bump, using=connection.alias)
    return result


def install_watch(sender: Any, connection: Any, **kwargs: Any) -> None:
    """connection_created: watch every new connection. Inserted first, so that `connection.execute_wrapper(...)`
    blocks (which append and then pop the last wrapper) can never remove it."""
    if watch_writes not in connection.execute_wrappers:
        connection.execute_wrappers.insert(0, watch_writes)


def data_key(name: str, *parts: Any, generation: str = DATA) -> str | None:
    """A key for data derived from watched tables as of today, or None when it must be read afresh: the cache is off,
    or a transaction is open (its own uncommitted writes have not bumped the generation yet)."""
    if not enabled() or transaction.get_connection().in_atomic_block:
        return None
    # The generation is read before the data is, so what is stored under it is at least that new.
    stamp = str(current_generation(generation))
    return ":".join(["pagecache", name, stamp, dates.local_today().isoformat(), *map(str, parts)])


# Escaped content turns "<" into "&lt;", so nothing a user typed can ever read as this.
CSRF_PLACEHOLDER = "<pagecache-csrf-token>"
CSRF_PLACEHOLDER_BYTES = CSRF_PLACEHOLDER.encode()


def store_csrf(html: str, tokens: list[str]) -> str:
    """The HTML as stored: the CSRF tokens rendered into it replaced by the placeholder."""
    for token in tokens:
        if token and token in html:
            html = html.replace(token, CSRF_PLACEHOLDER)
    return html


def fresh_token(request: HttpRequest) -> str:
    """One token masked afresh per response, as Django's own {% csrf_token %} uses one per rendered page."""
    token = getattr(request, "pagecache_fresh_token", None)
    if token is None:
        token = request.pagecache_fresh_token = get_token(request)  # type: ignore[attr-defined]
    return token


def restore_csrf(stored: str, request: HttpRequest) -> str:
    """The fragment as served: the placeholder replaced by a token masked afresh for this response."""
    return stored.replace(CSRF_PLACEHOLDER, fresh_token(request)) if CSRF_PLACEHOLDER in stored else stored


def remember_csrf_token(request: HttpRequest) -> str:
    """A CSRF token for a template, noted on the request so that a cached copy of the HTML can carry fresh ones."""
    token = get_token(request)
    request.pagecache_csrf_tokens = [*getattr(request, "pagecache_csrf_tokens", []), token]  # type: ignore[attr-defined]
    return token


SOURCE_DIRS = ("config", "templates", "static", "touchpoints", "audits", "scoring", "rewards", "notifications", "locale")
SOURCE_SUFFIXES = {".py", ".html", ".txt", ".css", ".js", ".mo", ".json"}


@cache_once
def release_stamp() -> str:
    """What this release's code, templates and assets are, from their names, sizes and times: every process of one
    deployment agrees on it, and a new release never serves HTML that the previous one rendered."""
    digest = hashlib.sha256()
    for top in SOURCE_DIRS:
        root = Path(settings.BASE_DIR) / top
        for path in sorted(root.rglob("*")) if root.is_dir() else ():
            if path.suffix in SOURCE_SUFFIXES and path.is_file():
                info = path.stat()
                digest.update(f"{path.relative_to(settings.BASE_DIR)}:{info.st_size}:{info.st_mtime_ns}\n".encode())
    return digest.hexdigest()[:12]


def fragment_key(request: HttpRequest | None, name: str, parts: list[Any], *, query: tuple[str, ...] = ()) -> str | None:
    """The cache key of a fragment (or a whole page) for this request, or None when it must not be cached: not a
    GET, or query parameters other than `query` (made-up URLs must not fill the cache)."""
    if request is None or not enabled() or request.method not in ("GET", "HEAD") or not set(request.GET) <= set(query):
        return None
    generations = getattr(request, "page_generations", None)
    user = getattr(request, "user", None)
    if generations is None or user is None or not user.is_authenticated:
        return None
    material = json.dumps(
        [
            user.pk,
            getattr(request, "LANGUAGE_CODE", ""),
            dates.local_today().isoformat(),
            request.get_full_path(),
            request.headers.get("HX-Request", ""),
            parts,
        ],
        default=str,
        ensure_ascii=False,
    )
    digest = hashlib.sha256(material.encode()).hexdigest()
    return f"pagecache:{release_stamp()}:{name}:{generations}:{digest}"


def content_key(request: HttpRequest | None, name: str, parts: list[Any]) -> str | None:
    """The key of a fragment that is a function of its parts alone (plus the release and the language): no generation,
    user, date or path, so it survives changes elsewhere. Its template must show nothing its parts do not determine."""
    if request is None or not enabled():
        return None
    material = json.dumps([getattr(request, "LANGUAGE_CODE", ""), parts], default=str, ensure_ascii=False)
    return f"pagecache:{release_stamp()}:{name}:{hashlib.sha256(material.encode()).hexdigest()}"


def cached_page(
    name: str, *, query: tuple[str, ...] = ()
) -> Callable[[Callable[..., HttpResponse]], Callable[..., HttpResponse]]:
    """A page served whole from the cache while nothing it shows has changed (view decorator, under login_required).

    Everything a page's answer depends on is in its key: the user (so their roles and assignments, which live in
    watched tables like the data itself), both generations (the data; the notifications behind the unread badge), the
    language, the date and the path. The same key therefore means the same answer, access decision included; the view
    runs only when the key is new. Pages with a message to show once are never stored, and neither is anything but a
    200 HTML answer, nor a URL with query parameters the page does not read (`query` names those it does), so nobody
    can fill the cache with made-up URLs.
    """

    def decorator(view: Callable[..., HttpResponse]) -> Callable[..., HttpResponse]:
        @wraps(view)
        def wrapper(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
            key = fragment_key(request, f"page:{name}", [], query=query)
            if key is None or len(messages.get_messages(request)):
                return view(request, *args, **kwargs)
            stored = cache.get(key)
            if stored is not None:  # kept encoded: a large page is served without decoding or encoding it again
                token = fresh_token(request).encode()
                return HttpResponse(stored.replace(CSRF_PLACEHOLDER_BYTES, token))
            response = view(request, *args, **kwargs)
            if (
                response.status_code == 200
                and not response.streaming
                and response.get("Content-Type", "").startswith("text/html")
                and not len(messages.get_messages(request))
            ):
                html = response.content.decode(response.charset)
                tokens = getattr(request, "pagecache_csrf_tokens", [])
                cache.set(key, store_csrf(html, tokens).encode(response.charset), settings.PAGE_CACHE_SECONDS)
            return response

        return wrapper

    return decorator


class PageGenerationMiddleware:
    """Reads the generation at the very start of every GET, before any data (see the module docstring)."""

    def __init__(self, get_response: Any) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> Any:
        if enabled() and request.method in ("GET", "HEAD"):
            generations = f"{current_generation(DATA)}.{current_generation(NOTIFICATIONS)}"
            request.page_generations = generations  # type: ignore[attr-defined]
        return self.get_response(request)
