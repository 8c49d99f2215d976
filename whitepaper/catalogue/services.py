"""Writes to the catalogue: building a version from data, and the version transitions (audited)."""
from __future__ import annotations

import hashlib
import json
from datetime import date
from typing import Any, Optional

from flask_babel import gettext as _

from .. import audit
from ..errors import InvalidInput
from ..extensions import db
from ..models import (Alert, CatalogueVersion, Criterion, Dimension, Element, Level, PlanningModel, User)
from . import provenance
from .schema import MODEL_KEYS


def content_hash(data: dict[str, Any]) -> str:
    """The hash of what a version says. Provenance and editorial notes are metadata about the texts and stay
    out of it: annotating a file already loaded does not call for a new version label (loader.load)."""
    canonical = {k: v for k, v in provenance.strip_metadata(data).items() if k != "status"}
    return hashlib.sha256(json.dumps(canonical, sort_keys=True, ensure_ascii=False).encode()).hexdigest()


def ensure_planning_model(key: str, title: dict[str, str], model_provenance: Optional[dict] = None) -> PlanningModel:
    model = db.session.scalar(db.select(PlanningModel).where(PlanningModel.key == key))
    if model is None:
        model = PlanningModel(key=key, title=title, position=MODEL_KEYS.index(key))
        db.session.add(model)
    if model_provenance is not None and model.provenance != model_provenance:
        model.provenance = model_provenance
    db.session.flush()
    return model


def build_version(model: PlanningModel, data: dict[str, Any], *, label: str, status: str, source: str,
                  derived_from: Optional[CatalogueVersion] = None, actor: Optional[User] = None) -> CatalogueVersion:
    """Creates a version and all its rows from data shaped like a criteria/ file (already validated)."""
    version = CatalogueVersion(planning_model=model, label=label, status=status, title=data["title"],
                               description=data["description"], content_hash=content_hash(data), source=source,
                               derived_from_id=derived_from.id if derived_from else None,
                               provenance=provenance.model_block(data))
    resolved = provenance.resolved_items(data)
    if status == "approved":
        from ..models.base import utcnow
        version.approved_at = utcnow()
    db.session.add(version)
    db.session.flush()
    for d_pos, d in enumerate(data["dimensions"]):
        dimension = Dimension(version_id=version.id, key=d["key"], position=d_pos, title=d["title"],
                              description=d["description"])
        db.session.add(dimension)
        db.session.flush()
        for c_pos, c in enumerate(d["criteria"]):
            levels = c.get("levels") or []
            elements = c.get("elements") or []
            k = len(levels) if c["scoring"] == "levels" else len(elements)
            criterion = Criterion(
                version_id=version.id, dimension_id=dimension.id, code=c["code"], position=c_pos,
                title=c["title"], description=c["description"], scope=c["scope"], weight=c.get("weight", 1),
                scoring=c["scoring"], optimal=c.get("optimal", k), sdg_targets=list(c.get("sdg_targets") or []),
                editorial_note=c.get("editorial_note"),
                levels=[Level(value=lv["value"], descriptor=lv["descriptor"]) for lv in levels],
                elements=[Element(code=e["code"], position=i + 1, text=e["text"],
                                  editorial_note=e.get("editorial_note"), polarity=e.get("polarity", "positive"))
                          for i, e in enumerate(elements)])
            for row, item in [(criterion, c), *zip(criterion.levels, levels), *zip(criterion.elements, elements)]:
                row.set_provenance(resolved[id(item)])
            db.session.add(criterion)
    for a_pos, a in enumerate(data.get("alerts") or []):
        db.session.add(Alert(version_id=version.id, key=a["key"], position=a_pos, title=a["title"],
                             description=a["description"], criteria_codes=list(a["criteria"])))
    db.session.flush()
    audit.record(actor, "catalogue_version.create", version,
                 after={"model": model.key, "label": label, "status": status, "source": source})
    return version


def annotate_version(version: CatalogueVersion, data: dict[str, Any], actor: Optional[User] = None) -> bool:
    """Brings a loaded version's provenance and editorial notes (from version_tree) up to date with its file,
    whose content is the same. A composed text the committee validated keeps its validation. Returns whether
    anything changed (audited)."""
    resolved = provenance.resolved_items(data)
    changed: list[str] = []
    block = provenance.model_block(data)
    if version.provenance != block:
        version.provenance = block
        changed.append("(version)")
    ensure_planning_model(version.planning_model.key, version.planning_model.title, block)
    files = {c["code"]: c for d in data["dimensions"] for c in d["criteria"]}
    for dimension in version.dimensions:
        for criterion in dimension.criteria:
            c = files.get(criterion.code)
            if c is None:
                continue
            pairs = [(criterion, c), *zip(criterion.levels, c.get("levels") or []),
                     *zip(criterion.elements, c.get("elements") or [])]
            for row, item in pairs:
                info = dict(resolved[id(item)])
                if row.validated_by and info.get("es") == row.provenance:
                    info["validated_by"] = row.validated_by
                if row.provenance_info != provenance.complete(info):
                    row.set_provenance(info)
                    changed.append(getattr(row, "code", None) or f"{criterion.code}#{row.value}")
                if not isinstance(row, Level) and row.editorial_note != item.get("editorial_note"):
                    row.editorial_note = item.get("editorial_note")
                    changed.append(f"{getattr(row, 'code')} (note)")
    if changed:
        db.session.flush()
        audit.record(actor, "catalogue_version.annotate", version,
                     after={"items": len(changed), "first": changed[:10]})
    return bool(changed)


def _snapshot(version: CatalogueVersion) -> dict[str, Any]:
    return {"status": version.status, "piloting": version.is_open_for_piloting}


def open_consultation(actor: Optional[User], version: CatalogueVersion) -> None:
    before = _snapshot(version)
    version.open_consultation()
    audit.record(actor, "catalogue_version.open_consultation", version, before=before, after=_snapshot(version))


def close_consultation(actor: Optional[User], version: CatalogueVersion) -> None:
    before = _snapshot(version)
    version.close_consultation()
    audit.record(actor, "catalogue_version.close_consultation", version, before=before, after=_snapshot(version))


def record_crp_approval(actor: User, version: CatalogueVersion, decision_date: date, reference: str) -> None:
    """The CRP approves a draft: it becomes the model's approved version; the previous one is retired."""
    reference = (reference or "").strip()
    if not reference:
        raise InvalidInput(_("Give the reference of the CRP decision (for example its resolution number)."))
    siblings = db.session.scalars(db.select(CatalogueVersion).where(
        CatalogueVersion.planning_model_id == version.planning_model_id,
        CatalogueVersion.status == "approved", CatalogueVersion.id != version.id)).all()
    before = _snapshot(version)
    version.approve(decision_date, reference)
    for previous in siblings:
        previous.retire_superseded()
        audit.record(actor, "catalogue_version.retire", previous, before={"status": "approved"},
                     after={"status": "retired", "superseded_by": version.id})
    audit.record(actor, "catalogue_version.approve", version, before=before,
                 after={**_snapshot(version), "crp_date": decision_date.isoformat(), "crp_reference": reference})


def set_piloting(actor: User, version: CatalogueVersion, is_open: bool) -> None:
    before = _snapshot(version)
    version.set_piloting(is_open)
    audit.record(actor, "catalogue_version.piloting", version, before=before, after=_snapshot(version))
