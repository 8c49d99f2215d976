"""Reads an uploaded workbook safely: an XLSX (by content, not by name) of bounded size that unpacks to
bounded size, whose hidden sheet is intact (its seal checks) and belongs to this assessment, and whose sheets
have no more rows than the export wrote (checked from the sheet's declared size before any row is read, and
by stopping at the limit when it declares none). Nothing here touches the database."""
from __future__ import annotations

import io
import os
import warnings
import zipfile
from dataclasses import dataclass, field
from typing import Any

from flask_babel import gettext as _
from openpyxl import load_workbook

from ... import formatting
from .. import uploads
from . import checksum, layout

MAX_META_ROWS = 20_000  # far above the largest catalogue version (a few hundred criteria and elements)


@dataclass(frozen=True)
class Problem:
    """One reason a workbook is refused, located as precisely as it can be."""
    message: str
    sheet: str = ""
    row: int | None = None
    column: str = ""  # a letter
    heading: str = ""

    def where(self) -> str:
        parts = []
        if self.sheet:
            parts.append(_("sheet «%(name)s»", name=self.sheet))
        if self.row is not None:
            parts.append(_("row %(n)d", n=self.row))
        if self.column:
            parts.append(_("column %(letter)s (%(heading)s)", letter=self.column, heading=self.heading)
                         if self.heading else _("column %(letter)s", letter=self.column))
        return ", ".join(parts)

    def __str__(self) -> str:
        where = self.where()
        return f"{where}: {self.message}" if where else self.message


class WorkbookRefused(Exception):
    """The workbook cannot be imported; `problems` says every reason found (nothing was applied)."""

    def __init__(self, problems: list[Problem]):
        super().__init__("; ".join(str(p) for p in problems))
        self.problems = problems


@dataclass
class Sheet:
    title: str
    rows: dict[int, tuple[Any, ...]] = field(default_factory=dict)  # row number -> values, from column A


@dataclass
class ReadWorkbook:
    meta: layout.Meta
    sheets: dict[str, Sheet]


def _refuse(message: str, **where: Any) -> WorkbookRefused:
    return WorkbookRefused([Problem(message, **where)])


def check_file(filename: str, data: bytes, max_bytes: int) -> None:
    """Refuses what is not an XLSX workbook of acceptable size, before openpyxl opens anything."""
    name = uploads.safe_filename(filename or "workbook.xlsx")
    if not data:
        raise _refuse(_("The file «%(name)s» is empty.", name=name))
    if len(data) > max_bytes:
        raise _refuse(_("The file «%(name)s» is %(size)s MB; a workbook can have at most %(max)s MB.", name=name,
                        size=formatting.number(len(data) / (1024 * 1024), 1),
                        max=formatting.number(max_bytes / (1024 * 1024), 0)))
    not_xlsx = _("The file «%(name)s» is not an Excel workbook (.xlsx): upload the workbook downloaded from this "
                 "page, saved in the .xlsx format.", name=name)
    if os.path.splitext(filename or "")[1].lower() != ".xlsx" or not data.startswith(b"PK\x03\x04"):
        raise _refuse(not_xlsx)
    problem = uploads.archive_problem(data)  # measured by streaming, before anything unpacks it
    if problem is not None and problem != uploads.UNREADABLE:
        raise _refuse(_("The file «%(name)s» unpacks to far more than a workbook does; it was refused.", name=name))
    if problem is not None or not {"[Content_Types].xml", "xl/workbook.xml"} <= _members(data):
        raise _refuse(not_xlsx)


def _members(data: bytes) -> set[str]:
    with zipfile.ZipFile(io.BytesIO(data)) as archive:
        return set(archive.namelist())


def read(filename: str, data: bytes, *, secret: str, assessment_id: int, max_bytes: int) -> ReadWorkbook:
    """The workbook's hidden sheet and the values of the rows it maps, or WorkbookRefused."""
    check_file(filename, data, max_bytes)
    try:
        with warnings.catch_warnings():  # openpyxl warns about data validation it does not read back
            warnings.simplefilter("ignore")
            wb = load_workbook(io.BytesIO(data), read_only=True, data_only=True)
    except Exception:  # noqa: BLE001  (any damage inside the archive is the same answer for the reader)
        raise _refuse(_("The file «%(name)s» cannot be read as an Excel workbook.",
                        name=uploads.safe_filename(filename))) from None
    try:
        meta = _meta(wb, secret, assessment_id)
        sheets = {title: _sheet(wb, title, meta) for title in meta.sheets()}
    finally:
        wb.close()
    return ReadWorkbook(meta, sheets)


def _meta(wb: Any, secret: str, assessment_id: int) -> layout.Meta:
    if layout.META_SHEET not in wb.sheetnames:
        raise _refuse(_("This workbook was not downloaded from the platform (or its hidden sheet «%(name)s» was "
                        "deleted): download the workbook of this assessment and fill that one in.",
                        name=layout.META_SHEET))
    ws = wb[layout.META_SHEET]
    if ws.max_row is not None and ws.max_row > MAX_META_ROWS:
        raise _refuse(_("The hidden sheet was altered: it has %(n)s rows.", n=formatting.number(ws.max_row, 0)),
                      sheet=layout.META_SHEET)
    rows = []
    for number, row in enumerate(ws.iter_rows(min_row=1, max_row=MAX_META_ROWS + 1, max_col=len(layout.ENTRY_FIELDS),
                                              values_only=True), start=1):
        if number > MAX_META_ROWS:
            if any(v is not None for v in row):
                raise _refuse(_("The hidden sheet was altered: it has too many rows."), sheet=layout.META_SHEET)
            break
        rows.append(row)
    damaged = _("The workbook's hidden sheet was altered, so the platform cannot tell which criterion each row "
                "is: download the workbook again and copy your answers into it.")
    try:
        meta = layout.meta_from_rows(rows)
    except layout.MetaUnreadable:
        raise _refuse(damaged, sheet=layout.META_SHEET) from None
    if meta.format != layout.FORMAT:
        raise _refuse(damaged, sheet=layout.META_SHEET)
    if not checksum.is_sealed(secret, meta.payload(), meta.checksum):
        raise _refuse(_("The workbook's checksum does not match its content: the assessment number, the rows or the "
                        "download versions in its hidden sheet were changed, or it was not downloaded from this "
                        "platform. Nothing was applied: download the workbook again and copy your answers into "
                        "it."), sheet=layout.META_SHEET)
    if meta.assessment_id != assessment_id:
        raise _refuse(_("This workbook belongs to assessment number %(theirs)d, not to assessment number %(ours)d. "
                        "Nothing was applied: upload it on the page of assessment %(theirs)d, or download this "
                        "assessment's own workbook.", theirs=meta.assessment_id, ours=assessment_id))
    return meta


def _sheet(wb: Any, title: str, meta: layout.Meta) -> Sheet:
    if title not in wb.sheetnames:
        raise _refuse(_("The sheet «%(name)s» is missing: sheets cannot be renamed or deleted.", name=title))
    ws = wb[title]
    last = meta.last_row(title)
    limit = last + layout.EXTRA_ROWS
    too_many = _("The sheet has %(n)s rows but only rows %(first)d to %(last)d hold criteria: rows were added. "
                 "Nothing was applied: delete the added rows (or use a new download) and upload it again.",
                 n=formatting.number(ws.max_row or limit + 1, 0), first=layout.FIRST_ROW, last=last)
    # The declared size first: a workbook with thousands of added rows is refused without reading them.
    if ws.max_row is not None and ws.max_row > limit:
        raise _refuse(too_many, sheet=title)
    width = 9
    sheet = Sheet(title)
    problems = []
    for number, row in enumerate(ws.iter_rows(min_row=1, max_row=limit + 1, max_col=width, values_only=True),
                                 start=1):
        has_content = any(layout.cell_text(v) for v in row)
        if number > limit:
            if has_content:  # a sheet that declared no size, or a false one: stop at the limit
                raise _refuse(too_many, sheet=title)
            break
        if number > last and has_content:
            problems.append(Problem(_("This row is not part of the workbook: rows cannot be added. Delete it."),
                                    sheet=title, row=number))
        elif number >= layout.FIRST_ROW:
            sheet.rows[number] = tuple(row)
    if problems:
        raise WorkbookRefused(problems)
    return sheet
