"""Renderers of the publication notices (SPEC §7), registered with notifications.kinds.

``publication_due`` (R9): ``quarter``, ``day`` (ISO date), ``missing``: ``[[project name, function code], …]``.

Results: ``quarter`` (``2026Q1``), ``version``, ``reason`` (amendments), and ``units``: the
reader's own units, each ``{kind, code, name, assessed, percent, grade, rank, amount, settlement}``.
"""

from __future__ import annotations

from typing import Any

from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from notifications.choices import NotificationKind
from notifications.kinds import Rendered, cell_label, day_label, function_label, lines, quarter_label, register

from .choices import Settlement


def _money(amount: int) -> str:
    return f"¥{amount:,}" if amount >= 0 else f"-¥{-amount:,}"


def _unit_line(unit: dict[str, Any]) -> str:
    name = function_label(unit["code"]) if unit["kind"] == "function" else unit["name"]
    if not unit["assessed"]:
        return _("{name}:不列入考核(本季度无适用检查项)").format(name=name)
    line = _("{name}:得分 {percent}%,等级 {grade},排名第 {rank} 名").format(
        name=name, percent=unit["percent"], grade=unit["grade"], rank=unit["rank"]
    )
    if unit["amount"]:
        how = Settlement(unit["settlement"]).label if unit["settlement"] in Settlement.values else ""
        line += _(",奖惩 {amount}({how})").format(amount=_money(unit["amount"]), how=how)
    return line


@register(NotificationKind.RESULT_PUBLISHED, label=gettext_lazy("季度结果已发布"), icon="bi-trophy", chat=True)
def result_published(params: dict) -> Rendered:
    label = quarter_label(params["quarter"])
    head = _("{label}考核结果已发布。").format(label=label)
    return Rendered(_("{label}考核结果已发布").format(label=label), "\n".join([head, *map(_unit_line, params["units"])]))


@register(NotificationKind.RESULT_AMENDED, label=gettext_lazy("季度结果已修订"), icon="bi-pencil-square", chat=True)
def result_amended(params: dict) -> Rendered:
    label = quarter_label(params["quarter"])
    head = _("{label}考核结果已修订为第 {version} 版,原因:{reason}").format(
        label=label, version=params["version"], reason=params["reason"]
    )
    return Rendered(
        _("{label}考核结果已修订(第 {version} 版)").format(label=label, version=params["version"]),
        "\n".join([head, *map(_unit_line, params["units"])]),
    )


@register(NotificationKind.PUBLICATION_DUE, label=gettext_lazy("季度结果今日发布"), icon="bi-megaphone", chat=True)
def publication_due(params: dict) -> Rendered:
    quarter = quarter_label(params["quarter"])
    missing = [cell_label(*cell) for cell in params["missing"]]
    if missing:
        detail = _(
            "以下 {n} 个考核单元尚无定稿的检查:\n{rows}\n\n请先完成检查定稿;发布时未检查的单元需确认后按未检查处理。"
        ).format(n=len(missing), rows=lines(missing))
    else:
        detail = _("全部考核单元的检查均已定稿,可以发布。")
    return Rendered(
        _("【发布提醒】{quarter}考核结果今日应发布").format(quarter=quarter),
        _("按《客户触点考核管理制度》,{quarter}的考核结果应于今天({day})发布。\n{detail}").format(
            quarter=quarter, day=day_label(params["day"]), detail=detail
        ),
    )
