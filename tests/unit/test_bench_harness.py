"""The benchmark harness's own logic (no timing): targets judged, results merged per module, and the start-up
import report read from `-X importtime` output."""
from __future__ import annotations

from bench import results
from bench.bench_startup import _import_tree, slow_imports


def test_an_entry_is_judged_on_the_key_its_target_names():
    fast = results.judged(results.entry("startup", "flask --help", 1500.0, "ms", floor=1000.0))
    slow = results.judged(results.entry("startup", "flask --help", 2500.0, "ms", floor=1000.0))
    assert fast["ratio"] == 1.5 and fast["met"] is True and fast["target"] == "ratio <= 1.8"
    assert slow["met"] is False   # 2.5 × the floor, although the value itself is not compared


def test_every_condition_of_a_target_must_hold_and_a_missing_key_fails_it():
    base = dict(floor=1000.0, p95_ms=200.0, errors=0)
    assert results.judged(results.entry("load_mix", "mix", 400.0, "req/s", **base))["met"] is True
    assert results.judged(results.entry("load_mix", "mix", 400.0, "req/s", **{**base, "errors": 1}))["met"] is False
    assert results.judged(results.entry("load_mix", "mix", 200.0, "req/s", **base))["met"] is False
    assert results.judged(results.entry("load_mix", "mix", 400.0, "req/s", floor=1000.0))["met"] is False
    votes = results.judged(results.entry("votes_per_second", "33x4x110", 2100.0, "votes/s"))
    assert votes["met"] is True and votes["target"] == "value >= 2000"


def test_a_figure_without_a_target_is_neither_met_nor_missed():
    small = results.judged(results.entry("results_page_50x20", "50x20", 900.0, "ms", queries=13))
    assert small["met"] is None and small["target"] is None and small["ratio"] is None


def test_merging_replaces_the_modules_that_ran_and_keeps_the_others():
    previous = [{"name": "crp_pdf_33", "module": "bench_pdf", "value": 1.0},
                {"name": "startup", "module": "bench_startup", "value": 2.0},
                {"name": "startup_renamed_since", "module": "bench_startup", "value": 2.0},
                {"name": "results_page_200x100", "value": 3.0}]   # no module: replaced by name
    fresh = {"bench_startup": [results.entry("startup", "flask --help", 5.0, "ms", floor=4.0)],
             "bench_delphi": [results.entry("results_page_200x100", "200x100", 6.0, "ms")]}
    merged = results.merge(previous, fresh)
    assert [(e["name"], e["value"]) for e in merged] == [("results_page_200x100", 6.0), ("crp_pdf_33", 1.0),
                                                        ("startup", 5.0)]
    assert merged[2]["module"] == "bench_startup" and merged[2]["met"] is True


def test_results_are_written_and_read_back(tmp_path):
    path = str(tmp_path / "results.json")
    assert results.load(path) == []
    entries = results.merge([], {"bench_pdf": [results.entry("crp_pdf_33", "33 countries", 1400.0, "ms",
                                                             floor=1000.0)]})
    results.write(entries, path)
    assert results.load(path) == entries
    assert "crp_pdf_33" in results.table(entries) and "NO" in results.table(entries)


IMPORTTIME = """\
import time: self [us] | cumulative | imported package
import time:      1000 |       1000 |     flask.app
import time:      2000 |       3000 |   flask
import time:     60000 |      60000 |       fontTools.ttLib
import time:     10000 |      70000 |     weasyprint.text
import time:      5000 |      75000 |   weasyprint
import time:     50000 |      50000 |     sqlalchemy.orm
import time:     30000 |      30000 |     whitepaper.models.user
import time:     30000 |      30000 |     whitepaper.models.delphi
import time:     20000 |     130000 |   whitepaper.models
import time:      1000 |     209000 | whitepaper
"""
FLOOR = {"flask", "flask.app", "sqlalchemy.orm"}


def test_the_import_report_names_the_innermost_costly_imports_beyond_the_floor():
    tree = _import_tree(IMPORTTIME)
    assert tree[0] == (2, "flask.app", 1.0) and tree[-1] == (0, "whitepaper", 209.0)
    # flask and sqlalchemy.orm are the floor's; fontTools.ttLib is the costly one under weasyprint;
    # whitepaper.models costs 80 ms beyond sqlalchemy.orm (none of its modules 50 ms alone); whitepaper
    # (209 ms, 53 of them the floor's) is not listed, as its children explain it.
    assert slow_imports(tree, FLOOR) == {"fontTools.ttLib": 60.0, "whitepaper.models": 80.0}
    assert slow_imports(tree, FLOOR | {"weasyprint", "weasyprint.text", "fontTools.ttLib"}) == \
        {"whitepaper.models": 80.0}
