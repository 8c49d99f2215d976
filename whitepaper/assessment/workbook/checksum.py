"""The workbook's seal: an HMAC-SHA256 with the application's SECRET_KEY over the hidden sheet's ids and
structure, so that a changed assessment id, row map or download version is detected on upload."""
from __future__ import annotations

import hashlib
import hmac
import json
from typing import Any


def canonical(payload: Any) -> bytes:
    """One byte string per payload: sorted keys, no spaces, UTF-8 (so the same content always signs alike)."""
    return json.dumps(payload, sort_keys=True, separators=(",", ":"), ensure_ascii=False).encode("utf-8")


def _key(secret: str | bytes) -> bytes:
    # Derived from SECRET_KEY for this one use, so the seal never equals a session signature.
    raw = secret.encode("utf-8") if isinstance(secret, str) else secret
    return hmac.new(raw, b"whitepaper.assessment.workbook", hashlib.sha256).digest()


def seal(secret: str | bytes, payload: Any) -> str:
    return hmac.new(_key(secret), canonical(payload), hashlib.sha256).hexdigest()


def is_sealed(secret: str | bytes, payload: Any, checksum: Any) -> bool:
    if not isinstance(checksum, str) or len(checksum) != 64:
        return False
    return hmac.compare_digest(seal(secret, payload), checksum.lower())


def content_digest(values: Any) -> str:
    """A short digest of a rating's content as the workbook showed it (to tell an edited row from an untouched
    one on upload); not secret, it is sealed with the rest."""
    return hashlib.sha256(canonical(values)).hexdigest()[:20]
