"""Forms of the publication pages: confirm and publish, and amend with a reason (SPEC §7)."""

from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _


class PublishForm(forms.Form):
    """Publishing; when cells still lack a finalised inspection the operator must tick the confirmation."""

    confirm_missing = forms.BooleanField(
        label=_("我确认:以上单元格按未检查计入,并记录本次确认"),
        required=False,
    )

    def __init__(self, *args, missing_count: int = 0, **kwargs):
        super().__init__(*args, **kwargs)
        self.missing_count = missing_count
        if missing_count:
            self.fields["confirm_missing"].required = True
            self.fields["confirm_missing"].error_messages["required"] = _("有未定稿检查的单元格,发布前必须确认")


class AmendForm(forms.Form):
    reason = forms.CharField(
        label=_("修订原因"),
        widget=forms.Textarea(attrs={"rows": 3}),
        max_length=2000,
        help_text=_("将记录在新版本中,并通知所有被考核人员"),
    )

    def clean_reason(self) -> str:
        reason = self.cleaned_data["reason"].strip()
        if not reason:
            raise forms.ValidationError(_("修订必须填写原因"))
        return reason
