"""`orderbot`: the command line. main.py holds the group and the running commands
(serve, chat, worker…); commands.py adds the features' groups (operator.py: business,
staff, orders import; orders.py; apikey.py; media.py; gateway.py: payments;
statements.py) and each channel's."""

from __future__ import annotations

from bot.cli.commands import register
from bot.cli.main import main

register(main)

__all__ = ["main"]
