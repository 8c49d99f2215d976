"""`make run`: the web server and a worker (jobs and mail) side by side on 127.0.0.1, stopped together.

SIGTERM and SIGINT (Ctrl-C) alike stop both: each child gets SIGTERM and a few seconds to finish (the worker
finishes the message it is sending, or puts the job it is running back in the queue); whatever still runs then is
killed, so nothing is left within 10 seconds. When one child ends by itself, the other is stopped too."""
from __future__ import annotations

import os
import signal
import subprocess
import sys
import time

GRACE_SECONDS = 8.0
POLL_SECONDS = 0.2


def main() -> int:
    received: list[int] = []
    for signum in (signal.SIGTERM, signal.SIGINT):
        signal.signal(signum, lambda number, _frame: received.append(number))
    port = os.environ.get("PORT", "5000")
    flask = [sys.executable, "-m", "flask", "--app", "wsgi"]
    children = {"web server": subprocess.Popen(flask + ["run", "--host", "127.0.0.1", "--port", port, "--no-reload"]),
                "worker": subprocess.Popen(flask + ["worker"])}
    print(", ".join(f"{name} pid {child.pid}" for name, child in children.items()), flush=True)
    ended = None
    try:
        while not received and ended is None:
            time.sleep(POLL_SECONDS)
            ended = next((name for name, child in children.items() if child.poll() is not None), None)
    finally:
        stop(list(children.values()))
    if ended is not None and not received:
        code = children[ended].returncode
        print(f"The {ended} ended (exit status {code}); the rest was stopped too.", file=sys.stderr)
        return code or 0
    return 0


def stop(children: list[subprocess.Popen], grace: float = GRACE_SECONDS) -> None:
    """SIGTERM to every child still running, then SIGKILL to those still running after `grace` seconds."""
    for child in children:
        if child.poll() is None:
            child.terminate()
    deadline = time.monotonic() + grace
    for child in children:
        try:
            child.wait(timeout=max(0.0, deadline - time.monotonic()))
        except subprocess.TimeoutExpired:
            child.kill()
            child.wait()


if __name__ == "__main__":
    sys.exit(main())
