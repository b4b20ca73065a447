"""A booking's web pages through Flask's test client: the lookup form (its 303, the
order form's throttles and phone-4 check), the page (when, where, progress, money,
timeline, both languages), forged tokens, and the calendar file read back with
icalendar — one UID for life, SEQUENCE growing with each move and the cancellation."""

from __future__ import annotations

import html as markup
import re
from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from icalendar import Calendar
from test_operator import orderbot  # noqa: F401 (the fixture)

from handlers import i18n
from handlers.booking_page import booking_number_key, span
from handlers.bookings.links import booking_page_path
from handlers.orders.links import order_page_path, pay_url
from handlers.orders.lookup_guard import LOOKUPS_PER_HOUR
from store import bookings
from store.db import unit_of_work
from store.models import Booking
from store.orders import Actor, record_payment
from store.queries import order_by_number

SECRET = "test-secret-key"
NEHA = Actor("Neha")
_STEP = re.compile(r'<li class="step (\w+)".*?<span class="label">(.*?)</span>', re.S)


def steps_of(page: str) -> list[tuple[str, str]]:
    return [(state, markup.unescape(label)) for state, label in _STEP.findall(page)]


def text_of(page: str) -> str:
    """The page's main part as a reader sees it: tags gone, one space between words."""
    main = page.split("<main>", 1)[1]
    # ASCII spaces only: "11:00 am" keeps its narrow no-break space (U+202F).
    return re.sub(r"[ \t\r\n]+", " ", markup.unescape(re.sub(r"<[^>]+>", " ", main))).strip()


def path_of(runtime, number: str) -> str:
    with unit_of_work(runtime.sessions) as session:
        return booking_page_path(SECRET, order_by_number(session, number).id)


def change(runtime, number: str, act) -> None:  # noqa: ANN001 (a function of session, order)
    with unit_of_work(runtime.sessions) as session:
        act(session, order_by_number(session, number))


def calendar_of(client, path: str, **query: str) -> Calendar:
    response = client.get(path + "/calendar.ics", query_string=query)
    assert response.status_code == 200
    assert response.mimetype == "text/calendar"
    assert response.headers["Cache-Control"] == "no-store"
    return Calendar.from_ical(response.data)


def event_of(calendar: Calendar):  # noqa: ANN201 (an icalendar Event)
    (event,) = calendar.walk("VEVENT")
    return event


# ── the lookup form ───────────────────────────────────────────────────────────


def test_the_form_leads_to_the_booking_page_in_the_asked_language(client, demo) -> None:
    form = client.get("/bookings/track")
    assert form.status_code == 200
    assert 'name="bookingNumber"' in form.get_data(as_text=True)
    found = client.get("/bookings/track?bookingNumber=GS-B501")
    assert found.status_code == 303
    assert found.headers["Location"] == path_of(demo, "GS-B501")
    for typed in ("gs b501", "GS–B501", "booking #GS-B501"):
        answer = client.get("/bookings/track", query_string={"bookingNumber": typed, "lang": "hi"})
        assert answer.headers["Location"] == path_of(demo, "GS-B501") + "?lang=hi", typed


def test_a_number_finds_its_own_page_whichever_form_it_is_typed_in(client, demo) -> None:
    with unit_of_work(demo.sessions) as session:
        order_path = order_page_path(SECRET, order_by_number(session, "AK-1001").id)
    assert client.get("/bookings/track?bookingNumber=AK-1001").headers["Location"] == order_path
    assert client.get("/orders/track?orderNumber=GS-B502").headers["Location"] == path_of(
        demo, "GS-B502")


@pytest.mark.parametrize("lang", ["en", "hi"])
def test_an_empty_form_and_an_unknown_number_are_said_in_both_languages(client, demo, lang) -> None:
    empty = client.get(f"/bookings/track?bookingNumber=&lang={lang}")
    assert empty.status_code == 400
    assert i18n.t("bookings_web.track.empty", lang) in empty.get_data(as_text=True)
    missing = client.get(f"/bookings/track?bookingNumber=GS-B999&lang={lang}")
    assert missing.status_code == 404
    page = missing.get_data(as_text=True)
    assert i18n.t("bookings_web.track.not_found", lang) in page
    assert f'<html lang="{lang}">' in page and i18n.t("bookings_web.track.title", lang) in page


def test_misses_slow_a_client_down_on_both_forms_alike(client, demo, clock) -> None:
    for n in range(10):
        assert client.get(f"/bookings/track?bookingNumber=GS-B{900 + n}").status_code == 404
    slowed = client.get("/bookings/track?bookingNumber=GS-B501")  # even a real number
    assert slowed.status_code == 429
    assert i18n.t("bookings_web.track.throttled", "en") in slowed.get_data(as_text=True)
    assert client.get("/orders/track?orderNumber=AK-1001").status_code == 429  # one count
    other = client.get("/bookings/track?bookingNumber=GS-B501",
                       environ_base={"REMOTE_ADDR": "10.0.0.9"})
    assert other.status_code == 303
    clock.advance(hours=1, seconds=1)
    assert client.get("/bookings/track?bookingNumber=GS-B501").status_code == 303


def test_walking_real_booking_numbers_is_slowed(client, demo, clock) -> None:
    for n in range(LOOKUPS_PER_HOUR):
        assert client.get(f"/bookings/track?bookingNumber=GS-B50{n % 2 + 1}").status_code == 303
    assert client.get("/bookings/track?bookingNumber=GS-B501").status_code == 429


def test_a_phone4_salon_asks_the_last_4_digits_first(client, demo, orderbot) -> None:  # noqa: F811
    result = orderbot("business", "edit", "GS", "--lookup-check", "phone4")
    assert result.exit_code == 0, result.output
    asked = client.get("/bookings/track?bookingNumber=GS-B501")
    ask = i18n.t("bookings_web.track.ask_last4", "en", number="GS-B501")
    assert asked.status_code == 200 and ask in markup.unescape(asked.get_data(as_text=True))
    assert 'name="last4"' in asked.get_data(as_text=True)
    unknown = client.get("/bookings/track?bookingNumber=GS-B999")  # asked alike
    assert unknown.status_code == 200 and 'name="last4"' in unknown.get_data(as_text=True)
    assert client.get("/bookings/track?bookingNumber=GS-B501&last4=0000").status_code == 404
    opened = client.get("/bookings/track?bookingNumber=GS-B501&last4=1111")  # Ravi's +91…1111
    assert opened.status_code == 303 and opened.headers["Location"] == path_of(demo, "GS-B501")


# ── tokens ───────────────────────────────────────────────────────────────────


def test_a_forged_or_foreign_token_is_a_plain_404(client, demo) -> None:
    path = path_of(demo, "GS-B501")
    assert client.get(path).status_code == 200
    with unit_of_work(demo.sessions) as session:
        booking_id = order_by_number(session, "GS-B501").id
        order_id = order_by_number(session, "AK-1001").id
    for forged in (
        path[:-2] + "xx",
        "/b/not-a-token",
        "/b/" + order_page_path(SECRET, booking_id).rsplit("/", 1)[1],  # an order's token
        booking_page_path("another-key", booking_id),
        booking_page_path(SECRET, order_id),  # signed, but an order, not a booking
        booking_page_path(SECRET, 99999),  # signed, but nothing
    ):
        assert client.get(forged).status_code == 404, forged
        assert client.get(forged + "/calendar.ics").status_code == 404, forged


def test_an_order_link_to_a_booking_leads_to_the_booking_page(client, demo) -> None:
    with unit_of_work(demo.sessions) as session:
        booking_id = order_by_number(session, "GS-B501").id
    answer = client.get(order_page_path(SECRET, booking_id) + "?lang=hi")
    assert answer.status_code == 303
    assert answer.headers["Location"] == booking_page_path(SECRET, booking_id) + "?lang=hi"


# ── the page ─────────────────────────────────────────────────────────────────


def test_the_page_of_a_confirmed_booking_with_money_due(client, demo) -> None:
    response = client.get(path_of(demo, "GS-B501"))
    assert response.status_code == 200
    assert response.headers["Cache-Control"] == "no-store"
    assert "frame-ancestors 'none'" in response.headers["Content-Security-Policy"]
    page = response.get_data(as_text=True)
    text = text_of(page)
    # The demo clock is Tue 24 Nov 2026 (19:30 in Bengaluru): "tomorrow 11:00".
    assert "Booking GS-B501" in text and "Haircut and styling" in text
    assert "When Wed 25 Nov, 11:00\u202fam – 12:00\u202fpm" in text
    assert "With Neha" in text and "Where 7 Church Street, Bengaluru" in text
    assert ('href="https://www.google.com/maps/search/?api=1&amp;query='
            '7%20Church%20Street%2C%20Bengaluru"') in page
    assert f'href="https://bot.example.test{path_of(demo, "GS-B501")}/calendar.ics"' in page
    assert steps_of(page) == [("done", "Requested"), ("current", "Confirmed"),
                              ("ahead", "Checked in"), ("ahead", "Completed")]
    assert "Total ₹800.00" in text and "Paid ₹200.00" in text and "Due ₹600.00" in text
    assert 'href="upi://pay?pa=glowsalon@okicici' in page and 'id="upi-qr"' in page
    assert "Booking made: Confirmed" in text and "Payment received: ₹200.00 (UPI)" in text
    assert "Call +91 98000 00002" in text
    assert "+919811111111" not in page and "Kumar" not in page  # first name only


def test_a_requested_booking_is_the_first_step(client, demo) -> None:
    page = client.get(path_of(demo, "GS-B502")).get_data(as_text=True)
    assert steps_of(page)[0] == ("current", "Requested")
    assert "Due ₹1,200.00" in text_of(page)


def test_a_move_is_a_timeline_line_and_the_new_time_is_shown(client, demo, clock) -> None:
    friday = datetime(2026, 11, 27, 11, 30, tzinfo=UTC)  # 5:00 pm in Bengaluru
    change(demo, "GS-B501", lambda s, o: bookings.reschedule(s, o, friday, NEHA,
                                                             now=clock()))
    text = text_of(client.get(path_of(demo, "GS-B501")).get_data(as_text=True))
    assert "When Fri 27 Nov, 5:00\u202fpm – 6:00\u202fpm" in text
    assert "Moved from Wed 25 Nov, 11:00\u202fam to Fri 27 Nov, 5:00\u202fpm" in text
    hindi = text_of(client.get(path_of(demo, "GS-B501") + "?lang=hi").get_data(as_text=True))
    assert "से बदलकर" in hindi and "शुक्र 27 नव॰" in hindi


def test_the_customer_s_requests_and_the_salon_s_answers_are_in_the_timeline(
    client, demo, clock
) -> None:
    wanted = datetime(2026, 11, 26, 12, 30, tzinfo=UTC)  # Thu 6:00 pm in Bengaluru
    proposed = datetime(2026, 11, 26, 13, 30, tzinfo=UTC)  # Thu 7:00 pm

    def ask_and_answer(session, order) -> None:
        asked = bookings.request_change(session, order, "reschedule", chat_id=None,
                                        wanted_starts_at=wanted, now=clock())
        bookings.propose_time(session, asked, proposed, NEHA, now=clock())
        bookings.decide_request(session, asked, False, Actor("Ravi"), now=clock())
        bookings.request_change(session, order, "cancel", chat_id=None, now=clock())

    change(demo, "GS-B501", ask_and_answer)
    lines = re.findall(r"<span>(.*?)</span>", client.get(path_of(demo, "GS-B501"))
                       .get_data(as_text=True).split('id="timeline"')[1].split("</ol>")[0])
    assert [markup.unescape(line) for line in lines[:4]] == [
        "You asked to cancel it",
        "Glow Salon could not make the change you asked for",
        "Glow Salon proposed Thu 26 Nov, 7:00\u202fpm instead",
        "You asked to move it to Thu 26 Nov, 6:00\u202fpm",
    ]


def test_a_cancelled_booking_says_so_and_offers_no_calendar_or_payment(client, demo, clock) -> None:
    change(demo, "GS-B501", lambda s, o: bookings.cancel(s, o, NEHA, reason="Salon closed",
                                                         now=clock()))
    page = client.get(path_of(demo, "GS-B501")).get_data(as_text=True)
    assert steps_of(page) == [("done", "Requested"), ("done", "Confirmed"),
                              ("cancelled", "Cancelled")]
    assert i18n.t("bookings_web.page.cancelled", "en") in text_of(page)
    assert "Status: Cancelled — " in text_of(page) and "Salon closed" in text_of(page)
    assert 'id="add-to-calendar"' not in page and 'id="pay"' not in page


def test_a_missed_booking_stops_where_it_was(client, demo, clock) -> None:
    change(demo, "GS-B501", lambda s, o: bookings.set_status(s, o, "no_show", NEHA,
                                                             now=clock()))
    page = client.get(path_of(demo, "GS-B501")).get_data(as_text=True)
    assert steps_of(page) == [("done", "Requested"), ("done", "Confirmed"), ("problem", "Missed")]
    assert i18n.t("bookings_web.page.missed", "en") in text_of(page)


def test_the_pay_link_of_a_booking_leads_back_to_the_booking_page(client, demo) -> None:
    with unit_of_work(demo.sessions) as session:
        link = pay_url(demo.settings, order_by_number(session, "GS-B501").id)
    page = client.get(link.removeprefix("https://bot.example.test") + "?lang=hi")
    html = page.get_data(as_text=True)
    assert page.status_code == 200 and "upi://pay?pa=glowsalon@okicici" in html
    assert f'href="{path_of(demo, "GS-B501")}"' in html and "बुकिंग देखें" in html


def test_once_paid_the_payment_section_is_gone(client, demo, clock) -> None:
    change(demo, "GS-B501", lambda s, o: record_payment(s, o, o.due_minor, "cash", NEHA,
                                                        now=clock()))
    page = client.get(path_of(demo, "GS-B501")).get_data(as_text=True)
    assert 'id="paid-badge"' in page and 'id="pay"' not in page


def test_a_place_of_its_own_is_where_the_booking_is(client, demo) -> None:
    def elsewhere(session, order) -> None:
        order.booking.place = "Home visit: 22 Park Street"

    change(demo, "GS-B501", elsewhere)
    path = path_of(demo, "GS-B501")
    assert "Where Home visit: 22 Park Street" in text_of(client.get(path).get_data(as_text=True))
    assert str(event_of(calendar_of(client, path))["LOCATION"]) == "Home visit: 22 Park Street"


@pytest.mark.parametrize("lang", ["en", "hi"])
def test_the_page_speaks_both_languages(client, demo, lang) -> None:
    page = client.get(path_of(demo, "GS-B501") + f"?lang={lang}").get_data(as_text=True)
    assert f'<html lang="{lang}">' in page
    for key in ("when", "where", "staff", "calendar", "map", "questions"):
        assert i18n.t("bookings_web.page." + key, lang) in page, key
    assert i18n.t("bookings_web.page.heading", lang, number="GS-B501") in page
    assert i18n.t("status.confirmed", lang) in page


def test_the_span_names_the_end_day_when_it_runs_past_midnight() -> None:
    late = Booking(starts_at=datetime(2026, 12, 2, 17, 30, tzinfo=UTC), duration_minutes=120)
    assert span(late, "Asia/Kolkata", "en") == "Wed 2 Dec, 11:00\u202fpm – Thu 3 Dec, 1:00\u202fam"
    assert booking_number_key("my booking is gs-b501 pls") == "GSB501"
    assert booking_number_key("AK-1001") is None


# ── the calendar file ────────────────────────────────────────────────────────


def test_the_calendar_file_of_a_confirmed_booking(client, demo, clock) -> None:
    path = path_of(demo, "GS-B501")
    calendar = calendar_of(client, path)
    event = event_of(calendar)
    with unit_of_work(demo.sessions) as session:
        order_id = order_by_number(session, "GS-B501").id
    assert str(event["UID"]) == f"booking-{order_id}@bot.example.test"
    start, end = event.decoded("DTSTART"), event.decoded("DTEND")
    assert start == datetime(2026, 11, 25, 11, 0, tzinfo=ZoneInfo("Asia/Kolkata"))
    assert end - start == timedelta(hours=1)
    assert event["DTSTART"].params["TZID"] == "Asia/Kolkata"
    assert [str(tz["TZID"]) for tz in calendar.walk("VTIMEZONE")] == ["Asia/Kolkata"]
    assert event.decoded("DTSTAMP") == clock()
    assert event.decoded("SEQUENCE") == 0 and str(event["STATUS"]) == "CONFIRMED"
    assert str(event["SUMMARY"]) == "Haircut and styling — Glow Salon"
    assert str(event["LOCATION"]) == "7 Church Street, Bengaluru"
    assert str(event["URL"]) == "https://bot.example.test" + path
    assert "GS-B501" in str(event["DESCRIPTION"]) and "Neha" in str(event["DESCRIPTION"])
    hindi = event_of(calendar_of(client, path, lang="hi"))
    assert str(hindi["URL"]) == f"https://bot.example.test{path}?lang=hi"
    assert "बुकिंग GS-B501" in str(hindi["DESCRIPTION"])


def test_a_requested_booking_is_tentative(client, demo) -> None:
    assert str(event_of(calendar_of(client, path_of(demo, "GS-B502")))["STATUS"]) == "TENTATIVE"


def test_a_move_keeps_the_uid_and_raises_the_sequence_and_a_cancellation_too(
    client, demo, clock
) -> None:
    path = path_of(demo, "GS-B501")
    before = event_of(calendar_of(client, path))
    clock.advance(minutes=5)
    friday = datetime(2026, 11, 27, 11, 30, tzinfo=UTC)
    change(demo, "GS-B501", lambda s, o: bookings.reschedule(s, o, friday, NEHA, now=clock()))
    moved = event_of(calendar_of(client, path))
    assert moved["UID"] == before["UID"]
    assert moved.decoded("SEQUENCE") == 1
    assert moved.decoded("DTSTART") == datetime(2026, 11, 27, 17, 0,
                                                tzinfo=ZoneInfo("Asia/Kolkata"))
    assert str(moved["STATUS"]) == "CONFIRMED"
    clock.advance(minutes=5)
    change(demo, "GS-B501", lambda s, o: bookings.cancel(s, o, NEHA, now=clock()))
    cancelled = event_of(calendar_of(client, path))
    assert cancelled["UID"] == before["UID"]
    assert cancelled.decoded("SEQUENCE") == 2 and str(cancelled["STATUS"]) == "CANCELLED"
    assert cancelled.decoded("DTSTAMP") == clock()


def test_the_times_are_the_business_zone_with_its_daylight_saving(client, demo) -> None:
    def to_london(session, order) -> None:
        order.business.timezone = "Europe/London"

    change(demo, "GS-B501", to_london)
    july = datetime(2027, 7, 1, 9, 0, tzinfo=UTC)  # 10:00 in London (BST)
    change(demo, "GS-B501", lambda s, o: bookings.reschedule(s, o, july, NEHA))
    calendar = calendar_of(client, path_of(demo, "GS-B501"))
    event = event_of(calendar)
    assert event["DTSTART"].params["TZID"] == "Europe/London"
    assert event.decoded("DTSTART").replace(tzinfo=None) == datetime(2027, 7, 1, 10, 0)
    assert event.decoded("DTSTART") == july
    (zone,) = calendar.walk("VTIMEZONE")
    assert {c.name for c in zone.subcomponents} == {"STANDARD", "DAYLIGHT"}
