"""Comparability fingerprints in the database (docs/design.md, "Comparability fingerprint"): fixed when an
assessment is submitted, read for the API, the scorecard and the regional comparisons, which put side by side
only assessments whose fingerprints are compatible and say which were left out and why. A constant number of
queries, whatever the number of assessments, criteria or ratings."""
from __future__ import annotations

from collections.abc import Sequence
from typing import Optional

from flask_babel import gettext as _
from flask_babel import ngettext
from sqlalchemy import func, select

from ..extensions import db
from ..models import (Assessment, AssessmentFingerprint, CatalogueVersion, Criterion, Dimension, Rating,
                      WorkshopGroup)
from . import fingerprint, scoring
from .fingerprint import Fingerprint, Reference

# A draft or a returned assessment can still change: it has no fingerprint (`null` in the API).
FINGERPRINTED_STATUSES = ("submitted", "validated", "published")
KINDS = ("not_applicable", "no_information")


def _modes(version_ids: set[int]) -> dict[int, str]:
    methods: dict[int, set[str]] = {v: set() for v in version_ids}
    for version_id, method in db.session.execute(
            select(Criterion.version_id, Criterion.scoring).where(Criterion.version_id.in_(version_ids))
            .distinct()):
        methods[version_id].add(method)
    return {v: fingerprint.scoring_mode(m) for v, m in methods.items()}


def compute(assessments: Sequence[Assessment]) -> dict[int, Fingerprint]:
    """The fingerprints of the assessments as their rows stand now (four queries for any number of them)."""
    if not assessments:
        return {}
    ids = [a.id for a in assessments]
    version_ids = {a.version_id for a in assessments}
    modes = _modes(version_ids)
    keys: dict[int, list[str]] = {v: [] for v in version_ids}
    for version_id, key in db.session.execute(select(Dimension.version_id, Dimension.key)
                                              .where(Dimension.version_id.in_(version_ids))
                                              .order_by(Dimension.version_id, Dimension.position)):
        keys[version_id].append(key)
    counts: dict[tuple[int, str, str], int] = {}
    for assessment_id, key, kind, n in db.session.execute(
            select(Rating.assessment_id, Dimension.key, Rating.kind, func.count())
            .join(Criterion, Criterion.id == Rating.criterion_id)
            .join(Dimension, Dimension.id == Criterion.dimension_id)
            .where(Rating.assessment_id.in_(ids), Rating.kind.in_(KINDS))
            .group_by(Rating.assessment_id, Dimension.key, Rating.kind)):
        counts[(assessment_id, key, kind)] = n
    groups = dict(db.session.execute(select(WorkshopGroup.assessment_id, func.count())
                                     .where(WorkshopGroup.assessment_id.in_(ids))
                                     .group_by(WorkshopGroup.assessment_id)).all())
    out = {}
    for a in assessments:
        per_kind = [{key: counts.get((a.id, key, kind), 0) for key in keys[a.version_id]} for kind in KINDS]
        out[a.id] = fingerprint.make(a.version.label, modes[a.version_id], scoring.RULES_VERSION, *per_kind,
                                     groups=groups.get(a.id, 0))
    return out


def record(assessment: Assessment) -> Fingerprint:
    """Fix the fingerprint of an assessment being submitted (replacing one of an earlier submission)."""
    found = compute([assessment])[assessment.id]
    row = db.session.get(AssessmentFingerprint, assessment.id)
    if row is None:
        row = AssessmentFingerprint(assessment_id=assessment.id)
        db.session.add(row)
    row.catalogue_version, row.scoring_mode, row.rules = found.catalogue_version, found.scoring_mode, found.rules
    row.not_applicable, row.no_information = dict(found.not_applicable), dict(found.no_information)
    row.groups, row.hash = found.groups, found.hash
    db.session.flush()
    return found


def _from_row(row: AssessmentFingerprint) -> Fingerprint:
    """The stored fingerprint as it was fixed, its hash included."""
    return Fingerprint(row.catalogue_version, row.scoring_mode, row.rules,
                       tuple(sorted((k, int(n)) for k, n in row.not_applicable.items())),
                       tuple(sorted((k, int(n)) for k, n in row.no_information.items())), row.groups, row.hash)


def fingerprints_for(assessments: Sequence[Assessment]) -> dict[int, Optional[Fingerprint]]:
    """{id: fingerprint}: None for drafts and returned assessments; the stored one otherwise, or for one
    submitted before fingerprints were stored, computed from its ratings (which no longer change)."""
    fixed = [a for a in assessments if a.status in FINGERPRINTED_STATUSES]
    out: dict[int, Optional[Fingerprint]] = {a.id: None for a in assessments}
    if not fixed:
        return out
    stored = {row.assessment_id: _from_row(row) for row in db.session.scalars(
        select(AssessmentFingerprint).where(AssessmentFingerprint.assessment_id.in_([a.id for a in fixed])))}
    out.update(stored)
    out.update(compute([a for a in fixed if a.id not in stored]))
    return out


def fingerprint_of(assessment: Assessment) -> Optional[Fingerprint]:
    return fingerprints_for([assessment])[assessment.id]


def reference(version: CatalogueVersion) -> Reference:
    """What a comparison on `version` asks of its members: that version and its scoring mode today."""
    return Reference(version.label, _modes({version.id})[version.id])


def elsewhere(version: CatalogueVersion) -> list[Assessment]:
    """For each (country, scope) with published assessments of the version's planning model but none on the
    version, its latest published one (greatest end year, then latest publication): what a comparison on
    the version leaves out because of the catalogue version."""
    rows = db.session.scalars(
        select(Assessment).where(Assessment.planning_model_id == version.planning_model_id,
                                 Assessment.status == "published")
        .order_by(Assessment.period_end.desc(), Assessment.published_at.desc(), Assessment.id.desc()))
    latest: dict[tuple[int, str], Assessment] = {}
    on_version: set[tuple[int, str]] = set()
    for a in rows:
        key = (a.country_id, a.scope_name)
        latest.setdefault(key, a)
        if a.version_id == version.id:
            on_version.add(key)
    return [a for key, a in latest.items() if key not in on_version]


def regional_selection(version: CatalogueVersion, members: Sequence[Assessment], wanted: Reference
                       ) -> fingerprint.Partition[Assessment]:
    """The members of a regional comparison on `version` (the latest published assessment of each country and
    scope on it) whose fingerprints are compatible with the version, and the left out: members that are not,
    and the countries and scopes whose published assessments are all on other versions."""
    candidates = list(members) + elsewhere(version)
    found = fingerprints_for(candidates)
    return fingerprint.partition(wanted, [(a, found[a.id]) for a in candidates])


# --- words ------------------------------------------------------------------------------------------------

def mode_label(mode: str) -> str:
    return {"levels": _("by achievement levels"), "elements": _("by verification elements"),
            "mixed": _("by levels and by elements"), "none": _("no criteria")}.get(mode, mode)


def reason_text(reason: str, found: Optional[Fingerprint], version_label: str, mode: str) -> str:
    """Why an assessment was left out of a comparison on `version_label` scored `mode`."""
    if reason == "catalogue_version" and found is not None:
        return _("catalogue version %(found)s, not %(wanted)s", found=found.catalogue_version, wanted=version_label)
    if reason == "scoring_mode" and found is not None:
        return _("scored %(found)s, not %(wanted)s", found=mode_label(found.scoring_mode), wanted=mode_label(mode))
    return _("no fingerprint")


def left_out_summary(count: int, reasons: dict[str, int]) -> str:
    """One sentence: how many a regional comparison left out, and how many for each reason."""
    labels = {"catalogue_version": lambda n: _("%(n)d on another catalogue version", n=n),
              "scoring_mode": lambda n: _("%(n)d scored in another mode", n=n),
              "no_fingerprint": lambda n: _("%(n)d without a fingerprint", n=n)}
    parts = "; ".join(labels[reason](n) for reason, n in sorted(reasons.items()))
    return ngettext("%(num)d published assessment of this model was left out of the regional comparison, as its "
                    "comparability fingerprint differs from this version's: %(reasons)s.",
                    "%(num)d published assessments of this model were left out of the regional comparison, as "
                    "their comparability fingerprints differ from this version's: %(reasons)s.", count,
                    reasons=parts)
