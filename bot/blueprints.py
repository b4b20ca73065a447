"""The blueprints each feature adds to the app (one line per feature)."""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from flask import Blueprint

    from bot.runtime import Runtime


def all_blueprints(runtime: Runtime) -> list[Blueprint]:
    from bot import api, media, pages, shipping, telegram_web, webchat, whatsapp, whatsapp_status
    from bot import razorpay_web

    return [
        api.bp,  # the vendor API, /api/v1
        shipping.bp,  # carriers' webhooks, /webhooks/shipping/<provider>
        razorpay_web.bp,  # payment-link events, /webhooks/razorpay/<CODE>
        whatsapp.blueprint(runtime),  # Twilio's WhatsApp webhook, /webhooks/whatsapp
        whatsapp_status.blueprint(runtime),  # its status callbacks, /webhooks/whatsapp/status
        telegram_web.blueprint(runtime),  # /webhooks/telegram (webhook mode)
        media.blueprint(runtime),  # payment-proof files at signed links, /media/<token>
        pages.blueprint(runtime),  # the order's page /o/<token>, /orders/track
        *webchat.blueprints(runtime),  # /chat, when switched on
    ]
