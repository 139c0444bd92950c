"""A person signs in through the Chinese login page in a real browser and sees their home page."""

import pytest

from touchpoints.services import catalogue_load_default

from .conftest import sign_in

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_a_lead_signs_in_and_sees_what_to_do(page, people) -> None:
    from touchpoints.models import Stage

    catalogue_load_default()
    people.project.stages.set(Stage.objects.all())
    page.goto(f"{page.base_url}/")
    assert "登录" in page.title()
    sign_in(page, people.lead.user.username)
    assert page.get_by_test_id("home-selfchecks").is_visible()
    assert page.get_by_text("东原·光谷印").first.is_visible()


def test_the_home_page_fits_a_phone(phone_page, people) -> None:
    catalogue_load_default()
    sign_in(phone_page, people.lead.user.username)
    width = phone_page.evaluate("document.documentElement.scrollWidth")
    assert width <= 390, f"page scrolls sideways on a phone: {width}px"
    assert phone_page.locator(".navbar-toggler").is_visible()
