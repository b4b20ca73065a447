"""Errors of the JSON endpoints (vendor API, shipping webhooks), all in one shape:
`{"error": {"code": "...", "message": "...", "field": "..."}}`, worded in the
caller's `Accept-Language` (English by default)."""

from __future__ import annotations

import json
from typing import Any

from flask import Response, jsonify, request

from handlers import i18n
from store import errors

# What each domain rule's refusal is in HTTP.
DOMAIN_STATUS: dict[type[errors.DomainError], int] = {
    errors.NotFound: 404,
    errors.InvalidTransition: 409,
    errors.Overpayment: 409,
    errors.OrderCancelled: 409,
    errors.OrderClosed: 409,
    errors.TotalBelowPaid: 409,
    errors.IdempotencyInProgress: 409,
    errors.InvalidAmount: 422,
    errors.ItemsRequired: 422,
    errors.IdempotencyKeyReused: 422,
    errors.AlreadyDecided: 409,
    errors.NotSettled: 409,
    errors.Forbidden: 403,
}


class ApiError(Exception):
    """A request we refuse: HTTP status, a stable code, the field at fault, and the
    locale key of its message (`msg`, under `api_error.`; the code by default) and
    the message's parameters."""

    def __init__(
        self, status: int, code: str, field: str | None = None, *, msg: str | None = None,
        **params: Any,
    ) -> None:
        super().__init__(code)
        self.status, self.code, self.field = status, code, field
        self.msg = msg or code
        self.params = {"field": field, **params}

    @classmethod
    def from_domain(cls, error: errors.DomainError) -> ApiError:
        field = {"items_required": "items", "overpayment": "amount_minor"}.get(error.code)
        refusal = cls(DOMAIN_STATUS.get(type(error), 422), error.code, field)
        refusal.params.update(error.params)  # a rule's own words may be any name ("status")
        return refusal


def language() -> str:
    return request.accept_languages.best_match(i18n.LANGUAGES, default=i18n.FALLBACK)


def error_response(error: ApiError) -> tuple[Response, int]:
    body: dict[str, Any] = {
        "code": error.code,
        "message": i18n.t("api_error." + error.msg, language(), **error.params),
    }
    if error.field:
        body["field"] = error.field
    response = jsonify(error=body)
    if error.status == 401:
        response.headers["WWW-Authenticate"] = 'Bearer realm="orderbot"'
    return response, error.status


def _refuse_constant(name: str) -> Any:
    raise ValueError(name)


def json_body(*, optional: bool = False) -> dict[str, Any]:
    """The request body as a JSON object, whatever the Content-Type (curl's `-d`
    sends a form type). NaN and Infinity are not JSON and are refused. An `optional`
    body may be left out altogether (an approval with nothing to add)."""
    if optional and not request.get_data(cache=True).strip():
        return {}
    try:
        body = json.loads(request.get_data(cache=True), parse_constant=_refuse_constant)
    except (ValueError, UnicodeDecodeError):
        raise ApiError(400, "invalid_json") from None
    if not isinstance(body, dict):
        raise ApiError(400, "invalid_json")
    return body
