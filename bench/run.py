"""`make bench`: runs the benchmark modules of bench/ (every `bench_*`, or those named on the command line,
e.g. `python -m bench.run bench_pdf`), prints one table and writes bench/results.json.

Each module defines `run() -> list[dict]` (the entry shape is described in bench/results.py). The figures of
modules not run this time stay in results.json as they were. A module that fails is reported, the others
still run and are written, and the exit status is 1. Servers a benchmark starts listen on 127.0.0.1 only and
are stopped by the benchmark itself."""
from __future__ import annotations

import importlib
import pkgutil
import sys
import time
import traceback

import bench

from . import results


def main(argv: list[str]) -> int:
    names = sorted(m.name for m in pkgutil.iter_modules(bench.__path__) if m.name.startswith("bench_"))
    unknown = [n for n in argv if n not in names]
    if unknown:
        print(f"Unknown benchmark(s): {', '.join(unknown)}. Known: {', '.join(names)}.")
        return 2
    chosen = [n for n in names if not argv or n in argv]
    fresh: dict[str, list[dict]] = {}
    failed = []
    for name in chosen:
        started = time.perf_counter()
        print(f"{name}: running…", flush=True)
        try:
            module = importlib.import_module(f"bench.{name}")
            fresh[name] = [results.from_legacy(row) for row in module.run()]
        except Exception:  # noqa: BLE001 - report it, run the others
            traceback.print_exc()
            failed.append(name)
            print(f"{name}: FAILED after {time.perf_counter() - started:.0f} s", flush=True)
            continue
        print(f"{name}: {len(fresh[name])} figures in {time.perf_counter() - started:.0f} s", flush=True)
        # written after each module, so a later failure or interruption keeps what was measured
        results.write(results.merge(results.load(), {name: fresh[name]}))
    merged = results.load()
    ran = [e for e in merged if e.get("module") in fresh]
    if ran:
        print()
        print(results.table(ran))
        missed = [e["name"] for e in ran if e.get("met") is False]
        print(f"\n{len(ran)} figures written to {results.PATH}; "
              + (f"{len(missed)} miss their target: {', '.join(missed)}." if missed else "every target met."))
    if failed:
        print(f"Failed: {', '.join(failed)}.")
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
