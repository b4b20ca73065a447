"""The conversation's features, in the order they answer: staff statements and
commands first, then files, phones, small talk and asking for a person, and the
customer's. Shipping answers no message; it comes first so its section stands
above the staff's in the order view (sections follow this order too)."""

from __future__ import annotations

from handlers import (
    customer,
    people,
    phone,
    proof_claims,
    proofs,
    shipping,
    statement_chat,
    vendor,
)
from handlers.feature import Feature

FEATURES: tuple[Feature, ...] = (
    shipping.FEATURE,
    statement_chat.FEATURE,
    vendor.FEATURE,
    proofs.FEATURE,
    proof_claims.FEATURE,
    phone.FEATURE,
    people.FEATURE,
    customer.FEATURE,
)
