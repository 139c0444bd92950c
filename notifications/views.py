"""The in-app notification centre and operations' sent log. Thin: selectors read, services write, scope decides."""

from __future__ import annotations

import json
from urllib.parse import urlencode

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST

from core.access import scope_for

from . import selectors, services
from .forms import WebhookForm
from .kinds import kind_choices
from .models import Webhook

PAGE_SIZE = 20
LOG_PAGE_SIZE = 50


def _safe_next(request: HttpRequest, target: str, fallback: str) -> str:
    if target and url_has_allowed_host_and_scheme(target, allowed_hosts={request.get_host()}, require_https=request.is_secure()):
        return target
    return fallback


def _unread_trigger(response: HttpResponse, *, user) -> HttpResponse:
    """Tell the page (static/js/notifications.js) the new unread count, so the bell badge follows without a reload."""
    response["HX-Trigger"] = json.dumps({"notificationsUnread": {"count": selectors.unread_count(user=user)}})
    return response


@login_required
@require_GET
def notification_list(request: HttpRequest) -> HttpResponse:
    """The user's notifications, newest first; ``?unread=1`` shows the unread ones only."""
    unread_only = request.GET.get("unread") == "1"
    page = Paginator(selectors.notifications_for(user=request.user, unread_only=unread_only), PAGE_SIZE).get_page(
        request.GET.get("page")
    )
    return render(
        request,
        "notifications/list.html",
        {
            "page": page,
            "unread_only": unread_only,
            "scope": scope_for(request.user),
            "languages": settings.LANGUAGES,
            "email_language": services.languages_of([request.user.pk])[request.user.pk],
        },
    )


@login_required
@require_POST
def notification_read(request: HttpRequest, pk: int) -> HttpResponse:
    """Mark one of the user's notifications read (someone else's is a 404)."""
    notification = get_object_or_404(selectors.notifications_for(user=request.user), pk=pk)
    services.notification_mark_read(notification=notification)
    if request.htmx:
        response = render(request, "notifications/_item.html", {"n": notification})
        return _unread_trigger(response, user=request.user)
    return redirect(_safe_next(request, request.POST.get("next", ""), reverse("notifications:list")))


@login_required
@require_POST
def notification_open(request: HttpRequest, pk: int) -> HttpResponse:
    """Mark a notification read and go to the page it asks the user to act on."""
    notification = get_object_or_404(selectors.notifications_for(user=request.user), pk=pk)
    services.notification_mark_read(notification=notification)
    return redirect(_safe_next(request, notification.url, reverse("notifications:list")))


@login_required
@require_POST
def notification_read_all(request: HttpRequest) -> HttpResponse:
    """Mark all of the user's notifications read."""
    changed = services.notifications_mark_all_read(user=request.user)
    if changed:
        messages.success(request, _("已将 {n} 条通知标为已读。").format(n=changed))
    return redirect(_safe_next(request, request.POST.get("next", ""), reverse("notifications:list")))


@login_required
@require_GET
def sent_log(request: HttpRequest) -> HttpResponse:
    """SPEC §9: what was sent to whom, for operations (and admins); anyone else gets a 404."""
    scope = scope_for(request.user)
    if not scope.can_operate:
        raise Http404
    kinds = kind_choices()
    kind = request.GET.get("kind", "")
    if kind not in dict(kinds):
        kind = ""
    period = request.GET.get("period", "").strip()[:40]
    rows = selectors.sent_log(kind=kind, period=period)
    page = Paginator(rows, LOG_PAGE_SIZE).get_page(request.GET.get("page"))
    return render(
        request,
        "notifications/sent_log.html",
        {
            "page": page,
            "kind": kind,
            "period": period,
            "kinds": kinds,
            "chat": selectors.chat_log(kind=kind, period=period, limit=LOG_PAGE_SIZE),
            "periods": selectors.sent_log_periods(kind=kind),
            "summary": selectors.sent_log_summary(kind=kind, period=period),
            "filter_query": urlencode({key: value for key, value in (("kind", kind), ("period", period)) if value}),
            "scope": scope,
        },
    )


@login_required
@require_POST
def language_set(request: HttpRequest) -> HttpResponse:
    """The language of the user's e-mails (SPEC §1); the page's own language follows Django's language switch."""
    try:
        services.language_set(user=request.user, language=request.POST.get("language", ""))
    except ValueError:
        messages.error(request, _("不支持的语言"))
    else:
        messages.success(request, _("已保存邮件语言。"))
    return redirect(_safe_next(request, request.POST.get("next", ""), reverse("notifications:list")))


def _operations_only(request: HttpRequest) -> None:
    """Group robots are operations' (SPEC §15); anyone else gets a 404, as for the sent log."""
    if not scope_for(request.user).can_operate:
        raise Http404


@login_required
def webhooks(request: HttpRequest) -> HttpResponse:
    """Operations see the registered group robots and what was posted to each (SPEC §15); registering one is on its
    own page (`webhook_new`). The registration form used to post here, so a POST still registers."""
    _operations_only(request)
    if request.method == "POST":
        return _webhook_register(request)
    if request.method != "GET":
        return HttpResponse(status=405)
    return render(
        request,
        "notifications/webhooks.html",
        {"webhooks": selectors.webhooks_all(), "chat": selectors.chat_log(limit=LOG_PAGE_SIZE), "scope": scope_for(request.user)},
    )


@login_required
def webhook_new(request: HttpRequest) -> HttpResponse:
    """Operations register a group robot: its platform, whose group it is, and its credentials."""
    _operations_only(request)
    if request.method == "POST":
        return _webhook_register(request)
    if request.method != "GET":
        return HttpResponse(status=405)
    return render(request, "notifications/webhook_new.html", {"form": WebhookForm()})


def _webhook_register(request: HttpRequest) -> HttpResponse:
    """Register the posted robot and go back to the list, or show the form again with its errors."""
    form = WebhookForm(request.POST)
    if form.is_valid():
        webhook = services.webhook_register(user=request.user, **form.cleaned_data)
        messages.success(request, _("已登记群机器人「{name}」。").format(name=webhook.name))
        return redirect("notifications:webhooks")
    return render(request, "notifications/webhook_new.html", {"form": form}, status=400)


@login_required
@require_POST
def webhook_test(request: HttpRequest, pk: int) -> HttpResponse:
    """Send a sample message to one robot (asynchronously; the result shows in the log below)."""
    _operations_only(request)
    webhook = get_object_or_404(Webhook, pk=pk)
    services.webhook_test_send(webhook=webhook, user=request.user)
    messages.success(request, _("测试消息已排队发送,结果见下方记录。"))
    return redirect("notifications:webhooks")


@login_required
@require_POST
def webhook_toggle(request: HttpRequest, pk: int) -> HttpResponse:
    """Switch a robot off (nothing more is posted to it) or back on."""
    _operations_only(request)
    webhook = get_object_or_404(Webhook, pk=pk)
    services.webhook_set_active(webhook=webhook, active=not webhook.active)
    return redirect("notifications:webhooks")
