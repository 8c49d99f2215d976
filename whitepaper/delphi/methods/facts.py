"""The facts of a committee's methods report, read from the database: the panel (counts only, under the
small-cell rule), and per round its participation (the participation page's query), coding of the open answers,
changes to the items, consensus, stability, moderation and dates. Never a name, an answer or a time of an
individual response."""
from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field
from datetime import datetime
from fractions import Fraction
from typing import Any, Optional

from sqlalchemy import distinct, func, select

from ... import permissions
from ...extensions import db
from ...models.delphi import Code, Codebook, Committee, Item, ItemSource, Round
from ..rounds import double_coding, moderation, suggestion_service
from ..rounds import queries as round_queries
from ..rounds import statistics as round_statistics

NO_GROUP = ""  # members without a country, or without a stated expertise


@dataclass
class Breakdown:
    """Counts by group under the small-cell rule: groups with at least `minimum` members are shown by name, the
    others only pooled (how many groups and how many members), so that no small group is named."""
    shown: list[tuple[str, int]]
    pooled_groups: int
    pooled_members: int
    minimum: int


def breakdown(counts: dict[str, int], minimum: int) -> Breakdown:
    shown = sorted(((k, n) for k, n in counts.items() if n >= minimum), key=lambda p: (-p[1], p[0]))
    small = [n for n in counts.values() if 0 < n < minimum]
    return Breakdown(shown, len(small), sum(small), minimum)


@dataclass
class Panel:
    members: int
    facilitators: int
    countries: int
    subregions: list[tuple[str, int]]   # in the house order, then members without a country
    by_country: Breakdown               # keys: country names in the report's language
    by_expertise: Breakdown


@dataclass
class Coding:
    """An open round's systemizing: answers, codings (fragments or whole answers), codes, derived closed items."""
    open_answers: int
    codings: int
    fragments: int        # codings of a part of an answer (the others cover the whole answer)
    not_codable: int
    codes: int            # active codes
    merged_codes: int
    derived_items: int    # items of the reported rounds built from this round's codes


@dataclass
class Changes:
    """How a round's items relate to the previous round's."""
    previous: int         # the previous round's number
    carried: int
    reworded: int         # carried, with another wording
    added: int            # not carried
    derived: int          # added, built from codes
    dropped: int          # items of the previous rating round not carried into this one


@dataclass
class RoundFacts:
    round: Round
    invited: int
    answered: int
    answered_next: Optional[int]         # answered this round and the next one shown (None: no next round)
    items_total: int
    items_rated: int                     # agreement items
    items_consensus: Optional[int]       # None while its results are not available to the reader
    stability_assessed: Optional[int] = None
    stability_stable: Optional[int] = None
    stability_kappa: Optional[float] = None  # mean weighted kappa of the carried statements that have one
    cv_stability: Optional[float] = None  # mean group stability (100 - CV %) of the statements with n >= 3
    coding: Optional[Coding] = None
    changes: Optional[Changes] = None
    hidden_comments: int = 0
    flagged_comments: int = 0
    double_coding: Any = None
    suggestions: Optional[dict[str, int]] = None  # open rounds: suggested codes shown, accepted, rejected
    realtime: bool = False

    @property
    def rate(self) -> Optional[Fraction]:
        return Fraction(100 * self.answered, self.invited) if self.invited else None

    @property
    def opened(self) -> Optional[datetime]:
        return self.round.opened_at


@dataclass
class MethodsFacts:
    committee: Committee
    panel: Panel
    rounds: list[RoundFacts] = field(default_factory=list)
    full: bool = False                   # read by those who run the committee


def panel(committee: Committee, lang: str) -> Panel:
    members = committee.members
    minimum = committee.min_cell_size
    order = round_statistics.SUBREGION_ORDER
    subregion = Counter(m.country.subregion if m.country else NO_GROUP for m in members)
    subregions = [(k, subregion[k]) for k in order if subregion.get(k)]
    subregions += [(k, n) for k, n in subregion.items() if k not in order]
    by_country = Counter(m.country.name(lang) if m.country else NO_GROUP for m in members)
    expertise = Counter((m.expertise or "").strip().casefold() for m in members)
    # the wording shown is one member's own (the most common spelling of the group)
    spelled = {key: Counter((m.expertise or "").strip() for m in members
                            if (m.expertise or "").strip().casefold() == key).most_common(1)[0][0]
               for key in expertise}
    return Panel(len(members), len(committee.facilitators), len({m.country_id for m in members if m.country_id}),
                 subregions, breakdown(dict(by_country), minimum),
                 breakdown({spelled[k]: n for k, n in expertise.items()}, minimum))


def _answered(participation: round_queries.Participation) -> set[int]:
    return {row.membership.id for row in participation.rows if row.status == "submitted"}


def _coding(round_: Round, reported: list[int]) -> Coding:
    space = round_queries.workspace(round_)
    entries = [e for _item, group in space.items for e in group]
    codings = [c for e in entries for c in e.codings]
    derived = db.session.scalar(
        select(func.count(distinct(ItemSource.item_id))).join(Code, Code.id == ItemSource.code_id)
        .join(Codebook, Codebook.id == Code.codebook_id).join(Item, Item.id == ItemSource.item_id)
        .where(Codebook.round_id == round_.id, Item.round_id.in_(reported))) or 0
    return Coding(open_answers=space.total, codings=len(codings),
                  fragments=sum(1 for c in codings if c.fragment), not_codable=sum(1 for e in entries if e.not_codable),
                  codes=len(space.codes), merged_codes=len(space.merged), derived_items=derived)


def _changes(current: Round, previous: Round) -> Changes:
    before = {i.id: i for i in previous.items}
    carried = [i for i in current.items if i.carried_from_item_id in before]
    kept = {i.carried_from_item_id for i in carried}
    added = [i for i in current.items if i.carried_from_item_id not in before]
    return Changes(previous=previous.number, carried=len(carried),
                   reworded=sum(1 for i in carried if i.text != before[i.carried_from_item_id].text),
                   added=len(added), derived=sum(1 for i in added if i.sources),
                   # only a rating round's items can be carried over: an open round's questions never are
                   dropped=0 if previous.kind == "open" else sum(1 for i in previous.items if i.id not in kept))


def _moderation(facts: RoundFacts) -> None:
    rid = facts.round.id
    facts.hidden_comments = moderation.hidden_count(rid)
    facts.flagged_comments = moderation.flag_count(rid)
    facts.double_coding = double_coding.double_coding_summary(rid) if facts.round.kind == "open" else None
    facts.suggestions = suggestion_service.suggestion_counts(rid) if facts.round.kind == "open" else None
    facts.realtime = facts.round.realtime


def results_available(round_: Round, full: bool) -> bool:
    """Consensus and stability are reported once the reader may see the round's results: published rounds, and
    closed ones for those who run the committee."""
    return round_.status == "published" or (full and round_.status == "closed")


def gather(committee: Committee, viewer: Any, lang: str) -> MethodsFacts:
    """The report's facts for one reader: the rounds they may see that have opened, in order."""
    full = permissions.can_manage_committee(viewer, committee)
    numbers = db.session.scalars(select(Round.id).where(Round.committee_id == committee.id,
                                                        Round.status != "draft").order_by(Round.number))
    rounds = [r for r in (round_queries.round_detail(rid) for rid in numbers)
              if r is not None and permissions.can_see_round(viewer, r)]
    with_results = [r for r in rounds if results_available(r, full)]
    results = round_statistics.round_results_many(with_results)
    taking_part = {r.id: round_queries.participation(r) for r in rounds}
    out = MethodsFacts(committee, panel(committee, lang), full=full)
    for index, round_ in enumerate(rounds):
        part = taking_part[round_.id]
        following = rounds[index + 1] if index + 1 < len(rounds) else None
        answered = _answered(part)
        facts = RoundFacts(
            round_, invited=part.overall.members, answered=part.overall.submitted,
            answered_next=len(answered & _answered(taking_part[following.id])) if following else None,
            items_total=len(round_.items), items_rated=sum(1 for i in round_.items if i.kind == "agreement"),
            items_consensus=None)
        if round_.id in results:
            entries = [e for e in results[round_.id].items if e.agreement is not None]
            facts.items_consensus = sum(1 for e in entries if e.agreement.consensus and not e.is_small)
            groups = [e.agreement.cv_stability for e in entries if not e.is_small and e.agreement.cv_stability is not None]
            facts.cv_stability = sum(groups) / len(groups) if groups else None
            judged = [e.stability for e in entries if e.stability is not None and e.stability.stable is not None]
            if any(i.carried_from_item_id for i in round_.items):
                facts.stability_assessed = len(judged)
                facts.stability_stable = sum(1 for s in judged if s.stable)
                kappas = [s.kappa for s in judged if s.kappa is not None]
                facts.stability_kappa = float(sum(kappas) / len(kappas)) if kappas else None
        if round_.kind == "open":
            facts.coding = _coding(round_, [r.id for r in rounds])
        if index:
            facts.changes = _changes(round_, rounds[index - 1])
        _moderation(facts)
        out.rounds.append(facts)
    return out

