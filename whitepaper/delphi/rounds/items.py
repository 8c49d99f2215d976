"""The questions of a closed round: agreement statements (drafted from codes or written), ranking
items, items carried over from an earlier round, editing, removing and ordering them. Writes flush."""
from __future__ import annotations

from typing import Iterable

from flask_babel import gettext as _
from sqlalchemy import func, select

from ... import audit
from ...catalogue import queries as catalogue_queries
from ...errors import InvalidInput, InvalidTransition
from ...extensions import db
from ...models import User
from ...models.delphi import Code, Codebook, Item, ItemSource, Round
from . import statistics
from .answers import MAX_TEXT


def _require_draft(round_: Round) -> None:
    if not round_.is_editable:
        raise InvalidTransition(_("Questions can be changed only while the round is a draft."))


def _next_position(round_: Round) -> int:
    current = db.session.scalar(select(func.max(Item.position)).where(Item.round_id == round_.id))
    return 0 if current is None else current + 1


def _committee_codes(round_: Round, code_ids: Iterable[int]) -> list[Code]:
    """Codes of earlier rounds of the same committee, in the order asked."""
    ids = list(dict.fromkeys(code_ids))
    if not ids:
        return []
    codes = {c.id: c for c in db.session.scalars(
        select(Code).join(Codebook).join(Round, Round.id == Codebook.round_id)
        .where(Code.id.in_(ids), Round.committee_id == round_.committee_id, Round.number < round_.number))}
    if len(codes) != len(ids):
        raise InvalidInput(_("Choose codes from the earlier rounds of this committee."))
    return [codes[i] for i in ids]


def draft_statement(code: Code) -> dict[str, str]:
    """An agreement statement drafted from a code, for the facilitator to edit."""
    out = {}
    for lang in ("es", "en"):
        label = code.label.get(lang) or ""
        definition = (code.definition or {}).get(lang) or ""
        if not label:
            continue
        text = label.rstrip(".")
        if definition:
            text += ": " + definition[0].lower() + definition[1:]
        out[lang] = text if text.endswith(".") else text + "."
    return out


def _check_text(text: dict[str, str]) -> dict[str, str]:
    text = {"es": (text.get("es") or "").strip()[:MAX_TEXT], "en": (text.get("en") or "").strip()[:MAX_TEXT]}
    if not (text["es"] or text["en"]):
        raise InvalidInput(_("Write the question or statement, in Spanish or in English."))
    return text


def add_agreement_item(actor: User, round_: Round, text: dict[str, str], *, allow_dont_know: bool = True,
                       code_ids: Iterable[int] = ()) -> Item:
    _require_draft(round_)
    codes = _committee_codes(round_, code_ids)
    item = Item(round=round_, position=_next_position(round_), kind="agreement", text=_check_text(text),
                options=[], allow_dont_know=allow_dont_know,
                comment_prompt={"es": "Comentario (opcional, anónimo)", "en": "Comment (optional, anonymous)"},
                sources=[ItemSource(code_id=c.id) for c in codes])
    db.session.add(item)
    db.session.flush()
    audit.record(actor, "delphi_item.create", item, after={"round": round_.id, "kind": "agreement",
                                                           "codes": [c.id for c in codes]})
    return item


def add_items_from_codes(actor: User, round_: Round, code_ids: Iterable[int]) -> list[Item]:
    """One agreement item per code, its statement drafted from the code (editable afterwards)."""
    codes = _committee_codes(round_, code_ids)
    if not codes:
        raise InvalidInput(_("Choose at least one code."))
    return [add_agreement_item(actor, round_, draft_statement(code), code_ids=[code.id]) for code in codes]


def add_ranking_item(actor: User, round_: Round, text: dict[str, str], *, code_ids: Iterable[int] = (),
                     dimensions: bool = False) -> Item:
    """A ranking of the chosen codes (or of the five dimensions of the consulted version)."""
    _require_draft(round_)
    if dimensions:
        version = catalogue_queries.version_tree(round_.committee.catalogue_version_id)
        options = [{"key": d.key, "label": dict(d.title)} for d in version.dimensions]
        codes: list[Code] = []
    else:
        codes = _committee_codes(round_, code_ids)
        options = [{"key": f"code-{c.id}", "label": dict(c.label)} for c in codes]
    if len(options) < 2:
        raise InvalidInput(_("A ranking needs at least two options."))
    item = Item(round=round_, position=_next_position(round_), kind="ranking", text=_check_text(text),
                options=options, allow_dont_know=False,
                comment_prompt={"es": "¿Por qué eligió ese orden? (opcional)",
                                "en": "Why did you choose this order? (optional)"},
                sources=[ItemSource(code_id=c.id) for c in codes])
    db.session.add(item)
    db.session.flush()
    audit.record(actor, "delphi_item.create", item, after={"round": round_.id, "kind": "ranking",
                                                           "codes": [c.id for c in codes]})
    return item


def carry_over(actor: User, round_: Round, previous: Round, carried_item_ids: Iterable[int] | None = None) -> list[Item]:
    """Copies agreement items of an earlier closed round into this draft, keeping the link and their codes.

    By default, the items that did not reach consensus (docs/methods.md §3.6)."""
    _require_draft(round_)
    if previous.committee_id != round_.committee_id or previous.number >= round_.number or previous.kind != "closed":
        raise InvalidInput(_("Items are carried over from an earlier closed round of the same committee."))
    if previous.status not in ("closed", "published"):
        raise InvalidTransition(_("Items are carried over once their round has closed."))
    results = statistics.round_results(previous)
    if carried_item_ids is None:
        chosen = [r.item for r in results.items if r.item.kind == "agreement" and not r.agreement.consensus]
    else:
        ids = set(carried_item_ids)
        chosen = [r.item for r in results.items if r.item.id in ids and r.item.kind == "agreement"]
    already = set(db.session.scalars(select(Item.carried_from_item_id).where(Item.round_id == round_.id)))
    out = []
    for item in chosen:
        if item.id in already:
            continue
        copy = Item(round=round_, position=_next_position(round_), kind="agreement", text=dict(item.text),
                    options=[], allow_dont_know=item.allow_dont_know, comment_prompt=item.comment_prompt,
                    carried_from_item_id=item.id,
                    sources=[ItemSource(code_id=s.code_id) for s in item.sources])
        db.session.add(copy)
        db.session.flush()
        out.append(copy)
    audit.record(actor, "delphi_item.carry_over", round_, after={"from_round": previous.id,
                                                                "items": [i.carried_from_item_id for i in out]})
    return out


def update_item(actor: User, item: Item, text: dict[str, str], *, allow_dont_know: bool) -> Item:
    _require_draft(item.round)
    before = {"text": dict(item.text), "allow_dont_know": item.allow_dont_know}
    item.text = _check_text(text)
    item.allow_dont_know = allow_dont_know if item.kind == "agreement" else item.allow_dont_know
    db.session.flush()
    after = {"text": item.text, "allow_dont_know": item.allow_dont_know}
    if after != before:
        audit.record(actor, "delphi_item.edit", item, before=before, after=after)
    return item


def delete_item(actor: User, item: Item) -> None:
    _require_draft(item.round)
    audit.record(actor, "delphi_item.delete", item, before={"round": item.round_id, "kind": item.kind,
                                                            "text": item.text})
    db.session.delete(item)
    db.session.flush()


def move_item(actor: User, item: Item, step: int) -> None:
    _require_draft(item.round)
    siblings = list(db.session.scalars(select(Item).where(Item.round_id == item.round_id).order_by(Item.position,
                                                                                                   Item.id)))
    index = next(i for i, s in enumerate(siblings) if s.id == item.id)
    other = index + (1 if step > 0 else -1)
    if not 0 <= other < len(siblings):
        return
    siblings[index], siblings[other] = siblings[other], siblings[index]
    for position, sibling in enumerate(siblings):
        sibling.position = position
    db.session.flush()
    audit.record(actor, "delphi_item.move", item, after={"position": item.position})
