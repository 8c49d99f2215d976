"""The mutation score that `make mutation` prints (tests/mutation_score.py)."""

import json

from tests.mutation_score import main, module_of, read_results

RESULTS = """\
    whitepaper.numbers.x_round_half_up__mutmut_1: killed
    whitepaper.numbers.x_round_half_up__mutmut_2: survived
    whitepaper.numbers.x_to_float__mutmut_1: timeout
    whitepaper.delphi.stats.xǁStabilityǁ__post_init____mutmut_1: killed
    whitepaper.delphi.stats.x_sample_sd__mutmut_1: no tests
    whitepaper.delphi.stats.x_sample_sd__mutmut_2: killed
"""


def test_results_are_read_per_mutant_and_grouped_by_module():
    results = read_results("noise before\n" + RESULTS)
    assert len(results) == 6
    assert results["whitepaper.delphi.stats.x_sample_sd__mutmut_1"] == "no tests"
    assert module_of("whitepaper.delphi.stats.xǁStabilityǁ__post_init____mutmut_1") == "whitepaper.delphi.stats"


def test_timeouts_count_as_killed_and_no_tests_as_not_killed(tmp_path, capsys):
    path = tmp_path / "results.txt"
    path.write_text(RESULTS)
    assert main([str(path)]) == 0
    out = capsys.readouterr().out
    assert "mutation score: 66.7 % (4 of 6 mutants killed" in out
    assert "whitepaper.numbers" in out and "  whitepaper.delphi.stats.x_sample_sd__mutmut_1" in out
    assert main([str(path), "--fail-under", "70"]) == 1


def test_an_unfinished_run_or_a_disagreement_with_mutmut_fails(tmp_path, capsys):
    path = tmp_path / "results.txt"
    path.write_text(RESULTS + "    whitepaper.numbers.x_to_float__mutmut_2: not checked\n")
    assert main([str(path)]) == 1
    assert "1 mutants were not checked" in capsys.readouterr().out
    path.write_text(RESULTS)
    stats = tmp_path / "stats.json"
    stats.write_text(json.dumps({"killed": 3, "survived": 1, "no_tests": 1, "timeout": 1, "total": 6}))
    assert main([str(path), "--stats", str(stats)]) == 0
    stats.write_text(json.dumps({"killed": 3, "survived": 2, "no_tests": 1, "timeout": 1, "total": 7}))
    assert main([str(path), "--stats", str(stats)]) == 1
    empty = tmp_path / "empty.txt"
    empty.write_text("")
    assert main([str(empty)]) == 1
