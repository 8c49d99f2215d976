"""PDF rendering with WeasyPrint behind a restricted URL fetcher: data: URLs and files of the app's static
folder only, never the network or any other file."""
from __future__ import annotations

import os
from urllib.parse import unquote, urlsplit

from weasyprint import HTML
from weasyprint.urls import URLFetcher

STATIC = os.path.join(os.path.dirname(os.path.dirname(os.path.abspath(__file__))), "static")


class RestrictedFetcher(URLFetcher):
    """Fetches data: URLs and file: URLs inside the static folder; refuses everything else."""

    def __init__(self, static_folder: str = STATIC):
        super().__init__(timeout=1, allowed_protocols=("data", "file"), allow_redirects=False)
        self.static_folder = os.path.realpath(static_folder)

    def fetch(self, url, headers=None):
        scheme = urlsplit(url).scheme.lower()
        if scheme == "file":
            path = os.path.realpath(unquote(urlsplit(url).path))
            if os.path.commonpath([path, self.static_folder]) != self.static_folder:
                raise ValueError(f"refused to read {url}: outside the static folder")
        elif scheme != "data":
            raise ValueError(f"refused to fetch {url}: only data: and static files are allowed")
        return super().fetch(url, headers)


def render(html: str) -> bytes:
    """Renders self-contained HTML to a tagged PDF (readable by screen readers) with its metadata.

    Title and language come from the document's <title> and <html lang>; WeasyPrint writes them into the
    PDF's metadata, and the document outline (bookmarks) from its headings."""
    document = HTML(string=html, base_url=f"file://{STATIC}/", url_fetcher=RestrictedFetcher())
    return document.write_pdf(pdf_tags=True)
