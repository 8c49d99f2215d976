"""Suggested codes in a round's systemizing workspace: feeds the engine (suggestions.py) the round's codings and
uncoded answers, and records the facilitator's decisions. A suggestion is never applied by itself: accepting
one creates the coding through the codebook service. Writes flush; the caller commits once.

How good the suggestions are, shown in the workspace: the leave-one-out on the round's current codings (each
coded text suggested codes from all the others; right when its code is among the three shown). It is chosen
over the share of accepted suggestions because it exists from the first codings on, does not depend on which
suggestions the facilitator happened to act on, and measures exactly what `make bench` measures."""
from __future__ import annotations

import hashlib
from collections import defaultdict
from dataclasses import dataclass, field
from typing import Optional

from flask import current_app
from flask_babel import gettext as _
from sqlalchemy import select

from ... import audit
from ...caching import BoundedCache
from ...errors import Conflict, InvalidInput, InvalidTransition
from ...extensions import db
from ...models import User
from ...models.delphi import Answer, Code, Round
from ...models.suggestion import SuggestionDecision
from . import codebook, queries
from . import suggestions as engine

_SUGGESTERS: dict[str, engine.Suggester] = {}
KEPT_ANALYSES = 16
_ANALYSES = BoundedCache(KEPT_ANALYSES)


def suggester() -> engine.Suggester:
    """The configured suggester (CODE_SUGGESTER), made once per process."""
    name = current_app.config.get("CODE_SUGGESTER") or engine.DEFAULT_SUGGESTER
    if name not in _SUGGESTERS:
        _SUGGESTERS[name] = engine.load_suggester(name)
    return _SUGGESTERS[name]


def description(code: Code) -> str:
    """What the engine reads of a code besides its codings: its labels and definitions in both languages."""
    parts = [*(code.label or {}).values(), *(code.definition or {}).values()]
    return " ".join(p for p in parts if p)


@dataclass
class Shown:
    """A suggested code as the workspace shows it: the code, its place, its score and the evidence (the most
    similar fragment already coded with it, and the answer it belongs to)."""
    code: Code
    rank: int
    score: float
    evidence: Optional[str]
    evidence_answer_id: Optional[int]


@dataclass
class CandidateCode:
    """Uncoded answers similar to each other: a candidate new code, with the words they share."""
    answers: list[queries.OpenAnswer]
    terms: tuple[str, ...]


@dataclass
class WorkspaceSuggestions:
    by_answer: dict[int, list[Shown]] = field(default_factory=dict)
    candidates: list[CandidateCode] = field(default_factory=list)
    right_at_3: int = 0
    cases: int = 0
    counts: dict[str, int] = field(default_factory=dict)

    @property
    def accuracy(self) -> Optional[int]:
        """Per cent of the round's coded texts whose code the suggestions would have had among the three."""
        return round(100 * self.right_at_3 / self.cases) if self.cases else None


def _entries(work: queries.Workspace) -> list[queries.OpenAnswer]:
    return [e for _item, entries in work.items for e in entries]


def _examples(work: queries.Workspace) -> list[engine.Example]:
    active = {c.id for c in work.codes}
    return [engine.Example(c.id, c.code_id, c.fragment or e.answer.text or "", e.answer.id)
            for e in _entries(work) for c in e.codings if c.code_id in active]


def _rejected(round_id: int) -> dict[tuple[int, Optional[str]], set[int]]:
    out: dict[tuple[int, Optional[str]], set[int]] = defaultdict(set)
    for answer_id, fragment, code_id in db.session.execute(
            select(SuggestionDecision.answer_id, SuggestionDecision.fragment, SuggestionDecision.code_id)
            .where(SuggestionDecision.round_id == round_id, SuggestionDecision.decision == "rejected")):
        out[(answer_id, fragment)].add(code_id)
    return out


def _shown(ranked: list[engine.Ranked], codes: dict[int, Code]) -> list[Shown]:
    return [Shown(codes[r.code], position, r.score, r.evidence.text if r.evidence else None,
                  r.evidence.group if r.evidence else None) for position, r in enumerate(ranked, start=1)]


def _analyse(examples: list[engine.Example], uncoded: list[tuple[int, str]], descriptions: dict[int, str],
             exclude: list[list[int]]) -> engine.Analysis:
    """engine.analyse, kept for the same inputs: viewing the workspace again without a change in between (or
    from another facilitator) reuses it. The key is a digest of everything the result depends on."""
    name = current_app.config.get("CODE_SUGGESTER") or engine.DEFAULT_SUGGESTER
    key = hashlib.sha256(repr((name, examples, uncoded, sorted(descriptions.items()), exclude)).encode()).hexdigest()
    analysis = _ANALYSES.get(key)
    if analysis is None:
        analysis = engine.analyse(suggester(), examples, uncoded, descriptions=descriptions, exclude=exclude)
        _ANALYSES.put(key, analysis)
    return analysis


def for_workspace(round_: Round, work: queries.Workspace) -> WorkspaceSuggestions:
    """Suggestions for every uncoded answer of the workspace, the candidate new codes among them, the round's
    leave-one-out accuracy and the decisions so far."""
    result = WorkspaceSuggestions(counts=suggestion_counts(round_.id))
    codes = {c.id: c for c in work.codes}
    descriptions = {c.id: description(c) for c in work.codes}
    examples = _examples(work)
    uncoded = [e for e in _entries(work) if e.is_uncoded and (e.answer.text or "").strip()]
    if not uncoded and not examples:
        return result
    rejected = _rejected(round_.id)
    analysis = _analyse(examples, [(e.answer.id, e.answer.text) for e in uncoded], descriptions,
                        [sorted(rejected.get((e.answer.id, None), set())) for e in uncoded])
    result.by_answer = {e.answer.id: _shown(r, codes) for e, r in zip(uncoded, analysis.ranked) if r}
    by_id = {e.answer.id: e for e in uncoded}
    result.candidates = [CandidateCode([by_id[k] for k in c.keys], c.terms) for c in analysis.clusters]
    result.right_at_3, result.cases = analysis.right_at_3, analysis.cases
    return result


def leave_one_out(work: queries.Workspace) -> tuple[int, int, int]:
    """(right at 1, right at 3, coded texts) of the round's current codings (as the workspace and the bench
    measure them)."""
    return engine.leave_one_out(suggester(), _examples(work), descriptions={c.id: description(c) for c in work.codes})



def _check(round_: Round, answer: Answer) -> None:
    if round_.kind != "open":
        raise InvalidInput(_("Only the answers of open rounds are coded."))
    if (answer.response.round_id != round_.id or answer.item.kind != "open_text"
            or answer.response.status != "submitted" or not answer.text):
        raise InvalidInput(_("Only submitted answers to the open questions of this round can be coded."))


def for_fragment(round_: Round, answer: Answer, fragment: Optional[str]) -> tuple[Optional[str], list[Shown]]:
    """Suggestions for one answer or a fragment of it (the fragment as stored: None for the whole answer);
    codes it already has, or that were rejected for it, are left out."""
    _check(round_, answer)
    fragment = codebook.checked_fragment(answer, fragment)
    work = queries.workspace(round_)
    codes = {c.id: c for c in work.codes}
    examples = [e for e in _examples(work) if not (e.group == answer.id and e.text == (fragment or answer.text))]
    have = {c.code_id for e in _entries(work) if e.answer.id == answer.id for c in e.codings
            if c.fragment == fragment}
    banned = have | _rejected(round_.id).get((answer.id, fragment), set())
    ranked = engine.rank(suggester(), examples, [fragment or answer.text or ""],
                         descriptions={c.id: description(c) for c in work.codes}, exclude=[banned])
    return fragment, _shown(ranked[0], codes)


def decide(actor: User, round_: Round, answer: Answer, code: Code, *, accept: bool, fragment: Optional[str] = None,
           shown: list[int] | tuple[int, ...] = (), score: float = 0.0) -> SuggestionDecision:
    """Accepts (codes the answer or fragment through the codebook service) or rejects a suggested code, and
    records the decision with the codes shown beside it. Deciding again on the same suggestion updates it."""
    _check(round_, answer)
    if round_.status not in ("open", "closed"):
        raise InvalidTransition(_("The codebook can change only while the round is open or closed, before its "
                                  "feedback is published."))
    if code.codebook.round_id != round_.id:
        raise InvalidInput(_("That code belongs to another round."))
    if not code.is_active:
        raise Conflict(_("That code has been merged into another one: use that one."))
    valid = {c.id for c in queries.workspace_codes(round_)}
    shown = [c for c in dict.fromkeys(int(c) for c in shown) if c in valid][:engine.LIMIT] or [code.id]
    if code.id not in shown:
        raise InvalidInput(_("Decide only on a code that was suggested."))
    fragment = codebook.checked_fragment(answer, fragment)
    coding = codebook.assign_code(actor, answer, code, fragment) if accept else None
    decision = db.session.scalar(select(SuggestionDecision).where(
        SuggestionDecision.answer_id == answer.id, SuggestionDecision.code_id == code.id,
        SuggestionDecision.fragment.is_(None) if fragment is None else SuggestionDecision.fragment == fragment))
    if decision is None:
        decision = SuggestionDecision(round_id=round_.id, answer_id=answer.id, code_id=code.id, fragment=fragment)
        db.session.add(decision)
    decision.decision = "accepted" if accept else "rejected"
    decision.rank, decision.score, decision.shown = shown.index(code.id) + 1, float(score), shown
    decision.coding_id = coding.id if coding is not None else None
    decision.decided_by_id = actor.id
    db.session.flush()
    # the fragment is answer content: the trail keeps only whether there was one
    audit.record(actor, f"delphi_suggestion.{decision.decision}", decision,
                 after={"answer": answer.id, "code": code.id, "rank": decision.rank, "fragment": fragment is not None})
    return decision


def suggestion_counts(round_id: int) -> dict[str, int]:
    """For the methods report: suggestions shown (every code shown beside a suggestion the facilitator acted on,
    once per answer or fragment), accepted and rejected. Suggestions on answers nobody acted on are not counted:
    viewing the workspace writes nothing."""
    shown: set[tuple[int, Optional[str], int]] = set()
    counts = {"shown": 0, "accepted": 0, "rejected": 0}
    for decision in db.session.scalars(select(SuggestionDecision).where(SuggestionDecision.round_id == round_id)):
        counts[decision.decision] += 1
        shown.update((decision.answer_id, decision.fragment, c) for c in (decision.shown or [decision.code_id]))
        shown.add((decision.answer_id, decision.fragment, decision.code_id))
    counts["shown"] = len(shown)
    return counts
