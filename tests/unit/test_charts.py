"""Server-side SVG charts: well-formed, fully described in text, escaped, deterministic, geometrically right."""
from __future__ import annotations

import math
import re
import xml.etree.ElementTree as ET
from fractions import Fraction

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from markupsafe import Markup

from whitepaper import charts

SVG = "{http://www.w3.org/2000/svg}"

DIMENSIONS = [
    ("Institutional framework", Fraction(200, 3)),
    ("Design", 55.5),
    ("Implementation", 100),
    ("Outcomes", None),
    ("Sustainable development agenda (global commitments)", 0),
]


def spanish(value):
    return charts.format_number(value).replace(".", ",")


def parse(svg: str) -> ET.Element:
    root = ET.fromstring(str(svg))
    assert root.tag == SVG + "svg"
    return root


def title_and_desc(root: ET.Element) -> str:
    return root.find(SVG + "title").text + " " + root.find(SVG + "desc").text


def texts(root: ET.Element) -> list[str]:
    return ["".join(el.itertext()) for el in root.iter(SVG + "text")]


def by_class(root: ET.Element, name: str, tag: str | None = None) -> list[ET.Element]:
    return [el for el in root.iter() if name in (el.get("class") or "").split()
            and (tag is None or el.tag == SVG + tag)]


def points(el: ET.Element) -> list[tuple[float, float]]:
    return [tuple(map(float, pair.split(","))) for pair in el.get("points").split()]


def viewbox(root: ET.Element) -> tuple[float, float, float, float]:
    return tuple(map(float, root.get("viewBox").split()))


def all_charts():
    return {
        "radar": charts.radar(DIMENSIONS, series_label="Chile 2024",
                              compare=[("Previous", [50, 40, None, 20, 10]), ("Regional mean", [60, 61, 55, 45, 35])]),
        "hbars": charts.hbars(DIMENSIONS, title="Dimension scores"),
        "distribution": charts.distribution({1: 1, 2: 0, 3: 4, 4: 7, 5: 3}, highlight=4, median=4,
                                            scale_labels={1: "Strongly disagree", 5: "Strongly agree"}),
        "heatmap": charts.heatmap(["Argentina", "Chile"], ["Design", "Outcomes"],
                                  [[100, None], [Fraction(100, 3), 12]]),
        "votes": charts.vote_bars(7, 2, 1, eligible=15, title="Item 3"),
    }


# ---------------------------------------------------------------------------------------------------------
# Every chart


@pytest.mark.parametrize("kind", ["radar", "hbars", "distribution", "heatmap", "votes"])
def test_every_chart_is_a_self_contained_accessible_svg(kind):
    svg = all_charts()[kind]
    assert isinstance(svg, Markup)
    root = parse(svg)
    assert root.get("role") == "img"
    x, y, w, h = viewbox(root)
    assert (x, y) == (0, 0)
    assert root.get("width") == str(int(w)) and root.get("height") == str(int(h))
    assert w > 0 and h > 0
    assert root.get("font-family") == "DejaVu Sans, sans-serif"
    title, desc = root.find(SVG + "title"), root.find(SVG + "desc")
    assert title is not None and title.text and desc is not None and desc.text
    # aria references resolve inside the chart
    ids = {el.get("id") for el in root.iter() if el.get("id")}
    assert root.get("aria-labelledby") in ids and root.get("aria-describedby") in ids
    text = str(svg)
    assert "<script" not in text and "style=" not in text and "<style" not in text
    assert "http://" not in text.replace('xmlns="http://www.w3.org/2000/svg"', "")
    assert "https://" not in text and "href" not in text
    # every url(#…) points at a definition in the same chart
    for ref in re.findall(r"url\(#([^)]+)\)", text):
        assert ref in ids


@pytest.mark.parametrize("kind", ["radar", "hbars", "distribution", "heatmap", "votes"])
def test_every_chart_is_deterministic(kind):
    assert all_charts()[kind] == all_charts()[kind]


def test_charts_with_different_content_have_different_ids():
    a = parse(charts.hbars([("A", 10)]))
    b = parse(charts.hbars([("A", 20)]))
    assert a.get("aria-labelledby") != b.get("aria-labelledby")


# ---------------------------------------------------------------------------------------------------------
# Numbers and bands


@pytest.mark.parametrize("value, shown", [
    (None, "—"), (float("nan"), "—"), (Fraction(100, 3), "33.3"), (Fraction(200, 3), "66.7"), (66.65, "66.7"),
    (0.05, "0.1"), (0, "0.0"), (100, "100.0"), (-0.04, "0.0"), (-0.05, "-0.1"), (Fraction(1, 20), "0.1"),
])
def test_format_number_rounds_half_up_to_one_decimal(value, shown):
    assert charts.format_number(value) == shown


@pytest.mark.parametrize("score, band", [
    (None, None), (0, "incipient"), (Fraction(100, 3) - Fraction(1, 10**9), "incipient"),
    (Fraction(100, 3), "developing"), (float(Fraction(100, 3)), "developing"),
    (Fraction(200, 3) - Fraction(1, 10**9), "developing"), (Fraction(200, 3), "consolidated"),
    (float(Fraction(200, 3)), "consolidated"), (99.99, "consolidated"), (100, "optimal"), (100.0, "optimal"),
])
def test_score_band_uses_the_exact_boundaries(score, band):
    assert charts.score_band(score) == band


def test_band_colours_keep_text_and_shapes_readable():
    for fill, outline in charts.BAND_COLOURS.values():
        assert charts.contrast(fill, charts.INK) >= 4.5
        assert charts.contrast(outline, "#ffffff") >= 3
    assert charts.contrast(charts.NONE_FILL, charts.INK) >= 4.5


# ---------------------------------------------------------------------------------------------------------
# Radar


def radar_geometry(root):
    outer = by_class(root, "ring-outer", "polygon")
    assert len(outer) == 1
    ring = points(outer[0])
    cx = sum(x for x, _ in ring) / len(ring)
    cy = sum(y for _, y in ring) / len(ring)
    radius = math.dist((cx, cy), ring[0])
    return (cx, cy), radius, ring


def test_radar_puts_100_on_the_outer_ring_and_0_or_none_at_the_centre():
    root = parse(charts.radar(DIMENSIONS))
    centre, radius, ring = radar_geometry(root)
    for vertex in ring:
        assert math.dist(centre, vertex) == pytest.approx(radius, abs=0.02)
    (main,) = by_class(root, "series-main", "polygon")
    pts = points(main)
    assert len(pts) == 5
    for (label, value), pt in zip(DIMENSIONS, pts):
        expected = 0 if value is None else float(value) / 100 * radius
        assert math.dist(centre, pt) == pytest.approx(expected, abs=0.02), label
    # 100 (Implementation, third axis) coincides with the outer ring's third vertex
    assert pts[2] == pytest.approx(ring[2], abs=0.02)
    assert pts[4] == pytest.approx(centre, abs=0.02)  # 0
    assert pts[3] == pytest.approx(centre, abs=0.02)  # None


def test_radar_gridlines_are_the_band_boundaries():
    root = parse(charts.radar(DIMENSIONS))
    centre, radius, _ = radar_geometry(root)
    rings = by_class(root, "ring", "polygon")
    radii = sorted(math.dist(centre, points(r)[0]) for r in rings)
    assert radii == pytest.approx([radius / 3, radius * 2 / 3, radius], abs=0.02)


def test_radar_points_and_labels_lie_within_the_viewbox():
    long_axes = [("A " * 40, 100), ("Agenda de desarrollo sostenible (compromisos globales)", 100),
                 ("Implementación", 100), ("Resultados", 100), ("Marco institucional <&>", 100)]
    root = parse(charts.radar(long_axes, compare=[("Regional", [120, -5, 100, 100, 100])]))
    _, _, w, h = viewbox(root)
    for polygon in root.iter(SVG + "polygon"):
        for x, y in points(polygon):
            assert 0 <= x <= w and 0 <= y <= h
    for el in root.iter(SVG + "text"):
        x, y = float(el.get("x")), float(el.get("y"))
        width = charts.text_width(el.text, float(el.get("font-size")), el.get("font-weight") == "bold")
        left = {"end": x - width, "middle": x - width / 2}.get(el.get("text-anchor"), x)
        assert -0.5 <= left and left + width <= w + 0.5, el.text
        assert 0 <= y <= h


def test_radar_describes_every_value_and_says_no_score_for_none():
    svg = charts.radar(DIMENSIONS, series_label="Chile 2024", none_label="sin puntaje", fmt=spanish,
                       compare=[("Previous", [50, 40.25, None, 20, 10])])
    root = parse(svg)
    alt = title_and_desc(root)
    for label, value in DIMENSIONS:
        assert label in alt
    for shown in ("66,7", "55,5", "100,0", "0,0", "50,0", "40,3", "20,0", "10,0"):
        assert shown in alt
    assert "Outcomes: sin puntaje" in alt
    assert "Chile 2024" in alt and "Previous" in alt
    assert "66.7" not in alt  # the caller's formatter is used everywhere
    assert "—" in texts(root)
    assert "66,7" in texts(root)


def test_radar_compare_series_have_their_own_dash_pattern_and_a_legend():
    root = parse(all_charts()["radar"])
    compare = by_class(root, "series-compare", "polygon")
    assert len(compare) == 2
    dashes = {p.get("stroke-dasharray") for p in compare} | {by_class(root, "series-main", "polygon")[0].get(
        "stroke-dasharray")}
    assert len(dashes) == 3
    legend_text = " ".join("".join(el.itertext()) for g in by_class(root, "legend") for el in g.iter(SVG + "text"))
    assert "Chile 2024" in legend_text and "Previous" in legend_text and "Regional mean" in legend_text


def test_radar_without_comparison_has_no_legend():
    assert by_class(parse(charts.radar(DIMENSIONS)), "legend") == []


def test_radar_wraps_long_axis_labels_onto_at_most_three_lines():
    root = parse(charts.radar([("word " * 60, 10), ("B", 20), ("C", 30)]))
    lines = [el for el in by_class(root, "axis-label") if el.text.startswith("word")]
    assert 1 < len(lines) <= 3
    assert lines[-1].text.endswith("…")


def test_radar_rejects_a_comparison_of_the_wrong_length():
    with pytest.raises(ValueError):
        charts.radar(DIMENSIONS, compare=[("Previous", [1, 2, 3])])


def test_radar_with_fewer_than_three_axes_falls_back_to_bars():
    root = parse(charts.radar([("A", 10), ("B", None)]))
    assert "chart-hbars" in root.get("class")


# ---------------------------------------------------------------------------------------------------------
# Horizontal bars


def test_hbars_colours_by_band_and_shows_none_as_a_dash():
    root = parse(charts.hbars(DIMENSIONS, fmt=spanish))
    bars = by_class(root, "bar", "rect")
    assert len(bars) == 4  # the None row has no bar
    assert [b.get("class") for b in bars] == ["bar band-consolidated", "bar band-developing", "bar band-optimal",
                                              "bar band-incipient"]
    values = [el.text for el in by_class(root, "value-label")]
    assert values == ["66,7", "55,5", "100,0", "—", "0,0"]
    alt = title_and_desc(root)
    for shown in values[:3] + values[4:]:
        assert shown in alt
    assert "Outcomes: no score" in alt


def test_hbars_bar_lengths_are_proportional_and_marks_sit_at_the_thresholds():
    root = parse(charts.hbars([("a", 100), ("b", 50), ("c", 25)]))
    widths = [float(b.get("width")) for b in by_class(root, "bar", "rect")]
    assert widths[1] == pytest.approx(widths[0] / 2, abs=0.02)
    assert widths[2] == pytest.approx(widths[0] / 4, abs=0.02)
    x0 = float(by_class(root, "bar", "rect")[0].get("x"))
    marks = sorted(float(m.get("x1")) - x0 for m in by_class(root, "mark", "line"))
    assert marks == pytest.approx([widths[0] / 3, widths[0] * 2 / 3], abs=0.02)
    assert {"33.3", "66.7", "0.0", "100.0"} <= {el.text for el in by_class(root, "tick")}


def test_hbars_with_another_scale_and_no_bands():
    root = parse(charts.hbars([("a", 3), ("b", 6)], max_value=6, marks=(), band_of=None))
    assert [b.get("class") for b in by_class(root, "bar", "rect")] == ["bar", "bar"]
    assert by_class(root, "legend") == []
    assert by_class(root, "mark") == []


def test_hbars_wraps_long_labels():
    root = parse(charts.hbars([("criterion " * 30, 50)]))
    lines = by_class(root, "row-label")
    assert 1 < len(lines) <= 3
    assert ("criterion " * 30).strip() + ": 50.0" in title_and_desc(root)  # the full label is in the description


def test_hbars_values_stay_inside_the_chart():
    root = parse(charts.hbars([("a", 100), ("b", 150), ("c", -20)]))
    _, _, w, _ = viewbox(root)
    for el in by_class(root, "value-label"):
        assert float(el.get("x")) + charts.text_width(el.text, 12, True) <= w


# ---------------------------------------------------------------------------------------------------------
# Distribution


def test_distribution_highlights_exactly_the_chosen_bar():
    root = parse(charts.distribution({1: 1, 2: 0, 3: 4, 4: 7, 5: 3}, highlight=2, highlight_label="su respuesta"))
    highlighted = by_class(root, "highlight")
    assert len(highlighted) == 1
    assert highlighted[0].get("data-point") == "2"
    assert highlighted[0].get("fill").startswith("url(#")  # a pattern, not just a colour
    assert "▲ su respuesta" in texts(root)
    assert len(by_class(root, "bar", "rect")) == 5


def test_distribution_without_highlight_has_none():
    root = parse(charts.distribution({1: 2, 2: 3}))
    assert by_class(root, "highlight") == []
    assert root.find(SVG + "defs") is None


def test_distribution_fills_gaps_in_the_scale_and_describes_every_count():
    root = parse(charts.distribution({1: 2, 3: 5, 9: 1}, median=3, fmt=spanish, median_label="Mediana",
                                     scale_labels={1: "Inappropriate", 9: "Appropriate"}))
    assert [b.get("data-point") for b in by_class(root, "bar", "rect")] == [str(p) for p in range(1, 10)]
    assert [el.text for el in by_class(root, "count-label")] == ["2", "0", "5", "0", "0", "0", "0", "0", "1"]
    alt = title_and_desc(root)
    assert "1 (Inappropriate): 2" in alt and "3: 5" in alt and "9 (Appropriate): 1" in alt and "4: 0" in alt
    assert "n = 8" in alt and "Mediana: 3,0" in alt
    assert "Mediana: 3,0" in texts(root)


def test_distribution_median_between_points_is_drawn_between_them():
    root = parse(charts.distribution({1: 1, 2: 1, 3: 1, 4: 1, 5: 1}, median=3.5))
    bars = {b.get("data-point"): b for b in by_class(root, "bar", "rect")}

    def centre(p):
        return float(bars[p].get("x")) + float(bars[p].get("width")) / 2

    (line,) = by_class(root, "median", "line")
    assert float(line.get("x1")) == pytest.approx((centre("3") + centre("4")) / 2, abs=0.02)


def test_distribution_of_nothing():
    root = parse(charts.distribution({}, empty_label="Sin respuestas"))
    assert "Sin respuestas" in texts(root)
    assert "n = 0" in title_and_desc(root)


# ---------------------------------------------------------------------------------------------------------
# Heat map


def test_heatmap_has_one_cell_per_row_and_column_with_its_value():
    rows = ["Argentina", "Saint Vincent and the Grenadines", "Chile"]
    columns = ["Institutional framework", "Design", "Implementation", "Outcomes", "Sustainable development agenda"]
    values = [[100, 66.7, 33.3, None, 10], [Fraction(100, 3), Fraction(200, 3), 99.9, 0, 50], [None] * 5]
    root = parse(charts.heatmap(rows, columns, values, fmt=spanish, none_label="sin puntaje"))
    cells = by_class(root, "cell", "rect")
    assert len(cells) == len(rows) * len(columns)
    labels = [el.text for el in by_class(root, "cell-label")]
    assert labels[:5] == ["100,0", "66,7", "33,3", "—", "10,0"]
    assert labels[10:] == ["—"] * 5
    assert [c.get("class") for c in cells[5:10]] == ["cell band-developing", "cell band-consolidated",
                                                     "cell band-consolidated", "cell band-incipient",
                                                     "cell band-developing"]
    alt = title_and_desc(root)
    for label in labels:
        assert label in alt or label == "—"
    assert "Argentina: Institutional framework 100,0" in alt and "Outcomes sin puntaje" in alt
    # text on every cell is readable
    for cell, label in zip(cells, by_class(root, "cell-label")):
        assert charts.contrast(cell.get("fill"), label.get("fill")) >= 4.5


def test_heatmap_fits_an_a4_page_by_default():
    rows = ["Bolivia (Plurinational State of)", "Saint Vincent and the Grenadines"]
    columns = ["Institutional framework", "Design", "Implementation", "Outcomes",
               "Sustainable development agenda (global commitments)"]
    root = parse(charts.heatmap(rows, columns, [[1] * 5, [2] * 5]))
    assert viewbox(root)[2] <= 640


def test_heatmap_rejects_ragged_values():
    with pytest.raises(ValueError):
        charts.heatmap(["a", "b"], ["x", "y"], [[1, 2], [3]])
    with pytest.raises(ValueError):
        charts.heatmap(["a", "b"], ["x"], [[1]])


# ---------------------------------------------------------------------------------------------------------
# Votes


def test_vote_bars_segments_are_proportional_and_described():
    root = parse(charts.vote_bars(6, 3, 1, eligible=20, labels={"approve": "Aprobar", "reject": "Rechazar"}))
    segments = {s.get("class").split()[1]: s for s in by_class(root, "segment", "rect")}
    assert set(segments) == {"segment-approve", "segment-reject", "segment-abstain", "segment-not_voted"}
    unit = float(segments["segment-approve"].get("width")) / 6
    assert float(segments["segment-reject"].get("width")) == pytest.approx(3 * unit, abs=0.02)
    assert float(segments["segment-not_voted"].get("width")) == pytest.approx(10 * unit, abs=0.02)
    alt = title_and_desc(root)
    assert "Aprobar: 6" in alt and "Rechazar: 3" in alt and "Abstain: 1" in alt and "Not voted: 10" in alt
    assert "Aprobar: 6" in texts(root)


def test_vote_bars_with_no_votes():
    root = parse(charts.vote_bars(0, 0, 0, labels={"no_votes": "Sin votos"}))
    assert "Sin votos" in texts(root)
    assert len(by_class(root, "segment")) == 1


def test_vote_bars_refuse_negative_counts():
    with pytest.raises(ValueError):
        charts.vote_bars(1, -1, 0)


# ---------------------------------------------------------------------------------------------------------
# Escaping


NASTY = 'Plan <&> "quoted" \'single\' </svg><script>alert(1)</script>\x00\x1b'


@pytest.mark.parametrize("make", [
    lambda: charts.radar([(NASTY, 10), ("b", 20), ("c", 30)], series_label=NASTY, compare=[(NASTY, [1, 2, 3])],
                         title=NASTY, none_label=NASTY),
    lambda: charts.hbars([(NASTY, 10), ("b", None)], title=NASTY, none_label=NASTY,
                         band_labels={"incipient": NASTY}),
    lambda: charts.distribution({1: 2}, highlight=1, title=NASTY, scale_labels={1: NASTY}, highlight_label=NASTY,
                                median=1, median_label=NASTY),
    lambda: charts.heatmap([NASTY], [NASTY], [[None]], title=NASTY, none_label=NASTY),
    lambda: charts.vote_bars(1, 1, 1, title=NASTY, labels={"approve": NASTY}),
    lambda: charts.hbars([("a", 10)], fmt=lambda v: "<&>"),
])
def test_labels_are_escaped(make):
    svg = str(make())
    root = parse(svg)
    assert "<script" not in svg and "<&>" not in svg
    assert "&lt;&amp;&gt;" in svg
    assert "\x00" not in svg and "\x1b" not in svg
    assert any("<&>" in t for t in texts(root) + [title_and_desc(root)])


@settings(max_examples=60, deadline=None)
@given(
    labels=st.lists(st.text(max_size=80), min_size=3, max_size=6),
    values=st.lists(st.one_of(st.none(), st.floats(min_value=-50, max_value=150, allow_nan=False),
                              st.fractions(min_value=0, max_value=100, max_denominator=12)),
                    min_size=6, max_size=6),
)
def test_any_labels_and_values_give_well_formed_charts(labels, values):
    axes = list(zip(labels, values))
    described = [
        charts.radar(axes, series_label=labels[0], compare=[(labels[1], values[: len(axes)])]),
        charts.hbars(axes, title=labels[0]),
    ]
    others = [
        charts.heatmap(labels, labels[:2], [values[:2]] * len(labels)),
        charts.distribution({i + 1: len(label) % 7 for i, label in enumerate(labels)}, highlight=1,
                            scale_labels=dict(enumerate(labels, 1))),
        charts.vote_bars(len(labels), len(labels[0]), 1, labels={"approve": labels[-1]}),
    ]
    for svg in described + others:
        root = parse(svg)
        assert root.find(SVG + "title").text  # never empty, even for an empty title
    for svg in described:
        alt = title_and_desc(parse(svg))
        for value in values[: len(axes)]:
            assert charts.format_number(value) in alt or value is None


def test_an_empty_title_falls_back_to_the_default():
    assert parse(charts.hbars([("a", 1)], title=" ")).find(SVG + "title").text == "Scores"


def test_text_width_grows_with_text_and_bold():
    assert charts.text_width("", 12) == 0
    assert charts.text_width("iiii", 12) < charts.text_width("MMMM", 12)
    assert charts.text_width("Diseño", 12) < charts.text_width("Diseño", 12, bold=True)
