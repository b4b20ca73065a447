"""The business's staff in their own chat (issue 7 fills this in)."""

BUTTONS: dict = {}
INTENTS: list = []
STATES: dict = {}
