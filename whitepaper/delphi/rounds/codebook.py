"""Systemizing open answers: the round's codebook, codes (add, edit, merge, split) and codings of
answers or fragments, and answers marked not codable. Writes flush; the caller commits once."""
from __future__ import annotations

from typing import Iterable

from flask_babel import gettext as _
from sqlalchemy import delete, func, select

from ... import audit
from ...errors import Conflict, InvalidInput, InvalidTransition
from ...extensions import db
from ...models import User
from ...models.delphi import (
    Answer,
    Code,
    Codebook,
    Coding,
    ItemSource,
    Round,
    UncodableMark,
)

MAX_FRAGMENT = 2000


def _require_systemizing(round_: Round) -> None:
    if round_.kind != "open":
        raise InvalidInput(_("Only the answers of open rounds are coded."))
    if round_.status not in ("open", "closed"):
        raise InvalidTransition(_("The codebook can change only while the round is open or closed, before its "
                                  "feedback is published."))


def codebook_for(round_: Round) -> Codebook:
    codebook = db.session.scalar(select(Codebook).where(Codebook.round_id == round_.id))
    if codebook is None:
        codebook = Codebook(round_id=round_.id)
        db.session.add(codebook)
        db.session.flush()
    return codebook


def _bilingual(es: str | None, en: str | None, limit: int = 300) -> dict[str, str]:
    out = {"es": (es or "").strip()[:limit], "en": (en or "").strip()[:limit]}
    return out


def add_code(actor: User, round_: Round, *, label_es: str, label_en: str = "", definition_es: str = "",
             definition_en: str = "") -> Code:
    _require_systemizing(round_)
    label = _bilingual(label_es, label_en, 200)
    if not (label["es"] or label["en"]):
        raise InvalidInput(_("Give the code a label, in Spanish or in English."))
    codebook = codebook_for(round_)
    position = db.session.scalar(select(func.max(Code.position)).where(Code.codebook_id == codebook.id))
    code = Code(codebook_id=codebook.id, position=(position or 0) + 1, label=label,
                definition=_bilingual(definition_es, definition_en, 1000))
    db.session.add(code)
    db.session.flush()
    audit.record(actor, "delphi_code.create", code, after={"round": round_.id, "label": code.label})
    return code


def edit_code(actor: User, code: Code, *, label_es: str, label_en: str = "", definition_es: str = "",
              definition_en: str = "") -> Code:
    _require_systemizing(code.codebook.round)
    label = _bilingual(label_es, label_en, 200)
    if not (label["es"] or label["en"]):
        raise InvalidInput(_("Give the code a label, in Spanish or in English."))
    before = {"label": dict(code.label), "definition": dict(code.definition or {})}
    code.label, code.definition = label, _bilingual(definition_es, definition_en, 1000)
    db.session.flush()
    after = {"label": code.label, "definition": code.definition}
    if after != before:
        audit.record(actor, "delphi_code.edit", code, before=before, after=after)
    return code


def _move_codings(codings: Iterable[Coding], target: Code) -> int:
    """Moves codings to another code, dropping those that would repeat one the target already has."""
    have = {(c.answer_id, c.fragment) for c in db.session.scalars(select(Coding).where(Coding.code_id == target.id))}
    moved = 0
    for coding in list(codings):
        if (coding.answer_id, coding.fragment) in have:
            db.session.delete(coding)
            continue
        coding.code_id = target.id
        have.add((coding.answer_id, coding.fragment))
        moved += 1
    return moved


def merge_codes(actor: User, source: Code, target: Code) -> Code:
    """Everything coded `source` becomes `target`; `source` stays, marked as merged, for traceability."""
    _require_systemizing(source.codebook.round)
    if source.id == target.id or source.codebook_id != target.codebook_id:
        raise InvalidInput(_("Choose another code of the same codebook to merge into."))
    if not source.is_active or not target.is_active:
        raise Conflict(_("That code has already been merged."))
    moved = _move_codings(db.session.scalars(select(Coding).where(Coding.code_id == source.id)).all(), target)
    for link in db.session.scalars(select(ItemSource).where(ItemSource.code_id == source.id)).all():
        if db.session.get(ItemSource, (link.item_id, target.id)) is None:
            db.session.add(ItemSource(item_id=link.item_id, code_id=target.id))
    source.merged_into_id = target.id
    db.session.flush()
    audit.record(actor, "delphi_code.merge", source, after={"into": target.id, "codings_moved": moved})
    return target


def split_code(actor: User, code: Code, *, label_es: str, label_en: str = "", definition_es: str = "",
               definition_en: str = "", coding_ids: Iterable[int] = ()) -> Code:
    """A new code taking the chosen codings of `code` (the rest stay where they were)."""
    new = add_code(actor, code.codebook.round, label_es=label_es, label_en=label_en, definition_es=definition_es,
                   definition_en=definition_en)
    new.split_from_id = code.id
    ids = set(coding_ids)
    chosen = [c for c in db.session.scalars(select(Coding).where(Coding.code_id == code.id)) if c.id in ids]
    if len(chosen) != len(ids):
        raise InvalidInput(_("Choose codings of the code being split."))
    moved = _move_codings(chosen, new)
    db.session.flush()
    audit.record(actor, "delphi_code.split", code, after={"new_code": new.id, "codings_moved": moved})
    return new


def _codable_answer(answer: Answer, round_: Round) -> None:
    item = answer.item
    response = answer.response
    if item.round_id != round_.id or item.kind != "open_text" or response.status != "submitted" or not answer.text:
        raise InvalidInput(_("Only submitted answers to the open questions of this round can be coded."))


def checked_fragment(answer: Answer, fragment: str | None) -> str | None:
    """The fragment of an answer a coding names, as stored: None for the whole answer (no fragment, or all of
    it); refused when longer than MAX_FRAGMENT or not copied exactly from the answer."""
    fragment = (fragment or "").strip() or None
    if fragment is None:
        return None
    if len(fragment) > MAX_FRAGMENT:
        raise InvalidInput(_("A fragment may have at most %(n)d characters.", n=MAX_FRAGMENT))
    if fragment not in (answer.text or ""):
        raise InvalidInput(_("The fragment must be copied exactly from the answer."))
    return None if fragment == (answer.text or "").strip() else fragment


def assign_code(actor: User, answer: Answer, code: Code, fragment: str | None = None) -> Coding:
    round_ = code.codebook.round
    _require_systemizing(round_)
    _codable_answer(answer, round_)
    if not code.is_active:
        raise Conflict(_("That code has been merged into another one: use that one."))
    fragment = checked_fragment(answer, fragment)
    duplicate = db.session.scalar(select(Coding).where(
        Coding.answer_id == answer.id, Coding.code_id == code.id,
        Coding.fragment.is_(None) if fragment is None else Coding.fragment == fragment))
    if duplicate is not None:
        return duplicate
    coding = Coding(answer_id=answer.id, code_id=code.id, fragment=fragment, created_by_id=actor.id)
    db.session.add(coding)
    db.session.execute(delete(UncodableMark).where(UncodableMark.answer_id == answer.id))
    db.session.flush()
    # The fragment is answer content: the trail keeps only whether one was chosen.
    audit.record(actor, "delphi_coding.add", coding,
                 after={"answer": answer.id, "code": code.id, "fragment": fragment is not None})
    return coding


def remove_coding(actor: User, coding: Coding) -> None:
    _require_systemizing(coding.code.codebook.round)
    audit.record(actor, "delphi_coding.remove", coding,
                 before={"answer": coding.answer_id, "code": coding.code_id, "fragment": coding.fragment is not None})
    db.session.delete(coding)
    db.session.flush()


def mark_not_codable(actor: User, answer: Answer, round_: Round, not_codable: bool = True) -> None:
    _require_systemizing(round_)
    _codable_answer(answer, round_)
    mark = db.session.get(UncodableMark, answer.id)
    if not_codable:
        coded = db.session.scalar(select(func.count()).select_from(Coding).where(Coding.answer_id == answer.id))
        if coded:
            raise Conflict(_("This answer has codes: remove them before marking it not codable."))
        if mark is None:
            db.session.add(UncodableMark(answer_id=answer.id, marked_by_id=actor.id))
            audit.record(actor, "delphi_answer.not_codable", answer, after={"not_codable": True})
    elif mark is not None:
        db.session.delete(mark)
        audit.record(actor, "delphi_answer.not_codable", answer, after={"not_codable": False})
    db.session.flush()
