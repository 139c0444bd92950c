"""Quarterly inspection pages: the board, an inspection, discrepancies, paper imports (R5b, R6, SPEC §3, §10).

Views are thin: access through the Scope (core.access.scope_for) and the selectors, changes through services.
A user without access gets 404.
"""

from __future__ import annotations

import base64
import hashlib
from types import SimpleNamespace

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST
from markupsafe import Markup, escape

from core import dates
from core.access import EDIT, scope_for
from core.publication import quarter_is_published
from core.xlsx import WorkbookInvalid
from touchpoints.choices import Function
from touchpoints.models import Project

from ..choices import InspectionState, ItemStatus
from ..fragments import items_label, render_each, render_fragment
from ..rectifications.selectors import cell_rectifications
from ..signoff.selectors import cell_signoffs
from . import selectors
from .board_filters import BoardFilter, filter_board
from .choices import MONTH_ICONS, STATE_ICONS, CellState, MonthState
from .forms import InspectionUploadForm, ReopenForm, VerdictForm
from .services import (
    InspectionRefused,
    assessed_unit_of,
    inspection_finalise,
    inspection_import,
    inspection_item_record,
    inspection_open,
    inspection_reopen,
    inspection_start_refusal,
)
from .spreadsheets import INSPECTION_COLUMNS, inspection_plan

IMPORT_SESSION_KEY = "inspection_import_upload"


def _inspection_url(inspection) -> str:
    return reverse(
        "audits:inspection",
        args=[f"{inspection.year}Q{inspection.quarter}", inspection.project.code, inspection.function],
    )


@login_required
def board(request: HttpRequest, quarter: str | None = None) -> HttpResponse:
    """The quarter board: projects × functions, self-checks and inspection state per cell."""
    scope = scope_for(request.user)
    if not scope.reads_board:
        raise Http404
    selected = selectors.quarter_from_url(quarter) if quarter else selectors.default_quarter()
    chosen = BoardFilter.from_query(request.GET)
    current = dates.Quarter.of(dates.local_today())
    if selected > current:  # a quarter that has not started has nothing to show
        messages.info(
            request,
            _("%(q)s 尚未开始,已为您显示本季度 %(c)s。") % {"q": selected.label, "c": current.label},
        )
        return redirect(reverse("audits:board", args=[str(current)]) + chosen.query_string)
    whole = selectors.quarter_board(quarter=selected, scope=scope)
    data = filter_board(whole, chosen)
    # URLs built once per page, not once per cell: the cell appends its project code and function.
    inspection_prefix = reverse("audits:inspection", args=[str(selected), "P", "F"]).removesuffix("P/F/")
    can_operate = scope.can_operate
    month_names = {month: selectors.MonthCell.label_of(month) for _year, month in selected.months}
    month_labels = {state.value: str(state.label) for state in MonthState}
    state_labels = {state.value: str(state.label) for state in CellState}
    function_labels = {function.value: str(function.label) for function in data.functions}
    # Each distinct mark rendered once, and each distinct set of a cell's three marks joined once: a page of 900
    # marks has a few dozen of either.
    shown = [cell for row in data.rows for cell in row.cells if cell is not None]
    mark_sets = {cell.months for cell in shown}
    marks = render_each(
        "month_mark.jinja",
        "m",
        {m for months in mark_sets for m in months},
        {"month_icons": MONTH_ICONS, "month_names": month_names, "month_labels": month_labels},
    )
    month_marks = {months: Markup("").join(marks[m] for m in months) for months in mark_sets}
    board_rows = render_fragment(
        "board_rows.jinja",
        {
            "month_marks": month_marks,
            # Each distinct item count's label, translated and escaped once (a page of 300 cells has a few).
            "item_labels": {n: escape(items_label(n)) for n in {cell.items for cell in shown}},
            "board": data,
            "can_operate": scope.inspects,  # R5b: operations and the inspection team open cells from the board
            "inspection_prefix": inspection_prefix,
            "discrepancies_url": reverse("audits:discrepancies", args=[str(selected)]),
            "state_labels": state_labels,
            "state_icons": STATE_ICONS,
            "function_labels": function_labels,
        },
    )
    following = selected.next()
    return render(
        request,
        "audits/board.html",
        {
            "board": data,
            "quarter": selected,
            "previous": selected.previous(),
            "next": following if following <= current else None,
            "can_operate": can_operate,
            "can_inspect": scope.inspects,  # R5b: operations and the inspection team open cells from the board
            # The legends, filters and column heads as plain values, each label translated once: the template
            # walks them as tuples, not looking the enum's value and label up node by node.
            "month_states": [(state.value, month_labels[state.value], MONTH_ICONS[state.value]) for state in MonthState],
            "cell_states": [
                (state.value, state_labels[state.value], STATE_ICONS[state.value], data.counts.get(state, 0))
                for state in CellState
            ],
            "board_rows": board_rows,
            "filter": chosen,
            "filter_projects": render_fragment(
                "board_project_options.jinja", {"projects": [row.project for row in whole.rows], "chosen": chosen.project}
            ),
            "filter_functions": [(function.value, str(function.label)) for function in whole.functions],
            "column_labels": function_labels.values(),
            "shown_cells": len(shown),
        },
    )


def _inspection_context(*, inspection, scope, published: bool, user) -> dict:
    rows = selectors.inspection_rows(inspection=inspection)
    in_progress = not published and inspection.state == InspectionState.IN_PROGRESS
    # R5b: nobody judges a cell of a unit they are assessed in that quarter.
    assessed_here = in_progress and assessed_unit_of(user=user, inspection=inspection) is not None
    return {
        "inspection": inspection,
        "rows": rows,
        "counts": selectors.tally((row.item.verdict, row.item.claimed_status) for row in rows),
        # R5b: operations judge every cell, an inspection-team member their function's; only operations finalise.
        "editable": scope.can_judge_function(inspection.function) and in_progress and not assessed_here,
        "assessed_here": assessed_here,
        "can_finalise": scope.can_operate and in_progress,
        "can_reopen": scope.can_operate and not published and inspection.state == InspectionState.FINALISED,
        "reopen_form": ReopenForm(),
        "participants": selectors.inspection_participant_names(inspection=inspection),
    }


@login_required
@require_http_methods(["GET", "HEAD", "POST"])
def inspection_page(request: HttpRequest, quarter: str, project: str, function: str) -> HttpResponse:
    """One cell's inspection of a quarter. A GET only shows it; operations start it (or add the items self-checks
    added since) with a POST to the same address, so following a link never writes."""
    if request.method == "POST":
        return _inspection_start(request, quarter=quarter, project=project, function=function)
    return _inspection_show(request, quarter=quarter, project=project, function=function)


def _inspection_start(request: HttpRequest, *, quarter: str, project: str, function: str) -> HttpResponse:
    scope = scope_for(request.user)
    selected = selectors.quarter_from_url(quarter)
    cell_project, cell_function = selectors.cell_for_reader(scope=scope, project_code=project, function=function)
    if not scope.can_judge_function(cell_function):  # R5b: operations, or the function's inspection-team member
        raise Http404
    try:
        inspection = inspection_open(project=cell_project, function=cell_function, quarter=selected, user=request.user)
    except InspectionRefused as exc:
        messages.error(request, str(exc))
    else:
        if inspection is None:
            messages.info(request, _("本季度该单元格没有检查项,不列入考核。"))
    return redirect("audits:inspection", quarter=str(selected), project=cell_project.code, function=cell_function.value)


def _inspection_show(request: HttpRequest, *, quarter: str, project: str, function: str) -> HttpResponse:
    scope = scope_for(request.user)
    selected = selectors.quarter_from_url(quarter)
    cell_project, cell_function, inspection = selectors.cell_inspection_for_reader(
        scope=scope, project_code=project, function=function, quarter=selected
    )
    published = quarter_is_published(selected)
    refusal = None
    can_start = False
    new_items = 0
    if scope.can_judge_function(cell_function):  # R5b: operations, or the function's inspection-team member
        if inspection is None:
            refusal = inspection_start_refusal(quarter=selected)
            can_start = refusal is None and bool(
                selectors.inspection_sources(project=cell_project, function=cell_function, quarter=selected)
            )
        elif not published:
            new_items = len(selectors.inspection_new_sources(inspection=inspection))
    context = {
        "quarter": selected,
        "project": cell_project,
        "function": cell_function,
        "published": published,
        "refusal": refusal,
        "can_start": can_start,
        "new_items": new_items,
        "can_operate": scope.can_judge_function(cell_function),
        "can_read_board": scope.reads_board,
        "inspection": inspection,
        # SPEC §14: the cell's open and recently verified rectifications, to look at on site.
        "cell_rectifications": cell_rectifications(
            scope=scope, project_id=cell_project.pk, function=cell_function, today=dates.local_today()
        ),
        "signoffs": cell_signoffs(project_id=cell_project.pk, function=cell_function, quarter=selected),
    }
    if inspection is not None:
        context.update(_inspection_context(inspection=inspection, scope=scope, published=published, user=request.user))
        context["items"] = render_fragment(
            "inspection_items.jinja",
            {**_item_fragment_context(editable=context["editable"]), "rows": context["rows"], "mode": "page"},
            request,
        )
    return render(request, "audits/inspection_page.html", context)


def _item_fragment_context(*, editable: bool) -> dict:
    """What the item cards need, built once per page: URL prefixes (not one reverse() per item) and labels."""
    return {
        "editable": editable,
        "urls": SimpleNamespace(
            item=reverse("audits:inspection_item", args=[0]).removesuffix("0/"),
            file=reverse("audits:selfcheck_file_download", args=[0]).removesuffix("0/"),
        ),
        "verdict_choices": [(value, str(label)) for value, label in VerdictForm.base_fields["verdict"].choices[1:]],
        "status_labels": {value: str(label) for value, label in ItemStatus.choices},
    }


@login_required
@require_POST
def inspection_item(request: HttpRequest, pk: int) -> HttpResponse:
    """Save one verdict immediately (htmx); returns the item's card and the updated progress."""
    scope = scope_for(request.user)
    item = selectors.get_inspection_item_for(scope=scope, pk=pk, action=EDIT)
    form = VerdictForm(request.POST)
    error = None
    if form.is_valid():
        try:
            item = inspection_item_record(
                item=item, verdict=form.cleaned_data["verdict"], finding=form.cleaned_data["finding"], user=request.user
            )
        except InspectionRefused as exc:
            error = str(exc)
    else:
        error = _("提交的内容无效")
    if not request.htmx:
        if error:
            messages.error(request, error)
        return redirect(_inspection_url(item.inspection))
    item.refresh_from_db()
    inspection = item.inspection
    published = quarter_is_published(dates.Quarter(inspection.year, inspection.quarter))
    editable = inspection.state == InspectionState.IN_PROGRESS and not published
    fragment = render_fragment(
        "inspection_items.jinja",
        {
            **_item_fragment_context(editable=editable),
            # The cards' loop over this one item, printing its status line alone.
            "rows": [SimpleNamespace(item=item, files=(), judged=selectors.judged_name(item) if item.verdict else None)],
            "error": error,
            "saved": error is None,
            "mode": "status",
        },
    )
    context = {"fragment": fragment, "counts": selectors.inspection_counts(inspection=inspection), "oob": True}
    return render(request, "audits/_inspection_status.html", context)


@login_required
@require_POST
def inspection_finalise_view(request: HttpRequest, pk: int) -> HttpResponse:
    scope = scope_for(request.user)
    inspection = selectors.get_inspection_for(scope=scope, pk=pk, action=EDIT)
    try:
        inspection_finalise(inspection=inspection, user=request.user)
    except InspectionRefused as exc:  # InspectionIncomplete lists the items still without a verdict
        messages.error(request, str(exc))
    else:
        messages.success(request, _("检查已定稿。"))
    return redirect(_inspection_url(inspection))


@login_required
@require_POST
def inspection_reopen_view(request: HttpRequest, pk: int) -> HttpResponse:
    scope = scope_for(request.user)
    inspection = selectors.get_inspection_for(scope=scope, pk=pk, action=EDIT)
    try:
        inspection_reopen(inspection=inspection, reason=request.POST.get("reason", ""), user=request.user)
    except InspectionRefused as exc:
        messages.error(request, str(exc))
    else:
        messages.success(request, _("检查已重新打开。"))
    return redirect(_inspection_url(inspection))


@login_required
def discrepancy_list(request: HttpRequest, quarter: str | None = None) -> HttpResponse:
    """虚报: items claimed done in the self-checks and found not done, per cell, for a quarter."""
    scope = scope_for(request.user)
    if not scope.reads_board:
        raise Http404
    selected = selectors.quarter_from_url(quarter) if quarter else selectors.default_quarter()
    project = None
    function = request.GET.get("function") or None
    if function and function not in Function.values:
        raise Http404
    if request.GET.get("project"):
        project = get_object_or_404(Project, code=request.GET["project"])  # rows are narrowed by scope in the selector
    groups = selectors.discrepancies(quarter=selected, scope=scope, project=project, function=function)
    return render(
        request,
        "audits/discrepancies.html",
        {
            "quarter": selected,
            "previous": selected.previous(),
            "next": selected.next(),
            "groups": groups,
            "total": sum(len(g.items) for g in groups),
            "project": project,
            "function": Function(function) if function else None,
        },
    )


@login_required
@require_http_methods(["GET", "POST"])
def inspection_import_view(request: HttpRequest) -> HttpResponse:
    """Paper inspections: upload → preview of what will be created or replaced → confirm (SPEC §10).

    The confirmed file is the one previewed: it is kept in the session and checked by its SHA-256 digest.
    """
    scope = scope_for(request.user)
    if not scope.can_operate:
        raise Http404
    context: dict = {"columns": INSPECTION_COLUMNS}
    if request.method == "POST" and "confirm" in request.POST:
        stored = request.session.get(IMPORT_SESSION_KEY)
        if not stored or stored["digest"] != request.POST.get("digest"):
            messages.error(request, _("预览已过期,请重新上传"))
            return redirect("audits:inspection_import")
        quarter = dates.Quarter.parse(stored["quarter"])
        try:
            plan = inspection_plan(base64.b64decode(stored["content"]), quarter=quarter)
            summary = inspection_import(plan=plan, user=request.user)
        except WorkbookInvalid as exc:
            context.update(form=InspectionUploadForm(initial={"quarter": str(quarter)}), errors=exc.errors)
            return render(request, "audits/inspection_import.html", context)
        except InspectionRefused as exc:
            messages.error(request, str(exc))
            return redirect("audits:inspection_import")
        del request.session[IMPORT_SESSION_KEY]
        messages.success(
            request,
            _("导入完成:新建 {created} 份检查,替换 {replaced} 份,共 {items} 个检查项,均已定稿。").format(
                created=summary.created, replaced=summary.replaced, items=summary.items
            ),
        )
        return redirect("audits:board", quarter=str(quarter))
    form = InspectionUploadForm(
        request.POST if request.method == "POST" else None,
        request.FILES if request.method == "POST" else None,
        initial={"quarter": str(selectors.default_quarter())},
    )
    context["form"] = form
    if request.method == "POST" and form.is_valid():
        content = form.cleaned_data["file"].read()
        quarter = form.cleaned_data["quarter"]
        try:
            plan = inspection_plan(content, quarter=quarter)
        except WorkbookInvalid as exc:
            context["errors"] = exc.errors
        else:
            digest = hashlib.sha256(content).hexdigest()
            request.session[IMPORT_SESSION_KEY] = {
                "digest": digest,
                "quarter": str(quarter),
                "content": base64.b64encode(content).decode(),
            }
            context.update(plan=plan, digest=digest)
    return render(request, "audits/inspection_import.html", context)
