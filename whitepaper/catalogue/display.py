"""The provenance badge of a catalogue text, as HTML: one per criterion title, level descriptor and element on
the catalogue pages (a national version shows 222), so it is built once per kind of badge and language."""
from __future__ import annotations

from functools import lru_cache
from typing import Any, Optional

from flask_babel import gettext as _
from markupsafe import Markup, escape

from ..formatting import current_lang


def source_label(source: Optional[str]) -> str:
    labels = {"national form": _("ILPES national paper form"),
              "subnational manual": _("ILPES application manual (subnational model)"),
              "seed report": _("ILPES progress report")}
    return labels.get(source or "", source or "")


@lru_cache(maxsize=256)
def _badge(origin: Optional[str], source: Optional[str], validated_by: Optional[str], lang: str) -> Markup:
    if origin == "ilpes":
        title = _("ILPES text, verbatim") + (f": {source_label(source)}" if source else "")
        css, kind, label = "prov-ilpes", "ilpes", _("ILPES")
    elif origin == "composed" and validated_by:
        title = _("Composed for the platform; validated by %(ballot)s", ballot=validated_by)
        css, kind, label = "prov-validated", "composed", _("composed · validated")
    elif origin == "composed":
        title = _("Composed for the platform, pending validation by the technical committee")
        css, kind, label = "prov-composed", "composed", _("composed · pending validation")
    else:
        title = _("Run flask catalog load to record where this text comes from.")
        css, kind, label = "prov-unknown", "", _("provenance not recorded")
    return Markup(f'<span class="badge prov {css}" data-provenance="{kind}" title="{escape(title)}">'
                  f'{escape(label)}</span>')


def badge(item: Any) -> Markup:
    """The badge of a criterion, level or element row (models.catalogue.TextProvenance)."""
    return _badge(item.provenance, item.provenance_source, item.validated_by, current_lang())
