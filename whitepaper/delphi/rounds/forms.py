"""Forms of the rounds: settings, codes and codings, closed items, and the parsing of a member's answers."""
from __future__ import annotations

from typing import Any, Mapping

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import (
    BooleanField,
    DateTimeLocalField,
    IntegerField,
    SelectField,
    SelectMultipleField,
    StringField,
    TextAreaField,
)
from wtforms.validators import DataRequired, Length, NumberRange, Optional
from wtforms.widgets import CheckboxInput, ListWidget

from ...errors import InvalidInput
from .answers import AnswerInput


class MultiCheckbox(SelectMultipleField):
    widget = ListWidget(prefix_label=False)
    option_widget = CheckboxInput()


def rule_choices() -> list[tuple[str, Any]]:
    return [("default", _l("Default: at least 75 % agree and IQR ≤ 1 (5-point scale)")),
            ("70_15", _l("70/15: at least 70 % rate 7–9 and under 15 % rate 1–3 (9-point scale)")),
            ("rand_ucla", _l("RAND/UCLA appropriateness: median and disagreement index (9-point scale)")),
            ("iqr1_sd15", _l("IQR ≤ 1 or SD ≤ 1.5 (5-point scale)"))]


class RoundSettingsForm(FlaskForm):
    scale = SelectField(_l("Agreement scale"), default="5")
    rule = SelectField(_l("Consensus rule"), default="default")
    band_low = IntegerField(_l("Agreement band: from"), validators=[Optional(), NumberRange(min=1, max=9)])
    band_high = IntegerField(_l("Agreement band: to"), validators=[Optional(), NumberRange(min=1, max=9)])
    closes_at = DateTimeLocalField(_l("Closes at (UTC)"), format="%Y-%m-%dT%H:%M", validators=[Optional()])
    realtime = BooleanField(_l("Real-time: members who have answered a statement see the group's current "
                               "aggregate (closed rounds only; fixed once the round opens)"))

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.scale.choices = [("5", _l("5 points")), ("9", _l("9 points"))]
        self.rule.choices = rule_choices()

    def band(self) -> tuple[int, int] | None:
        if self.band_low.data is None and self.band_high.data is None:
            return None
        if self.band_low.data is None or self.band_high.data is None:
            raise InvalidInput(str(_l("Give both ends of the agreement band, or neither for the default.")))
        return (self.band_low.data, self.band_high.data)


class NewRoundForm(RoundSettingsForm):
    kind = SelectField(_l("Kind of round"))

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.kind.choices = [("open", _l("Open (the three questions of round 1)")),
                             ("closed", _l("Closed (agreement and ranking items)"))]


class CodeForm(FlaskForm):
    label_es = StringField(_l("Label (Spanish)"), validators=[Length(max=200)])
    label_en = StringField(_l("Label (English)"), validators=[Length(max=200)])
    definition_es = TextAreaField(_l("Definition (Spanish)"), validators=[Length(max=1000)])
    definition_en = TextAreaField(_l("Definition (English)"), validators=[Length(max=1000)])


class SplitForm(CodeForm):
    codings = MultiCheckbox(_l("Codings that move to the new code"), coerce=int)


class MergeForm(FlaskForm):
    target = SelectField(_l("Merge into"), coerce=int, validators=[DataRequired()])


class CodingForm(FlaskForm):
    code = SelectField(_l("Code"), coerce=int, validators=[DataRequired()])
    fragment = TextAreaField(_l("Fragment (leave empty for the whole answer)"), validators=[Length(max=2000)])


class ItemForm(FlaskForm):
    text_es = TextAreaField(_l("Text (Spanish)"), validators=[Length(max=5000)])
    text_en = TextAreaField(_l("Text (English)"), validators=[Length(max=5000)])
    allow_dont_know = BooleanField(_l("Allow “don't know”"), default=True)

    def text(self) -> dict[str, str]:
        return {"es": self.text_es.data or "", "en": self.text_en.data or ""}


class RankingItemForm(ItemForm):
    source = SelectField(_l("Options"), default="codes")
    codes = MultiCheckbox(_l("Codes"), coerce=int)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.source.choices = [("codes", _l("The codes chosen below")), ("dimensions", _l("The five dimensions"))]


def _int_or_none(value: str | None) -> int | None:
    value = (value or "").strip()
    if not value:
        return None
    try:
        return int(value)
    except ValueError:
        raise InvalidInput(str(_l("A rating or rank must be a whole number."))) from None


def parse_answers(form: Mapping[str, str], items: list[Any]) -> dict[int, AnswerInput]:
    """Reads the answer form: `text-<id>`, `rating-<id>` (a number or "dk"), `rank-<id>-<option>`,
    `comment-<id>`. The service checks the values against the round."""
    out: dict[int, AnswerInput] = {}
    for item in items:
        prefix = str(item.id)
        value = AnswerInput(comment=form.get(f"comment-{prefix}"))
        if item.kind == "open_text":
            value.text = form.get(f"text-{prefix}")
        elif item.kind == "agreement":
            raw = (form.get(f"rating-{prefix}") or "").strip()
            if raw == "dk":
                value.dont_know = True
            else:
                value.rating = _int_or_none(raw)
        else:
            value.ranking = {key: rank for key in item.option_keys
                             if (rank := _int_or_none(form.get(f"rank-{prefix}-{key}"))) is not None}
        out[item.id] = value
    return out
