"""Turns an uploaded workbook into a plan (every row checked by the rating form's own parser, each change
compared with the rating stored now and with the one downloaded), and applies a plan through the rating
service, in the caller's transaction, as one audited change."""
from __future__ import annotations

import hashlib
from dataclasses import dataclass, field
from typing import Any, Optional

from flask import current_app
from flask_babel import force_locale
from flask_babel import gettext as _

from ... import audit, formatting, locks
from ...extensions import db
from ...models import Assessment, Criterion, GroupRating, Rating, User, WorkshopGroup
from .. import services
from ..forms import RatingData, parse_rating
from . import checksum, layout, queries
from .reading import Problem, WorkbookRefused, read


@dataclass
class Change:
    """One criterion the workbook changes."""
    criterion: Criterion
    data: RatingData
    before: list[Any]  # layout.content of the rating stored now
    after: list[Any]  # layout.content of the workbook's row
    stored_version: int  # the version stored now (0: no rating yet)
    downloaded_version: int
    changed_by: str = ""
    changed_at: Any = None

    @property
    def code(self) -> str:
        return self.criterion.code

    @property
    def conflict(self) -> bool:
        """Changed on the web since the workbook was downloaded."""
        return self.stored_version != self.downloaded_version

    def fields(self) -> list[str]:
        """What changes, in words."""
        names = [_("rating"), _("verification elements"), _("justification"), _("means of verification"),
                 _("improvement action")]
        before, after = self.before, self.after
        parts = [before[0:2] != after[0:2], before[2] != after[2], before[3] != after[3], before[4] != after[4],
                 before[5:8] != after[5:8]]
        return [name for name, differs in zip(names, parts) if differs]


@dataclass
class Plan:
    assessment: Assessment
    group: Optional[WorkshopGroup]
    meta: layout.Meta
    changes: list[Change] = field(default_factory=list)
    unchanged: int = 0  # rows equal to the rating stored now
    untouched: int = 0  # rows left as they were downloaded (the web's rating is kept, even if it changed since)

    @property
    def conflicts(self) -> list[Change]:
        return [c for c in self.changes if c.conflict]

    def digest(self) -> str:
        """Identifies what this plan would write: the confirmation applies it only if it is still the same."""
        payload = [self.assessment.id, self.group.id if self.group else None,
                   [[c.code, c.after, c.stored_version, c.downloaded_version] for c in self.changes]]
        return hashlib.sha256(checksum.canonical(payload)).hexdigest()


def plan(assessment: Assessment, filename: str, data: bytes, *, max_bytes: int | None = None) -> Plan:
    """What importing the workbook would change, or WorkbookRefused with every problem found."""
    config = current_app.config
    limit = max_bytes if max_bytes is not None else config["MAX_UPLOAD_MB"] * 1024 * 1024
    workbook = read(filename, data, secret=config["SECRET_KEY"], assessment_id=assessment.id, max_bytes=limit)
    meta = workbook.meta
    group = None
    if meta.group_id is not None:
        group = db.session.get(WorkshopGroup, meta.group_id)
        if group is None or group.assessment_id != assessment.id:
            raise WorkbookRefused([Problem(_("This workbook is of a workshop group this assessment no longer has."))])
    if meta.version_id != assessment.version_id:
        raise WorkbookRefused([Problem(_("This workbook was made for another catalogue version of the model."))])
    criteria = {c.id: c for d in queries.tree(assessment).dimensions for c in d.criteria}
    rows, problems = _rows(workbook, criteria, for_group=group is not None)
    if problems:
        raise WorkbookRefused(problems)
    stored = queries.stored_ratings(assessment, group)
    result = Plan(assessment, group, meta)
    for entry, criterion, parsed in rows:
        after = layout.data_content(parsed)
        if layout.digest(after) == entry.digest:
            result.untouched += 1
            continue
        rating = stored.get(criterion.id)
        before = layout.stored_content(rating, group is not None)
        if before == after:
            result.unchanged += 1
            continue
        result.changes.append(Change(criterion, parsed, before, after, rating.version if rating else 0,
                                     entry.version, queries.author_name(rating),
                                     rating.updated_at if rating else None))
    return result


def _rows(workbook: Any, criteria: dict[int, Criterion], *, for_group: bool
          ) -> tuple[list[tuple[layout.Entry, Criterion, RatingData]], list[Problem]]:
    """Every criterion row parsed by the rating form's parser; the problems with their sheet, row and column.
    The lists' labels and the columns' headings are the workbook's language; the messages the reader's."""
    lang = workbook.meta.lang if workbook.meta.lang in ("es", "en") else "es"
    with force_locale(lang):
        cols = {c.key: c for c in layout.columns(for_group)}
        states = {label.casefold(): value for label, value in layout.state_labels().items()}
        state_list = ", ".join(layout.state_labels())
        labels_of = {cid: layout.choice_labels(c.scoring, len(c.levels)) for cid, c in criteria.items()}
    rating_col = cols["rating"]
    index = {key: ord(col.letter) - ord("A") for key, col in cols.items()}
    problems: list[Problem] = []
    out = []
    current: Optional[tuple[layout.Entry, Criterion, dict[str, str], dict[int, int]]] = None

    def finish() -> None:
        if current is None:
            return
        entry, criterion, form, element_rows = current
        data, errors = parse_rating(criterion, form, group=for_group)
        for name, message in errors.items():
            if name.startswith("element-"):
                row, col = element_rows.get(int(name.split("-")[1]), entry.row), rating_col
            else:
                row, col = entry.row, cols.get(layout.COLUMN_OF_FIELD.get(name, ""), rating_col)
            problems.append(Problem(message, entry.sheet, row, col.letter, col.heading))
        out.append((entry, criterion, data))

    for entry in workbook.meta.entries:
        sheet = workbook.sheets[entry.sheet]
        values = sheet.rows.get(entry.row, ())
        cell = {key: layout.cell_text(values[i]) if i < len(values) else "" for key, i in index.items()}
        if entry.kind == "criterion":
            finish()
            current = None
        if cell["code"] != entry.code:
            problems.append(Problem(_("This row should be %(code)s but holds «%(found)s»: rows were moved or their "
                                      "codes changed.", code=entry.code, found=cell["code"] or formatting.DASH),
                                    entry.sheet, entry.row, "A", cols["code"].heading))
            continue
        if entry.kind == "criterion":
            criterion = criteria.get(entry.id)
            if criterion is None or criterion.code != entry.code:
                problems.append(Problem(_("%(code)s is not a criterion of this catalogue version.", code=entry.code),
                                        entry.sheet, entry.row, "A", cols["code"].heading))
                continue
            labels = labels_of[criterion.id]
            by_label = {label.casefold(): value for label, value in labels.items()}
            raw = cell["rating"]
            choice = by_label.get(raw.casefold(), None) if raw else ""
            if choice is None:
                problems.append(Problem(_("«%(value)s» is not in its list: %(allowed)s (or empty).", value=raw,
                                          allowed=", ".join(labels)),
                                        entry.sheet, entry.row, rating_col.letter, rating_col.heading))
                choice = ""
            form = {"choice": choice, "justification": cell["justification"]}
            if not for_group:
                form.update(means_of_verification=cell["means"], action_what=cell["action_what"],
                            action_who=cell["action_who"], action_due=cell["action_due"])
            current = (entry, criterion, form, {})
        elif current is not None:
            _entry, criterion, form, element_rows = current
            element = next((e for e in criterion.elements if e.id == entry.id), None)
            if element is None:
                problems.append(Problem(_("%(code)s is not a verification element of %(criterion)s.",
                                          code=entry.code, criterion=criterion.code),
                                        entry.sheet, entry.row, "A", cols["code"].heading))
                continue
            raw = cell["rating"]
            state = states.get(raw.casefold()) if raw else ""
            if state is None:
                problems.append(Problem(_("«%(value)s» is not in its list: %(allowed)s (or empty: unanswered).",
                                          value=raw, allowed=state_list),
                                        entry.sheet, entry.row, rating_col.letter, rating_col.heading))
                state = ""
            form[f"element-{element.position}"] = state
            element_rows[element.position] = entry.row
    finish()
    return out, problems


@dataclass
class Applied:
    changed: list[str] = field(default_factory=list)
    overwritten: list[str] = field(default_factory=list)  # changed on the web too, replaced by the workbook
    kept: list[str] = field(default_factory=list)  # changed on the web too, the web's rating kept


def apply(actor: Optional[User], assessment: Assessment, the_plan: Plan, *, overwrite: bool = False) -> Applied:
    """Writes the plan's changes with services.save_rating (the same rules as the form: allowed values, element
    marks, versions) and records ONE audit entry for the whole import. Criteria changed on the web since the
    download keep the web's rating unless `overwrite`. Flushes; the caller commits once."""
    locks.lock_row(Assessment, assessment.id)
    result = Applied()
    before: dict[str, Any] = {}
    after: dict[str, Any] = {}
    group = the_plan.group
    stored = queries.stored_ratings(assessment, group)
    for change in the_plan.changes:
        if change.conflict and not overwrite:
            result.kept.append(change.code)
            continue
        rating: Rating | GroupRating | None = stored.get(change.criterion.id)
        before[change.code] = services.rating_snapshot(rating)
        change.data.loaded_version = change.stored_version  # a save since the plan was made is a conflict
        saved = services.save_rating(actor, assessment, change.criterion, change.data, group=group, audited=False)
        after[change.code] = services.rating_snapshot(saved)
        (result.overwritten if change.conflict else result.changed).append(change.code)
    if before:
        audit.record(actor, "assessment.workbook_import", assessment, before={"ratings": before}, after={
            "ratings": after, "group": group.id if group else None, "downloaded_at": the_plan.meta.downloaded_at,
            "overwritten": result.overwritten, "kept_from_web": result.kept})
    return result
