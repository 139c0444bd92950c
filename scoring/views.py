"""Results pages (published to everyone signed in), and operations' preview, publish and amend pages. Thin views:
access through `core.access.scope_for`, data through selectors, writes through services."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods

from core.access import Scope, scope_for
from core.dates import Quarter, local_today
from core.publication import quarter_is_published
from core.xlsx import XLSX_CONTENT_TYPE, export_for

from . import plans, selectors, services
from .forms import AmendForm, ConfirmPublishForm

MAX_VERSION = 32767  # QuarterResult.version is a PositiveSmallIntegerField


def _quarter(text: str) -> Quarter:
    try:
        return Quarter.parse(text)
    except ValueError as exc:
        raise Http404 from exc


def _operations(request: HttpRequest) -> Scope:
    """Publishing and amending are operations' work (SPEC §1); anyone else gets 404."""
    scope = scope_for(request.user)
    if not scope.can_operate:
        raise Http404
    return scope


def _pending_quarter(scope: Scope, today, published: list[Quarter] | None = None) -> Quarter | None:
    """For operations: the last ended quarter while it is still open (R9: due on the 10th). `published`: the quarters
    with a published version, when the page has read them already (a quarter with one is locked, scoring.status)."""
    if not scope.can_operate:
        return None
    last = Quarter.of(today).previous()
    if published is not None:
        return None if last in published else last
    return None if quarter_is_published(last) else last


@login_required
def results(request: HttpRequest) -> HttpResponse:
    """The latest published quarter (the navigation's 考核结果)."""
    periods = selectors.published_periods()
    if periods:
        return results_quarter(request, str(periods[0]), periods=periods)
    scope = scope_for(request.user)
    today = local_today()
    context = {
        "periods": [],
        "pending": _pending_quarter(scope, today),
        "mine": selectors.my_units(scope=scope, today=today),
    }
    return render(request, "scoring/results_empty.html", context)


@login_required
def results_quarter(request: HttpRequest, quarter: str, periods: list[Quarter] | None = None) -> HttpResponse:
    """Both rankings of a quarter's published version (latest, or `?v=` for an earlier one), the per-cell detail the
    user may read, each unit's trend, and the user's own units with grades, caps and warnings."""
    period = _quarter(quarter)
    wanted = request.GET.get("v")
    number = None
    if wanted:
        # `?v=` names a version as the page's links write it; anything else names none.
        if not wanted.isdigit() or str(int(wanted)) != wanted or int(wanted) > MAX_VERSION:
            raise Http404
        number = int(wanted)
    # Every version's header and the shown version's snapshot in one query; the periods, the quarter's versions and
    # the latest versions that the trends and "my units" read are taken from it.
    read = selectors.versions_for_page(quarter=period, version=number)
    versions = read.versions
    chosen = read.shown
    if not versions or chosen is None:
        raise Http404
    scope = scope_for(request.user)
    today = local_today()
    trends = selectors.unit_trends(upto=period, versions=read)
    context = {
        "quarter": period,
        "periods": periods if periods is not None else read.periods,
        "versions": versions,
        "page": selectors.results_page(result=chosen, scope=scope),
        "is_latest": chosen.pk == versions[0].pk,
        "trends": trends.as_data(),
        "mine": selectors.my_units(scope=scope, today=today, versions=read, trends=trends),
        "pending": _pending_quarter(scope, today, published=read.periods),
        "can_amend": scope.can_operate,
        "can_export": scope.sees_all,
    }
    context["rectification_rows"] = plans.rectification_summary(page=context["page"], quarter=period, today=today)
    return render(request, "scoring/results.html", context)


def _open_preview(request: HttpRequest, period: Quarter) -> tuple[services.Preview | None, HttpResponse | None]:
    """The quarter's preview, or the response that replaces the page: published already, or a refusal."""
    if quarter_is_published(period):
        messages.info(request, _("{quarter} 已发布;如需更正请发布修订版本").format(quarter=period))
        return None, redirect("scoring:results_quarter", quarter=str(period))
    try:
        outcome = services.quarter_preview(quarter=period)
    except services.PublicationRefused as exc:
        page = render(
            request, "scoring/preview.html", {"quarter": period, "error": str(exc), "ended": period.has_ended(local_today())}
        )
        return None, page
    return outcome, None


def _refusal(outcome: services.Preview) -> str | None:
    """Why the quarter cannot be published now, if it cannot (the service says the same, SPEC §7)."""
    try:
        services.refuse_if_empty(outcome)
    except services.PublicationRefused as exc:
        return str(exc)
    return None


@login_required
@require_http_methods(["GET", "POST"])
def preview(request: HttpRequest, quarter: str) -> HttpResponse:
    """Operations, step 1 of 2: what publishing the quarter would freeze and the cells still without a finalised
    inspection, with the way on to the confirmation page. A POST here is the confirmation step's (SPEC §7): without the
    typed confirmation it is refused and publishes nothing."""
    scope = _operations(request)
    period = _quarter(quarter)
    if request.method == "POST":
        return publish(request, quarter)
    outcome, response = _open_preview(request, period)
    if response is not None:
        return response
    context = {
        "quarter": period,
        "preview": outcome,
        "counts": outcome.counts,
        "refusal": _refusal(outcome),
        "page": selectors.rankings(
            data=services.preview_data(outcome), scope=scope, missing=[cell.as_data() for cell in outcome.missing]
        ),
        "ended": period.has_ended(local_today()),
    }
    return render(request, "scoring/preview.html", context)


@login_required
@require_http_methods(["GET", "POST"])
def publish(request: HttpRequest, quarter: str) -> HttpResponse:
    """Operations, step 2 of 2 (SPEC §7): the confirmation page names the quarter and the counts of units, rewards and
    penalties; publishing needs the quarter typed in (and the missing cells confirmed), checked here on the server."""
    _operations(request)
    period = _quarter(quarter)
    outcome, response = _open_preview(request, period)
    if response is not None:
        return response
    refusal = _refusal(outcome)
    ended = period.has_ended(local_today())
    form = ConfirmPublishForm(
        request.POST if request.method == "POST" else None,
        quarter=period,
        fingerprint=outcome.fingerprint,
        missing_count=len(outcome.missing),
    )
    if request.method == "POST":
        if refusal or not ended:
            messages.error(request, refusal or _("{quarter} 尚未结束,结束后才能发布").format(quarter=period))
        elif form.is_valid():
            try:
                result = services.quarter_publish(
                    quarter=period, user=request.user, confirm_missing=form.cleaned_data["confirm_missing"]
                )
            except services.PublicationRefused as exc:
                messages.error(request, str(exc))
            else:
                messages.success(request, _("{quarter} 考核结果已发布,已通知所有被考核人员").format(quarter=period))
                return redirect("scoring:results_quarter", quarter=str(result.period))
        else:
            messages.error(request, _("未发布:请按提示完成确认"))
    context = {
        "quarter": period,
        "preview": outcome,
        "counts": outcome.counts,
        "refusal": refusal,
        "form": form,
        "ended": ended,
    }
    return render(request, "scoring/publish_confirm.html", context, status=400 if request.method == "POST" else 200)


@login_required
@require_http_methods(["GET", "POST"])
def amend(request: HttpRequest, quarter: str) -> HttpResponse:
    """Operations: publish a correction of a published quarter as its next version, with a reason (SPEC §7)."""
    _operations(request)
    period = _quarter(quarter)
    current = selectors.latest_results(quarter=period)
    if current is None:
        raise Http404
    form = AmendForm(request.POST if request.method == "POST" else None)
    if request.method == "POST" and form.is_valid():
        try:
            result = services.quarter_amend(quarter=period, user=request.user, reason=form.cleaned_data["reason"])
        except services.PublicationRefused as exc:
            messages.error(request, str(exc))
        else:
            messages.success(request, _("{quarter} 已修订为第 {version} 版").format(quarter=period, version=result.version))
            return redirect("scoring:results_quarter", quarter=str(period))
    return render(request, "scoring/amend.html", {"quarter": period, "current": current, "form": form})


@login_required
def export(request: HttpRequest, quarter: str) -> HttpResponse:
    """The quarter's workbook (SPEC §10) for operations, HR and admins: it carries every cell's detail."""
    if not scope_for(request.user).sees_all:
        raise Http404
    workbook = export_for("quarter").build(quarter=_quarter(quarter))
    response = HttpResponse(workbook.to_bytes(), content_type=XLSX_CONTENT_TYPE)
    response["Content-Disposition"] = f'attachment; filename="{workbook.filename()}"'
    return response
