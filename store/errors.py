"""Domain errors: what a service refuses, with a code the conversation can word."""

from __future__ import annotations

from typing import Any


class DomainError(Exception):
    """A rule said no. `code` names the rule (a locale key suffix); `params` fill its text."""

    code = "domain_error"

    def __init__(self, message: str = "", **params: Any) -> None:
        super().__init__(message or self.code)
        self.params = params


class NotFound(DomainError):
    code = "not_found"


class InvalidTransition(DomainError):
    code = "invalid_transition"


class InvalidAmount(DomainError):
    code = "invalid_amount"


class Overpayment(DomainError):
    code = "overpayment"


class OrderCancelled(DomainError):
    code = "order_cancelled"


class AlreadyDecided(DomainError):
    code = "already_decided"


class Forbidden(DomainError):
    code = "forbidden"


class InvalidValue(DomainError):
    """An operator's value that cannot be stored: `params` has field, value and reason."""

    code = "invalid_value"


class InvalidValues(DomainError):
    """Several values refused at once: `params["errors"]` is a list of InvalidValue."""

    code = "invalid_values"


class AlreadyExists(DomainError):
    code = "already_exists"


class OrderClosed(DomainError):
    code = "order_closed"


class TotalBelowPaid(DomainError):
    code = "total_below_paid"


class ItemsRequired(DomainError):
    code = "items_required"


class IdempotencyKeyReused(DomainError):
    code = "idempotency_key_reused"


class IdempotencyInProgress(DomainError):
    code = "idempotency_in_progress"


class NotSettled(DomainError):
    """A proof closed by hand while its order still has money due: decide it instead."""

    code = "not_settled"
