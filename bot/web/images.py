"""Images this app serves to platforms that need a URL (WhatsApp's <Media>): the UPI
QR of an order at an amount, and stored proof files, named by signed tokens that
cannot be guessed."""

from __future__ import annotations

import re
from typing import TYPE_CHECKING

from bot.web import media
from handlers.orders.payments import qr_png, read_qr_token, upi_link
from store.db import unit_of_work
from store.queries import order_by_id

if TYPE_CHECKING:
    from bot.runtime import Runtime

_QR_PATH = re.compile(r"^/qr/([A-Za-z0-9_.\-]+)\.png$")


def render(runtime: Runtime, path: str) -> bytes | None:
    """The image for `path`, or None when the path names nothing we made or keep."""
    if path.startswith("/media/"):
        found = media.load(runtime, path)
        return found[0] if found else None
    match = _QR_PATH.match(path)
    if not match:
        return None
    found = read_qr_token(runtime.settings.secret_key, match.group(1))
    if found is None:
        return None
    order_id, amount = found
    with unit_of_work(runtime.sessions) as session:
        order = order_by_id(session, order_id)
        link = upi_link(order.business, order, amount) if order else None
    return qr_png(link) if link else None
