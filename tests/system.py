"""Where the system components the tests use live, and the REQUIRE_ALL rule: with REQUIRE_ALL=1 a missing
component fails the test instead of skipping it."""
from __future__ import annotations

import os
import shutil

import pytest

PG_BIN = os.environ.get("PG_BIN", "/usr/lib/postgresql/15/bin")
CHROMIUM = os.environ.get("CHROMIUM", "/usr/bin/chromium")


def require(available: bool, what: str) -> None:
    if available:
        return
    if os.environ.get("REQUIRE_ALL") == "1":
        pytest.fail(f"{what} is required (REQUIRE_ALL=1) but missing on this machine")
    pytest.skip(f"{what} is not installed")


def has_postgres() -> bool:
    return os.path.exists(os.path.join(PG_BIN, "initdb")) and os.geteuid() == 0


def has_chromium() -> bool:
    return os.path.exists(CHROMIUM)


def has_pdftotext() -> bool:
    return shutil.which("pdftotext") is not None
