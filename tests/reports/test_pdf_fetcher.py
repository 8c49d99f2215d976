"""WeasyPrint never reads files outside the static folder nor the network."""
from __future__ import annotations

import pytest

from whitepaper.reports.pdf import STATIC, RestrictedFetcher


@pytest.mark.parametrize("url", ["file:///etc/passwd", f"file://{STATIC}/../config.py",
                                 "http://127.0.0.1:1/x.png", "https://example.org/a.css", "ftp://example.org/x"])
def test_fetcher_refuses_everything_but_data_and_static_files(url):
    with pytest.raises(ValueError):
        RestrictedFetcher().fetch(url)


def test_fetcher_reads_data_urls_and_static_files():
    fetcher = RestrictedFetcher()
    response = fetcher.fetch("data:text/plain;base64,aG9sYQ==")
    assert response is not None
    assert fetcher.fetch(f"file://{STATIC}/css/app.css") is not None
