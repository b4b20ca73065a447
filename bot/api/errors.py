"""Errors of the JSON endpoints (vendor API, shipping webhooks), all in one shape:
`{"error": {"code": "...", "message": "...", "field": "..."}}`, worded in the
caller's `Accept-Language` (English by default)."""

from __future__ import annotations

from typing import Any

from flask import Response, jsonify, request

from bot.api import json_input
from handlers import i18n
from store import errors
from store.models import BookingStatus, OrderStatus

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

    def worded_for(self, subject: str) -> ApiError:
        """The same refusal in a `subject`'s own words ("booking": "A booking that is
        requested…"), where the catalog has them (`api_error.booking_<code>`)."""
        if f"api_error.{subject}_{self.msg}" in i18n.catalog(i18n.FALLBACK):
            self.msg = f"{subject}_{self.msg}"
        return self

    @classmethod
    def from_domain(cls, error: errors.DomainError) -> ApiError:
        field = {"items_required": "items", "overpayment": "amount_minor"}.get(error.code)
        refusal = cls(DOMAIN_STATUS.get(type(error), 422), error.code, field)
        refusal.params.update(error.params)  # a rule's own words may be any name ("status")
        return refusal


def language() -> str:
    return request.accept_languages.best_match(i18n.LANGUAGES, default=i18n.FALLBACK)


def error_response(error: ApiError) -> tuple[Response, int]:
    lang = language()
    body: dict[str, Any] = {
        "code": error.code,
        "message": i18n.t("api_error." + error.msg, lang, **_status_names(error.params, lang)),
    }
    if error.field:
        body["field"] = error.field
    response = jsonify(error=body)
    if error.status == 401:
        response.headers["WWW-Authenticate"] = 'Bearer realm="orderbot"'
    return response, error.status


def _status_names(params: dict[str, Any], lang: str) -> dict[str, Any]:
    """Statuses in a message as the chat and the page name them ("बन रहा है"), not as
    codes ("preparing"); the codes stay in the fields a program reads."""
    statuses = {s.value for s in OrderStatus} | {s.value for s in BookingStatus}
    return {k: i18n.t(f"status.{v}", lang) if k in ("current", "target", "status") and v in statuses
            else v for k, v in params.items()}


def json_body(*, optional: bool = False) -> dict[str, Any]:
    """The request body as a JSON object, whatever the Content-Type (curl's `-d`
    sends a form type). NaN and Infinity are not JSON and are refused, and so are a
    body nested too deep and text no database keeps (NUL, a lone surrogate). An
    `optional` body may be left out altogether (an approval with nothing to add)."""
    if optional and not request.get_data(cache=True).strip():
        return {}
    try:
        body = json_input.loads(request.get_data(cache=True))
    except json_input.BadJson as bad:
        if bad.too_deep:
            raise ApiError(400, "invalid_json", msg="too_deep", limit=json_input.MAX_DEPTH) from None
        raise ApiError(400, "invalid_json") from None
    if not isinstance(body, dict):
        raise ApiError(400, "invalid_json")
    field = json_input.unstorable_at(body)
    if field is not None:
        raise ApiError(422, "invalid_value", field, msg="unstorable_text")
    return body
