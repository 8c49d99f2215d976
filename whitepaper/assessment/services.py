"""Writes of the self-evaluation. Every service takes domain objects and an explicit actor, flushes, records
the audit trail and never commits: the view (or the demo loader) commits once."""
from __future__ import annotations

from fractions import Fraction
from typing import Any, Optional

from flask_babel import gettext as _
from sqlalchemy import func, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import selectinload
from sqlalchemy.orm.exc import StaleDataError

from .. import audit, formatting, locks, mail
from ..errors import Conflict, InvalidInput, InvalidTransition, NotFound
from ..extensions import db
from ..models import (Assessment, AssessmentParticipant, AssessmentReview, CatalogueVersion, Country,
                      CountryAssignment, Criterion, ElementMark, Evidence, GroupElementMark, GroupRating,
                      ImprovementAction, Rating, User, UserRole, WorkshopGroup)
from ..models.assessment import status_label
from ..models.base import utcnow
from . import comparability, queries, uploads
from .forms import RatingData


class RatingConflict(Conflict):
    """A save made from an older version of a rating than the stored one: nothing was written."""

    def __init__(self, criterion_id: int, group_id: int | None = None):
        super().__init__(_("Someone else saved this criterion after you opened it. Nothing was overwritten: "
                           "compare their version with yours and choose which one to keep."))
        self.criterion_id = criterion_id
        self.group_id = group_id


def _require_editable(assessment: Assessment) -> None:
    if not assessment.is_editable:
        raise InvalidTransition(_("This assessment is %(status)s: its content can no longer change.",
                                  status=status_label(assessment.status)))


def _snapshot(assessment: Assessment) -> dict[str, Any]:
    return {"status": assessment.status, "is_public": assessment.is_public, "scope": assessment.scope_name,
            "period": [assessment.period_start, assessment.period_end]}


# --- setup ----------------------------------------------------------------------------------------------

def create_assessment(actor: Optional[User], *, country: Country, version: CatalogueVersion, scope_name: str,
                      period_start: int, period_end: int, organizations: list[str] = (),
                      people: list[tuple[str, str, str]] = (), groups: list[str] = (),
                      is_public: bool = False) -> Assessment:
    if not version.is_usable_for_assessment:
        raise InvalidInput(_("Catalogue version %(label)s cannot be used for an assessment: only approved "
                             "versions, and drafts open for piloting, can.", label=version.label))
    scope_name = _scope(version, country, scope_name)
    _check_period(period_start, period_end)
    assessment = Assessment(country_id=country.id, planning_model_id=version.planning_model_id,
                            version_id=version.id, scope_name=scope_name, period_start=period_start,
                            period_end=period_end, status="draft", is_public=is_public,
                            created_by_id=actor.id if actor else None, groups=[], participants=[], ratings=[],
                            reviews=[])
    db.session.add(assessment)
    db.session.flush()
    by_name = _sync_groups(assessment, list(groups), existing=[])
    _replace_participants(assessment, list(organizations), list(people), by_name, existing=[])
    db.session.flush()
    audit.record(actor, "assessment.create", assessment,
                 after={**_snapshot(assessment), "country": country.iso3, "version": version.id})
    return assessment


def update_setup(actor: Optional[User], assessment: Assessment, *, scope_name: str, period_start: int,
                 period_end: int, organizations: list[str], people: list[tuple[str, str, str]], groups: list[str],
                 is_public: bool) -> None:
    _require_editable(assessment)
    before = _snapshot(assessment)
    _check_period(period_start, period_end)
    assessment.scope_name = _scope(assessment.version, assessment.country, scope_name)
    assessment.period_start, assessment.period_end = period_start, period_end
    assessment.is_public = is_public
    existing_groups = list(db.session.scalars(select(WorkshopGroup).where(WorkshopGroup.assessment_id == assessment.id)
                                              .order_by(WorkshopGroup.position)))
    existing_people = list(db.session.scalars(select(AssessmentParticipant)
                                              .where(AssessmentParticipant.assessment_id == assessment.id)))
    by_name = _sync_groups(assessment, groups, existing=existing_groups)
    _replace_participants(assessment, organizations, people, by_name, existing=existing_people)
    assessment.updated_at = utcnow()
    db.session.flush()
    audit.record(actor, "assessment.update", assessment, before=before, after=_snapshot(assessment))


def _scope(version: CatalogueVersion, country: Country, scope_name: str) -> str:
    scope_name = (scope_name or "").strip()
    if scope_name:
        return scope_name
    if version.planning_model.key == "national":
        return country.name_es
    raise InvalidInput(_("Name what is assessed: the subnational government, the sector or the vision."))


def _check_period(start: int, end: int) -> None:
    if start > end:
        raise InvalidInput(_("The last year cannot come before the first year."))


def _sync_groups(assessment: Assessment, names: list[str], existing: list[WorkshopGroup]
                 ) -> dict[str, WorkshopGroup]:
    """Keeps groups by name, adds the new ones, removes the ones no longer listed unless they have ratings."""
    wanted = {name.casefold(): name for name in names}
    by_name = {g.name.casefold(): g for g in existing}
    removed = [g for key, g in by_name.items() if key not in wanted]
    if removed:
        rated = set(db.session.scalars(select(GroupRating.group_id).where(
            GroupRating.group_id.in_([g.id for g in removed])).distinct()))
        for group in removed:
            if group.id in rated:
                raise InvalidInput(_("The group «%(name)s» already has ratings: it cannot be removed.",
                                     name=group.name))
            db.session.delete(group)
    result = {}
    for position, name in enumerate(names):
        group = by_name.get(name.casefold())
        if group is None:
            group = WorkshopGroup(assessment_id=assessment.id, name=name, position=position)
            db.session.add(group)
        else:
            group.name, group.position = name, position
        result[name.casefold()] = group
    db.session.flush()
    return result


def _replace_participants(assessment: Assessment, organizations: list[str], people: list[tuple[str, str, str]],
                          groups: dict[str, WorkshopGroup], existing: list[AssessmentParticipant]) -> None:
    for participant in existing:
        db.session.delete(participant)
    position = 0
    for name in organizations:
        db.session.add(AssessmentParticipant(assessment_id=assessment.id, kind="organization", name=name,
                                             position=position))
        position += 1
    for name, organization, group in people:
        target = groups.get(group.casefold()) if group else None
        if group and target is None:
            raise InvalidInput(_("%(name)s is in the group «%(group)s», which is not in the list of workshop "
                                 "groups.", name=name, group=group))
        db.session.add(AssessmentParticipant(assessment_id=assessment.id, kind="person", name=name,
                                             organization=organization, group_id=target.id if target else None,
                                             position=position))
        position += 1


# --- ratings --------------------------------------------------------------------------------------------

def rating_snapshot(rating: Rating | GroupRating | None) -> dict[str, Any] | None:
    if rating is None:
        return None
    return {"kind": rating.kind, "level": rating.level, "version": rating.version,
            "marks": {str(m.element_id): m.is_present for m in rating.element_marks}}


def save_rating(actor: Optional[User], assessment: Assessment, criterion: Criterion, data: RatingData, *,
                group: WorkshopGroup | None = None, audited: bool = True) -> Rating | GroupRating:
    """Saves a criterion's consolidated rating (or a group's rating) from `data`, unless it was loaded from an
    older version than the stored one: then RatingConflict, and nothing is written. `audited=False` is for a
    caller that records one audit entry for many saves (a workbook import)."""
    _require_editable(assessment)
    if criterion.version_id != assessment.version_id:
        raise NotFound(_("This criterion is not part of the assessment's catalogue version."))
    if group is not None and group.assessment_id != assessment.id:
        raise NotFound(_("There is no such workshop group in this assessment."))
    # Saves in one assessment run one after the other: a second save of the same rating waits here until the
    # first commits, then reads its version and is refused as a conflict (never a unique-key error).
    locks.lock_row(Assessment, assessment.id)
    rating = _stored_rating(assessment, criterion.id, group)
    criterion_id, group_id = criterion.id, group.id if group is not None else None
    if data.loaded_version != (rating.version if rating is not None else 0):
        raise RatingConflict(criterion_id, group_id)
    before = rating_snapshot(rating)
    actor_id = actor.id if actor else None
    try:
        # In a savepoint: should a writer that skipped the lock race this save anyway, only the savepoint is
        # undone, and what that writer stored can still be read to tell a conflict from a real error.
        with db.session.begin_nested(), db.session.no_autoflush:
            rating = _write_rating(assessment, criterion, group, rating, data, actor_id)
            db.session.flush()
    except (StaleDataError, IntegrityError) as error:
        stored = _stored_rating(assessment, criterion_id, group)
        if stored is not None and stored.version != data.loaded_version:
            raise RatingConflict(criterion_id, group_id) from error
        raise
    if not audited:
        return rating
    audit.record(actor, "group_rating.save" if group is not None else "rating.save", rating,
                 before=before, after={**rating_snapshot(rating), "assessment": assessment.id,
                                       "group": group.id if group else None})
    return rating


def _stored_rating(assessment: Assessment, criterion_id: int, group: WorkshopGroup | None
                   ) -> Rating | GroupRating | None:
    if group is None:
        return queries.rating_for_update(assessment, criterion_id)
    return queries.group_rating_for_update(group, criterion_id)


def _write_rating(assessment: Assessment, criterion: Criterion, group: WorkshopGroup | None,
                  rating: Rating | GroupRating | None, data: RatingData, actor_id: int | None
                  ) -> Rating | GroupRating:
    """The rating's new content from `data` (a new row when there is none yet); nothing is flushed."""
    criterion_id = criterion.id
    if rating is None:
        if group is None:
            rating = Rating(assessment_id=assessment.id, criterion_id=criterion_id, element_marks=[],
                            evidence=[], improvement_action=None)
        else:
            rating = GroupRating(group_id=group.id, criterion_id=criterion_id, element_marks=[])
        db.session.add(rating)
    rating.kind = data.kind
    rating.level = data.level if data.kind == "value" else None
    rating.justification = data.justification
    if group is None:
        rating.means_of_verification = data.means_of_verification
    _apply_marks(rating, criterion, data.marks, GroupElementMark if group is not None else ElementMark)
    if group is None:
        _apply_action(rating, data)
    rating.updated_at = utcnow()  # always an UPDATE, so the version counter moves on every save
    rating.updated_by_id = actor_id
    assessment.updated_at = rating.updated_at
    return rating


def _apply_marks(rating: Rating | GroupRating, criterion: Criterion, marks: dict[int, bool], mark_class: type) -> None:
    existing = {m.element_id: m for m in rating.element_marks}
    for element in criterion.elements:
        wanted = marks.get(element.id)
        mark = existing.get(element.id)
        if wanted is None:
            if mark is not None:
                rating.element_marks.remove(mark)
        elif mark is None:
            rating.element_marks.append(mark_class(element_id=element.id, is_present=wanted))
        else:
            mark.is_present = wanted


def _apply_action(rating: Rating, data: RatingData) -> None:
    action = rating.improvement_action
    if not data.action_what:
        if action is not None:
            rating.improvement_action = None
        return
    if action is None:
        rating.improvement_action = ImprovementAction(what=data.action_what, who=data.action_who,
                                                      due_date=data.action_due)
    else:
        action.what, action.who, action.due_date = data.action_what, data.action_who, data.action_due


def ensure_rating(actor: Optional[User], assessment: Assessment, criterion: Criterion) -> Rating:
    """The consolidated rating row to attach evidence to (created unrated when missing)."""
    _require_editable(assessment)
    locks.lock_row(Assessment, assessment.id)  # as save_rating: never two new rows racing for one criterion
    rating = queries.rating_for_update(assessment, criterion.id)
    if rating is None:
        rating = Rating(assessment_id=assessment.id, criterion_id=criterion.id, element_marks=[], evidence=[],
                        improvement_action=None, updated_by_id=actor.id if actor else None)
        db.session.add(rating)
        db.session.flush()
        audit.record(actor, "rating.save", rating, after={"kind": None, "version": rating.version,
                                                          "assessment": assessment.id})
    return rating


# --- evidence -------------------------------------------------------------------------------------------

def accepted_types_text() -> str:
    return _("PDF, PNG, JPEG, plain text, CSV, Word (DOCX), Excel (XLSX) or OpenDocument text (ODT)")


def too_large(filename: str, size: int, max_mb: int) -> str:
    return _("The file «%(name)s» is %(size)s MB; files can have at most %(max)d MB. Nothing was saved: "
             "choose a smaller file or remove it, then save again.",
             name=uploads.safe_filename(filename), size=formatting.number(Fraction(size, 1024 * 1024)), max=max_mb)


def upload_problem(filename: str, data: bytes, max_mb: int) -> str | None:
    """Why an uploaded file is refused (a message for people), or None when it is accepted."""
    return _checked_upload(filename, data, max_mb)[0]


def _checked_upload(filename: str, data: bytes, max_mb: int) -> tuple[str | None, uploads.Sniffed | None]:
    """(why the file is refused, None) or (None, its type). An archive is unpacked (streaming) once when it is
    accepted, twice when it is refused, to say why."""
    name = uploads.safe_filename(filename)
    if not data:
        return _("The file «%(name)s» is empty.", name=name), None
    if len(data) > max_mb * 1024 * 1024:
        return too_large(filename, len(data), max_mb), None
    sniffed = uploads.sniff(filename, data)
    if sniffed is not None:
        return None, sniffed
    return _archive_problem_text(name, data) or _(
        "The file «%(name)s» is not of an accepted type (its content is checked, not only its name). "
        "Accepted: %(types)s. Nothing was saved: choose another file or remove it, then save again.",
        name=name, types=accepted_types_text()), None


def _archive_problem_text(name: str, data: bytes) -> str | None:
    """For a zip-based document (docx, xlsx, odt …) that would unpack to too much: why it is refused."""
    if not data.startswith(b"PK"):
        return None
    problem = uploads.archive_problem(data)
    end = " " + _("It was refused and nothing was saved: save the document again from its program, or send it "
                  "as PDF.")
    if problem == uploads.TOO_MANY_MEMBERS:
        return _("The file «%(name)s» is made of more than %(n)s parts, more than a document has.", name=name,
                 n=formatting.number(uploads.MAX_MEMBERS, 0)) + end
    if problem == uploads.TOO_LARGE_UNPACKED:
        return _("The file «%(name)s» unpacks to more than %(mb)d MB, more than a document has.", name=name,
                 mb=uploads.MAX_UNPACKED_BYTES // (1024 * 1024)) + end
    if problem == uploads.TOO_COMPRESSED:
        return _("The file «%(name)s» unpacks to more than %(ratio)d times its size, which a document never does.",
                 name=name, ratio=uploads.MAX_RATIO) + end
    return None


def add_link(actor: Optional[User], assessment: Assessment, rating: Rating, url: str, label: str = "") -> Evidence:
    _require_editable(assessment)
    evidence = Evidence(rating_id=rating.id, kind="link", url=url, label=label,
                        created_by_id=actor.id if actor else None)
    db.session.add(evidence)
    db.session.flush()
    audit.record(actor, "evidence.add", evidence, after={"kind": "link", "url": url, "rating": rating.id})
    return evidence


def add_file(actor: Optional[User], assessment: Assessment, rating: Rating, *, filename: str, data: bytes,
             folder: str, max_mb: int, label: str = "") -> Evidence:
    """Checks and stores an uploaded file. The file is written now: the caller discards it if the
    transaction fails (`uploads.discard(folder, evidence.stored_name)`)."""
    _require_editable(assessment)
    problem, sniffed = _checked_upload(filename, data, max_mb)
    if problem:
        raise InvalidInput(problem)
    stored_name = uploads.store(folder, data)
    evidence = Evidence(rating_id=rating.id, kind="file", label=label, filename=uploads.safe_filename(filename),
                        stored_name=stored_name, content_type=sniffed.content_type, size=len(data),
                        created_by_id=actor.id if actor else None)
    db.session.add(evidence)
    db.session.flush()
    audit.record(actor, "evidence.add", evidence,
                 after={"kind": "file", "filename": evidence.filename, "size": len(data), "rating": rating.id})
    return evidence


def remove_evidence(actor: Optional[User], assessment: Assessment, evidence: Evidence) -> str | None:
    """Removes a piece of evidence; returns the stored file to delete after the commit (None when it is a
    link, or when a correction still shares the file)."""
    _require_editable(assessment)
    stored_name = evidence.stored_name
    audit.record(actor, "evidence.remove", evidence,
                 before={"kind": evidence.kind, "url": evidence.url, "filename": evidence.filename})
    db.session.delete(evidence)
    db.session.flush()
    if stored_name is None:
        return None
    still_used = db.session.scalar(select(func.count()).select_from(Evidence)
                                   .where(Evidence.stored_name == stored_name))
    return None if still_used else stored_name


# --- workflow -------------------------------------------------------------------------------------------

def _review(actor: Optional[User], assessment: Assessment, action: str, comments: str = "") -> None:
    db.session.add(AssessmentReview(assessment_id=assessment.id, actor_id=actor.id if actor else None,
                                    action=action, comments=comments))


def _transition(actor: Optional[User], assessment: Assessment, action: str, change, comments: str = "") -> None:
    before = _snapshot(assessment)
    change()
    assessment.updated_at = utcnow()
    _review(actor, assessment, action, comments)
    db.session.flush()
    audit.record(actor, f"assessment.{action}", assessment, before=before, after=_snapshot(assessment))


def _title(assessment: Assessment) -> str:
    return f"{assessment.scope_name} {assessment.period_start}–{assessment.period_end}"


def _reviewers(assessment: Assessment) -> list[User]:
    """Who is told of a submission: the facilitators assigned to the country, or the admins when there are none
    (so that no submission waits unseen)."""
    def active_with(role: str):
        return (select(User).join(UserRole, UserRole.user_id == User.id)
                .where(UserRole.role == role, User.is_active_account.is_(True)).order_by(User.id))
    assigned = list(db.session.scalars(active_with("facilitator").join(
        CountryAssignment, CountryAssignment.user_id == User.id)
        .where(CountryAssignment.country_id == assessment.country_id)))
    return assigned or list(db.session.scalars(active_with("admin")))


def _creator(assessment: Assessment) -> Optional[User]:
    user = db.session.get(User, assessment.created_by_id) if assessment.created_by_id else None
    return user if user is not None and user.is_active_account else None


def submit(actor: Optional[User], assessment: Assessment, link: str = "") -> None:
    """Draft or returned -> submitted, only when every criterion's rating is complete."""
    progress = queries.progress_for(assessment)
    _transition(actor, assessment, "submitted", lambda: assessment.submit(progress.complete, progress.total))
    comparability.record(assessment)   # fixed now: what regional comparisons check
    for reviewer in _reviewers(assessment):
        mail.queue(reviewer.email, _("Self-evaluation to review: %(title)s", title=_title(assessment)),
                   _("The self-evaluation %(title)s (%(country)s) was submitted and waits for your review.",
                     title=_title(assessment), country=assessment.country.name_es) + ("\n\n" + link if link else ""))


def validate(actor: Optional[User], assessment: Assessment, comments: str = "", link: str = "") -> None:
    _transition(actor, assessment, "validated", assessment.validate, comments.strip())
    _tell_creator(assessment, _("Self-evaluation validated: %(title)s", title=_title(assessment)), comments, link)


def return_for_changes(actor: Optional[User], assessment: Assessment, comments: str, link: str = "") -> None:
    if not (comments or "").strip():
        raise InvalidInput(_("Say what has to change: the comments go to the assessors."))
    _transition(actor, assessment, "returned", assessment.return_for_changes, comments.strip())
    _tell_creator(assessment, _("Self-evaluation returned with comments: %(title)s", title=_title(assessment)),
                  comments, link)


def publish(actor: Optional[User], assessment: Assessment, is_public: bool, link: str = "") -> None:
    def change() -> None:
        assessment.publish()
        assessment.is_public = is_public
    _transition(actor, assessment, "published", change)
    _tell_creator(assessment, _("Self-evaluation published: %(title)s", title=_title(assessment)), "", link)


def _tell_creator(assessment: Assessment, subject: str, comments: str, link: str) -> None:
    creator = _creator(assessment)
    if creator is None:
        return
    body = subject + ("\n\n" + comments.strip() if comments and comments.strip() else "") + \
        ("\n\n" + link if link else "")
    mail.queue(creator.email, subject, body)


def set_visibility(actor: Optional[User], assessment: Assessment, is_public: bool) -> None:
    if assessment.status != "published":
        raise InvalidTransition(_("Only a published assessment is made public or private here."))
    before = _snapshot(assessment)
    assessment.is_public = is_public
    db.session.flush()
    audit.record(actor, "assessment.visibility", assessment, before=before, after=_snapshot(assessment))


def start_revision(actor: Optional[User], published: Assessment) -> Assessment:
    """A correction of a published assessment: a new draft with the same setup and consolidated ratings
    (marks, evidence, improvement actions), recording which assessment it revises."""
    if published.status != "published":
        raise InvalidTransition(_("Only a published assessment can be corrected."))
    open_correction = db.session.scalar(select(Assessment.id).where(Assessment.revises_id == published.id,
                                                                     Assessment.status != "published"))
    if open_correction is not None:
        raise Conflict(_("A correction of this assessment is already under way (number %(id)d).",
                         id=open_correction))
    groups = list(db.session.scalars(select(WorkshopGroup).where(WorkshopGroup.assessment_id == published.id)
                                     .order_by(WorkshopGroup.position)))
    participants = list(db.session.scalars(select(AssessmentParticipant)
                                           .where(AssessmentParticipant.assessment_id == published.id)
                                           .order_by(AssessmentParticipant.position)))
    ratings = list(db.session.scalars(select(Rating).where(Rating.assessment_id == published.id)
                                      .options(selectinload(Rating.element_marks), selectinload(Rating.evidence),
                                               selectinload(Rating.improvement_action))))
    copy = Assessment(country_id=published.country_id, planning_model_id=published.planning_model_id,
                      version_id=published.version_id, scope_name=published.scope_name,
                      period_start=published.period_start, period_end=published.period_end, status="draft",
                      is_public=published.is_public, revises_id=published.id,
                      created_by_id=actor.id if actor else None)
    db.session.add(copy)
    db.session.flush()
    new_groups = {}
    for g in groups:
        new_groups[g.id] = WorkshopGroup(assessment_id=copy.id, name=g.name, position=g.position)
        db.session.add(new_groups[g.id])
    db.session.flush()
    for p in participants:
        db.session.add(AssessmentParticipant(assessment_id=copy.id, kind=p.kind, name=p.name,
                                             organization=p.organization, position=p.position,
                                             group_id=new_groups[p.group_id].id if p.group_id else None))
    for r in ratings:
        action = r.improvement_action
        db.session.add(Rating(
            assessment_id=copy.id, criterion_id=r.criterion_id, kind=r.kind, level=r.level,
            justification=r.justification, means_of_verification=r.means_of_verification,
            updated_by_id=actor.id if actor else None,
            element_marks=[ElementMark(element_id=m.element_id, is_present=m.is_present) for m in r.element_marks],
            evidence=[Evidence(kind=e.kind, label=e.label, url=e.url, filename=e.filename,
                               stored_name=e.stored_name, content_type=e.content_type, size=e.size,
                               created_by_id=e.created_by_id) for e in r.evidence],
            improvement_action=None if action is None else ImprovementAction(
                what=action.what, who=action.who, due_date=action.due_date)))
    db.session.flush()
    audit.record(actor, "assessment.revise", copy, after={**_snapshot(copy), "revises": published.id})
    return copy
