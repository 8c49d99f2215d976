"""Golden output of the SVG charts: every public chart, on fixed inputs, must give byte-for-byte the SVG stored
under tests/unit/golden_charts/. A change of output, intended or not, fails here; after an intended one, run
once with REGENERATE_GOLDEN=1 (the cases are then skipped, not passed) and review the diff of the files."""
from __future__ import annotations

import json
import os
from fractions import Fraction
from pathlib import Path

import pytest
from markupsafe import Markup

from whitepaper import charts

GOLDEN = Path(__file__).parent / "golden_charts"
REGENERATE = os.environ.get("REGENERATE_GOLDEN") == "1"


def spanish(value):
    return charts.format_number(value).replace(".", ",")


BANDAS = {"incipient": "Incipiente", "developing": "En desarrollo", "consolidated": "Consolidado",
          "optimal": "Óptimo"}
DIMENSIONES = [
    ("Marco institucional", Fraction(200, 3)),
    ("Diseño", 55.5),
    ("Implementación", 100),
    ("Resultados", None),
    ("Agenda de desarrollo sostenible (compromisos globales)", 0),
]
DIMENSIONS = [
    ("Institutional framework", Fraction(100, 3)),
    ("Design", 12.25),
    ("Implementation", Fraction(199, 3)),
    ("Outcomes", 99.99),
    ("Sustainable development agenda", None),
]
VOTOS = {"approve": "Aprobar", "reject": "Rechazar", "abstain": "Abstención", "not_voted": "No votó",
         "no_votes": "Sin votos emitidos", "cast": "Votos emitidos", "eligible": "habilitados"}
NASTY = 'Plan <&> "quoted" \'single\' </svg><script>alert(1)</script>\x00\x1b\n\tnext'

CASES = {
    # --- radar -------------------------------------------------------------------------------------------
    "radar_scorecard_es": lambda: charts.radar(
        DIMENSIONES, series_label="Esta evaluación (2024)", fmt=spanish, title="Perfil por dimensión (0–100)",
        none_label="sin puntaje", band_labels=BANDAS,
        compare=[("Evaluación anterior (2022)", [50, 40.25, None, 20, 10]),
                 ("Promedio regional (12 países)", [60, 61, 55, 45, 35])]),
    "radar_single_series": lambda: charts.radar(DIMENSIONS),
    "radar_five_series_cycle_styles": lambda: charts.radar(
        [("A", 10), ("B", 90), ("C", 50), ("D", 70)], series_label="Chile",
        compare=[("Argentina", [20, 30, 40, 50]), ("Perú", [30, 40, 50, 60]), ("México", [None, 50, 60, 70]),
                 ("Bolivia (Estado Plurinacional de)", [50, 60, 70, 80])]),
    "radar_long_labels_out_of_range_small": lambda: charts.radar(
        [("A " * 40, 100), ("Agenda de desarrollo sostenible (compromisos globales)", 120),
         ("Implementación", -5), ("Resultados", 100), ("Marco institucional <&>", 33.3), ("word " * 60, 50),
         ("Sostenibilidad", Fraction(1, 3))],
        series_label="San Vicente y las Granadinas", compare=[("Regional", [120, -5, 100, 100, 100, None, 0])],
        size=260, band_of=None, title=" "),
    "radar_two_axes_falls_back_to_bars": lambda: charts.radar(
        [("Diseño", 10), ("Resultados", None)], fmt=spanish, none_label="sin puntaje", band_labels=BANDAS),
    # --- horizontal bars ---------------------------------------------------------------------------------
    "hbars_dimensions_es": lambda: charts.hbars(
        DIMENSIONES, fmt=spanish, title="Puntaje por dimensión (0–100)", none_label="sin puntaje",
        band_labels=BANDAS),
    "hbars_criteria_no_legend": lambda: charts.hbars(
        [(f"1.{i} " + "Criterio de evaluación con un título bastante largo " * (i % 3 + 1), v)
         for i, v in enumerate([0, 100 * Fraction(1, 3), None, 75.5, 100, Fraction(2, 7) * 100])],
        fmt=spanish, title="Logro por criterio, Diseño (0–100)", none_label="no aplica o sin calificar",
        band_labels=BANDAS, legend=False),
    "hbars_other_scale_no_bands": lambda: charts.hbars(
        [("a", 3), ("b", 6), ("c", 7.5), ("d", -1)], max_value=6, marks=(2, 4.5), band_of=None),
    "hbars_narrow_given_label_width": lambda: charts.hbars(
        [("Outcomes", 50), ("Design", 150)], width=200, label_width=120, title=NASTY, none_label=NASTY,
        band_labels={"incipient": NASTY}),
    "hbars_empty": lambda: charts.hbars([]),
    # --- distribution ------------------------------------------------------------------------------------
    "distribution_feedback_es": lambda: charts.distribution(
        {1: 1, 2: 0, 3: 4, 4: 7, 5: 3}, highlight=4, median=4, fmt=spanish, title="Distribución de respuestas",
        scale_labels={1: "Muy en desacuerdo", 5: "Muy de acuerdo"}, highlight_label="su respuesta",
        median_label="Mediana", empty_label="Sin respuestas"),
    "distribution_nine_points_median_between": lambda: charts.distribution(
        {1: 2, 3: 5, 9: 1}, median=3.5, scale_labels={1: "Inapropiado", 5: "Dudoso", 9: "Apropiado"}),
    "distribution_highlight_outside_counts": lambda: charts.distribution(
        {2: 3, 3: 3}, highlight=6, median=Fraction(5, 2), fmt_count=lambda c: f"{c}×",
        scale_labels={1: "Nada", 2: "Poco", 3: "Algo", 4: "Bastante"}, width=360),
    "distribution_empty": lambda: charts.distribution({}, median=None, empty_label="Sin respuestas"),
    # --- heat map ----------------------------------------------------------------------------------------
    "heatmap_crp_es": lambda: charts.heatmap(
        ["Argentina", "Bolivia (Estado Plurinacional de)", "San Vicente y las Granadinas · Región Norte", "Perú"],
        [d for d, _ in DIMENSIONES],
        [[100, 66.7, 33.3, None, 10], [Fraction(100, 3), Fraction(200, 3), 99.9, 0, 50], [None] * 5,
         [12, 34, 56, 78, 90]],
        fmt=spanish, title="Puntaje por país y dimensión (0–100)", none_label="sin puntaje", band_labels=BANDAS),
    "heatmap_plain_fixed_columns": lambda: charts.heatmap(
        ["A", "B"], ["Uno", "Dos", "Tres"], [[1, None, 3], [4, 5, 6]], band_of=None, legend=False,
        column_width=48),
    "heatmap_empty": lambda: charts.heatmap([], [], []),
    # --- votes -------------------------------------------------------------------------------------------
    "vote_bars_eligible_es": lambda: charts.vote_bars(6, 3, 1, eligible=20, labels=VOTOS, title="Ítem 3"),
    "vote_bars_no_votes": lambda: charts.vote_bars(0, 0, 0, labels=VOTOS, eligible=0),
    "vote_bars_narrow_segments": lambda: charts.vote_bars(40, 1, 0, eligible=40, width=300),
}


def _golden_check(path: Path, actual: str) -> None:
    if REGENERATE:
        GOLDEN.mkdir(exist_ok=True)
        path.write_bytes(actual.encode("utf-8"))
        pytest.skip(f"regenerated {path.name}")
    assert path.exists(), f"{path} is missing: run once with REGENERATE_GOLDEN=1"
    expected = path.read_bytes().decode("utf-8")
    assert actual == expected, f"{path.name} differs from its golden file"


@pytest.mark.parametrize("name", sorted(CASES))
def test_chart_matches_its_golden_svg(name):
    svg = CASES[name]()
    assert isinstance(svg, Markup)
    _golden_check(GOLDEN / f"{name}.svg", str(svg))


def helper_outputs() -> dict:
    values = [None, float("nan"), float("inf"), 0, -0.04, -0.05, 0.05, 66.65, 99.95, 100, Fraction(100, 3),
              Fraction(200, 3), Fraction(1, 20)]
    texts = ["", "Diseño", "Implementación", "MMMM", "iiii", "Óptimo — 100 %", "日本", "e\u0301"]
    colours = [("#f4a09a", charts.INK), ("#6cc083", "#ffffff"), (charts.NONE_FILL, charts.INK),
               ("#000000", "#ffffff"), ("#1f4e79", "#1f4e79")]
    return {
        "format_number": [[repr(v), charts.format_number(v)] for v in values],
        "score_band": [[repr(v), charts.score_band(v)] for v in values
                       + [Fraction(100, 3) - Fraction(1, 10**9), float(Fraction(100, 3)), 99.99]
                       if not (isinstance(v, float) and v != v)],
        "text_width": [[t, size, bold, charts.text_width(t, size, bold)]
                       for t in texts for size in (10, 12.5) for bold in (False, True)],
        "contrast": [[a, b, charts.contrast(a, b)] for a, b in colours],
        "band_colours": {k: list(v) for k, v in charts.BAND_COLOURS.items()},
    }


def test_helpers_match_their_golden_json():
    actual = json.dumps(helper_outputs(), ensure_ascii=False, indent=1, sort_keys=True) + "\n"
    _golden_check(GOLDEN / "helpers.json", actual)
