"""Django admin for the catalogue and the organisation. Every model keeps its history with before and after values."""

import base64
import hashlib

from django.contrib import admin, messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect
from django.template.response import TemplateResponse
from django.urls import path, reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from simple_history.admin import SimpleHistoryAdmin

from core.forms import WorkbookUploadForm
from core.xlsx import WorkbookInvalid, export_for

from .models import Assignment, Level, Person, Project, Stage, Touchpoint
from .services import catalogue_import
from .spreadsheets import CatalogueExport, catalogue_plan

admin.site.site_header = gettext_lazy("客户触点考核 · 管理后台")
admin.site.site_title = gettext_lazy("客户触点考核")
admin.site.index_title = gettext_lazy("目录、组织与规则")

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
SESSION_KEY = "catalogue_import_upload"


@admin.register(Stage)
class StageAdmin(SimpleHistoryAdmin):
    list_display = ["name", "order"]
    list_editable = ["order"]


@admin.register(Level)
class LevelAdmin(SimpleHistoryAdmin):
    list_display = ["name", "rank", "weight"]
    list_editable = ["weight"]


@admin.register(Touchpoint)
class TouchpointAdmin(SimpleHistoryAdmin):
    list_display = ["code", "name", "function", "stage", "level", "deliverable", "is_active"]
    list_display_links = ["code", "name"]
    list_editable = ["level"]
    list_filter = ["function", "stage", "level", "is_active"]
    search_fields = ["code", "name"]
    list_select_related = ["stage", "level"]
    list_per_page = 50
    change_list_template = "admin/touchpoints/touchpoint/change_list.html"

    def formfield_for_dbfield(self, db_field, request, **kwargs):
        """The level picked in the list is labelled for screen readers, and offers no add/change/delete icons per row."""
        field = super().formfield_for_dbfield(db_field, request, **kwargs)
        in_list = request.resolver_match is not None and request.resolver_match.url_name.endswith("changelist")
        if db_field.name == "level" and in_list and field is not None:
            wrapper = field.widget
            for flag in ("can_add_related", "can_change_related", "can_delete_related", "can_view_related"):
                setattr(wrapper, flag, False)
            getattr(wrapper, "widget", wrapper).attrs["aria-label"] = str(_("级别"))
        return field

    def get_urls(self):
        custom = [
            path("export/", self.admin_site.admin_view(self.export_view), name="touchpoints_touchpoint_export"),
            path("import/", self.admin_site.admin_view(self.import_view), name="touchpoints_touchpoint_import"),
        ]
        return custom + super().get_urls()

    def export_view(self, request: HttpRequest) -> HttpResponse:
        export = export_for(CatalogueExport.identifier).build()
        response = HttpResponse(export.to_bytes(), content_type=XLSX)
        response["Content-Disposition"] = f'attachment; filename="{export.filename()}"'
        return response

    def import_view(self, request: HttpRequest) -> HttpResponse:
        """Upload → preview of every change → confirm. The confirmed file is the one previewed (checked by digest)."""
        if not self.has_change_permission(request) or not self.has_add_permission(request):
            return redirect("admin:index")
        context = {**self.admin_site.each_context(request), "opts": self.model._meta, "title": _("导入触点目录")}
        if request.method == "POST" and "confirm" in request.POST:
            stored = request.session.get(SESSION_KEY)
            if not stored or stored["digest"] != request.POST.get("digest"):
                messages.error(request, _("预览已过期,请重新上传"))
                return redirect("admin:touchpoints_touchpoint_import")
            content = base64.b64decode(stored["content"])
            try:
                plan = catalogue_plan(content)
            except WorkbookInvalid as exc:
                context.update(form=WorkbookUploadForm(), errors=exc.errors)
                return TemplateResponse(request, "admin/touchpoints/touchpoint/import.html", context)
            summary = catalogue_import(plan=plan, user=request.user)
            del request.session[SESSION_KEY]
            messages.success(
                request,
                _("导入完成:新增 {created} 个,更新 {updated} 个,未变 {unchanged} 个").format(
                    created=summary.created, updated=summary.updated, unchanged=summary.unchanged
                ),
            )
            return redirect("admin:touchpoints_touchpoint_changelist")
        form = WorkbookUploadForm(request.POST or None, request.FILES or None)
        context["form"] = form
        if request.method == "POST" and form.is_valid():
            content = form.cleaned_data["file"].read()
            try:
                plan = catalogue_plan(content)
            except WorkbookInvalid as exc:
                context["errors"] = exc.errors
            else:
                digest = hashlib.sha256(content).hexdigest()
                request.session[SESSION_KEY] = {"digest": digest, "content": base64.b64encode(content).decode()}
                context.update(plan=plan, digest=digest)
        return TemplateResponse(request, "admin/touchpoints/touchpoint/import.html", context)

    def changelist_view(self, request: HttpRequest, extra_context=None):
        extra_context = {
            **(extra_context or {}),
            "export_url": reverse("admin:touchpoints_touchpoint_export"),
            "import_url": reverse("admin:touchpoints_touchpoint_import"),
        }
        return super().changelist_view(request, extra_context)


@admin.register(Project)
class ProjectAdmin(SimpleHistoryAdmin):
    list_display = ["code", "name", "stage_list", "is_active"]
    search_fields = ["code", "name"]
    filter_horizontal = ["stages"]

    def get_queryset(self, request):
        return super().get_queryset(request).prefetch_related("stages")

    @admin.display(description=gettext_lazy("当前阶段"))
    def stage_list(self, obj: Project) -> str:
        return "、".join(s.name for s in obj.stages.all())


class AssignmentInline(admin.TabularInline):
    model = Assignment
    extra = 0
    autocomplete_fields = ["project"]


@admin.register(Person)
class PersonAdmin(SimpleHistoryAdmin):
    list_display = ["employee_id", "name", "email", "user"]
    search_fields = ["employee_id", "name", "email"]
    inlines = [AssignmentInline]
    raw_id_fields = ["user"]


@admin.register(Assignment)
class AssignmentAdmin(SimpleHistoryAdmin):
    list_display = ["person", "role", "project", "function", "start", "end"]
    list_filter = ["role", "function", "project"]
    search_fields = ["person__name", "person__employee_id"]
    list_select_related = ["person", "project"]
    autocomplete_fields = ["person", "project"]
