"""R16 Decision: operations (运营管理部) manage the rules in Django admin — staff access limited by their permission
group to exactly the catalogue, stages, projects' stages, levels, grade bands and policy; history keeps who, when,
before and after; every other admin page is refused (403)."""

from __future__ import annotations

import pytest
from django.contrib.auth.models import Group
from django.urls import reverse

from demo.org import demo_seed
from scoring.models import GradeBand, Policy
from touchpoints.choices import STAFF_GROUP_NAMES, StaffGroup
from touchpoints.models import Level, Project, Stage, Touchpoint
from touchpoints.services import catalogue_load_default

pytestmark = pytest.mark.django_db

RULE_MODELS = (Touchpoint, Stage, Project, Level, GradeBand, Policy)


@pytest.fixture
def ops_client(client, people):
    """The operations inspector as staff (what demo_seed and an administrator do for operations people)."""
    user = people.user("inspector")
    user.is_staff = True
    user.save()
    client.force_login(user)
    client.user = user
    return client


def test_the_group_holds_exactly_add_change_view_of_the_rule_models() -> None:
    """R16: the data migration leaves the group with these permissions and nothing else (no delete)."""
    group = Group.objects.get(name=STAFF_GROUP_NAMES[StaffGroup.OPERATIONS])
    got = set(group.permissions.values_list("content_type__app_label", "codename"))
    expected = {
        (model._meta.app_label, f"{action}_{model._meta.model_name}")
        for model in RULE_MODELS
        for action in ("add", "change", "view")
    }
    assert got == expected


def test_operations_change_a_touchpoint_in_admin_and_history_keeps_who_before_and_after(ops_client) -> None:
    catalogue_load_default()
    touchpoint = Touchpoint.objects.get(code="MKT-01")
    url = reverse("admin:touchpoints_touchpoint_change", args=[touchpoint.pk])
    response = ops_client.get(url)
    assert response.status_code == 200
    form = response.context["adminform"].form
    data = {name: form.initial.get(name) for name in form.fields}
    data = {k: ("" if v is None else v) for k, v in data.items()}
    data.update(name="阳光销售宣言展板(修订)", frequency="quarterly", yearly_month="", is_active="on")
    response = ops_client.post(url, data)
    assert response.status_code == 302, response.content.decode()[:800]
    touchpoint.refresh_from_db()
    assert touchpoint.name == "阳光销售宣言展板(修订)" and touchpoint.frequency == "quarterly"
    latest = touchpoint.history.first()
    assert latest.history_user == ops_client.user
    changes = {c.field: (c.old, c.new) for c in latest.diff_against(latest.prev_record).changes}
    assert changes["frequency"] == ("monthly", "quarterly")
    assert changes["name"][1] == "阳光销售宣言展板(修订)"
    history_page = ops_client.get(reverse("admin:touchpoints_touchpoint_history", args=[touchpoint.pk]))
    assert history_page.status_code == 200
    assert ops_client.user.username in history_page.content.decode()  # the admin history names who changed it


@pytest.mark.parametrize("model", RULE_MODELS, ids=lambda m: m._meta.model_name)
def test_operations_open_every_rule_model(ops_client, model) -> None:
    catalogue_load_default()
    response = ops_client.get(reverse(f"admin:{model._meta.app_label}_{model._meta.model_name}_changelist"))
    assert response.status_code == 200


@pytest.mark.parametrize(
    "name",
    [
        "admin:touchpoints_person_changelist",
        "admin:touchpoints_assignment_changelist",
        "admin:touchpoints_inspectionteammember_changelist",
        "admin:auth_user_changelist",
        "admin:auth_group_changelist",
        "admin:audits_selfcheck_changelist",
        "admin:scoring_quarterresult_changelist",
    ],
)
def test_operations_cannot_open_other_admin_models(ops_client, name) -> None:
    from django.urls import NoReverseMatch

    try:
        url = reverse(name)
    except NoReverseMatch:
        pytest.skip(f"{name} is not registered in admin")
    assert ops_client.get(url).status_code == 403


def test_operations_cannot_delete_a_touchpoint(ops_client) -> None:
    catalogue_load_default()
    touchpoint = Touchpoint.objects.first()
    assert ops_client.get(reverse("admin:touchpoints_touchpoint_delete", args=[touchpoint.pk])).status_code == 403


def test_demo_operations_users_are_staff_in_the_group() -> None:
    """R16: the demo's operations users can use it; the other demo people are not staff."""
    from django.contrib.auth import get_user_model

    demo_seed()
    User = get_user_model()
    for username in ("ops_kefu", "ops_gongcheng"):
        user = User.objects.get(username=username)
        assert user.is_staff and not user.is_superuser
        assert user.groups.filter(name=STAFF_GROUP_NAMES[StaffGroup.OPERATIONS]).exists()
        assert user.has_perm("touchpoints.change_touchpoint") and not user.has_perm("touchpoints.change_person")
    assert not User.objects.get(username="hr_li").is_staff
    assert not User.objects.get(username="director_gg").is_staff
