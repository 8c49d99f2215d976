"""The White Paper Platform: ILPES's Planbarómetro catalogue, committees, self-evaluation and scorecards."""
from __future__ import annotations

import os
from typing import Any, Mapping

from flask import Flask

from . import config as config_module
from . import links, shared_pages
from .extensions import Migrations, babel, csrf, db, login_manager
from .ids import DatabaseId

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))


def create_app(config: Mapping[str, Any] | None = None) -> Flask:
    app = Flask(__name__, instance_path=os.environ.get("WHITEPAPER_INSTANCE") or os.path.join(ROOT, "instance"),
                template_folder=os.path.join(ROOT, "templates"))
    os.makedirs(app.instance_path, exist_ok=True)
    app.config.update(config_module.build(app.instance_path, config))
    # Compiled templates are kept in the instance folder (keyed by each template's source), so a new process —
    # a CLI command, the worker, a gunicorn worker — does not compile every template again for its first page.
    from jinja2 import FileSystemBytecodeCache
    template_cache = os.path.join(app.instance_path, "template-cache")
    os.makedirs(template_cache, exist_ok=True)
    app.jinja_options = {**app.jinja_options, "bytecode_cache": FileSystemBytecodeCache(template_cache)}
    app.url_map.converters["int"] = DatabaseId  # before any route: every <int:…> takes only ids the database holds
    if app.config["PROXY_COUNT"]:  # behind nginx: the client's address (sign-in throttling) and scheme as it saw them
        from werkzeug.middleware.proxy_fix import ProxyFix
        app.wsgi_app = ProxyFix(app.wsgi_app, x_for=app.config["PROXY_COUNT"], x_proto=app.config["PROXY_COUNT"])

    db.init_app(app)
    from . import observability
    observability.init_app(app)  # first: its hooks wrap every other one (request id, JSON line, metrics)
    # Flask-Migrate (and Alembic) are wired in at first use, by `flask db …` or flask_migrate.upgrade()
    app.extensions["migrate"] = Migrations(app, directory=os.path.join(ROOT, "migrations"), render_as_batch=True)
    csrf.init_app(app)
    shared_pages.init_app(app)  # after CSRFProtect: it wraps the templates' csrf_token()
    _init_login(app)
    links.init_app(app)  # a Host outside TRUSTED_HOSTS gets a plain 400
    _init_babel(app)

    from . import errors, web
    web.init_app(app)
    errors.register_error_handlers(app)
    _register_blueprints(app)

    from . import cli
    cli.register(app)
    return app


def _init_login(app: Flask) -> None:
    from .auth import services as accounts
    from .auth import sessions, throttle

    login_manager.init_app(app)
    login_manager.login_view = "auth.login"
    login_manager.session_protection = "basic"
    sessions.init_app(app)  # before web's hooks: an idle session ends before the login check reads it
    throttle.init_app(app)

    @login_manager.user_loader
    def load_user(user_id: str):
        return sessions.load_user(user_id)  # the session version, checked on every request

    @login_manager.request_loader
    def load_user_from_token(request):
        header = request.headers.get("Authorization", "")
        if request.path.startswith("/api/") and request.method == "GET" and header.startswith("Bearer "):
            return accounts.user_for_api_token(header[len("Bearer "):].strip())
        return None


def _init_babel(app: Flask) -> None:
    from .web import select_locale
    babel.init_app(app, locale_selector=select_locale,
                   default_translation_directories=os.path.join(ROOT, "whitepaper", "translations"))
    from .formatting import register_filters
    register_filters(app)


def _register_blueprints(app: Flask) -> None:
    from .admin.views import bp as admin_bp
    from .api.views import bp as api_bp
    from .auth.views import bp as auth_bp
    from .catalogue import api as _catalogue_api  # noqa: F401  (registers its routes on the API blueprint)
    from .catalogue.views import bp as catalogue_bp
    from .delphi import api as _committees_api  # noqa: F401  (registers its routes on the API blueprint)
    from .delphi.rounds import api as _rounds_api  # noqa: F401  (registers its routes on the API blueprint)
    from .delphi.ballots import api as _ballots_api  # noqa: F401  (registers its routes on the API blueprint)
    from .delphi.methods import views as _methods_views  # noqa: F401  (its page on delphi's, its JSON on the API's)
    from .main.views import bp as main_bp
    from .assessment import api as _assessment_api  # noqa: F401  (registers its routes on the API blueprint)
    for blueprint in (main_bp, auth_bp, admin_bp, catalogue_bp, api_bp):
        app.register_blueprint(blueprint)
    # the committees' blueprint carries the committee, round and systemizing pages; the committee's results
    # page (composed from rounds and ballots) sits in delphi.views on the ballots' blueprint
    from .delphi import views as _committee_views  # noqa: F401
    from .delphi.ballots.views import bp as ballots_bp
    from .delphi.blueprint import bp as delphi_bp
    from .delphi.rounds import codebook_views as _codebook_views  # noqa: F401
    from .delphi.rounds import double_coding_views as _double_coding_views  # noqa: F401
    from .delphi.rounds import qda_views as _qda_views  # noqa: F401
    from .delphi.rounds import moderation_views as _moderation_views  # noqa: F401
    from .delphi.rounds import suggestion_views as _suggestion_views  # noqa: F401
    from .delphi.rounds import views as _round_views  # noqa: F401
    app.register_blueprint(delphi_bp)
    app.register_blueprint(ballots_bp)
    from .assessment.views import bp as assessment_bp
    from .assessment.workbook import views as _workbook_views  # noqa: F401  (its routes on the assessment blueprint)
    from .assessment import coherence_views as _coherence_views  # noqa: F401  (the coherence page, same blueprint)
    app.register_blueprint(assessment_bp)
    from .reports.views import bp as reports_bp
    from .reports import methods as _methods_pdf  # noqa: F401  (the methods report's PDF, on the reports blueprint)
    app.register_blueprint(reports_bp)
