"""Fixed vocabularies of the catalogue and the organisation (SPEC §3)."""

from django.db import models
from django.utils.translation import gettext_lazy as _


class Function(models.TextChoices):
    """The five assessed functions (R3). Codes are fixed; the order is the regulation's."""

    MARKETING = "marketing", _("营销")
    DESIGN = "design", _("研发")
    ENGINEERING = "engineering", _("工程")
    CUSTOMER_RELATIONS = "customer_relations", _("客户关系")
    PROPERTY = "property", _("物业")


# The Chinese names users type in spreadsheets, whatever the UI language is.
FUNCTION_CHINESE_NAMES = {
    Function.MARKETING: "营销",
    Function.DESIGN: "研发",
    Function.ENGINEERING: "工程",
    Function.CUSTOMER_RELATIONS: "客户关系",
    Function.PROPERTY: "物业",
}
FUNCTION_ALIASES = {"客服": Function.CUSTOMER_RELATIONS, "设计": Function.DESIGN}


def function_from_text(text: str) -> Function | None:
    """A function from its code or its Chinese name as typed in a spreadsheet, or None."""
    value = (text or "").strip()
    if value in Function.values:
        return Function(value)
    if value.lower() in Function.values:
        return Function(value.lower())
    for code, name in FUNCTION_CHINESE_NAMES.items():
        if value == name:
            return code
    return FUNCTION_ALIASES.get(value)


# Roles and staff groups are the access vocabulary, kept in core so that access sits below every app.
from core.roles import (  # noqa: E402,F401
    ROLE_CHINESE_NAMES,
    ROLE_GROUP_NAMES,
    STAFF_GROUP_NAMES,
    Role,
    StaffGroup,
    role_from_text,
)
