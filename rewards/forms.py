"""Forms of the split page: the parts (one whole-yuan field per person assigned in the quarter) and a step's comment."""

from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _

from .choices import SplitAction
from .rules import Candidate


class SplitPartsForm(forms.Form):
    """One integer field per candidate (`part_<person id>`); empty means nothing for that person (R14)."""

    comment = forms.CharField(
        label=_("说明(可选)"), required=False, widget=forms.Textarea(attrs={"rows": 2, "class": "form-control"})
    )

    def __init__(self, *args, candidates: list[Candidate], amount: int, initial_parts: dict[int, int], **kwargs):
        super().__init__(*args, **kwargs)
        self.candidates = candidates
        for candidate in candidates:
            self.fields[f"part_{candidate.person_id}"] = forms.IntegerField(
                label=f"{candidate.name}({candidate.employee_id})",
                required=False,
                initial=initial_parts.get(candidate.person_id),
                error_messages={"invalid": _("请输入整数元")},
                widget=forms.NumberInput(
                    attrs={"step": 1, "class": "form-control text-end js-split-part", "inputmode": "numeric"}
                ),
            )

    def parts(self) -> list[tuple[int, int]]:
        """(person id, amount) for every filled field; validation of the whole split is the rules' job."""
        result = []
        for candidate in self.candidates:
            value = self.cleaned_data.get(f"part_{candidate.person_id}")
            if value is not None:
                result.append((candidate.person_id, value))
        return result

    def rows(self):
        return [(candidate, self[f"part_{candidate.person_id}"]) for candidate in self.candidates]


class StepForm(forms.Form):
    """A step of a split: which one, with an optional comment (required to send back, R14)."""

    action = forms.ChoiceField(choices=[(a.value, a.label) for a in SplitAction if a != SplitAction.SAVE])
    comment = forms.CharField(label=_("意见"), required=False, max_length=2000)
