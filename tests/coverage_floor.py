"""Every file of whitepaper/ keeps at least the given coverage (line and branch, as coverage's TOTAL counts it).
Run after `pytest --cov` (make test does, when REQUIRE_ALL=1): `python -m tests.coverage_floor 85`; with
`--report-only` it lists the files under the floor and exits 0."""
from __future__ import annotations

import sys

import coverage


def files_below(floor: float) -> list[tuple[str, float]]:
    cov = coverage.Coverage()
    cov.load()
    below = []
    for path in sorted(cov.get_data().measured_files()):
        analysis = cov._analyze(path)  # the same numbers as `coverage report`
        percent = analysis.numbers.pc_covered
        if percent < floor:
            below.append((path, percent))
    return below


def main(argv: list[str]) -> int:
    report_only = "--report-only" in argv
    numbers = [a for a in argv if not a.startswith("--")]
    floor = float(numbers[0]) if numbers else 85.0
    below = files_below(floor)
    for path, percent in below:
        print(f"coverage floor: {path} is at {percent:.1f} % (below {floor:.0f} %)")
    if not below:
        print(f"coverage floor: every file of whitepaper/ is at {floor:.0f} % or more")
    return 1 if below and not report_only else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
