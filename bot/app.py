"""The Flask app factory: webhooks, pages and the API on one app; nothing connects
at import time."""

from __future__ import annotations

import logging

from flask import Flask, Response, abort, jsonify
from sqlalchemy import text

from bot.config import Config
from bot.runtime import Runtime, Unavailable, build_runtime

log = logging.getLogger("orderbot")


def create_app(config: Config | None = None, *, runtime: Runtime | None = None) -> Flask:
    config = runtime.config if runtime else (config or Config.from_env())
    if config.env == "production" and not config.secret_key and not config.testing:
        raise RuntimeError(
            "ORDERBOT_SECRET_KEY is required in production (set ORDERBOT_ENV=development "
            "to try orderbot without one)"
        )
    runtime = runtime or build_runtime(config)
    app = Flask(__name__, instance_path=str(config.instance_dir))
    app.config.update(SECRET_KEY=runtime.settings.secret_key, TESTING=config.testing)
    app.extensions["orderbot"] = runtime

    @app.errorhandler(Unavailable)
    def unavailable(_error: Unavailable) -> tuple[Response, int]:
        # No traceback, nothing written: the platform will deliver again.
        response = jsonify(status="unavailable")
        response.headers["Retry-After"] = "5"
        return response, 503

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
        from bot import images

        data = images.render(runtime, f"/qr/{token}.png")
        if data is None:
            abort(404)
        response = Response(data, mimetype="image/png")
        response.headers["Cache-Control"] = "private, max-age=300"
        return response

    from bot import blueprints

    for blueprint in blueprints.all_blueprints(runtime):
        app.register_blueprint(blueprint)
    from bot import api

    for status in (404, 405):  # the API's own shape under /api/v1, Flask's page elsewhere
        app.register_error_handler(status, api.unknown_route)
    return app


def runtime_of(app: Flask) -> Runtime:
    return app.extensions["orderbot"]
