"""A ballot's life: its stage's subjects and their dependencies, its rule, creating, editing, deleting,
opening (which fixes who is eligible), reminders and closing (which records the tally and, for a secret ballot,
erases the choices). Writes flush; the caller commits once (docs/methods.md §5)."""
from __future__ import annotations

import secrets
from collections import Counter
from dataclasses import dataclass
from datetime import datetime
from fractions import Fraction
from typing import Any, Mapping, Optional

from flask_babel import gettext as _
from sqlalchemy import delete, func, select

from ... import audit, formatting, mail
from ...catalogue import queries as catalogue_queries
from ...catalogue import services as catalogue_services
from ...errors import Conflict, InvalidInput, InvalidTransition
from ...extensions import db
from ...models import CatalogueVersion, User
from ...models.ballot import (
    BALLOT_STAGES,
    Ballot,
    BallotEligibility,
    BallotItem,
    CommentResolution,
    Vote,
)
from ...models.base import utcnow
from ...models.delphi import Committee
from . import queries, tally
from .eligibility import eligible_at_opening, unit_key


def stage_label(stage: str) -> str:
    return {"dimensions_levels": _("(ix) dimensions by levels"), "criteria": _("(x) criteria of each dimension"),
            "optimal_levels": _("(xi) optimal level of each criterion")}.get(stage, stage)


def ballot_title(b: Ballot) -> str:
    return _("Ballot %(number)d: %(stage)s", number=b.number, stage=stage_label(b.stage))


def parse_rule(*, unit: str = "member", quorum: str = "1/2", threshold: str = "2/3",
               reject_cap: str | None = None, secret: bool = True) -> tally.BallotRule:
    """A rule from the form's texts ("1/2", "2/3", "" for no cap), with messages people can act on."""
    if unit not in tally.UNITS:
        raise InvalidInput(_("The voting unit is one vote per member or one vote per country."))

    def fraction(text: str | None, what: str) -> Fraction:
        try:
            value = tally.parse_fraction((text or "").strip())
        except (TypeError, ValueError):
            raise InvalidInput(_("Write the %(what)s as a fraction such as 2/3.", what=what)) from None
        return value

    values = {"quorum": fraction(quorum, _("quorum")), "threshold": fraction(threshold, _("approval threshold"))}
    cap = fraction(reject_cap, _("cap on rejections")) if (reject_cap or "").strip() else None
    try:
        return tally.BallotRule(unit=unit, quorum=values["quorum"],  # type: ignore[arg-type]
                                threshold=values["threshold"], reject_cap=cap, secret=bool(secret))
    except ValueError:
        raise InvalidInput(_("The quorum and the cap lie between 0 and 1, and the threshold above 0 and at most 1."
                             )) from None


def _rule_snapshot(b: Ballot) -> dict[str, Any]:
    rule = rule_of(b)
    return {"unit": rule.unit, "quorum": tally.format_fraction(rule.quorum),
            "threshold": tally.format_fraction(rule.threshold), "reject_cap": tally.format_fraction(rule.reject_cap),
            "secret": rule.secret}

def rule_of(b: Ballot) -> tally.BallotRule:
    """The rule stored on a ballot, as the pure tally reads it (exact fractions)."""
    cap = (Fraction(b.reject_cap_num, b.reject_cap_den)
           if b.reject_cap_num is not None and b.reject_cap_den is not None else None)
    return tally.BallotRule(unit=b.unit, quorum=Fraction(b.quorum_num, b.quorum_den),  # type: ignore[arg-type]
                            threshold=Fraction(b.threshold_num, b.threshold_den), reject_cap=cap,
                            secret=b.is_secret)


def set_rule(b: Ballot, rule: tally.BallotRule) -> None:
    """Stores a rule on a ballot (the model refuses a change once the ballot has opened)."""
    b.unit = rule.unit
    b.quorum_num, b.quorum_den = rule.quorum.numerator, rule.quorum.denominator
    b.threshold_num, b.threshold_den = rule.threshold.numerator, rule.threshold.denominator
    if rule.reject_cap is None:
        b.reject_cap_num = b.reject_cap_den = None
    else:
        b.reject_cap_num, b.reject_cap_den = rule.reject_cap.numerator, rule.reject_cap.denominator
    b.is_secret = rule.secret


def snapshot(b: Ballot) -> dict[str, Any]:
    return {"status": b.status, "stage": b.stage, "number": b.number, **_rule_snapshot(b),
            "opens_at": b.opens_at.isoformat() if b.opens_at else None,
            "closes_at": b.closes_at.isoformat() if b.closes_at else None, "follow_up_of": b.follow_up_of_id}


@dataclass(frozen=True)
class Subject:
    subject: str
    dimension_key: str
    proposed_value: Optional[int] = None
    value_max: Optional[int] = None


def require_consultable(committee: Committee) -> CatalogueVersion:
    version = committee.catalogue_version
    if version.status == "retired":
        raise Conflict(_("The consultation on version %(label)s has closed; its result went to the CRP.",
                         label=version.label))
    if version.status not in ("draft", "in_consultation"):
        raise Conflict(_("This committee consults version %(label)s, which is already approved: ballots need a "
                         "draft version under consultation.", label=version.label))
    return version


def _subjects(tree: CatalogueVersion, stage: str) -> dict[str, tuple[Subject, Any]]:
    """Every subject of a stage, with the catalogue row it comes from."""
    out: dict[str, tuple[Subject, Any]] = {}
    for d in tree.dimensions:
        if stage == "dimensions_levels":
            out[d.key] = (Subject(d.key, d.key), d)
            continue
        for c in d.criteria:
            if stage == "criteria":
                out[c.code] = (Subject(c.code, d.key), c)
            else:
                out[c.code] = (Subject(c.code, d.key, c.optimal, c.k), c)
    return out


def _dependency_problem(stage: str, subject: Subject, row: Any, outcomes: Mapping[tuple[str, str], str]
                        ) -> Optional[str]:
    """Why a subject cannot be voted yet in this stage (docs/methods.md §5.5), or None."""
    if stage == "criteria":
        outcome = outcomes.get(("dimensions_levels", subject.dimension_key))
        if outcome != "approved":
            return _("%(code)s cannot be voted yet: a criterion is voted only once its dimension is approved in "
                     "the ballot on dimensions (ix).", code=subject.subject)
    elif stage == "optimal_levels":
        outcome = outcomes.get(("criteria", subject.subject))
        if outcome == "rejected":
            return _("%(code)s was rejected in the ballot on criteria (x): it has left the model, so it has no "
                     "optimal value to vote.", code=subject.subject)
        if outcome != "approved":
            return _("The optimal value of %(code)s cannot be voted yet: it is voted only once the criterion is "
                     "approved in the ballot on criteria (x).", code=subject.subject)
    return None


def next_number(committee: Committee) -> int:
    current = db.session.scalar(select(func.max(Ballot.number)).where(Ballot.committee_id == committee.id))
    return (current or 0) + 1


def check_dates(opens_at: Optional[datetime], closes_at: Optional[datetime]) -> None:
    if opens_at and closes_at and closes_at <= opens_at:
        raise InvalidInput(_("The ballot must close after it opens."))


def create_ballot(actor: Optional[User], committee: Committee, stage: str, *,
                  rule: tally.BallotRule = tally.BallotRule(), opens_at: Optional[datetime] = None,
                  closes_at: Optional[datetime] = None, subjects: Optional[list[str]] = None) -> Ballot:
    """A draft ballot of one stage on the version the committee consults: every subject that is ready (its
    dependencies approved) and not yet on a ballot of that stage, or the `subjects` named."""
    if stage not in BALLOT_STAGES:
        raise InvalidInput(_("Choose one of the three stages of the vote."))
    version = require_consultable(committee)
    check_dates(opens_at, closes_at)
    tree = catalogue_queries.version_tree(version.id)
    available = _subjects(tree, stage)
    outcomes = queries.latest_outcomes(queries.latest_items(committee.id))
    on_ballots = queries.items_on_ballots(committee.id)

    if subjects is not None:
        chosen = []
        for name in dict.fromkeys(subjects):
            if name not in available:
                raise InvalidInput(_("%(subject)s is not part of version %(label)s.", subject=name,
                                     label=version.label))
            subject, row = available[name]
            problem = _dependency_problem(stage, subject, row, outcomes)
            if problem:
                raise Conflict(problem)
            if (stage, name) in on_ballots:
                raise Conflict(_("%(subject)s is already on ballot %(number)d; a further vote on it goes to a "
                                 "follow-up ballot.", subject=name, number=on_ballots[(stage, name)][1].number))
            chosen.append(subject)
    else:
        ready = [s for s, row in available.values() if _dependency_problem(stage, s, row, outcomes) is None]
        chosen = [s for s in ready if (stage, s.subject) not in on_ballots]
        if not ready:
            if stage == "criteria":
                raise Conflict(_("No dimension is approved yet: the criteria are voted only once their dimension "
                                 "is approved in the ballot on dimensions (ix)."))
            raise Conflict(_("No criterion is approved yet: optimal values are voted only once their criterion "
                             "is approved in the ballot on criteria (x)."))
        if not chosen:
            raise Conflict(_("Everything that can be voted in this stage is already on a ballot. Not decided and "
                             "rejected items go to follow-up ballots."))

    b = Ballot(committee=committee, catalogue_version=version, number=next_number(committee), stage=stage,
               status="draft", opens_at=opens_at, closes_at=closes_at, created_by_id=actor.id if actor else None)
    set_rule(b, rule)
    db.session.add(b)
    for position, s in enumerate(chosen):
        db.session.add(BallotItem(ballot=b, position=position, subject=s.subject, dimension_key=s.dimension_key,
                                  proposed_value=s.proposed_value, value_max=s.value_max))
    db.session.flush()
    audit.record(actor, "ballot.create", b, after={**snapshot(b), "items": [s.subject for s in chosen]})
    return b


def update_ballot(actor: Optional[User], b: Ballot, *, rule: tally.BallotRule, opens_at: Optional[datetime],
                  closes_at: Optional[datetime]) -> Ballot:
    if not b.is_editable:
        raise InvalidTransition(_("The voting rule and the dates are fixed once the ballot has opened."))
    check_dates(opens_at, closes_at)
    before = snapshot(b)
    set_rule(b, rule)
    b.opens_at, b.closes_at = opens_at, closes_at
    db.session.flush()
    after = snapshot(b)
    if after != before:
        audit.record(actor, "ballot.update", b, before=before, after=after)
    return b


def delete_ballot(actor: Optional[User], b: Ballot) -> None:
    if not b.is_editable:
        raise InvalidTransition(_("Only a draft ballot can be deleted."))
    audit.record(actor, "ballot.delete", b, before=snapshot(b))
    db.session.delete(b)
    db.session.flush()


def open_ballot(actor: Optional[User], b: Ballot, *, now: Optional[datetime] = None,
                link: Optional[str] = None, notify: bool = True) -> int:
    """Opens the ballot and fixes its voters; the committee's consultation starts with its first ballot.
    Returns the number of eligible voters."""
    now = now or utcnow()
    version = require_consultable(b.committee)
    if b.catalogue_version_id != version.id:
        raise Conflict(_("This ballot is on another version than the one the committee consults."))
    n_items = db.session.scalar(select(func.count()).select_from(BallotItem).where(BallotItem.ballot_id == b.id))
    if not n_items:
        raise InvalidInput(_("A ballot needs at least one item."))
    b.open(now)
    if version.status == "draft":
        catalogue_services.open_consultation(actor, version)
    rows = eligible_at_opening(b)
    db.session.add_all(rows)
    db.session.flush()
    voters = {m.user_id: m.user for m in b.committee.memberships} if notify else {}
    for row in rows:
        user = voters.get(row.voter_id)
        if user is not None:
            mail.queue(user.email, _("A ballot of the technical committee is open"),
                       _("The technical committee of the %(model)s votes on %(stage)s. Your vote counts until the "
                         "ballot closes%(closes)s; you may change it until then.\n\n%(link)s",
                         model=formatting.text(b.committee.planning_model.title), stage=stage_label(b.stage),
                         closes=(" (" + formatting.when(b.closes_at) + ")") if b.closes_at else "",
                         link=link or ""))
    audit.record(actor, "ballot.open", b, before={"status": "draft"},
                 after={"status": "open", "eligible": len(rows), **_rule_snapshot(b)})
    return len(rows)


def send_reminders(actor: Optional[User], b: Ballot, *, link: Optional[str] = None) -> int:
    """Reminds every voter (or country representative) who has not voted on every item. Returns how many."""
    if b.status != "open":
        raise InvalidTransition(_("Reminders are sent only while the ballot is open."))
    loaded = queries.ballot(b.id)
    n_items = len(loaded.items)
    sent = 0
    for row in queries.participation(loaded):
        if row.voted_items >= n_items:
            continue
        mail.queue(row.eligibility.voter.email, _("Reminder: a ballot of the technical committee is waiting for "
                                                  "your vote"),
                   _("You have voted on %(done)d of the %(total)d items of a ballot of the technical committee of the "
                     "%(model)s%(closes)s.\n\n%(link)s", done=row.voted_items, total=n_items,
                     model=formatting.text(b.committee.planning_model.title),
                     closes=(" (" + _("it closes on %(date)s", date=formatting.when(b.closes_at)) + ")")
                     if b.closes_at else "", link=link or ""))
        sent += 1
    audit.record(actor, "ballot.remind", b, after={"sent": sent})
    return sent


def close_ballot(actor: Optional[User], b: Ballot, *, now: Optional[datetime] = None,
                 link: Optional[str] = None, notify: bool = True) -> dict[str, str]:
    """Closes the ballot and computes every item's outcome at once, from the final votes, with exact integer
    comparisons (tally.tally_item). Records on how many items each voter (or country) voted, and copies every
    rejection's reason and proposed value into the comment-resolution table. A secret ballot then keeps no
    choice (docs/methods.md §5.4): each item gets the digest of its choices (tally.choices_digest), the reasons
    are listed in random order without their votes, and the votes are deleted. Returns {subject: outcome}."""
    now = now or utcnow()
    # An exclusive row lock (PostgreSQL): votes in flight finish first, later ones then see the ballot closed.
    db.session.execute(select(Ballot.id).where(Ballot.id == b.id).with_for_update())
    db.session.refresh(b)
    b.close(now)
    db.session.flush()
    rule = rule_of(b)
    voters = list(db.session.scalars(select(BallotEligibility).where(BallotEligibility.ballot_id == b.id)))
    eligible = len(voters)
    items = list(db.session.scalars(select(BallotItem).where(BallotItem.ballot_id == b.id)
                                    .order_by(BallotItem.position)))
    votes: dict[int, list[tuple[Any, str]]] = {i.id: [] for i in items}
    choices: dict[int, list[tuple[str, Optional[int]]]] = {i.id: [] for i in items}
    voted: Counter = Counter()
    rejecting: list[tuple[int, int, str, Optional[int]]] = []
    for vote_id, item_id, voter_id, country_id, choice, reason, value in db.session.execute(
            select(Vote.id, Vote.item_id, Vote.voter_id, Vote.country_id, Vote.choice, Vote.reason,
                   Vote.proposed_value)
            .join(BallotItem, BallotItem.id == Vote.item_id).where(BallotItem.ballot_id == b.id)
            .order_by(Vote.id)).all():
        unit = country_id if b.unit == "country" else voter_id
        votes[item_id].append((unit, choice))
        choices[item_id].append((choice, value))
        voted[unit] += 1
        if choice == "reject":
            rejecting.append((item_id, vote_id, reason, value))
    outcomes: dict[str, str] = {}
    for item in items:
        counts = tally.count_votes(votes[item.id])   # refuses a voter counted twice
        result = tally.tally_item(counts.approve, counts.reject, counts.abstain, eligible, rule)
        item.approve, item.reject, item.abstain = result.approve, result.reject, result.abstain
        item.eligible, item.quorum_met, item.outcome = result.eligible, result.quorum_met, result.outcome
        item.choices_digest = tally.choices_digest(choices[item.id]) if b.is_secret else None
        outcomes[item.subject] = result.outcome
    for row in voters:
        row.voted_items = voted.get(unit_key(b, row), 0)
    if b.is_secret:
        secrets.SystemRandom().shuffle(rejecting)   # the table's order must not tell who voted first
    for item_id, vote_id, reason, value in rejecting:
        db.session.add(CommentResolution(item_id=item_id, vote_id=None if b.is_secret else vote_id, reason=reason,
                                         proposed_value=value))
    db.session.flush()
    if b.is_secret and items:
        db.session.execute(delete(Vote).where(Vote.item_id.in_([i.id for i in items])))
    audit.record(actor, "ballot.close", b, before={"status": "open"},
                 after={"status": "closed", "eligible": eligible, "outcomes": outcomes,
                        "choices_erased": b.is_secret})
    for row in voters if notify else ():
        mail.queue(row.voter.email, _("A ballot of the technical committee has closed"),
                   _("The ballot on %(stage)s of the technical committee of the %(model)s has closed. Its results "
                     "are on the platform.\n\n%(link)s", stage=stage_label(b.stage),
                     model=formatting.text(b.committee.planning_model.title), link=link or ""))
    return outcomes
