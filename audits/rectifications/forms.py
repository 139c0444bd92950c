"""Forms of the rectification pages: the lead's fix, operations' return comment."""

from django import forms
from django.utils.translation import gettext_lazy as _


class SubmitForm(forms.Form):
    description = forms.CharField(
        label=_("整改说明"),
        widget=forms.Textarea(attrs={"rows": 3}),
        max_length=4000,
        error_messages={"required": _("请填写整改说明。")},
    )


class ReturnForm(forms.Form):
    comment = forms.CharField(
        label=_("退回意见"),
        widget=forms.Textarea(attrs={"rows": 2}),
        max_length=2000,
        error_messages={"required": _("请填写退回意见。")},
    )
