"""The director's sign-off pages (签认, R5a): the month's list, confirm, send back with a comment.

Thin: the checklist comes from `selectors.signoff.signable_selfchecks` (404 for anyone but the project's director),
the change from `services.signoff`.
"""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST

from core import dates
from core.access import scope_for

from ..choices import SelfCheckState
from . import selectors, services


def _back(request: HttpRequest, selfcheck) -> HttpResponse:
    target = request.POST.get("next", "")
    if target and url_has_allowed_host_and_scheme(target, allowed_hosts={request.get_host()}):
        return redirect(target)
    return redirect(f"{reverse('audits:selfcheck_signoff')}?month={selfcheck.year}-{selfcheck.month:02d}")


@login_required
@require_GET
def signoff_list(request: HttpRequest) -> HttpResponse:
    """A director's checklists of one month (default: this month), each confirmed or waiting for them."""
    scope = scope_for(request.user)
    if not scope.directed_projects:
        raise Http404
    today = dates.local_today()
    try:
        year, month = dates.parse_month(request.GET["month"]) if request.GET.get("month") else (today.year, today.month)
    except ValueError as exc:
        raise Http404 from exc
    previous = (year - 1, 12) if month == 1 else (year, month - 1)
    following = (year + 1, 1) if month == 12 else (year, month + 1)
    checks = selectors.signoff_month(scope=scope, year=year, month=month)
    return render(
        request,
        "audits/selfcheck_signoff.html",
        {
            "checks": checks,
            "label": dates.month_label(year, month),
            "previous": f"{previous[0]}-{previous[1]:02d}",
            "following": f"{following[0]}-{following[1]:02d}" if following <= (today.year, today.month) else "",
            "waiting": sum(1 for c in checks if c.state == SelfCheckState.SUBMITTED and c.confirmed_at is None),
        },
    )


@login_required
@require_POST
def signoff_confirm(request: HttpRequest, pk: int) -> HttpResponse:
    scope = scope_for(request.user)
    selfcheck = get_object_or_404(selectors.signable_selfchecks(scope), pk=pk)
    try:
        services.selfcheck_confirm(selfcheck=selfcheck, user=request.user)
    except ValidationError as exc:
        messages.error(request, exc.messages[0])
    else:
        messages.success(request, _("已签认:{cell}").format(cell=str(selfcheck)))
    return _back(request, selfcheck)


@login_required
@require_POST
def signoff_return(request: HttpRequest, pk: int) -> HttpResponse:
    scope = scope_for(request.user)
    selfcheck = get_object_or_404(selectors.signable_selfchecks(scope), pk=pk)
    try:
        services.selfcheck_return(selfcheck=selfcheck, user=request.user, comment=request.POST.get("comment", ""))
    except ValidationError as exc:
        messages.error(request, exc.messages[0])
    else:
        messages.success(request, _("已退回,职能经理会收到通知:{cell}").format(cell=str(selfcheck)))
    return _back(request, selfcheck)
