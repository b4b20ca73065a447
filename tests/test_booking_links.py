"""A booking's page link is signed under its own salt: an order page's token is not a
booking token, nor the reverse, and anything forged names no booking."""

from handlers.bookings.links import (
    booking_calendar_url, booking_page_path, booking_page_url, read_booking_token,
)
from handlers.orders.links import order_token, read_order_token
from handlers.types import Settings

SETTINGS = Settings(secret_key="s3cret", public_base_url="https://shop.example/")


def test_the_page_url_carries_a_token_that_names_the_order():
    url = booking_page_url(SETTINGS, 42, "en")
    assert url.startswith("https://shop.example/b/") and "?" not in url
    token = url.rsplit("/", 1)[1]
    assert read_booking_token("s3cret", token) == 42
    assert booking_page_url(SETTINGS, 42, "hi") == url + "?lang=hi"
    assert booking_calendar_url(SETTINGS, 42) == url + "/calendar.ics"
    assert booking_page_path("s3cret", 42) == url.removeprefix("https://shop.example")


def test_an_order_token_is_not_a_booking_token_nor_the_reverse():
    booking = booking_page_path("s3cret", 42).rsplit("/", 1)[1]
    assert read_booking_token("s3cret", order_token("s3cret", 42)) is None
    assert read_order_token("s3cret", booking) is None
    assert read_booking_token("other", booking) is None
    assert read_booking_token("s3cret", booking[:-1] + "x") is None
    assert read_booking_token("s3cret", "garbage") is None
