"""`make run`: the web server and a job worker side by side on 127.0.0.1, stopped together."""
from __future__ import annotations

import os
import signal
import subprocess
import sys


def main() -> int:
    port = os.environ.get("PORT", "5000")
    flask = [sys.executable, "-m", "flask", "--app", "wsgi"]
    children = [subprocess.Popen(flask + ["run", "--host", "127.0.0.1", "--port", port, "--no-reload"])]
    if "worker" in _commands():
        children.append(subprocess.Popen(flask + ["worker"]))
    try:
        return children[0].wait()
    except KeyboardInterrupt:
        return 0
    finally:
        for child in children:
            if child.poll() is None:
                child.send_signal(signal.SIGTERM)
        for child in children:
            try:
                child.wait(timeout=10)
            except subprocess.TimeoutExpired:
                child.kill()


def _commands() -> set[str]:
    from whitepaper import create_app
    return set(create_app().cli.list_commands(None))


if __name__ == "__main__":
    sys.exit(main())
