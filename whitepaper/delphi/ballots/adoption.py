"""Closing the consultation: the consulted version reduced to what the votes approved, built as a new
draft version for the CRP (docs/methods.md §6)."""
from __future__ import annotations

from typing import Any, Mapping, Optional

from flask_babel import gettext as _
from sqlalchemy import select

from ... import audit, formatting
from ...catalogue import queries as catalogue_queries
from ...catalogue import services as catalogue_services
from ...errors import Conflict
from ...extensions import db
from ...models import CatalogueVersion, User
from ...models.ballot import BallotItem
from ...models.delphi import Committee
from . import queries


def adopted_content(content: dict[str, Any], latest: Mapping[tuple[str, str], BallotItem]) -> dict[str, Any]:
    """The consulted version's content (catalogue.queries.version_content) reduced to what the votes approved:
    approved dimensions (with their revised description, if the approved proposal was revised), approved
    criteria, each with its approved optimal value; alerts keep only retained criteria."""
    def approved(stage: str, subject: str) -> Optional[BallotItem]:
        item = latest.get((stage, subject))
        return item if item is not None and item.outcome == "approved" else None

    dimensions = []
    retained: set[str] = set()
    for d in content["dimensions"]:
        dimension_item = approved("dimensions_levels", d["key"])
        if dimension_item is None:
            continue
        criteria = []
        for c in d["criteria"]:
            if approved("criteria", c["code"]) is None:
                continue
            optimal_item = approved("optimal_levels", c["code"])
            criteria.append(_validated({**c, "optimal": optimal_item.proposed_value if optimal_item else c["optimal"]},
                                       ballot_name(approved("criteria", c["code"]))))
            retained.add(c["code"])
        description = dimension_item.revised_text or d["description"]
        dimensions.append({**d, "description": dict(description), "criteria": criteria})
    alerts = []
    for a in content.get("alerts") or []:
        codes = [code for code in a["criteria"] if code in retained]
        if codes:
            alerts.append({**a, "criteria": codes})
    return {**content, "status": "draft", "dimensions": dimensions, "alerts": alerts}


def ballot_name(item: BallotItem) -> str:
    """How a validated text names the ballot that adopted it."""
    return f"ballot {item.ballot.number} of committee {item.ballot.committee_id}"


def _validated(criterion: dict[str, Any], ballot: str) -> dict[str, Any]:
    """A criterion the committee adopted: its composed texts (title, levels, elements) not yet validated are now
    validated by that ballot (catalogue/provenance.py)."""
    def mark(item: dict[str, Any]) -> dict[str, Any]:
        info = item.get("provenance") or {}
        if info.get("es") == "composed" and not info.get("validated_by"):
            item = {**item, "provenance": {**info, "validated_by": ballot}}
        return item
    return {**mark(criterion), "levels": [mark(lv) for lv in criterion.get("levels") or []],
            "elements": [mark(e) for e in criterion.get("elements") or []]}


def crp_label(version: CatalogueVersion) -> str:
    """The label of the version built for the CRP: the consulted label with "-crp" (and a number if taken)."""
    base = version.label.removesuffix("-draft")[:34] + "-crp"
    taken = {v.label for v in db.session.scalars(select(CatalogueVersion).where(
        CatalogueVersion.planning_model_id == version.planning_model_id))}
    label, n = base, 2
    while label in taken:
        label, n = f"{base}-{n}", n + 1
    return label


def close_consultation(actor: Optional[User], committee: Committee) -> CatalogueVersion:
    """Builds the version the votes approved, as a draft for the CRP, and retires the consulted version."""
    state = queries.consultation_state(committee)
    version = committee.catalogue_version
    if state.result is not None or version.status == "retired":
        raise Conflict(_("The consultation on version %(label)s has already closed.", label=version.label))
    if version.status != "in_consultation":
        raise Conflict(_("Version %(label)s is not under consultation: its first ballot has not opened.",
                         label=version.label))
    if state.unfinished:
        raise Conflict(_("Ballot %(number)d is not closed yet: close it (or delete the draft) first.",
                         number=state.unfinished[0].number))
    if state.obstacles:
        subjects = ", ".join(sorted({o.subject for o in state.obstacles}))
        raise Conflict(_("The consultation cannot close yet: %(subjects)s still need an approved outcome.",
                         subjects=subjects))
    if state.empty_dimensions:
        raise Conflict(_("The consultation cannot close: every criterion of %(dimension)s was rejected, and a "
                         "dimension needs at least one criterion.",
                         dimension=formatting.text(state.empty_dimensions[0].title)))
    content = adopted_content(catalogue_queries.version_content(state.tree), state.latest)
    label = crp_label(version)
    content["version"] = label
    result = catalogue_services.build_version(version.planning_model, content, label=label, status="draft",
                                              source=queries.consultation_source(committee), derived_from=version,
                                              actor=actor)
    catalogue_services.close_consultation(actor, version)
    audit.record(actor, "committee.consultation.close", committee,
                 after={"consulted": version.label, "result": label})
    return result
