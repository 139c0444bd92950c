"""The group-robot page's two lists in Jinja2 (templates/fragments/webhook_list.jinja and chat_log.jinja): the
registered robots and their latest posts, also shown under the sent log.

Django's engine walked two `{% url %}`, two `{% csrf_token %}` and five `{% translate %}` per robot and eight per post:
with a robot for the company, each project and each function (66) the page took 17× the empty view. Here the labels
are translated once per language, the links built from one prefix, and the choices' labels looked up in a dict. Both
lists are plain values (selectors.WebhookLine, ChatLine), not model instances.
"""

from __future__ import annotations

from functools import cache, lru_cache
from types import SimpleNamespace
from typing import Any

from django.conf import settings
from django.middleware.csrf import get_token
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import get_language, ngettext
from django.utils.translation import gettext_lazy as _
from jinja2 import Environment
from markupsafe import Markup, escape

from core.layout import fragment_environment, labels_in

from .choices import ChatProvider, WebhookScope
from .kinds import function_label, kind_label

TEXT = {
    "disabled": _("已停用"),
    "send_test": _("发送测试"),
    "disable": _("停用"),
    "enable": _("重新启用"),
    "chat_title": _("群机器人消息"),
    "time": _("时间"),
    "robot": _("群机器人"),
    "kind": _("类型"),
    "period": _("期间"),
    "result": _("结果"),
    "sent": _("成功"),
    "failed": _("失败"),
    "pending": _("待发送"),
}


@lru_cache(maxsize=16)
def texts(language: str | None) -> SimpleNamespace:
    """The lists' labels and the choices' names in one language, translated once per process and language."""
    return labels_in(language, TEXT, providers=ChatProvider.choices, scopes=WebhookScope.choices, languages=settings.LANGUAGES)


@lru_cache(maxsize=16)
def escaped_texts(language: str | None) -> SimpleNamespace:
    """`texts` escaped once per process and language, labels and choices' labels alike: the lists' row loops write
    them with autoescaping off, so that a row escapes only its own values (the escaping was a quarter of the page)."""
    return SimpleNamespace(
        **{
            key: {code: escape(label) for code, label in value.items()} if isinstance(value, dict) else escape(value)
            for key, value in vars(texts(language)).items()
        }
    )


@lru_cache(maxsize=256)
def _attempts_label(language: str | None, n: int) -> str:
    return ngettext("尝试 %(n)s 次", "尝试 %(n)s 次", n) % {"n": n}


@lru_cache(maxsize=256)
def _kind_label(language: str | None, kind: str) -> str:
    return str(kind_label(kind))


@lru_cache(maxsize=64)
def _function_label(language: str | None, function: str) -> str:
    return str(function_label(function))


def _local_minute(moment) -> str:
    """As the Django templates showed it (`|date:"Y-m-d H:i"`): in the company's time zone, to the minute."""
    return moment.astimezone(timezone.get_current_timezone()).strftime("%Y-%m-%d %H:%M") if moment else ""


@cache
def environment() -> Environment:
    env = fragment_environment()
    env.filters["local_minute"] = _local_minute
    return env


def _render(name: str, context: dict[str, Any]) -> Markup:
    language = get_language()
    context = {
        "text": texts(language),
        "t": escaped_texts(language),
        "attempts_label": lambda n: _attempts_label(language, n),
        "kind_label": lambda kind: _kind_label(language, kind),
        "function_label": lambda function: _function_label(language, function),
        **context,
    }
    # nosec B704: the environment autoescapes every value (select_autoescape default=True); this is its output.
    return Markup(environment().get_template(name).render(context))  # nosec B704


def _around_pk(name: str) -> tuple[str, str]:
    """A URL with one id, as what comes before and after the id: reversed once, not once per robot."""
    before, after = reverse(name, args=[0]).rsplit("/0/", 1)
    return f"{before}/", f"/{after}"


def webhook_list(*, webhooks, request) -> Markup:
    """The registered robots, each with its test and on/off buttons."""
    context = {
        "webhooks": webhooks,
        "test_url": _around_pk("notifications:webhook_test"),
        "toggle_url": _around_pk("notifications:webhook_toggle"),
        "csrf_token": get_token(request),
    }
    return _render("webhook_list.jinja", context)


def chat_log(*, chat) -> Markup:
    """The latest group posts and their results."""
    return _render("chat_log.jinja", {"chat": chat})
