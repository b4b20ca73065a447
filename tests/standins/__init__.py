"""Local HTTP stand-ins for the Telegram Bot API and Twilio, to point the real clients at."""

from .server import Call, RateLimit, StandIn
from .telegram import FakeBotAPI
from .twilio import FakeMediaCDN, FakeTwilioAPI, twilio_client_for, twilio_error

__all__ = [
    "Call",
    "FakeBotAPI",
    "FakeMediaCDN",
    "FakeTwilioAPI",
    "RateLimit",
    "StandIn",
    "twilio_client_for",
    "twilio_error",
]
