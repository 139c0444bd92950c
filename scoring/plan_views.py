"""Rectification plan pages (SPEC §14): the list, one plan with its filing form, and operations' acknowledgement."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import FileResponse, Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST

from audits.selfchecks.uploads import ACCEPT_ATTRIBUTE
from core import access, dates
from core.access import scope_for

from . import plans
from .models import PlanState


@login_required
@require_GET
def plan_list(request: HttpRequest) -> HttpResponse:
    scope = scope_for(request.user)
    if not access.can_read_plans(scope):
        raise Http404
    rows = list(plans.plans_visible(scope=scope).order_by("-year", "-quarter", "unit_kind", "unit_code")[:500])
    today = dates.local_today()
    return render(request, "scoring/plans.html", {"plans": rows, "today": today, "pending": PlanState.PENDING})


@login_required
@require_GET
def plan_detail(request: HttpRequest, pk: int) -> HttpResponse:
    scope = scope_for(request.user)
    plan = plans.plan_for_read(scope=scope, pk=pk)
    return render(
        request,
        "scoring/plan_detail.html",
        {
            "plan": plan,
            "can_file": plan.state != PlanState.ACKNOWLEDGED and plans.plan_can_file(scope, plan),
            "can_acknowledge": plan.state == PlanState.SUBMITTED and access.can_acknowledge_plan(scope),
            "overdue": plan.state == PlanState.PENDING and dates.local_today() > plan.due_date,
            "accept": ACCEPT_ATTRIBUTE,
        },
    )


@login_required
@require_POST
def plan_submit(request: HttpRequest, pk: int) -> HttpResponse:
    plan = plans.plan_for_file(scope=scope_for(request.user), pk=pk)
    upload = request.FILES.get("file")
    try:
        plans.plan_submit(
            plan=plan,
            user=request.user,
            text=request.POST.get("text", ""),
            upload=(upload, upload.name, upload.size) if upload else None,
        )
    except plans.PlanRefused as exc:
        messages.error(request, str(exc))
    else:
        messages.success(request, _("整改方案已提交。"))
    return redirect("scoring:plan", pk=pk)


@login_required
@require_POST
def plan_acknowledge(request: HttpRequest, pk: int) -> HttpResponse:
    plan = plans.plan_for_acknowledge(scope=scope_for(request.user), pk=pk)
    try:
        plans.plan_acknowledge(plan=plan, user=request.user)
    except plans.PlanRefused as exc:
        messages.error(request, str(exc))
    else:
        messages.success(request, _("整改方案已确认。"))
    return redirect("scoring:plan", pk=pk)


@login_required
@require_GET
def plan_file(request: HttpRequest, pk: int) -> FileResponse:
    plan = plans.plan_for_read(scope=scope_for(request.user), pk=pk)
    if not plan.file:
        raise Http404
    try:
        handle = plan.file.open("rb")
    except FileNotFoundError as exc:
        raise Http404 from exc
    response = FileResponse(handle, as_attachment=True, filename=plan.file_name, content_type=plan.file_type)
    response["Cache-Control"] = "private, no-store"
    return response
