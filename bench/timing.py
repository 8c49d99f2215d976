"""Timing helpers shared by the benchmarks: medians of calls and of whole processes, each measured alternately
with its floor (so both see the same load on the machine), in wall and CPU time."""
from __future__ import annotations

import gc
import resource
import statistics
import subprocess
import time
from typing import Callable, Sequence


def cpu_seconds() -> float:
    """CPU time used so far by this process and by its children that have ended (user and system)."""
    children = resource.getrusage(resource.RUSAGE_CHILDREN)
    return time.process_time() + children.ru_utime + children.ru_stime


def alternating_ms(functions: dict[str, Callable[[], object]], repeats: int) -> dict[str, tuple[float, float]]:
    """{name: (median wall ms, median CPU ms)} of each function, calling them in turn `repeats` times
    (a, b, b, a, a, b, …: neither always goes first), each after a garbage collection. The CPU time counts
    this process and the processes a call runs; on a loaded machine it moves less than the wall time does."""
    times: dict[str, list[tuple[float, float]]] = {name: [] for name in functions}
    order = list(functions.items())
    for n in range(repeats):
        for name, function in (order if n % 2 == 0 else order[::-1]):
            gc.collect()   # the garbage of the call before is not charged to this one
            started, cpu = time.perf_counter(), cpu_seconds()
            function()
            times[name].append(((time.perf_counter() - started) * 1000, (cpu_seconds() - cpu) * 1000))
    return {name: (statistics.median(w for w, _ in values), statistics.median(c for _, c in values))
            for name, values in times.items()}


def with_cpu(measured: tuple[float, float], floor: tuple[float, float]) -> dict[str, float]:
    """The CPU figures of a measurement and its floor, as extra keys of an entry."""
    return {"cpu_ms": round(measured[1], 2), "floor_cpu_ms": round(floor[1], 2),
            "cpu_ratio": round(measured[1] / floor[1], 4) if floor[1] else None}


def process(command: Sequence[str], **kwargs) -> Callable[[], None]:
    """A call that runs the command as a whole process and fails when it fails."""
    def run() -> None:
        done = subprocess.run(list(command), capture_output=True, **kwargs)
        if done.returncode != 0:
            raise RuntimeError(f"{' '.join(command)} exited with {done.returncode}: "
                               f"{done.stderr.decode(errors='replace')[-2000:]}")
    return run
