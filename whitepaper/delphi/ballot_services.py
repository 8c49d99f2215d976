"""Writes for the committees' virtual votes (METHODS.md section 3): ballots and their rules, opening (the voters
are fixed then), votes, reminders, closing (every outcome at once), comment resolution, follow-up ballots, and
the close of the consultation that builds the version for the CRP. Services flush; the caller commits once.

The audit trail records that a vote was cast or changed, never its content."""
from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from fractions import Fraction
from typing import Any, Mapping, Optional

from flask_babel import gettext as _
from sqlalchemy import func, select
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.exc import IntegrityError

from .. import audit, formatting, mail
from ..catalogue import queries as catalogue_queries
from ..catalogue import services as catalogue_services
from ..errors import Conflict, InvalidInput, InvalidTransition, NotAllowed
from ..extensions import db
from ..models import CatalogueVersion, User
from ..models.ballot import (BALLOT_STAGES, RESOLUTION_DECISIONS, Ballot, BallotEligibility, BallotItem,
                             CommentResolution, Vote)
from ..models.base import utcnow
from ..models.delphi import Committee, Item, Round
from . import ballot_queries as queries
from . import tally

MAX_REASON = 2000
MAX_ANSWER = 5000
MAX_REVISION = 5000
UPSERT_ATTEMPTS = 3


def stage_label(stage: str) -> str:
    return {"dimensions_levels": _("(ix) dimensions by levels"), "criteria": _("(x) criteria of each dimension"),
            "optimal_levels": _("(xi) optimal level of each criterion")}.get(stage, stage)


def ballot_title(b: Ballot) -> str:
    return _("Ballot %(number)d: %(stage)s", number=b.number, stage=stage_label(b.stage))


# --- rules -----------------------------------------------------------------------------------------------


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
    rule = b.rule
    return {"unit": rule.unit, "quorum": tally.format_fraction(rule.quorum),
            "threshold": tally.format_fraction(rule.threshold), "reject_cap": tally.format_fraction(rule.reject_cap),
            "secret": rule.secret}


def _snapshot(b: Ballot) -> dict[str, Any]:
    return {"status": b.status, "stage": b.stage, "number": b.number, **_rule_snapshot(b),
            "opens_at": b.opens_at.isoformat() if b.opens_at else None,
            "closes_at": b.closes_at.isoformat() if b.closes_at else None, "follow_up_of": b.follow_up_of_id}


# --- what may be put to the vote ---------------------------------------------------------------------


@dataclass(frozen=True)
class Subject:
    subject: str
    dimension_key: str
    proposed_value: Optional[int] = None
    value_max: Optional[int] = None


def _require_consultable(committee: Committee) -> CatalogueVersion:
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
    """Why a subject cannot be voted yet in this stage (METHODS.md section 3), or None."""
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


def _next_number(committee: Committee) -> int:
    current = db.session.scalar(select(func.max(Ballot.number)).where(Ballot.committee_id == committee.id))
    return (current or 0) + 1


def _check_dates(opens_at: Optional[datetime], closes_at: Optional[datetime]) -> None:
    if opens_at and closes_at and closes_at <= opens_at:
        raise InvalidInput(_("The ballot must close after it opens."))


def create_ballot(actor: Optional[User], committee: Committee, stage: str, *,
                  rule: tally.BallotRule = tally.BallotRule(), opens_at: Optional[datetime] = None,
                  closes_at: Optional[datetime] = None, subjects: Optional[list[str]] = None) -> Ballot:
    """A draft ballot of one stage on the version the committee consults: every subject that is ready (its
    dependencies approved) and not yet on a ballot of that stage, or the `subjects` named."""
    if stage not in BALLOT_STAGES:
        raise InvalidInput(_("Choose one of the three stages of the vote."))
    version = _require_consultable(committee)
    _check_dates(opens_at, closes_at)
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

    b = Ballot(committee=committee, catalogue_version=version, number=_next_number(committee), stage=stage,
               status="draft", opens_at=opens_at, closes_at=closes_at, created_by_id=actor.id if actor else None)
    b.set_rule(rule)
    db.session.add(b)
    for position, s in enumerate(chosen):
        db.session.add(BallotItem(ballot=b, position=position, subject=s.subject, dimension_key=s.dimension_key,
                                  proposed_value=s.proposed_value, value_max=s.value_max))
    db.session.flush()
    audit.record(actor, "ballot.create", b, after={**_snapshot(b), "items": [s.subject for s in chosen]})
    return b


def update_ballot(actor: Optional[User], b: Ballot, *, rule: tally.BallotRule, opens_at: Optional[datetime],
                  closes_at: Optional[datetime]) -> Ballot:
    if not b.is_editable:
        raise InvalidTransition(_("The voting rule and the dates are fixed once the ballot has opened."))
    _check_dates(opens_at, closes_at)
    before = _snapshot(b)
    b.set_rule(rule)
    b.opens_at, b.closes_at = opens_at, closes_at
    db.session.flush()
    after = _snapshot(b)
    if after != before:
        audit.record(actor, "ballot.update", b, before=before, after=after)
    return b


def delete_ballot(actor: Optional[User], b: Ballot) -> None:
    if not b.is_editable:
        raise InvalidTransition(_("Only a draft ballot can be deleted."))
    audit.record(actor, "ballot.delete", b, before=_snapshot(b))
    db.session.delete(b)
    db.session.flush()


# --- opening ---------------------------------------------------------------------------------------------


def _eligible_rows(b: Ballot) -> list[BallotEligibility]:
    members = sorted((m for m in b.committee.memberships if m.role == "member"), key=lambda m: m.id)
    if b.unit == "member":
        return [BallotEligibility(ballot=b, voter_id=m.user_id, country_id=m.country_id) for m in members]
    rows: dict[int, BallotEligibility] = {}
    for m in members:
        if m.is_voting_representative and m.country_id is not None and m.country_id not in rows:
            rows[m.country_id] = BallotEligibility(ballot=b, voter_id=m.user_id, country_id=m.country_id)
    return list(rows.values())


def open_ballot(actor: Optional[User], b: Ballot, *, now: Optional[datetime] = None,
                link: Optional[str] = None, notify: bool = True) -> int:
    """Opens the ballot and fixes its voters; the committee's consultation starts with its first ballot.
    Returns the number of eligible voters."""
    now = now or utcnow()
    version = _require_consultable(b.committee)
    if b.catalogue_version_id != version.id:
        raise Conflict(_("This ballot is on another version than the one the committee consults."))
    n_items = db.session.scalar(select(func.count()).select_from(BallotItem).where(BallotItem.ballot_id == b.id))
    if not n_items:
        raise InvalidInput(_("A ballot needs at least one item."))
    b.open(now)
    if version.status == "draft":
        catalogue_services.open_consultation(actor, version)
    rows = _eligible_rows(b)
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


# --- voting ----------------------------------------------------------------------------------------------


@dataclass
class VoteInput:
    choice: str
    reason: Optional[str] = None
    proposed_value: Optional[int] = None


@dataclass
class VoteSummary:
    cast: int = 0
    changed: int = 0
    unchanged: int = 0


def _refusal(status: str, closes_at: Optional[datetime], now: datetime) -> Optional[str]:
    if status == "draft":
        return _("This ballot has not opened yet.")
    if status == "closed":
        return _("This ballot is closed: votes are no longer accepted.")
    if closes_at is not None and now >= closes_at:
        return _("The voting period ended on %(date)s: votes are no longer accepted.",
                 date=formatting.when(closes_at))
    return None


def _clean_vote(b: Ballot, item: BallotItem, given: VoteInput, label: str) -> VoteInput:
    if given.choice not in tally.CHOICES:
        raise InvalidInput(_("Choose approve, reject or abstain for %(subject)s.", subject=label))
    reason = (given.reason or "").strip()[:MAX_REASON] or None
    value = given.proposed_value
    if given.choice == "reject":
        if not reason:
            raise InvalidInput(_("Give a reason for rejecting %(subject)s.", subject=label))
        if value is not None:
            if b.stage != "optimal_levels":
                raise InvalidInput(_("Another value can be proposed only in the ballot on optimal levels."))
            if not (1 <= value <= (item.value_max or 0)) or value == item.proposed_value:
                raise InvalidInput(_("For %(subject)s, propose a value from 1 to %(max)d other than %(value)d.",
                                     subject=label, max=item.value_max or 0, value=item.proposed_value or 0))
        return VoteInput("reject", reason, value)
    # approve and abstain carry no reason and no alternative value
    return VoteInput(given.choice, None, None)


def _upsert_vote(values: dict[str, Any], unit: str) -> int:
    """INSERT … ON CONFLICT DO UPDATE on the unit's unique key: two requests racing for the same voter (or
    country) and item leave one row, the last write winning. Returns the row's revision (1: a new vote)."""
    dialect = db.session.get_bind().dialect.name
    insert = pg_insert if dialect == "postgresql" else sqlite_insert
    statement = insert(Vote).values(**values)
    target = ["item_id", "country_id"] if unit == "country" else ["item_id", "voter_id"]
    excluded = statement.excluded
    statement = statement.on_conflict_do_update(
        index_elements=target,
        set_={"voter_id": excluded.voter_id, "choice": excluded.choice, "reason": excluded.reason,
              "proposed_value": excluded.proposed_value, "updated_at": excluded.updated_at,
              "revision": Vote.__table__.c.revision + 1},
    ).returning(Vote.__table__.c.revision)
    if dialect != "postgresql":
        # SQLite runs one writer at a time, so the upsert cannot race (and pysqlite's savepoints would end the
        # enclosing transaction early).
        return int(db.session.execute(statement).scalar_one())
    # With the country unit the row has two unique keys; PostgreSQL arbitrates only the target one, so a
    # racing insert can still trip the other. Inside a savepoint the statement is simply tried again: it then
    # finds the committed row and updates it.
    for attempt in range(UPSERT_ATTEMPTS):
        try:
            with db.session.begin_nested():
                return int(db.session.execute(statement).scalar_one())
        except IntegrityError:
            if attempt == UPSERT_ATTEMPTS - 1:
                raise
    raise AssertionError("unreachable")


def _ballot_state(b: Ballot, *, lock: bool) -> tuple[str, Optional[datetime]]:
    """The ballot's status as stored now (not as this session last saw it); `lock` takes a shared row lock on
    PostgreSQL so that closing waits for votes in flight and votes after closing see it closed."""
    query = select(Ballot.status, Ballot.closes_at).where(Ballot.id == b.id)
    if lock:
        query = query.with_for_update(read=True)
    status, closes_at = db.session.execute(query).one()
    return status, closes_at


def cast_votes(actor: User, b: Ballot, inputs: Mapping[int, VoteInput], *,
               now: Optional[datetime] = None) -> VoteSummary:
    """Records the actor's votes on some items of an open ballot; a new vote on an item replaces the previous
    one (the last vote counts). Items not in `inputs` keep their vote, or stay unvoted."""
    now = now or utcnow()
    eligibility = db.session.scalar(select(BallotEligibility).where(BallotEligibility.ballot_id == b.id,
                                                                    BallotEligibility.voter_id == actor.id))
    if eligibility is None:
        if b.unit == "country":
            raise NotAllowed(_("With one vote per country, only each country's designated voting representative "
                               "(as the committee had them when the ballot opened) votes."))
        raise NotAllowed(_("You are not among the voters of this ballot (fixed when it opened)."))
    status, closes_at = _ballot_state(b, lock=True)
    refusal = _refusal(status, closes_at, now)
    if refusal:
        raise Conflict(refusal)
    items = {i.id: i for i in db.session.scalars(select(BallotItem).where(BallotItem.ballot_id == b.id))}
    cleaned: dict[int, VoteInput] = {}
    for item_id, given in inputs.items():
        item = items.get(item_id)
        if item is None:
            raise InvalidInput(_("That item is not part of this ballot."))
        cleaned[item_id] = _clean_vote(b, item, given, item.subject)
    unit_filter = (Vote.country_id == eligibility.country_id) if b.unit == "country" else \
        (Vote.voter_id == actor.id)
    existing = {item_id: (choice, reason, value) for item_id, choice, reason, value in db.session.execute(
        select(Vote.item_id, Vote.choice, Vote.reason, Vote.proposed_value)
        .where(Vote.item_id.in_(list(items)), unit_filter)).all()} if items else {}
    summary = VoteSummary()
    for item_id, vote in cleaned.items():
        if existing.get(item_id) == (vote.choice, vote.reason, vote.proposed_value):
            summary.unchanged += 1
            continue
        revision = _upsert_vote({"item_id": item_id, "voter_id": actor.id,
                                 "country_id": eligibility.country_id if b.unit == "country" else None,
                                 "choice": vote.choice, "reason": vote.reason, "proposed_value": vote.proposed_value,
                                 "revision": 1, "created_at": now, "updated_at": now}, b.unit)
        changed = revision > 1
        if changed:
            summary.changed += 1
        else:
            summary.cast += 1
        # that a vote was cast or changed, never its content
        audit.record(actor, "vote.change" if changed else "vote.cast", object_type="ballot_items",
                     object_id=item_id, after={"ballot": b.id})
    if summary.cast or summary.changed:
        # SQLite takes its write lock at the first write: checked again under it, a close that committed in
        # between is seen here and this request is refused (the handler rolls it back).
        status, closes_at = _ballot_state(b, lock=False)
        refusal = _refusal(status, closes_at, now)
        if refusal:
            raise Conflict(refusal)
    db.session.flush()
    return summary


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


# --- closing ---------------------------------------------------------------------------------------------


def close_ballot(actor: Optional[User], b: Ballot, *, now: Optional[datetime] = None,
                 link: Optional[str] = None, notify: bool = True) -> dict[str, str]:
    """Closes the ballot and computes every item's outcome at once, from the final votes, with exact integer
    comparisons (tally.tally_item). Returns {subject: outcome}."""
    now = now or utcnow()
    # An exclusive row lock (PostgreSQL): votes in flight finish first, later ones then see the ballot closed.
    db.session.execute(select(Ballot.id).where(Ballot.id == b.id).with_for_update())
    db.session.refresh(b)
    b.close(now)
    db.session.flush()
    rule = b.rule
    eligible = db.session.scalar(select(func.count()).select_from(BallotEligibility)
                                 .where(BallotEligibility.ballot_id == b.id)) or 0
    items = list(db.session.scalars(select(BallotItem).where(BallotItem.ballot_id == b.id)
                                    .order_by(BallotItem.position)))
    votes: dict[int, list[tuple[Any, str]]] = {i.id: [] for i in items}
    rejecting: list[tuple[int, int]] = []
    for vote_id, item_id, voter_id, country_id, choice in db.session.execute(
            select(Vote.id, Vote.item_id, Vote.voter_id, Vote.country_id, Vote.choice)
            .join(BallotItem, BallotItem.id == Vote.item_id).where(BallotItem.ballot_id == b.id)).all():
        votes[item_id].append((country_id if b.unit == "country" else voter_id, choice))
        if choice == "reject":
            rejecting.append((item_id, vote_id))
    outcomes: dict[str, str] = {}
    for item in items:
        counts = tally.count_votes(votes[item.id])   # refuses a voter counted twice
        result = tally.tally_item(counts.approve, counts.reject, counts.abstain, eligible, rule)
        item.approve, item.reject, item.abstain = result.approve, result.reject, result.abstain
        item.eligible, item.quorum_met, item.outcome = result.eligible, result.quorum_met, result.outcome
        outcomes[item.subject] = result.outcome
    for item_id, vote_id in rejecting:
        db.session.add(CommentResolution(item_id=item_id, vote_id=vote_id))
    db.session.flush()
    audit.record(actor, "ballot.close", b, before={"status": "open"},
                 after={"status": "closed", "eligible": eligible, "outcomes": outcomes})
    for row in db.session.scalars(select(BallotEligibility).where(BallotEligibility.ballot_id == b.id)
                                  ) if notify else ():
        mail.queue(row.voter.email, _("A ballot of the technical committee has closed"),
                   _("The ballot on %(stage)s of the technical committee of the %(model)s has closed. Its results "
                     "are on the platform.\n\n%(link)s", stage=stage_label(b.stage),
                     model=formatting.text(b.committee.planning_model.title), link=link or ""))
    return outcomes


# --- comment resolution ----------------------------------------------------------------------------------


def answer_comment(actor: User, resolution: CommentResolution, *, decision: str, answer: str) -> None:
    answer = (answer or "").strip()[:MAX_ANSWER]
    if decision not in RESOLUTION_DECISIONS:
        raise InvalidInput(_("Choose how the comment is resolved."))
    if not answer:
        raise InvalidInput(_("Write the answer to the comment."))
    before = {"decision": resolution.decision, "answered": resolution.is_answered}
    resolution.decision, resolution.answer = decision, answer
    resolution.answered_by_id, resolution.answered_at = actor.id, utcnow()
    db.session.flush()
    audit.record(actor, "comment_resolution.answer", resolution, before=before,
                 after={"decision": decision, "answered": True})


def send_comment_to_round(actor: User, resolution: CommentResolution, round_: Round,
                          statement: dict[str, str]) -> Item:
    """An unresolved question becomes an agreement item of a draft closed round of the same committee."""
    from . import services as delphi_services

    item = resolution.item
    b = db.session.get(Ballot, item.ballot_id)
    if round_.committee_id != b.committee_id:
        raise InvalidInput(_("Choose a round of the same committee."))
    if round_.kind != "closed":
        raise InvalidInput(_("Choose a closed round (with agreement questions)."))
    round_item = delphi_services.add_agreement_item(actor, round_, statement)
    resolution.round_item_id = round_item.id
    db.session.flush()
    audit.record(actor, "comment_resolution.to_round", resolution, after={"round": round_.id,
                                                                          "item": round_item.id})
    return round_item


# --- follow-up ballots -----------------------------------------------------------------------------------


@dataclass
class FollowUpInput:
    revised_text: Optional[dict[str, str]] = None
    revised_value: Optional[int] = None


def _revised(text: Optional[dict[str, str]]) -> Optional[dict[str, str]]:
    if not text:
        return None
    cleaned = {lang: (text.get(lang) or "").strip()[:MAX_REVISION] for lang in ("es", "en")}
    return cleaned if (cleaned["es"] or cleaned["en"]) else None


def create_follow_up(actor: Optional[User], b: Ballot, selections: Mapping[int, FollowUpInput], *,
                     rule: Optional[tally.BallotRule] = None, opens_at: Optional[datetime] = None,
                     closes_at: Optional[datetime] = None) -> Ballot:
    """A draft ballot of the same stage for items of a closed ballot: not decided items (as they were, or
    revised), rejected dimensions with a revised proposal, rejected optimal values with a revised value.
    A rejected criterion leaves the model and cannot be followed up."""
    if b.status != "closed":
        raise InvalidTransition(_("A follow-up ballot is prepared once the ballot has closed."))
    version = _require_consultable(b.committee)
    if not selections:
        raise InvalidInput(_("Choose at least one item for the follow-up ballot."))
    _check_dates(opens_at, closes_at)
    items = {i.id: i for i in db.session.scalars(select(BallotItem).where(BallotItem.ballot_id == b.id))}
    on_ballots = queries.items_on_ballots(b.committee_id)
    new_items = []
    for item_id, given in selections.items():
        item = items.get(item_id)
        if item is None:
            raise InvalidInput(_("That item is not part of this ballot."))
        later = on_ballots.get((b.stage, item.subject))
        if later is not None and later[1].id != b.id:
            raise Conflict(_("%(subject)s is already on ballot %(number)d.", subject=item.subject,
                             number=later[1].number))
        text = _revised(given.revised_text) or item.revised_text
        value = item.proposed_value
        if item.outcome == "approved":
            raise Conflict(_("%(subject)s is approved: it needs no follow-up ballot.", subject=item.subject))
        if item.outcome == "rejected":
            if b.stage == "criteria":
                raise Conflict(_("%(subject)s was rejected: a rejected criterion leaves the model. A revised "
                                 "criterion can be discussed as a new question in a round.", subject=item.subject))
            if b.stage == "dimensions_levels" and not _revised(given.revised_text):
                raise InvalidInput(_("A rejected dimension goes to a follow-up ballot with a revised proposal: "
                                     "write it for %(subject)s.", subject=item.subject))
            if b.stage == "optimal_levels" and given.revised_value is None:
                raise InvalidInput(_("A rejected optimal value goes to a follow-up ballot with a revised value: "
                                     "give one for %(subject)s.", subject=item.subject))
        if b.stage == "optimal_levels" and given.revised_value is not None:
            if not 1 <= given.revised_value <= (item.value_max or 0):
                raise InvalidInput(_("For %(subject)s, the value lies between 1 and %(max)d.", subject=item.subject,
                                     max=item.value_max or 0))
            if item.outcome == "rejected" and given.revised_value == item.proposed_value:
                raise InvalidInput(_("The revised value of %(subject)s must differ from the rejected one.",
                                     subject=item.subject))
            value = given.revised_value
        new_items.append((item, text if b.stage == "dimensions_levels" else None, value))
    follow = Ballot(committee_id=b.committee_id, catalogue_version_id=version.id,
                    number=_next_number(b.committee), stage=b.stage, status="draft", opens_at=opens_at,
                    closes_at=closes_at, follow_up_of_id=b.id, created_by_id=actor.id if actor else None)
    follow.set_rule(rule or b.rule)
    db.session.add(follow)
    for position, (item, text, value) in enumerate(sorted(new_items, key=lambda t: t[0].position)):
        db.session.add(BallotItem(ballot=follow, position=position, subject=item.subject,
                                  dimension_key=item.dimension_key, proposed_value=value, value_max=item.value_max,
                                  revised_text=text, follow_up_of_item_id=item.id))
    db.session.flush()
    audit.record(actor, "ballot.create", follow, after={**_snapshot(follow),
                                                         "items": [i.subject for i, _t, _v in new_items]})
    return follow


# --- closing the consultation and adoption ---------------------------------------------------------------


def adopted_content(content: dict[str, Any], latest: Mapping[tuple[str, str], BallotItem]) -> dict[str, Any]:
    """The consulted version's content (catalogue.queries.version_content) reduced to what the votes approved:
    approved dimensions (with their revised description, if the approved proposal was revised), approved
    criteria, each with its approved optimal value; alerts keep only retained criteria."""
    def approved(stage: str, subject: str) -> Optional[BallotItem]:
        item = latest.get((stage, subject))
        return item if item is not None and item.outcome == "approved" else None

    dimensions = []
    retained: set[str] = set()
    for d in content["dimensions"]:
        dimension_item = approved("dimensions_levels", d["key"])
        if dimension_item is None:
            continue
        criteria = []
        for c in d["criteria"]:
            if approved("criteria", c["code"]) is None:
                continue
            optimal_item = approved("optimal_levels", c["code"])
            criteria.append({**c, "optimal": optimal_item.proposed_value if optimal_item else c["optimal"]})
            retained.add(c["code"])
        description = dimension_item.revised_text or d["description"]
        dimensions.append({**d, "description": dict(description), "criteria": criteria})
    alerts = []
    for a in content.get("alerts") or []:
        codes = [code for code in a["criteria"] if code in retained]
        if codes:
            alerts.append({**a, "criteria": codes})
    return {**content, "status": "draft", "dimensions": dimensions, "alerts": alerts}


def crp_label(version: CatalogueVersion) -> str:
    """The label of the version built for the CRP: the consulted label with "-crp" (and a number if taken)."""
    base = version.label.removesuffix("-draft")[:34] + "-crp"
    taken = {v.label for v in db.session.scalars(select(CatalogueVersion).where(
        CatalogueVersion.planning_model_id == version.planning_model_id))}
    label, n = base, 2
    while label in taken:
        label, n = f"{base}-{n}", n + 1
    return label


def close_consultation(actor: Optional[User], committee: Committee) -> CatalogueVersion:
    """Builds the version the votes approved, as a draft for the CRP, and retires the consulted version."""
    state = queries.consultation_state(committee)
    version = committee.catalogue_version
    if state.result is not None or version.status == "retired":
        raise Conflict(_("The consultation on version %(label)s has already closed.", label=version.label))
    if version.status != "in_consultation":
        raise Conflict(_("Version %(label)s is not under consultation: its first ballot has not opened.",
                         label=version.label))
    if state.unfinished:
        raise Conflict(_("Ballot %(number)d is not closed yet: close it (or delete the draft) first.",
                         number=state.unfinished[0].number))
    if state.obstacles:
        subjects = ", ".join(sorted({o.subject for o in state.obstacles}))
        raise Conflict(_("The consultation cannot close yet: %(subjects)s still need an approved outcome.",
                         subjects=subjects))
    if state.empty_dimensions:
        raise Conflict(_("The consultation cannot close: every criterion of %(dimension)s was rejected, and a "
                         "dimension needs at least one criterion.",
                         dimension=formatting.text(state.empty_dimensions[0].title)))
    content = adopted_content(catalogue_queries.version_content(state.tree), state.latest)
    label = crp_label(version)
    content["version"] = label
    result = catalogue_services.build_version(version.planning_model, content, label=label, status="draft",
                                              source=queries.consultation_source(committee), derived_from=version,
                                              actor=actor)
    catalogue_services.close_consultation(actor, version)
    audit.record(actor, "committee.consultation.close", committee,
                 after={"consulted": version.label, "result": label})
    return result

