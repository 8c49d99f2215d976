"""REFI-QDA interchange: the codebook (.qdc) written and read element by element, exported and imported again
with the same codes and definitions; the coded answers (.qdpx) with character offsets and only pseudonyms; the
import's refusals (malformed, wrong namespace, too large, a round that already has codes) and who may use it."""
from __future__ import annotations

import io
import uuid
import zipfile
from datetime import datetime
from xml.etree import ElementTree as ET

import pytest
from sqlalchemy import select

from whitepaper.delphi.rounds import codebook as round_codebook
from whitepaper.delphi.rounds import lifecycle as round_lifecycle
from whitepaper.delphi.rounds import qda
from whitepaper.delphi.rounds import queries as round_queries

from .conftest import answered_open_round, answers_to

CB = "{urn:QDA-XML:codebook:1.0}"
PR = "{urn:QDA-XML:project:1.0}"
TEXTS = ["Coordinación con otros sectores y presupuesto plurianual.", "Participación de las provincias.",
         "Presupuesto ligado al plan.\r\nY evaluación."]


def open_round(db, committee, countries=("CHL", "ARG", "MEX")):
    """An open round answered by one member per country (first question: TEXTS), closed."""
    world = committee("sectoral", countries)
    round_, good, obstacles, ranking = answered_open_round(db, world, TEXTS, "Rotación.")
    world.round_id, world.good, world.obstacles, world.ranking = round_.id, good.id, obstacles.id, ranking.id
    return world


def _sources(xml: bytes) -> bytes:
    return ET.tostring(ET.fromstring(xml).find(PR + "Sources"))


# --- the pure XML -----------------------------------------------------------------------------------------
def test_the_codebook_follows_refi_qda_element_by_element():
    child = qda.QdaCode(guid=str(uuid.uuid4()), name="Hija", codable=True)
    parent = qda.QdaCode(guid=str(uuid.uuid4()), name="Madre <&>", description="Línea 1\r\nlínea 2",
                         codable=False, color="#a1b2c3", children=(child,))
    plain = qda.QdaCode(guid=str(uuid.uuid4()), name="Sin color", color="red")
    root = ET.fromstring(qda.codebook_xml([parent, plain]))
    assert root.tag == CB + "CodeBook"
    codes = list(root)
    assert [c.tag for c in codes] == [CB + "Codes"]
    first, second = list(codes[0])
    assert first.tag == second.tag == CB + "Code"
    assert first.attrib == {"guid": parent.guid, "name": "Madre <&>", "isCodable": "false", "color": "#A1B2C3"}
    assert second.attrib == {"guid": plain.guid, "name": "Sin color", "isCodable": "true"}  # no bad colour
    description, nested = list(first)
    assert description.tag == CB + "Description" and description.text == "Línea 1\nlínea 2"
    assert nested.tag == CB + "Code" and nested.attrib["name"] == "Hija" and list(nested) == []
    assert uuid.UUID(nested.attrib["guid"]) and list(second) == []
    # Read back: the same tree.
    again = qda.parse_codebook(qda.codebook_xml([parent, plain]))
    assert [c.name for c in qda.flatten(again)] == ["Madre <&>", "Hija", "Sin color"]
    assert again[0].codable is False and again[0].color == "#A1B2C3" and again[0].children[0].guid == child.guid
    assert again[0].description == "Línea 1\nlínea 2" and again[1].color is None


@pytest.mark.parametrize("data, reason", [
    (b"<CodeBook xmlns='urn:QDA-XML:codebook:1.0'><Codes>", "not_xml"),
    (b"<CodeBook xmlns='urn:QDA-XML:codebook:0.9'><Codes><Code guid='x' name='a'/></Codes></CodeBook>", "namespace"),
    (b"<CodeBook><Codes><Code name='a'/></Codes></CodeBook>", "namespace"),
    (b"<Project xmlns='urn:QDA-XML:project:1.0' name='p'/>", "namespace"),
    (b"<Codes xmlns='urn:QDA-XML:codebook:1.0'><Code name='a'/></Codes>", "not_codebook"),
    (b"<CodeBook xmlns='urn:QDA-XML:codebook:1.0'/>", "no_codes"),
    (b"<CodeBook xmlns='urn:QDA-XML:codebook:1.0'><Codes/></CodeBook>", "no_codes"),
    (b"<CodeBook xmlns='urn:QDA-XML:codebook:1.0'><Codes><Code guid='x' name=' '/></Codes></CodeBook>", "nameless"),
    (b"<?xml version='1.0'?><!DOCTYPE x [<!ENTITY a 'aaaa'>]><CodeBook xmlns='urn:QDA-XML:codebook:1.0'/>",
     "unsafe"),
    (b"<CodeBook xmlns='urn:QDA-XML:codebook:1.0'><Codes>" + b"<Code name='a'/>" * (qda.MAX_CODES + 1)
     + b"</Codes></CodeBook>", "too_many"),
    (b" " * (qda.MAX_CODEBOOK_BYTES + 1), "too_large"),
])
def test_what_is_not_a_refi_qda_codebook_is_refused_with_its_reason(data, reason):
    with pytest.raises(qda.QdaRefused) as refused:
        qda.parse_codebook(data)
    assert refused.value.reason == reason


def test_offsets_are_characters_of_the_plain_text():
    text = qda.plain_text("Año\r\nñandú\x01 y más")
    assert text == "Año\nñandú\ufffd y más"
    assert qda.selection_span(text, "ñandú") == (4, 9) and text[4:9] == "ñandú"
    assert qda.selection_span(text, None) == (0, len(text))
    assert qda.selection_span(text, "ausente") is None and qda.selection_span(text, "") is None


# --- export and import through the pages --------------------------------------------------------------------
def test_a_codebook_exported_and_imported_again_has_the_same_codes_and_definitions(db, client, login_as, committee):
    from whitepaper.models import Code
    source = open_round(db, committee)
    fac = source.facilitator
    round_ = round_queries.round_detail(source.round_id)
    a = round_codebook.add_code(fac, round_, label_es="Presupuesto", label_en="Budget",
                                definition_es="Plan y gasto", definition_en="Plan and spending")
    b = round_codebook.add_code(fac, round_, label_es="Coordinación", label_en="Coordination")
    gone = round_codebook.add_code(fac, round_, label_es="Gasto")
    round_codebook.merge_codes(fac, gone, a)
    db.session.commit()
    login_as(fac)
    files = {}
    for lang in ("es", "en"):
        response = client.get(f"/committees/rounds/{source.round_id}/codebook.qdc?lang={lang}")
        assert response.status_code == 200 and ".qdc" in response.headers["Content-Disposition"]
        files[lang] = response.data
        root = ET.fromstring(response.data)
        codes = root.find(CB + "Codes").findall(CB + "Code")
        assert [c.get("isCodable") for c in codes] == ["true", "true"]  # the merged code is gone into another
        assert [uuid.UUID(c.get("guid")) for c in codes]
    assert client.get(f"/committees/rounds/{source.round_id}/codebook.qdc?lang=es").data == files["es"]  # stable

    target = open_round(db, committee)
    login_as(target.facilitator)
    for lang in ("es", "en"):
        if lang == "en":  # the second import adds to codes that are there: it needs confirming
            assert client.post(f"/committees/rounds/{target.round_id}/codebook/import", data={
                "codebook": (io.BytesIO(files[lang]), "book.qdc"), "lang": lang}).status_code == 409
        response = client.post(f"/committees/rounds/{target.round_id}/codebook/import", data={
            "codebook": (io.BytesIO(files[lang]), "book.qdc"), "lang": lang, "confirm": "1"})
        assert response.status_code == 302
    imported = db.session.scalars(select(Code).join(Code.codebook).where(
        Code.codebook.has(round_id=target.round_id)).order_by(Code.position)).all()
    assert [(c.label, c.definition) for c in imported] == [
        ({"es": "Presupuesto", "en": ""}, {"es": "Plan y gasto", "en": ""}),
        ({"es": "Coordinación", "en": ""}, {"es": "", "en": ""}),
        ({"es": "", "en": "Budget"}, {"es": "", "en": "Plan and spending"}),
        ({"es": "", "en": "Coordination"}, {"es": "", "en": ""})]
    # Imported again in the same language, nothing new: every label is there already.
    client.post(f"/committees/rounds/{target.round_id}/codebook/import", data={
        "codebook": (io.BytesIO(files["es"]), "book.qdc"), "lang": "es", "confirm": "1"})
    assert len(db.session.scalars(select(Code).where(Code.codebook.has(round_id=target.round_id))).all()) == 4
    page = client.get(f"/committees/rounds/{target.round_id}/codebook/import").get_data(as_text=True)
    assert "This round already has 4 codes." in page and 'name="confirm"' in page


def test_the_import_refuses_bad_files_with_a_clear_message_never_a_500(db, client, login_as, committee):
    world = open_round(db, committee)
    login_as(world.facilitator)
    url = f"/committees/rounds/{world.round_id}/codebook/import"
    assert client.get(url).status_code == 200

    def send(data, lang="es"):
        return client.post(url, data={"codebook": (io.BytesIO(data), "x.qdc"), "lang": lang})
    cases = [(b"<CodeBook", "not well-formed XML"),
             (b"<CodeBook xmlns='urn:other'><Codes><Code name='a'/></Codes></CodeBook>", "urn:QDA-XML:codebook:1.0"),
             (b"<" * (qda.MAX_CODEBOOK_BYTES + 10), "at most 1024 KB")]
    for data, message in cases:
        response = send(data)
        assert response.status_code == 400 and message in response.get_data(as_text=True)
    assert send(qda.codebook_xml([qda.QdaCode("g", "A")]), lang="xx").status_code == 400
    missing = client.post(url, data={"lang": "es"})
    assert missing.status_code == 400 and "Choose the codebook file" in missing.get_data(as_text=True)
    client.set_cookie("lang", "es", domain="localhost")
    spanish = send(b"<CodeBook")
    assert spanish.status_code == 400 and "XML bien formado" in spanish.get_data(as_text=True)


def test_a_published_or_closed_kind_round_takes_no_import(db, client, login_as, committee, closed_round):
    world = open_round(db, committee)
    fac = world.facilitator
    round_ = round_queries.round_detail(world.round_id)
    round_codebook.add_code(fac, round_, label_es="C")
    answers = answers_to(db, world.good) + answers_to(db, world.obstacles)
    code = round_queries.workspace_codes(round_)[0]
    for answer in answers:
        round_codebook.assign_code(fac, answer, code)
    round_lifecycle.publish_round(fac, round_)
    db.session.commit()
    login_as(fac)
    good = qda.codebook_xml([qda.QdaCode("g", "Nuevo")])
    response = client.post(f"/committees/rounds/{world.round_id}/codebook/import",
                           data={"codebook": (io.BytesIO(good), "x.qdc"), "lang": "es", "confirm": "1"})
    assert response.status_code == 409
    assert "no longer change" in client.get(f"/committees/rounds/{world.round_id}/codebook/import").get_data(
        as_text=True)
    assert client.get(f"/committees/rounds/{world.round_id}/codebook.qdc").status_code == 200  # still exportable
    closed = closed_round([[4, 5, 4]], status="closed")
    login_as(closed.facilitator)
    assert client.get(f"/committees/rounds/{closed.round.id}/codebook.qdc").status_code == 404
    from whitepaper.delphi.rounds import interchange
    with pytest.raises(Exception) as refused:
        interchange.import_codebook(closed.facilitator, closed.round, good, "es", confirmed=True)
    assert getattr(refused.value, "status", None) == 400


def test_the_coded_answers_go_out_as_a_qdpx_with_offsets_and_pseudonyms_only(db, client, login_as, committee):
    world = open_round(db, committee)
    fac = world.facilitator
    round_ = round_queries.round_detail(world.round_id)
    budget = round_codebook.add_code(fac, round_, label_es="Presupuesto", definition_es="Plan y gasto")
    coordination = round_codebook.add_code(fac, round_, label_es="Coordinación", label_en="Coordination")
    first, second, third = answers_to(db, world.good)
    round_codebook.assign_code(fac, first, budget, "presupuesto plurianual")
    round_codebook.assign_code(fac, first, coordination)
    round_codebook.assign_code(fac, third, budget, "evaluación")
    db.session.commit()
    login_as(fac)
    response = client.get(f"/committees/rounds/{world.round_id}/coded-answers.qdpx?lang=es")
    assert response.status_code == 200 and response.mimetype == "application/zip"
    archive = zipfile.ZipFile(io.BytesIO(response.data))
    assert archive.namelist() == ["project.qde"]
    raw = archive.read("project.qde")
    root = ET.fromstring(raw)
    assert root.tag == PR + "Project" and root.get("name")
    guids = {c.get("name"): c.get("guid") for c in root.iter(PR + "Code")}
    assert set(guids) == {"Presupuesto", "Coordinación"}
    sources = root.find(PR + "Sources").findall(PR + "TextSource")
    assert len(sources) == 6  # three answers to each open question
    texts = {s.find(PR + "PlainTextContent").text: s for s in sources}
    assert set(TEXTS[:2]) <= set(texts) and "Presupuesto ligado al plan.\nY evaluación." in texts
    found = []
    for text, source in texts.items():
        for selection in source.findall(PR + "PlainTextSelection"):
            start, end = int(selection.get("startPosition")), int(selection.get("endPosition"))
            (coding,) = selection.findall(PR + "Coding")
            (ref,) = coding.findall(PR + "CodeRef")
            name = next(n for n, g in guids.items() if g == ref.get("targetGUID"))
            found.append((text[start:end], name))
    assert sorted(found) == sorted([("presupuesto plurianual", "Presupuesto"), (TEXTS[0], "Coordinación"),
                                    ("evaluación", "Presupuesto")])
    pseudonyms = {p.label for p in round_queries.workspace(round_).pseudonyms}
    assert all(s.get("name").split(" · ")[0] in pseudonyms for s in sources)
    body = raw.decode("utf-8")
    for member in world.members:  # no names, e-mails or countries
        assert member.name not in body and member.email not in body
    for country in ("Chile", "Argentina", "CHL", "ARG", "MEX", "México"):
        assert country not in body
    again = zipfile.ZipFile(io.BytesIO(client.get(
        f"/committees/rounds/{world.round_id}/coded-answers.qdpx?lang=es").data)).read("project.qde")
    assert _sources(again) == _sources(raw)  # the same guids every time


@pytest.mark.parametrize("who, status", [("member", 403), ("observer", 404), ("other_facilitator", 404)])
def test_only_the_committees_facilitators_exchange_codebooks(db, client, login_as, committee, make_user, who,
                                                             status):
    world = open_round(db, committee)
    user = {"member": lambda: world.members[0], "observer": lambda: make_user("observer"),
            "other_facilitator": lambda: make_user("facilitator")}[who]()
    login_as(user)
    rid = world.round_id
    good = qda.codebook_xml([qda.QdaCode("g", "A")])
    assert client.get(f"/committees/rounds/{rid}/codebook.qdc").status_code == status
    assert client.get(f"/committees/rounds/{rid}/coded-answers.qdpx").status_code == status
    assert client.get(f"/committees/rounds/{rid}/codebook/import").status_code == status
    assert client.post(f"/committees/rounds/{rid}/codebook/import",
                       data={"codebook": (io.BytesIO(good), "x.qdc"), "lang": "es"}).status_code == status


def test_observers_of_a_published_round_are_refused_with_403(db, client, login_as, committee, make_user):
    world = open_round(db, committee)
    fac = world.facilitator
    round_ = round_queries.round_detail(world.round_id)
    for answer in answers_to(db, world.good) + answers_to(db, world.obstacles):
        round_codebook.mark_not_codable(fac, answer, round_)
    round_lifecycle.publish_round(fac, round_)
    db.session.commit()
    login_as(make_user("observer"))
    assert client.get(f"/committees/rounds/{world.round_id}/codebook.qdc").status_code == 403


def test_project_xml_writes_the_creation_time_in_utc():
    created = datetime(2026, 1, 2, 3, 4, 5)
    root = ET.fromstring(qda.project_xml("P", [], [], created))
    assert root.get("creationDateTime") == "2026-01-02T03:04:05Z" and root.get("origin") == qda.ORIGIN
