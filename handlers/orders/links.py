"""The link to an order's own web page: `PUBLIC_BASE_URL/o/<token>`, where the token
is the order's id signed with the secret key — unguessable, bound to that one order,
and nothing to store."""

from __future__ import annotations

from functools import lru_cache

from itsdangerous import BadSignature, URLSafeSerializer

from handlers.types import Settings


@lru_cache(maxsize=4)
def _serializer(secret: str) -> URLSafeSerializer:
    return URLSafeSerializer(secret, salt="orderbot.order-page")


@lru_cache(maxsize=4096)  # a token signs no time: the same order gives the same token
def order_token(secret: str, order_id: int, proven: bool = False) -> str:
    """`proven`: the link is given to the customer who proved their phone (or staff), and
    its page shows what the chat shows them only: where the parcel goes."""
    return _serializer(secret).dumps([order_id, 1] if proven else order_id)


def read_page_token(secret: str, token: str) -> tuple[int, bool] | None:
    """The order id a token names and whether it is a proven customer's link, or None
    for anything we did not sign."""
    try:
        signed = _serializer(secret).loads(token)
    except (BadSignature, ValueError, TypeError):
        return None
    proven = isinstance(signed, list) and len(signed) == 2 and signed[1] == 1
    order_id = signed[0] if proven else signed
    if isinstance(order_id, bool) or not isinstance(order_id, int):
        return None
    return order_id, proven


def read_order_token(secret: str, token: str) -> int | None:
    """The order id a token names, or None for anything we did not sign."""
    found = read_page_token(secret, token)
    return found[0] if found else None


def signed_order_id(serializer: URLSafeSerializer, token: str) -> int | None:
    """The order id `serializer` signed into `token`, or None for anything it did not."""
    try:
        order_id = serializer.loads(token)
    except (BadSignature, ValueError, TypeError):
        return None
    if isinstance(order_id, bool) or not isinstance(order_id, int):
        return None
    return order_id


def order_page_path(secret: str, order_id: int, proven: bool = False) -> str:
    return f"/o/{order_token(secret, order_id, proven)}"


def order_page_url(settings: Settings, order_id: int, lang: str | None = None,
                   proven: bool = False) -> str:
    """The page's full address; in the chat's language when that is not the default
    (the page would otherwise follow the browser's)."""
    path = order_page_path(settings.secret_key, order_id, proven)
    url = settings.public_base_url.rstrip("/") + path
    return url + f"?lang={lang}" if lang and lang != settings.default_locale else url


@lru_cache(maxsize=4)
def _pay_serializer(secret: str) -> URLSafeSerializer:
    return URLSafeSerializer(secret, salt="orderbot.pay")


def read_pay_token(secret: str, token: str) -> int | None:
    """The order id a pay link names, or None for anything we did not sign."""
    return signed_order_id(_pay_serializer(secret), token)


def pay_url(settings: Settings, order_id: int) -> str:
    """`PUBLIC_BASE_URL/pay/<token>`: an https link any chat makes tappable; it opens
    the UPI app for what is due at the moment it is opened (docs: GET /pay/<token>)."""
    return f"{settings.public_base_url.rstrip('/')}/pay/{_pay_token(settings.secret_key, order_id)}"


@lru_cache(maxsize=4096)
def _pay_token(secret: str, order_id: int) -> str:
    return _pay_serializer(secret).dumps(order_id)
