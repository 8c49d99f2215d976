"""bench/results.json: the figures of the last run of each benchmark, their targets (issue 14) and a table.

An entry is a dict with "name" (the size is in the name), "size", "value", "unit", "floor" (measured in the
same run, or None), "ratio" (value / floor, or None), "queries" (SQL statements of one request, or None),
extra keys a benchmark adds ("cold_ms", "warm_ms", "p95_ms", "errors", …), and, written here, "module" (the
benchmark that measured it), "target" (the condition, as text, or None) and "met" (True, False, or None when
there is no target). A benchmark may set "target" and "met" itself for a figure TARGETS does not list."""
from __future__ import annotations

import json
import operator
import os
from typing import Any, Iterable, Optional

PATH = os.path.join(os.path.dirname(os.path.abspath(__file__)), "results.json")

# name -> the conditions it must meet: (key of the entry, comparison, bound).
TARGETS: dict[str, tuple[tuple[str, str, float], ...]] = {
    "results_page_200x100": (("value", "<=", 300),),
    "answer_page_200x100": (("value", "<=", 100),),
    "api_round_results_200x100": (("value", "<=", 150),),
    "scorecard_page_33": (("value", "<=", 60),),
    "api_scorecard_33": (("value", "<=", 60),),
    "vote_submission_p50_110": (("value", "<=", 250),),
    "votes_per_second": (("value", ">=", 2000),),
    "startup": (("ratio", "<=", 1.8),),
    "scorecard_pdf_process": (("ratio", "<=", 1.5),),
    "crp_pdf_33": (("ratio", "<=", 1.3),),
    "scorecard_platform_share": (("ratio", "<=", 0.10),),
    "load_mix": (("ratio", ">=", 0.25), ("p95_ms", "<=", 300), ("errors", "==", 0)),
}
_COMPARE = {"<=": operator.le, ">=": operator.ge, "==": operator.eq}


def entry(name: str, size: str, value: float, unit: str, *, floor: Optional[float] = None,
          queries: Optional[int] = None, **extra: Any) -> dict[str, Any]:
    """One figure in the shape of results.json (the ratio is computed from the floor)."""
    return {"name": name, "size": size, "value": round(float(value), 4), "unit": unit,
            "floor": None if floor is None else round(float(floor), 4),
            "ratio": round(value / floor, 4) if floor else None, "queries": queries, **extra}


def judged(item: dict[str, Any]) -> dict[str, Any]:
    """The entry with "target" and "met" filled from TARGETS (an entry without a listed target keeps its own
    "target" and "met", or None)."""
    conditions = TARGETS.get(item["name"])
    out = dict(item)
    if conditions is None:
        out.setdefault("target", None)
        out.setdefault("met", None)
        return out
    out["target"] = "; ".join(f"{key} {op} {bound:g}" for key, op, bound in conditions)
    out["met"] = all(out.get(key) is not None and _COMPARE[op](out[key], bound) for key, op, bound in conditions)
    return out


def from_legacy(row: Any) -> dict[str, Any]:
    """A (label, value, unit) tuple of an older benchmark as an entry without size or floor."""
    if isinstance(row, dict):
        return row
    label, value, unit = row
    return entry(str(label), "", float(value), str(unit))


def load(path: str = PATH) -> list[dict[str, Any]]:
    try:
        with open(path, encoding="utf-8") as handle:
            data = json.load(handle)
    except (FileNotFoundError, json.JSONDecodeError):
        return []
    return [e for e in data if isinstance(e, dict) and "name" in e] if isinstance(data, list) else []


def merge(previous: Iterable[dict[str, Any]], fresh: dict[str, list[dict[str, Any]]]) -> list[dict[str, Any]]:
    """The previous entries of the modules not run this time and this run's entries, module by module in the
    order of their names. An old entry is replaced when its module ran again or this run measured its name."""
    names = {e["name"] for entries in fresh.values() for e in entries}
    kept = [e for e in previous if e.get("module") not in fresh and e["name"] not in names]
    out = [judged(e) for e in kept]   # judged again: the targets may have changed since
    for module, entries in fresh.items():
        out += [judged({**e, "module": module}) for e in entries]
    return sorted(out, key=lambda e: e.get("module", ""))  # stable: a module's figures keep their order


def write(entries: list[dict[str, Any]], path: str = PATH) -> None:
    temporary = path + ".tmp"
    with open(temporary, "w", encoding="utf-8") as handle:
        json.dump(entries, handle, indent=1, ensure_ascii=False)
        handle.write("\n")
    os.replace(temporary, path)


def _number(value: Any) -> str:
    if value is None:
        return "—"
    if isinstance(value, float) and abs(value) < 10:
        return f"{value:.3g}" if abs(value) < 1 else f"{value:.2f}"
    return f"{value:,.0f}" if isinstance(value, (int, float)) else str(value)


def table(entries: list[dict[str, Any]]) -> str:
    """The figures as a fixed-width table: name, value, floor, ratio (wall and CPU), queries, cold and warm
    times, target and whether it is met."""
    head = ("figure", "value", "unit", "floor", "ratio", "cpu ratio", "queries", "cold/warm ms", "target", "met")
    rows = [head]
    for e in entries:
        cold_warm = f"{_number(e['cold_ms'])}/{_number(e['warm_ms'])}" if "cold_ms" in e and "warm_ms" in e else ""
        met = {True: "yes", False: "NO", None: ""}[e.get("met")]
        rows.append((e["name"], _number(e["value"]), e["unit"], _number(e.get("floor")), _number(e.get("ratio")),
                     _number(e.get("cpu_ratio")), _number(e.get("queries")), cold_warm, e.get("target") or "", met))
    widths = [max(len(r[i]) for r in rows) for i in range(len(head))]
    right = {1, 3, 4, 5, 6, 7}
    lines = ["  ".join(cell.rjust(w) if i in right else cell.ljust(w) for i, (cell, w) in enumerate(zip(row, widths)))
             .rstrip() for row in rows]
    lines.insert(1, "  ".join("-" * w for w in widths))
    return "\n".join(lines)
