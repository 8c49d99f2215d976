"""Safe redirect targets: only same-site relative paths, never an open redirect. A ground-floor module:
it imports Flask and the standard library, nothing from whitepaper."""
from __future__ import annotations

from urllib.parse import urlsplit

from flask import request


def safe_next(target: str | None) -> str | None:
    """Only same-site relative paths, never an open redirect."""
    if not target:
        return None
    parts = urlsplit(target)
    if parts.scheme or parts.netloc or not target.startswith("/") or target.startswith("//"):
        return None
    return target


def same_site_path(url: str | None) -> str | None:
    """The path of a URL of this site (such as the referrer), or None for anything else."""
    if not url:
        return None
    root = request.host_url
    return safe_next("/" + url[len(root):]) if url.startswith(root) else None
