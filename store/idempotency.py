"""`Idempotency-Key` for the vendor API: the first request with a key does the work
and its response is kept in the same transaction; a retry with the same key and the
same request gets that response again; the key with a different request is refused.

The key is claimed with a conditional insert: on PostgreSQL a concurrent retry waits
on the unique index until the first request commits (then replays it) or rolls back
(then does the work itself); SQLite serialises writers anyway.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from store.db import insert_for
from store.errors import IdempotencyInProgress, IdempotencyKeyReused
from store.models import IdempotentRequest, utcnow


@dataclass(frozen=True)
class StoredResponse:
    status_code: int
    body: dict[str, Any]


def request_hash(method: str, path: str, body: Any) -> str:
    """What "the same request" means: the method, the path and the JSON body, whatever
    its key order or spacing."""
    canonical = json.dumps([method, path, body], sort_keys=True, separators=(",", ":"))
    return hashlib.sha256(canonical.encode()).hexdigest()


def claim(
    session: Session, business_id: int, key: str, fingerprint: str, now: datetime | None = None
) -> StoredResponse | None:
    """None when `key` is new (go on, then `complete`); the stored response when this
    request was answered before. Raises IdempotencyKeyReused for a different request."""
    claimed = session.execute(
        insert_for(session)(IdempotentRequest)
        .values(business_id=business_id, key=key, request_hash=fingerprint,
                created_at=now or utcnow())
        .on_conflict_do_nothing(index_elements=["business_id", "key"])
        .returning(IdempotentRequest.id)
    ).scalar_one_or_none()
    if claimed is not None:
        return None
    row = _row(session, business_id, key)
    if row.request_hash != fingerprint:
        raise IdempotencyKeyReused()
    if row.status_code is None or row.response is None:
        raise IdempotencyInProgress()
    return StoredResponse(row.status_code, row.response)


def complete(
    session: Session, business_id: int, key: str, status_code: int, body: dict[str, Any]
) -> None:
    row = _row(session, business_id, key)
    row.status_code = status_code
    row.response = body
    session.flush()


def _row(session: Session, business_id: int, key: str) -> IdempotentRequest:
    return session.scalars(
        select(IdempotentRequest).where(
            IdempotentRequest.business_id == business_id, IdempotentRequest.key == key
        )
    ).one()
