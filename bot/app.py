"""The Flask app factory: webhooks, pages and the API on one app; nothing connects
at import time."""

from __future__ import annotations

import logging

from flask import Flask, Response, abort, jsonify
from sqlalchemy import text

from bot import api, blueprints
from bot.bootstrap import build_runtime
from bot.config import Config
from bot.runtime import Runtime
from bot.web import hardening, images

log = logging.getLogger("orderbot")


def create_app(config: Config | None = None, *, runtime: Runtime | None = None) -> Flask:
    config = runtime.config if runtime else (config or Config.from_env())
    problem = startup_problem(config)
    if problem:
        raise RuntimeError(problem)
    runtime = runtime or build_runtime(config)
    app = Flask(__name__, instance_path=str(config.instance_dir))
    app.config.update(SECRET_KEY=runtime.settings.secret_key, TESTING=config.testing)
    app.extensions["orderbot"] = runtime

    hardening.install(app, https=config.public_base_url.startswith("https://"))

    @app.get("/healthz")
    def healthz() -> tuple[Response, int]:
        try:
            with runtime.engine.connect() as conn:
                conn.execute(text("SELECT 1"))
        except Exception as exc:  # any failure to reach the database is "down"
            log.warning("health check: database unavailable: %s", exc.__class__.__name__)
            return jsonify(status="unavailable"), 503
        return jsonify(status="ok"), 200

    @app.get("/qr/<token>.png")
    def qr(token: str) -> Response:
        data = images.render(runtime, f"/qr/{token}.png")
        if data is None:
            abort(404)
        response = Response(data, mimetype="image/png")
        response.headers["Cache-Control"] = "private, max-age=300"
        return response

    for blueprint in blueprints.all_blueprints(runtime):
        app.register_blueprint(blueprint)
    for status in (404, 405):  # the API's own shape under /api/v1, Flask's page elsewhere
        app.register_error_handler(status, api.unknown_route)
    return app


def startup_problem(config: Config) -> str | None:
    """Why this configuration must not serve, in one line, or None."""
    if config.env == "production" and not config.secret_key and not config.testing:
        return ("ORDERBOT_SECRET_KEY is required in production (set ORDERBOT_ENV=development "
                "to try orderbot without one)")
    if config.webchat and not config.development:
        # The playground lets anyone act as any phone, staff included: never on real data.
        return ("ORDERBOT_WEBCHAT=1 needs ORDERBOT_ENV=development: the web chat lets anyone "
                "act as any customer or staff member")
    return None

