"""The blueprints each feature adds to the app (one line per feature; each channel's
come from the channels' list)."""

from __future__ import annotations

from typing import TYPE_CHECKING

from bot import api, shipping
from bot.channels import CHANNELS
from bot.payments import razorpay_web
from bot.web import booking_pages, media, pages

if TYPE_CHECKING:
    from flask import Blueprint

    from bot.runtime import Runtime


def all_blueprints(runtime: Runtime) -> list[Blueprint]:
    return [
        api.bp,  # the vendor API, /api/v1
        shipping.bp,  # carriers' webhooks, /webhooks/shipping/<provider>
        razorpay_web.bp,  # payment-link events, /webhooks/razorpay/<CODE>
        *(bp for channel in CHANNELS for bp in channel.blueprints(runtime)),  # webhooks, /chat
        media.blueprint(runtime),  # payment-proof files at signed links, /media/<token>
        pages.blueprint(runtime),  # the order's page /o/<token>, /orders/track
        booking_pages.blueprint(runtime),  # a booking's /b/<token>, its .ics, /bookings/track
    ]
