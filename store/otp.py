"""One-time codes that prove a typed phone belongs to the person in the chat.

A code is made with pyotp from a fresh random secret per challenge; the secret is
dropped at once and only a salted, keyed hash (HMAC with the app's secret key) of
the code is stored, so neither the database nor a log ever holds a code in clear.
Every limit is counted in the database (`store.throttle`), so it holds across workers.
"""

from __future__ import annotations

import enum
import hashlib
import hmac
import secrets
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime, timedelta

import phonenumbers
import pyotp
from sqlalchemy import case, insert, literal, select, update
from sqlalchemy.orm import Session

from store import throttle
from store.models import Business, OtpChallenge, RateEvent

CODE_DIGITS = 6
CODE_TTL = timedelta(minutes=5)
MAX_TRIES = 5  # wrong codes that end a challenge
RESEND_AFTER = timedelta(seconds=60)
CODES_PER_HOUR = 3  # per phone
ASKS_PER_CHAT_HOUR = 6  # codes one chat may ask for, whatever the phones
FAILS_PER_DAY = 100  # wrong codes per phone across every chat; new codes do not reset it
FAILS_PER_CHAT_DAY = 100  # wrong codes one chat may type, whatever codes they were for
DAILY_CAP = 300  # codes the whole instance sends a day (ORDERBOT_OTP_DAILY_CAP)
SENT_BY_INSTANCE = "otp-sent:instance"
HOUR, DAY = timedelta(hours=1), timedelta(days=1)


class Status(enum.StrEnum):
    """`OtpChallenge.status`."""

    OPEN = "open"
    USED = "used"
    EXPIRED = "expired"  # timed out, or replaced by a newer code in the same chat
    LOCKED = "locked"  # too many wrong tries
    UNSENT = "unsent"  # the code could not be delivered


class Refusal(enum.StrEnum):
    """Why no code was issued (nothing of the phone's orders is in any of these)."""

    WAIT = "wait"  # a code went to this phone less than a minute ago
    PHONE_HOURLY = "phone_hourly"  # 3 codes to this phone in the last hour
    CHAT_HOURLY = "chat_hourly"  # this chat asked for too many codes
    PHONE_DAILY = "phone_daily"  # 100 wrong codes for this phone today
    INSTANCE_DAILY = "instance_daily"  # the instance sent its day's codes (ORDERBOT_OTP_DAILY_CAP)
    COUNTRY = "country"  # a phone of a country no business serves (ORDERBOT_OTP_COUNTRIES)


@dataclass(frozen=True)
class Issued:
    challenge: OtpChallenge
    code: str  # to hand to a CodeSender at once; never stored, never logged


@dataclass(frozen=True)
class Refused:
    reason: Refusal
    retry_at: datetime


class Verdict(enum.StrEnum):
    OK = "ok"
    WRONG = "wrong"
    LOCKED = "locked"  # this try (or an earlier one) ended the challenge
    EXPIRED = "expired"
    USED = "used"
    DAILY_CAP = "daily_cap"  # 100 wrong codes for the code's phone today
    CHAT_DAILY_CAP = "chat_daily_cap"  # 100 wrong codes typed in this chat today


@dataclass(frozen=True)
class Check:
    verdict: Verdict
    phone: str | None = None
    tries_left: int = 0


def _sent_key(phone: str) -> str:
    return f"otp-sent:{phone}"


def _fail_key(phone: str) -> str:
    return f"otp-fail:{phone}"


def _chat_fail_key(chat_id: int) -> str:
    return f"otp-fail:chat:{chat_id}"


def _ask_key(chat_id: int) -> str:
    return f"otp-ask:chat:{chat_id}"


def code_hash(secret_key: str, salt: str, phone: str, code: str) -> str:
    mac = hmac.new(secret_key.encode(), f"otp:{salt}:{phone}:{code}".encode(), hashlib.sha256)
    return f"{salt}${mac.hexdigest()}"


def _matches(challenge: OtpChallenge, secret_key: str, code: str) -> bool:
    salt = challenge.code_hash.partition("$")[0]
    expected = code_hash(secret_key, salt, challenge.phone, code)
    return hmac.compare_digest(expected, challenge.code_hash)


def countries_served(session: Session, extra: Iterable[str] = ()) -> set[str]:
    """Where codes may go: the businesses' countries, and any `extra` ISO codes."""
    served = set(session.scalars(select(Business.country).distinct()))
    return {c.strip().upper() for c in (*served, *extra) if c and c.strip()}


def _refusal(
    session: Session, chat_id: int, phone: str, now: datetime, daily_cap: int
) -> Refused | None:
    limits = [
        (_fail_key(phone), DAY, FAILS_PER_DAY, Refusal.PHONE_DAILY),
        (_sent_key(phone), RESEND_AFTER, 1, Refusal.WAIT),
        (_sent_key(phone), HOUR, CODES_PER_HOUR, Refusal.PHONE_HOURLY),
        (_ask_key(chat_id), HOUR, ASKS_PER_CHAT_HOUR, Refusal.CHAT_HOURLY),
        (SENT_BY_INSTANCE, DAY, daily_cap, Refusal.INSTANCE_DAILY),
    ]
    for key, window, limit, reason in limits:
        if throttle.count(session, key, window, now) >= limit:
            oldest = throttle.oldest_in_window(session, key, window, now) or now
            return Refused(reason, oldest + window)
    return None


def issue(
    session: Session,
    chat_id: int,
    phone: str,
    now: datetime,
    secret_key: str,
    *,
    daily_cap: int = DAILY_CAP,
    countries: Iterable[str] = (),
) -> Issued | Refused:
    """A new code for `phone` asked in chat `chat_id`, or why not: codes cost money, so
    they go only to the countries served (the businesses' and `countries`), and at most
    `daily_cap` a day from the whole instance. The chat's earlier open codes stop
    working: only the newest one counts."""
    region = phonenumbers.region_code_for_number(phonenumbers.parse(phone))
    if region not in countries_served(session, countries):
        return Refused(Refusal.COUNTRY, now)
    refused = _refusal(session, chat_id, phone, now, daily_cap)
    if refused is not None:
        return refused
    cancel_open(session, chat_id)
    code = pyotp.HOTP(pyotp.random_base32(), digits=CODE_DIGITS).at(0)
    challenge = OtpChallenge(
        chat_id=chat_id,
        phone=phone,
        code_hash=code_hash(secret_key, secrets.token_hex(8), phone, code),
        attempts=0,
        status=Status.OPEN.value,
        created_at=now,
        expires_at=now + CODE_TTL,
    )
    session.add(challenge)
    throttle.hit(session, _sent_key(phone), now)
    throttle.hit(session, _ask_key(chat_id), now)
    throttle.hit(session, SENT_BY_INSTANCE, now)
    return Issued(challenge, code)


def undelivered(challenge: OtpChallenge) -> None:
    """The code never reached the phone: it can never be entered."""
    challenge.status = Status.UNSENT.value


def cancel_open(session: Session, chat_id: int) -> None:
    """Every code the chat is still waiting for stops working."""
    session.execute(
        update(OtpChallenge)
        .where(OtpChallenge.chat_id == chat_id, OtpChallenge.status == Status.OPEN.value)
        .values(status=Status.EXPIRED.value)
    )


def latest(session: Session, chat_id: int) -> OtpChallenge | None:
    """The chat's newest challenge, locked for this transaction where the database can."""
    return session.scalars(
        select(OtpChallenge)
        .where(OtpChallenge.chat_id == chat_id)
        .order_by(OtpChallenge.id.desc())
        .limit(1)
        .with_for_update()
    ).first()


def _live(challenge: OtpChallenge, now: datetime) -> bool:
    return challenge.status == Status.OPEN.value and now < challenge.expires_at


def _live_codes(session: Session, now: datetime) -> list[OtpChallenge]:
    """Every code that can still be entered, whatever chat asked for it: one statement,
    the same whether there are none or many (at most a day's cap of them)."""
    return list(
        session.scalars(
            select(OtpChallenge).where(
                OtpChallenge.status == Status.OPEN.value, OtpChallenge.expires_at > now
            )
        )
    )


def _count_against_every_live_code(session: Session, now: datetime) -> None:
    """A guess from a chat with no live code of its own could be aimed at any live code:
    it is a wrong try against each of them (and against each one's phone for the day),
    in two statements whatever their number."""
    live = (OtpChallenge.status == Status.OPEN.value) & (OtpChallenge.expires_at > now)
    session.execute(
        insert(RateEvent).from_select(
            ["key", "at"],
            select(literal("otp-fail:") + OtpChallenge.phone, literal(now, RateEvent.at.type))
            .where(live),
        )
    )
    session.execute(
        update(OtpChallenge)
        .where(live)
        .values(
            attempts=OtpChallenge.attempts + 1,
            status=case(
                (OtpChallenge.attempts + 1 >= MAX_TRIES, Status.LOCKED.value),
                else_=OtpChallenge.status,
            ),
        )
        .execution_options(synchronize_session=False)
    )


def verify(
    session: Session, chat_id: int, code: str, now: datetime, secret_key: str
) -> Check:
    """Check a typed code. Only the chat's own newest code can be opened from it; a
    wrong guess counts against that code (5 end it), its phone (100 a day) and the chat
    (100 a day). A chat with no live code of its own gets the very answer of a wrong
    code, and its guess counts against every live code anywhere (so 5 guesses from any
    mix of chats end a code). A guess that is another chat's live code ends that code
    (it has leaked) and is answered as any wrong code: nothing tells that a code exists."""
    own = latest(session, chat_id)
    live = _live_codes(session, now)
    if throttle.count(session, _chat_fail_key(chat_id), DAY, now) >= FAILS_PER_CHAT_DAY:
        return Check(Verdict.CHAT_DAILY_CAP)
    if own is not None and own.status == Status.OPEN.value and now >= own.expires_at:
        own.status = Status.EXPIRED.value
    if own is not None and own.status != Status.UNSENT.value and _matches(own, secret_key, code):
        return _own_code(session, own, now)
    leaked = [c.id for c in live if c.chat_id != chat_id and _matches(c, secret_key, code)]
    # One statement whether or not anything matched: its timing tells nothing.
    session.execute(
        update(OtpChallenge)
        .where(OtpChallenge.id.in_(leaked))
        .values(status=Status.LOCKED.value)
        .execution_options(synchronize_session=False)
    )
    throttle.hit(session, _chat_fail_key(chat_id), now)
    if own is not None and _live(own, now):
        own.attempts += 1
        throttle.hit(session, _fail_key(own.phone), now)
        if own.attempts >= MAX_TRIES:
            own.status = Status.LOCKED.value
            return Check(Verdict.LOCKED, own.phone)
        return Check(Verdict.WRONG, own.phone, MAX_TRIES - own.attempts)
    _count_against_every_live_code(session, now)
    # The tries a code asked for now would have left: what a wrong code would say.
    left = MAX_TRIES - throttle.count(session, _chat_fail_key(chat_id), CODE_TTL, now)
    return Check(Verdict.WRONG, None, left) if left > 0 else Check(Verdict.LOCKED)


def _own_code(session: Session, challenge: OtpChallenge, now: datetime) -> Check:
    """The chat typed its own newest code: accepted once, if still live."""
    phone = challenge.phone
    if not _live(challenge, now):
        return Check(Verdict(challenge.status), phone)
    if throttle.count(session, _fail_key(phone), DAY, now) >= FAILS_PER_DAY:
        challenge.status = Status.LOCKED.value
        return Check(Verdict.DAILY_CAP, phone)
    # Only one worker can move it from open to used: a code counts once.
    used = session.execute(
        update(OtpChallenge)
        .where(OtpChallenge.id == challenge.id, OtpChallenge.status == Status.OPEN.value)
        .values(status=Status.USED.value, used_at=now)
        .execution_options(synchronize_session=False)
    ).rowcount
    session.refresh(challenge)
    return Check(Verdict.OK if used == 1 else Verdict.USED, phone)
