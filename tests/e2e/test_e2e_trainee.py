"""Journey (a) in a desktop browser, on a 375 px phone, and without JavaScript."""
from __future__ import annotations

from tests.e2e.trainee import adult_journey, assert_recorded


def test_adult_journey_desktop(new_journey, live):
    j = new_journey("adult-desktop", viewport={"width": 1280, "height": 900})
    assert_recorded(live, adult_journey(j, live, tag="desktop"))


def test_adult_journey_phone_375px(new_journey, live):
    j = new_journey("adult-phone", viewport={"width": 375, "height": 812}, device_scale_factor=2, is_mobile=True,
                    has_touch=True, max_width=375)
    assert_recorded(live, adult_journey(j, live, tag="phone"))


def test_adult_journey_without_javascript(new_journey, live):
    j = new_journey("adult-nojs", java_script_enabled=False)
    assert_recorded(live, adult_journey(j, live, tag="nojs", javascript=False))
