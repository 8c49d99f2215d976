"""Forms of the committee pages: adding and editing members."""
from __future__ import annotations

from typing import Any

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import BooleanField, EmailField, SelectField, StringField
from wtforms.validators import DataRequired, Length

from ..mail import EmailAddress


def role_choices(with_facilitator: bool = True) -> list[tuple[str, Any]]:
    return [("member", _l("Member"))] + ([("facilitator", _l("Facilitator"))] if with_facilitator else [])


class MemberForm(FlaskForm):
    """Takes the country choices through its constructor (they come from the database); the facilitator role is
    offered only to those who may assign facilitators."""
    email = EmailField(_l("E-mail"), validators=[DataRequired(), Length(max=254), EmailAddress()])
    name = StringField(_l("Name"), validators=[Length(max=200)])
    role = SelectField(_l("Role on the committee"), default="member")
    country = SelectField(_l("Country"))
    expertise = StringField(_l("Expertise"), validators=[Length(max=300)])
    is_voting_representative = BooleanField(_l("Voting representative of their country"))

    def __init__(self, countries, *args, with_facilitator: bool = True, **kwargs):
        super().__init__(*args, **kwargs)
        self.role.choices = role_choices(with_facilitator)
        self.country.choices = [("", "—")] + countries


class MembershipForm(FlaskForm):
    country = SelectField(_l("Country"))
    expertise = StringField(_l("Expertise"), validators=[Length(max=300)])
    is_voting_representative = BooleanField(_l("Voting representative of their country"))

    def __init__(self, countries, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.country.choices = [("", "—")] + countries
