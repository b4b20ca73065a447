"""Translations and formatting: `t(key, lang, **params)` over the catalogs in
locales/<lang>/*.toml, and Babel for money, numbers and dates."""

from __future__ import annotations

import tomllib
from datetime import datetime
from decimal import Decimal
from functools import cache, lru_cache
from importlib import resources
from typing import Any
from zoneinfo import ZoneInfo

from babel import Locale, UnknownLocaleError
from babel.dates import format_date, format_time
from babel.numbers import format_currency, format_decimal, get_currency_precision

LANGUAGES = ("en", "hi")
FALLBACK = "en"


def _flatten(table: dict[str, Any], prefix: str = "") -> dict[str, str]:
    flat: dict[str, str] = {}
    for key, value in table.items():
        name = f"{prefix}{key}"
        if isinstance(value, dict):
            flat.update(_flatten(value, f"{name}."))
        else:
            flat[name] = str(value)
    return flat


@cache
def catalog(lang: str) -> dict[str, str]:
    """Every key of a language, from all of its files (one file per feature)."""
    merged: dict[str, str] = {}
    folder = resources.files("locales") / lang
    for entry in sorted(folder.iterdir(), key=lambda e: e.name):
        if entry.name.endswith(".toml"):
            for key, text in _flatten(tomllib.loads(entry.read_text("utf-8"))).items():
                if key in merged:
                    raise ValueError(f"locale key {key!r} defined twice for {lang}")
                merged[key] = text
    return merged


def t(key: str, lang: str, **params: Any) -> str:
    """The text of `key` in `lang` (English when the language lacks it), filled in."""
    text = catalog(lang if lang in LANGUAGES else FALLBACK).get(key)
    if text is None:
        text = catalog(FALLBACK)[key]
    return text.format(**params) if params else text


def phrases(key: str) -> list[str]:
    """A `|`-separated keyword list in every language at once: people mix them."""
    found = [w.strip() for lang in LANGUAGES for w in catalog(lang).get(key, "").split("|")]
    return [w for w in found if w]


def normalize_language(hint: str | None) -> str | None:
    """"hi-IN", "hi", "Hindi", "हिंदी" -> "hi"; something we do not speak -> None."""
    if not hint:
        return None
    word = hint.strip().lower().replace("_", "-")
    aliases = {"hindi": "hi", "हिंदी": "hi", "हिन्दी": "hi", "english": "en", "अंग्रेज़ी": "en",
               "अंग्रेजी": "en", "angrezi": "en"}
    code = aliases.get(word, word.split("-")[0])
    return code if code in LANGUAGES else None


@cache
def babel_locale(lang: str, country: str = "IN") -> Locale:
    for name in (f"{lang}_{country}", lang, FALLBACK):
        try:
            return Locale.parse(name)
        except (UnknownLocaleError, ValueError):
            continue
    raise LookupError(lang)


def major(minor: int, currency: str) -> Decimal:
    return Decimal(minor).scaleb(-get_currency_precision(currency))


@lru_cache(maxsize=4096)
def money(minor: int, currency: str, lang: str, country: str = "IN") -> str:
    """₹1,25,000.00 for India; the currency's own number of decimals (remembered: a
    shop's amounts repeat, and Babel reads its pattern afresh each time)."""
    return format_currency(major(minor, currency), currency, locale=babel_locale(lang, country))


def order_money(order: Any, minor: int, lang: str) -> str:
    """An amount of the order's currency, as its business's country writes it."""
    return money(minor, order.currency, lang, order.business.country)


def method_label(method: str | None, lang: str) -> str:
    """"UPI", "Bank transfer", "नकद": a payment method as people read it."""
    key = f"method.{method or 'other'}"
    return t(key, lang) if key in catalog("en") else str(method)


def plain_amount(minor: int, currency: str) -> str:
    """The amount as a payment link wants it: "250.00", no grouping, no symbol."""
    digits = get_currency_precision(currency)
    return f"{major(minor, currency):.{digits}f}"


def number(value: int, lang: str, country: str = "IN") -> str:
    return format_decimal(value, locale=babel_locale(lang, country))


@lru_cache(maxsize=4096)
def when(moment: datetime, zone: str, lang: str, country: str = "IN") -> str:
    """A date and time in the business's zone, worded for the reader: "24 Nov 2026, 7:30 pm"
    (remembered: an order's times are shown again at every look)."""
    locale = babel_locale(lang, country)
    local = moment.astimezone(ZoneInfo(zone))
    pattern = locale.datetime_formats["medium"]  # "{1}, {0}": date, then time
    return pattern.format(clock_time(local, locale), format_date(local, "medium", locale=locale))


# Our own time pattern, on purpose: CLDR releases move between "7:30 PM", "7:30 pm" and
# other spacings; a shop's customers see one style in every language and every release.
TIME_PATTERN = "h:mm\u202fa"  # a narrow no-break space keeps "pm" on the line of its time


def clock_time(local: datetime, locale: Locale) -> str:
    """"7:30 pm": the hour and minutes with a lower-case day period, in the reader's script."""
    return format_time(local, TIME_PATTERN, locale=locale).lower()


def day(moment: datetime, zone: str, lang: str, country: str = "IN") -> str:
    return format_date(moment.astimezone(ZoneInfo(zone)), "medium", locale=babel_locale(lang, country))
