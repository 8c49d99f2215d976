"""Start-up stays light. Creating the app (what `import wsgi` does for gunicorn and every `flask` command)
imports neither WeasyPrint (only a PDF render does) nor Flask-Migrate and Alembic (only `flask db …` does) nor
scikit-learn and SciPy (only suggested codes do), and a new process reuses the templates an earlier one compiled.

How long the imports take is measured by the start-up bench (bench/bench_startup.py: the whole command against
the frameworks' own import, and the imports over 50 ms beyond them), not here: a timed test fails on a busy
machine whatever the code does."""
from __future__ import annotations

import os
import subprocess
import sys


ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
NEVER_AT_START = ("weasyprint", "alembic", "flask_migrate", "sklearn", "scipy")


def _environment(scratch) -> dict[str, str]:
    """A development app on a SQLite file in a scratch instance folder."""
    env = {k: v for k, v in os.environ.items() if k not in ("DATABASE_URL", "WHITEPAPER_ENV", "FLASK_APP")}
    env["WHITEPAPER_INSTANCE"] = str(scratch / "instance")
    return env


def _python(code: str, env: dict[str, str], *options: str) -> subprocess.CompletedProcess:
    result = subprocess.run([sys.executable, *options, "-c", code], cwd=ROOT, env=env, capture_output=True,
                            text=True, timeout=300)
    assert result.returncode == 0, result.stderr[-3000:]
    return result


def _packages_loaded(code: str, env: dict[str, str]) -> set[str]:
    """The top-level packages imported once `code` has run in a fresh interpreter."""
    result = _python(code + "\nimport sys\nprint('--- modules ---')\nprint('\\n'.join(sys.modules))", env)
    return {name.split(".")[0] for name in result.stdout.split("--- modules ---")[-1].split()}


def test_the_app_and_its_commands_start_without_weasyprint_or_flask_migrate(tmp_path):
    env = _environment(tmp_path)
    # `flask --app wsgi --help` as the command line runs it (the app, its commands and Flask's plugins); then
    # a PDF looked up in the cache, which needs no WeasyPrint either
    cli = ("import sys\nfrom flask.cli import main\nsys.argv = ['flask', '--app', 'wsgi', '--help']\n"
           "try:\n    main()\nexcept SystemExit:\n    pass\n"
           "from whitepaper.reports import documents\nassert len(documents.html_hash('<p>')) == 64")
    assert sorted(_packages_loaded(cli, env) & set(NEVER_AT_START)) == []
    # rendering one loads it (which shows this test sees an import when there is one); and the entry point hands
    # over with the garbage collector running, the app's start-up objects frozen out of its way
    render = ("import gc, wsgi\nassert gc.isenabled() and gc.get_freeze_count() > 10000\n"
              "from whitepaper.reports import pdf\nassert pdf.render('<p>x</p>').startswith(b'%PDF')")
    assert "weasyprint" in _packages_loaded(render, env)


def test_the_db_commands_still_load_flask_migrate(app, tmp_path):
    result = subprocess.run([sys.executable, "-m", "flask", "--app", "wsgi", "db", "--help"], cwd=ROOT,
                            env=_environment(tmp_path), capture_output=True, text=True, timeout=300)
    assert result.returncode == 0, result.stderr
    assert "upgrade" in result.stdout and "downgrade" in result.stdout
    # flask_migrate.upgrade() and migrations/env.py read the app's Flask-Migrate configuration
    config = app.extensions["migrate"]
    assert config.directory == os.path.join(ROOT, "migrations") and config.db is not None
    assert config.configure_args["render_as_batch"] is True


def test_a_new_process_reuses_the_compiled_templates_of_the_instance(app):
    """The first page of a new app (a new process: a CLI command, a worker) loads the templates compiled by an
    earlier one from the instance folder instead of compiling them again."""
    from whitepaper import create_app
    assert app.test_client().get("/login").status_code == 200
    assert os.listdir(os.path.join(app.instance_path, "template-cache"))
    fresh = create_app({**app.config})
    compiled = []
    real = fresh.jinja_env.compile
    fresh.jinja_env.compile = lambda *args, **kwargs: compiled.append(args[1] if len(args) > 1 else None) or \
        real(*args, **kwargs)
    assert fresh.test_client().get("/login").status_code == 200
    assert compiled == []
