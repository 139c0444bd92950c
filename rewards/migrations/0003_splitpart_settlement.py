"""SPEC §8 Decision (R15): each split part records its settlement; a part of a person of the property function is
settled 服务费结算. Existing parts are settled by the same rule: the person had an assignment to the entry's project for
the property function during the entry's quarter."""

import calendar
import datetime as dt

from django.db import migrations, models
from django.db.models import Q


def settle_existing_parts(apps, schema_editor):
    SplitPart = apps.get_model("rewards", "SplitPart")
    Assignment = apps.get_model("touchpoints", "Assignment")
    for part in SplitPart.objects.select_related("split__entry"):
        entry = part.split.entry
        if entry.unit_kind != "project":
            continue
        first = dt.date(entry.year, 3 * entry.quarter - 2, 1)
        last_month = 3 * entry.quarter
        last = dt.date(entry.year, last_month, calendar.monthrange(entry.year, last_month)[1])
        property_person = (
            Assignment.objects.filter(person_id=part.person_id, project__code=entry.unit_code, function="property")
            .filter(start__lte=last)
            .filter(Q(end__isnull=True) | Q(end__gte=first))
            .exists()
        )
        if property_person:
            SplitPart.objects.filter(pk=part.pk).update(settlement="service_fee")


class Migration(migrations.Migration):
    dependencies = [
        ("rewards", "0002_splits"),
        ("touchpoints", "0001_initial"),
    ]

    operations = [
        migrations.AddField(
            model_name="historicalsplitpart",
            name="settlement",
            field=models.CharField(
                choices=[("team", "团队奖惩"), ("service_fee", "服务费结算")], default="team", max_length=20, verbose_name="结算方式"
            ),
        ),
        migrations.AddField(
            model_name="splitpart",
            name="settlement",
            field=models.CharField(
                choices=[("team", "团队奖惩"), ("service_fee", "服务费结算")], default="team", max_length=20, verbose_name="结算方式"
            ),
        ),
        migrations.RunPython(settle_existing_parts, migrations.RunPython.noop),
    ]
