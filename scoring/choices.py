from django.db import models
from django.utils.translation import gettext_lazy as _


class UnitKind(models.TextChoices):
    FUNCTION = "function", _("职能")
    PROJECT = "project", _("项目")


class Settlement(models.TextChoices):
    """R15: the property function is settled through its service fee; every other entry is a team reward or penalty."""

    TEAM = "team", _("团队奖惩")
    SERVICE_FEE = "service_fee", _("服务费结算")
