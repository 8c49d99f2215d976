"""Adoption (docs/methods.md §5.8, §6): the consultation closes only when every subject has the outcome it needs;
the version built for the CRP holds exactly the approved content; the CRP decision approves it, retires the
previous approved version, and earlier assessments keep the version they were made with."""
from __future__ import annotations

import copy
from datetime import date

import pytest

from whitepaper.catalogue import queries as catalogue_queries
from whitepaper.catalogue import services as catalogue_services
from whitepaper.delphi.ballots import adoption as ballot_adoption
from whitepaper.delphi.ballots import queries as ballot_queries
from whitepaper.delphi.ballots import resolution as ballot_resolution
from whitepaper.errors import Conflict

from .conftest import run_ballot

REVISED_OUTCOMES = {"es": "Resultados del plan sectorial, medidos con indicadores públicos.",
                    "en": "Results of the sectoral plan, measured with public indicators."}


def _all_approve(n: int = 6) -> dict:
    return {i: {"*": "approve"} for i in range(n)}


def run_consultation(db, setup):
    """Dimensions: outcomes rejected, then approved with a revised proposal. Criteria: SEC-2-05 rejected.
    Optimal values: SEC-1-02 rejected (3 proposed), approved at 3 in a follow-up; SEC-3-02 not decided (everyone
    abstained), approved in the same follow-up."""
    reject_outcomes = {i: {"*": "approve", "outcomes": ("reject", "Mezcla productos y resultados.")}
                       for i in range(3)}
    dims = run_ballot(db, setup, "dimensions_levels", {**_all_approve(), **reject_outcomes})
    assert {i.subject: i.outcome for i in dims.items}["outcomes"] == "rejected"

    criteria = run_ballot(db, setup, "criteria", {
        **_all_approve(),
        **{i: {"*": "approve", "SEC-2-05": ("reject", "Duplica SEC-2-02.")} for i in range(3)}})
    assert not any(i.subject.startswith("SEC-4-") for i in criteria.items)  # its dimension is not approved yet
    assert {i.subject: i.outcome for i in criteria.items}["SEC-2-05"] == "rejected"

    candidates = ballot_queries.follow_up_candidates(dims)
    outcomes_item = next(c.item for c in candidates if c.item.subject == "outcomes")
    follow = ballot_resolution.create_follow_up(setup.facilitator, dims, {
        outcomes_item.id: ballot_resolution.FollowUpInput(revised_text=REVISED_OUTCOMES)})
    db.session.commit()
    run_ballot(db, setup, "dimensions_levels", _all_approve(), ballot=follow)
    run_ballot(db, setup, "criteria", _all_approve())  # now the outcomes criteria

    optimal = run_ballot(db, setup, "optimal_levels", {
        **{i: {"*": "approve", "SEC-3-02": "abstain"} for i in range(6)},
        **{i: {"*": "approve", "SEC-3-02": "abstain", "SEC-1-02": ("reject", "Demasiado exigente.", 3)}
           for i in range(3)}})
    outcomes = {i.subject: i.outcome for i in optimal.items}
    assert "SEC-2-05" not in outcomes
    assert (outcomes["SEC-1-02"], outcomes["SEC-3-02"]) == ("rejected", "not_decided")
    candidates = {c.item.subject: c for c in ballot_queries.follow_up_candidates(optimal)}
    assert candidates["SEC-1-02"].suggested_value == 3
    follow = ballot_resolution.create_follow_up(setup.facilitator, optimal, {
        candidates["SEC-1-02"].item.id: ballot_resolution.FollowUpInput(revised_value=3),
        candidates["SEC-3-02"].item.id: ballot_resolution.FollowUpInput()})
    db.session.commit()
    run_ballot(db, setup, "optimal_levels", _all_approve(), ballot=follow)


def expected_content(consulted_content: dict) -> dict:
    expected = copy.deepcopy(consulted_content)
    for d in expected["dimensions"]:
        if d["key"] == "outcomes":
            d["description"] = REVISED_OUTCOMES
        d["criteria"] = [c for c in d["criteria"] if c["code"] != "SEC-2-05"]
        for c in d["criteria"]:
            if c["code"] == "SEC-1-02":
                c["optimal"] = 3
    alerts = []
    for a in expected["alerts"]:
        codes = [code for code in a["criteria"] if code != "SEC-2-05"]
        if codes:
            alerts.append({**a, "criteria": codes})
    expected["alerts"] = alerts
    return expected


def test_closing_the_consultation_builds_exactly_the_approved_content(db, committee_setup):
    setup = committee_setup()
    consulted = setup.committee.catalogue_version
    consulted_content = catalogue_queries.version_content(catalogue_queries.version_tree(consulted.id))
    run_consultation(db, setup)

    state = ballot_queries.consultation_state(setup.committee)
    assert state.can_close, state.obstacles
    result = ballot_adoption.close_consultation(setup.facilitator, setup.committee)
    db.session.commit()

    built = catalogue_queries.version_content(catalogue_queries.version_tree(result.id))
    expected = expected_content(consulted_content)
    for key in ("version", "status"):
        built.pop(key), expected.pop(key)
    for d in built["dimensions"]:   # the adopting ballot's name: tests/catalogue/test_provenance.py checks it
        for c in d["criteria"]:
            for item in [c, *c["levels"], *c["elements"]]:
                assert item["provenance"].pop("validated_by").startswith("ballot ")
                item["provenance"]["validated_by"] = None
    assert built == expected
    assert (result.status, result.label, result.derived_from_id) == ("draft", "2026-crp", consulted.id)
    db.session.refresh(consulted)
    assert consulted.status == "retired"
    with pytest.raises(Conflict, match="already closed"):
        ballot_adoption.close_consultation(setup.facilitator, setup.committee)


def test_consultation_cannot_close_while_a_subject_is_undecided(db, committee_setup):
    setup = committee_setup()
    run_ballot(db, setup, "dimensions_levels", _all_approve())
    with pytest.raises(Conflict):
        ballot_adoption.close_consultation(setup.facilitator, setup.committee)
    db.session.rollback()
    state = ballot_queries.consultation_state(setup.committee)
    assert not state.can_close
    assert {o.reason for o in state.obstacles} == {"not_voted"}


def test_crp_decision_approves_the_result_and_earlier_assessments_keep_their_version(db, committee_setup):
    from whitepaper.assessment import services as assessment_services
    from whitepaper.models import Assessment, Country

    # The sectoral model gets an earlier approved version, with an assessment made on it.
    model = catalogue_queries.model_by_key("sectoral")
    draft = catalogue_queries.current_version(model)
    content = catalogue_queries.version_content(catalogue_queries.version_tree(draft.id))
    earlier = catalogue_services.build_version(model, {**content, "version": "2019"}, label="2019",
                                               status="approved", source="test")
    country = db.session.scalar(db.select(Country).where(Country.iso3 == "CRI"))
    assessment = assessment_services.create_assessment(None, country=country, version=earlier,
                                                       scope_name="Salud", period_start=2019, period_end=2020)
    db.session.commit()

    setup = committee_setup()   # consults the draft (the committee is given it explicitly)
    setup.committee.catalogue_version = draft
    db.session.commit()
    run_consultation(db, setup)
    result = ballot_adoption.close_consultation(setup.facilitator, setup.committee)
    db.session.commit()

    admin = db.session.merge(setup.facilitator)
    catalogue_services.record_crp_approval(admin, result, date(2026, 11, 20), "CRP Res. 2026/01")
    db.session.commit()

    db.session.expire_all()
    model = catalogue_queries.model_by_key("sectoral")
    assert catalogue_queries.current_version(model).id == result.id
    assert db.session.get(type(result), result.id).status == "approved"
    assert db.session.get(type(earlier), earlier.id).status == "retired"
    assert db.session.get(Assessment, assessment.id).version_id == earlier.id
