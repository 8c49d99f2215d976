"""Forms of the self-evaluation: the assessment's setup, the review, and the parser of a criterion's rating
form (its fields depend on the criterion, so it is parsed by hand rather than declared)."""
from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from typing import Any, Mapping

from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import BooleanField, IntegerField, SelectField, StringField, TextAreaField
from wtforms.validators import DataRequired, Length, NumberRange, Optional, ValidationError

from ..models import Rating

MIN_YEAR, MAX_YEAR = 1950, 2100
MAX_JUSTIFICATION = 10_000
MAX_MEANS = 5_000


class AssessmentForm(FlaskForm):
    """Creating an assessment (with version and country) or editing its setup (without them)."""
    version_id = SelectField(_l("Planning model and catalogue version"), coerce=int)
    country = SelectField(_l("Country"))
    scope_name = StringField(_l("Scope"), validators=[Optional(), Length(max=200)])
    period_start = IntegerField(_l("Period: first year"),
                                validators=[DataRequired(), NumberRange(min=MIN_YEAR, max=MAX_YEAR)])
    period_end = IntegerField(_l("Period: last year"),
                              validators=[DataRequired(), NumberRange(min=MIN_YEAR, max=MAX_YEAR)])
    organizations = TextAreaField(_l("Organizations taking part (one per line)"),
                                  validators=[Length(max=10_000)])
    participants = TextAreaField(_l("People taking part (one per line: name; organization; group)"),
                                 validators=[Length(max=20_000)])
    groups = TextAreaField(_l("Workshop groups (optional, one name per line)"), validators=[Length(max=2_000)])
    is_public = BooleanField(_l("Visible to everyone, without logging in, once published"))

    def __init__(self, versions: list[tuple[int, str]] | None, countries: list[tuple[str, str]] | None,
                 *args: Any, **kwargs: Any):
        super().__init__(*args, **kwargs)
        if versions is None:
            del self.version_id
        else:
            self.version_id.choices = versions
        if countries is None:
            del self.country
        else:
            self.country.choices = countries

    def validate_period_end(self, field_: IntegerField) -> None:
        if self.period_start.data and field_.data and field_.data < self.period_start.data:
            raise ValidationError(_("The last year cannot come before the first year."))

    def validate_groups(self, field_: TextAreaField) -> None:
        names = lines(field_.data)
        if len({n.casefold() for n in names}) != len(names):
            raise ValidationError(_("Each group needs its own name."))
        if any(len(n) > 100 for n in names):
            raise ValidationError(_("A group name has at most 100 characters."))

    def validate_participants(self, field_: TextAreaField) -> None:
        groups = {n.casefold() for n in lines(self.groups.data)}
        for name, _organization, group in people(field_.data):
            if len(name) > 200:
                raise ValidationError(_("A name has at most 200 characters."))
            if group and group.casefold() not in groups:
                raise ValidationError(_("%(name)s is in the group «%(group)s», which is not in the list of "
                                        "workshop groups.", name=name, group=group))


class ReviewForm(FlaskForm):
    comments = TextAreaField(_l("Comments for the assessors"), validators=[Length(max=10_000)])


class PublishForm(FlaskForm):
    is_public = BooleanField(_l("Visible to everyone, without logging in"))


def lines(text: str | None) -> list[str]:
    return [line.strip() for line in (text or "").splitlines() if line.strip()]


def people(text: str | None) -> list[tuple[str, str, str]]:
    """"Name; organization; group" lines (organization and group optional)."""
    out = []
    for line in lines(text):
        parts = [part.strip() for part in line.split(";")] + ["", ""]
        out.append((parts[0], parts[1], parts[2]))
    return [row for row in out if row[0]]


# --- the rating form of one criterion -------------------------------------------------------------------

@dataclass
class RatingData:
    """What one criterion's form says, already checked against the criterion."""
    kind: str | None = None
    level: int | None = None
    marks: dict[int, bool] = field(default_factory=dict)  # element id -> present; missing: unanswered
    justification: str = ""
    means_of_verification: str = ""
    action_what: str = ""
    action_who: str = ""
    action_due: date | None = None
    link_url: str = ""
    link_label: str = ""
    loaded_version: int = 0
    # The raw choice and marks, to show the form again exactly as it was typed.
    choice: str = ""
    raw_marks: dict[int, str] = field(default_factory=dict)
    raw_due: str = ""


def parse_rating(criterion: Any, form: Mapping[str, str], *, group: bool = False
                 ) -> tuple[RatingData, dict[str, str]]:
    """Reads a criterion's form: `choice` (a level 1..k, "elements", "na", "ni" or empty), `element-<n>`
    ("present", "absent" or empty), the texts, the improvement action and a link. Returns the data and the
    errors by field name (empty when valid)."""
    errors: dict[str, str] = {}
    data = RatingData()
    data.choice = (form.get("choice") or "").strip()
    data.justification = (form.get("justification") or "").strip()
    data.means_of_verification = "" if group else (form.get("means_of_verification") or "").strip()
    try:
        data.loaded_version = int(form.get("version") or 0)
        if data.loaded_version < 0:
            raise ValueError
    except ValueError:
        errors["version"] = _("The form is damaged: reload the page.")

    for element in criterion.elements if criterion.scoring == "elements" else ():
        raw = (form.get(f"element-{element.position}") or "").strip()
        data.raw_marks[element.id] = raw
        if raw == "present":
            data.marks[element.id] = True
        elif raw == "absent":
            data.marks[element.id] = False
        elif raw:
            errors[f"element-{element.position}"] = _("Mark the element present or absent, or leave it unanswered.")

    choice = data.choice
    if choice == "na":
        data.kind = "not_applicable"
    elif choice == "ni":
        data.kind = "no_information"
    elif choice == "" and criterion.scoring == "elements" and data.marks:
        data.kind, data.choice = "value", "elements"
    elif choice == "":
        data.kind = None
    elif criterion.scoring == "elements":
        if choice == "elements":
            data.kind = "value"
        else:
            errors["choice"] = _("Choose the verification elements, not applicable or no information.")
    else:
        levels = {str(level.value): level.value for level in criterion.levels}
        if choice in levels:
            data.kind, data.level = "value", levels[choice]
        else:
            errors["choice"] = _("Choose one of the %(k)d levels, not applicable or no information.",
                                 k=len(criterion.levels))

    if len(data.justification) > MAX_JUSTIFICATION:
        errors["justification"] = _("The justification has at most %(n)d characters.", n=MAX_JUSTIFICATION)
    if len(data.means_of_verification) > MAX_MEANS:
        errors["means_of_verification"] = _("The means of verification has at most %(n)d characters.", n=MAX_MEANS)
    if group:
        return data, errors

    data.action_what = (form.get("action_what") or "").strip()
    data.action_who = (form.get("action_who") or "").strip()
    data.raw_due = (form.get("action_due") or "").strip()
    if len(data.action_what) > MAX_JUSTIFICATION:
        errors["action_what"] = _("The action has at most %(n)d characters.", n=MAX_JUSTIFICATION)
    if len(data.action_who) > 200:
        errors["action_who"] = _("At most 200 characters.")
    if data.raw_due:
        try:
            data.action_due = date.fromisoformat(data.raw_due)
        except ValueError:
            errors["action_due"] = _("Enter a date as year-month-day, for example 2026-06-30.")
    if (data.action_who or data.action_due) and not data.action_what:
        errors["action_what"] = _("Say what will be done.")

    data.link_url = (form.get("link_url") or "").strip()
    data.link_label = (form.get("link_label") or "").strip()
    if data.link_url:
        lowered = data.link_url.lower()
        if not (lowered.startswith("https://") or lowered.startswith("http://")) or len(data.link_url) > 2000 \
                or any(ch.isspace() for ch in data.link_url):
            errors["link_url"] = _("Enter a web address that starts with https:// or http://.")
    if len(data.link_label) > 300:
        errors["link_label"] = _("At most 300 characters.")
    return data, errors


@dataclass
class FormValues:
    """What a criterion's form shows: the stored rating, or what was just posted (kept after an error)."""
    choice: str = ""
    marks: dict[int, str] = field(default_factory=dict)  # element id -> "present" | "absent" | ""
    justification: str = ""
    means_of_verification: str = ""
    action_what: str = ""
    action_who: str = ""
    action_due: str = ""
    link_url: str = ""
    link_label: str = ""
    version: int = 0

    @classmethod
    def stored(cls, criterion: Any, rating: Any, marks: dict[int, bool]) -> "FormValues":
        if rating is None:
            return cls()
        if rating.kind == "value":
            choice = "elements" if criterion.scoring == "elements" else str(rating.level or "")
        else:
            choice = {"not_applicable": "na", "no_information": "ni"}.get(rating.kind or "", "")
        action = rating.improvement_action if isinstance(rating, Rating) else None
        return cls(choice=choice, marks={eid: "present" if present else "absent" for eid, present in marks.items()},
                   justification=rating.justification or "",
                   means_of_verification=rating.means_of_verification or "",
                   action_what=action.what if action else "", action_who=action.who if action else "",
                   action_due=action.due_date.isoformat() if action and action.due_date else "",
                   version=rating.version)

    @classmethod
    def posted(cls, data: RatingData) -> "FormValues":
        return cls(choice=data.choice, marks=dict(data.raw_marks), justification=data.justification,
                   means_of_verification=data.means_of_verification, action_what=data.action_what,
                   action_who=data.action_who, action_due=data.raw_due, link_url=data.link_url,
                   link_label=data.link_label, version=data.loaded_version)


def form_labels() -> dict[str, str]:
    """The fixed texts of a criterion's form, translated once per page rather than once per criterion and
    element (a dimension of the national model has about 70 elements, each with three labelled choices)."""
    return {
        "save": _("Save"), "overwrite": _("Overwrite with mine"), "complete": _("complete"),
        "incomplete": _("incomplete"), "unrated": _("unrated"),
        "complete_hint": _("A rating is complete with a justification and, for a value, a means of verification."),
        "feeds": _("Feeds the alerts:"), "divergent": _("Divergent:"),
        "divergent_text": _("two groups' values differ by two or more. The consolidated rating is entered by the "
                            "workshop (never averaged); say in the justification how the workshop resolved it."),
        "groups_said": _("What each group said"), "consolidated": _("Consolidated rating"),
        "optimal": _("optimal"), "by_elements": _("Rated by its verification elements (a value once every element "
                                                  "is marked)"),
        "element": _("Verification element"), "present_h": _("Present"), "absent_h": _("Absent"),
        "unanswered_h": _("Unanswered"), "present": _("present"), "absent": _("absent"),
        "unanswered": _("unanswered"), "negative": _("favourable when absent"),
        "negative_hint": _("Worded negatively: favourable when absent"),
        "na": _("Not applicable (give the reason as the justification)"),
        "ni": _("No information (counts as 0; give the reason)"), "none": _("Not rated yet"),
        "justification": _("Justification"), "group_reasons": _("The group's reasons"),
        "justification_hint": _("What really exists, not what is written or what should exist. For not applicable "
                                "or no information, the reason."),
        "means": _("Means of verification"),
        "means_hint": _("Laws, decrees, plans, protocols, reports: where the rating can be checked."),
        "evidence": _("Evidence"), "no_evidence": _("No evidence attached yet."), "remove": _("Remove"),
        "add_link": _("Add a link"), "link_title": _("Its title"), "attach": _("Attach a file"),
        "action": _("Improvement action"), "what": _("What will be done"), "who": _("Who"), "by": _("By when"),
        "saving": _("Saving…"), "saved": _("Saved at %(time)s", time="{time}"),
        "not_saved": _("Not saved: %(reason)s", reason="{reason}"),
        "offline": _("Not saved: no connection. Your text is still here; it will be sent at the next change, or "
                     "use Save."),
        "theirs": _("Their version (saved)"), "yours": _("Your version (not saved)"),
        "keep_theirs": _("Keep theirs (reload)"), "rating": _("Rating"), "elements": _("Elements"),
    }
