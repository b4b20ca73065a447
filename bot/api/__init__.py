"""The vendor API under /api/v1: its routes (routes.py, and money.py for the order
list, refunds, adjustments and proofs), input and output shapes (input.py, output.py,
json_input.py), errors (errors.py) and the OpenAPI document (openapi.py)."""

from __future__ import annotations

from bot.api import money  # noqa: F401  (its routes join routes.bp)
from bot.api.routes import bp, unknown_route

__all__ = ["bp", "unknown_route"]
