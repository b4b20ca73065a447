"""Time words (handlers/when.py): what customers and staff type to book or move a
booking, in English, Hindi and Hinglish, read in the business's zone — across
daylight-saving changes and midnight — and never a moment in the past."""

from __future__ import annotations

from datetime import UTC, datetime
from zoneinfo import ZoneInfo

import pytest

from handlers.when import parse_when

KOLKATA = ZoneInfo("Asia/Kolkata")
LONDON = ZoneInfo("Europe/London")
NEW_YORK = ZoneInfo("America/New_York")
# Tuesday 24 November 2026, 8:30 am in Kolkata.
MORNING = datetime(2026, 11, 24, 3, 0, tzinfo=UTC)


def _local(text: str, now: datetime = MORNING, zone: ZoneInfo = KOLKATA, lang: str = "en") -> str | None:
    moment = parse_when(text, lang, zone, now)
    if moment is None:
        return None
    assert moment.tzinfo is UTC
    return moment.astimezone(zone).strftime("%a %d %b %Y %H:%M")


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("tomorrow 5pm", "Wed 25 Nov 2026 17:00"),
        ("Tomorrow at 5 PM", "Wed 25 Nov 2026 17:00"),
        ("tmrw 5:30 p.m.", "Wed 25 Nov 2026 17:30"),
        ("today 6pm", "Tue 24 Nov 2026 18:00"),
        ("day after tomorrow 11am", "Thu 26 Nov 2026 11:00"),
        ("day after 11:30", "Thu 26 Nov 2026 11:30"),
        ("5pm", "Tue 24 Nov 2026 17:00"),
        ("17:00", "Tue 24 Nov 2026 17:00"),
        ("5:30 pm", "Tue 24 Nov 2026 17:30"),
        ("5.30", "Tue 24 Nov 2026 17:30"),
        ("3/12", None),  # a day is not a moment: the time is asked for
        ("3/12 11:30", "Thu 03 Dec 2026 11:30"),
        ("3/12 17:00", "Thu 03 Dec 2026 17:00"),
        ("3-12-2026 10am", "Thu 03 Dec 2026 10:00"),
        ("3/12/26 10", "Thu 03 Dec 2026 10:00"),
        ("3 Dec 5pm", "Thu 03 Dec 2026 17:00"),
        ("Dec 3rd 5pm", "Thu 03 Dec 2026 17:00"),
        ("3rd December 2026 4 pm", "Thu 03 Dec 2026 16:00"),
        ("Tue 1 Dec, 11:00 am", "Tue 01 Dec 2026 11:00"),
        ("Wed 1 Dec 11am", None),  # 1 December is a Tuesday
        ("monday 2pm", "Mon 30 Nov 2026 14:00"),
        ("Sat 10am", "Sat 28 Nov 2026 10:00"),
        ("tuesday 6pm", "Tue 24 Nov 2026 18:00"),  # today, still ahead
        ("tuesday 8am", "Tue 01 Dec 2026 08:00"),  # today's is gone: next week's
        ("next tuesday 6pm", "Tue 01 Dec 2026 18:00"),
        ("12 noon tomorrow", "Wed 25 Nov 2026 12:00"),
        ("tomorrow 12am", "Wed 25 Nov 2026 00:00"),
        ("may I come tomorrow at 5", "Wed 25 Nov 2026 17:00"),
        ("I am free tomorrow 11", "Wed 25 Nov 2026 11:00"),
        ("the 5th at 3pm", "Sat 05 Dec 2026 15:00"),
        ("3/1 10am", "Sun 03 Jan 2027 10:00"),  # January's is next year's
    ],
)
def test_english(text: str, expected: str | None) -> None:
    assert _local(text) == expected


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("कल शाम 5 बजे", "Wed 25 Nov 2026 17:00"),
        ("परसों सुबह 10 बजे", "Thu 26 Nov 2026 10:00"),
        ("सोमवार दोपहर 2 बजे", "Mon 30 Nov 2026 14:00"),
        ("आज रात 9 बजे", "Tue 24 Nov 2026 21:00"),
        ("कल ५ बजे", "Wed 25 Nov 2026 17:00"),
        ("१५ दिसंबर शाम ६ बजे", "Tue 15 Dec 2026 18:00"),
        ("3 दिसम्बर 11:30", "Thu 03 Dec 2026 11:30"),
        ("अगले मंगलवार सुबह 11 बजे", "Tue 01 Dec 2026 11:00"),
        ("कल साढ़े 5 बजे", "Wed 25 Nov 2026 17:30"),
        ("कल पौने 5 बजे", "Wed 25 Nov 2026 16:45"),
        ("कल दोपहर ढाई बजे", "Wed 25 Nov 2026 14:30"),
        ("कल रात 12 बजे", "Thu 26 Nov 2026 00:00"),
        ("कल पांच बजे", "Wed 25 Nov 2026 17:00"),
        ("kal shaam 5 baje", "Wed 25 Nov 2026 17:00"),
        ("kal 5 baje", "Wed 25 Nov 2026 17:00"),
        ("kal subah 7 baje", "Wed 25 Nov 2026 07:00"),
        ("parso dopahar 12 baje", "Thu 26 Nov 2026 12:00"),
        ("somvar 4 baje", "Mon 30 Nov 2026 16:00"),
        ("agle mangalvar sadhe 11", "Tue 01 Dec 2026 11:30"),
        ("kal do baje", "Wed 25 Nov 2026 14:00"),
        ("aaj raat 8 baje", "Tue 24 Nov 2026 20:00"),
        ("kal sava 10 baje", "Wed 25 Nov 2026 10:15"),
        ("3/12 ko shaam 6 baje", "Thu 03 Dec 2026 18:00"),
    ],
)
def test_hindi_and_hinglish(text: str, expected: str) -> None:
    assert _local(text, lang="hi") == expected


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("kal 1", "13:00"),
        ("kal 7", "19:00"),
        ("kal 7:30", "19:30"),
        ("kal 8", "08:00"),
        ("kal 11", "11:00"),
        ("kal 12", "12:00"),
        ("kal 07:00", "07:00"),  # a leading zero is the 24-hour clock
        ("kal 0:30", "00:30"),
        ("kal 7 am", "07:00"),
        ("kal subah 7", "07:00"),
        ("kal 19:00", "19:00"),
    ],
)
def test_a_bare_hour_from_1_to_7_is_the_afternoon(text: str, expected: str) -> None:
    moment = _local(text)
    assert moment is not None and moment.endswith(expected)


@pytest.mark.parametrize(
    "text",
    [
        "",
        "tomorrow",  # no time
        "hello",
        "today 8am",  # gone half an hour ago
        "8",  # today's 8 am is gone
        "1/11 10am",  # three weeks ago
        "1/1/2026 10am",
        "31/2 10am",
        "13/13 10am",
        "tomorrow 25:00",
        "tomorrow 5:75",
        "tomorrow 17 am",
        "kal subah 5 pm",
        "kal 5 ya 6 baje",  # two times
        "monday 5pm, no tuesday",  # two days
        "tomorrow 3/12 5pm",  # tomorrow is not 3 December
        "tomorrow 1700",
        "GS-B501 tomorrow 5pm",  # a stray number is not ignored
    ],
)
def test_unclear_or_past_is_none(text: str) -> None:
    assert parse_when(text, "en", KOLKATA, MORNING) is None


def test_the_day_is_the_business_day_not_the_utc_day() -> None:
    # 18:45 UTC on the 24th is 00:15 on Wednesday the 25th in Kolkata.
    just_after_midnight = datetime(2026, 11, 24, 18, 45, tzinfo=UTC)
    assert _local("tomorrow 5pm", just_after_midnight) == "Thu 26 Nov 2026 17:00"
    assert _local("today 11am", just_after_midnight) == "Wed 25 Nov 2026 11:00"
    assert _local("0:30", just_after_midnight) == "Wed 25 Nov 2026 00:30"
    assert _local("0:10", just_after_midnight) is None
    assert _local("आज रात 11:59 pm", just_after_midnight) == "Wed 25 Nov 2026 23:59"


def test_just_before_midnight() -> None:
    late = datetime(2026, 11, 24, 18, 20, tzinfo=UTC)  # 23:50 in Kolkata
    assert _local("11:55 pm", late) == "Tue 24 Nov 2026 23:55"
    assert _local("11:45 pm", late) is None
    assert _local("tonight 12", late) == "Wed 25 Nov 2026 00:00"  # midnight ending tonight
    assert parse_when("tomorrow 12am", "en", KOLKATA, late) == datetime(2026, 11, 24, 18, 30, tzinfo=UTC)


def test_the_result_is_utc_in_the_business_zone() -> None:
    assert parse_when("3/12 17:00", "en", KOLKATA, MORNING) == datetime(2026, 12, 3, 11, 30, tzinfo=UTC)
    assert parse_when("3/12 17:00", "en", LONDON, MORNING) == datetime(2026, 12, 3, 17, 0, tzinfo=UTC)
    assert parse_when("3/12 17:00", "en", NEW_YORK, MORNING) == datetime(2026, 12, 3, 22, 0, tzinfo=UTC)


def test_daylight_saving_in_london() -> None:
    # Clocks go forward at 01:00 on Sunday 29 March 2026 and back at 02:00 on 25 October.
    saturday = datetime(2026, 3, 28, 12, 0, tzinfo=UTC)
    assert parse_when("tomorrow 10am", "en", LONDON, saturday) == datetime(2026, 3, 29, 9, 0, tzinfo=UTC)
    assert parse_when("today 10am", "en", LONDON, datetime(2026, 3, 28, 8, 0, tzinfo=UTC)) == datetime(
        2026, 3, 28, 10, 0, tzinfo=UTC
    )
    assert parse_when("29/3 01:30", "en", LONDON, saturday) is None  # the hour that never is
    assert parse_when("29/3 02:00", "en", LONDON, saturday) == datetime(2026, 3, 29, 1, 0, tzinfo=UTC)
    october = datetime(2026, 10, 20, 12, 0, tzinfo=UTC)
    # 01:30 on 25 October happens twice: the first, still summer time.
    assert parse_when("25/10 01:30", "en", LONDON, october) == datetime(2026, 10, 25, 0, 30, tzinfo=UTC)
    assert parse_when("25/10 02:30", "en", LONDON, october) == datetime(2026, 10, 25, 2, 30, tzinfo=UTC)


def test_daylight_saving_in_new_york() -> None:
    # Forward at 02:00 on Sunday 8 March 2026, back at 02:00 on Sunday 1 November.
    friday = datetime(2026, 3, 6, 15, 0, tzinfo=UTC)
    assert parse_when("sunday 2:30 am", "en", NEW_YORK, friday) is None
    assert parse_when("sunday 3:30 am", "en", NEW_YORK, friday) == datetime(2026, 3, 8, 7, 30, tzinfo=UTC)
    assert parse_when("sunday 5pm", "en", NEW_YORK, friday) == datetime(2026, 3, 8, 21, 0, tzinfo=UTC)
    assert parse_when("saturday 5pm", "en", NEW_YORK, friday) == datetime(2026, 3, 7, 22, 0, tzinfo=UTC)
    october = datetime(2026, 10, 30, 15, 0, tzinfo=UTC)
    assert parse_when("1/11 1:30 am", "en", NEW_YORK, october) == datetime(2026, 11, 1, 5, 30, tzinfo=UTC)
    assert parse_when("1/11 1:30 pm", "en", NEW_YORK, october) == datetime(2026, 11, 1, 18, 30, tzinfo=UTC)


def test_new_york_late_evening_is_already_tomorrow_in_utc() -> None:
    evening = datetime(2026, 11, 25, 3, 30, tzinfo=UTC)  # 22:30 on the 24th in New York
    assert parse_when("tomorrow 9am", "en", NEW_YORK, evening) == datetime(2026, 11, 25, 14, 0, tzinfo=UTC)
    assert parse_when("11 pm", "en", NEW_YORK, evening) == datetime(2026, 11, 25, 4, 0, tzinfo=UTC)
