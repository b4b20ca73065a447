"""The conversation's features, in the order they answer: staff statements and
commands first, then files, phones, small talk and asking for a person, and the
customer's (bookings, then orders). Shipping answers no message; it comes first so
its section stands above the staff's in the order view (sections follow this order
too)."""

from __future__ import annotations

from handlers import people, phone, shipping
from handlers.bookings import customer as bookings
from handlers.feature import Feature
from handlers.orders import customer
from handlers.proofs import chat as proofs
from handlers.proofs import claims as proof_claims
from handlers.proofs import statements
from handlers.vendor import commands as vendor

FEATURES: tuple[Feature, ...] = (
    shipping.FEATURE,
    statements.FEATURE,
    vendor.FEATURE,
    proofs.FEATURE,
    proof_claims.FEATURE,
    phone.FEATURE,
    people.FEATURE,
    bookings.FEATURE,
    customer.FEATURE,
)
