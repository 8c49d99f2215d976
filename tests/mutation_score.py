"""The mutation score of the pure cores, from mutmut's own results (`make mutation` runs it after `mutmut run`).

    python -m tests.mutation_score mutants/results.txt [--stats mutants/mutmut-cicd-stats.json] [--fail-under 90]

The first file is the output of `mutmut results --all true` (one `<mutant>: <status>` a line). The score is
killed / checked, where killed counts the mutants a test failed on ("killed", plus "timeout": the mutant made
the tests run far longer than the clean run, so the run was stopped and the mutant counts as detected) and
checked is every mutant mutmut generated except those it never ran ("not checked", "skipped"). A mutant that
"no tests" reach counts as NOT killed: nothing would notice it; so do "survived", "suspicious" and "segfault".
With --stats, the totals are checked against mutmut's own summary (`mutmut export-cicd-stats`). Exits 1 when a
mutant was left unchecked (an interrupted run), when the files disagree, or below --fail-under.
"""

from __future__ import annotations

import json
import sys
from collections import Counter, defaultdict
from pathlib import Path

KILLED = ("killed", "timeout", "caught by type check")
NOT_KILLED = ("survived", "no tests", "suspicious", "segfault")
UNCHECKED = ("not checked", "skipped", "check was interrupted by user")
COLUMNS = ("killed", "timeout", "survived", "no tests", "other")


def read_results(text: str) -> dict[str, str]:
    """{mutant name: status} from `mutmut results --all true`."""
    results = {}
    for line in text.splitlines():
        name, sep, status = line.strip().rpartition(": ")
        if sep and name.count(".") and "__mutmut_" in name:
            results[name] = status
    return results


def module_of(mutant: str) -> str:
    """whitepaper.delphi.stats.x_kendall_w__mutmut_3 -> whitepaper.delphi.stats (methods: xǁClassǁname)."""
    return mutant.rsplit(".", 1)[0]


def score(counts: Counter[str]) -> tuple[int, int]:
    """(killed, checked)."""
    killed = sum(counts[status] for status in KILLED)
    checked = sum(n for status, n in counts.items() if status not in UNCHECKED)
    return killed, checked


def percent(killed: int, checked: int) -> str:
    return f"{100 * killed / checked:.1f} %" if checked else "—"


def row(label: str, counts: Counter[str]) -> str:
    killed, checked = score(counts)
    other = sum(n for status, n in counts.items() if status not in ("killed", "timeout", "survived", "no tests"))
    cells = [counts["killed"], counts["timeout"], counts["survived"], counts["no tests"], other]
    return f"{label:<34}" + "".join(f"{n:>10}" for n in cells) + f"{checked:>10}{percent(killed, checked):>10}"


def compare_with_mutmut(counts: Counter[str], stats_path: Path) -> list[str]:
    """Differences between our totals and mutmut's export-cicd-stats summary (empty when they agree)."""
    stats = json.loads(stats_path.read_text())
    ours = {
        "killed": counts["killed"],
        "survived": counts["survived"],
        "no_tests": counts["no tests"],
        "timeout": counts["timeout"],
        "total": sum(counts.values()),
    }
    return [f"{key}: {ours[key]} here, {stats.get(key)} in {stats_path}" for key in ours if stats.get(key) != ours[key]]


def main(argv: list[str]) -> int:
    args = list(argv)
    options = {}
    for flag in ("--stats", "--fail-under"):
        if flag in args:
            at = args.index(flag)
            options[flag] = args[at + 1]
            del args[at : at + 2]
    results = read_results(Path(args[0] if args else "mutants/results.txt").read_text())
    if not results:
        print("mutation score: no results (did `mutmut run` finish?)")
        return 1

    by_module: dict[str, Counter[str]] = defaultdict(Counter)
    for name, status in results.items():
        by_module[module_of(name)][status] += 1
    overall: Counter[str] = sum(by_module.values(), Counter())

    print(f"{'module':<34}" + "".join(f"{c:>10}" for c in (*COLUMNS, "checked", "score")))
    for module in sorted(by_module):
        print(row(module, by_module[module]))
    print(row("all pure cores", overall))
    killed, checked = score(overall)
    print(
        f"\nmutation score: {percent(killed, checked)} ({killed} of {checked} mutants killed; "
        f"killed includes {overall['timeout']} timeouts, and the {overall['no tests']} that no test reaches "
        f"count as not killed)"
    )
    for status in ("survived", "no tests", "suspicious", "segfault"):
        names = sorted(name for name, s in results.items() if s == status)
        if names:
            print(f"\n{status} ({len(names)}; `mutmut show <name>` gives the diff):")
            print("\n".join(f"  {name}" for name in names))

    failed = False
    unchecked = sum(overall[status] for status in UNCHECKED)
    if unchecked:
        print(f"\n{unchecked} mutants were not checked: the run did not finish")
        failed = True
    if "--stats" in options:
        differences = compare_with_mutmut(overall, Path(options["--stats"]))
        for difference in differences:
            print(f"mutmut's own summary disagrees: {difference}")
        failed = failed or bool(differences)
    floor = float(options.get("--fail-under", 0))
    if checked and 100 * killed / checked < floor:
        print(f"the mutation score is below {floor:g} %")
        failed = True
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
