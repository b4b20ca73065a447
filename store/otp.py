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
from dataclasses import dataclass
from datetime import datetime, timedelta

import pyotp
from sqlalchemy import select, update
from sqlalchemy.orm import Session

from store import throttle
from store.models import OtpChallenge

CODE_DIGITS = 6
CODE_TTL = timedelta(minutes=5)
MAX_TRIES = 5  # wrong codes that end a challenge
RESEND_AFTER = timedelta(seconds=60)
CODES_PER_HOUR = 3  # per phone
ASKS_PER_CHAT_HOUR = 6  # codes one chat may ask for, whatever the phones
FAILS_PER_DAY = 100  # wrong codes per phone across every chat; new codes do not reset it
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
    OTHER_CHAT = "other_chat"  # a live code, but asked for in another chat
    DAILY_CAP = "daily_cap"
    NONE = "none"  # no code was asked for in this chat


@dataclass(frozen=True)
class Check:
    verdict: Verdict
    phone: str | None = None
    tries_left: int = 0


def _sent_key(phone: str) -> str:
    return f"otp-sent:{phone}"


def _fail_key(phone: str) -> str:
    return f"otp-fail:{phone}"


def _ask_key(chat_id: int) -> str:
    return f"otp-ask:chat:{chat_id}"


def code_hash(secret_key: str, salt: str, phone: str, code: str) -> str:
    mac = hmac.new(secret_key.encode(), f"otp:{salt}:{phone}:{code}".encode(), hashlib.sha256)
    return f"{salt}${mac.hexdigest()}"


def _matches(challenge: OtpChallenge, secret_key: str, code: str) -> bool:
    salt = challenge.code_hash.partition("$")[0]
    expected = code_hash(secret_key, salt, challenge.phone, code)
    return hmac.compare_digest(expected, challenge.code_hash)


def _refusal(session: Session, chat_id: int, phone: str, now: datetime) -> Refused | None:
    limits = [
        (_fail_key(phone), DAY, FAILS_PER_DAY, Refusal.PHONE_DAILY),
        (_sent_key(phone), RESEND_AFTER, 1, Refusal.WAIT),
        (_sent_key(phone), HOUR, CODES_PER_HOUR, Refusal.PHONE_HOURLY),
        (_ask_key(chat_id), HOUR, ASKS_PER_CHAT_HOUR, Refusal.CHAT_HOURLY),
    ]
    for key, window, limit, reason in limits:
        if throttle.count(session, key, window, now) >= limit:
            oldest = throttle.oldest_in_window(session, key, window, now) or now
            return Refused(reason, oldest + window)
    return None


def issue(
    session: Session, chat_id: int, phone: str, now: datetime, secret_key: str
) -> Issued | Refused:
    """A new code for `phone` asked in chat `chat_id`, or why not. The chat's earlier
    open codes stop working: only the newest one counts."""
    refused = _refusal(session, chat_id, phone, now)
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


def _asked_elsewhere(
    session: Session, chat_id: int, code: str, now: datetime, secret_key: str
) -> bool:
    """Whether `code` is a live code another chat asked for (typed in the wrong chat)."""
    others = session.scalars(
        select(OtpChallenge)
        .where(
            OtpChallenge.chat_id != chat_id,
            OtpChallenge.status == Status.OPEN.value,
            OtpChallenge.expires_at > now,
        )
        .order_by(OtpChallenge.id.desc())
        .limit(100)
    )
    return any(_matches(c, secret_key, code) for c in others)


def verify(
    session: Session, chat_id: int, code: str, now: datetime, secret_key: str
) -> Check:
    """Check a typed code against the chat's newest challenge, counting wrong tries
    against that challenge (5) and against its phone for the day (100)."""
    challenge = latest(session, chat_id)
    if challenge is None or challenge.status == Status.UNSENT.value:
        other = _asked_elsewhere(session, chat_id, code, now, secret_key)
        return Check(Verdict.OTHER_CHAT if other else Verdict.NONE)
    if challenge.status == Status.OPEN.value and now >= challenge.expires_at:
        challenge.status = Status.EXPIRED.value
    if not _live(challenge, now):
        if _matches(challenge, secret_key, code):
            return Check(Verdict(challenge.status), challenge.phone)
        if _asked_elsewhere(session, chat_id, code, now, secret_key):
            return Check(Verdict.OTHER_CHAT)
        if challenge.status == Status.USED.value:
            return Check(Verdict.NONE)  # done with: a new number is not "that code"
        return Check(Verdict(challenge.status), challenge.phone)
    phone = challenge.phone
    if throttle.count(session, _fail_key(phone), DAY, now) >= FAILS_PER_DAY:
        challenge.status = Status.LOCKED.value
        return Check(Verdict.DAILY_CAP, phone)
    if _matches(challenge, secret_key, code):
        # Only one worker can move it from open to used: a code counts once.
        used = session.execute(
            update(OtpChallenge)
            .where(OtpChallenge.id == challenge.id, OtpChallenge.status == Status.OPEN.value)
            .values(status=Status.USED.value, used_at=now)
            .execution_options(synchronize_session=False)
        ).rowcount
        session.refresh(challenge)
        return Check(Verdict.OK if used == 1 else Verdict.USED, phone)
    if _asked_elsewhere(session, chat_id, code, now, secret_key):
        return Check(Verdict.OTHER_CHAT, phone)
    challenge.attempts += 1
    throttle.hit(session, _fail_key(phone), now)
    if challenge.attempts >= MAX_TRIES:
        challenge.status = Status.LOCKED.value
        return Check(Verdict.LOCKED, phone)
    return Check(Verdict.WRONG, phone, MAX_TRIES - challenge.attempts)
