"""Demo ballots, built through the same services the pages use; loading twice changes nothing.

- sectoral: the three ballots run and closed (the dimensions; the criteria, with SEC-2-05 rejected and its
  reasons answered; the optimal values, with SEC-1-02 rejected in favour of level 3 and SEC-3-02 not decided
  for lack of quorum), a follow-up ballot (one vote per country, roll-call) that approves both, the consultation
  closed and its version adopted by a recorded CRP decision;
- vision: the ballot on dimensions (ix) open, five of its nine members have voted (not the demo member).
Runs after the committees' demo (whitepaper.demo.committees), whose members are the voters."""
from __future__ import annotations

from datetime import date, timedelta
from typing import Any, Optional

from sqlalchemy import select

from ..auth import services as accounts
from ..catalogue import services as catalogue_services
from ..delphi.ballots import adoption, resolution, tally, votes
from ..delphi.ballots import lifecycle as ballot_lifecycle
from ..delphi.ballots import queries as ballot_queries
from ..extensions import db
from ..models import User
from ..models.ballot import Ballot, BallotItem
from ..models.base import utcnow
from ..models.delphi import Committee

FACILITATOR = "facilitadora@demo.cepal.org"
ADMIN = "admin@demo.cepal.org"
CRP_REFERENCE = "Resolución CRP 2026/04 (demostración)"

DIMENSIONS = ("institutional", "design", "implementation", "outcomes", "sustainable_agenda")

OUTCOMES_REASONS = {
    3: "Los resultados dependen también de factores ajenos al sector; convendría hablar de contribución a los "
       "resultados y no de resultados a secas.",
    9: "La dimensión mezcla productos de la gestión con resultados de desarrollo; habría que separarlos en los "
       "niveles.",
}
# SEC-2-05 (territorializing sectoral policies): rejected by seven members, each with a reason.
SEC_2_05_REASONS = {
    1: "Se superpone con SEC-2-02: la articulación con los territorios ya se evalúa al revisar la alineación con "
       "el plan nacional y los planes regionales.",
    3: "En sectores de alcance nacional (defensa, relaciones exteriores, regulación financiera) la "
       "territorialización no tiene sentido y el criterio castiga sin razón.",
    4: "Es más propio del modelo subnacional; en el sectorial debería quedar como un elemento de SEC-2-06.",
    6: "Los niveles 3 y 4 piden metas por territorio que casi ningún ministerio de la región puede producir hoy.",
    8: "La redacción confunde desconcentración administrativa con territorialización de la política.",
    10: "Preferimos un criterio sobre la coordinación con los gobiernos subnacionales en la ejecución, no en el "
        "diseño.",
    12: "Duplica información que ya se recoge en la dimensión de implementación (SEC-3-01).",
}
SEC_2_05_ANSWERS = {
    1: ("accepted", "Se acepta: la relación con los planes regionales se evaluará en SEC-2-02 y el criterio sale "
                    "del modelo."),
    3: ("accepted", "Se acepta. Los sectores de alcance nacional quedaban mal evaluados."),
    4: ("partially_accepted", "La articulación territorial se abordará en la revisión del modelo subnacional; no "
                              "se añade un elemento a SEC-2-06 en esta versión."),
    6: ("noted", "Se toma nota de la disponibilidad de datos por territorio para futuras versiones."),
    8: ("accepted", "Se acepta la observación sobre la redacción."),
    10: ("not_accepted", "La coordinación en la ejecución ya está en SEC-3-01; no se crea un criterio nuevo."),
    12: ("accepted", "Se acepta: la información se recoge en SEC-3-01."),
}
SEC_4_03_REASON = "Los proyectos prioritarios no siempre son el mejor indicador de que el plan se materializa."
SEC_1_02_REASONS = {
    1: "El nivel 4 exige equipos estables en todas las entidades del sector; es un estándar que hoy nadie cumple.",
    2: "Un óptimo en el nivel 3 ya supone capacidades consolidadas; el 4 es aspiracional.",
    4: "Propongo el nivel 3 como óptimo y revisar dentro de cuatro años.",
    6: "Con el nivel 4 como óptimo casi todos los países quedarían lejos de la meta y el indicador no discrimina.",
    7: "El nivel 3 es exigente y alcanzable.",
    9: "Preferiría el nivel 3: el 4 depende de reformas del servicio civil que escapan al sector.",
}
FOLLOW_UP_REJECTION = "Preferiría mantener el nivel 4 como meta de largo plazo."


def _voters(committee: Committee) -> list[User]:
    """The committee's members in the order they joined (the demo member first)."""
    return [m.user for m in sorted(committee.members, key=lambda m: m.id)]


def _vote_all(b: Ballot, voters: list[User], plan: dict[int, dict[str, Any]], default: Optional[str], now) -> None:
    """plan: {voter index: {subject: choice or (choice, reason[, value]) or None (not voted)}}; every other
    subject gets `default` (None: not voted)."""
    items = list(db.session.scalars(select(BallotItem).where(BallotItem.ballot_id == b.id)
                                    .order_by(BallotItem.position)))
    loaded = ballot_queries.ballot(b.id)
    for index, user in enumerate(voters):
        choices = plan.get(index, {})
        inputs = {}
        for item in items:
            choice = choices.get(item.subject, default)
            if choice is None:
                continue
            if isinstance(choice, tuple):
                value = choice[2] if len(choice) > 2 else None
                inputs[item.id] = votes.VoteInput(choice[0], choice[1], value)
            else:
                inputs[item.id] = votes.VoteInput(choice)
        if inputs:
            votes.cast_votes(user, loaded, inputs, now=now + timedelta(hours=index))


def _run(facilitator: User, b: Ballot, voters: list[User], plan: dict[int, dict[str, Any]], default: Optional[str],
         opened, closed) -> Ballot:
    b.closes_at = closed
    ballot_lifecycle.open_ballot(facilitator, b, now=opened, notify=False)
    _vote_all(b, voters, plan, default, opened + timedelta(days=1))
    ballot_lifecycle.close_ballot(facilitator, ballot_queries.ballot(b.id), now=closed, notify=False)
    return b


def _answer(facilitator: User, b: Ballot, answers: dict[str, tuple[str, str]]) -> None:
    """Answers the comments of a closed ballot, matched by the reason's text."""
    for row in ballot_queries.comment_table(b):
        answer = answers.get(row.resolution.reason)
        if answer:
            resolution.answer_comment(facilitator, row.resolution, decision=answer[0], answer=answer[1])


def _sectoral(facilitator: User, admin: User, committee: Committee) -> None:
    if ballot_queries.committee_ballots(committee.id):
        return
    voters = _voters(committee)
    now = utcnow().replace(microsecond=0)
    start = now - timedelta(days=34)

    # (ix) the dimensions: all approved
    dims = ballot_lifecycle.create_ballot(facilitator, committee, "dimensions_levels")
    plan: dict[int, dict[str, Any]] = {5: {"sustainable_agenda": "abstain"}}
    for index, reason in OUTCOMES_REASONS.items():
        plan[index] = {"outcomes": ("reject", reason)}
    _run(facilitator, dims, voters, plan, "approve", start, start + timedelta(days=7))
    _answer(facilitator, dims, {OUTCOMES_REASONS[3]: ("noted", "Los descriptores de la dimensión hablan de "
                                                                "contribución del sector a los resultados."),
                                OUTCOMES_REASONS[9]: ("partially_accepted", "Los niveles de SEC-4-02 distinguen "
                                                                            "productos y resultados.")})

    # (x) the criteria: SEC-2-05 rejected, with its reasons answered
    criteria = ballot_lifecycle.create_ballot(facilitator, committee, "criteria")
    plan = {index: {"SEC-2-05": ("reject", reason)} for index, reason in SEC_2_05_REASONS.items()}
    plan.setdefault(7, {})["SEC-2-05"] = "abstain"
    plan.setdefault(2, {})["SEC-4-03"] = ("reject", SEC_4_03_REASON)
    plan[11] = {code: "abstain" for code in ("SEC-5-01", "SEC-5-02", "SEC-5-03")}
    _run(facilitator, criteria, voters, plan, "approve", start + timedelta(days=8), start + timedelta(days=15))
    _answer(facilitator, criteria, {SEC_2_05_REASONS[i]: answer for i, answer in SEC_2_05_ANSWERS.items()})
    _answer(facilitator, criteria, {SEC_4_03_REASON: ("noted", "El criterio se mantiene; sus niveles miran la "
                                                                "materialización de todo el plan.")})

    # (xi) the optimal values: SEC-1-02 rejected (level 3 proposed), SEC-3-02 not decided (5 of 13 voted)
    optimal = ballot_lifecycle.create_ballot(facilitator, committee, "optimal_levels")
    plan = {index: {"SEC-1-02": ("reject", reason, 3)} for index, reason in SEC_1_02_REASONS.items()}
    for index in range(5, len(voters)):
        plan.setdefault(index, {})["SEC-3-02"] = None
    _run(facilitator, optimal, voters, plan, "approve", start + timedelta(days=16), start + timedelta(days=23))
    _answer(facilitator, optimal, {reason: ("accepted", "Se lleva a una votación de seguimiento con el nivel 3 "
                                                        "como óptimo.") for reason in SEC_1_02_REASONS.values()})

    # the follow-up: one vote per country, roll-call; both approved
    candidates = {c.item.subject: c for c in ballot_queries.follow_up_candidates(optimal)}
    follow = resolution.create_follow_up(
        facilitator, optimal,
        {candidates["SEC-1-02"].item.id: resolution.FollowUpInput(
            revised_value=candidates["SEC-1-02"].suggested_value),
         candidates["SEC-3-02"].item.id: resolution.FollowUpInput()},
        rule=tally.BallotRule(unit="country", secret=False))
    representatives = {m.user_id for m in committee.members if m.is_voting_representative}
    follow_voters = [u for u in voters if u.id in representatives]
    plan = {}
    for voter, choices in ((voters[4], {"SEC-1-02": ("reject", FOLLOW_UP_REJECTION)}),
                           (voters[9], {"SEC-3-02": "abstain"})):
        if voter in follow_voters:
            plan[follow_voters.index(voter)] = choices
    _run(facilitator, follow, follow_voters, plan, "approve", start + timedelta(days=25), start + timedelta(days=30))

    # the consultation closes; the CRP approves the resulting version
    result = adoption.close_consultation(facilitator, committee)
    catalogue_services.record_crp_approval(admin, result, date.today() - timedelta(days=1), CRP_REFERENCE)


def _vision(facilitator: User, committee: Committee) -> None:
    if ballot_queries.committee_ballots(committee.id):
        return
    voters = _voters(committee)
    now = utcnow().replace(microsecond=0)
    dims = ballot_lifecycle.create_ballot(facilitator, committee, "dimensions_levels",
                                         closes_at=now + timedelta(days=12))
    ballot_lifecycle.open_ballot(facilitator, dims, now=now - timedelta(days=2), notify=False)
    plan: dict[int, dict[str, Any]] = {
        2: {"sustainable_agenda": ("reject", "La agenda 2030 tiene un horizonte más corto que una visión de "
                                             "largo plazo; convendría hablar de compromisos globales en general.")},
        4: {"outcomes": "abstain"},
    }
    # the demo member (index 0) has not voted yet; members 1 to 5 have
    plan[0] = {subject: None for subject in DIMENSIONS}
    _vote_all(dims, voters[:6], plan, "approve", now - timedelta(days=1))


def load() -> None:
    """Called by whitepaper.demo.load() after the committees' demo; commits."""
    facilitator = accounts.user_by_email(FACILITATOR)
    admin = accounts.user_by_email(ADMIN)
    if facilitator is None or admin is None:
        return
    committees = {c.planning_model.key: c for c in db.session.scalars(select(Committee))}
    if "sectoral" in committees and committees["sectoral"].catalogue_version.status in ("draft", "in_consultation"):
        _sectoral(facilitator, admin, committees["sectoral"])
    if "vision" in committees and committees["vision"].catalogue_version.status in ("draft", "in_consultation"):
        _vision(facilitator, committees["vision"])
    db.session.commit()
