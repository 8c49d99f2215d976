"""Who may do what: every predicate in one place, used by views before any change and by templates
to show or hide controls."""
from __future__ import annotations

from typing import Any

from .models import User


def _active(user: Any) -> bool:
    return bool(user is not None and getattr(user, "is_authenticated", False) and user.is_active)


def is_admin(user: Any) -> bool:
    return _active(user) and user.has_role("admin")


def can_manage_users(user: Any) -> bool:
    return is_admin(user)


def can_manage_catalogue(user: Any) -> bool:
    return is_admin(user)


def can_view_outbox(user: Any) -> bool:
    return is_admin(user)


def can_view_audit(user: Any) -> bool:
    return is_admin(user)


def can_manage_own_tokens(user: Any, owner: User) -> bool:
    return _active(user) and user.id == owner.id


def can_assign_facilitators(user: Any) -> bool:
    """Which committees and which countries' self-evaluations a facilitator works on: administrators decide."""
    return is_admin(user)


# --- technical committees (pseudo-Delphi) -----------------------------------------------------------
# A committee's memberships are loaded with it (selectin), so these predicates cost no query per call.

def can_manage_committee(user: Any, committee: Any) -> bool:
    """Facilitators of that committee (their facilitator membership, made by an administrator), and admins, run
    it: members, rounds, codebook, items, ballots, exports."""
    if not _active(user):
        return False
    if user.has_role("admin"):
        return True
    return user.has_role("facilitator") and committee.membership_of(user, "facilitator") is not None


def is_committee_member(user: Any, committee: Any) -> bool:
    return _active(user) and committee.membership_of(user, "member") is not None


def can_view_committee(user: Any, committee: Any) -> bool:
    return (can_manage_committee(user, committee) or is_committee_member(user, committee)
            or (_active(user) and user.has_role("observer")))


def can_answer_round(user: Any, round_: Any) -> bool:
    """Members of the round's committee answer it once it has opened (the service refuses answers after closing)."""
    return round_.status != "draft" and is_committee_member(user, round_.committee)


def can_view_round_feedback(user: Any, round_: Any) -> bool:
    """Aggregated feedback, once published: members of that committee, observers, and whoever runs it."""
    committee = round_.committee
    if can_manage_committee(user, committee):
        return round_.status != "draft"
    return round_.status == "published" and (is_committee_member(user, committee)
                                              or (_active(user) and user.has_role("observer")))


def sees_full_round_results(user: Any, round_: Any) -> bool:
    """Facilitators see every statistic, small numbers included; the others see only n below 3 ratings."""
    return can_manage_committee(user, round_.committee)


def can_reveal_pseudonym(user: Any) -> bool:
    return is_admin(user)


# --- self-evaluations (assessments) ------------------------------------------------------------------
# An assessor works on their own country's assessments only; another country's draft is never visible to
# them (views answer 404, never data). A facilitator reads drafts and evidence, and reviews, only for the
# countries an administrator assigned them to. Published assessments are read by every reader role;
# published and public ones by anyone, logged in or not.

ASSESSMENT_READERS = ("admin", "facilitator", "assessor", "observer")


def _own_country(user: Any, assessment: Any) -> bool:
    return user.country_id is not None and user.country_id == assessment.country_id


def is_assigned_to_country(user: Any, country_id: int | None) -> bool:
    """A facilitator assigned to that country's self-evaluations (the assignments load once per request)."""
    return (_active(user) and country_id is not None and user.has_role("facilitator")
            and any(a.country_id == country_id for a in user.country_assignments))


def _follows(user: Any, assessment: Any) -> bool:
    """Who works on this assessment beyond reading it once published: admins, its country's assessors and the
    facilitators assigned to its country."""
    return (user.has_role("admin") or (user.has_role("assessor") and _own_country(user, assessment))
            or is_assigned_to_country(user, assessment.country_id))


def can_view_assessment(user: Any, assessment: Any) -> bool:
    if assessment.status == "published" and assessment.is_public:
        return True
    if not _active(user):
        return False
    if _follows(user, assessment):
        return True
    return assessment.status == "published" and user.has_role(*ASSESSMENT_READERS)


def assessment_visibility(user: Any):
    """The SQL condition that selects the assessments can_view_assessment allows (for lists and the API)."""
    from sqlalchemy import and_, or_, select, true

    from .models import Assessment, CountryAssignment
    public = and_(Assessment.status == "published", Assessment.is_public.is_(True))
    if not _active(user):
        return public
    if user.has_role("admin"):
        return true()
    clauses = [public]
    if user.has_role(*ASSESSMENT_READERS):
        clauses.append(Assessment.status == "published")
    if user.has_role("assessor") and user.country_id is not None:
        clauses.append(Assessment.country_id == user.country_id)
    if user.has_role("facilitator"):
        clauses.append(Assessment.country_id.in_(
            select(CountryAssignment.country_id).where(CountryAssignment.user_id == user.id)))
    return or_(*clauses)


def can_create_assessment(user: Any, country_id: int | None = None) -> bool:
    """Admins for any country; assessors for their own country (country_id None: for some country)."""
    if is_admin(user):
        return True
    if not (_active(user) and user.has_role("assessor") and user.country_id is not None):
        return False
    return country_id is None or country_id == user.country_id


def is_assessment_editor(user: Any, assessment: Any) -> bool:
    """Who edits this assessment while its status allows it: its country's assessors, and admins."""
    return _active(user) and (user.has_role("admin") or (user.has_role("assessor") and _own_country(user, assessment)))


def is_assessment_reviewer(user: Any, assessment: Any) -> bool:
    """Who validates, returns and publishes this assessment once submitted: admins, and the facilitators assigned
    to its country."""
    return _active(user) and (user.has_role("admin") or is_assigned_to_country(user, assessment.country_id))


def can_edit_assessment(user: Any, assessment: Any) -> bool:
    """Ratings, participants and groups: drafts and returned assessments of the assessor's own country."""
    return assessment.is_editable and is_assessment_editor(user, assessment)


def can_submit_assessment(user: Any, assessment: Any) -> bool:
    return can_edit_assessment(user, assessment)


def can_review_assessment(user: Any, assessment: Any) -> bool:
    """Validate or return with comments: its reviewers, once submitted (or validated, to return)."""
    return is_assessment_reviewer(user, assessment) and assessment.status in ("submitted", "validated")


def can_publish_assessment(user: Any, assessment: Any) -> bool:
    return is_assessment_reviewer(user, assessment) and assessment.status == "validated"


def can_set_assessment_visibility(user: Any, assessment: Any) -> bool:
    """Whether a published assessment is public: its reviewers (editors choose it while editing)."""
    return is_assessment_reviewer(user, assessment) and assessment.status == "published"


def can_revise_assessment(user: Any, assessment: Any) -> bool:
    """A correction of a published assessment is a new draft, started by its country's assessor or an admin."""
    if not (_active(user) and assessment.status == "published"):
        return False
    return user.has_role("admin") or (user.has_role("assessor") and _own_country(user, assessment))


def can_see_round(user: Any, round_: Any) -> bool:
    """Listing a round: its committee's runners see drafts; members see it once open; observers once published."""
    committee = round_.committee
    if can_manage_committee(user, committee):
        return True
    if is_committee_member(user, committee):
        return round_.status != "draft"
    return round_.status == "published" and _active(user) and user.has_role("observer")


# --- committee ballots (virtual votes) ----------------------------------------------------------------
# Tallies are published to everyone who may see a ballot only once it has closed; individual votes only for
# roll-call ballots, after closing. Facilitators see who has voted, never how (docs/methods.md §5.4).

def can_manage_ballot(user: Any, ballot: Any) -> bool:
    return can_manage_committee(user, ballot.committee)


def can_view_ballot(user: Any, ballot: Any) -> bool:
    """Drafts are for those who run the committee; open and closed ballots for whoever sees the committee."""
    if can_manage_ballot(user, ballot):
        return True
    return ballot.status != "draft" and can_view_committee(user, ballot.committee)


def can_vote_in_ballot(user: Any, ballot: Any) -> bool:
    """The ballot's voters (fixed at opening; loaded with the ballot), while it is open."""
    uid = getattr(user, "id", None)
    return (ballot.status == "open" and _active(user)
            and any(e.voter_id == uid for e in ballot.eligibility))


def can_see_ballot_tallies(user: Any, ballot: Any) -> bool:
    return ballot.status == "closed" and can_view_ballot(user, ballot)


def can_see_individual_votes(user: Any, ballot: Any) -> bool:
    """Roll-call ballots publish each vote after closing; a secret ballot never shows how anyone voted."""
    return not ballot.is_secret and can_see_ballot_tallies(user, ballot)


def can_see_ballot_participation(user: Any, ballot: Any) -> bool:
    """Who has voted (names), for reminders: those who run the committee."""
    return ballot.status != "draft" and can_manage_ballot(user, ballot)


def can_see_comment_table(user: Any, ballot: Any) -> bool:
    """The reasons for rejection and their answers, once the ballot has closed."""
    return ballot.status == "closed" and can_view_ballot(user, ballot)


def can_close_consultation(user: Any, committee: Any) -> bool:
    return can_manage_committee(user, committee)


def can_view_committee_results(user: Any, committee: Any) -> bool:
    return can_view_committee(user, committee)


def can_view_crp_reports(user: Any) -> bool:
    return _active(user) and user.has_role("admin", "facilitator", "observer")
