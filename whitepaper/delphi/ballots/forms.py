"""Ballot forms. They validate; services write. The voting sheet and the follow-up form are built from a
ballot's items, so they are parsed by functions rather than declared."""
from __future__ import annotations

from typing import Any, Mapping

from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import (
    BooleanField,
    DateTimeLocalField,
    SelectField,
    StringField,
    TextAreaField,
)
from wtforms.validators import DataRequired, Length, Optional, ValidationError

from ...ids import parse_int
from ...models.ballot import RESOLUTION_DECISIONS
from . import tally
from .resolution import FollowUpInput
from .votes import MAX_ANSWER, MAX_REASON, VoteInput


def stage_choices() -> list[tuple[str, Any]]:
    return [("dimensions_levels", _l("(ix) Dimensions by levels")),
            ("criteria", _l("(x) Criteria of each dimension")),
            ("optimal_levels", _l("(xi) Optimal level of each criterion"))]


def unit_choices() -> list[tuple[str, Any]]:
    return [("member", _l("One vote per member")),
            ("country", _l("One vote per country, cast by its designated voting representative"))]


def decision_choices() -> list[tuple[str, Any]]:
    labels = {"accepted": _l("Accepted"), "partially_accepted": _l("Accepted in part"),
              "not_accepted": _l("Not accepted"), "noted": _l("Noted")}
    return [(key, labels[key]) for key in RESOLUTION_DECISIONS]


def _fraction(form, field) -> None:
    text = (field.data or "").strip()
    if not text and not field.flags.required:
        return
    try:
        value = tally.parse_fraction(text)
    except (TypeError, ValueError):
        raise ValidationError(_("Write a fraction such as 2/3.")) from None
    if not 0 <= value <= 1:
        raise ValidationError(_("The fraction lies between 0 and 1."))


class RulesForm(FlaskForm):
    unit = SelectField(_l("Voting unit"), default="member")
    quorum = StringField(_l("Quorum (share of the eligible voters who must vote)"), default="1/2",
                         validators=[DataRequired(), Length(max=20), _fraction])
    threshold = StringField(_l("Approval threshold (share of the votes that are not abstentions)"), default="2/3",
                            validators=[DataRequired(), Length(max=20), _fraction])
    reject_cap = StringField(_l("Cap on rejections (optional, e.g. 1/4)"), validators=[Length(max=20), _fraction])
    is_secret = BooleanField(_l("Secret ballot (otherwise roll-call: each vote is published after closing)"),
                             default=True)
    opens_at = DateTimeLocalField(_l("Opens at (UTC, optional)"), format="%Y-%m-%dT%H:%M", validators=[Optional()])
    closes_at = DateTimeLocalField(_l("Closes at (UTC, optional)"), format="%Y-%m-%dT%H:%M",
                                   validators=[Optional()])

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.unit.choices = unit_choices()

    def rule_texts(self) -> dict[str, Any]:
        return {"unit": self.unit.data, "quorum": self.quorum.data, "threshold": self.threshold.data,
                "reject_cap": self.reject_cap.data, "secret": self.is_secret.data}


class NewBallotForm(RulesForm):
    stage = SelectField(_l("Stage"), default="dimensions_levels")

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.stage.choices = stage_choices()


class CommentAnswerForm(FlaskForm):
    decision = SelectField(_l("Resolution"), validators=[DataRequired()])
    answer = TextAreaField(_l("Answer"), validators=[DataRequired(), Length(max=MAX_ANSWER)])

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.decision.choices = decision_choices()


class ToRoundForm(FlaskForm):
    """Takes the committee's draft closed rounds through its constructor."""
    round_id = SelectField(_l("Round"), validators=[DataRequired()])
    statement_es = TextAreaField(_l("Statement (Spanish)"), validators=[Length(max=5000)])
    statement_en = TextAreaField(_l("Statement (English)"), validators=[Length(max=5000)])

    def __init__(self, rounds: list[tuple[str, str]], *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.round_id.choices = rounds


def _int_or_none(raw: str | None) -> int | None:
    """A whole number written with the digits 0 to 9 (one a database integer column holds), or None."""
    return parse_int(raw, minimum=0, maximum=2 ** 31 - 1)


def parse_votes(form: Mapping[str, str], items: list[Any]) -> tuple[dict[int, VoteInput], dict[int, str]]:
    """Reads the voting sheet: `choice-<id>` (approve, reject, abstain, or empty: not voted), `reason-<id>`,
    `value-<id>` (stage xi: another value). Returns the votes and, per item, what is wrong."""
    votes: dict[int, VoteInput] = {}
    errors: dict[int, str] = {}
    for item in items:
        choice = (form.get(f"choice-{item.id}") or "").strip()
        if not choice:
            continue
        reason = (form.get(f"reason-{item.id}") or "").strip()
        value = _int_or_none(form.get(f"value-{item.id}"))
        if choice not in tally.CHOICES:
            errors[item.id] = _("Choose approve, reject or abstain.")
            continue
        if choice == "reject" and not reason:
            errors[item.id] = _("A rejection needs a reason.")
        elif len(reason) > MAX_REASON:
            errors[item.id] = _("Keep the reason under %(n)d characters.", n=MAX_REASON)
        elif choice == "reject" and value is not None and item.value_max is not None and (
                not 1 <= value <= item.value_max or value == item.proposed_value):
            errors[item.id] = _("Propose a value from 1 to %(max)d other than %(value)d.", max=item.value_max,
                                value=item.proposed_value or 0)
        votes[item.id] = VoteInput(choice, reason or None, value if choice == "reject" else None)
    return votes, errors


def parse_follow_up(form: Mapping[str, str], candidates: list[Any]) -> dict[int, FollowUpInput]:
    """Reads the follow-up form: `include-<id>`, `revised_es-<id>`, `revised_en-<id>`, `value-<id>`."""
    out: dict[int, FollowUpInput] = {}
    for candidate in candidates:
        item = candidate.item
        if not form.get(f"include-{item.id}"):
            continue
        text = {"es": form.get(f"revised_es-{item.id}") or "", "en": form.get(f"revised_en-{item.id}") or ""}
        out[item.id] = FollowUpInput(revised_text=text if (text["es"].strip() or text["en"].strip()) else None,
                                     revised_value=_int_or_none(form.get(f"value-{item.id}")))
    return out
