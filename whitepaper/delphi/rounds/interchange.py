"""The database side of REFI-QDA interchange (the XML itself is in `qda`): a round's codebook as `.qdc`, its
coded open answers as a pseudonymised `.qdpx`, and a `.qdc` imported into a round still being systemized.

Guids are stable: a code's comes from the installation's namespace and the code's id; an answer's and a
coding's also from the round's listing secret, so that they say nothing about the order in which members
answered. Sources carry only the round's pseudonym and the question number: no names, e-mails or countries."""
from __future__ import annotations

from uuid import UUID

from flask import current_app
from flask_babel import gettext as _

from ... import audit, formatting
from ...errors import Conflict, InvalidInput, InvalidTransition
from ...models import User
from ...models.base import utcnow
from ...models.delphi import Code, Round
from . import codebook, qda, queries

LANGS = ("es", "en")


def installation_namespace() -> UUID:
    return qda.namespace_for(current_app.config.get("PUBLIC_URL") or "urn:whitepaper-platform")


def code_guid(code_id: int) -> str:
    return qda.stable_guid(installation_namespace(), "delphi-code", code_id)


def _round_namespace(round_: Round) -> UUID:
    return qda.namespace_for(f"{installation_namespace()}:{round_.listing_secret}")


def _in(text: dict[str, str] | None, lang: str) -> str:
    return formatting.text(text, lang) if text else ""


def qda_codes(codes: list[Code], lang: str) -> list[qda.QdaCode]:
    return [qda.QdaCode(guid=code_guid(c.id), name=_in(c.label, lang), description=_in(c.definition, lang))
            for c in codes]


def file_stem(round_: Round) -> str:
    return f"{round_.committee.planning_model.key}-round-{round_.number}"


def codebook_file(round_: Round, lang: str) -> bytes:
    """The round's active codes (merged ones are gone into others) in order, as a REFI-QDA codebook."""
    return qda.codebook_xml(qda_codes(queries.workspace_codes(round_), lang))


def project_file(round_: Round, lang: str) -> bytes:
    """The round's open answers, in its listing order, with their codings (whole answers and fragments)."""
    work = queries.workspace(round_)
    space = _round_namespace(round_)
    sources = []
    for item, entries in work.items:
        for entry in entries:
            text = qda.plain_text(entry.answer.text or "")
            selections = []
            for coding in entry.codings:
                span = qda.selection_span(text, coding.fragment)
                if span is None:  # a fragment the answer no longer holds: nothing to point at
                    continue
                selections.append(qda.QdaSelection(
                    guid=qda.stable_guid(space, "selection", coding.id), start=span[0], end=span[1],
                    code_guid=code_guid(coding.code_id), coding_guid=qda.stable_guid(space, "coding", coding.id)))
            name = f"{entry.pseudonym} · {_('Question %(n)d', n=item.position + 1)}"
            sources.append(qda.QdaSource(guid=qda.stable_guid(space, "answer", entry.answer.id), name=name,
                                         text=text, selections=tuple(selections)))
    title = f"{formatting.text(round_.committee.planning_model.title, lang)} · " \
            f"{_('Round %(number)d', number=round_.number)}"
    return qda.project_qdpx(title, qda_codes(work.codes, lang), sources, utcnow())


def refusal_message(reason: str) -> str:
    limit = qda.MAX_CODEBOOK_BYTES // 1024
    return {
        "too_large": _("The codebook file is too large: it can have at most %(kb)d KB.", kb=limit),
        "not_xml": _("The file is not well-formed XML. Export the codebook again from your QDA program (.qdc)."),
        "unsafe": _("The file declares a document type or entities, which a REFI-QDA codebook never needs."),
        "namespace": _("The file is not a REFI-QDA codebook: its namespace must be urn:QDA-XML:codebook:1.0."),
        "not_codebook": _("The file is not a REFI-QDA codebook: its root element must be CodeBook."),
        "no_codes": _("The codebook file has no codes."),
        "nameless": _("A code of the file has no name."),
        "too_many": _("The codebook file has more than %(n)d codes.", n=qda.MAX_CODES),
    }.get(reason, _("The codebook file could not be read."))


def import_codebook(actor: User, round_: Round, data: bytes, lang: str, *, confirmed: bool) -> tuple[int, int]:
    """Adds the file's codes (sub-codes after their parent: the codebook here is flat) to the round's codebook,
    in the language given; a code whose label the codebook already has is skipped. A round that already has
    codes takes them only once confirmed. Returns (added, skipped)."""
    if round_.kind != "open":
        raise InvalidInput(_("Only the answers of open rounds are coded."))
    if round_.status not in ("open", "closed"):
        raise InvalidTransition(_("A codebook can be imported only while the round is open or closed, before "
                                  "its feedback is published."))
    if lang not in LANGS:
        raise InvalidInput(_("Choose the language of the codebook file."))
    try:
        codes = qda.flatten(qda.parse_codebook(data))
    except qda.QdaRefused as refused:
        raise InvalidInput(refusal_message(refused.reason)) from None
    existing = queries.workspace_codes(round_)
    if existing and not confirmed:
        raise Conflict(_("This round already has %(n)d codes. Confirm that the file's codes should be added "
                         "after them (codes with a label already in the codebook are skipped).", n=len(existing)))
    seen = {(c.label.get(lang) or "").strip().casefold() for c in existing}
    added = skipped = 0
    for code in codes:
        key = code.name[:200].strip().casefold()
        if key in seen:
            skipped += 1
            continue
        seen.add(key)
        texts = {"label_es": "", "label_en": "", "definition_es": "", "definition_en": ""}
        texts[f"label_{lang}"], texts[f"definition_{lang}"] = code.name, code.description
        codebook.add_code(actor, round_, **texts)
        added += 1
    audit.record(actor, "delphi_codebook.import", round_, after={"added": added, "skipped": skipped,
                                                                 "lang": lang})
    return added, skipped
