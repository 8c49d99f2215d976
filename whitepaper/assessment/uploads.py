"""Evidence files: their type is decided by their content (magic bytes, zip members), never by the name the
browser sends; they are stored under UPLOAD_FOLDER with random names and only ever served as attachments."""
from __future__ import annotations

import io
import os
import secrets
import zipfile
from dataclasses import dataclass

# kind: (content type, accepted file-name extensions)
ACCEPTED: dict[str, tuple[str, tuple[str, ...]]] = {
    "pdf": ("application/pdf", (".pdf",)),
    "png": ("image/png", (".png",)),
    "jpeg": ("image/jpeg", (".jpg", ".jpeg")),
    "text": ("text/plain", (".txt",)),
    "csv": ("text/csv", (".csv",)),
    "docx": ("application/vnd.openxmlformats-officedocument.wordprocessingml.document", (".docx",)),
    "xlsx": ("application/vnd.openxmlformats-officedocument.spreadsheetml.sheet", (".xlsx",)),
    "odt": ("application/vnd.oasis.opendocument.text", (".odt",)),
}
ODT_MIMETYPE = b"application/vnd.oasis.opendocument.text"

# Office documents (docx, xlsx, pptx, odt, ods, odp) are zip archives: one that unpacks to far more than it
# weighs is a "zip bomb". Every archive is measured by streaming before anything else reads it.
MAX_UNPACKED_BYTES = 50 * 1024 * 1024
MAX_RATIO = 100
MAX_MEMBERS = 1000
CHUNK = 64 * 1024
TOO_MANY_MEMBERS, TOO_LARGE_UNPACKED, TOO_COMPRESSED, UNREADABLE = ("too_many_members", "too_large_unpacked",
                                                                    "too_compressed", "unreadable")
_ZIP_ERRORS = (zipfile.BadZipFile, zipfile.LargeZipFile, KeyError, OSError, RuntimeError, ValueError,
               NotImplementedError, EOFError)


@dataclass(frozen=True)
class Sniffed:
    kind: str
    content_type: str


def archive_problem(data: bytes) -> str | None:
    """Why a zip archive is refused (TOO_MANY_MEMBERS, TOO_LARGE_UNPACKED, TOO_COMPRESSED, UNREADABLE), or None.
    The sizes its directory declares are checked first; then every member is decompressed in CHUNK-sized reads,
    counting, so that no member is ever held in memory whole and a lying directory is caught too."""
    limit = min(MAX_UNPACKED_BYTES, MAX_RATIO * len(data))
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as archive:
            members = archive.infolist()
            if len(members) > MAX_MEMBERS:
                return TOO_MANY_MEMBERS
            declared = sum(member.file_size for member in members)
            if declared > limit:
                return TOO_LARGE_UNPACKED if declared > MAX_UNPACKED_BYTES else TOO_COMPRESSED
            unpacked = 0
            for member in members:
                with archive.open(member) as stream:
                    while chunk := stream.read(CHUNK):
                        unpacked += len(chunk)
                        if unpacked > limit:
                            return TOO_LARGE_UNPACKED if unpacked > MAX_UNPACKED_BYTES else TOO_COMPRESSED
    except _ZIP_ERRORS:
        return UNREADABLE
    return None


def _zip_kind(data: bytes) -> str | None:
    if archive_problem(data) is not None:
        return None
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as archive:
            names = set(archive.namelist())
            if "[Content_Types].xml" in names and "word/document.xml" in names:
                return "docx"
            if "[Content_Types].xml" in names and "xl/workbook.xml" in names:
                return "xlsx"
            if "mimetype" in names:
                with archive.open("mimetype") as stream:
                    if stream.read(len(ODT_MIMETYPE) + 16).strip() == ODT_MIMETYPE:
                        return "odt"
    except _ZIP_ERRORS:
        return None
    return None


def _is_text(data: bytes) -> bool:
    if b"\x00" in data:
        return False
    try:
        data.decode("utf-8")
        return True
    except UnicodeDecodeError:
        pass
    # Spreadsheets exported on Windows are often cp1252: accept it when it holds no control characters.
    try:
        decoded = data.decode("cp1252")
    except UnicodeDecodeError:
        return False
    return all(ch in "\t\r\n\f" or ord(ch) >= 32 for ch in decoded)


def content_kind(data: bytes) -> str | None:
    """The accepted kind the bytes really are, or None."""
    if data.startswith(b"%PDF-"):
        return "pdf"
    if data.startswith(b"\x89PNG\r\n\x1a\n"):
        return "png"
    if data.startswith(b"\xff\xd8\xff"):
        return "jpeg"
    if data.startswith(b"PK\x03\x04"):
        return _zip_kind(data)
    if _is_text(data):
        return "text"
    return None


def sniff(filename: str, data: bytes) -> Sniffed | None:
    """The file's type when its content is an accepted type and its name agrees with it; None otherwise."""
    if not data:
        return None
    extension = os.path.splitext(filename or "")[1].lower()
    kind = content_kind(data)
    if kind == "text" and extension == ".csv":
        kind = "csv"
    if kind is None or extension not in ACCEPTED[kind][1]:
        return None
    return Sniffed(kind, ACCEPTED[kind][0])


def safe_filename(filename: str) -> str:
    """The name shown and offered on download: no path, no control characters, at most 200 characters."""
    base = os.path.basename((filename or "").replace("\\", "/"))
    cleaned = "".join(ch for ch in base if ch.isprintable() and ch not in '"<>|:*?').strip() or "evidence"
    stem, extension = os.path.splitext(cleaned)
    return stem[: 200 - len(extension)] + extension


def store(folder: str, data: bytes) -> str:
    """Writes the bytes under a new random name and returns that name."""
    os.makedirs(folder, exist_ok=True)
    stored_name = secrets.token_hex(16)
    fd = os.open(os.path.join(folder, stored_name), os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(fd, "wb") as handle:
        handle.write(data)
    return stored_name


def path_of(folder: str, stored_name: str) -> str:
    if not stored_name or not all(ch in "0123456789abcdef" for ch in stored_name):
        raise ValueError("not a stored evidence name")
    return os.path.join(folder, stored_name)


def discard(folder: str, stored_name: str) -> None:
    try:
        os.remove(path_of(folder, stored_name))
    except (FileNotFoundError, ValueError):
        pass
