"""Start-up stays light. Creating the app (what `import wsgi` does for gunicorn and every `flask` command)
imports neither WeasyPrint (only a PDF render does) nor Flask-Migrate and Alembic (only `flask db …` does), and
no import beyond the frameworks the app cannot start without costs more than 50 ms.

The 50 ms rule is read from `python -X importtime` in fresh processes: the time each module spends importing
itself (not its imports), summed per third-party package and taken per module of ours, for what the frameworks'
own import (FLOOR) does not already load. To be robust on a busy machine it takes each figure's best of three
runs, with the garbage collector off (its pauses land on whichever module is importing), with bytecode cached
(compiling is not importing), and scales the 50 ms by how much slower than the reference machine (0.63 s) the
frameworks' import runs right now."""
from __future__ import annotations

import os
import re
import subprocess
import sys
import time
from collections import defaultdict


ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
FLOOR = "import flask, sqlalchemy.orm, flask_sqlalchemy, flask_wtf, flask_babel, flask_login"
FLOOR_SECONDS = 0.63          # the frameworks' import as a whole process on the reference machine (issue 14)
LIMIT_MS = 50
NEVER_AT_START = ("weasyprint", "alembic", "flask_migrate")
OURS = ("whitepaper", "wsgi")


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


def _self_times(code: str, env: dict[str, str]) -> dict[str, int]:
    """Microseconds each module took to import itself, from `python -X importtime`."""
    result = _python("import gc\ngc.disable()\n" + code, env, "-X", "importtime")
    times: dict[str, int] = {}
    for line in result.stderr.splitlines():
        match = re.match(r"import time:\s+(\d+) \|\s+\d+ \|\s*(\S+)", line)
        if match:
            times[match[2]] = times.get(match[2], 0) + int(match[1])
    return times


def _groups(times: dict[str, int], floor: set[str]) -> dict[str, int]:
    """Per module of ours, per top-level package otherwise, what the floor does not already import."""
    grouped: dict[str, int] = defaultdict(int)
    for name, micros in times.items():
        if name in floor:
            continue
        top = name.split(".")[0]
        grouped[name if top in OURS else top] += micros
    return grouped


def test_no_import_beyond_the_frameworks_takes_more_than_50_ms(tmp_path):
    environment = _environment(tmp_path)
    environment.pop("PYTHONDONTWRITEBYTECODE", None)
    environment["PYTHONPYCACHEPREFIX"] = str(tmp_path / "pycache")
    create = "import whitepaper\nwhitepaper.create_app()"
    _python(create, environment)                  # fills the bytecode cache
    floor_modules = set(_self_times(FLOOR, environment))
    floor_seconds, runs = [], []
    for _ in range(3):   # the floor's time and ours, side by side
        started = time.perf_counter()
        _python(FLOOR, environment)
        floor_seconds.append(time.perf_counter() - started)
        runs.append(_groups(_self_times(create, environment), floor_modules))
    slowdown = max(1.0, min(floor_seconds) / FLOOR_SECONDS)
    best = {name: min(run.get(name, 0) for run in runs) for name in set().union(*runs)}
    limit = LIMIT_MS * 1000 * slowdown
    heaviest = sorted(best.items(), key=lambda item: -item[1])[:12]
    table = "\n".join(f"  {micros / 1000:7.1f} ms  {name}" for name, micros in heaviest)
    print(f"\nimports beyond the floor (best of 3; limit {limit / 1000:.0f} ms, machine x{slowdown:.2f}):\n{table}")
    over = {name: micros for name, micros in best.items() if micros > limit}
    assert not over, f"imports over {limit / 1000:.0f} ms at start-up:\n{table}"


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
