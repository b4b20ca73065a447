"""Command groups features add to `orderbot` (one line per feature; each channel's
come from the channels' list)."""

from __future__ import annotations

import click

from bot.channels import CHANNELS
from bot.cli import apikey, bookings, data, gateway, media, operator, orders, statements


def register(main: click.Group) -> None:
    operator.register(main)  # business, staff, orders import
    main.add_command(statements.statements)  # statements import|list
    orders.register(operator.orders)  # orders list|show|status
    main.add_command(bookings.bookings)  # bookings import|list
    main.add_command(apikey.apikey)  # apikey create|revoke
    for channel in CHANNELS:
        for command in channel.commands:  # telegram set-webhook
            main.add_command(command)
    main.add_command(media.media)  # media prune
    main.add_command(gateway.payments)  # payments sync
    main.add_command(data.backup)  # backup FILE
    main.add_command(data.restore)  # restore FILE
