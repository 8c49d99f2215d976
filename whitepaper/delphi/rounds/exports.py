"""CSV exports for facilitators: the codebook with its frequencies, the round results, and the answers under
their per-round pseudonyms (never a name), in the round's listing order rather than the order they came in.
Numbers are unrounded, as in the API; undefined ones are empty."""
from __future__ import annotations

from collections import defaultdict
from typing import Any

from sqlalchemy import select

from ...csv_cells import csv_text
from ...extensions import db
from ...models import Country
from ...models.delphi import (
    Answer,
    Code,
    Codebook,
    Coding,
    Item,
    Membership,
    Pseudonym,
    Response,
    Round,
)
from ...models.moderation import CommentHiding
from ...numbers import to_float
from . import queries, statistics


def _num(value: Any) -> Any:
    return None if value is None else (value if isinstance(value, float) else to_float(value))


def codebook_csv(round_: Round) -> str:
    codebook = db.session.scalar(select(Codebook).where(Codebook.round_id == round_.id))
    codes = [] if codebook is None else list(db.session.scalars(select(Code).where(Code.codebook_id == codebook.id)
                                                                .order_by(Code.position)))
    frequencies = {f.code.id: f for f in queries.code_frequencies(round_, [c for c in codes if c.is_active])}
    rows = []
    for code in codes:
        f = frequencies.get(code.id)
        rows.append([code.id, code.label.get("es", ""), code.label.get("en", ""),
                     (code.definition or {}).get("es", ""), (code.definition or {}).get("en", ""),
                     f.answers if f else 0, f.countries if f else 0, f.fragments if f else 0,
                     code.merged_into_id, code.split_from_id])
    return csv_text(["code_id", "label_es", "label_en", "definition_es", "definition_en", "answers", "countries",
                     "fragments", "merged_into", "split_from"], rows)


def results_csv(round_: Round) -> str:
    results = statistics.round_results(round_)
    points = list(range(1, round_.scale + 1))
    header = ["item_id", "position", "kind", "text_es", "text_en", "n", "median", "q1", "q3", "iqr", "mean", "sd",
              "cv", "percent_agreement", "consensus", "consensus_outcome"] + [f"count_{p}" for p in points] + \
        ["carried_from", "stability_n_both", "stability_changed_share", "stable", "cv_change", "r", "w",
         "mean_ranks", "codes", "cv_percent", "cv_stability", "stability_kappa"]
    rows = []
    for entry in results.items:
        item = entry.item
        row: list[Any] = [item.id, item.position + 1, item.kind, item.text.get("es", ""), item.text.get("en", ""),
                          entry.n]
        a = entry.agreement
        if a is not None:
            row += [_num(a.median), _num(a.q1), _num(a.q3), _num(a.iqr), _num(a.mean), a.sd, a.cv,
                    _num(a.percent_agreement), a.consensus, a.consensus_outcome]
            row += [a.distribution.get(p, 0) for p in points]
        else:
            row += [None] * (10 + len(points))
        s = entry.stability
        row += [item.carried_from_item_id, s.n_both if s else None, _num(s.changed_share) if s else None,
                s.stable if s else None, entry.cv_change]
        r = entry.ranking
        if r is not None:
            row += [r.r, _num(r.w), "; ".join(f"{k}={float(v)!r}" for k, v in r.mean_ranks.items())]
        else:
            row += [None, None, None]
        row.append(" ".join(str(s.code_id) for s in item.sources))
        # added after the first columns, so that readers of the earlier layout keep their positions
        row += [a.cv_percent if a else None, a.cv_stability if a else None, _num(s.kappa) if s else None]
        rows.append(row)
    return csv_text(header, rows)


def answers_csv(round_: Round) -> str:
    """Every submitted answer under its pseudonym and country, with its codes. No names, no e-mails; per item in
    the round's listing order (statistics.listing_key), which says nothing about who answered first."""
    items = {i.id: i for i in db.session.scalars(select(Item).where(Item.round_id == round_.id))}
    rows = db.session.execute(
        select(Answer, Pseudonym.label, Country.iso3, CommentHiding.reason)
        .join(Response, Response.id == Answer.response_id)
        .outerjoin(CommentHiding, CommentHiding.answer_id == Answer.id)
        .join(Membership, Membership.id == Response.membership_id)
        .outerjoin(Country, Country.id == Membership.country_id)
        .outerjoin(Pseudonym, (Pseudonym.round_id == Response.round_id)
                   & (Pseudonym.membership_id == Response.membership_id))
        .where(Response.round_id == round_.id, Response.status == "submitted")).all()
    codes: dict[int, list[str]] = defaultdict(list)
    answer_ids = [row[0].id for row in rows]
    if answer_ids:
        labels = {c.id: c.label.get("es") or c.label.get("en") or str(c.id)
                  for c in db.session.scalars(select(Code).join(Codebook).where(Codebook.round_id == round_.id))}
        for coding in db.session.scalars(select(Coding).where(Coding.answer_id.in_(answer_ids)).order_by(Coding.id)):
            codes[coding.answer_id].append(labels.get(coding.code_id, str(coding.code_id)))
    out = []
    for answer, label, iso3, hidden in sorted(rows, key=lambda r: (items[r[0].item_id].position,
                                                           statistics.listing_key(round_, r[0].id))):
        item = items[answer.item_id]
        ranking = "; ".join(f"{k}={v}" for k, v in sorted((answer.ranking or {}).items(), key=lambda kv: kv[1]))
        out.append([label, iso3, item.position + 1, item.kind, answer.text, answer.rating,
                    answer.dont_know if item.kind == "agreement" else None, ranking or None, answer.comment,
                    " | ".join(codes.get(answer.id, [])), hidden])
    # comment_hidden: the reason a facilitator hid the comment from the feedback (rounds/moderation.py)
    return csv_text(["pseudonym", "country", "item", "kind", "text", "rating", "dont_know", "ranking", "comment",
                     "codes", "comment_hidden"], out)

