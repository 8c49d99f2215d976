"""Administration forms."""
from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import (
    BooleanField,
    EmailField,
    SelectField,
    SelectMultipleField,
    StringField,
)
from wtforms.validators import DataRequired, Length
from wtforms.widgets import CheckboxInput, ListWidget

from ..mail import EmailAddress
from ..models import ROLES
from ..navigation import role_label


class MultiCheckbox(SelectMultipleField):
    widget = ListWidget(prefix_label=False)
    option_widget = CheckboxInput()


class UserForm(FlaskForm):
    """Takes the country choices through its constructor (they come from the database)."""
    name = StringField(_l("Name"), validators=[Length(max=200)])
    roles = MultiCheckbox(_l("Roles"), validators=[DataRequired(message=_l("Choose at least one role."))])
    country = SelectField(_l("Country"))
    active = BooleanField(_l("Active account"), default=True)

    def __init__(self, countries, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.roles.choices = [(r, role_label(r)) for r in ROLES]
        self.country.choices = [("", "—")] + countries


class InviteForm(UserForm):
    email = EmailField(_l("E-mail"), validators=[DataRequired(), Length(max=254), EmailAddress()])


class AssignmentForm(FlaskForm):
    """A facilitator's committees (by id) and countries (by ISO code); the choices come from the database."""
    committees = MultiCheckbox(_l("Committees they facilitate"), coerce=int)
    countries = MultiCheckbox(_l("Countries whose self-evaluations they follow"))

    def __init__(self, committees, countries, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.committees.choices = committees
        self.countries.choices = countries
