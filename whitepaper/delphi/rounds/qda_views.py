"""REFI-QDA downloads and upload for an open round's facilitators: the codebook (.qdc), the coded answers
(.qdpx, pseudonymised) and a .qdc imported into the round's codebook. Views load, check, call one service,
commit once and respond."""
from __future__ import annotations

from flask import Response as HttpResponse
from flask import abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user

from ...errors import InvalidInput
from ...extensions import db
from ...formatting import current_lang
from ..blueprint import bp
from . import double_coding, interchange, qda, queries
from .views import managed_open_round as _open_round


def _lang() -> str:
    lang = request.args.get("lang") or current_lang()
    return lang if lang in interchange.LANGS else "es"


def _download(body: bytes, mimetype: str, filename: str) -> HttpResponse:
    response = HttpResponse(body, mimetype=mimetype)
    response.headers["Content-Disposition"] = f'attachment; filename="{filename}"'
    response.headers["Cache-Control"] = "no-store"
    return response


@bp.route("/rounds/<int:round_id>/codebook.qdc")
def codebook_qdc(round_id: int):
    round_ = _open_round(round_id)
    lang = _lang()
    return _download(interchange.codebook_file(round_, lang), "application/xml",
                     f"{interchange.file_stem(round_)}-codebook-{lang}.qdc")


@bp.route("/rounds/<int:round_id>/coded-answers.qdpx")
def coded_answers_qdpx(round_id: int):
    round_ = _open_round(round_id)
    if double_coding.is_blind(current_user, round_):  # the first coding is out of the blind coder's sight
        abort(403)
    lang = _lang()
    return _download(interchange.project_file(round_, lang), "application/zip",
                     f"{interchange.file_stem(round_)}-answers-{lang}.qdpx")


@bp.route("/rounds/<int:round_id>/codebook/import", methods=["GET", "POST"])
def import_codebook(round_id: int):
    round_ = _open_round(round_id)
    if request.method == "GET":
        return render_template("delphi/codebook_import.html", round=round_, committee=round_.committee,
                               lang=current_lang(), existing=len(queries.workspace_codes(round_)),
                               max_kb=qda.MAX_CODEBOOK_BYTES // 1024)
    upload = request.files.get("codebook")
    if upload is None or not upload.filename:
        raise InvalidInput(_("Choose the codebook file (.qdc) to import."))
    data = upload.read(qda.MAX_CODEBOOK_BYTES + 1)
    added, skipped = interchange.import_codebook(current_user, round_, data, request.form.get("lang", ""),
                                                 confirmed=request.form.get("confirm") == "1")
    db.session.commit()
    flash(_("%(added)d codes imported; %(skipped)d skipped because the codebook already had them.",
            added=added, skipped=skipped), "success")
    return redirect(url_for("delphi.systemize", round_id=round_.id) + "#codebook")
