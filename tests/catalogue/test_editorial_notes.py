"""Editorial notes (issue 17, item 2): the national elements the header of criteria/national.yaml discusses keep
ILPES's Spanish verbatim and carry a note in both languages saying how they are read and scored; the note is
in the API, on the criterion page, in the rating form and in the scorecard PDF."""
from __future__ import annotations

import html as html_lib
import os
import re

import yaml

from tests.assessment.conftest import make_assessment, tree  # noqa: F401  (shared factories)
from whitepaper.catalogue import loader

# an independent copy of the reference, kept with the tests
REFERENCE = os.path.join(os.path.dirname(os.path.dirname(os.path.abspath(__file__))), "reference",
                         "national-elements.md")
# The elements the header's POLARITY section names: five scored negative, twelve negatively worded but
# positive, and 3.1 (a generic model is the first rung).
HEADER_ELEMENTS = {"NAC-1-02.6", "NAC-2-08.7", "NAC-3-19.4", "NAC-4-27.5", "NAC-5-30.6",
                   "NAC-1-01.5", "NAC-1-01.7", "NAC-1-01.8", "NAC-2-07.6", "NAC-2-12.4", "NAC-2-13.5",
                   "NAC-2-13.6", "NAC-2-14.5", "NAC-2-14.6", "NAC-3-22.5", "NAC-3-22.6", "NAC-5-33.4",
                   "NAC-1-03.1"}


def _national_elements() -> dict:
    with open(os.path.join(loader.DEFAULT_FOLDER, "national.yaml"), encoding="utf-8") as handle:
        data = yaml.safe_load(handle)
    return {e["code"]: e for d in data["dimensions"] for c in d["criteria"] for e in c.get("elements") or []}


def _header() -> str:
    with open(os.path.join(loader.DEFAULT_FOLDER, "national.yaml"), encoding="utf-8") as handle:
        return "".join(line for line in handle if line.startswith("#"))


def test_the_header_names_exactly_the_annotated_elements():
    header = _header()
    polarity = header.split("# POLARITY.", 1)[1].split("# ALERTS.", 1)[0]
    named = set(re.findall(r"NAC-\d-\d{2}\.\d+", polarity))
    assert named == {"NAC-1-02.6", "NAC-2-08.7", "NAC-3-19.4", "NAC-4-27.5", "NAC-5-30.6"} <= HEADER_ELEMENTS
    elements = _national_elements()
    for short in re.findall(r"\b(\d{1,2}\.\d)\b", polarity):      # 1.5, 13.5/13.6 … written short
        number, position = short.split(".")
        assert any(code.endswith(f"-{int(number):02d}.{position}") for code in HEADER_ELEMENTS), short
    annotated = {code for code, e in elements.items() if "editorial_note" in e}
    assert annotated == HEADER_ELEMENTS


def test_the_annotated_elements_keep_ilpes_spanish_and_have_a_note_in_both_languages():
    with open(REFERENCE, encoding="utf-8") as handle:
        reference = handle.read()
    elements = _national_elements()
    for code in HEADER_ELEMENTS:
        element = elements[code]
        assert element["text"]["es"] in reference, code      # verbatim from the ILPES form
        note = element["editorial_note"]
        assert set(note) == {"es", "en"} and all(len(note[lang]) > 40 for lang in note)
        word = {"negative": ("negativo", "negative"), "positive": ("positivo", "positive")}[element.get("polarity",
                                                                                                      "positive")]
        assert word[0] in note["es"] and word[1] in note["en"], code   # the polarity used is said
    assert "No existe órgano rector" in elements["NAC-1-02.6"]["editorial_note"]["es"]
    assert "No se tienen en cuenta" in elements["NAC-5-30.6"]["editorial_note"]["es"]


def test_api_gives_editorial_note_on_every_criterion_and_element(client):
    data = client.get("/api/v1/models/national").get_json()
    notes = {}
    for dimension in data["dimensions"]:
        for criterion in dimension["criteria"]:
            assert "editorial_note" in criterion and criterion["editorial_note"] is None
            for element in criterion["elements"]:
                assert "editorial_note" in element
                if element["editorial_note"]:
                    notes[element["code"]] = element["editorial_note"]
    assert set(notes) == HEADER_ELEMENTS
    assert notes["NAC-5-30.6"] == _national_elements()["NAC-5-30.6"]["editorial_note"]


def _text(page: str) -> str:
    return html_lib.unescape(re.sub(r"\s+", " ", page))


def test_the_criterion_page_shows_the_note_and_in_english_the_verbatim_spanish(client):
    note = _national_elements()["NAC-1-02.6"]["editorial_note"]
    page = _text(client.get("/catalogue/national/2017/criteria/NAC-1-02").get_data(as_text=True))
    assert note["es"] in page and "Nota editorial" in page
    client.set_cookie("lang", "en", domain="localhost")
    page = _text(client.get("/catalogue/national/2017/criteria/NAC-1-02").get_data(as_text=True))
    assert note["en"] in page
    assert "ILPES's Spanish, verbatim: «Existe órgano rector de planificación o su rol no es claro" in page
    assert note["es"] not in page


def test_the_rating_form_shows_the_note(client, make_user, login_as, make_assessment):  # noqa: F811
    assessment = make_assessment("CRI")
    login_as(make_user("admin"))
    page = _text(client.get(f"/assessments/{assessment.id}/rate/sustainable_agenda").get_data(as_text=True))
    assert _national_elements()["NAC-5-30.6"]["editorial_note"]["es"] in page
    assert _national_elements()["NAC-1-02.6"]["editorial_note"]["es"] not in page   # another dimension


def test_the_scorecard_document_lists_the_notes(app, make_assessment):  # noqa: F811
    from whitepaper.reports import documents
    assessment = make_assessment("CRI", rate="all")
    page = _text(re.sub(r"<[^>]+>", "", documents.scorecard_html(assessment, "en")))
    elements = _national_elements()
    assert "About the texts of this model" in page
    for code in HEADER_ELEMENTS:
        assert f"{code} «{elements[code]['text']['es']}»" in page, code
        assert elements[code]["editorial_note"]["en"] in page
