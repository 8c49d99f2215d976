"""JSON API blueprint; the features register their read endpoints on it."""
from __future__ import annotations

from flask import Blueprint

bp = Blueprint("api", __name__, url_prefix="/api/v1")
