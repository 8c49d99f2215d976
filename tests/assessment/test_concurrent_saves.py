"""Two saves of the same rating (or of a member's answers) sent at the same moment: one wins, the other gets the
409 conflict with what is stored now and who stored it, never a 500. Each request runs in its own thread with its
own test client, application context and database session, released together by a barrier; on SQLite and on
PostgreSQL (where the requests really run in parallel)."""
from __future__ import annotations

import re
import threading
from typing import Callable

from sqlalchemy import func, select

from whitepaper.delphi.rounds import lifecycle as round_lifecycle
from whitepaper.delphi.rounds import queries as round_queries
from whitepaper.models import Rating, Response

from ..delphi.conftest import committee  # noqa: F401  (the committee factory)

ROUNDS = 6


def _client(app, user):
    client = app.test_client()
    with client.session_transaction() as session:
        session["_user_id"] = user.get_id()
        session["_fresh"] = True
    return client


def _race(*sends: Callable[[], object]) -> list:
    """Runs each request in its own thread, all released together; returns the responses in the given order."""
    barrier = threading.Barrier(len(sends))
    responses: list = [None] * len(sends)
    errors: list[BaseException] = []

    def run(index: int, send: Callable[[], object]) -> None:
        try:
            barrier.wait(timeout=30)
            responses[index] = send()
        except BaseException as error:  # noqa: BLE001 (reported to the test)
            errors.append(error)

    threads = [threading.Thread(target=run, args=pair) for pair in enumerate(sends)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    assert not any(thread.is_alive() for thread in threads), "a request hung"
    assert errors == []
    return responses


def _criterion_codes(db, assessment, count: int) -> list[str]:
    from whitepaper.models import Criterion
    return list(db.session.scalars(select(Criterion.code).where(Criterion.version_id == assessment.version_id)
                                   .order_by(Criterion.code).limit(count)))


def test_two_autosaves_of_one_rating_at_the_same_moment_end_in_one_save_and_one_conflict(
        app, db, make_user, make_assessment):
    ana = make_user("assessor", country="CRI", name="Ana Pérez")
    bruno = make_user("assessor", country="CRI", name="Bruno Díaz")
    ana.locale = bruno.locale = "en"
    assessment = make_assessment(author=ana)
    codes = _criterion_codes(db, assessment, ROUNDS)
    clients = {"Ana Pérez": (_client(app, ana), "na"), "Bruno Díaz": (_client(app, bruno), "ni")}
    base = f"/assessments/{assessment.id}/criteria"

    for code in codes:
        for version in (0, 1):  # the first save of a new rating (INSERT), then of the stored one (UPDATE)
            sends = [lambda c=c, choice=choice, v=version, code=code: c.post(
                f"{base}/{code}/autosave", data={"choice": choice, "version": str(v), "justification": "x"})
                for c, choice in clients.values()]
            first, second = _race(*sends)
            statuses = sorted([first.status_code, second.status_code])
            assert statuses == [200, 409], (code, version, first.get_data(as_text=True)[:300],
                                            second.get_data(as_text=True)[:300])
            winner_index = 0 if first.status_code == 200 else 1
            winner, loser = (first, second) if winner_index == 0 else (second, first)
            winner_name = list(clients)[winner_index]
            conflict = loser.get_json()
            assert conflict["error"]["code"] == "conflict"
            assert conflict["version"] == winner.get_json()["version"]
            assert conflict["by"] == winner_name
            assert conflict["theirs"]["choice"] == ("Not applicable", "No information")[winner_index]
            assert conflict["at"] and winner.get_json()["version"] == version + 1
    db.session.expire_all()
    stored = db.session.scalar(select(func.count()).select_from(Rating)
                               .where(Rating.assessment_id == assessment.id))
    assert stored == len(codes)


def test_two_form_saves_of_one_rating_at_the_same_moment_end_in_one_save_and_one_conflict_page(
        app, db, make_user, make_assessment):
    ana = make_user("assessor", country="CRI", name="Ana Pérez")
    bruno = make_user("assessor", country="CRI", name="Bruno Díaz")
    assessment = make_assessment(author=ana)
    codes = _criterion_codes(db, assessment, ROUNDS)
    ana_client, bruno_client = _client(app, ana), _client(app, bruno)
    for code in codes:
        path = f"/assessments/{assessment.id}/criteria/{code}"
        first, second = _race(
            lambda: ana_client.post(path, data={"choice": "na", "version": "0", "justification": "de Ana"}),
            lambda: bruno_client.post(path, data={"choice": "ni", "version": "0", "justification": "de Bruno"}))
        assert sorted([first.status_code, second.status_code]) == [302, 409], (
            code, first.get_data(as_text=True)[:300], second.get_data(as_text=True)[:300])
        winner_name, loser = ("Ana Pérez", second) if first.status_code == 302 else ("Bruno Díaz", first)
        page = loser.get_data(as_text=True)
        assert winner_name in page  # who saved the version now stored
    db.session.expire_all()
    assert db.session.scalar(select(func.count()).select_from(Rating)
                             .where(Rating.assessment_id == assessment.id)) == len(codes)


def _token(page: str) -> str:
    match = re.search(r'name="loaded_at" value="([^"]*)"', page)
    assert match, "the answer form carries no version token"
    return match.group(1)


def test_two_saves_of_a_members_answers_at_the_same_moment_end_in_one_save_and_one_conflict(
        app, db, committee):  # noqa: F811  (the fixture imported above)
    world = committee(countries=("CHL",))
    round_ = round_lifecycle.create_open_round(world.facilitator, world.committee)
    round_lifecycle.open_round(world.facilitator, round_)
    db.session.commit()
    round_ = round_queries.round_detail(round_.id)
    round_id, text_item = round_.id, round_.items[0].id
    member = world.members[0]
    path = f"/committees/rounds/{round_id}/answer"
    tabs = [_client(app, member), _client(app, member)]  # the same member, in two tabs

    for n in range(ROUNDS):  # the first race creates the member's response; the next ones change it
        token = _token(tabs[0].get(path).get_data(as_text=True))
        texts = [f"Respuesta {n} de la pestaña A", f"Respuesta {n} de la pestaña B"]
        first, second = _race(*[lambda c=c, text=text: c.post(path, data={
            f"text-{text_item}": text, "action": "draft", "loaded_at": token}) for c, text in zip(tabs, texts)])
        assert sorted([first.status_code, second.status_code]) == [302, 409], (
            n, first.get_data(as_text=True)[:300], second.get_data(as_text=True)[:300])
        winner, loser = (0, 1) if first.status_code == 302 else (1, 0)
        page = (first, second)[loser].get_data(as_text=True)
        conflict_box = page[page.index('id="answer-conflict"'):page.index('id="answer-form"')]
        assert texts[winner] in conflict_box      # the answer stored now
        assert texts[loser] in page[page.index('id="answer-form"'):]   # what this tab sent is kept in the form
        assert _token(page) != token              # saving again from here keeps this tab's answers

    db.session.expire_all()
    assert db.session.scalar(select(func.count()).select_from(Response).where(Response.round_id == round_id)) == 1
