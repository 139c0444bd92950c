
from collections import defaultdict

from django.db import migrations, models


def fill_item_summaries(apps, schema_editor):
    """Existing checklists: count, weigh and list their items once (audits.item_summary does it for new ones)."""
    SelfCheck = apps.get_model("audits", "SelfCheck")
    SelfCheckItem = apps.get_model("audits", "SelfCheckItem")
    ids = list(SelfCheck.objects.order_by("pk").values_list("pk", flat=True))
    for start in range(0, len(ids), 500):
        chunk = ids[start : start + 500]
        items = defaultdict(list)
        for selfcheck_id, code, weight in SelfCheckItem.objects.filter(selfcheck_id__in=chunk).values_list(
            "selfcheck_id", "code", "weight"
        ):
            items[selfcheck_id].append((code, weight))
        checks = list(SelfCheck.objects.filter(pk__in=chunk))
        for check in checks:
            pairs = items.get(check.pk, [])
            check.item_count = len(pairs)
            check.item_weight = sum(weight for _code, weight in pairs)
            check.item_codes = " ".join(sorted(code for code, _weight in pairs))
        SelfCheck.objects.bulk_update(checks, ["item_count", "item_weight", "item_codes"])


class Migration(migrations.Migration):

    dependencies = [
        ('audits', '0002_selfcheckitem_copied_from_last_month'),
    ]

    operations = [
        migrations.AddField(
            model_name='historicalselfcheck',
            name='item_codes',
            field=models.TextField(blank=True, help_text='按编号排序,以空格分隔', verbose_name='自检项编号'),
        ),
        migrations.AddField(
            model_name='historicalselfcheck',
            name='item_count',
            field=models.PositiveIntegerField(default=0, verbose_name='自检项数'),
        ),
        migrations.AddField(
            model_name='historicalselfcheck',
            name='item_weight',
            field=models.PositiveIntegerField(default=0, verbose_name='权重合计'),
        ),
        migrations.AddField(
            model_name='selfcheck',
            name='item_codes',
            field=models.TextField(blank=True, help_text='按编号排序,以空格分隔', verbose_name='自检项编号'),
        ),
        migrations.AddField(
            model_name='selfcheck',
            name='item_count',
            field=models.PositiveIntegerField(default=0, verbose_name='自检项数'),
        ),
        migrations.AddField(
            model_name='selfcheck',
            name='item_weight',
            field=models.PositiveIntegerField(default=0, verbose_name='权重合计'),
        ),
        migrations.RunPython(fill_item_summaries, migrations.RunPython.noop),
    ]
