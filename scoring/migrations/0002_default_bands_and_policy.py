"""SPEC §5 defaults: grade bands A ≥ 90, B+ ≥ 80, B ≥ 70, B- ≥ 60, C ≥ 0, and the policy in force from 2016-04-01
(the regulation's start): ¥3000, reward above 90%, penalty below 60% (R12, R13). Existing rows are left alone."""

import datetime
from decimal import Decimal

from django.db import migrations

DEFAULT_BANDS = [("A", Decimal(90)), ("B+", Decimal(80)), ("B", Decimal(70)), ("B-", Decimal(60)), ("C", Decimal(0))]


def create_defaults(apps, schema_editor):
    GradeBand = apps.get_model("scoring", "GradeBand")
    Policy = apps.get_model("scoring", "Policy")
    if not GradeBand.objects.exists():
        for order, (label, min_percent) in enumerate(DEFAULT_BANDS, start=1):
            GradeBand.objects.create(label=label, min_percent=min_percent, order=order)
    Policy.objects.get_or_create(
        effective_from=datetime.date(2016, 4, 1),
        defaults={"amount": 3000, "reward_above_percent": Decimal(90), "penalty_below_percent": Decimal(60)},
    )


class Migration(migrations.Migration):
    dependencies = [("scoring", "0001_initial")]

    operations = [migrations.RunPython(create_defaults, migrations.RunPython.noop)]
