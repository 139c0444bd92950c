"""Reference data a real installation needs before it imports its own catalogue (SPEC §3 "Reference data").

The five functions are fixed choices in code; the three levels with their default weights and the default stages of a
project's life are rows, created here so that `migrate` alone is enough. Rows that already exist are left as edited.
"""

from django.db import migrations

STAGES = ["拿地定位", "规划设计", "开盘销售", "签约按揭", "工程建设", "交付入伙", "物业服务"]
LEVELS = [("一级", 1, 3), ("二级", 2, 2), ("三级", 3, 1)]


def create_reference_data(apps, schema_editor):
    Stage = apps.get_model("touchpoints", "Stage")
    Level = apps.get_model("touchpoints", "Level")
    for order, name in enumerate(STAGES, start=1):
        Stage.objects.get_or_create(name=name, defaults={"order": order})
    for name, rank, weight in LEVELS:
        Level.objects.get_or_create(name=name, defaults={"rank": rank, "weight": weight})


class Migration(migrations.Migration):
    dependencies = [("touchpoints", "0001_initial")]

    operations = [migrations.RunPython(create_reference_data, migrations.RunPython.noop)]
