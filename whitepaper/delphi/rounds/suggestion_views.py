"""Suggested codes on the systemizing workspace (only the committee's facilitators, as the workspace itself):
the suggestions of the uncoded answers and the candidate new codes are computed once per page for the
template include delphi/_suggestions.html; one page suggests codes for a chosen fragment; one form accepts or
rejects a suggestion. Views load, check, call one service, commit once and respond."""
from __future__ import annotations

import math
from typing import Optional

from flask import abort, flash, g, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user

from ... import formatting
from ...errors import InvalidInput
from ...extensions import db
from ...ids import parse_id
from ...models.delphi import Code, Round
from ...redirects import safe_next
from ..blueprint import bp
from . import queries, suggestion_service
from .views import managed_answer as _answer_in_round


@bp.app_template_global("code_suggestions")
def code_suggestions(round_: Round, work: queries.Workspace) -> suggestion_service.WorkspaceSuggestions:
    """For the workspace template (which asks only while the codebook may change): computed once per request."""
    cached = getattr(g, "code_suggestions", None)
    if cached is None or cached[0] != round_.id:
        cached = (round_.id, suggestion_service.for_workspace(round_, work))
        g.code_suggestions = cached
    return cached[1]


@bp.route("/answers/<int:answer_id>/suggestions")
def suggest(answer_id: int):
    answer, round_ = _answer_in_round(answer_id)
    if round_.kind != "open":
        abort(404)
    fragment, shown = suggestion_service.for_fragment(round_, answer, request.args.get("fragment"))
    return render_template("delphi/suggest.html", round=round_, committee=round_.committee, answer=answer,
                           fragment=fragment, shown=shown, editable=round_.status in ("open", "closed"))


def _shown_codes(raw: Optional[str]) -> list[int]:
    ids = [parse_id(part) for part in (raw or "").split(",") if part.strip()]
    if any(i is None for i in ids):
        raise InvalidInput(_("The list of suggested codes is not valid."))
    return [i for i in ids if i is not None]


@bp.route("/answers/<int:answer_id>/suggestions", methods=["POST"])
def decide_suggestion(answer_id: int):
    answer, round_ = _answer_in_round(answer_id)
    code_id = parse_id(request.form.get("code"))
    code = db.session.get(Code, code_id) if code_id is not None else None
    if code is None:
        raise InvalidInput(_("Choose one of the suggested codes."))
    choice = request.form.get("decision")
    if choice not in ("accept", "reject"):
        raise InvalidInput(_("Accept or reject the suggestion."))
    try:
        score = float(request.form.get("score") or 0)
    except ValueError:
        score = 0.0
    score = min(max(score, 0.0), 2.0) if math.isfinite(score) else 0.0
    suggestion_service.decide(current_user, round_, answer, code, accept=choice == "accept",
                              fragment=request.form.get("fragment"), shown=_shown_codes(request.form.get("shown")),
                              score=score)
    db.session.commit()
    label = formatting.text(code.label)
    flash(_("Code “%(label)s” assigned.", label=label) if choice == "accept"
          else _("Suggestion “%(label)s” rejected: it will not be suggested again here.", label=label), "success")
    target = safe_next(request.form.get("back")) or url_for("delphi.systemize", round_id=round_.id)
    return redirect(target + f"#answer-{answer.id}")
