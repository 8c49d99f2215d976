"""Suggested codes: the engine (ranking, the evidence fragment, clusters of the uncoded rest, an empty codebook, a
single code, very short texts, accents, the leave-one-out measure, a plugged-in suggester) and the workspace
(suggestions shown to facilitators only, accepted through the codebook service, rejected for good, counted)."""
from __future__ import annotations

import pytest
from sqlalchemy import select

from whitepaper.delphi.rounds import codebook as round_codebook
from whitepaper.delphi.rounds import lifecycle as round_lifecycle
from whitepaper.delphi.rounds import queries as round_queries
from whitepaper.delphi.rounds import suggestion_service
from whitepaper.delphi.rounds import suggestions as engine

from .conftest import answered_open_round, answers_to

TFIDF = engine.TfidfSuggester()
BUDGET = [engine.Example(1, "budget", "El presupuesto anual no se vincula con las metas del plan", "a1"),
          engine.Example(2, "budget", "La inversión pública debe seguir las prioridades del plan", "a2")]
COORDINATION = [engine.Example(3, "coordination", "Falta coordinación entre ministerios y sectores", "a3"),
                engine.Example(4, "coordination", "Las mesas intersectoriales casi no se reúnen", "a4")]
PARTICIPATION = [engine.Example(5, "participation", "Participación de las provincias y de la sociedad civil", "a5"),
                 engine.Example(6, "participation", "Consultas con gremios, academia y territorios", "a6")]
EXAMPLES = BUDGET + COORDINATION + PARTICIPATION


class ConstantSuggester(engine.Suggester):
    """A plug-in that finds every text equally similar to every other (as a model that knows nothing would)."""

    def similarity(self, queries, documents):
        return [[0.5 for _d in documents] for _q in queries]


class NotASuggester:
    pass


# --- the engine -----------------------------------------------------------------------------------------------

def test_codes_are_ranked_by_similarity_with_the_closest_coded_fragment_as_evidence():
    [ranked] = engine.rank(TFIDF, EXAMPLES, ["La inversión pública no sigue las prioridades del plan de gobierno"])
    assert [r.code for r in ranked][0] == "budget"
    assert len(ranked) <= engine.LIMIT and [r.score for r in ranked] == sorted((r.score for r in ranked), reverse=True)
    # of the two budget examples, the one sharing "inversión pública … prioridades" is the evidence
    assert ranked[0].evidence.key == 2 and ranked[0].evidence_score > 0.3
    [other] = engine.rank(TFIDF, EXAMPLES, ["Falta coordinación con otros ministerios"])
    assert other[0].code == "coordination" and other[0].evidence.key == 3


def test_excluded_codes_and_the_limit():
    [ranked] = engine.rank(TFIDF, EXAMPLES, ["El presupuesto y la coordinación entre ministerios"],
                           exclude=[{"budget"}], limit=1)
    assert [r.code for r in ranked] == ["coordination"]


def test_a_code_without_codings_is_suggested_from_its_definition_without_evidence():
    descriptions = {"monitoring": "Seguimiento y evaluación: indicadores, informes y evaluaciones que se usan"}
    [ranked] = engine.rank(TFIDF, EXAMPLES, ["Los indicadores y las evaluaciones no se usan"],
                           descriptions=descriptions)
    assert ranked[0].code == "monitoring" and ranked[0].evidence is None and ranked[0].evidence_score == 0.0
    # a description with nothing to weigh (only function words) matches nothing
    assert engine.rank(TFIDF, [], ["texto"], descriptions={"x": "de la y"}) == [[]]


def test_an_empty_codebook_suggests_nothing_and_measures_nothing():
    assert engine.rank(TFIDF, [], ["Cualquier respuesta abierta"]) == [[]]
    assert engine.rank(TFIDF, EXAMPLES, []) == []
    assert engine.leave_one_out(TFIDF, []) == (0, 0, 0)


def test_a_single_code_is_the_only_suggestion_and_is_not_measured():
    [ranked] = engine.rank(TFIDF, BUDGET, ["El presupuesto del plan"])
    assert [r.code for r in ranked] == ["budget"]
    assert engine.leave_one_out(TFIDF, BUDGET) == (0, 0, 0)


def test_very_short_texts_and_function_words_only_give_no_suggestion_and_no_error():
    assert engine.rank(TFIDF, EXAMPLES, ["sí", ".", "de la"]) == [[], [], []]
    assert engine.rank(TFIDF, [engine.Example(1, "x", "y")], ["no"]) == [[]]   # nothing at all to weigh
    assert engine.clusters(TFIDF, [(1, "sí")]) == []
    assert engine.normalize("  ¡Sí!  ") == ""


def test_accents_and_case_do_not_separate_the_same_word():
    assert engine.normalize("Rectoría SECTORIAL, coordinação e État") == "rectoria sectorial coordinacao etat"
    examples = [engine.Example(1, "stewardship", "RECTORIA del ministerio"),
                engine.Example(2, "budget", "presupuesto del ministerio")]
    [ranked] = engine.rank(TFIDF, examples, ["la rectoría"])
    assert ranked[0].code == "stewardship"


def test_similar_uncoded_texts_are_clustered_as_candidate_new_codes():
    texts = [(10, "Rotación de personal en las unidades de planificación"),
             (11, "Alta rotación del personal de planificación"),
             (12, "Los datos del censo agropecuario están desactualizados"),
             (13, "El censo agropecuario y los datos son antiguos"),
             (14, "Nada que agregar")]
    found = engine.clusters(TFIDF, texts)
    assert sorted(sorted(c.keys) for c in found) == [[10, 11], [12, 13]]
    by_keys = {tuple(sorted(c.keys)): c.terms for c in found}
    assert "rotacion" in by_keys[(10, 11)] and "personal" in by_keys[(10, 11)]
    assert "censo" in by_keys[(12, 13)]
    # far apart texts stay apart; so does a single text
    assert engine.clusters(TFIDF, texts[:1]) == []
    assert engine.clusters(TFIDF, [texts[0], texts[2]]) == []


def test_leave_one_out_counts_hits_at_one_and_three():
    at1, at3, cases = engine.leave_one_out(TFIDF, EXAMPLES + [
        engine.Example(7, "budget", "Metas del plan vinculadas al presupuesto", "a7")])
    assert cases == 7 and at1 <= at3 <= cases and at3 >= 5
    # the examples of the same answer are left out: a whole answer cannot vouch for its own fragment
    same = [engine.Example(1, "a", "presupuesto del plan", "g"), engine.Example(2, "a", "presupuesto del plan anual", "g"),
            engine.Example(3, "b", "coordinación de ministerios", "h"), engine.Example(4, "b", "coordinación", "i")]
    at1, at3, cases = engine.leave_one_out(TFIDF, same)
    assert cases == 4 and at1 == 2  # the two "b" texts find each other, the two "a" ones have nobody


def test_a_suggester_is_loaded_by_name_and_must_be_one():
    assert isinstance(engine.load_suggester(None), engine.TfidfSuggester)
    plugged = engine.load_suggester("tests.delphi.test_suggestions:ConstantSuggester")
    [ranked] = engine.rank(plugged, EXAMPLES, ["anything"])
    assert [r.score for r in ranked] == [0.6667] * 3  # 0.5 + (0.5 + 0.5) / 2 / 3
    for wrong in ("tests.delphi.test_suggestions:NotASuggester", "no.such.module:X", "whitepaper:Nothing"):
        with pytest.raises(ValueError):
            engine.load_suggester(wrong)


# --- the workspace ------------------------------------------------------------------------------------------------

GOOD = ["El presupuesto anual no se vincula con las metas del plan sectorial.",
        "Falta coordinación entre ministerios que comparten un problema.",
        "La participación de las provincias y de la sociedad civil en la formulación.",
        "Las metas del plan deben reflejarse en el presupuesto y en la inversión pública.",
        "Alta rotación del personal de planificación en los ministerios.",
        "La rotación del personal técnico de planificación es muy alta."]


@pytest.fixture
def suggesting(db, committee):
    """A closed open round answered by six members; three codes, the first three answers coded (whole), the
    fourth (about the budget) and the last two (about staff turnover) still uncoded; the answers to the
    second question marked not codable."""
    world = committee("sectoral", ("CHL", "ARG", "COL", "PER", "URY", "MEX"))
    fac = world.facilitator
    round_, good, obstacles, _ranking = answered_open_round(db, world, GOOD, "Nada más.")
    world.codes = [round_codebook.add_code(fac, round_, label_es=label, definition_es=definition) for label, definition in (
        ("Presupuesto", "Vínculo entre el plan, el presupuesto y la inversión"),
        ("Coordinación", "Coordinación entre ministerios y sectores"),
        ("Participación", "Participación de territorios y actores"))]
    world.answers = answers_to(db, good.id)
    for answer in answers_to(db, obstacles.id):   # out of the way: not codable
        round_codebook.mark_not_codable(fac, answer, round_)
    for answer, code in zip(world.answers, world.codes):
        round_codebook.assign_code(fac, answer, code)
    db.session.commit()
    world.round_id = round_.id
    return world


def _codings(db):
    from whitepaper.models import Coding
    return [(c.answer_id, c.code_id, c.fragment) for c in db.session.scalars(select(Coding).order_by(Coding.id))]


def test_the_workspace_shows_suggestions_evidence_candidates_and_how_often_they_are_right(client, login_as,
                                                                                         suggesting):
    login_as(suggesting.facilitator)
    page = client.get(f"/committees/rounds/{suggesting.round_id}/systemize").get_data(as_text=True)
    budget_answer = suggesting.answers[3]
    block = page.split(f'id="suggestions-{budget_answer.id}"')[1].split("</div>")[0]
    first = block.split('data-code="')[1].split('"')[0]
    assert first == str(suggesting.codes[0].id) and "<span class=\"badge\">Presupuesto</span>" in block
    assert "El presupuesto anual no se vincula con las metas del plan sectorial." in block  # the evidence
    assert 'name="decision" value="accept"' in block and 'name="decision" value="reject"' in block
    assert f'name="back" value="/committees/rounds/{suggesting.round_id}/systemize"' in block
    # the two answers about staff turnover: a candidate new code, with the words they share
    candidates = page.split('class="candidates"')[1].split("</ol>")[0]
    assert "rotacion" in candidates and "personal" in candidates and "(2 answers)" in candidates
    assert f'href="#answer-{suggesting.answers[4].id}"' in candidates
    at1, at3, cases = suggestion_service.leave_one_out(round_queries.workspace(round_queries.round_detail(
        suggesting.round_id)))
    assert cases == 3 and at1 <= at3   # three whole answers under three codes: each judged from the two others
    assert f"Suggestions were right {round(100 * at3 / cases)} % of the time in this round so far" in page
    assert f"{at3} of 3 coded texts had their code among the three" in page


def test_accepting_codes_the_answer_through_the_codebook_and_is_counted(db, client, login_as, suggesting):
    login_as(suggesting.facilitator)
    budget, coordination, participation = suggesting.codes
    answer = suggesting.answers[3]
    shown = f"999999,{budget.id},{coordination.id},{budget.id},{participation.id}"  # unknown, repeated: dropped
    response = client.post(f"/committees/answers/{answer.id}/suggestions",
                           data={"code": budget.id, "decision": "accept", "shown": shown, "score": "0.42"})
    assert response.status_code == 302 and response.headers["Location"].endswith(f"#answer-{answer.id}")
    back = client.post(f"/committees/answers/{suggesting.answers[4].id}/suggestions",
                       data={"code": budget.id, "decision": "reject", "back": f"/committees/rounds/{suggesting.round_id}/systemize?uncoded=1"})
    assert back.headers["Location"].endswith(f"systemize?uncoded=1#answer-{suggesting.answers[4].id}")
    assert (answer.id, budget.id, None) in _codings(db)
    assert suggestion_service.suggestion_counts(suggesting.round_id) == {"shown": 4, "accepted": 1, "rejected": 1}
    from whitepaper.models import AuditEvent, SuggestionDecision
    decision = db.session.scalar(select(SuggestionDecision))
    assert (decision.rank, decision.score, decision.shown, decision.decided_by_id) == (
        1, 0.42, [budget.id, coordination.id, participation.id], suggesting.facilitator.id)
    assert decision.coding_id is not None
    actions = set(db.session.scalars(select(AuditEvent.action)))
    assert {"delphi_coding.add", "delphi_suggestion.accepted"} <= actions
    # the answer is coded now: it gets no more suggestions
    page = client.get(f"/committees/rounds/{suggesting.round_id}/systemize").get_data(as_text=True)
    assert f'id="suggestions-{answer.id}"' not in page and "Accepted: 1 · rejected: 1." in page


def test_a_rejected_code_is_not_suggested_again_for_that_answer(db, client, login_as, suggesting):
    login_as(suggesting.facilitator)
    budget = suggesting.codes[0]
    answer = suggesting.answers[3]
    url = f"/committees/answers/{answer.id}/suggestions"
    for _twice in range(2):  # deciding again on the same suggestion updates the decision
        assert client.post(url, data={"code": budget.id, "decision": "reject", "shown": str(budget.id)}
                           ).status_code == 302
    assert (answer.id, budget.id, None) not in _codings(db)
    assert suggestion_service.suggestion_counts(suggesting.round_id) == {"shown": 1, "accepted": 0, "rejected": 1}
    page = client.get(f"/committees/rounds/{suggesting.round_id}/systemize").get_data(as_text=True)
    block = page.split(f'id="code-{answer.id}"')[0].split(f'id="answer-{answer.id}"')[1]
    assert f'name="code" value="{budget.id}"' not in block


def test_suggestions_for_a_fragment_and_accepting_one(db, client, login_as, suggesting):
    login_as(suggesting.facilitator)
    budget, coordination, _participation = suggesting.codes
    answer = suggesting.answers[0]  # coded "Presupuesto" as a whole: that code is not suggested for the whole again
    page = client.get(f"/committees/answers/{answer.id}/suggestions").get_data(as_text=True)
    assert f'name="code" value="{budget.id}"' not in page
    fragment = "las metas del plan sectorial"
    page = client.get(f"/committees/answers/{answer.id}/suggestions", query_string={"fragment": fragment})
    assert page.status_code == 200 and f"«{fragment}»" in page.get_data(as_text=True)
    assert f'name="code" value="{budget.id}"' in page.get_data(as_text=True)
    client.post(f"/committees/answers/{answer.id}/suggestions",
                data={"code": budget.id, "decision": "accept", "fragment": fragment, "shown": str(budget.id)})
    assert (answer.id, budget.id, fragment) in _codings(db)
    bad = client.get(f"/committees/answers/{answer.id}/suggestions", query_string={"fragment": "not there"})
    assert bad.status_code == 400
    assert client.get(f"/committees/answers/{answer.id}/suggestions",
                      query_string={"fragment": "x" * 2001}).status_code == 400


@pytest.mark.parametrize("data, status", [
    ({"decision": "accept"}, 400),                              # no code
    ({"code": "abc", "decision": "accept"}, 400),
    ({"code": "999999", "decision": "accept"}, 400),
    ({"code": "FIRST", "decision": "maybe"}, 400),
    ({"code": "FIRST", "decision": "accept", "shown": "1,x"}, 400),
    ({"code": "FIRST", "decision": "accept", "shown": "SECOND"}, 400),   # not among those shown
    ({"code": "FIRST", "decision": "accept", "score": "nan"}, 302),      # a strange score is ignored
    ({"code": "FIRST", "decision": "accept", "score": "high"}, 302),
])
def test_bad_decisions_get_a_clear_4xx(db, client, login_as, suggesting, data, status):
    login_as(suggesting.facilitator)
    ids = {"FIRST": str(suggesting.codes[0].id), "SECOND": str(suggesting.codes[1].id)}
    data = {k: ids.get(v, v) for k, v in data.items()}
    response = client.post(f"/committees/answers/{suggesting.answers[3].id}/suggestions", data=data)
    assert response.status_code == status
    if status == 302:
        from whitepaper.models import SuggestionDecision
        assert db.session.scalar(select(SuggestionDecision.score)) == 0.0


def test_merged_codes_other_rounds_and_published_rounds_are_refused(db, client, login_as, suggesting, committee):
    login_as(suggesting.facilitator)
    fac = suggesting.facilitator
    budget, coordination, _participation = suggesting.codes
    answer = suggesting.answers[3]
    url = f"/committees/answers/{answer.id}/suggestions"
    round_codebook.merge_codes(fac, coordination, budget)
    other = round_lifecycle.create_open_round(fac, suggesting.committee)
    round_lifecycle.open_round(fac, other)
    foreign = round_codebook.add_code(fac, other, label_es="Otro")
    db.session.commit()
    assert client.post(url, data={"code": coordination.id, "decision": "accept"}).status_code == 409
    assert client.post(url, data={"code": foreign.id, "decision": "accept"}).status_code == 400
    # an answer to the ranking question is not codable
    from whitepaper.models import Answer
    ranking_answer = db.session.scalar(select(Answer).where(Answer.text.is_(None), Answer.response_id
                                                            == answer.response_id))
    assert client.post(f"/committees/answers/{ranking_answer.id}/suggestions",
                       data={"code": budget.id, "decision": "reject"}).status_code == 400
    round_ = round_queries.round_detail(suggesting.round_id)
    for a in answers_to(db, answer.item_id):
        round_codebook.assign_code(fac, a, budget)
    round_lifecycle.publish_round(fac, round_)
    db.session.commit()
    assert client.post(url, data={"code": budget.id, "decision": "reject"}).status_code == 409
    page = client.get(f"/committees/rounds/{suggesting.round_id}/systemize").get_data(as_text=True)
    assert "Suggested codes" not in page
    assert "can no longer change" in client.get(url).get_data(as_text=True)


def test_only_the_committees_facilitators_see_or_decide_suggestions(db, client, login_as, make_user, suggesting):
    answer = suggesting.answers[3]
    url = f"/committees/answers/{answer.id}/suggestions"
    data = {"code": suggesting.codes[0].id, "decision": "accept"}
    login_as(suggesting.members[0])
    assert client.get(url).status_code == 403 and client.post(url, data=data).status_code == 403
    login_as(make_user("observer"))
    assert client.get(url).status_code in (403, 404) and client.post(url, data=data).status_code in (403, 404)
    login_as(make_user("facilitator"))   # a facilitator of no committee
    assert client.get(url).status_code in (403, 404) and client.post(url, data=data).status_code in (403, 404)
    assert client.get("/committees/answers/999999/suggestions").status_code == 404
    assert answer.id not in {a for a, _c, _f in _codings(db)}
    from whitepaper.models import SuggestionDecision
    assert db.session.scalar(select(SuggestionDecision)) is None


def test_deciding_needs_the_csrf_token(app, client, login_as, suggesting):
    login_as(suggesting.facilitator)
    app.config["WTF_CSRF_ENABLED"] = True
    try:
        response = client.post(f"/committees/answers/{suggesting.answers[3].id}/suggestions",
                               data={"code": suggesting.codes[0].id, "decision": "accept"})
    finally:
        app.config["WTF_CSRF_ENABLED"] = False
    assert response.status_code == 400


def test_an_installation_can_plug_in_another_suggester(app, client, login_as, suggesting):
    login_as(suggesting.facilitator)
    app.config["CODE_SUGGESTER"] = "tests.delphi.test_suggestions:ConstantSuggester"
    try:
        assert isinstance(suggestion_service.suggester(), ConstantSuggester)
        page = client.get(f"/committees/rounds/{suggesting.round_id}/systemize").get_data(as_text=True)
    finally:
        app.config["CODE_SUGGESTER"] = None
    # everything equally similar: every uncoded answer gets the three codes, all five... in one candidate group
    assert page.count('name="decision" value="accept"') == 3 * 3
    assert "(3 answers)" in page


def test_the_analysis_is_reused_until_something_it_depends_on_changes(db, client, login_as, suggesting, monkeypatch):
    login_as(suggesting.facilitator)
    calls = []
    real = engine.analyse
    monkeypatch.setattr(engine, "analyse", lambda *args, **kwargs: calls.append(1) or real(*args, **kwargs))
    suggestion_service._ANALYSES.clear()
    url = f"/committees/rounds/{suggesting.round_id}/systemize"
    client.get(url)
    client.get(url)
    assert len(calls) == 1
    round_codebook.assign_code(suggesting.facilitator, suggesting.answers[4], suggesting.codes[1])
    db.session.commit()
    page = client.get(url).get_data(as_text=True)
    assert len(calls) == 2 and f'id="suggestions-{suggesting.answers[4].id}"' not in page
    monkeypatch.setattr(suggestion_service._ANALYSES, "size", 1)
    round_codebook.edit_code(suggesting.facilitator, suggesting.codes[1], label_es="Coordinación entre sectores")
    db.session.commit()
    client.get(url)
    assert len(calls) == 3 and len(suggestion_service._ANALYSES) == 1
