"""Command groups features add to `orderbot` (one line per feature)."""

from __future__ import annotations

import click

from bot import (
    apikey_cli,
    cli_data,
    cli_gateway,
    cli_operator,
    media_cli,
    orders_cli,
    telegram_web,
)


def register(main: click.Group) -> None:
    cli_operator.register(main)  # business, staff, orders import
    orders_cli.register(cli_operator.orders)  # orders list|show|status
    main.add_command(apikey_cli.apikey)  # apikey create|revoke
    main.add_command(telegram_web.telegram)  # telegram set-webhook
    main.add_command(media_cli.media)  # media prune
    main.add_command(cli_gateway.payments)  # payments sync
    main.add_command(cli_data.backup)  # backup FILE
    main.add_command(cli_data.restore)  # restore FILE
