"""R16: operations (运营管理部) own the rules — a permission group with staff access to exactly the rule models.

The group gets add, change and view (never delete: touchpoints retire through 启用, and published results name
the bands and policy they used) on the catalogue, stages, projects (their active stages), levels, grade bands and
policy. Every one of those admins is a SimpleHistoryAdmin, so each change keeps who, when, before and after.
"""

from django.contrib.auth.management import create_permissions
from django.db import migrations

GROUP_NAME = "运营管理部"  # touchpoints.choices.STAFF_GROUP_NAMES[StaffGroup.OPERATIONS]
RULE_MODELS = {
    "touchpoints": ("touchpoint", "stage", "project", "level"),
    "scoring": ("gradeband", "policy"),
}
ACTIONS = ("add", "change", "view")


def grant(apps, schema_editor):
    # Permissions are normally created after migrate; create them now so the group can hold them.
    for label in RULE_MODELS:
        app_config = apps.get_app_config(label)
        app_config.models_module = True  # the migration state's app stub has none; create_permissions needs one
        create_permissions(app_config, verbosity=0, apps=apps)
        app_config.models_module = None
    Group = apps.get_model("auth", "Group")
    Permission = apps.get_model("auth", "Permission")
    group, _created = Group.objects.get_or_create(name=GROUP_NAME)
    codenames = [f"{action}_{model}" for models in RULE_MODELS.values() for model in models for action in ACTIONS]
    permissions = Permission.objects.filter(
        content_type__app_label__in=list(RULE_MODELS), codename__in=codenames
    )
    group.permissions.add(*permissions)


def revoke(apps, schema_editor):
    Group = apps.get_model("auth", "Group")
    group = Group.objects.filter(name=GROUP_NAME).first()
    if group is not None:
        group.permissions.clear()


class Migration(migrations.Migration):
    dependencies = [
        ("auth", "0012_alter_user_first_name_max_length"),
        ("contenttypes", "0002_remove_content_type_name"),
        ("touchpoints", "0003_touchpoint_frequency_inspection_team"),
        ("scoring", "0003_published_results_immutable"),
    ]

    operations = [migrations.RunPython(grant, revoke)]
