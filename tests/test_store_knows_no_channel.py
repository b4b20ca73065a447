"""store/ names no channel: what a channel needs of the store reaches it as data (the
phone address formats, the staff channels, in the session's info), so a new channel
touches bot/channels/ alone. Migrations are history and may name what once was."""

from __future__ import annotations

import re
from pathlib import Path

STORE = Path(__file__).resolve().parent.parent / "store"
# The platforms and the channels' names ("web" aside: pages and webhooks say it too;
# "sms" too: Razorpay's payload says it of its own notices).
NAMES = ("whatsapp", "telegram", "twilio", "webchat", "console")
PATTERN = re.compile("|".join(NAMES), re.IGNORECASE)


def channel_names_in(text: str) -> list[str]:
    return [match.group(0) for match in PATTERN.finditer(text)]


def test_the_check_finds_a_name_whatever_its_case() -> None:
    assert channel_names_in("Staff.telegram_user_id; # WhatsApp's window") == [
        "telegram", "WhatsApp"]
    assert channel_names_in('"notify": {"sms": False}; webhook; platform_user_id') == []


def test_store_names_no_channel() -> None:
    found = [
        f"{path.relative_to(STORE)}:{number}: {line.strip()}"
        for path in sorted(STORE.rglob("*"))
        if path.is_file() and "migrations" not in path.parts and path.suffix != ".pyc"
        for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1)
        if channel_names_in(line)
    ]
    assert found == []
