"""Reads the workbook needs, in a constant number of queries: the catalogue version's tree and the stored
ratings (consolidated or one group's) with their marks and improvement actions, as stored now."""
from __future__ import annotations

from typing import Optional

from sqlalchemy import select
from sqlalchemy.orm import selectinload

from ...catalogue.queries import version_tree
from ...extensions import db
from ...models import Assessment, CatalogueVersion, GroupRating, Rating, User, WorkshopGroup


def tree(assessment: Assessment) -> CatalogueVersion:
    """The assessment's version with dimensions, criteria, levels and elements (five queries)."""
    return version_tree(assessment.version_id)


def stored_ratings(assessment: Assessment, group: Optional[WorkshopGroup]) -> dict[int, Rating | GroupRating]:
    """{criterion id: rating} as stored now (not as this session last saw it), with what the workbook shows
    and what a save changes, and the author of the last save."""
    if group is None:
        query = (select(Rating).where(Rating.assessment_id == assessment.id)
                 .options(selectinload(Rating.element_marks), selectinload(Rating.improvement_action),
                          selectinload(Rating.updated_by)))
    else:
        query = (select(GroupRating).where(GroupRating.group_id == group.id)
                 .options(selectinload(GroupRating.element_marks), selectinload(GroupRating.updated_by)))
    rows = db.session.scalars(query.execution_options(populate_existing=True)).all()
    return {r.criterion_id: r for r in rows}


def groups_of(assessment: Assessment) -> list[WorkshopGroup]:
    return list(db.session.scalars(select(WorkshopGroup).where(WorkshopGroup.assessment_id == assessment.id)
                                   .order_by(WorkshopGroup.position)))


def group_by_reference(assessment: Assessment, reference: str | int | None) -> Optional[WorkshopGroup]:
    """A group of the assessment by id or by name (case-insensitive); None when there is no such group."""
    if reference is None or reference == "":
        return None
    text = str(reference).strip()
    for group in groups_of(assessment):
        if text == str(group.id) or text.casefold() == group.name.casefold():
            return group
    return None


def author_name(rating: Rating | GroupRating | None) -> str:
    user: Optional[User] = rating.updated_by if rating is not None else None
    return user.display_name() if user is not None else ""
