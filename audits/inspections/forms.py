"""Forms of the inspection pages: a verdict, a reopen reason, a paper inspection upload."""

from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _

from core.dates import Quarter
from core.forms import WorkbookUploadForm

from ..choices import ItemStatus


class VerdictForm(forms.Form):
    """The inspector's verdict on one item (blank clears it) and the finding (说明)."""

    verdict = forms.ChoiceField(label=_("检查结果"), choices=[("", _("未检查")), *ItemStatus.choices], required=False)
    finding = forms.CharField(label=_("说明"), required=False, max_length=2000, widget=forms.Textarea(attrs={"rows": 2}))


class ReopenForm(forms.Form):
    reason = forms.CharField(label=_("重新打开原因"), max_length=1000, widget=forms.Textarea(attrs={"rows": 2}))


class InspectionUploadForm(WorkbookUploadForm):
    """A paper inspection workbook for one quarter (SPEC §10)."""

    quarter = forms.CharField(label=_("季度"), max_length=6, help_text=_("例如 2026Q1"))

    field_order = ["quarter", "file"]

    def clean_quarter(self) -> Quarter:
        try:
            return Quarter.parse(self.cleaned_data["quarter"])
        except ValueError as exc:
            raise forms.ValidationError(str(exc)) from exc
