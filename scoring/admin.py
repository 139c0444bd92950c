"""Admin for grade bands and policy (editable, with history) and published results (read only, SPEC §7)."""

from __future__ import annotations

from decimal import Decimal

from django import forms
from django.contrib import admin
from django.http import HttpRequest
from django.utils.translation import gettext as _
from simple_history.admin import SimpleHistoryAdmin

from . import engine
from .models import GradeBand, Policy, QuarterResult, RectificationPlan, UnitResult


def _engine_bands(bands) -> tuple[engine.GradeBand, ...]:
    """Bands (label, min_percent, order) → engine bands best first, checked: descending, down to 0%, with B- (R11)."""
    ordered = sorted(bands, key=lambda band: (band[2], -band[1]))
    checked = engine.validate_bands([engine.GradeBand(label, Decimal(min_percent)) for label, min_percent, _order in ordered])
    labels = [band.label for band in checked]
    if engine.CAP_GRADE not in labels:
        raise ValueError(_("等级档中必须有 {grade}(绩效上限按「{grade}及以下」判断)").format(grade=engine.CAP_GRADE))
    return checked


class GradeBandForm(forms.ModelForm):
    class Meta:
        model = GradeBand
        fields = ["label", "min_percent", "order"]

    def clean(self):
        cleaned = super().clean()
        if self.errors:
            return cleaned
        others = GradeBand.objects.exclude(pk=self.instance.pk) if self.instance.pk else GradeBand.objects.all()
        bands = [(b.label, b.min_percent, b.order) for b in others]
        bands.append((cleaned["label"], cleaned["min_percent"], cleaned["order"]))
        try:
            _engine_bands(bands)
        except ValueError as exc:
            raise forms.ValidationError(_("修改后的等级档不可用:{error}").format(error=exc)) from exc
        return cleaned


@admin.register(GradeBand)
class GradeBandAdmin(SimpleHistoryAdmin):
    """Bands are checked as a whole with the engine's rules after every edit (SPEC §5); published versions keep the
    bands they used, so an edit applies to publications and amendments from now on."""

    form = GradeBandForm
    list_display = ["label", "min_percent", "order"]
    ordering = ["order"]
    actions = None

    def has_delete_permission(self, request: HttpRequest, obj: GradeBand | None = None) -> bool:
        if not super().has_delete_permission(request, obj):
            return False
        if obj is None:
            return True
        try:
            _engine_bands([(b.label, b.min_percent, b.order) for b in GradeBand.objects.exclude(pk=obj.pk)])
        except ValueError:
            return False  # deleting it would leave no usable bands
        return True


class PolicyForm(forms.ModelForm):
    class Meta:
        model = Policy
        fields = ["effective_from", "amount", "reward_above_percent", "penalty_below_percent"]

    def clean(self):
        cleaned = super().clean()
        if self.errors:
            return cleaned
        try:
            engine.Policy(
                amount=cleaned["amount"],
                reward_above_percent=Decimal(cleaned["reward_above_percent"]),
                penalty_below_percent=Decimal(cleaned["penalty_below_percent"]),
            )
        except ValueError as exc:
            raise forms.ValidationError(str(exc)) from exc
        for name in ("reward_above_percent", "penalty_below_percent"):
            if not 0 <= cleaned[name] <= 100:
                self.add_error(name, _("应在 0 到 100 之间"))
        return cleaned


@admin.register(Policy)
class PolicyAdmin(SimpleHistoryAdmin):
    """A quarter uses the policy in force on its last day (SPEC §5); the published snapshot records it."""

    form = PolicyForm
    list_display = ["effective_from", "amount", "reward_above_percent", "penalty_below_percent"]
    date_hierarchy = "effective_from"


class ReadOnlyAdmin(admin.ModelAdmin):
    """Published results are shown, never changed or deleted here (SPEC §7): corrections are amendments."""

    actions = None

    def has_add_permission(self, request: HttpRequest, obj=None) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj=None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj=None) -> bool:
        return False


class UnitResultInline(admin.TabularInline):
    model = UnitResult
    fields = ["kind", "code", "name", "done", "applicable", "rank", "grade", "low", "amount", "settlement"]
    readonly_fields = fields
    extra = 0
    can_delete = False

    def has_add_permission(self, request: HttpRequest, obj=None) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj=None) -> bool:
        return False


@admin.register(QuarterResult)
class QuarterResultAdmin(ReadOnlyAdmin):
    list_display = ["__str__", "version", "published_at", "published_by", "reason", "digest"]
    list_filter = ["year", "quarter"]
    readonly_fields = [
        "year",
        "quarter",
        "version",
        "published_at",
        "published_by",
        "reason",
        "confirmed_missing",
        "supersedes",
        "digest",
        "snapshot",
    ]
    inlines = [UnitResultInline]


@admin.register(UnitResult)
class UnitResultAdmin(ReadOnlyAdmin):
    list_display = ["result", "kind", "code", "name", "rank", "grade", "amount", "settlement"]
    list_filter = ["kind", "result__year", "result__quarter", "grade"]
    list_select_related = ["result"]
    search_fields = ["code", "name"]


@admin.register(RectificationPlan)
class RectificationPlanAdmin(SimpleHistoryAdmin):
    """Plans of fined units (SPEC §14): read-only here, filed and acknowledged in the product's pages."""

    list_display = ["year", "quarter", "unit_name", "owner", "due_date", "state", "submitted_at"]
    list_filter = ["year", "quarter", "state", "unit_kind"]

    def has_add_permission(self, request, obj=None):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False
