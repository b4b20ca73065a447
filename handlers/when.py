"""Reading a moment from what people type: "tomorrow 5pm", "3/12 11:30", "कल शाम 5 बजे",
"kal shaam 5 baje", "सोमवार दोपहर 2 बजे", "Tue 2 Dec, 11:00 am".

Bookings are made and moved in plain words, in English, Hindi or Hinglish, in any chat;
people mix the languages, so the words of both are read whatever the chat's language.
The result is an aware UTC datetime, or None when the words do not name exactly one
future moment — a caller asks again rather than book a guess.

The rules, in the order a reader needs them:

- A day: today / tomorrow / day after (tomorrow) (आज, कल, परसों, नरसों; aaj, kal, parso),
  a weekday (Monday, Mon, सोमवार, somvar; the next one whose moment is still ahead, today
  included; "next"/"agle"/"अगले" skips today), a date D/M or D/M/YY(YY) — day first, as in
  India — or "3 Dec", "Dec 3rd", "3 दिसंबर" (month names from Babel, en and hi). A weekday
  beside a date must agree with it ("Tue 2 Dec"). A date without a year is this year's,
  or next year's when this year's is more than a month gone ("3/1" typed on 30 December).
  No day means today.
- A time: "5pm", "5 pm", "5:30 pm", "5.30", "17:00", "5 baje", "शाम 5 बजे", "saadhe 5"
  (5:30), "sava 5" (5:15), "paune 5" (4:45), "dedh"/"dhai baje" (1:30, 2:30), "noon".
  Morning words (morning, subah, सुबह) mean am; afternoon, evening and night words
  (dopahar, shaam, raat, दोपहर, शाम, रात, tonight) mean pm.
- A bare hour, with neither am/pm nor a part of the day: 1 to 7 mean pm (a salon is not
  open at 5 in the morning: "kal 5 baje" is 17:00), 8 to 11 mean am, 12 means noon; 0
  and 13 to 23 are the 24-hour clock, and so is an hour written with a leading zero
  ("07:00" is 7 am). A time is required: a day alone is not a moment.
- The local time is in the business's zone; a time the clocks skip (a daylight-saving
  gap) does not exist, so None; a time the clocks pass twice is the first of the two.
- A moment not after `now` is None: a booking is never made in the past.
"""

from __future__ import annotations

import functools
import re
import unicodedata
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from babel.dates import get_day_names, get_month_names

from store.numbers import normalize_digits

_TODAY = {"today", "tday", "aaj", "aj", "आज", "tonight", "tonite"}
_TOMORROW = {"tomorrow", "tomorow", "tommorow", "tommorrow", "tmrw", "tmr", "tmw", "kal", "kl", "कल"}
_DAY_AFTER = {"parso", "parson", "parsoon", "parsho", "parsön", "परसों", "परसो"}
_THIRD_DAY = {"narso", "narson", "नरसों", "नरसो"}
_NEXT = {"next", "agle", "agla", "अगले", "अगला", "coming"}

_MORNING = {"morning", "subah", "subha", "suba", "subeh", "savere", "sawere", "सुबह", "सवेरे"}
_AFTERNOON = {"afternoon", "dopahar", "dopehar", "dophar", "dupahar", "duphar", "दोपहर"}
_EVENING = {"evening", "eve", "shaam", "sham", "shyam", "शाम"}
_NIGHT = {"night", "raat", "rat", "रात", "tonight", "tonite"}
_AM = {"am"}
_PM = {"pm"}
_OCLOCK = {"baje", "bje", "baj", "बजे", "o'clock", "oclock"}
_NOON = {"noon", "midday"}

# Hindi hour words, read only before baje/बजे ("paanch baje"): "do" alone is English.
_HOUR_WORDS = {
    **dict.fromkeys(("ek", "एक"), 1),
    **dict.fromkeys(("do", "दो"), 2),
    **dict.fromkeys(("teen", "tin", "तीन"), 3),
    **dict.fromkeys(("char", "chaar", "चार"), 4),
    **dict.fromkeys(("paanch", "panch", "पांच", "पाँच"), 5),
    **dict.fromkeys(("chhe", "che", "chah", "छह", "छः", "छे"), 6),
    **dict.fromkeys(("saat", "sat", "सात"), 7),
    **dict.fromkeys(("aath", "ath", "आठ"), 8),
    **dict.fromkeys(("nau", "नौ"), 9),
    **dict.fromkeys(("das", "दस"), 10),
    **dict.fromkeys(("gyarah", "gyara", "ग्यारह"), 11),
    **dict.fromkeys(("barah", "bara", "बारह"), 12),
}
# Hours and a half said as one word: डेढ़ (1:30), ढाई (2:30).
_HALF_HOURS = {
    **dict.fromkeys(("dedh", "dedh", "डेढ़", "डेढ"), (1, 30)),
    **dict.fromkeys(("dhai", "dhaai", "ढाई"), (2, 30)),
}
# Words before an hour that set its minutes: साढ़े 5 is 5:30, सवा 5 is 5:15, पौने 5 is 4:45.
_QUARTERS = {
    **dict.fromkeys(("sadhe", "saadhe", "sade", "saade", "साढ़े", "साढे"), 30),
    **dict.fromkeys(("sava", "sawa", "savva", "सवा"), 15),
    **dict.fromkeys(("paune", "pone", "paone", "पौने"), -15),
}
_ORDINAL_ENDINGS = {"st", "nd", "rd", "th"}

_ROMAN_WEEKDAYS = {
    0: ("somvar", "somwar", "somvaar"),
    1: ("mangalvar", "mangalwar", "mangal"),
    2: ("budhvar", "budhwar", "budh"),
    3: ("guruvar", "guruwar", "brihaspativar", "veervar", "virvar", "गुरुवार", "बृहस्पतिवार"),
    4: ("shukravar", "shukrawar", "shukra"),
    5: ("shanivar", "shaniwar", "shani"),
    6: ("ravivar", "raviwar", "itvaar", "itwar", "etwar", "इतवार"),
}
_MONTH_VARIANTS = {
    2: ("फरवरी",),
    9: ("सितम्बर", "sept"),
    10: ("अक्टूबर", "अक्तुबर"),
    11: ("नवम्बर",),
    12: ("दिसम्बर",),
}


def _babel_names(names_of: Callable[..., Mapping[int, str]]) -> dict[str, int]:
    """Babel's English and Hindi names (wide and short) → their numbers."""
    found: dict[str, int] = {}
    for locale in ("en", "hi"):
        for width in ("wide", "abbreviated"):
            for number, name in names_of(width, locale=locale).items():
                found[_fold(name).rstrip(".")] = number
    return found


@functools.cache
def _weekdays() -> dict[str, int]:
    """Weekday words → Monday=0: English and Hindi names from Babel, and romanised Hindi."""
    names = _babel_names(get_day_names) | {"tues": 1, "weds": 2, "thur": 3, "thurs": 3}
    for number, words in _ROMAN_WEEKDAYS.items():
        names.update(dict.fromkeys((_fold(w) for w in words), number))
    return names


@functools.cache
def _months() -> dict[str, int]:
    """Month words → 1..12, from Babel (en and hi, wide and short) plus common spellings."""
    names = _babel_names(get_month_names)
    for number, words in _MONTH_VARIANTS.items():
        names.update(dict.fromkeys((_fold(w) for w in words), number))
    return names


def _fold(word: str) -> str:
    return unicodedata.normalize("NFC", word).casefold()


# "5pm", "5 p.m.", "5PM" → "5 pm"; "5baje" → "5 baje"; "day after tomorrow" → one word.
_AMPM = re.compile(r"(?<=\d)\s*([ap])\.?\s*m\b\.?")
_DIGIT_LETTER = re.compile(r"(\d)(?=[^\W\d_])")
_DAY_AFTER_WORDS = re.compile(r"\b(?:the\s+)?day\s+after(?:\s+tomorrow|\s+tmrw)?\b")
_TOKENS = re.compile(r"\d+(?:[:./-]\d+)*|[^\s\d,;!?()\[\]{}\"@/:-]+")
_DATE = re.compile(r"(\d{1,2})[/-](\d{1,2})(?:[/-](\d{2}|\d{4}))?|(\d{1,2})\.(\d{1,2})\.(\d{2}|\d{4})")
_TIME = re.compile(r"(\d{1,2})[:.](\d{2})")


@dataclass
class _Reading:
    """What the words said, piece by piece, before it is made one moment."""

    days: list[date] = field(default_factory=list)
    weekday: int | None = None
    skip_today: bool = False
    day_number: int | None = None
    month: int | None = None
    year: int | None = None
    clock: list[tuple[int, int, bool]] = field(default_factory=list)  # hour, minute, 24-hour
    meridiem: str | None = None  # "am" | "pm" | "noon"
    night: bool = False
    bad: bool = False


def parse_when(text: str, lang: str, zone: ZoneInfo, now: datetime) -> datetime | None:
    """The one future moment `text` names, in `zone`, as an aware UTC datetime; else None.

    `lang` is the chat's language; both languages' words are read in either (see above)."""
    del lang  # Hinglish is typed in English chats and English in Hindi ones.
    today = now.astimezone(zone).date()
    reading = _read(_tokens(text), today)
    if reading is None or reading.bad:
        return None
    clock = _clock(reading)
    if clock is None:
        return None
    hour_minute, extra_days = clock
    for day in _days(reading, today):
        moment = _moment(day + timedelta(days=extra_days), hour_minute, zone)
        if moment is not None and moment > now:
            return moment
        if moment is None:
            return None
    return None


def _tokens(text: str) -> list[str]:
    text = _fold(normalize_digits(text))
    text = _AMPM.sub(lambda m: f" {m.group(1)}m ", text)
    text = _DIGIT_LETTER.sub(r"\1 ", text)
    text = _DAY_AFTER_WORDS.sub(" parso ", text)
    return [t.strip(".'") or t for t in _TOKENS.findall(text)]


def _read(tokens: list[str], today: date) -> _Reading | None:
    reading = _Reading()
    index = 0
    while index < len(tokens):
        token = tokens[index]
        after = tokens[index + 1] if index + 1 < len(tokens) else ""
        if token[0].isdigit():
            index += _read_number(reading, tokens, index, today)
            continue
        if token in _QUARTERS:
            index += _read_quarter(reading, token, after, tokens[index + 2 : index + 3])
            continue
        if token in _HOUR_WORDS and after in _OCLOCK:
            reading.clock.append((_HOUR_WORDS[token], 0, False))
        elif token in _HALF_HOURS:
            hour, minute = _HALF_HOURS[token]
            reading.clock.append((hour, minute, False))
        else:
            _read_word(reading, token, today)
        index += 1
    return reading


def _read_word(reading: _Reading, token: str, today: date) -> None:
    if token in _TODAY:
        reading.days.append(today)
    elif token in _TOMORROW:
        reading.days.append(today + timedelta(days=1))
    elif token in _DAY_AFTER:
        reading.days.append(today + timedelta(days=2))
    elif token in _THIRD_DAY:
        reading.days.append(today + timedelta(days=3))
    elif token in _NEXT:
        reading.skip_today = True
    elif token in _weekdays():
        _set(reading, "weekday", _weekdays()[token])
    elif token in _months() and len(token) >= 3:
        _set(reading, "month", _months()[token])
    if token in _MORNING:
        _set(reading, "meridiem", "am")
    elif token in _AFTERNOON or token in _EVENING:
        _set(reading, "meridiem", "pm")
    elif token in _NOON:
        reading.clock.append((12, 0, True))
    if token in _NIGHT:
        reading.night = True
        _set(reading, "meridiem", "pm")
    # Any other word ("at", "on", "ko", "please", "के") carries no time.


def _set(reading: _Reading, name: str, value: object) -> None:
    """One value per piece: a second, different one ("Mon … Fri") makes the words unclear."""
    current = getattr(reading, name)
    if current is not None and current != value:
        reading.bad = True
    setattr(reading, name, value)


def _read_quarter(reading: _Reading, word: str, after: str, rest: list[str]) -> int:
    """साढ़े 5 / sava 5 / paune 5 [baje]: the hour after the word, its minutes set by the word."""
    if not after.isdigit() or not 1 <= int(after) <= 12:
        reading.bad = True
        return 1
    hour, minute = int(after), _QUARTERS[word]
    if minute < 0:
        hour, minute = (hour - 1) or 12, 60 + minute
    reading.clock.append((hour, minute, False))
    return 2 + (1 if rest and rest[0] in _OCLOCK else 0)


def _read_number(reading: _Reading, tokens: list[str], index: int, today: date) -> int:
    """A token of digits: a date (3/12), a time (17:00, 5.30), or a number read by its
    neighbours — a day of the month beside a month word, else an hour."""
    token = tokens[index]
    before = tokens[index - 1] if index else ""
    after = tokens[index + 1] if index + 1 < len(tokens) else ""
    if dated := _DATE.fullmatch(token):
        day, month, year = (g for g in (dated.groups()[:3] if dated.group(1) else dated.groups()[3:]))
        _set(reading, "day_number", int(day))
        _set(reading, "month", int(month))
        if year:
            _set(reading, "year", _full_year(int(year)))
        return 1
    if timed := _TIME.fullmatch(token):
        hour = timed.group(1)
        reading.clock.append((int(hour), int(timed.group(2)), hour.startswith("0") and len(hour) == 2))
        return 1 + _read_meridiem(reading, after)
    if not token.isdigit():
        reading.bad = True
        return 1
    number = int(token)
    if len(token) == 4 and (before in _months() or before in _ORDINAL_ENDINGS):
        _set(reading, "year", number)
        return 1
    beside_month = after in _months() or (before in _months() and reading.day_number is None)
    if (beside_month or after in _ORDINAL_ENDINGS) and 1 <= number <= 31:
        _set(reading, "day_number", number)
        return 2 if after in _ORDINAL_ENDINGS else 1
    if len(token) > 2:
        reading.bad = True
        return 1
    reading.clock.append((number, 0, token.startswith("0") and len(token) == 2))
    return 1 + _read_meridiem(reading, after)


def _read_meridiem(reading: _Reading, after: str) -> int:
    """am / pm / baje right after a time (only there: "I am free" says nothing)."""
    if after in _AM or after in _PM:
        _set(reading, "meridiem", "am" if after in _AM else "pm")
        return 1
    return 1 if after in _OCLOCK else 0


def _full_year(year: int) -> int:
    return 2000 + year if year < 100 else year


def _clock(reading: _Reading) -> tuple[tuple[int, int], int] | None:
    """The hour and minute the words name, and 1 when that is the midnight ending the day;
    None unless the words name exactly one ("12 noon" names one, "5 or 6pm" two)."""
    found = {_one_clock(reading, *entry) for entry in reading.clock}
    return found.pop() if len(found) == 1 else None


def _one_clock(reading: _Reading, hour: int, minute: int, literal: bool) -> tuple[tuple[int, int], int] | None:
    if minute > 59 or hour > 23:
        return None
    meridiem = reading.meridiem
    if hour > 12 or hour == 0 or literal:
        # The 24-hour clock: a part of the day may only agree with it.
        if (meridiem == "am" and hour >= 12) or (meridiem == "pm" and hour < 12):
            return None
        return (hour, minute), 0
    if meridiem == "am":
        return (0 if hour == 12 else hour, minute), 0
    if meridiem == "pm":
        if hour == 12 and reading.night:
            return (0, minute), 1  # रात 12 बजे: the midnight that ends the day
        return (hour if hour == 12 else hour + 12, minute), 0
    # A bare hour: see the module's rules (1–7 pm, 8–11 am, 12 noon).
    return (hour + 12 if 1 <= hour <= 7 else hour, minute), 0


def _days(reading: _Reading, today: date) -> list[date]:
    """The days the words may mean, first the likeliest; empty when they disagree."""
    named = set(reading.days)
    if reading.day_number is not None:
        day = _calendar_day(reading, today)
        if day is None:
            return []
        named.add(day)
    if len(named) > 1:
        return []
    if named:
        (day,) = named
        if reading.weekday is not None and day.weekday() != reading.weekday:
            return []
        return [day]
    if reading.weekday is not None:
        first = 1 if reading.skip_today else 0
        days = [today + timedelta(days=n) for n in range(first, first + 14)]
        return [d for d in days if d.weekday() == reading.weekday]
    return [today]


def _calendar_day(reading: _Reading, today: date) -> date | None:
    """D/M[/Y] or "3 Dec": this year's, or next year's when this year's is over a month
    gone; "the 5th" alone: this month's, or next month's once this month's is past."""
    assert reading.day_number is not None
    if reading.month is None:
        after_this_month = today.replace(day=1) + timedelta(days=32)
        months = [(today.year, today.month), (after_this_month.year, after_this_month.month)]
    else:
        year = reading.year if reading.year is not None else today.year
        months = [(year, reading.month)] + ([(year + 1, reading.month)] if reading.year is None else [])
    days = [_date(year, month, reading.day_number) for year, month in months]
    if reading.year is None and reading.month is not None:
        days = [days[0]] if days[0] is not None and days[0] >= today - timedelta(days=31) else days[1:]
    elif reading.month is None:
        days = [days[0]] if days[0] is not None and days[0] >= today else days[1:]
    return days[0] if days else None


def _date(year: int, month: int, day: int) -> date | None:
    try:
        return date(year, month, day)
    except ValueError:
        return None


def _moment(day: date, hour_minute: tuple[int, int], zone: ZoneInfo) -> datetime | None:
    """The local day and time in `zone` as UTC; None for a time the clocks skip."""
    local = datetime.combine(day, time(*hour_minute), tzinfo=zone)  # fold=0: the first of two
    moment = local.astimezone(UTC)
    if moment.astimezone(zone).replace(tzinfo=None) != local.replace(tzinfo=None):
        return None
    return moment
