from django import forms
from django.utils.translation import gettext_lazy as _

MAX_WORKBOOK_BYTES = 10 * 1024 * 1024


class WorkbookUploadForm(forms.Form):
    """An uploaded .xlsx workbook; its content is validated later, row by row."""

    file = forms.FileField(label=_("Excel 文件(.xlsx)"), widget=forms.ClearableFileInput(attrs={"accept": ".xlsx"}))

    def clean_file(self):
        upload = self.cleaned_data["file"]
        if not upload.name.lower().endswith(".xlsx"):
            raise forms.ValidationError(_("请上传 .xlsx 格式的 Excel 文件"))
        if upload.size > MAX_WORKBOOK_BYTES:
            raise forms.ValidationError(_("文件超过 10 MB"))
        return upload
