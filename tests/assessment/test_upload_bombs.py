"""Office documents are zip archives, checked by streaming before anything reads them: at most 50 MB unpacked, at
most 100 times their own size, at most 1,000 parts; otherwise refused with a message, and nothing is stored. A
file over MAX_UPLOAD_MB is refused with 413 and the limit."""
from __future__ import annotations

import io
import os
import tracemalloc
import zipfile

import pytest

from whitepaper.assessment import uploads
from whitepaper.models import Evidence

MB = 1024 * 1024


def _archive(members: dict[str, tuple[bytes, int]], *, stored: tuple[str, ...] = ()) -> bytes:
    """A zip whose member `name` holds `chunk` repeated `times`, written a chunk at a time (never whole)."""
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        for name, (chunk, times) in members.items():
            info = zipfile.ZipInfo(name)
            info.compress_type = zipfile.ZIP_STORED if name in stored else zipfile.ZIP_DEFLATED
            with archive.open(info, "w", force_zip64=True) as stream:
                for _ in range(times):
                    stream.write(chunk)
    return buffer.getvalue()


def _odt(content: tuple[bytes, int]) -> bytes:
    return _archive({"mimetype": (uploads.ODT_MIMETYPE, 1), "content.xml": content}, stored=("mimetype",))


@pytest.fixture(scope="module")
def odt_bomb() -> bytes:
    """About 300 KB that unpacks to 300 MB."""
    return _odt((b"\0" * MB, 300))


VALID_DOCX = _archive({"[Content_Types].xml": (b"<Types/>", 1),
                       "word/document.xml": (b"<w:document><w:p>Acta del taller</w:p></w:document>", 1)})


def test_a_300_kb_odt_that_unpacks_to_300_mb_is_refused_without_unpacking_it(odt_bomb):
    assert len(odt_bomb) < 400 * 1024
    tracemalloc.start()
    try:
        problem = uploads.archive_problem(odt_bomb)
        kind = uploads.sniff("acta.odt", odt_bomb)
        _size, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert problem == uploads.TOO_LARGE_UNPACKED and kind is None
    assert peak < 2 * MB, peak


def test_a_mimetype_member_that_unpacks_to_60_mb_is_never_read_whole():
    """The member sniff() reads to tell an ODT is itself a bomb: it is refused and never held in memory."""
    bomb = _archive({"mimetype": (uploads.ODT_MIMETYPE + b" " * (MB - len(uploads.ODT_MIMETYPE)), 60)})
    tracemalloc.start()
    try:
        kind = uploads.sniff("acta.odt", bomb)
        _size, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert kind is None
    assert peak < 2 * MB, peak


def test_members_are_measured_by_streaming_never_read_whole():
    """An honest 6 MB member (incompressible, within every limit) is decompressed in small reads."""
    noise = os.urandom(MB)
    document = _archive({"[Content_Types].xml": (b"<Types/>", 1), "word/document.xml": (b"<w:document/>", 1),
                         "word/media/photo.bin": (noise, 6)})
    tracemalloc.start()
    try:
        problem = uploads.archive_problem(document)
        _size, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert problem is None
    assert peak < 2 * MB, peak


@pytest.mark.parametrize("data, problem", [
    (_archive({"content.xml": (b"<p>" + b"a" * 4093, 2048)}), uploads.TOO_COMPRESSED),   # 8 MB from ~25 KB
    (_archive({"[Content_Types].xml": (b"<Types/>", 1),
               **{f"xl/worksheets/sheet{n}.xml": (b"<x/>", 1) for n in range(1001)}}), uploads.TOO_MANY_MEMBERS),
    (b"PK\x03\x04 not really a zip", uploads.UNREADABLE),
    (VALID_DOCX, None),
], ids=["compressed-more-than-100-to-1", "more-than-1000-members", "damaged", "valid-docx"])
def test_archive_limits(data, problem):
    assert uploads.archive_problem(data) == problem


def test_the_archive_limits_are_the_documented_ones():
    assert (uploads.MAX_UNPACKED_BYTES, uploads.MAX_RATIO, uploads.MAX_MEMBERS) == (50 * MB, 100, 1000)


def _post(client, assessment, name: str, data: bytes):
    return client.post(f"/assessments/{assessment.id}/criteria/SUB-1-01", content_type="multipart/form-data", data={
        "choice": "3", "version": "0", "justification": "Lo que escribimos en el taller",
        "means_of_verification": "Decreto 123", "evidence_file": (io.BytesIO(data), name)})


@pytest.fixture
def assessor_form(app, client, make_user, login_as, make_assessment, tmp_path):
    app.config["UPLOAD_FOLDER"] = str(tmp_path)
    assessor = make_user("assessor", country="CRI")
    assessor.locale = "en"
    assessment = make_assessment(model="subnational", scope="Jalisco", author=assessor)
    login_as(assessor)
    return assessment


@pytest.mark.parametrize("name, make, words", [
    ("acta.odt", lambda bomb: bomb, "more than 50 MB"),
    ("metas.xlsx", lambda _bomb: _archive({"[Content_Types].xml": (b"<Types/>", 1), "xl/workbook.xml": (b"<w/>", 1),
                                           **{f"xl/s{n}.xml": (b"<x/>", 1) for n in range(1001)}}),
     "more than 1,000 parts"),
    ("ley.docx", lambda _bomb: _archive({"[Content_Types].xml": (b"<Types/>", 1),
                                         "word/document.xml": (b"<w:p>" + b"a" * 4091, 2048)}),
     "more than 100 times its size"),
], ids=["odt-300-mb", "xlsx-1001-parts", "docx-ratio"])
def test_a_zip_bomb_evidence_file_is_refused_with_a_message_and_nothing_is_stored(
        app, client, db, assessor_form, tmp_path, odt_bomb, name, make, words):
    response = _post(client, assessor_form, name, make(odt_bomb))
    assert response.status_code == 400
    page = response.get_data(as_text=True)
    assert name in page and words in page and "nothing was saved" in page
    assert "Lo que escribimos en el taller" in page  # the rest of the form is kept
    assert db.session.scalar(db.select(db.func.count()).select_from(Evidence)) == 0
    assert os.listdir(tmp_path) == []


def test_a_valid_small_document_is_stored(app, client, db, assessor_form, tmp_path):
    response = _post(client, assessor_form, "ley.docx", VALID_DOCX)
    assert response.status_code == 302, response.get_data(as_text=True)
    evidence = db.session.scalar(db.select(Evidence))
    assert (evidence.filename, evidence.size) == ("ley.docx", len(VALID_DOCX))
    assert os.listdir(tmp_path) == [evidence.stored_name]


def test_an_evidence_file_over_the_size_limit_is_refused_with_413_and_the_limit(app, client, db, assessor_form,
                                                                                tmp_path):
    app.config["MAX_UPLOAD_MB"] = 1
    response = _post(client, assessor_form, "anexo.pdf", b"%PDF-1.7\n" + b"0" * (3 * MB // 2))
    assert response.status_code == 413
    page = response.get_data(as_text=True)
    assert "anexo.pdf" in page and "at most 1 MB" in page
    assert "Lo que escribimos en el taller" in page
    assert os.listdir(tmp_path) == []


def test_a_request_beyond_what_the_server_reads_is_refused_with_413_and_the_limit(app, client, assessor_form):
    app.config["MAX_UPLOAD_MB"] = 1
    response = _post(client, assessor_form, "anexo.pdf", b"%PDF-1.7\n" + b"0" * (6 * MB))
    assert response.status_code == 413
    assert "at most 1 MB" in response.get_data(as_text=True)
