"""Catalogue forms."""
from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import DateField, StringField
from wtforms.validators import DataRequired, Length


class CrpDecisionForm(FlaskForm):
    decision_date = DateField(_l("Date of the CRP decision"), validators=[DataRequired()])
    reference = StringField(_l("Reference (resolution or minutes)"), validators=[DataRequired(), Length(max=200)])
