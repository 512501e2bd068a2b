"""Comunitar: the staff portal (/portal) and the public site (/) on one database."""
import os
from pathlib import Path

from flask import Flask, send_from_directory
from werkzeug.middleware.proxy_fix import ProxyFix

from portal import config, i18n
from portal.extensions import babel, compress, csrf, db, htmx, login_manager, talisman

ROOT = Path(__file__).resolve().parent.parent

CONTENT_SECURITY_POLICY = {
    "default-src": "'self'",
    "script-src": "'self'",
    "style-src": "'self'",
    "img-src": "'self' data:",
    "font-src": "'self'",
    "connect-src": "'self'",
    "form-action": "'self'",
    "frame-ancestors": "'none'",
    "base-uri": "'self'",
    "object-src": "'none'",
}


def create_app(test_config: dict | None = None) -> Flask:
    app = Flask(
        __name__,
        instance_path=(test_config or {}).get("INSTANCE_PATH") or os.environ.get("COMUNITAR_INSTANCE")
        or str(ROOT / "instance"),
        template_folder=str(ROOT / "templates"),
        static_folder=str(ROOT / "static"),
    )
    Path(app.instance_path).mkdir(parents=True, exist_ok=True)
    given_key = (test_config or {}).get("SECRET_KEY")
    app.config.from_mapping(config.from_environment(app.instance_path, secret_key=given_key))
    if test_config:
        app.config.from_mapping(test_config)

    if app.config["TRUSTED_PROXIES"]:
        hops = app.config["TRUSTED_PROXIES"]
        app.wsgi_app = ProxyFix(app.wsgi_app, x_for=hops, x_proto=hops, x_host=hops, x_prefix=hops)

    db.init_app(app)
    babel.init_app(app, locale_selector=i18n.select_locale,
                   default_translation_directories=str(ROOT / "portal" / "translations"))
    csrf.init_app(app)
    htmx.init_app(app)
    compress.init_app(app)
    https = app.config["HTTPS"]
    talisman.init_app(
        app,
        force_https=https,
        strict_transport_security=https,
        session_cookie_secure=https,
        session_cookie_samesite="Lax",
        content_security_policy=CONTENT_SECURITY_POLICY,
        frame_options="DENY",
        referrer_policy="same-origin",
        permissions_policy={"geolocation": "()", "camera": "()", "microphone": "()"},
    )
    login_manager.init_app(app)
    i18n.init_app(app)

    from portal import cli, web
    from portal.domain.results.services import ResultsCache
    from portal.staff import bp as portal_bp
    from public_site import bp as public_bp

    web.init_app(app)
    app.extensions["results_cache"] = ResultsCache()  # figures and public results pages, per process
    app.register_blueprint(portal_bp)
    app.register_blueprint(public_bp)
    cli.init_app(app)

    @app.get("/favicon.ico")
    def favicon():
        return send_from_directory(app.static_folder, "favicon.ico", max_age=7 * 24 * 3600)

    return app
