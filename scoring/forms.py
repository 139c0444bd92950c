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


class ConfirmPublishForm(PublishForm):
    """The second step of publishing from the browser (SPEC §7): the operator types the quarter (e.g. 2026Q1) after
    reading the counts, and the figures confirmed must still be the figures publishing would freeze."""

    confirmation = forms.CharField(label=_("输入季度编号以确认发布"), max_length=20, required=False)
    fingerprint = forms.CharField(widget=forms.HiddenInput, required=False)

    def __init__(self, *args, quarter, fingerprint: str, **kwargs):
        super().__init__(*args, **kwargs)
        self.quarter = quarter
        self.expected_fingerprint = fingerprint
        self.fields["fingerprint"].initial = fingerprint
        self.fields["confirmation"].help_text = _("请输入 {quarter}").format(quarter=quarter)

    def clean_confirmation(self) -> str:
        typed = (self.cleaned_data.get("confirmation") or "").strip()
        if not typed:
            raise forms.ValidationError(_("请输入季度编号 {quarter} 以确认发布;未发布任何结果").format(quarter=self.quarter))
        if typed.upper() != str(self.quarter).upper():
            raise forms.ValidationError(
                _("输入的「{typed}」不是 {quarter};未发布任何结果").format(typed=typed, quarter=self.quarter)
            )
        return typed

    def clean_fingerprint(self) -> str:
        value = self.cleaned_data.get("fingerprint") or ""
        if value != self.expected_fingerprint:
            raise forms.ValidationError(
                _("确认页面打开后结果已有变化(检查被定稿或修改),请核对下面的新数字后重新确认;未发布任何结果")
            )
        return value


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
