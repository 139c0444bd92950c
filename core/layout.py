"""The navigation bar of every signed-in page, rendered with Jinja2 (templates/fragments/navigation.jinja).

Django's template engine walked the bar's 13 `{% url %}`, 20 `{% translate %}` and the language menu node by node on
every page: 2–4 ms, as much as the empty view itself (docs/performance-notes.md). Here the links are reversed once per
URL configuration and the labels translated once per language, because neither changes while the process runs; what
belongs to the reader (the scope's roles, the unread count, the name, the CSRF token) is read on every request.
Nothing about the reader is kept.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from functools import cache, lru_cache
from types import SimpleNamespace
from typing import Any

from django.conf import settings
from django.middleware.csrf import get_token
from django.urls import NoReverseMatch, get_script_prefix, get_urlconf, reverse
from django.utils.translation import get_language, ngettext, override
from django.utils.translation import gettext_lazy as _
from jinja2 import ChainableUndefined, Environment, FileSystemLoader, select_autoescape
from markupsafe import Markup, escape

NAV_TEXT = {
    "brand": _("客户触点考核"),
    "menu": _("菜单"),
    "home": _("我的待办"),
    "selfchecks": _("月度自检"),
    "signoff": _("自检签认"),
    "board": _("季度检查"),
    "rectifications": _("整改"),
    "results": _("考核结果"),
    "rewards": _("奖惩与绩效"),
    "catalogue": _("触点目录"),
    "admin": _("管理后台"),
    "notifications": _("通知"),
    "account": _("修改密码"),  # the page to change one's password
    "otp": _("两步验证"),
    "language": _("语言"),
    "switch": _("切换"),
    "logout": _("退出登录"),
}

# name → URL name. A link whose app does not provide the URL is left out (as `{% url … as %}` was silent).
NAV_URLS = {
    "home": "home",
    "selfchecks": "audits:selfcheck_overview",
    "signoff": "audits:selfcheck_signoff",
    "board": "audits:board",
    "rectifications": "audits:rectifications",
    "results": "scoring:results",
    "rewards": "rewards:workspace",
    "catalogue": "catalogue",
    "admin": "admin:index",
    "notifications": "notifications:list",
    "account": "password_change",
    "otp": "otp_setup",
    "set_language": "set_language",
    "logout": "logout",
}


def fragment_environment() -> Environment:
    """A Jinja2 environment for templates/fragments: autoescaping on and as lenient as Django templates about a
    missing attribute. Each app that renders fragments makes its own and adds its globals."""
    return Environment(
        loader=FileSystemLoader(str(settings.BASE_DIR / "templates" / "fragments")),
        autoescape=select_autoescape(default=True, default_for_string=True),
        undefined=ChainableUndefined,
        auto_reload=settings.DEBUG,
        trim_blocks=True,
        lstrip_blocks=True,
    )


@cache
def _environment() -> Environment:
    return fragment_environment()


def _reverse_or_none(name: str) -> str | None:
    try:
        return reverse(name)
    except NoReverseMatch:
        return None


@lru_cache(maxsize=8)
def _urls(root_urlconf: str, urlconf: str | None, prefix: str) -> SimpleNamespace:
    return SimpleNamespace(**{key: _reverse_or_none(name) for key, name in NAV_URLS.items()})


def nav_urls() -> SimpleNamespace:
    """The bar's links, reversed once per URL configuration and script prefix (the arguments key the memo)."""
    return _urls(settings.ROOT_URLCONF, get_urlconf(), get_script_prefix())


def labels_in(
    language: str | None,
    labels: Mapping[str, Any],
    *,
    wrap: Callable[[str], Any] = str,
    **choices: Iterable[tuple[Any, Any]],
) -> SimpleNamespace:
    """`labels` (lazy translations) in one language, each passed through `wrap`, and each of `choices` (pairs such as
    a model field's choices) as a dict from value to its label in that language: what a Jinja2 fragment shows, for
    its caller to keep per language (functools.lru_cache), as nothing in it changes while the process runs.

    Attributes, not a dict: Jinja2 reads `text.saved` with getattr first, and a dict answers that with an exception
    every time."""
    with override(language):
        values = {key: wrap(str(value)) for key, value in labels.items()}
        values.update({name: {value: str(label) for value, label in pairs} for name, pairs in choices.items()})
        return SimpleNamespace(**values)


def escape_once() -> Callable[[Any], Markup]:
    """`escape` for one render of a table whose values repeat down its rows (grades, amounts, stages, verdicts): each
    distinct value is escaped once. Nothing outlives the render that asked for it."""
    escaped: dict[Any, Markup] = {}

    def once(value: Any) -> Markup:
        text = escaped.get(value)
        if text is None:
            text = escaped[value] = escape(value)
        return text

    return once


@lru_cache(maxsize=16)
def nav_texts(language: str | None) -> SimpleNamespace:
    """The bar's labels in one language, translated once per process and language, and the language menu."""
    return labels_in(language, NAV_TEXT, languages=settings.LANGUAGES)


def unread_label(n: int) -> str:
    return ngettext("通知:%(n)s 条未读", "通知:%(n)s 条未读", n) % {"n": n}


def navigation(*, request: Any, scope: Any, unread: int) -> Markup:
    """The navigation bar for the request's reader, as safe HTML for the Django layout (templates/base.html)."""
    language = get_language()
    user = getattr(request, "user", None)
    authenticated = bool(user is not None and user.is_authenticated)
    context = {
        "text": nav_texts(language),
        "urls": nav_urls(),
        "language": language,
        "authenticated": authenticated,
        "user": user,
        "scope": scope,
        "unread": unread,
        "unread_label": unread_label(unread) if unread else "",
        "next": request.get_full_path() if request is not None else "",
        "csrf_token": get_token(request) if authenticated else "",
    }
    # nosec B704: the environment autoescapes every value (select_autoescape default=True); this is its output.
    return Markup(_environment().get_template("navigation.jinja").render(context))  # nosec B704


# The layout's stylesheets and scripts (templates/base.html), in the order the page loads them: each tag around its
# static file's URL.
HEAD_ASSETS = (
    ('<link rel="icon" href="{}" type="image/svg+xml">', "favicon.svg"),
    ('<link rel="stylesheet" href="{}">', "vendor/bootstrap/bootstrap.min.css"),
    ('<link rel="stylesheet" href="{}">', "vendor/bootstrap-icons/bootstrap-icons.min.css"),
    ('<link rel="stylesheet" href="{}">', "css/app.css"),
)
SCRIPT_ASSETS = (
    ('<script src="{}"></script>', "vendor/bootstrap/bootstrap.bundle.min.js"),
    ('<script src="{}"></script>', "vendor/htmx/htmx.min.js"),
    ('<script src="{}"></script>', "js/app.js"),
)


@lru_cache(maxsize=16)
def _assets(kind: str, static_url: str, storage: str, debug: bool, prefix: str) -> Markup:
    from django.templatetags.static import static

    tags = HEAD_ASSETS if kind == "head" else SCRIPT_ASSETS
    # nosec B704: fixed markup around escaped static URLs.
    return Markup("\n  " if kind == "head" else "\n").join(Markup(tag).format(static(path)) for tag, path in tags)  # nosec B704


def layout_assets(kind: str) -> Markup:
    """The layout's `<link>` (kind "head") or `<script>` ("scripts") tags, as `{% static %}` wrote them. Static URLs
    change only with the static settings and DEBUG, the storage's manifest (read once per process) and the script
    prefix, which key the memo; nothing about the request or the reader is in them."""
    storage = settings.STORAGES.get("staticfiles", {}).get("BACKEND", "")
    return _assets(kind, settings.STATIC_URL or "", storage, settings.DEBUG, get_script_prefix())
