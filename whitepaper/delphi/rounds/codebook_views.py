"""The systemizing workspace of an open round: codes, codings, answers not codable, and the admin-only
reveal of a pseudonym. Views load, check, call one service, commit once and respond."""
from __future__ import annotations

from flask import abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user

from ... import formatting, permissions
from ...errors import InvalidInput
from ...extensions import db
from ...ids import parse_id
from ...models.delphi import Code, Coding, Pseudonym, Round
from ...redirects import safe_next
from ..blueprint import bp, manage, require, see
from . import codebook, double_coding, lifecycle, queries
from .forms import CodeForm, CodingForm, MergeForm, SplitForm
from .views import managed_answer as _answer_in_round
from .views import round_or_404


@bp.route("/rounds/<int:round_id>/systemize")
def systemize(round_id: int):
    round_ = round_or_404(round_id)
    manage(round_)
    if round_.kind != "open":
        abort(404)
    if double_coding.is_blind(current_user, round_):  # the second coder codes blind: no first coding in sight
        return redirect(url_for("delphi.double_coding_page", round_id=round_.id))
    work = queries.workspace(round_)
    only_uncoded = request.args.get("uncoded") == "1"
    coding_form = CodingForm()
    coding_form.code.choices = [(c.id, formatting.text(c.label)) for c in work.codes]
    return render_template("delphi/systemize.html", round=round_, committee=round_.committee, work=work,
                           only_uncoded=only_uncoded, code_form=CodeForm(), coding_form=coding_form,
                           editable=round_.status in ("open", "closed"))


def _code_or_404(code_id: int | None) -> Code:
    code = db.session.get(Code, code_id) if code_id is not None else None
    if code is None:
        abort(404)
    return code


def _systemize_redirect(round_: Round, anchor: str = ""):
    target = safe_next(request.form.get("back")) or url_for("delphi.systemize", round_id=round_.id)
    return redirect(target + anchor)


@bp.route("/rounds/<int:round_id>/codes", methods=["POST"])
def add_code(round_id: int):
    round_ = round_or_404(round_id)
    manage(round_)
    form = CodeForm()
    if not form.validate_on_submit():
        raise InvalidInput(" ".join(str(e) for errors in form.errors.values() for e in errors))
    code = codebook.add_code(current_user, round_, label_es=form.label_es.data, label_en=form.label_en.data,
                             definition_es=form.definition_es.data, definition_en=form.definition_en.data)
    db.session.commit()
    flash(_("Code “%(label)s” added.", label=formatting.text(code.label)), "success")
    return _systemize_redirect(round_, "#codebook")


@bp.route("/codes/<int:code_id>", methods=["GET", "POST"])
def edit_code(code_id: int):
    code = _code_or_404(code_id)
    round_ = round_or_404(code.codebook.round_id)
    manage(round_)
    require(not double_coding.is_blind(current_user, round_))
    form = CodeForm(data=None if request.method == "POST" else {
        "label_es": code.label.get("es"), "label_en": code.label.get("en"),
        "definition_es": (code.definition or {}).get("es"), "definition_en": (code.definition or {}).get("en")})
    merge = MergeForm()
    merge.target.choices = [(c.id, formatting.text(c.label)) for c in queries.workspace_codes(round_)
                            if c.id != code.id]
    split = SplitForm()
    codings = queries.codings_of(code)
    split.codings.choices = [(c.id, label) for c, label in codings]
    if request.method == "POST" and form.validate_on_submit():
        codebook.edit_code(current_user, code, label_es=form.label_es.data, label_en=form.label_en.data,
                           definition_es=form.definition_es.data, definition_en=form.definition_en.data)
        db.session.commit()
        flash(_("Code saved."), "success")
        return redirect(url_for("delphi.systemize", round_id=round_.id) + "#codebook")
    return render_template("delphi/code.html", round=round_, committee=round_.committee, code=code, form=form,
                           merge=merge, split=split, codings=codings,
                           editable=round_.status in ("open", "closed")), 400 if request.method == "POST" else 200


@bp.route("/codes/<int:code_id>/merge", methods=["POST"])
def merge_code(code_id: int):
    code = _code_or_404(code_id)
    round_ = round_or_404(code.codebook.round_id)
    manage(round_)
    target = _code_or_404(parse_id(request.form.get("target")))
    codebook.merge_codes(current_user, code, target)
    db.session.commit()
    flash(_("Merged into “%(label)s”.", label=formatting.text(target.label)), "success")
    return redirect(url_for("delphi.systemize", round_id=round_.id) + "#codebook")


@bp.route("/codes/<int:code_id>/split", methods=["POST"])
def split_code(code_id: int):
    code = _code_or_404(code_id)
    round_ = round_or_404(code.codebook.round_id)
    manage(round_)
    form = SplitForm()
    new = codebook.split_code(current_user, code, label_es=form.label_es.data or "", label_en=form.label_en.data or "",
                              definition_es=form.definition_es.data or "",
                              definition_en=form.definition_en.data or "",
                              coding_ids=[i for v in request.form.getlist("codings") if (i := parse_id(v))])
    db.session.commit()
    flash(_("Code “%(label)s” split off.", label=formatting.text(new.label)), "success")
    return redirect(url_for("delphi.systemize", round_id=round_.id) + "#codebook")


@bp.route("/answers/<int:answer_id>/codings", methods=["POST"])
def add_coding(answer_id: int):
    answer_, round_ = _answer_in_round(answer_id)
    code = _code_or_404(parse_id(request.form.get("code")))
    if code.codebook.round_id != round_.id:
        raise InvalidInput(_("That code belongs to another round."))
    codebook.assign_code(current_user, answer_, code, request.form.get("fragment"))
    db.session.commit()
    return _systemize_redirect(round_, f"#answer-{answer_.id}")


@bp.route("/codings/<int:coding_id>/delete", methods=["POST"])
def delete_coding(coding_id: int):
    coding = db.session.get(Coding, coding_id)
    if coding is None:
        abort(404)
    answer_, round_ = _answer_in_round(coding.answer_id)
    codebook.remove_coding(current_user, coding)
    db.session.commit()
    return _systemize_redirect(round_, f"#answer-{answer_.id}")


@bp.route("/answers/<int:answer_id>/not-codable", methods=["POST"])
def not_codable(answer_id: int):
    answer_, round_ = _answer_in_round(answer_id)
    codebook.mark_not_codable(current_user, answer_, round_, request.form.get("value", "1") == "1")
    db.session.commit()
    return _systemize_redirect(round_, f"#answer-{answer_.id}")


@bp.route("/rounds/<int:round_id>/pseudonyms/<int:pseudonym_id>/reveal", methods=["POST"])
def reveal(round_id: int, pseudonym_id: int):
    round_ = round_or_404(round_id)
    see(permissions.can_see_round(current_user, round_))
    require(permissions.can_reveal_pseudonym(current_user))
    pseudonym = db.session.get(Pseudonym, pseudonym_id)
    if pseudonym is None or pseudonym.round_id != round_.id:
        abort(404)
    user = lifecycle.reveal_pseudonym(current_user, pseudonym)
    db.session.commit()
    return render_template("delphi/reveal.html", round=round_, committee=round_.committee, pseudonym=pseudonym,
                           user=user)
