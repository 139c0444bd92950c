"""Reference data exists after `migrate` alone, so a real installation imports its own workbooks (SPEC §3)."""

from __future__ import annotations

import pytest
from django.core.management import call_command

from touchpoints.choices import Function
from touchpoints.models import Level, Stage, Touchpoint
from touchpoints.spreadsheets import unknown_level_message, unknown_stage_message

from .workbooks import catalogue_row, workbook_bytes

pytestmark = pytest.mark.django_db

SPEC_STAGES = ["拿地定位", "规划设计", "开盘销售", "签约按揭", "工程建设", "交付入伙", "物业服务"]


def test_migrate_alone_creates_the_default_stages_and_levels():
    assert list(Stage.objects.order_by("order").values_list("name", flat=True)) == SPEC_STAGES
    assert list(Level.objects.order_by("rank").values_list("name", "weight")) == [("一级", 3), ("二级", 2), ("三级", 1)]
    assert {f.value for f in Function} == {"marketing", "design", "engineering", "customer_relations", "property"}


def test_a_fresh_installation_imports_the_customers_catalogue_without_demo_data(tmp_path):
    from tests.touchpoints.workbooks import CATALOGUE_COLUMNS

    path = tmp_path / "catalogue.xlsx"
    path.write_bytes(
        workbook_bytes(
            {
                "营销": [CATALOGUE_COLUMNS, catalogue_row("MKT-01", stage="开盘销售", level="一级")],
                "物业": [CATALOGUE_COLUMNS, catalogue_row("PM-01", stage="物业服务", level="三级", name="物业前期介入")],
            }
        )
    )
    call_command("import_catalogue", str(path))
    assert Touchpoint.objects.get(code="MKT-01").level.weight == 3
    assert Touchpoint.objects.get(code="PM-01").stage.name == "物业服务"


def test_an_unknown_choice_never_ends_in_an_empty_list():
    assert unknown_stage_message("开盘", []).endswith("请先在管理后台添加阶段")
    assert "可选:" not in unknown_stage_message("开盘", [])
    assert unknown_level_message("四级", ["一级", "二级"]).endswith("可选:一级、二级")
    assert "可选:" not in unknown_level_message("四级", [])
