"""What a browser is told to enforce on every page (issue 15, point 12), and the web
chat's playground refused outside development (point 10)."""

from __future__ import annotations

from dataclasses import replace

import flask
import pytest
from click.testing import CliRunner
from support.api import bearer, new_key

from bot.app import create_app
from bot.cli import main
from bot.config import Config
from bot.runtime import Services
from handlers.orders.links import order_page_path
from handlers.proofs.file_links import media_path
from store import media as media_store
from store.db import unit_of_work
from store.queries import order_by_number

PDF = b"%PDF-1.4\n1 0 obj <</Type /Catalog>> endobj\n<script>app.alert(1)</script>\n%%EOF\n"


def _order_page(demo) -> str:
    with unit_of_work(demo.sessions) as session:
        return order_page_path(demo.settings.secret_key, order_by_number(session, "AK-1001").id)


@pytest.fixture
def web(demo):
    runtime = replace(demo, config=demo.config.with_(webchat=True, env="development"),
                      services=Services())
    return create_app(runtime=runtime).test_client()


def test_every_page_carries_a_content_security_policy_and_no_sniffing(web, demo) -> None:
    key = new_key(demo)
    for path, headers in (
        (_order_page(demo), {}),
        ("/orders/track", {}),
        ("/orders/track?orderNumber=AK-1001", {}),
        ("/chat", {}),
        ("/healthz", {}),
        ("/api/v1/orders/AK-1001", bearer(key)),
        ("/no/such/page", {}),
    ):
        response = web.get(path, headers=headers)
        csp = response.headers.get("Content-Security-Policy", "")
        assert "default-src 'self'" in csp and "frame-ancestors 'none'" in csp, path
        assert "'unsafe-inline'" not in csp, path
        assert response.headers.get("X-Content-Type-Options") == "nosniff", path
        assert response.headers.get("Referrer-Policy"), path


def test_personal_answers_are_never_cached(web, demo) -> None:
    key = new_key(demo)
    for path, headers in (
        (_order_page(demo), {}),
        ("/chat", {}),
        ("/api/v1/orders/AK-1001", bearer(key)),
        ("/api/v1/proofs", bearer(key)),
        ("/api/v1/orders/AK-9999", bearer(key)),
    ):
        assert web.get(path, headers=headers).headers.get("Cache-Control") == "no-store", path


@pytest.mark.parametrize("base, secure", [("https://bot.example.test", True),
                                          ("http://127.0.0.1:8000", False)])
def test_the_session_cookie_is_lax_and_secure_behind_https(demo, base, secure) -> None:
    runtime = replace(
        demo, config=demo.config.with_(webchat=True, env="development", public_base_url=base),
        services=Services(),
    )
    client = create_app(runtime=runtime).test_client()
    response = client.post("/chat/api/send", json={"phone": "+919811111111", "text": "hi"},
                           headers={"X-Requested-With": "orderbot"})
    cookie = response.headers["Set-Cookie"]
    assert "SameSite=Lax" in cookie and "HttpOnly" in cookie
    assert ("Secure" in cookie) is secure


def test_a_stored_pdf_is_downloaded_never_shown_inline(client, demo) -> None:
    with unit_of_work(demo.sessions) as session:
        stored = media_store.store(session, demo.config.media_path, PDF, demo.clock())
        path = media_path(demo.settings.secret_key, stored.id)
    response = client.get(path)
    assert response.status_code == 200 and response.data == PDF
    assert response.headers["Content-Disposition"].startswith("attachment")
    assert "sandbox" in response.headers["Content-Security-Policy"]
    assert response.headers["X-Content-Type-Options"] == "nosniff"


# ── point 10: the playground is not for production ─────────────────────────────


def test_the_web_chat_in_production_refuses_to_start(demo) -> None:
    runtime = replace(demo, config=demo.config.with_(webchat=True, env="production"),
                      services=Services())
    with pytest.raises(RuntimeError, match="ORDERBOT_WEBCHAT=1 needs ORDERBOT_ENV=development"):
        create_app(runtime=runtime)


def test_orderbot_serve_with_the_web_chat_in_production_says_so_in_one_line(tmp_path) -> None:
    env = {"ORDERBOT_WEBCHAT": "1", "ORDERBOT_ENV": "production", "ORDERBOT_SECRET_KEY": "k",
           "DATABASE_URL": f"sqlite:///{tmp_path / 'x.db'}",
           "ORDERBOT_INSTANCE_DIR": str(tmp_path)}
    result = CliRunner().invoke(main, ["serve", "--port", "0"], env=env)
    assert result.exit_code != 0
    lines = [line for line in result.output.splitlines() if line.strip()]
    assert lines == ["Error: ORDERBOT_WEBCHAT=1 needs ORDERBOT_ENV=development: the web chat "
                     "lets anyone act as any customer or staff member"]
    assert not (tmp_path / "x.db").exists()  # refused before anything was made


def test_development_still_serves_the_playground(demo) -> None:
    config: Config = demo.config.with_(webchat=True, env="development")
    client = create_app(runtime=replace(demo, config=config, services=Services())).test_client()
    assert client.get("/chat").status_code == 200


def test_machines_get_no_session_people_do(demo) -> None:
    """A webhook or an API call neither reads nor sets the session cookie (no signer is
    built for each delivery); the web chat keeps its visitor in one."""
    runtime = replace(demo, config=demo.config.with_(webchat=True, env="development"),
                      services=Services())
    app = create_app(runtime=runtime)
    sessions = app.session_interface
    for path in ("/webhooks/whatsapp", "/webhooks/telegram", "/api/v1/orders/AK-1001"):
        with app.test_request_context(path, method="POST"):
            assert sessions.is_null_session(sessions.open_session(app, flask.request)), path
    with app.test_request_context("/chat/api/send", method="POST"):
        assert not sessions.is_null_session(sessions.open_session(app, flask.request))
    client = app.test_client()
    chat = client.post("/chat/api/send", json={"phone": "+919811111111", "text": "hi"},
                       headers={"X-Requested-With": "orderbot"})
    assert "Set-Cookie" in chat.headers
    webhook = client.post("/webhooks/whatsapp", data={"From": "whatsapp:+919811111111"})
    assert "Set-Cookie" not in webhook.headers
    assert webhook.headers["X-Frame-Options"] == "DENY"
