"""The XLSX workbook: downloaded and uploaded back, it changes exactly what was edited, through the same rules as
the web form (the scorecard equals the web form's), refuses a tampered, foreign, out-of-list or overgrown
workbook with a precise message and nothing applied, flags what the web changed since the download, and
imports a workshop group's workbook as that group's ratings."""
from __future__ import annotations

import io
import re

import openpyxl
import pytest
from sqlalchemy import func, select

from whitepaper.models import AuditEvent, Criterion, GroupRating, Rating, WorkshopGroup

from ..helpers import csrf_token


def _download(client, a, **params) -> bytes:
    response = client.get(f"/assessments/{a.id}/workbook/download", query_string=params)
    assert response.status_code == 200, response.status_code
    assert response.mimetype.endswith("spreadsheetml.sheet")
    return response.data


def _cell_of(wb, code: str, column: str):
    for ws in wb.worksheets:
        if ws.title == "_meta":
            continue
        for row in range(3, ws.max_row + 1):
            if ws[f"A{row}"].value == code:
                return ws[f"{column}{row}"]
    raise AssertionError(f"{code} not in the workbook")


def _edit(data: bytes, edits: dict[tuple[str, str], object]) -> bytes:
    """Opens the workbook as a person would with a spreadsheet program, sets cells by (code, column), saves."""
    wb = openpyxl.load_workbook(io.BytesIO(data))
    for (code, column), value in edits.items():
        _cell_of(wb, code, column).value = value
    out = io.BytesIO()
    wb.save(out)
    return out.getvalue()


def _upload(client, a, data: bytes, filename: str = "taller.xlsx"):
    return client.post(f"/assessments/{a.id}/workbook/upload", content_type="multipart/form-data",
                       data={"workbook": (io.BytesIO(data), filename)})


def _confirm(client, a, preview, **extra):
    html = preview.get_data(as_text=True)
    token = re.search(r'name="token" value="([0-9a-f]+)"', html).group(1)
    plan = re.search(r'name="plan" value="([0-9a-f]+)"', html).group(1)
    return client.post(f"/assessments/{a.id}/workbook/apply", data={"token": token, "plan": plan, **extra})


def _ratings(db, a) -> dict[str, tuple]:
    db.session.expire_all()
    rows = db.session.execute(select(Criterion.code, Rating).join(Rating, Rating.criterion_id == Criterion.id)
                              .where(Rating.assessment_id == a.id)).all()
    return {code: (r.kind, r.level, r.version, r.justification, r.means_of_verification) for code, r in rows}


def _audit_count(db, action: str | None = None) -> int:
    query = select(func.count()).select_from(AuditEvent)
    if action:
        query = query.where(AuditEvent.action == action)
    return db.session.scalar(query)


def _setup(make_user, login_as, make_assessment, **kwargs):
    assessor = make_user("assessor", country="CRI")
    a = make_assessment(author=assessor, **kwargs)
    login_as(assessor)
    return a, assessor


def test_the_workbook_has_a_sheet_per_dimension_lists_protection_and_a_hidden_sealed_sheet(
        client, db, make_user, login_as, make_assessment, criterion_of):
    a, _user = _setup(make_user, login_as, make_assessment, rate="all")
    wb = openpyxl.load_workbook(io.BytesIO(_download(client, a, lang="es")))
    assert wb.sheetnames[0] == "Instrucciones" and wb.sheetnames[-1] == "_meta"
    assert len(wb.sheetnames) == 2 + 5
    assert wb["_meta"].sheet_state == "hidden"
    meta = {wb["_meta"][f"A{r}"].value: wb["_meta"][f"B{r}"].value for r in range(2, 10)}
    assert meta["assessment"] == a.id and meta["lang"] == "es" and len(meta["checksum"]) == 64
    ws = wb.worksheets[1]
    assert ws.protection.sheet
    assert ws["D2"].value == "Calificación" and ws["E2"].value == "Justificación"
    assert ws["B3"].protection.locked and not ws["D3"].protection.locked and not ws["E3"].protection.locked
    lists = [dv.formula1 for dv in ws.data_validations.dataValidation]
    assert '"presente,ausente"' in lists
    assert '"Por sus elementos de análisis,No aplica,Sin información"' in lists
    criterion = criterion_of(a, ws["A3"].value)
    assert ws["D3"].value == "Por sus elementos de análisis"
    assert ws["A4"].value == criterion.elements[0].code and ws["D4"].value in ("presente", "ausente")
    english = openpyxl.load_workbook(io.BytesIO(_download(client, a, lang="en", blank=1)))
    assert english.sheetnames[0] == "Instructions" and english.worksheets[1]["D2"].value == "Rating"
    assert english.worksheets[1]["D3"].value is None  # blank: no rating
    assert '"present,absent"' in [dv.formula1 for dv in english.worksheets[1].data_validations.dataValidation]


def test_export_then_import_without_changes_changes_nothing(client, db, make_user, login_as, make_assessment):
    a, _user = _setup(make_user, login_as, make_assessment, rate="all")
    before, audits = _ratings(db, a), _audit_count(db)
    data = _download(client, a)
    response = _upload(client, a, _edit(data, {}))  # saved again by a spreadsheet program, nothing edited
    assert response.status_code == 200
    html = response.get_data(as_text=True)
    assert "El libro no cambia nada." in html and 'name="token"' not in html
    assert _ratings(db, a) == before and _audit_count(db) == audits


def test_three_edited_cells_change_exactly_three_ratings_as_the_web_form_would(
        client, db, make_user, login_as, make_assessment, criterion_of):
    a, user = _setup(make_user, login_as, make_assessment, rate="all")
    twin = make_assessment(author=user, rate="all", scope="Costa Rica (twin)")
    before, audits, saves = _ratings(db, a), _audit_count(db), _audit_count(db, "rating.save")
    element = criterion_of(a, "NAC-1-02").elements[0]
    edited = _edit(_download(client, a), {("NAC-1-01", "D"): "No aplica",
                                          (element.code, "D"): "ausente",
                                          ("NAC-2-10", "E"): "Otra justificación del taller."})
    preview = _upload(client, a, edited)
    assert preview.status_code == 200
    html = preview.get_data(as_text=True)
    assert re.findall(r'id="change-([A-Z0-9-]+)"', html) == ["NAC-1-01", "NAC-1-02", "NAC-2-10"]
    assert _ratings(db, a) == before  # the preview applies nothing
    assert _confirm(client, a, preview).status_code == 302
    after = _ratings(db, a)
    assert {code for code in after if after[code] != before[code]} == {"NAC-1-01", "NAC-1-02", "NAC-2-10"}
    assert after["NAC-1-01"][0] == "not_applicable" and after["NAC-1-02"][2] == before["NAC-1-02"][2] + 1
    assert after["NAC-2-10"][3] == "Otra justificación del taller."
    assert _audit_count(db) == audits + 1  # one audited change, no rating.save per criterion
    assert _audit_count(db, "assessment.workbook_import") == 1 and _audit_count(db, "rating.save") == saves
    event = db.session.scalar(select(AuditEvent).where(AuditEvent.action == "assessment.workbook_import"))
    assert sorted(event.after["ratings"]) == ["NAC-1-01", "NAC-1-02", "NAC-2-10"]

    # The same three changes through the web form, on the twin: the same scorecard.
    form_1 = {"choice": "na", "version": "1", "justification": "Justificación del taller.",
              "means_of_verification": "Ley de planificación."}
    c2 = criterion_of(twin, "NAC-1-02")
    form_2 = {"choice": "elements", "version": "1", "justification": "Justificación del taller.",
              "means_of_verification": "Ley de planificación."}
    for i, e in enumerate(c2.elements):
        favourable = i < c2.optimal
        form_2[f"element-{e.position}"] = "present" if favourable == (e.polarity == "positive") else "absent"
    form_2[f"element-{c2.elements[0].position}"] = "absent"
    c3 = criterion_of(twin, "NAC-2-10")
    form_3 = {"choice": "elements", "version": "1", "justification": "Otra justificación del taller.",
              "means_of_verification": "Ley de planificación."}
    for i, e in enumerate(c3.elements):
        form_3[f"element-{e.position}"] = "present" if (i < c3.optimal) == (e.polarity == "positive") else "absent"
    for code, form in (("NAC-1-01", form_1), ("NAC-1-02", form_2), ("NAC-2-10", form_3)):
        assert client.post(f"/assessments/{twin.id}/criteria/{code}", data=form).status_code == 302
    assert _ratings(db, twin) == after
    card = client.get(f"/api/v1/assessments/{a.id}/scorecard").get_json()
    twin_card = client.get(f"/api/v1/assessments/{twin.id}/scorecard").get_json()
    card.pop("assessment"), twin_card.pop("assessment")
    assert card == twin_card
    assert next(c for c in card["criteria"] if c["code"] == "NAC-1-01")["status"] == "not_applicable"
    untouched = client.get(f"/api/v1/assessments/{make_assessment(author=user, rate='all', scope='X').id}"
                           "/scorecard").get_json()
    untouched.pop("assessment")
    assert card["criteria"] != untouched["criteria"]  # the comparison would see a difference


def test_a_level_edit_in_english_is_applied_and_a_cleared_cell_unrates(client, db, make_user, login_as,
                                                                        make_assessment):
    a, _user = _setup(make_user, login_as, make_assessment, model="subnational", scope="Jalisco", rate="all")
    edited = _edit(_download(client, a, lang="en"), {("SUB-1-01", "D"): 1, ("SUB-1-02", "D"): None,
                                                     ("SUB-1-02", "E"): None, ("SUB-1-02", "F"): None})
    assert _confirm(client, a, _upload(client, a, edited)).status_code == 302
    after = _ratings(db, a)
    assert after["SUB-1-01"][:2] == ("value", 1)
    assert after["SUB-1-02"][0] is None and after["SUB-1-02"][3] == ""


def _refused(client, db, a, data, filename="taller.xlsx"):
    before, audits = _ratings(db, a), _audit_count(db)
    response = _upload(client, a, data, filename)
    assert response.status_code == 400
    assert _ratings(db, a) == before and _audit_count(db) == audits
    html = response.get_data(as_text=True)
    assert "nada se aplicó" in html.lower() or "nothing was applied" in html.lower()
    return html


def test_a_tampered_checksum_or_assessment_number_is_refused(client, db, make_user, login_as, make_assessment):
    a, _user = _setup(make_user, login_as, make_assessment, rate="all")
    data = _download(client, a)
    wb = openpyxl.load_workbook(io.BytesIO(data))
    wb["_meta"]["B9"].value = "0" * 64  # the checksum
    out = io.BytesIO()
    wb.save(out)
    html = _refused(client, db, a, out.getvalue())
    assert "La suma de verificación del libro no coincide con su contenido" in html
    wb = openpyxl.load_workbook(io.BytesIO(data))
    wb["_meta"]["B3"].value = a.id + 1  # another assessment's number, checksum left as it was
    out = io.BytesIO()
    wb.save(out)
    assert "La suma de verificación del libro no coincide" in _refused(client, db, a, out.getvalue())


def test_another_assessments_workbook_is_refused(client, db, make_user, login_as, make_assessment):
    a, user = _setup(make_user, login_as, make_assessment, rate="all")
    other = make_assessment(author=user, scope="Costa Rica (otra)")
    html = _refused(client, db, other, _download(client, a))
    assert f"Este libro pertenece a la evaluación número {a.id}, no a la evaluación número {other.id}" in html


def test_a_value_outside_its_list_is_refused_with_sheet_row_and_column(client, db, make_user, login_as,
                                                                       make_assessment, criterion_of):
    a, _user = _setup(make_user, login_as, make_assessment, rate="all")
    element = criterion_of(a, "NAC-1-02").elements[1]
    data = _edit(_download(client, a), {("NAC-1-01", "D"): "Nivel 9", (element.code, "D"): "quizás",
                                        ("NAC-1-03", "I"): "pronto"})
    html = _refused(client, db, a, data)
    wb = openpyxl.load_workbook(io.BytesIO(data))
    sheet = wb.worksheets[1].title
    row_1 = _cell_of(wb, "NAC-1-01", "D").row
    row_e = _cell_of(wb, element.code, "D").row
    row_3 = _cell_of(wb, "NAC-1-03", "I").row
    rows = re.findall(r"<tr><td>([^<]*)</td><td class=\"num\">(\d+)</td><td>([A-Z]) \((.*?)\)</td><td>([^<]*)</td>",
                      html.replace("&#34;", '"'))
    messages = {(r[1], r[2]): r[4] for r in rows if r[0] == sheet}
    assert messages[(str(row_1), "D")].startswith("«Nivel 9» no está en su lista: Por sus elementos")
    assert messages[(str(row_e), "D")].startswith("«quizás» no está en su lista: presente, ausente")
    assert "año-mes-día" in messages[(str(row_3), "I")]


def test_ten_thousand_added_rows_are_refused_from_the_declared_size(client, db, make_user, login_as,
                                                                      make_assessment, monkeypatch):
    a, _user = _setup(make_user, login_as, make_assessment, rate="all")
    wb = openpyxl.load_workbook(io.BytesIO(_download(client, a)))
    ws = wb.worksheets[1]
    last = ws.max_row
    for n in range(10_000):
        ws.append([f"X-{n}", "fila añadida", None, "1"])
    out = io.BytesIO()
    wb.save(out)
    # Count the rows the import reads from the sheets: the added ones are refused before any is read.
    from openpyxl.worksheet._read_only import ReadOnlyWorksheet
    read_rows: dict[str, int] = {}
    original = ReadOnlyWorksheet._cells_by_row

    def counting(self, *args, **kwargs):
        for row in original(self, *args, **kwargs):
            read_rows[self.title] = read_rows.get(self.title, 0) + 1
            yield row
    monkeypatch.setattr(ReadOnlyWorksheet, "_cells_by_row", counting)
    html = _refused(client, db, a, out.getvalue())
    assert re.search(r"La hoja tiene 10.0\d\d filas, pero solo las filas 3 a %d contienen criterios: se agregaron "
                     r"filas\. Nada se aplicó" % last, html)
    assert f"<td>{ws.title}</td>" in html
    assert read_rows.get(ws.title, 0) == 0 and read_rows["_meta"] > 0  # not one row of the grown sheet was read


def test_a_file_that_is_not_an_xlsx_workbook_is_refused(client, db, make_user, login_as, make_assessment):
    a, _user = _setup(make_user, login_as, make_assessment)
    assert "no es un libro de Excel (.xlsx)" in _refused(client, db, a, b"codigo;calificacion\n", "taller.csv")
    assert "no es un libro de Excel (.xlsx)" in _refused(client, db, a, _download(client, a), "taller.xls")
    assert "no es un libro de Excel (.xlsx)" in _refused(client, db, a, b"PK\x03\x04 not really", "taller.xlsx")


def test_criteria_changed_on_the_web_after_the_download_are_flagged_and_kept_unless_overwritten(
        client, db, make_user, login_as, make_assessment):
    a, _user = _setup(make_user, login_as, make_assessment, rate="all")
    data = _edit(_download(client, a), {("NAC-1-01", "E"): "Del libro.", ("NAC-1-03", "E"): "También del libro."})
    web = {"choice": "na", "version": "1", "justification": "Cambiado en la web."}
    assert client.post(f"/assessments/{a.id}/criteria/NAC-1-01", data=web).status_code == 302
    preview = _upload(client, a, data)
    html = preview.get_data(as_text=True)
    assert re.search(r'<tr class="conflict" id="change-NAC-1-01">', html)
    assert '<tr id="change-NAC-1-03">' in html
    assert _confirm(client, a, preview).status_code == 302
    after = _ratings(db, a)
    assert after["NAC-1-01"][3] == "Cambiado en la web." and after["NAC-1-03"][3] == "También del libro."
    event = db.session.scalar(select(AuditEvent).where(AuditEvent.action == "assessment.workbook_import"))
    assert event.after["kept_from_web"] == ["NAC-1-01"]

    preview = _upload(client, a, data)  # again, and this time the workbook wins
    assert _confirm(client, a, preview, overwrite="y").status_code == 302
    assert _ratings(db, a)["NAC-1-01"][3] == "Del libro."


def test_a_change_on_the_web_between_preview_and_confirmation_asks_again(client, db, make_user, login_as,
                                                                         make_assessment):
    a, _user = _setup(make_user, login_as, make_assessment, rate="all")
    preview = _upload(client, a, _edit(_download(client, a), {("NAC-1-01", "E"): "Del libro."}))
    web = {"choice": "na", "version": "1", "justification": "Cambiado en la web."}
    assert client.post(f"/assessments/{a.id}/criteria/NAC-1-01", data=web).status_code == 302
    response = _confirm(client, a, preview)
    assert response.status_code == 409
    assert _ratings(db, a)["NAC-1-01"][3] == "Cambiado en la web."


def test_a_group_workbook_is_imported_as_that_groups_ratings(client, db, make_user, login_as, make_assessment):
    a, _user = _setup(make_user, login_as, make_assessment, model="subnational", scope="Jalisco",
                      groups=["Grupo A", "Grupo B"], rate="all")
    group_b = db.session.scalar(select(WorkshopGroup).where(WorkshopGroup.assessment_id == a.id,
                                                            WorkshopGroup.name == "Grupo B"))
    consolidated = _ratings(db, a)
    data = _download(client, a, group=group_b.id, blank=1)
    wb = openpyxl.load_workbook(io.BytesIO(data))
    assert wb.worksheets[1]["E2"].value == "Los motivos del grupo" and wb.worksheets[1]["F2"].value is None
    edited = _edit(data, {("SUB-1-01", "D"): 2, ("SUB-1-01", "E"): "El grupo B opina 2."})
    preview = _upload(client, a, edited)
    assert "Grupo B" in preview.get_data(as_text=True)
    assert _confirm(client, a, preview).status_code == 302
    db.session.expire_all()
    rows = db.session.scalars(select(GroupRating).join(WorkshopGroup).where(WorkshopGroup.assessment_id == a.id)).all()
    assert [(r.group_id, r.kind, r.level, r.justification) for r in rows] == [
        (group_b.id, "value", 2, "El grupo B opina 2.")]
    assert _ratings(db, a) == consolidated  # the consolidated ratings are not touched


def test_another_countrys_assessor_gets_no_workbook(client, db, make_user, login_as, make_assessment):
    a, _user = _setup(make_user, login_as, make_assessment, rate="all")
    data = _download(client, a)
    login_as(make_user("assessor", country="CHL"))
    assert client.get(f"/assessments/{a.id}/workbook").status_code == 404
    assert client.get(f"/assessments/{a.id}/workbook/download").status_code == 404
    before = _ratings(db, a)
    assert _upload(client, a, _edit(data, {("NAC-1-01", "D"): "No aplica"})).status_code == 404
    assert _ratings(db, a) == before


def test_a_submitted_assessment_takes_no_workbook(client, db, make_user, login_as, make_assessment):
    a, _user = _setup(make_user, login_as, make_assessment, rate="all", status="submitted")
    assert client.get(f"/assessments/{a.id}/workbook/download").status_code == 409
    detail = client.get(f"/assessments/{a.id}").get_data(as_text=True)
    assert 'id="open-workbook"' not in detail


def test_the_draft_page_links_to_the_workbook_and_the_upload_needs_the_csrf_token(
        app, client, db, make_user, login_as, make_assessment):
    a, _user = _setup(make_user, login_as, make_assessment, rate="all")
    assert 'id="open-workbook"' in client.get(f"/assessments/{a.id}").get_data(as_text=True)
    data = _edit(_download(client, a), {("NAC-1-01", "D"): "No aplica"})
    app.config["WTF_CSRF_ENABLED"] = True
    before = _ratings(db, a)
    assert _upload(client, a, data).status_code == 400
    token = csrf_token(client, f"/assessments/{a.id}/workbook")
    response = client.post(f"/assessments/{a.id}/workbook/upload", content_type="multipart/form-data",
                           data={"workbook": (io.BytesIO(data), "taller.xlsx"), "csrf_token": token})
    assert response.status_code == 200 and 'id="change-NAC-1-01"' in response.get_data(as_text=True)
    html = response.get_data(as_text=True)
    plan = re.search(r'name="plan" value="([0-9a-f]+)"', html).group(1)
    tok = re.search(r'name="token" value="([0-9a-f]+)"', html).group(1)
    assert client.post(f"/assessments/{a.id}/workbook/apply", data={"token": tok, "plan": plan}).status_code == 400
    assert _ratings(db, a) == before
    assert client.post(f"/assessments/{a.id}/workbook/apply",
                       data={"token": tok, "plan": plan, "csrf_token": token}).status_code == 302
    assert _ratings(db, a)["NAC-1-01"][0] == "not_applicable"


@pytest.mark.parametrize("value", ["=1+1", "@SUM(A1)", "texto\x01con control"])
def test_texts_that_look_like_formulas_stay_texts_and_round_trip(client, db, make_user, login_as, make_assessment,
                                                                 value):
    a, _user = _setup(make_user, login_as, make_assessment, rate="all")
    form = {"choice": "na", "version": "1", "justification": value}
    assert client.post(f"/assessments/{a.id}/criteria/NAC-1-01", data=form).status_code == 302
    data = _download(client, a)
    cell = _cell_of(openpyxl.load_workbook(io.BytesIO(data)), "NAC-1-01", "E")
    assert cell.value == value.replace("\x01", "") and cell.data_type == "s"
    if "\x01" not in value:  # a control character cannot be in a cell: that one text differs, as it must
        html = _upload(client, a, data).get_data(as_text=True)
        assert "El libro no cambia nada." in html


def _damage(data: bytes, how: str) -> bytes:
    wb = openpyxl.load_workbook(io.BytesIO(data))
    ws = wb.worksheets[1]
    if how == "no_meta":
        del wb["_meta"]
    elif how == "meta_format":
        wb["_meta"]["B2"].value = "otro-formato"
    elif how == "meta_number":
        wb["_meta"]["B3"].value = "tres"
    elif how == "renamed":
        ws.title = "Otra hoja"
    elif how == "moved":
        ws["A3"].value = "NAC-9-99"
    elif how == "added":
        ws.cell(ws.max_row + 2, 5).value = "una nota al pie"
    out = io.BytesIO()
    wb.save(out)
    return out.getvalue()


@pytest.mark.parametrize("how, message", [
    ("no_meta", "Este libro no se descargó de la plataforma (o se eliminó su hoja oculta «_meta»)"),
    ("meta_format", "La hoja oculta del libro fue alterada, así que la plataforma no puede saber"),
    ("meta_number", "La hoja oculta del libro fue alterada, así que la plataforma no puede saber"),
    ("renamed", "Falta la hoja «Marco institucional»: las hojas no se pueden renombrar ni eliminar."),
    ("moved", "Esta fila debería ser NAC-1-01 pero contiene «NAC-9-99»: se movieron filas"),
    ("added", "Esta fila no es parte del libro: no se pueden agregar filas. Elimínela."),
])
def test_a_damaged_workbook_is_refused_with_a_precise_message(client, db, make_user, login_as, make_assessment,
                                                              how, message):
    a, _user = _setup(make_user, login_as, make_assessment, rate="all")
    html = _refused(client, db, a, _damage(_download(client, a), how))
    assert message in html.replace("&#34;", '"')


def test_an_empty_or_oversized_file_is_refused(app, client, db, make_user, login_as, make_assessment):
    a, _user = _setup(make_user, login_as, make_assessment)
    assert "El archivo «vacio.xlsx» está vacío." in _refused(client, db, a, b"", "vacio.xlsx")
    data = _download(client, a)
    app.config["MAX_UPLOAD_MB"] = 0
    assert "un libro puede pesar como máximo 0 MB" in _refused(client, db, a, data)
    response = client.post(f"/assessments/{a.id}/workbook/upload", data={})
    assert response.status_code == 400 and "Elija el libro que va a subir." in response.get_data(as_text=True)


def test_a_save_between_the_plan_and_its_application_refuses_the_whole_import(client, db, make_user, login_as,
                                                                              make_assessment):
    from whitepaper.assessment import services
    from whitepaper.assessment.workbook import importer
    a, user = _setup(make_user, login_as, make_assessment, rate="all")
    data = _edit(_download(client, a), {("NAC-1-01", "E"): "Del libro.", ("NAC-1-03", "E"): "Del libro, 3."})
    the_plan = importer.plan(a, "taller.xlsx", data)
    assert [c.code for c in the_plan.changes] == ["NAC-1-01", "NAC-1-03"]
    web = {"choice": "na", "version": "1", "justification": "Cambiado en la web."}
    assert client.post(f"/assessments/{a.id}/criteria/NAC-1-03", data=web).status_code == 302
    before, audits = _ratings(db, a), _audit_count(db)
    with pytest.raises(services.RatingConflict):
        importer.apply(user, a, the_plan, overwrite=True)
    db.session.rollback()
    assert _ratings(db, a) == before and _audit_count(db) == audits  # NAC-1-01 too: one transaction
