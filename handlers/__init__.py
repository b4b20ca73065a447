"""The conversation, channel-agnostic: never imports flask, twilio or telegram."""

from handlers import (
    people,  # noqa: F401  (registers its notice to staff)
    shipping,  # noqa: F401  (registers its order-view section and notice)
)
from handlers.core import handle

__all__ = ["handle"]
