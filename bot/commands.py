"""Command groups features add to `orderbot` (one line per feature; each channel's
come from the channels' list)."""

from __future__ import annotations

import click

from bot import apikey_cli, cli_gateway, cli_operator, media_cli, orders_cli
from bot.channels import CHANNELS


def register(main: click.Group) -> None:
    cli_operator.register(main)  # business, staff, orders import
    orders_cli.register(cli_operator.orders)  # orders list|show|status
    main.add_command(apikey_cli.apikey)  # apikey create|revoke
    for channel in CHANNELS:
        for command in channel.commands:  # telegram set-webhook
            main.add_command(command)
    main.add_command(media_cli.media)  # media prune
    main.add_command(cli_gateway.payments)  # payments sync
