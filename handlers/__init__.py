"""The conversation, channel-agnostic: never imports flask, twilio or telegram."""

from handlers.core import handle

__all__ = ["handle"]
