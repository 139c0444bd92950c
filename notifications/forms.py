"""Operations' form to register a group robot (SPEC §15)."""

from __future__ import annotations

from urllib.parse import parse_qs, urlsplit

from django import forms
from django.conf import settings
from django.forms.renderers import Jinja2
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from touchpoints.choices import Function
from touchpoints.models import Project

from .choices import ChatProvider, WebhookScope
from .models import Webhook


class WebhookForm(forms.ModelForm):
    """A robot: its platform, whose group it is, and its credentials. A pasted full robot URL is accepted too.

    Its widgets render with Django's Jinja2 form templates (the same markup): the project list has an option per
    project, and Django's engine included two templates for each.
    """

    default_renderer = Jinja2()

    function = forms.ChoiceField(label=gettext_lazy("职能"), choices=[("", "—"), *Function.choices], required=False)
    project = forms.ModelChoiceField(
        label=gettext_lazy("项目"), queryset=Project.objects.filter(is_active=True).order_by("code"), required=False
    )

    class Meta:
        model = Webhook
        fields = ["name", "provider", "scope", "project", "function", "token", "secret", "language"]
        widgets = {"secret": forms.PasswordInput(render_value=False), "token": forms.TextInput(attrs={"autocomplete": "off"})}
        help_texts = {
            "token": gettext_lazy("企业微信:机器人地址中 key= 后的部分;钉钉:access_token=后的部分。也可直接粘贴完整地址。"),
            "secret": gettext_lazy("钉钉机器人“加签”的密钥(SEC 开头);企业微信不需要。"),
        }

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        for field in self.fields.values():
            css = "form-select" if isinstance(field.widget, forms.Select) else "form-control"
            field.widget.attrs.setdefault("class", css)

    def clean_token(self) -> str:
        token = self.cleaned_data["token"].strip()
        if token.startswith(("http://", "https://")):
            query = parse_qs(urlsplit(token).query)
            token = (query.get("key") or query.get("access_token") or [""])[0]
            if not token:
                raise forms.ValidationError(_("地址中没有 key 或 access_token 参数"))
        if not token or any(ch.isspace() for ch in token) or len(token) > 200:
            raise forms.ValidationError(_("密钥不能为空,也不能含空格"))
        return token

    def clean(self):
        data = super().clean()
        scope = data.get("scope")
        if scope == WebhookScope.PROJECT and not data.get("project"):
            self.add_error("project", _("项目群机器人需要选择项目"))
        if scope == WebhookScope.FUNCTION and not data.get("function"):
            self.add_error("function", _("职能群机器人需要选择职能"))
        if scope != WebhookScope.PROJECT:
            data["project"] = None
        if scope != WebhookScope.FUNCTION:
            data["function"] = ""
        secret = (data.get("secret") or "").strip()
        data["secret"] = secret
        if data.get("provider") == ChatProvider.DINGTALK and not secret:
            self.add_error("secret", _("钉钉机器人需要填写加签密钥"))
        if data.get("provider") == ChatProvider.WECOM:
            data["secret"] = ""  # nosec B105: WeCom robots have no secret; this clears the field
        if data.get("language") and data["language"] not in dict(settings.LANGUAGES):
            self.add_error("language", _("不支持的语言"))
        return data
