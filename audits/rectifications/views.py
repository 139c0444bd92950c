"""Rectification pages (SPEC §14): the register (filters, download), one rectification with its log, and the steps.

Views are thin: access through `core.access` via the selectors (404 otherwise), changes through the services.
"""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import FileResponse, Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST

from core import access, dates
from core.access import scope_for
from core.xlsx import XLSX_CONTENT_TYPE
from touchpoints.choices import Function
from touchpoints.models import Project

from ..selfchecks.uploads import ACCEPT_ATTRIBUTE
from . import rules, selectors, services
from .choices import RectificationState
from .exports import RectificationExport
from .forms import ReturnForm, SubmitForm


@login_required
@require_GET
def rectification_register(request: HttpRequest) -> HttpResponse:
    """The register: operations and HR see all (HR read-only), directors, heads and leads their units'."""
    scope = scope_for(request.user)
    if not access.can_read_rectifications(scope):
        raise Http404
    today = dates.local_today()
    filters = selectors.register_filters(request.GET)
    rows, total = selectors.register(scope=scope, filters=filters, today=today)
    return render(
        request,
        "audits/rectifications/register.html",
        {
            "rows": rows,
            "total": total,
            "limit": selectors.REGISTER_LIMIT,
            "filters": filters,
            "projects": Project.objects.filter(is_active=True).order_by("code").only("code", "name"),
            "functions": Function.choices,
            "states": [(v, label) for v, label in RectificationState.choices if v != RectificationState.WITHDRAWN],
            "can_export": access.can_run_rectification_register(scope),
            "can_read_plans": access.can_read_plans(scope),
            "year": filters.quarter.year if filters.quarter else today.year,
        },
    )


@login_required
@require_GET
def rectification_export(request: HttpRequest, year: int) -> HttpResponse:
    """The register workbook of a year, the same as `export_rectifications YEAR` (SPEC §10)."""
    if not access.can_run_rectification_register(scope_for(request.user)) or not 2000 <= year <= 2100:
        raise Http404
    export = RectificationExport(year)
    response = HttpResponse(export.to_bytes(), content_type=XLSX_CONTENT_TYPE)
    response["Content-Disposition"] = f'attachment; filename="{export.filename()}"'
    response["Cache-Control"] = "private, no-store"
    return response


@login_required
@require_GET
def rectification_detail(request: HttpRequest, pk: int) -> HttpResponse:
    scope = scope_for(request.user)
    rect = selectors.rectification_for_read(scope=scope, pk=pk)
    today = dates.local_today()
    awaiting = rect.state in rules.AWAITING_LEAD
    can_submit = awaiting and access.can_submit_rectification(
        scope, project_id=rect.project_id, function=rect.function, responsible_id=rect.responsible_id
    )
    can_verify = (
        rect.state == RectificationState.SUBMITTED
        and access.can_verify_rectification(scope, project_id=rect.project_id, function=rect.function)
        and not access.is_own_rectification(
            user_id=request.user.pk, responsible_id=rect.responsible_id, submitted_by_id=rect.submitted_by_id
        )
    )
    return render(
        request,
        "audits/rectifications/detail.html",
        {
            "rect": rect,
            "overdue": rules.is_overdue(state=rect.state, due=rect.due_date, today=today),
            "responsible": selectors.person_label(rect.responsible),
            "events": selectors.events_of(rect),
            "files": list(rect.files.all()),
            "can_submit": can_submit,
            "can_verify": can_verify,
            "submit_form": SubmitForm(initial={"description": rect.description}),
            "return_form": ReturnForm(),
            "accept": ACCEPT_ATTRIBUTE,
            "quarter": dates.Quarter(rect.year, rect.quarter),
        },
    )


def _refused(request: HttpRequest, pk: int, message: str) -> HttpResponse:
    messages.error(request, message)
    return redirect("audits:rectification", pk=pk)


@login_required
@require_POST
def rectification_submit(request: HttpRequest, pk: int) -> HttpResponse:
    rect = selectors.rectification_for_submit(scope=scope_for(request.user), pk=pk)
    form = SubmitForm(request.POST)
    if not form.is_valid():
        return _refused(request, pk, form.errors["description"][0])
    uploads = [(f, f.name, f.size) for f in request.FILES.getlist("files")]
    try:
        services.rectification_submit(
            rectification=rect, user=request.user, description=form.cleaned_data["description"], uploads=uploads
        )
    except services.RectificationRefused as exc:
        return _refused(request, pk, str(exc))
    messages.success(request, _("整改已提交,等待验证。"))
    return redirect("audits:rectification", pk=pk)


@login_required
@require_POST
def rectification_verify(request: HttpRequest, pk: int) -> HttpResponse:
    rect = selectors.rectification_for_verify(scope=scope_for(request.user), pk=pk)
    try:
        services.rectification_verify(rectification=rect, user=request.user)
    except services.RectificationRefused as exc:
        return _refused(request, pk, str(exc))
    messages.success(request, _("整改已验证。"))
    return redirect("audits:rectification", pk=pk)


@login_required
@require_POST
def rectification_return(request: HttpRequest, pk: int) -> HttpResponse:
    rect = selectors.rectification_for_verify(scope=scope_for(request.user), pk=pk)
    form = ReturnForm(request.POST)
    if not form.is_valid():
        return _refused(request, pk, form.errors["comment"][0])
    try:
        services.rectification_return(rectification=rect, user=request.user, comment=form.cleaned_data["comment"])
    except services.RectificationRefused as exc:
        return _refused(request, pk, str(exc))
    messages.success(request, _("整改已退回,责任人会看到退回意见。"))
    return redirect("audits:rectification", pk=pk)


@login_required
@require_GET
def rectification_file(request: HttpRequest, pk: int) -> FileResponse:
    """A proof file, only to those who may read its rectification; never served from a public path."""
    proof = selectors.proof_for_read(scope=scope_for(request.user), pk=pk)
    try:
        handle = proof.file.open("rb")
    except FileNotFoundError as exc:
        raise Http404 from exc
    response = FileResponse(handle, as_attachment=True, filename=proof.original_name, content_type=proof.content_type)
    response["Cache-Control"] = "private, no-store"
    return response
