"""Writes an assessment's workbook: an instructions sheet, one sheet per dimension (criteria, levels,
verification elements, lists for every rating cell, only the input cells unlocked) and the hidden, sealed
sheet that maps every row to its criterion or element and records the ratings' versions at download."""
from __future__ import annotations

import io
import re
from typing import Any, Optional

from flask import current_app
from flask_babel import force_locale
from flask_babel import gettext as _
from openpyxl import Workbook
from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE
from openpyxl.styles import Alignment, Font, PatternFill, Protection
from openpyxl.worksheet.datavalidation import DataValidation

from ... import formatting
from ...models import Assessment, Criterion, WorkshopGroup
from ...models.base import utcnow
from . import checksum, layout, queries

INPUT_FILL = PatternFill("solid", fgColor="FFF7D6")
HEADING_FILL = PatternFill("solid", fgColor="DDE4EE")
WRAP = Alignment(wrap_text=True, vertical="top")
UNLOCKED = Protection(locked=False)
MAX_TITLE = 31  # Excel's limit on a sheet's name


def _put(ws: Any, row: int, column: str, value: Any) -> Any:
    """Writes a value as data, never as a formula (a text that starts with "=" stays text)."""
    cell = ws[f"{column}{row}"]
    if isinstance(value, str):
        cell.value = ILLEGAL_CHARACTERS_RE.sub("", value)
        cell.data_type = "s"
    else:
        cell.value = value
    cell.alignment = WRAP
    return cell


def sheet_title(text: str, taken: set[str]) -> str:
    """A valid, unique sheet name from a dimension's title."""
    base = re.sub(r"[\[\]:*?/\\']", " ", text).strip()[:MAX_TITLE].strip() or "Sheet"
    title, n = base, 2
    while title.casefold() in taken or title == layout.META_SHEET:
        suffix = f" ({n})"
        title, n = base[:MAX_TITLE - len(suffix)] + suffix, n + 1
    taken.add(title.casefold())
    return title


def workbook_filename(assessment: Assessment, group: Optional[WorkshopGroup], lang: str) -> str:
    part = f"-group-{group.id}" if group is not None else ""
    return f"assessment-{assessment.id}{part}-{lang}.xlsx"


def build(assessment: Assessment, *, lang: str = "es", blank: bool = False,
          group: Optional[WorkshopGroup] = None) -> bytes:
    """The workbook's bytes, in `lang` ("es" or "en"), filled with the stored ratings unless `blank`."""
    with force_locale(lang):
        return _build(assessment, lang, blank, group)


def _build(assessment: Assessment, lang: str, blank: bool, group: Optional[WorkshopGroup]) -> bytes:
    version = queries.tree(assessment)
    stored = queries.stored_ratings(assessment, group)
    for_group = group is not None
    meta = layout.Meta(assessment.id, assessment.version_id, assessment.planning_model.key,
                       group.id if group else None, lang, utcnow().replace(microsecond=0).isoformat())
    wb = Workbook()
    instructions = wb.active
    instructions.title = _("Instructions")[:MAX_TITLE]
    taken = {instructions.title.casefold()}
    for dimension in version.dimensions:
        ws = wb.create_sheet(sheet_title(formatting.text(dimension.title, lang), taken))
        _dimension_sheet(ws, formatting.text(dimension.title, lang), dimension.criteria, stored, meta,
                         lang=lang, blank=blank, for_group=for_group)
    _instructions(instructions, assessment, version, group, lang, blank)
    meta.checksum = checksum.seal(current_app.config["SECRET_KEY"], meta.payload())
    _meta_sheet(wb.create_sheet(layout.META_SHEET), meta)
    out = io.BytesIO()
    wb.save(out)
    return out.getvalue()


def _rating_cells(criterion: Criterion, rating: Any, labels: dict[str, str]) -> str:
    if rating is None or rating.kind is None:
        return ""
    if rating.kind == "value":
        return layout.label_of_choice(labels, "elements" if criterion.scoring == "elements" else str(rating.level))
    return layout.label_of_choice(labels, {"not_applicable": "na", "no_information": "ni"}[rating.kind])


def _validation(ws: Any, labels: list[str], cache: dict[str, DataValidation]) -> DataValidation:
    formula = '"' + ",".join(labels) + '"'
    if formula not in cache:
        dv = DataValidation(type="list", formula1=formula, allow_blank=True, showErrorMessage=True,
                            errorTitle=_("Not in the list"),
                            error=_("Choose one of the values of the list, or leave the cell empty."))
        ws.add_data_validation(dv)
        cache[formula] = dv
    return cache[formula]


def _dimension_sheet(ws: Any, title: str, criteria: list[Criterion], stored: dict[int, Any], meta: layout.Meta,
                     *, lang: str, blank: bool, for_group: bool) -> None:
    cols = layout.columns(for_group)
    letter = {c.key: c.letter for c in cols}
    _put(ws, 1, "A", title).font = Font(bold=True, size=14)
    for col in cols:
        cell = _put(ws, layout.HEADER_ROW, col.letter, col.heading)
        cell.font, cell.fill = Font(bold=True), HEADING_FILL
        ws.column_dimensions[col.letter].width = col.width
    states = layout.state_labels()
    validations: dict[str, DataValidation] = {}
    row = layout.FIRST_ROW
    for criterion in criteria:
        rating = stored.get(criterion.id)
        shown = None if blank else rating
        labels = layout.choice_labels(criterion.scoring, len(criterion.levels))
        _put(ws, row, "A", criterion.code).font = Font(bold=True)
        text = formatting.text(criterion.title, lang)
        _put(ws, row, "B", text).font = Font(bold=True)
        if criterion.scoring == "levels":
            _put(ws, row, "C", "\n".join(f"{lv.value}. {formatting.text(lv.descriptor, lang)}"
                                         for lv in criterion.levels))
        else:
            _put(ws, row, "C", _("Rated by its verification elements (a value once every element is marked)"))
        _put(ws, row, letter["rating"], _rating_cells(criterion, shown, labels))
        _put(ws, row, letter["justification"], shown.justification if shown else "")
        if not for_group:
            action = shown.improvement_action if shown else None
            _put(ws, row, letter["means"], shown.means_of_verification if shown else "")
            _put(ws, row, letter["action_what"], action.what if action else "")
            _put(ws, row, letter["action_who"], action.who if action else "")
            _put(ws, row, letter["action_due"], action.due_date.isoformat() if action and action.due_date else "")
        for col in cols[3:]:
            ws[f"{col.letter}{row}"].protection, ws[f"{col.letter}{row}"].fill = UNLOCKED, INPUT_FILL
        _validation(ws, list(labels), validations).add(f"{letter['rating']}{row}")
        meta.entries.append(layout.Entry(ws.title, row, "criterion", criterion.code, criterion.id,
                                         rating.version if rating is not None else 0,
                                         layout.digest(layout.stored_content(shown, for_group))))
        marks = {m.element_id: m.is_present for m in shown.element_marks} if shown else {}
        for element in criterion.elements if criterion.scoring == "elements" else ():
            row += 1
            _put(ws, row, "A", element.code)
            note = f" ({_('favourable when absent')})" if element.polarity == "negative" else ""
            _put(ws, row, "B", formatting.text(element.text, lang) + note)
            mark = marks.get(element.id)
            cell = _put(ws, row, letter["rating"], "" if mark is None else
                        layout.label_of_choice(states, "present" if mark else "absent"))
            cell.protection, cell.fill = UNLOCKED, INPUT_FILL
            _validation(ws, list(states), validations).add(cell.coordinate)
            meta.entries.append(layout.Entry(ws.title, row, "element", element.code, element.id))
        row += 1
    ws.freeze_panes = f"C{layout.FIRST_ROW}"
    ws.protection.sheet = True
    ws.protection.formatColumns = False  # columns and rows may be resized; texts cannot be changed
    ws.protection.formatRows = False


def _instructions(ws: Any, assessment: Assessment, version: Any, group: Optional[WorkshopGroup], lang: str,
                  blank: bool) -> None:
    ws.column_dimensions["A"].width = 110
    title = _("Self-evaluation workbook: %(scope)s %(start)d–%(end)d", scope=assessment.scope_name,
              start=assessment.period_start, end=assessment.period_end)
    lines = [
        _("Assessment number %(id)d · %(country)s · %(model)s, version %(label)s", id=assessment.id,
          country=assessment.country.name(lang), model=formatting.text(version.planning_model.title, lang),
          label=version.label),
        _("Ratings of the workshop group «%(name)s»", name=group.name) if group is not None
        else _("Consolidated ratings"),
        _("Downloaded blank") if blank else _("Downloaded with the ratings stored at %(when)s (UTC)",
                                              when=utcnow().strftime("%Y-%m-%d %H:%M")),
        "",
        _("How to fill it in"),
        _("1. Each dimension has its own sheet. Fill in only the yellow cells; the other texts are protected."),
        _("2. Rating: choose a level, «Not applicable» or «No information» from the cell's list. For a criterion "
          "rated by its verification elements, mark each element «present» or «absent» in the rows below it; "
          "the value is the number of favourable elements once every element is marked."),
        _("3. Justification: what really exists, not what is written or what should exist. For not applicable "
          "or no information, the reason."),
        _("4. Means of verification: laws, decrees, plans, protocols, reports: where the rating can be checked. "
          "Improvement action: what will be done, who does it and by when (a date as year-month-day)."),
        _("5. Do not add, remove or move rows or sheets, and do not rename sheets: the platform refuses a "
          "workbook whose rows no longer match the criteria."),
        _("6. Upload it on the assessment's «Workbook» page (or with «flask workbook import»). The platform "
          "checks every row, shows what will change, flags the criteria changed on the web since this download, "
          "and applies nothing until you confirm."),
        _("An empty cell means «not rated»: in a filled workbook, emptying a cell removes that rating; in a blank "
          "workbook, a criterion left entirely empty is left as it is on the web."),
    ]
    _put(ws, 1, "A", title).font = Font(bold=True, size=14)
    for number, text in enumerate(lines, start=3):
        cell = _put(ws, number, "A", text)
        if text == _("How to fill it in"):
            cell.font = Font(bold=True)
    ws.protection.sheet = True


def _meta_sheet(ws: Any, meta: layout.Meta) -> None:
    ws.sheet_state = "hidden"
    _put(ws, 1, "A", "key")
    _put(ws, 1, "B", "value")
    for number, (key, value) in enumerate(meta.key_values(), start=2):
        _put(ws, number, "A", key)
        _put(ws, number, "B", value)
    for index, name in enumerate(layout.ENTRY_FIELDS):
        _put(ws, layout.META_ENTRIES_ROW, "ABCDEFG"[index], name)
    for number, entry in enumerate(meta.entries, start=layout.META_ENTRIES_ROW + 1):
        for index, value in enumerate(entry.as_list()):
            _put(ws, number, "ABCDEFG"[index], value)
    ws.protection.sheet = True
