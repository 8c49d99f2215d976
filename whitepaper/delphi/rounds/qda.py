"""REFI-QDA interchange, as plain data in and bytes out (no Flask, no database): the codebook exchange file
(`.qdc`, namespace urn:QDA-XML:codebook:1.0) and the project file (`.qdpx`, a zip holding `project.qde`,
namespace urn:QDA-XML:project:1.0) that ATLAS.ti, MAXQDA and NVivo read.

Sources are written inline, as `TextSource` > `PlainTextContent`; a coded passage is a `PlainTextSelection`
whose `startPosition` and `endPosition` are character offsets into that text (end exclusive), holding a
`Coding` > `CodeRef targetGUID=…` that points at a code of the codebook."""
from __future__ import annotations

import io
import re
import uuid
import zipfile
from dataclasses import dataclass, field
from datetime import datetime
from typing import Iterable, Sequence
from xml.etree import ElementTree as ET

CODEBOOK_NS = "urn:QDA-XML:codebook:1.0"
PROJECT_NS = "urn:QDA-XML:project:1.0"
MAX_CODEBOOK_BYTES = 1024 * 1024
MAX_CODES = 500
ORIGIN = "White Paper Platform"
_COLOR = re.compile(r"^#[0-9A-Fa-f]{6}$")
# Characters XML 1.0 cannot carry; replaced one for one so that offsets do not move.
_NOT_XML = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff]")


class QdaRefused(ValueError):
    """A file that cannot be read as a REFI-QDA codebook; `reason` is one of: too_large, not_xml, unsafe,
    namespace, not_codebook, no_codes, nameless, too_many."""

    def __init__(self, reason: str):
        super().__init__(reason)
        self.reason = reason


@dataclass(frozen=True)
class QdaCode:
    guid: str
    name: str
    description: str = ""
    codable: bool = True
    color: str | None = None
    children: tuple["QdaCode", ...] = ()


@dataclass(frozen=True)
class QdaSelection:
    guid: str
    start: int
    end: int
    code_guid: str
    coding_guid: str


@dataclass(frozen=True)
class QdaSource:
    guid: str
    name: str
    text: str
    selections: tuple[QdaSelection, ...] = field(default_factory=tuple)


def namespace_for(installation: str) -> uuid.UUID:
    """The UUID namespace of one installation (its public address, or any fixed name)."""
    return uuid.uuid5(uuid.NAMESPACE_URL, installation)


def stable_guid(namespace: uuid.UUID, kind: str, key: object) -> str:
    """The same object gets the same guid in every export of this installation."""
    return str(uuid.uuid5(namespace, f"{kind}:{key}"))


def plain_text(text: str) -> str:
    """The text as written into a source: line ends as \\n (XML parsers would fold \\r\\n anyway, moving every
    offset after it) and characters XML cannot hold replaced, one for one."""
    return _NOT_XML.sub("\ufffd", text.replace("\r\n", "\n").replace("\r", "\n"))


def selection_span(text: str, fragment: str | None) -> tuple[int, int] | None:
    """Character offsets [start, end) of a fragment in a text (the whole text for None); None if absent."""
    if fragment is None:
        return (0, len(text))
    fragment = plain_text(fragment)
    start = text.find(fragment)
    if start < 0 or not fragment:
        return None
    return (start, start + len(fragment))


# --- writing -------------------------------------------------------------------------------------------
def _code_element(parent: ET.Element, ns: str, code: QdaCode) -> None:
    attrs = {"guid": code.guid, "name": code.name, "isCodable": "true" if code.codable else "false"}
    if code.color and _COLOR.match(code.color):
        attrs["color"] = code.color.upper()
    element = ET.SubElement(parent, f"{{{ns}}}Code", attrs)
    if code.description:
        ET.SubElement(element, f"{{{ns}}}Description").text = plain_text(code.description)
    for child in code.children:
        _code_element(element, ns, child)


def _codes_element(parent: ET.Element, ns: str, codes: Iterable[QdaCode]) -> None:
    holder = ET.SubElement(parent, f"{{{ns}}}Codes")
    for code in codes:
        _code_element(holder, ns, code)


def _serialize(root: ET.Element, ns: str) -> bytes:
    ET.register_namespace("", ns)
    return ET.tostring(root, encoding="utf-8", xml_declaration=True)


def codebook_xml(codes: Sequence[QdaCode], *, origin: str = ORIGIN) -> bytes:
    root = ET.Element(f"{{{CODEBOOK_NS}}}CodeBook", {"origin": origin})
    _codes_element(root, CODEBOOK_NS, codes)
    return _serialize(root, CODEBOOK_NS)


def project_xml(name: str, codes: Sequence[QdaCode], sources: Sequence[QdaSource], created: datetime, *,
                origin: str = ORIGIN) -> bytes:
    ns = PROJECT_NS
    root = ET.Element(f"{{{ns}}}Project", {"name": name, "origin": origin,
                                           "creationDateTime": created.strftime("%Y-%m-%dT%H:%M:%SZ")})
    book = ET.SubElement(root, f"{{{ns}}}CodeBook")
    _codes_element(book, ns, codes)
    holder = ET.SubElement(root, f"{{{ns}}}Sources")
    for source in sources:
        element = ET.SubElement(holder, f"{{{ns}}}TextSource", {"guid": source.guid, "name": source.name})
        ET.SubElement(element, f"{{{ns}}}PlainTextContent").text = source.text
        for selection in source.selections:
            chosen = ET.SubElement(element, f"{{{ns}}}PlainTextSelection", {
                "guid": selection.guid, "name": source.text[selection.start:selection.end][:60],
                "startPosition": str(selection.start), "endPosition": str(selection.end)})
            coding = ET.SubElement(chosen, f"{{{ns}}}Coding", {"guid": selection.coding_guid})
            ET.SubElement(coding, f"{{{ns}}}CodeRef", {"targetGUID": selection.code_guid})
    return _serialize(root, ns)


def project_qdpx(name: str, codes: Sequence[QdaCode], sources: Sequence[QdaSource], created: datetime) -> bytes:
    """The `.qdpx` archive: a zip with `project.qde` at its root (sources are inline, so nothing else)."""
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        info = zipfile.ZipInfo("project.qde", date_time=created.timetuple()[:6])
        info.compress_type = zipfile.ZIP_DEFLATED
        archive.writestr(info, project_xml(name, codes, sources, created))
    return buffer.getvalue()


# --- reading -------------------------------------------------------------------------------------------
def _read_code(element: ET.Element, ns: str, count: list[int]) -> QdaCode:
    count[0] += 1
    if count[0] > MAX_CODES:
        raise QdaRefused("too_many")
    name = (element.get("name") or "").strip()
    if not name:
        raise QdaRefused("nameless")
    description = element.find(f"{{{ns}}}Description")
    color = element.get("color")
    return QdaCode(guid=element.get("guid") or "", name=name,
                   description=(description.text or "").strip() if description is not None else "",
                   codable=(element.get("isCodable") or "true").strip().lower() != "false",
                   color=color if color and _COLOR.match(color) else None,
                   children=tuple(_read_code(child, ns, count) for child in element.findall(f"{{{ns}}}Code")))


def parse_codebook(data: bytes) -> list[QdaCode]:
    """The codes of a `.qdc` file, nested as written; refuses what is not a REFI-QDA 1.0 codebook."""
    if len(data) > MAX_CODEBOOK_BYTES:
        raise QdaRefused("too_large")
    head = data[:4096].upper()
    if b"<!DOCTYPE" in head or b"<!ENTITY" in data.upper():
        raise QdaRefused("unsafe")  # no document types, no entities: nothing to expand
    try:
        root = ET.fromstring(data)
    except ET.ParseError:
        raise QdaRefused("not_xml") from None
    local = root.tag.rsplit("}", 1)[-1]
    ns = root.tag[1:].split("}", 1)[0] if root.tag.startswith("{") else ""
    if ns != CODEBOOK_NS:
        raise QdaRefused("namespace")
    if local != "CodeBook":
        raise QdaRefused("not_codebook")
    holder = root.find(f"{{{ns}}}Codes")
    if holder is None:
        raise QdaRefused("no_codes")
    count = [0]
    codes = [_read_code(element, ns, count) for element in holder.findall(f"{{{ns}}}Code")]
    if not codes:
        raise QdaRefused("no_codes")
    return codes


def flatten(codes: Iterable[QdaCode]) -> list[QdaCode]:
    """Depth first, parents before their sub-codes (the platform's codebook is flat)."""
    out: list[QdaCode] = []
    for code in codes:
        out.append(code)
        out.extend(flatten(code.children))
    return out
