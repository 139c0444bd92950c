"""Django admin: level editable in the list with history; catalogue import with a preview; export download."""

from __future__ import annotations

import io

import pytest
from django.contrib.auth import get_user_model
from django.urls import reverse
from openpyxl import load_workbook

from touchpoints.models import Level, Touchpoint
from touchpoints.services import catalogue_load_default

from .workbooks import catalogue_row, catalogue_workbook

pytestmark = pytest.mark.django_db


@pytest.fixture
def admin_client_logged(client):
    user = get_user_model().objects.create_superuser("boss", "boss@example.cn", "pw-for-tests-123")
    client.force_login(user)
    client.user = user
    return client


def changelist_post(touchpoints: list[Touchpoint], level_for: dict[str, Level]) -> dict[str, str]:
    data = {
        "form-TOTAL_FORMS": str(len(touchpoints)),
        "form-INITIAL_FORMS": str(len(touchpoints)),
        "form-MIN_NUM_FORMS": "0",
        "form-MAX_NUM_FORMS": "1000",
        "_save": "保存",
    }
    for i, touchpoint in enumerate(touchpoints):
        data[f"form-{i}-id"] = str(touchpoint.pk)
        data[f"form-{i}-level"] = str(level_for.get(touchpoint.code, touchpoint.level).pk)
    return data


def test_changing_a_level_in_the_admin_list_is_kept_in_history_with_who_before_and_after(admin_client_logged) -> None:
    catalogue_load_default()
    url = reverse("admin:touchpoints_touchpoint_changelist") + "?function__exact=marketing"
    response = admin_client_logged.get(url)
    assert response.status_code == 200
    touchpoints = list(response.context["cl"].result_list)
    target = touchpoints[0]
    old_level = target.level
    new_level = Level.objects.exclude(pk=old_level.pk).first()
    response = admin_client_logged.post(url, changelist_post(touchpoints, {target.code: new_level}))
    assert response.status_code == 302, response.content.decode()[:500]

    target.refresh_from_db()
    assert target.level == new_level
    latest = target.history.first()
    assert latest.history_user == admin_client_logged.user
    delta = latest.diff_against(latest.prev_record)
    [change] = delta.changes
    assert (change.field, change.old, change.new) == ("level", old_level.pk, new_level.pk)
    # The admin's history page shows the change to people.
    history = admin_client_logged.get(reverse("admin:touchpoints_touchpoint_history", args=[target.pk]))
    assert history.status_code == 200
    assert "boss" in history.content.decode()


def test_admin_list_filters_and_searches(admin_client_logged) -> None:
    catalogue_load_default()
    url = reverse("admin:touchpoints_touchpoint_changelist")
    response = admin_client_logged.get(url, {"q": "阳光销售"})
    codes = {t.code for t in response.context["cl"].result_list}
    assert codes and all(Touchpoint.objects.get(code=c).name.find("阳光销售") >= 0 for c in codes)
    level = Level.objects.get(name="一级")
    response = admin_client_logged.get(url, {"level__id__exact": level.pk, "function__exact": "property"})
    result = list(response.context["cl"].result_list)
    assert result and all(t.level_id == level.pk and t.function == "property" for t in result)


def test_admin_import_previews_then_applies_only_on_confirmation(admin_client_logged) -> None:
    catalogue_load_default()
    url = reverse("admin:touchpoints_touchpoint_import")
    content = catalogue_workbook(
        {"营销": [catalogue_row("MKT-01", name="预览中的新名称"), catalogue_row("MKT-90", name="新增触点")]}
    )
    upload = io.BytesIO(content)
    upload.name = "catalogue.xlsx"
    response = admin_client_logged.post(url, {"file": upload})
    assert response.status_code == 200
    page = response.content.decode()
    assert "预览中的新名称" in page and "MKT-90" in page
    assert not Touchpoint.objects.filter(code="MKT-90").exists()  # nothing written by the preview
    assert Touchpoint.objects.get(code="MKT-01").name != "预览中的新名称"

    response = admin_client_logged.post(url, {"confirm": "1", "digest": response.context["digest"]})
    assert response.status_code == 302
    assert Touchpoint.objects.get(code="MKT-01").name == "预览中的新名称"
    assert Touchpoint.objects.get(code="MKT-90").history.first().history_user == admin_client_logged.user


def test_admin_import_shows_every_error_and_changes_nothing(admin_client_logged) -> None:
    catalogue_load_default()
    upload = io.BytesIO(catalogue_workbook({"营销": [catalogue_row("MKT-91"), catalogue_row("MKT-92", level="五级")]}))
    upload.name = "bad.xlsx"
    response = admin_client_logged.post(reverse("admin:touchpoints_touchpoint_import"), {"file": upload})
    page = response.content.decode()
    assert "工作表「营销」第 3 行「级别」列" in page and "未做任何更改" in page
    assert not Touchpoint.objects.filter(code__in=["MKT-91", "MKT-92"]).exists()


def test_admin_export_downloads_the_catalogue(admin_client_logged) -> None:
    catalogue_load_default()
    response = admin_client_logged.get(reverse("admin:touchpoints_touchpoint_export"))
    assert response["Content-Type"].startswith("application/vnd.openxmlformats")
    workbook = load_workbook(io.BytesIO(response.content))
    assert workbook.sheetnames == ["营销", "研发", "工程", "客户关系", "物业"]


def test_admin_is_closed_to_people_without_staff_status(client, people) -> None:
    client.force_login(people.user("inspector"))
    response = client.get(reverse("admin:touchpoints_touchpoint_changelist"))
    assert response.status_code == 302 and "/admin/login/" in response["Location"]


def test_the_level_picked_in_the_list_is_labelled_and_has_no_link_icons(admin_client_logged) -> None:
    from tests.factories import TouchpointFactory

    TouchpointFactory(code="MKT-90")
    body = admin_client_logged.get("/admin/touchpoints/touchpoint/").content.decode()
    assert 'aria-label="级别"' in body
    assert "related-widget-wrapper-link" not in body
