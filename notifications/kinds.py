"""The kinds of notification and how each renders (stored as kind + parameters, rendered in the reader's language, SPEC §1).

A notification row keeps only its kind and its parameters: plain, language-neutral data (codes, numbers, dates in ISO
form, names of people and projects as entered). Its subject and body are produced here, under whatever language is
active — the request's for a page, the recipient's (``translation.override``) for an e-mail, the group's for a chat
post. So switching to English changes every notification, old ones included.

An app adds a kind by registering a renderer in its own ``notices`` module, which ``NotificationsConfig.ready``
imports from every installed app (like admin.py)::

    # myapp/notices.py
    from django.utils.translation import gettext as _
    from notifications.kinds import Rendered, register

    @register("rectification_overdue", label=_lazy("整改逾期"), icon="bi-exclamation-triangle", chat=True)
    def overdue(params: dict) -> Rendered:
        return Rendered(_("整改逾期:{item}").format(item=params["item"]), _("请尽快完成整改。"))

``chat=True`` also posts the kind to the recipients' units' group robots (SPEC §15: reminders, publication notices,
rectification escalations).
"""

from __future__ import annotations

import datetime as dt
import logging
from collections.abc import Callable
from contextlib import nullcontext
from dataclasses import dataclass
from typing import Any

from django.utils import dateformat, translation
from django.utils.functional import Promise
from django.utils.translation import gettext as _

logger = logging.getLogger(__name__)


@dataclass(frozen=True)
class Rendered:
    """A notification as a reader sees it."""

    subject: str
    body: str


@dataclass(frozen=True)
class Kind:
    code: str
    label: Promise | str
    icon: str
    chat: bool
    render: Callable[[dict[str, Any]], Rendered]


_KINDS: dict[str, Kind] = {}


def register(code: str, *, label: Promise | str, icon: str = "bi-bell", chat: bool = False):
    """Register the renderer of a kind (a decorator). ``label`` should be lazy (gettext_lazy)."""

    def decorate(render: Callable[[dict[str, Any]], Rendered]) -> Callable[[dict[str, Any]], Rendered]:
        _KINDS[str(code)] = Kind(str(code), label, icon, chat, render)
        return render

    return decorate


def kind_of(code: str) -> Kind | None:
    return _KINDS.get(code)


def kind_label(code: str) -> str:
    kind = _KINDS.get(code)
    return str(kind.label) if kind is not None else _("通知")


def kind_icon(code: str) -> str:
    kind = _KINDS.get(code)
    return kind.icon if kind is not None else "bi-bell"


def kind_choices() -> list[tuple[str, str]]:
    """(code, label) of every registered kind, for the sent log's filter."""
    return [(kind.code, str(kind.label)) for kind in _KINDS.values()]


def posts_to_chat(code: str) -> bool:
    kind = _KINDS.get(code)
    return kind is not None and kind.chat


def render(code: str, params: dict[str, Any], *, language: str | None = None) -> Rendered:
    """The subject and body of a notification, in ``language`` (default: the active one).

    Rows written before kinds had parameters carry their old text as ``params["legacy"]`` and show it as it was. A
    renderer that cannot read its parameters (a kind removed, a row from a newer release) falls back to the kind's
    label rather than breaking the page.
    """
    with translation.override(language) if language else nullcontext():
        legacy = params.get("legacy") if isinstance(params, dict) else None
        if legacy:
            return Rendered(str(legacy.get("subject", "")), str(legacy.get("body", "")))
        kind = _KINDS.get(code)
        if kind is not None:
            try:
                return kind.render(params)
            except (KeyError, ValueError, TypeError, IndexError):
                logger.exception("notification %s cannot render its parameters", code)
        return Rendered(kind_label(code), "")


# -- labels every renderer shares (translated, from language-neutral data) ------------------------------------------


def quarter_label(text: str) -> str:
    """``2026Q3`` → 2026年第3季度 / Q3 2026."""
    year, number = str(text).upper().split("Q")
    return _("{year}年第{number}季度").format(year=int(year), number=int(number))


def month_label(year: int, month: int) -> str:
    """2026年11月 / November 2026: a date format, translated (Django's month names follow the active language)."""
    # Translators: a PHP-style date format (Django's date filter) for a month, e.g. "F Y".
    return dateformat.format(dt.date(year, month, 1), _("Y年n月"))


def day_label(iso: str) -> str:
    """11月30日 / November 30."""
    # Translators: a PHP-style date format (Django's date filter) for a day of a month, e.g. "F j".
    return dateformat.format(dt.date.fromisoformat(iso), _("n月j日"))


def function_label(code: str) -> str:
    from touchpoints.choices import Function

    return str(Function(code).label) if code in Function.values else code


def cell_label(project: str, function: str) -> str:
    """A cell as ``[project name, function code]`` → 项目 · 职能."""
    return _("{project} · {function}").format(project=project, function=function_label(function))


def lines(items) -> str:
    return "\n".join(f"- {item}" for item in items)
