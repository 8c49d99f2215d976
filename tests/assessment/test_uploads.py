"""Evidence files: the type is checked by content, oversize and wrong-type files are refused with a clear message
and the rest of the form is kept; accepted files are stored under random names outside the web root."""
from __future__ import annotations

import io
import zipfile

import pytest

from whitepaper.assessment import uploads
from whitepaper.models import Evidence, Rating


def _zip(members: dict[str, bytes]) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        for name, data in members.items():
            archive.writestr(name, data)
    return buffer.getvalue()


DOCX = _zip({"[Content_Types].xml": b"<Types/>", "word/document.xml": b"<w:document/>"})
XLSX = _zip({"[Content_Types].xml": b"<Types/>", "xl/workbook.xml": b"<workbook/>"})
ODT = _zip({"mimetype": b"application/vnd.oasis.opendocument.text", "content.xml": b"<office/>"})
PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 32
JPEG = b"\xff\xd8\xff\xe0" + b"\x00" * 32


@pytest.mark.parametrize("name, data, content_type", [
    ("informe.pdf", b"%PDF-1.7\n...", "application/pdf"),
    ("foto.PNG", PNG, "image/png"),
    ("foto.jpeg", JPEG, "image/jpeg"),
    ("notas.txt", "Acta del taller: ñandú".encode(), "text/plain"),
    ("datos.csv", "año;valor\n2020;3\n".encode("cp1252"), "text/csv"),
    ("ley.docx", DOCX, uploads.ACCEPTED["docx"][0]),
    ("metas.xlsx", XLSX, uploads.ACCEPTED["xlsx"][0]),
    ("acta.odt", ODT, uploads.ACCEPTED["odt"][0]),
])
def test_accepted_types_are_recognised_by_their_content(name, data, content_type):
    assert uploads.sniff(name, data).content_type == content_type


@pytest.mark.parametrize("name, data", [
    ("programa.exe", b"MZ\x90\x00\x03\x00\x00\x00"),
    ("programa.pdf", b"MZ\x90\x00\x03\x00\x00\x00"),  # a name that lies about the content
    ("informe.png", b"%PDF-1.7\n"),  # a real PDF with a wrong extension
    ("archivo.zip", _zip({"a.txt": b"x"})),
    ("falso.docx", _zip({"a.txt": b"x"})),
    ("binario.txt", b"\x00\x01\x02\x03"),
    ("vacio.pdf", b""),
    ("sin-extension", b"%PDF-1.7\n"),
])
def test_other_content_is_refused(name, data):
    assert uploads.sniff(name, data) is None


def test_stored_names_are_random_and_never_paths(tmp_path):
    first, second = uploads.store(str(tmp_path), b"a"), uploads.store(str(tmp_path), b"a")
    assert first != second and len(first) == 32
    with pytest.raises(ValueError):
        uploads.path_of(str(tmp_path), "../etc/passwd")
    assert uploads.safe_filename("C:\\temp\\..\\mi \"informe\".pdf") == "mi informe.pdf"


def _post(client, a, file, **fields):
    data = {"choice": "3", "version": "0", "justification": "Lo que escribimos en el taller",
            "means_of_verification": "Decreto 123", "action_what": "Mejorar el plan", **fields,
            "evidence_file": file}
    return client.post(f"/assessments/{a.id}/criteria/SUB-1-01", data=data, content_type="multipart/form-data")


def _kept(page: str) -> bool:
    return ("Lo que escribimos en el taller" in page and "Decreto 123" in page and "Mejorar el plan" in page
            and 'value="3" id="SUB-1-01-l3" checked' in page)


def test_a_file_of_the_wrong_type_is_refused_and_the_form_is_kept(client, db, make_user, login_as,
                                                                  make_assessment):
    assessor = make_user("assessor", country="CRI")
    a = make_assessment(model="subnational", scope="Jalisco", author=assessor)
    login_as(assessor)
    response = _post(client, a, (io.BytesIO(b"MZ\x90\x00 not a document"), "planilla.exe"))
    assert response.status_code == 400
    page = response.get_data(as_text=True)
    assert "planilla.exe" in page and "PDF" in page and "DOCX" in page
    assert _kept(page)
    assert db.session.scalar(db.select(db.func.count()).select_from(Rating)) == 0
    assert db.session.scalar(db.select(db.func.count()).select_from(Evidence)) == 0


def test_an_oversize_file_is_refused_with_the_limit_and_the_form_is_kept(app, client, db, make_user, login_as,
                                                                         make_assessment):
    app.config["MAX_UPLOAD_MB"] = 1
    assessor = make_user("assessor", country="CRI")
    a = make_assessment(model="subnational", scope="Jalisco", author=assessor)
    login_as(assessor)
    big = b"%PDF-1.7\n" + b"0" * (3 * 1024 * 1024 // 2)
    response = _post(client, a, (io.BytesIO(big), "anexo.pdf"))
    assert response.status_code == 413  # the trust issue: an evidence file over MAX_UPLOAD_MB is a 413
    page = response.get_data(as_text=True)
    assert "anexo.pdf" in page and "1,5 MB" in page.replace("1.5", "1,5") and " 1 MB" in page
    assert _kept(page)
    assert db.session.scalar(db.select(db.func.count()).select_from(Evidence)) == 0

    # the same form with an acceptable file goes through
    ok = _post(client, a, (io.BytesIO(b"%PDF-1.7\nsmall"), "anexo.pdf"))
    assert ok.status_code == 302
    evidence = db.session.scalar(db.select(Evidence))
    assert (evidence.filename, evidence.size, evidence.content_type) == ("anexo.pdf", 14, "application/pdf")
