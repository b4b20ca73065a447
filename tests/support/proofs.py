"""Looking at what a payment proof left behind: its rows, its prompts, its files."""

from __future__ import annotations

from pathlib import Path

from sqlalchemy import select

from bot.runtime import Runtime
from store.db import unit_of_work
from store.models import OutboxMessage, PaymentProof


def proofs(runtime: Runtime) -> list[PaymentProof]:
    with unit_of_work(runtime.sessions) as s:
        return list(s.scalars(select(PaymentProof).order_by(PaymentProof.id)))


def prompts(runtime: Runtime) -> list[OutboxMessage]:
    """The vendor prompts queued, for every staff chat."""
    with unit_of_work(runtime.sessions) as s:
        return list(s.scalars(select(OutboxMessage).where(OutboxMessage.kind == "proof_prompt")))


def kept_files(runtime: Runtime) -> list[Path]:
    """Every file under MEDIA_DIR."""
    folder = runtime.config.media_path
    return [p for p in folder.rglob("*") if p.is_file()] if folder.exists() else []
