"""Insight pages (SPEC §16): trends, the heat maps of where it fails and their findings, the drill-down from a unit's
score to its cells and items, and the quarter bulletin (page and PDF). Thin views: access through the reader's scope
(`core.access`), data through `scoring.insight` and `scoring.bulletin`."""

from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, render
from django.views.decorators.http import require_GET

from audits.selfchecks.bundles import may_bundle_unit
from core.access import scope_for
from core.dates import Quarter
from touchpoints.choices import Function
from touchpoints.models import Project

from . import bulletin, insight, selectors
from .choices import UnitKind


def _quarter(text: str) -> Quarter:
    try:
        return Quarter.parse(text)
    except ValueError as exc:
        raise Http404 from exc


def _latest(period: Quarter):
    result = insight.latest_result(quarter=period)
    if result is None:
        raise Http404
    return result


def _filters(request: HttpRequest) -> tuple[str, str]:
    function = request.GET.get("function", "")
    return (function if function in Function.values else ""), request.GET.get("stage", "")[:50]


def _page(request: HttpRequest) -> int:
    """The page asked for; anything that is not a number is the first page (the map clamps a number out of range)."""
    try:
        return int(request.GET.get("page", "1")[:6])
    except ValueError:
        return 1


@login_required
@require_GET
def trends(request: HttpRequest) -> HttpResponse:
    """Every unit's score, grade and rank over the last eight published quarters, the reader's own units first.
    Rankings are published to the whole company (R9), so every signed-in reader sees them."""
    table = insight.unit_trend_table(scope=scope_for(request.user))
    return render(request, "scoring/insight_trends.html", {"table": table, "chart": table.chart_data()})


@login_required
@require_GET
def heatmap(request: HttpRequest) -> HttpResponse:
    """Where it fails: not-done rates by touchpoint × project and × quarter over the published quarters, for the cells
    the reader may read, worst touchpoints first, a page at a time (`?page=`); filters by function and stage."""
    function, stage = _filters(request)
    maps = insight.heat_maps(scope=scope_for(request.user), function=function, stage=stage, page=_page(request))
    context = {"maps": maps, "function": function, "stage": stage, "functions": Function.choices}
    return render(request, "scoring/insight_heatmap.html", context)


@login_required
@require_GET
def findings(request: HttpRequest) -> HttpResponse:
    """The 未完成 items behind a heat-map cell (a touchpoint in a project or a quarter), those the reader may read."""
    function, stage = _filters(request)
    quarter = None
    if request.GET.get("quarter"):
        quarter = _quarter(request.GET["quarter"])
    found = insight.findings(
        scope=scope_for(request.user),
        code=request.GET.get("code", "")[:30],
        project=request.GET.get("project", "")[:30],
        quarter=quarter,
        function=function,
        stage=stage,
    )
    return render(request, "scoring/insight_findings.html", {"found": found})


@login_required
@require_GET
def unit_detail(request: HttpRequest, quarter: str, kind: str, code: str) -> HttpResponse:
    """Why a unit has its score, grade, rank and amount in the quarter's latest version (`?v=` an earlier one)."""
    period = _quarter(quarter)
    if kind not in UnitKind.values:
        raise Http404
    result = _latest(period)
    wanted = request.GET.get("v")
    if wanted and wanted != str(result.version):
        version = next((v for v in selectors.published_versions(quarter=period) if str(v.version) == wanted), None)
        if version is None:
            raise Http404
        result = selectors.result_version(pk=version.pk)
    scope = scope_for(request.user)
    explanation = insight.unit_explanation(result=result, kind=kind, code=code, scope=scope)
    context = {
        "quarter": period,
        "x": explanation,
        "result": result,
        "can_bundle": may_bundle_unit(scope=scope, kind=kind, code=code, project_id=explanation.project_id),
    }
    return render(request, "scoring/insight_unit.html", context)


@login_required
@require_GET
def cell_detail(request: HttpRequest, quarter: str, project: str, function: str) -> HttpResponse:
    """A cell of a published quarter, item by item: verdict, finding, self-check claim and files. Only for those who
    may read the cell (404 otherwise, as for its files)."""
    period = _quarter(quarter)
    scope = scope_for(request.user)
    if function not in Function.values:
        raise Http404
    cell_project = get_object_or_404(Project, code=project)
    if not scope.can_read_cell(cell_project.pk, function):
        raise Http404
    latest = insight.latest_cells(quarter=period)
    if latest is None:
        raise Http404
    version, cells = latest
    explanation = insight.cell_explanation(quarter=period, version=version, cells=cells, project=cell_project, function=function)
    return render(request, "scoring/insight_cell.html", {"quarter": period, "x": explanation})


@login_required
@require_GET
def bulletin_page(request: HttpRequest, quarter: str) -> HttpResponse:
    """The quarter's bulletin (通报) as a printable page."""
    data = bulletin.bulletin_for(quarter=_quarter(quarter))
    if data is None:
        raise Http404
    return render(request, "scoring/insight_bulletin.html", {"b": data, "quarter": data.quarter})


@login_required
@require_GET
def bulletin_pdf(request: HttpRequest, quarter: str) -> HttpResponse:
    """The quarter's bulletin as a PDF (the same as `export_bulletin`)."""
    data = bulletin.bulletin_for(quarter=_quarter(quarter))
    if data is None:
        raise Http404
    response = HttpResponse(bulletin.bulletin_pdf(data), content_type="application/pdf")
    response["Content-Disposition"] = f'attachment; filename="{bulletin.bulletin_filename(data.quarter)}"'
    return response
