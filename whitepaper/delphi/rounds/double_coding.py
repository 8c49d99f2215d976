"""Double coding of an open round: a second facilitator codes the answers blind to the first coding (the
round's `Coding` rows), finishes, and the platform compares the two codings with Krippendorff's alpha
(nominal; docs/design.md, "Codebook interchange (REFI-QDA) and double coding"); the pair then settles each
disagreement into the final coding.

Units of the comparison: the answers both coders decided (coded, or marked not codable). For one code, each
unit's value per coder is whether that coder gave the answer the code (anywhere in it); the overall alpha pools
these yes/no decisions over all codes. A merged code counts as the code it went into.
Writes flush; the caller commits once."""
from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, Optional

from flask_babel import gettext as _
from sqlalchemy import delete, func, select

from ... import audit, formatting
from ...errors import Conflict, InvalidInput, InvalidTransition, NotAllowed
from ...extensions import db
from ...models import User
from ...models.delphi import Answer, Code, Codebook, Coding, Response, Round, UncodableMark
from ...models.double_coding import SETTLEMENT_DECISIONS, CodingSettlement, DoubleCoding, SecondCoding
from . import codebook, queries
from .agreement import nominal_alpha


def current(round_id: int) -> Optional[DoubleCoding]:
    return db.session.scalar(select(DoubleCoding).where(DoubleCoding.round_id == round_id))


def is_blind(user: Any, round_: Round) -> bool:
    """Whether `user` is coding this round blind right now (and so may not see the first coding)."""
    work = current(round_.id)
    return work is not None and not work.is_finished and work.coder_id == getattr(user, "id", None)


def _require_editable(round_: Round) -> None:
    if round_.kind != "open":
        raise InvalidInput(_("Only the answers of open rounds are coded."))
    if round_.status not in ("open", "closed"):
        raise InvalidTransition(_("The coding can change only while the round is open or closed, before its "
                                  "feedback is published."))


def start(actor: User, round_: Round) -> DoubleCoding:
    """`actor` becomes the round's second coder; someone who coded its answers cannot code them blind."""
    _require_editable(round_)
    if current(round_.id) is not None:
        raise Conflict(_("This round already has a second coding."))
    coded = db.session.scalar(
        select(func.count()).select_from(Coding).join(Answer, Answer.id == Coding.answer_id)
        .join(Response, Response.id == Answer.response_id)
        .where(Response.round_id == round_.id, Coding.created_by_id == actor.id))
    if coded:
        raise Conflict(_("You have coded answers of this round yourself: the second coding must come from "
                         "a facilitator who has not."))
    work = DoubleCoding(round_id=round_.id, coder_id=actor.id)
    db.session.add(work)
    db.session.flush()
    audit.record(actor, "delphi_double_coding.start", work, after={"round": round_.id})
    return work


def _require_coder(actor: User, work: DoubleCoding) -> None:
    _require_editable(work.round)
    if work.coder_id != actor.id:
        raise NotAllowed(_("Only the second coder of this round codes it blind."))
    if work.is_finished:
        raise Conflict(_("The second coding is finished: it can no longer change."))


def _codable(answer: Answer, round_: Round) -> None:
    if answer.item.round_id != round_.id or answer.item.kind != "open_text" \
            or answer.response.status != "submitted" or not answer.text:
        raise InvalidInput(_("Only submitted answers to the open questions of this round can be coded."))


def add_coding(actor: User, work: DoubleCoding, answer: Answer, code: Code,
               fragment: str | None = None) -> SecondCoding:
    _require_coder(actor, work)
    _codable(answer, work.round)
    if code.codebook.round_id != work.round_id:
        raise InvalidInput(_("That code belongs to another round."))
    if not code.is_active:
        raise Conflict(_("That code has been merged into another one: use that one."))
    fragment = codebook.checked_fragment(answer, fragment)
    mine = db.session.scalars(select(SecondCoding).where(SecondCoding.double_coding_id == work.id,
                                                         SecondCoding.answer_id == answer.id)).all()
    for row in mine:
        if row.code_id == code.id and row.fragment == fragment:
            return row
        if row.code_id is None:  # coding an answer takes back its "not codable"
            db.session.delete(row)
    row = SecondCoding(double_coding_id=work.id, answer_id=answer.id, code_id=code.id, fragment=fragment)
    db.session.add(row)
    db.session.flush()
    return row


def remove_coding(actor: User, row: SecondCoding) -> None:
    _require_coder(actor, db.session.get(DoubleCoding, row.double_coding_id))
    db.session.delete(row)
    db.session.flush()


def mark_not_codable(actor: User, work: DoubleCoding, answer: Answer, not_codable: bool = True) -> None:
    _require_coder(actor, work)
    _codable(answer, work.round)
    rows = db.session.scalars(select(SecondCoding).where(SecondCoding.double_coding_id == work.id,
                                                         SecondCoding.answer_id == answer.id)).all()
    mark = next((r for r in rows if r.code_id is None), None)
    if not_codable:
        if any(r.code_id is not None for r in rows):
            raise Conflict(_("This answer has codes: remove them before marking it not codable."))
        if mark is None:
            db.session.add(SecondCoding(double_coding_id=work.id, answer_id=answer.id, code_id=None))
    elif mark is not None:
        db.session.delete(mark)
    db.session.flush()


def second_codings(work: DoubleCoding) -> dict[int, list[SecondCoding]]:
    out: dict[int, list[SecondCoding]] = {}
    for row in db.session.scalars(select(SecondCoding).where(SecondCoding.double_coding_id == work.id)
                                  .order_by(SecondCoding.id)):
        out.setdefault(row.answer_id, []).append(row)
    return out


def _listing(work: DoubleCoding) -> list[tuple[Any, list[queries.OpenAnswer]]]:
    """The round's open answers per question, in its listing order."""
    return queries.workspace(queries.round_detail(work.round_id)).items


def finish(actor: User, work: DoubleCoding, now: datetime) -> None:
    """Freezes the second coding and takes the snapshot of the first that it will be compared with."""
    _require_coder(actor, work)
    answer_ids = [e.answer.id for _item, entries in _listing(work) for e in entries]
    snapshot: dict[str, list[list[Any]]] = {}
    for coding in db.session.scalars(select(Coding).where(Coding.answer_id.in_(answer_ids)).order_by(Coding.id)):
        snapshot.setdefault(str(coding.answer_id), []).append([coding.code_id, coding.fragment])
    for answer_id in db.session.scalars(select(UncodableMark.answer_id).where(UncodableMark.answer_id.in_(answer_ids))):
        snapshot.setdefault(str(answer_id), [])
    work.first_snapshot = snapshot
    work.finished_at = now
    db.session.flush()
    audit.record(actor, "delphi_double_coding.finish", work, after={"first_answers": len(snapshot)})


# --- the comparison --------------------------------------------------------------------------------------
@dataclass
class Disagreement:
    answer: Answer
    code: Code
    first: list[Optional[str]]  # fragments (None: the whole answer) the first coder gave; empty: not given
    second: list[Optional[str]]
    settlement: Optional[CodingSettlement] = None


@dataclass
class Comparison:
    units: int  # answers both decided
    only_one: int  # answers only one of the two decided
    alpha: Optional[float]
    per_code: list[tuple[Code, Optional[float]]]
    disagreements: list[Disagreement] = field(default_factory=list)

    @property
    def settled(self) -> int:
        return sum(1 for d in self.disagreements if d.settlement is not None)


def _resolver(round_id: int) -> tuple[list[Code], dict[int, Code]]:
    codes = list(db.session.scalars(select(Code).join(Codebook).where(Codebook.round_id == round_id)
                                    .order_by(Code.position)))
    by_id = {c.id: c for c in codes}
    target: dict[int, Code] = {}
    for code in codes:
        final, hops = code, 0
        while final.merged_into_id is not None and final.merged_into_id in by_id and hops < len(codes):
            final, hops = by_id[final.merged_into_id], hops + 1
        target[code.id] = final
    return [c for c in codes if c.is_active], target


def compare(work: DoubleCoding) -> Comparison:
    """The finished second coding against the snapshot of the first."""
    active, target = _resolver(work.round_id)
    first: dict[int, dict[int, list[Optional[str]]]] = {}
    for answer_id, pairs in (work.first_snapshot or {}).items():
        marks = first.setdefault(int(answer_id), {})
        for code_id, fragment in pairs:
            if code_id in target:  # a code deleted since is no longer anyone's
                marks.setdefault(target[code_id].id, []).append(fragment)
    second: dict[int, dict[int, list[Optional[str]]]] = {}
    for answer_id, rows in second_codings(work).items():
        marks = second.setdefault(answer_id, {})
        for row in rows:
            if row.code_id is not None:
                marks.setdefault(target[row.code_id].id, []).append(row.fragment)
    units = sorted(set(first) & set(second))
    per_code = [(code, nominal_alpha([[int(code.id in first[a]), int(code.id in second[a])] for a in units]))
                for code in active]
    pooled = [[int(code.id in first[a]), int(code.id in second[a])] for code in active for a in units]
    settled = {(s.answer_id, s.code_id): s for s in db.session.scalars(
        select(CodingSettlement).where(CodingSettlement.double_coding_id == work.id))}
    answers = {a.id: a for a in db.session.scalars(select(Answer).where(Answer.id.in_(units)))} if units else {}
    order = {e.answer.id: n for n, e in enumerate(e for _i, es in _listing(work) for e in es)}
    disagreements = [Disagreement(answers[a], code, first[a].get(code.id, []), second[a].get(code.id, []),
                                  settled.get((a, code.id)))
                     for a in sorted(units, key=lambda a: (order.get(a, len(order)), a)) for code in active
                     if (code.id in first[a]) != (code.id in second[a])]
    return Comparison(units=len(units), only_one=len(set(first) ^ set(second)), alpha=nominal_alpha(pooled),
                      per_code=per_code, disagreements=disagreements)


def settle(actor: User, work: DoubleCoding, answer: Answer, code: Code, decision: str) -> CodingSettlement:
    """Puts one disagreement into the final coding: "apply" gives the answer the code (with the fragment the
    coder who gave it chose) unless it already has it; "omit" removes the code from the answer."""
    _require_editable(work.round)
    if not work.is_finished:
        raise Conflict(_("Disagreements can be settled once the second coding is finished."))
    if decision not in SETTLEMENT_DECISIONS:
        raise InvalidInput(_("Choose whether the code goes into the final coding or stays out of it."))
    found = next((d for d in compare(work).disagreements if d.answer.id == answer.id and d.code.id == code.id),
                 None)
    if found is None:
        raise InvalidInput(_("The two coders agree on that answer and code: there is nothing to settle."))
    final = db.session.scalars(select(Coding).where(Coding.answer_id == answer.id, Coding.code_id == code.id)).all()
    if decision == "apply" and not final:
        fragment = (found.first or found.second or [None])[0]
        codebook.assign_code(actor, answer, code, fragment if fragment and fragment in (answer.text or "") else None)
    elif decision == "omit":
        for coding in final:
            codebook.remove_coding(actor, coding)
    settlement = found.settlement
    if settlement is None:
        settlement = CodingSettlement(double_coding_id=work.id, answer_id=answer.id, code_id=code.id)
        db.session.add(settlement)
    settlement.decision, settlement.settled_by_id = decision, actor.id
    db.session.flush()
    audit.record(actor, "delphi_double_coding.settle", work,
                 after={"answer": answer.id, "code": code.id, "decision": decision})
    return settlement


def discard(actor: User, work: DoubleCoding) -> None:
    """Drops an unfinished second coding (its coder, or whoever runs the committee, e.g. to start over)."""
    _require_editable(work.round)
    if work.is_finished:
        raise Conflict(_("The second coding is finished: it can no longer change."))
    db.session.execute(delete(SecondCoding).where(SecondCoding.double_coding_id == work.id))
    audit.record(actor, "delphi_double_coding.discard", work, before={"coder": work.coder_id})
    db.session.delete(work)
    db.session.flush()


def double_coding_summary(round_id: int) -> dict[str, Any] | None:
    """For the methods report: None without a second coding; otherwise whether it is finished and, once it is,
    the overall alpha (None when undefined), how many answers were compared, the disagreements and how many of
    them the pair settled, and the alpha of each code."""
    work = current(round_id)
    if work is None:
        return None
    if not work.is_finished:
        return {"finished": False, "alpha": None, "units": 0, "disagreements": 0, "settled": 0, "per_code": []}
    result = compare(work)
    return {"finished": True, "alpha": result.alpha, "units": result.units,
            "disagreements": len(result.disagreements), "settled": result.settled,
            "per_code": [{"code_id": c.id, "label": formatting.text(c.label), "alpha": a}
                         for c, a in result.per_code]}
