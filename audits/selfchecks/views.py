"""Pages of the monthly self-check (SPEC §3, R8). Thin: access through selectors narrowed by the user's scope (404
otherwise), writes through services, every refusal shown as a clear Chinese message with nothing changed.
"""

from __future__ import annotations

from types import SimpleNamespace

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.http import FileResponse, Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.translation import get_language
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST
from markupsafe import escape

from audits.choices import ItemStatus, SelfCheckState
from audits.fragments import escaped_texts, render_fragment, upload_label
from audits.models import SelfCheck, SelfCheckItem
from audits.selfchecks.forms import ItemAnswerForm, ReopenForm
from audits.selfchecks.uploads import ACCEPT_ATTRIBUTE, MAX_FILES_PER_ITEM
from audits.signoff.selectors import can_sign
from core import dates
from core.access import EDIT, OPERATE, VIEW, Scope, scope_for
from touchpoints.choices import Function
from touchpoints.models import Project

from . import selectors, services

STATUS_BUTTONS = [
    (ItemStatus.DONE.value, ItemStatus.DONE.label, "success"),
    (ItemStatus.NOT_DONE.value, ItemStatus.NOT_DONE.label, "danger"),
    (ItemStatus.NA.value, ItemStatus.NA.label, "secondary"),
]


def _first_message(exc: ValidationError) -> str:
    return exc.messages[0] if exc.messages else _("输入有误")


def _editable(scope: Scope, selfcheck: SelfCheck) -> bool:
    return scope.can_edit_cell(selfcheck.project_id, selfcheck.function) and selfcheck.state == SelfCheckState.OPEN


def _card_context(*, editable: bool) -> dict:
    """What every item card needs, built once per page: URL prefixes (not one reverse() per item), labels.

    The cards are written with autoescaping off (selfcheck_item.jinja), so everything here is escaped once."""
    language = get_language()
    return {
        "editable": editable,
        "text": escaped_texts(language),
        "urls": SimpleNamespace(
            item=escape(reverse("audits:selfcheck_item_update", args=[0]).removesuffix("0/")),
            file=escape(reverse("audits:selfcheck_file_download", args=[0]).removesuffix("0/")),
        ),
        "status_buttons": [(value, escape(label), style) for value, label, style in STATUS_BUTTONS],
        "status_labels": {value: escape(label) for value, label in ItemStatus.choices},
        "accept": escape(ACCEPT_ATTRIBUTE),
        "max_files": MAX_FILES_PER_ITEM,
        "upload_text": escape(upload_label(MAX_FILES_PER_ITEM)),
    }


def _item_response(
    request: HttpRequest,
    *,
    item: SelfCheckItem,
    error: str = "",
    answer: dict | None = None,
    saved: bool = False,
    whole_card: bool = True,
) -> HttpResponse:
    """htmx: the item plus an out-of-band progress bar; without htmx: a message and back to the page.

    A tick (whole_card=False) answers with the item's new state alone — its status badge, message and history count,
    all out of band — since the form on the page already shows what was chosen. Adding or removing a file
    answers with the whole card, whose file list changed."""
    if not request.htmx:
        if error:
            messages.error(request, error)
        elif saved:
            messages.success(request, _("已保存"))
        return redirect(f"{reverse('audits:selfcheck_detail', args=[item.selfcheck_id])}#item-{item.pk}")
    scope = scope_for(request.user)
    if whole_card:
        item = selectors.item_with_context(item=item)
        progress = selectors.selfcheck_progress(selfcheck=item.selfcheck)
    else:  # the state alone: no files to list, only the history count and the progress (one light query)
        progress = selectors.item_state(item=item)
    context = {
        **_card_context(editable=_editable(scope, item.selfcheck)),
        "item": item,
        "error": error,
        "answer": answer or {"status": item.status, "na_reason": item.na_reason, "note": item.note},
        "saved": saved,
        "progress": progress,
    }
    # A fragment with the progress card out of band: no layout, so none of the layout's context processors (scope,
    # unread badge) run for it.
    html = render_fragment("selfcheck_item.jinja", {**context, "mode": "card" if whole_card else "tick"}, request)
    # 422 tells the client nothing was saved; static/js/selfcheck.js lets htmx swap it in to show the message.
    return HttpResponse(html, status=422 if error else 200)


@login_required
def selfcheck_overview(request: HttpRequest) -> HttpResponse:
    """A lead, a director and a function head see their cells' months; operations and HR see every cell."""
    scope = scope_for(request.user)
    today = dates.local_today()
    try:
        year = int(request.GET.get("year", today.year))
    except ValueError:
        year = today.year
    year = min(max(year, 2000), today.year)
    overview = selectors.cell_month_statuses(scope=scope, months=selectors.months_of(year, today), today=today)
    return render(
        request,
        "audits/selfcheck_overview.html",
        {
            "overview": overview,
            "today": today,
            "current": (today.year, today.month),
            "years": list(range(today.year, today.year - 3, -1)),
            "due": dates.due_date(today.year, today.month),
        },
    )


@login_required
@require_http_methods(["GET", "HEAD", "POST"])
def selfcheck_open(request: HttpRequest, code: str, function: str, month: str) -> HttpResponse:
    """A cell's checklist of a month. While the current month's is not generated yet, a GET shows a page whose POST
    button ("开始自检") generates it: following a link never writes."""
    scope = scope_for(request.user)
    try:
        year, month_number = dates.parse_month(month)
    except ValueError as exc:
        raise Http404 from exc
    project = get_object_or_404(Project, code=code)
    if function not in Function.values or not scope.can_read_cell(project.pk, function):
        raise Http404
    selfcheck = SelfCheck.objects.filter(project=project, function=function, year=year, month=month_number).first()
    if selfcheck is not None:
        return redirect("audits:selfcheck_detail", pk=selfcheck.pk)
    today = dates.local_today()
    if (year, month_number) != (today.year, today.month):
        raise Http404  # a past or future month's checklist is never generated from a page
    if not services.cell_has_checklist_items(project=project, function=function, month=month_number):
        raise Http404
    if request.method == "POST":
        selfcheck = services.selfcheck_get_or_generate(project=project, function=function, year=year, month=month_number)
        if selfcheck is None:
            raise Http404
        return redirect("audits:selfcheck_detail", pk=selfcheck.pk)
    return render(
        request,
        "audits/selfcheck_start.html",
        {
            "project": project,
            "function": Function(function),
            "label": dates.month_label(year, month_number),
            "due": dates.due_date(year, month_number),
        },
    )


@login_required
def selfcheck_detail(request: HttpRequest, pk: int) -> HttpResponse:
    """The checklist: editable by the cell's lead until submitted, read-only for everyone else who may see it."""
    scope = scope_for(request.user)
    selfcheck = selectors.get_selfcheck_for(scope=scope, pk=pk, action=VIEW)
    page = selectors.checklist_page(selfcheck=selfcheck, today=dates.local_today())
    editable = _editable(scope, selfcheck)
    cards = {**_card_context(editable=editable), "groups": page.groups, "progress": page.progress}
    items = render_fragment("selfcheck_item.jinja", {**cards, "mode": "page"}, request)
    progress = render_fragment("selfcheck_item.jinja", {**cards, "mode": "progress"})
    return render(
        request,
        "audits/selfcheck_detail.html",
        {
            "items": items,
            "progress_card": progress,
            "page": page,
            "selfcheck": selfcheck,
            "progress": page.progress,
            "editable": editable,
            "is_lead": scope.can_edit_cell(selfcheck.project_id, selfcheck.function),
            "can_reopen": scope.can_operate and selfcheck.state == SelfCheckState.SUBMITTED,
            "can_sign": can_sign(scope, selfcheck),
            "reopen_form": ReopenForm(),
            "accept": ACCEPT_ATTRIBUTE,
            "max_files": MAX_FILES_PER_ITEM,
            "status_buttons": STATUS_BUTTONS,
        },
    )


@login_required
@require_POST
def selfcheck_item_update(request: HttpRequest, pk: int) -> HttpResponse:
    """Save one item's answer at once (htmx on every change)."""
    scope = scope_for(request.user)
    form = ItemAnswerForm(request.POST)
    answer = {k: request.POST.get(k, "") for k in ("status", "na_reason", "note")}
    error = form.first_error() if not form.is_valid() else None
    if error is None:
        try:
            item, changed = services.selfcheck_item_answer(scope=scope, pk=pk, user=request.user, **form.cleaned_data)
        except ValidationError as exc:
            error = _first_message(exc)
        else:
            return _item_response(request, item=item, saved=changed, whole_card=False)
    # Refused: nothing was saved; the item as it stands, with the message (404 to whoever may not edit it).
    item = selectors.get_selfcheck_item_for(scope=scope, pk=pk, action=EDIT)
    return _item_response(request, item=item, error=error, answer=answer, whole_card=False)


@login_required
def selfcheck_item_history(request: HttpRequest, pk: int) -> HttpResponse:
    """An item's change history, loaded when someone opens it (htmx); 404 to whoever may not read the checklist."""
    item = selectors.get_selfcheck_item_for(scope=scope_for(request.user), pk=pk, action=VIEW)
    entries = selectors.item_history(item=item)
    template = "audits/_selfcheck_item_history.html" if request.htmx else "audits/selfcheck_item_history.html"
    return render(request, template, {"item": item, "entries": entries})


@login_required
@require_POST
def selfcheck_item_upload(request: HttpRequest, pk: int) -> HttpResponse:
    """Attach deliverable files to an item; each is checked from its content (audits.selfchecks.uploads)."""
    item = selectors.get_selfcheck_item_for(scope=scope_for(request.user), pk=pk, action=EDIT)
    uploads = [(f, f.name, f.size) for f in request.FILES.getlist("files")]
    try:
        services.deliverables_add(item=item, user=request.user, uploads=uploads)
    except ValidationError as exc:
        return _item_response(request, item=item, error=_first_message(exc))
    return _item_response(request, item=item, saved=True)


@login_required
@require_POST
def selfcheck_file_delete(request: HttpRequest, pk: int) -> HttpResponse:
    deliverable = selectors.get_deliverable_for(scope=scope_for(request.user), pk=pk, action=EDIT)
    item = deliverable.item
    try:
        services.deliverable_remove(deliverable=deliverable, user=request.user)
    except ValidationError as exc:
        return _item_response(request, item=item, error=_first_message(exc))
    return _item_response(request, item=item, saved=True)


@login_required
def selfcheck_file_download(request: HttpRequest, pk: int) -> FileResponse:
    """A deliverable, only to those who may read its cell; never served from a public path."""
    deliverable = selectors.get_deliverable_for(scope=scope_for(request.user), pk=pk, action=VIEW)
    try:
        handle = deliverable.file.open("rb")
    except FileNotFoundError as exc:
        raise Http404 from exc
    response = FileResponse(handle, as_attachment=True, filename=deliverable.original_name, content_type=deliverable.content_type)
    response["Cache-Control"] = "private, no-store"
    return response


@login_required
def selfcheck_submit(request: HttpRequest, pk: int) -> HttpResponse:
    """GET: the confirmation; POST: submit (R8: late after the due date, read-only afterwards)."""
    scope = scope_for(request.user)
    selfcheck = selectors.get_selfcheck_for(scope=scope, pk=pk, action=EDIT)
    if request.method != "POST":
        progress = selectors.selfcheck_progress(selfcheck=selfcheck)
        return render(
            request,
            "audits/selfcheck_submit.html",
            {
                "selfcheck": selfcheck,
                "progress": progress,
                "due": dates.due_date(selfcheck.year, selfcheck.month),
                "label": dates.month_label(selfcheck.year, selfcheck.month),
            },
        )
    try:
        selfcheck = services.selfcheck_submit(selfcheck=selfcheck, user=request.user)
    except ValidationError as exc:
        messages.error(request, _first_message(exc))
    else:
        if selfcheck.is_late:
            messages.warning(request, _("自检表已提交(逾期提交)。"))
        else:
            messages.success(request, _("自检表已提交。"))
    return redirect("audits:selfcheck_detail", pk=selfcheck.pk)


@login_required
def selfcheck_reopen(request: HttpRequest, pk: int) -> HttpResponse:
    """Operations send a submitted checklist back to its lead with a reason."""
    scope = scope_for(request.user)
    selfcheck = selectors.get_selfcheck_for(scope=scope, pk=pk, action=OPERATE)
    # Bound on every POST, even an empty one (htmx sends the CSRF token in a header, so the body may be empty).
    form = ReopenForm(request.POST if request.method == "POST" else None)
    if request.method == "POST" and form.is_valid():
        try:
            services.selfcheck_reopen(selfcheck=selfcheck, user=request.user, reason=form.cleaned_data["reason"])
        except ValidationError as exc:
            messages.error(request, _first_message(exc))
        else:
            messages.success(request, _("已退回,职能经理会收到通知。"))
        return redirect("audits:selfcheck_detail", pk=selfcheck.pk)
    # A POST without a valid reason is a 400 that shows the form again, naming the missing field.
    return render(
        request,
        "audits/selfcheck_reopen.html",
        {"selfcheck": selfcheck, "form": form, "label": dates.month_label(selfcheck.year, selfcheck.month)},
        status=400 if request.method == "POST" else 200,
    )
