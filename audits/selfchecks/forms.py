"""Forms of the monthly self-check: they only parse input; the rules live in audits.selfchecks.services."""

from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _

from audits.choices import ItemStatus


class ItemAnswerForm(forms.Form):
    """A lead's answer to one item, posted whole on every change (htmx)."""

    status = forms.ChoiceField(label=_("完成情况"), choices=[("", _("未填写")), *ItemStatus.choices], required=False)
    na_reason = forms.CharField(label=_("不适用原因"), max_length=1000, required=False)
    note = forms.CharField(label=_("备注"), max_length=2000, required=False, widget=forms.Textarea(attrs={"rows": 2}))

    def first_error(self) -> str:
        for errors in self.errors.values():
            return str(errors[0])
        return ""


class ReopenForm(forms.Form):
    """Operations send a submitted checklist back with a reason (R8 Decision)."""

    reason = forms.CharField(
        label=_("退回原因"),
        max_length=1000,
        widget=forms.Textarea(attrs={"rows": 3}),
        error_messages={"required": _("请填写退回原因")},
    )
