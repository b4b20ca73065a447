"""The blueprints each feature adds to the app (one line per feature)."""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from flask import Blueprint

    from bot.runtime import Runtime


def all_blueprints(runtime: Runtime) -> list[Blueprint]:
    from bot import api, pages, shipping, webchat

    return [
        api.bp,  # the vendor API, /api/v1
        shipping.bp,  # carriers' webhooks, /webhooks/shipping/<provider>
        pages.blueprint(runtime),  # the order's page /o/<token>, /orders/track
        *webchat.blueprints(runtime),  # /chat, when switched on
    ]
