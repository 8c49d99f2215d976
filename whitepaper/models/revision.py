"""Data revisions: one counter per kind of shared public content, raised in the same transaction as any change
to it, so that every process (each gunicorn worker) can tell with one primary-key read whether what it keeps
(a rendered public page) is still current.

- `catalogue`: any row of the planning models' catalogue (models, versions, dimensions, criteria, levels,
  elements, alerts) added, changed or removed;
- `published`: an assessment that is or was published added, changed or removed (publishing, withdrawing,
  a correction replacing it, its public flag), or a country or planning body (whose names the published
  pages show).
Changes that touch neither (autosaves of a draft, answers, votes) write nothing here: the counters are not a
point where every save would wait for the others."""
from __future__ import annotations

from sqlalchemy import String, event, inspect, select, update
from sqlalchemy.orm import Mapped, Session, mapped_column

from ..extensions import db

NAMES = ("catalogue", "published")
CATALOGUE_MODULE = "whitepaper.models.catalogue"


class DataRevision(db.Model):
    __tablename__ = "data_revisions"

    name: Mapped[str] = mapped_column(String(40), primary_key=True)
    revision: Mapped[int] = mapped_column(default=0)


@event.listens_for(DataRevision.__table__, "after_create")
def _seed(table, connection, **kwargs) -> None:
    """A schema made from the models (the tests) starts with every counter, as the migration's does."""
    connection.execute(table.insert(), [{"name": name, "revision": 0} for name in NAMES])


def _was_or_is_published(assessment) -> bool:
    history = inspect(assessment).attrs.status.history
    return assessment.status == "published" or "published" in (history.deleted or ())


def touched(session: Session) -> set[str]:
    """The revisions the pending changes of `session` raise."""
    from .assessment import Assessment
    from .user import Country, Organization
    names: set[str] = set()
    changed = [*session.new, *session.deleted, *(o for o in session.dirty if session.is_modified(o))]
    for instance in changed:
        if type(instance).__module__ == CATALOGUE_MODULE:
            names.add("catalogue")
        elif isinstance(instance, (Country, Organization)) or (
                isinstance(instance, Assessment) and _was_or_is_published(instance)):
            names.add("published")
        if len(names) == len(NAMES):
            break
    return names


@event.listens_for(Session, "before_flush")
def _raise_revisions(session: Session, flush_context, instances) -> None:
    names = touched(session)
    if not names:
        return
    table = DataRevision.__table__
    connection = session.connection()
    for name in sorted(names):   # always in the same order: two transactions never wait for each other in a cycle
        done = connection.execute(update(table).where(table.c.name == name).values(revision=table.c.revision + 1))
        if done.rowcount == 0:
            connection.execute(table.insert().values(name=name, revision=1))


def current(names: tuple[str, ...]) -> tuple[int, ...]:
    """The present revision of each name (0 for one never raised), in one query."""
    found = dict(db.session.execute(select(DataRevision.name, DataRevision.revision)
                                    .where(DataRevision.name.in_(names))).all())
    return tuple(found.get(name, 0) for name in names)
