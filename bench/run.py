"""`make bench`: runs every benchmark module in bench/ and prints one table of figures.

Each benchmark module defines `run() -> list[tuple[str, float, str]]` (name, value, unit). Servers a
benchmark starts listen on 127.0.0.1 only and are stopped by the benchmark itself."""
from __future__ import annotations

import importlib
import pkgutil
import sys
import time

import bench


def main() -> int:
    names = sorted(m.name for m in pkgutil.iter_modules(bench.__path__) if m.name.startswith("bench_"))
    only = sys.argv[1:]
    ran = 0
    for name in names:
        if only and name not in only:
            continue
        module = importlib.import_module(f"bench.{name}")
        started = time.perf_counter()
        rows = module.run()
        ran += 1
        print(f"\n{name} ({time.perf_counter() - started:.1f} s)")
        width = max(len(r[0]) for r in rows)
        for label, value, unit in rows:
            print(f"  {label:<{width}}  {value:10.2f} {unit}", flush=True)
    if not ran:
        print("No benchmarks matched.")
    return 0


if __name__ == "__main__":
    sys.exit(main())
