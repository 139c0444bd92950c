"""The rewards workspace, the split page and HR's downloads. Thin: access through selectors fed by `scope_for`, writes
through services, rules in `rewards.rules`."""

from __future__ import annotations

import io

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import FileResponse, Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from core import dates
from core.access import scope_for
from core.xlsx import XLSX_CONTENT_TYPE

from . import selectors
from .choices import SplitAction, SplitState
from .exports import workspace_export
from .forms import SplitPartsForm, StepForm
from .models import Split
from .rules import Actor, SplitRefused
from .services import SPLIT_STEPS, split_save


def _year(request: HttpRequest) -> int:
    text = request.GET.get("year", "")
    if text.isdigit() and len(text) == 4:
        return int(text)
    return dates.local_today().year


@login_required
def workspace(request: HttpRequest) -> HttpResponse:
    """HR's and operations' workspace; a director's or head's ledger of their units; everyone's own parts (R14, §10)."""
    scope = scope_for(request.user)
    year = _year(request)
    spans = selectors.lead_spans(person=scope.person)
    shows_ledger = scope.sees_all or selectors.is_lead(scope=scope, spans=spans)
    rows = selectors.ledger_rows(scope=scope, year=year, spans=spans) if shows_ledger else []
    context = {
        "scope": scope,
        "year": year,
        "years": selectors.ledger_years(),
        "shows_ledger": shows_ledger,
        "rows": rows,
        "summary": selectors.ledger_summary(rows),
        "pending": selectors.pending_counts(scope=scope, spans=spans),
        "my_parts": selectors.my_parts(scope=scope, year=year),
        "caps": selectors.caps_table(year=year) if scope.sees_all else None,
        "downloads": scope.sees_all,
        "quarters": selectors.published_quarters_of(year=year) if scope.sees_all else [],
    }
    return render(request, "rewards/workspace.html", context)


@login_required
def mine(request: HttpRequest) -> HttpResponse:
    """My rewards: the parts of splits that name me (once past the director's draft)."""
    scope = scope_for(request.user)
    year = _year(request)
    context = {"year": year, "years": selectors.ledger_years(), "my_parts": selectors.my_parts(scope=scope, year=year)}
    return render(request, "rewards/mine.html", context)


def _split_context(request: HttpRequest, page: selectors.SplitPage, form: SplitPartsForm | None = None) -> dict:
    editable = (
        Actor.SPLITTER in page.actors
        and (page.split is None or page.split.state == SplitState.DRAFT)
        and page.status.value in ("unsplit", "draft")
    )
    if editable and form is None:
        form = SplitPartsForm(
            candidates=list(page.candidates.values()), amount=page.entry.amount, initial_parts=page.part_by_person
        )
    state = page.split.state if page.split else None
    steps = []
    if page.split is not None and page.status.value not in ("reversed", "reversal"):
        if Actor.SPLITTER in page.actors and state == SplitState.DRAFT and page.parts:
            steps.append((SplitAction.SUBMIT, _("提交审核"), "btn-primary", False))
        if Actor.OPERATIONS in page.actors and state == SplitState.SUBMITTED:
            steps.append((SplitAction.REVIEW, _("审核通过"), "btn-success", False))
        if Actor.HR in page.actors and state == SplitState.REVIEWED:
            steps.append((SplitAction.FILE, _("备案"), "btn-success", False))
        if (Actor.OPERATIONS in page.actors and state in (SplitState.SUBMITTED, SplitState.REVIEWED)) or (
            Actor.HR in page.actors and state == SplitState.REVIEWED
        ):
            steps.append((SplitAction.SEND_BACK, _("退回修改"), "btn-outline-danger", True))
    return {"page": page, "form": form if editable else None, "steps": steps, "amount": page.entry.amount}


@login_required
def split(request: HttpRequest, entry_id: int) -> HttpResponse:
    """One entry's split: the director or head fills the parts; operations and HR follow and act (R14)."""
    scope = scope_for(request.user)
    entry = selectors.get_entry_for(scope=scope, pk=entry_id)
    page = selectors.split_page(scope=scope, entry=entry)
    if request.method == "POST":
        if Actor.SPLITTER not in page.actors:
            raise Http404
        form = SplitPartsForm(
            request.POST, candidates=list(page.candidates.values()), amount=entry.amount, initial_parts=page.part_by_person
        )
        if form.is_valid():
            submit = request.POST.get("submit") == "1"
            try:
                split_save(
                    entry=entry, user=request.user, parts=form.parts(), submit=submit, comment=form.cleaned_data["comment"]
                )
            except SplitRefused as refused:
                for message in refused.messages:
                    form.add_error(None, message)
            else:
                messages.success(request, _("分配已提交,等待运营管理部审核。") if submit else _("分配草稿已保存。"))
                return redirect("rewards:split", entry_id=entry.pk)
        return render(request, "rewards/split.html", _split_context(request, page, form), status=422)
    return render(request, "rewards/split.html", _split_context(request, page))


@login_required
@require_POST
def split_step(request: HttpRequest, split_id: int) -> HttpResponse:
    """Submit, review, file or send back a split (R14); a refused step says why and changes nothing."""
    scope = scope_for(request.user)
    split_obj = Split.objects.filter(pk=split_id).first()
    if split_obj is None:
        raise Http404
    entry = selectors.get_entry_for(scope=scope, pk=split_obj.entry_id)
    form = StepForm(request.POST)
    if not form.is_valid():
        messages.error(request, _("无法识别的操作。"))
        return redirect("rewards:split", entry_id=entry.pk)
    step = SPLIT_STEPS[SplitAction(form.cleaned_data["action"])]
    try:
        step(split=split_obj, user=request.user, comment=form.cleaned_data["comment"])
    except SplitRefused as refused:
        for message in refused.messages:
            messages.error(request, message)
    else:
        messages.success(request, _("已{action}。").format(action=SplitAction(form.cleaned_data["action"]).label))
    return redirect("rewards:split", entry_id=entry.pk)


@login_required
def download(request: HttpRequest, kind: str) -> HttpResponse:
    """HR's workbooks: caps, rewards ledger, quarter results — the same files as the commands (SPEC §10)."""
    scope = scope_for(request.user)
    if not scope.sees_all:
        raise Http404
    export = workspace_export(kind=kind, year=_year(request), quarter=request.GET.get("quarter"))
    return FileResponse(
        io.BytesIO(export.to_bytes()), as_attachment=True, filename=export.filename(), content_type=XLSX_CONTENT_TYPE
    )
