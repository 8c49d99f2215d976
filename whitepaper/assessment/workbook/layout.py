"""What the workbook looks like, shared by the export and the import: its columns, the labels of its lists
(the rating form's own labels, in the workbook's language), the hidden sheet's row map and how a rating's
content is reduced to one comparable value."""
from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Any, Iterable

from flask_babel import gettext as _

from . import checksum

FORMAT = "whitepaper-workbook/1"
META_SHEET = "_meta"
HEADER_ROW = 2  # row 1: the dimension's title; row 2: the column headings
FIRST_ROW = 3
EXTRA_ROWS = 50  # empty rows below the last criterion that are tolerated (formatting); more is refused
META_KEYS = ("format", "assessment", "version", "model", "group", "lang", "downloaded_at", "checksum")
ENTRY_FIELDS = ("sheet", "row", "kind", "code", "id", "version", "digest")
META_ENTRIES_ROW = len(META_KEYS) + 3  # the row map's heading; its entries follow


@dataclass(frozen=True)
class Column:
    key: str
    letter: str
    heading: str
    width: int


def columns(for_group: bool) -> list[Column]:
    """The dimension sheets' columns; a group's workbook has no means of verification and no improvement action
    (the consolidated rating carries them)."""
    out = [Column("code", "A", _("Code"), 13), Column("text", "B", _("Criterion or verification element"), 60),
           Column("levels", "C", _("Levels"), 50), Column("rating", "D", _("Rating"), 22),
           Column("justification", "E", _("The group's reasons") if for_group else _("Justification"), 50)]
    if not for_group:
        out += [Column("means", "F", _("Means of verification"), 40),
                Column("action_what", "G", _("Improvement action"), 40), Column("action_who", "H", _("Who"), 20),
                Column("action_due", "I", _("By when (year-month-day)"), 16)]
    return out


# The rating form's field of each column (forms.parse_rating), to put its errors back on the right column.
FIELD_OF = {"rating": "choice", "justification": "justification", "means": "means_of_verification",
            "action_what": "action_what", "action_who": "action_who", "action_due": "action_due"}
COLUMN_OF_FIELD = {form_field: key for key, form_field in FIELD_OF.items()}


def choice_labels(scoring: str, n_levels: int) -> dict[str, str]:
    """{label shown in the list: the form's choice} for a criterion's rating cell."""
    if scoring == "elements":
        first = {_("By its verification elements"): "elements"}
    else:
        first = {str(value): str(value) for value in range(1, n_levels + 1)}
    return {**first, _("Not applicable"): "na", _("No information"): "ni"}


def state_labels() -> dict[str, str]:
    """{label: the form's mark} for a verification element's cell (empty: unanswered)."""
    return {_("present"): "present", _("absent"): "absent"}


def label_of_choice(labels: dict[str, str], choice: str) -> str:
    return next((label for label, value in labels.items() if value == choice), "")


def cell_text(value: Any) -> str:
    """A cell as the text the form would have received: numbers without a spurious ".0", dates as ISO dates."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return "TRUE" if value else "FALSE"
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    if isinstance(value, datetime):
        return value.date().isoformat() if not (value.hour or value.minute or value.second) else value.isoformat()
    if isinstance(value, date):
        return value.isoformat()
    return str(value).strip()


def content(kind: str | None, level: int | None, marks: dict[int, bool], justification: str = "",
            means: str = "", action_what: str = "", action_who: str = "", action_due: str = "") -> list[Any]:
    """A rating's content as one comparable value, the same for a stored rating and a parsed row."""
    return [kind, level if kind == "value" else None, sorted([eid, bool(v)] for eid, v in marks.items()),
            (justification or "").strip(), (means or "").strip(), (action_what or "").strip(),
            (action_who or "").strip(), action_due or ""]


def stored_content(rating: Any, for_group: bool) -> list[Any]:
    """The content of a stored rating (None: no row yet, the same as an empty one)."""
    if rating is None:
        return content(None, None, {})
    marks = {m.element_id: m.is_present for m in rating.element_marks}
    action = None if for_group else rating.improvement_action
    return content(rating.kind, rating.level, marks, rating.justification,
                   "" if for_group else rating.means_of_verification,
                   action.what if action else "", action.who if action else "",
                   action.due_date.isoformat() if action and action.due_date else "")


def data_content(data: Any) -> list[Any]:
    """The content of a forms.RatingData parsed from a row."""
    return content(data.kind, data.level, data.marks, data.justification, data.means_of_verification,
                   data.action_what, data.action_who, data.action_due.isoformat() if data.action_due else "")


def digest(values: list[Any]) -> str:
    return checksum.content_digest(values)


@dataclass(frozen=True)
class Entry:
    """One row of a dimension sheet, as the hidden sheet maps it: a criterion (with its rating's version and
    content digest at download) or one of its verification elements."""
    sheet: str
    row: int
    kind: str  # "criterion" | "element"
    code: str
    id: int
    version: int = 0
    digest: str = ""

    def as_list(self) -> list[Any]:
        return [self.sheet, self.row, self.kind, self.code, self.id, self.version, self.digest]


@dataclass
class Meta:
    assessment_id: int
    version_id: int
    model: str
    group_id: int | None
    lang: str
    downloaded_at: str
    entries: list[Entry] = field(default_factory=list)
    checksum: str = ""
    format: str = FORMAT

    def payload(self) -> dict[str, Any]:
        """What the checksum seals: every id and the whole row map."""
        return {"format": self.format, "assessment": self.assessment_id, "version": self.version_id,
                "model": self.model, "group": self.group_id, "lang": self.lang,
                "downloaded_at": self.downloaded_at, "rows": [e.as_list() for e in self.entries]}

    def key_values(self) -> list[tuple[str, Any]]:
        return [("format", self.format), ("assessment", self.assessment_id), ("version", self.version_id),
                ("model", self.model), ("group", self.group_id if self.group_id is not None else ""),
                ("lang", self.lang), ("downloaded_at", self.downloaded_at), ("checksum", self.checksum)]

    def sheets(self) -> list[str]:
        out: list[str] = []
        for entry in self.entries:
            if entry.sheet not in out:
                out.append(entry.sheet)
        return out

    def last_row(self, sheet: str) -> int:
        return max((e.row for e in self.entries if e.sheet == sheet), default=FIRST_ROW - 1)


class MetaUnreadable(ValueError):
    """The hidden sheet does not hold what the export wrote (its text says what is wrong)."""


def _int(value: Any, what: str, *, allow_none: bool = False) -> int | None:
    text = cell_text(value)
    if text == "" and allow_none:
        return None
    try:
        return int(text)
    except ValueError:
        raise MetaUnreadable(what) from None


def meta_from_rows(rows: Iterable[tuple[Any, ...]]) -> Meta:
    """Reads the hidden sheet's rows (as values) back into a Meta; MetaUnreadable names the first problem."""
    rows = list(rows)
    values: dict[str, Any] = {}
    for row in rows[1:len(META_KEYS) + 1]:
        if row and row[0] is not None:
            values[cell_text(row[0])] = row[1] if len(row) > 1 else None
    missing = [key for key in META_KEYS if key not in values]
    if missing:
        raise MetaUnreadable(", ".join(missing))
    meta = Meta(assessment_id=_int(values["assessment"], "assessment"), version_id=_int(values["version"], "version"),
                model=cell_text(values["model"]), group_id=_int(values["group"], "group", allow_none=True),
                lang=cell_text(values["lang"]), downloaded_at=cell_text(values["downloaded_at"]),
                checksum=cell_text(values["checksum"]), format=cell_text(values["format"]))
    for number, row in enumerate(rows[META_ENTRIES_ROW:], start=META_ENTRIES_ROW + 1):
        row = tuple(row) + (None,) * (len(ENTRY_FIELDS) - len(row))
        if all(v is None or cell_text(v) == "" for v in row[:len(ENTRY_FIELDS)]):
            continue
        where = f"row {number}"
        meta.entries.append(Entry(sheet=cell_text(row[0]), row=_int(row[1], where), kind=cell_text(row[2]),
                                  code=cell_text(row[3]), id=_int(row[4], where),
                                  version=_int(row[5], where, allow_none=True) or 0, digest=cell_text(row[6])))
    return meta
