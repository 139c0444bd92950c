"""Deliverable bundles and "copy last month" (SPEC §16). Thin: access in the selectors (404 otherwise), writes in
`audits.selfchecks.copying`."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.http import Http404, HttpRequest, HttpResponse, StreamingHttpResponse
from django.shortcuts import redirect
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST

from audits.selfchecks import bundles, copying, selectors
from core.access import EDIT, scope_for
from core.dates import Quarter


def _quarter(text: str) -> Quarter:
    try:
        return Quarter.parse(text)
    except ValueError as exc:
        raise Http404 from exc


def _zip_response(bundle: bundles.Bundle) -> StreamingHttpResponse:
    response = StreamingHttpResponse(bundles.stream_zip(bundle), content_type="application/zip")
    response["Content-Disposition"] = f'attachment; filename="{bundle.filename}"'
    response["Cache-Control"] = "private, no-store"
    return response


@login_required
@require_GET
def bundle_cell(request: HttpRequest, quarter: str, project: str, function: str) -> StreamingHttpResponse:
    """One zip of a cell's deliverables of a quarter."""
    bundle = bundles.cell_bundle(
        scope=scope_for(request.user), quarter=_quarter(quarter), project_code=project, function=function
    )
    return _zip_response(bundle)


@login_required
@require_GET
def bundle_unit(request: HttpRequest, quarter: str, kind: str, code: str) -> StreamingHttpResponse:
    """One zip of a unit's deliverables of a quarter (a project's cells, or a function's across projects)."""
    bundle = bundles.unit_bundle(scope=scope_for(request.user), quarter=_quarter(quarter), kind=kind, code=code)
    return _zip_response(bundle)


@login_required
@require_POST
def selfcheck_copy_last_month(request: HttpRequest, pk: int) -> HttpResponse:
    """The cell's lead starts this month's checklist from last month's answers (nothing is submitted)."""
    selfcheck = selectors.get_selfcheck_for(scope=scope_for(request.user), pk=pk, action=EDIT)
    try:
        outcome = copying.selfcheck_copy_last_month(selfcheck=selfcheck, user=request.user)
    except ValidationError as exc:
        messages.error(request, exc.messages[0])
    else:
        messages.success(
            request,
            _("已沿用上月 {items} 项的填写内容和 {files} 个交付件,请逐项核对后再提交").format(
                items=outcome.items, files=outcome.files
            ),
        )
    return redirect("audits:selfcheck_detail", pk=selfcheck.pk)
