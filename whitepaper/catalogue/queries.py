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
        "dimensions": [{
            "key": d.key, "title": d.title, "description": d.description,
            "criteria": [{
                "code": c.code, "title": c.title, "description": c.description, "scope": c.scope,
                "weight": c.weight, "scoring": c.scoring,
                "levels": [{"value": lv.value, "descriptor": lv.descriptor} for lv in c.levels],
                "elements": [{"code": e.code, "text": e.text, "polarity": e.polarity} for e in c.elements],
                "optimal": c.optimal, "sdg_targets": list(c.sdg_targets or []),
            } for c in d.criteria],
        } for d in version.dimensions],
        "alerts": [a.as_dict() for a in version.alerts],
    }
