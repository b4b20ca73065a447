"""API keys for the vendor API: one business each, shown once, kept only as a hash.

A key reads `obk_<lookup>_<secret>`: the lookup part finds the row (it is not
secret), the SHA-256 of the whole key is compared in constant time. Keys carry 256
bits of randomness, so a fast hash is enough (there is nothing to brute-force).
"""

from __future__ import annotations

import hashlib
import hmac
import re
import secrets
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from store.models import ApiKey, Business, utcnow

_SHAPE = re.compile(r"obk_([0-9a-f]{8})_[A-Za-z0-9_-]{40,64}")


def _digest(key: str) -> str:
    return hashlib.sha256(key.encode()).hexdigest()


def create_key(session: Session, business: Business, now: datetime | None = None) -> str:
    """A new key for `business`; the only time the key itself is ever seen."""
    lookup = secrets.token_hex(4)
    key = f"obk_{lookup}_{secrets.token_urlsafe(32)}"
    session.add(
        ApiKey(business_id=business.id, prefix=lookup, key_hash=_digest(key),
               created_at=now or utcnow())
    )
    session.flush()
    return key


def business_for_key(session: Session, key: str) -> Business | None:
    """The business a presented key belongs to, or None (unknown, malformed or revoked)."""
    match = _SHAPE.fullmatch(key)
    if not match:
        return None
    digest = _digest(key)
    candidates = session.scalars(
        select(ApiKey).where(ApiKey.prefix == match.group(1), ApiKey.revoked_at.is_(None))
    )
    for candidate in candidates:
        if hmac.compare_digest(candidate.key_hash, digest):
            return session.get(Business, candidate.business_id)
    return None


def revoke_key(
    session: Session, business: Business, lookup: str, now: datetime | None = None
) -> bool:
    """Revoke the business's key whose lookup part is `lookup`; returns whether one was."""
    keys = session.scalars(
        select(ApiKey).where(
            ApiKey.business_id == business.id,
            ApiKey.prefix == lookup,
            ApiKey.revoked_at.is_(None),
        )
    ).all()
    for key in keys:
        key.revoked_at = now or utcnow()
    return bool(keys)
