"""Reads of the catalogue for pages and the API, each in a constant number of queries."""
from __future__ import annotations

from typing import Any, Optional

from sqlalchemy import select
from sqlalchemy.orm import selectinload

from ..extensions import db
from ..models import Alert, CatalogueVersion, Criterion, Dimension, PlanningModel


def planning_models() -> list[PlanningModel]:
    return list(db.session.scalars(select(PlanningModel).options(selectinload(PlanningModel.versions))
                                   .order_by(PlanningModel.position)))


def model_by_key(key: str) -> Optional[PlanningModel]:
    return db.session.scalar(select(PlanningModel).options(selectinload(PlanningModel.versions))
                             .where(PlanningModel.key == key))


def current_version(model: PlanningModel) -> Optional[CatalogueVersion]:
    """docs/methods.md §6.3: the approved version, or, when there is none, the most recently created one not retired."""
    approved = [v for v in model.versions if v.status == "approved"]
    if approved:
        return approved[-1]
    live = [v for v in model.versions if v.status != "retired"]
    return max(live, key=lambda v: (v.created_at, v.id)) if live else None


def version_by_label(model: PlanningModel, label: str) -> Optional[CatalogueVersion]:
    return next((v for v in model.versions if v.label == label), None)


def version_tree(version_id: int) -> Optional[CatalogueVersion]:
    """A version with its dimensions, criteria, levels, elements and alerts, in five queries."""
    return db.session.scalar(
        select(CatalogueVersion).where(CatalogueVersion.id == version_id).options(
            selectinload(CatalogueVersion.dimensions).selectinload(Dimension.criteria)
            .selectinload(Criterion.levels),
            selectinload(CatalogueVersion.dimensions).selectinload(Dimension.criteria)
            .selectinload(Criterion.elements),
            selectinload(CatalogueVersion.alerts)))


def dimensions_by_version(version_ids: list[int]) -> dict[int, list[Dimension]]:
    """The dimensions of several versions in one query."""
    grouped: dict[int, list[Dimension]] = {vid: [] for vid in version_ids}
    for dimension in db.session.scalars(select(Dimension).where(Dimension.version_id.in_(version_ids))
                                        .order_by(Dimension.version_id, Dimension.position)):
        grouped[dimension.version_id].append(dimension)
    return grouped


def criteria_counts() -> dict[int, dict[str, int]]:
    """Criteria per dimension key for every version, in one query: {version_id: {dimension_key: n}}."""
    rows = db.session.execute(select(Dimension.version_id, Dimension.key, Criterion.id)
                              .join(Criterion, Criterion.dimension_id == Dimension.id))
    counts: dict[int, dict[str, int]] = {}
    for version_id, key, _criterion in rows:
        per = counts.setdefault(version_id, {})
        per[key] = per.get(key, 0) + 1
    return counts


def alert_titles(version: CatalogueVersion) -> dict[str, list[Alert]]:
    """Alerts by criterion code, for showing on each criterion the alerts it feeds."""
    by_code: dict[str, list[Alert]] = {}
    for alert in version.alerts:
        for code in alert.criteria_codes:
            by_code.setdefault(code, []).append(alert)
    return by_code


def version_content(version: CatalogueVersion) -> dict[str, Any]:
    """A loaded version (from version_tree) as data in the shape of a criteria/ file."""
    return {
        "key": version.planning_model.key, "version": version.label, "status": version.status,
        "title": version.title, "description": version.description,
        "provenance": dict(version.provenance or {}),
        "dimensions": [{
            "key": d.key, "title": d.title, "description": d.description,
            "criteria": [{
                "code": c.code, "title": c.title, "description": c.description, "scope": c.scope,
                "weight": c.weight, "scoring": c.scoring,
                "levels": [{"value": lv.value, "descriptor": lv.descriptor, "provenance": lv.provenance_info}
                           for lv in c.levels],
                "elements": [{"code": e.code, "text": e.text, "polarity": e.polarity, "provenance": e.provenance_info,
                              "editorial_note": e.editorial_note} for e in c.elements],
                "optimal": c.optimal, "sdg_targets": list(c.sdg_targets or []),
                "provenance": c.provenance_info, "editorial_note": c.editorial_note,
            } for c in d.criteria],
        } for d in version.dimensions],
        "alerts": [a.as_dict() for a in version.alerts],
    }


def provenance_counts(version: CatalogueVersion) -> dict[str, int]:
    """A loaded version's texts (criterion titles, level descriptors, elements) by provenance: how many are
    ILPES's words, how many composed and still pending the committee's validation, how many composed and
    validated, and how many carry no provenance (loaded before it was recorded)."""
    counts = {"total": 0, "ilpes": 0, "pending": 0, "validated": 0, "unknown": 0}
    for dimension in version.dimensions:
        for criterion in dimension.criteria:
            for item in (criterion, *criterion.levels, *criterion.elements):
                counts["total"] += 1
                if item.provenance == "ilpes":
                    counts["ilpes"] += 1
                elif item.provenance == "composed":
                    counts["validated" if item.validated_by else "pending"] += 1
                else:
                    counts["unknown"] += 1
    return counts


def criteria_with_sdg_targets(version_ids: list[int]) -> list[Criterion]:
    """The criteria of these versions that link to any SDG target, in one query (with their dimension)."""
    if not version_ids:
        return []
    rows = db.session.scalars(select(Criterion).where(Criterion.version_id.in_(version_ids))
                              .options(selectinload(Criterion.dimension))
                              .order_by(Criterion.version_id, Criterion.dimension_id, Criterion.position))
    return [c for c in rows if c.sdg_targets]


def provenance_summary(version: CatalogueVersion) -> dict[str, Any]:
    """What a document says about a loaded version's texts: which are composed (by criterion code: its title,
    its level descriptors, its elements), which of those a ballot validated, the ILPES sources, and the
    editorial notes as (code, ILPES's Spanish, note)."""
    counts = provenance_counts(version)
    composed: dict[str, list[str]] = {"titles": [], "levels": [], "elements": []}
    validated: list[str] = []
    sources: set[str] = set()
    notes: list[tuple[str, dict[str, str], dict[str, str]]] = []
    for dimension in version.dimensions:
        for c in dimension.criteria:
            if c.editorial_note:
                notes.append((c.code, c.title, c.editorial_note))
            for key, items in (("titles", [c]), ("levels", list(c.levels)), ("elements", list(c.elements))):
                if any(i.provenance == "composed" for i in items):
                    composed[key].append(c.code)
                if any(i.provenance == "composed" and i.validated_by for i in items) and c.code not in validated:
                    validated.append(c.code)
                sources.update(i.provenance_source for i in items if i.provenance == "ilpes" and i.provenance_source)
            notes.extend((e.code, e.text, e.editorial_note) for e in c.elements if e.editorial_note)
    return {"counts": counts, "composed": composed, "validated": validated, "sources": sorted(sources),
            "all_composed": counts["total"] > 0 and counts["pending"] + counts["validated"] == counts["total"],
            "model": dict(version.provenance or {}), "notes": notes}
