"""Demo data for `make run` and `flask demo`, built through the same services the pages use; loading it twice
changes nothing. One module per feature: `accounts`, `committees` (members, rounds, answers, codebook),
`ballots` (the committees' votes), `assessments` (self-evaluations) and `assignments` (the demo facilitator's
committees and countries); `load()` runs them in that order."""
from __future__ import annotations

from ..extensions import db
from . import accounts, assessments, assignments, ballots, committees
from .accounts import demo_password

__all__ = ["demo_password", "load"]


def load() -> list[tuple[str, str, str]]:
    """Loads every part of the demo (each is idempotent) and returns the accounts to print."""
    printed = accounts.load()
    committees.load()   # committees, members and rounds (commits)
    ballots.load()      # the committees' ballots, after their members exist (commits)
    assessments.load()  # self-evaluations
    assignments.load()  # the demo facilitator: every committee, every country with a self-evaluation
    db.session.commit()
    return printed
