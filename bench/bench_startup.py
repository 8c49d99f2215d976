"""Start-up: `flask --app wsgi --help` as a whole process against the floor, the import of the frameworks the
platform cannot start without (`python -c "import flask, sqlalchemy.orm, …"`), run alternately, median of 15.

Beside it, from one `python -X importtime` run of the same command: the imports that cost over 50 ms beyond
the floor's own imports (see slow_imports)."""
from __future__ import annotations

import os
import subprocess
import sys
from typing import Any

from . import pages
from .bench_pdf import ROOT, flask_command
from .results import entry
from .timing import alternating_ms, process, with_cpu

REPEATS = 15
FRAMEWORKS = "import flask, sqlalchemy.orm, flask_sqlalchemy, flask_wtf, flask_babel, flask_login"
SLOW_IMPORT_MS = 50


def _import_tree(stderr: str) -> list[tuple[int, str, float]]:
    """(depth, module, cumulative ms) per line of `-X importtime` output, in the order printed (children first)."""
    out = []
    for line in stderr.splitlines():
        if not line.startswith("import time:") or "|" not in line:
            continue
        _, cumulative, name = line[len("import time:"):].split("|", 2)
        if not cumulative.strip().isdigit():
            continue   # the header
        depth = (len(name) - len(name.lstrip(" "))) // 2
        out.append((depth, name.strip(), int(cumulative) / 1000))
    return out


def _importtime(command: list[str], env: dict[str, str]) -> list[tuple[int, str, float]]:
    done = subprocess.run(command, cwd=ROOT, env={**env, "PYTHONPROFILEIMPORTTIME": "1"}, capture_output=True,
                          text=True)
    return _import_tree(done.stderr)


def slow_imports(app_tree: list[tuple[int, str, float]], floor_modules: set[str]) -> dict[str, float]:
    """{module: ms} of the imports that cost over SLOW_IMPORT_MS beyond what the floor imports: a module's cost
    is its cumulative time less that of the floor's modules imported under it, and only the innermost costly
    modules are listed (a module none of whose children costs that much on its own)."""
    nodes: list[dict[str, Any]] = []
    stack: list[dict[str, Any]] = []   # parents first: the output is read from the end
    for depth, name, ms in reversed(app_tree):
        while stack and stack[-1]["depth"] >= depth:
            stack.pop()
        node = {"depth": depth, "name": name, "ms": ms, "children": [], "floor": name in floor_modules}
        if stack:
            stack[-1]["children"].append(node)
        stack.append(node)
        nodes.append(node)

    def cost(node: dict[str, Any]) -> float:
        if "cost" not in node:
            node["cost"] = 0.0 if node["floor"] else node["ms"] - sum(
                c["ms"] - cost(c) for c in node["children"])
        return node["cost"]
    for node in reversed(nodes):   # children before parents: no deep recursion
        cost(node)
    return {n["name"]: round(n["cost"], 1) for n in nodes
            if n["cost"] > SLOW_IMPORT_MS and not any(c["cost"] > SLOW_IMPORT_MS for c in n["children"])}


def run() -> list[dict[str, Any]]:
    with pages.scratch("wp-bench-startup-") as folder:
        env = {**os.environ, "WHITEPAPER_INSTANCE": os.path.join(folder, "instance"),
               "DATABASE_URL": "sqlite:///" + os.path.join(folder, "bench.sqlite")}
        app_command = flask_command() + ["--help"]
        floor_command = [sys.executable, "-c", FRAMEWORKS]
        app_run, floor_run = process(app_command, cwd=ROOT, env=env), process(floor_command, cwd=ROOT, env=env)
        app_run(), floor_run()   # bytecode compiled, files in the page cache
        times = alternating_ms({"app": app_run, "floor": floor_run}, REPEATS)
        floor_modules = {name for _, name, _ in _importtime(floor_command, env)}
        slow = slow_imports(_importtime(app_command, env), floor_modules)
    return [entry("startup", "flask --help", times["app"][0], "ms", floor=times["floor"][0], imports_over_50ms=slow,
                  **with_cpu(times["app"], times["floor"]),
                  command="flask --app wsgi --help", floor_command=f'python -c "{FRAMEWORKS}"')]
