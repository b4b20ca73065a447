"""The vendor API under /api/v1: its routes (routes.py, money.py for the order
list, refunds, adjustments and proofs, bookings.py for bookings), input and output
shapes (input.py, output.py, json_input.py, booking_input.py, booking_output.py),
errors (errors.py) and the OpenAPI document (openapi.py)."""

from __future__ import annotations

from bot.api import bookings, money  # noqa: F401  (their routes join routes.bp)
from bot.api.routes import bp, unknown_route

__all__ = ["bp", "unknown_route"]
