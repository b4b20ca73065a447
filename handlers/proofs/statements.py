"""Staff and their bank statement in the chat: a CSV or XLSX file sent by a staff
member is imported for their business (store/statements.py); `unmatched` lists the
credits no proof or payment claims."""

from __future__ import annotations

from sqlalchemy.orm import Session

from handlers import i18n
from handlers.feature import Feature
from handlers.parse import matches
from handlers.turn import Turn
from handlers.types import Reply
from store import statements
from store.models import Business

# What a statement arrives as (types vary by platform: Telegram and WhatsApp send
# what the phone says, often application/octet-stream for a CSV).
STATEMENT_TYPES = ("text/csv", "text/plain", "application/csv", "application/vnd.ms-excel",
                   "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet")
STATEMENT_NAMES = (".csv", ".xlsx", ".txt")


def imported_text(done: statements.Imported, lang: str) -> str:
    return i18n.t("ocr.statement_imported", lang, layout=done.layout, read=done.read,
                  new=done.new, confirmed=done.confirmed, possible=done.possible,
                  approved=done.approved)


def unmatched_lines(session: Session, business: Business, lang: str) -> list[str]:
    credits = statements.unmatched(session, business.id)
    if not credits:
        return [i18n.t("ocr.unmatched_none", lang)]
    return [i18n.t("ocr.unmatched_title", lang, count=len(credits))] + [
        i18n.t("ocr.unmatched_item", lang,
               when=i18n.when(c.credited_at, business.timezone, lang, business.country),
               amount=i18n.money(c.amount_minor, c.currency, lang, business.country),
               utr=c.utr or "—", payer=c.payer or "—")
        for c in credits
    ]


def is_statement(content_type: str | None, filename: str | None) -> bool:
    name = (filename or "").lower()
    return (content_type or "").split(";")[0] in STATEMENT_TYPES or name.endswith(STATEMENT_NAMES)


def _file_intent(turn: Turn) -> list[Reply] | None:
    """A statement file from a staff member (of one business: the first, if several)."""
    if not turn.staff or not turn.inbound.media:
        return None
    media = turn.inbound.media[0]
    if media.error or not is_statement(media.content_type, media.filename):
        return None
    business = turn.session.get(Business, turn.staff[0].business_id)
    try:
        done = statements.import_statement(turn.session, business, media.data,
                                           media.filename or "", now=turn.now)
    except statements.StatementError:
        return [Reply(turn.t("ocr.statement_unreadable"))]
    return [Reply(imported_text(done, turn.lang))]


def _unmatched_intent(turn: Turn) -> list[Reply] | None:
    if not turn.staff or matches(turn.text, i18n.phrases("ocr.keywords.unmatched")) != "":
        return None
    lines = []
    for staff in turn.staff:
        lines += unmatched_lines(turn.session, turn.session.get(Business, staff.business_id),
                                 turn.lang)
    return [Reply("\n".join(lines))]


FEATURE = Feature("statements", intents=(_file_intent, _unmatched_intent))
