"""Moderation of anonymous comments (rounds/moderation.py): a facilitator hides a comment with a reason and
unhides it (audited, the member told), members flag comments once, and a hidden comment appears in no feedback,
results page or export for anyone, whatever was cached before."""
from __future__ import annotations

import csv
import io

import pytest
from sqlalchemy import select

from whitepaper.delphi.rounds import moderation
from whitepaper.delphi.rounds import queries as round_queries
from whitepaper.delphi.rounds import statistics as round_statistics
from whitepaper.models import AuditEvent, CommentFlag, CommentHiding

RUDE = "Este comentario ofende a otro miembro."
KIND = "Conviene vincular metas y presupuesto."
OTHER = "Los equipos estables importan."


@pytest.fixture
def world(closed_round):
    """A published round: member 1 and member 2 commented on the first statement, member 3 on the second."""
    return closed_round([[4, 5, 3, 4], [4, 4, 4, 4]],
                        comments={(0, 1): RUDE, (0, 2): KIND, (1, 3): OTHER})


def _key(world, text):
    return next(c.key for c in moderation.comments_for_moderation(world.round) if c.text == text)


def _csv(response):
    return list(csv.DictReader(io.StringIO(response.get_data(as_text=True).lstrip("\ufeff"))))


def _hide(client, world, text, reason="Ofensivo para otro miembro."):
    return client.post(f"/committees/rounds/{world.round.id}/comments/{_key(world, text)}/hide",
                       data={"reason": reason})


def test_a_hidden_comment_leaves_every_feedback_and_its_author_reads_the_reason(db, client, login_as, world):
    round_id = world.round.id
    login_as(world.members[0])
    assert RUDE in client.get(f"/committees/rounds/{round_id}/feedback").get_data(as_text=True)  # cached now
    login_as(world.facilitator)
    assert RUDE in client.get(f"/committees/rounds/{round_id}/results").get_data(as_text=True)
    response = _hide(client, world, RUDE)
    assert response.status_code == 302
    assert moderation.hidden_count(round_id) == 1

    results_page = client.get(f"/committees/rounds/{round_id}/results").get_data(as_text=True)
    assert RUDE not in results_page and KIND in results_page
    assert "Comments hidden from the feedback: 1." in results_page
    assert RUDE not in client.get(f"/committees/rounds/{round_id}/export/results.csv").get_data(as_text=True)
    rows = _csv(client.get(f"/committees/rounds/{round_id}/export/answers.csv"))
    hidden_rows = [r for r in rows if r["comment_hidden"]]
    assert [(r["comment"], r["comment_hidden"]) for r in hidden_rows] == [(RUDE, "Ofensivo para otro miembro.")]
    entry = round_statistics.round_results(round_queries.round_detail(round_id)).items[0]
    assert [c.text for c in entry.comments] == [KIND]

    for reader in (world.members[0], world.members[2]):
        login_as(reader)
        page = client.get(f"/committees/rounds/{round_id}/feedback").get_data(as_text=True)
        assert RUDE not in page and KIND in page and "Comments (1)" in page
        assert "Ofensivo para otro miembro." not in page  # the reason is for the author alone
        assert RUDE not in client.get(f"/api/v1/rounds/{round_id}/results").get_data(as_text=True)

    login_as(world.members[1])  # the author
    page = client.get(f"/committees/rounds/{round_id}/feedback").get_data(as_text=True)
    assert "A facilitator hid your comment on this item from the feedback." in page
    assert "Ofensivo para otro miembro." in page and f'id="hidden-{world.items[0].id}"' in page
    answer_page = client.get(f"/committees/rounds/{round_id}/answer").get_data(as_text=True)
    assert "Ofensivo para otro miembro." in answer_page and RUDE in answer_page  # the text is kept, in the answer

    event = db.session.scalar(select(AuditEvent).where(AuditEvent.action == "delphi_comment.hide"))
    assert event.actor_id == world.facilitator.id and event.after["reason"] == "Ofensivo para otro miembro."
    assert RUDE not in str(event.after)  # never the comment itself


def test_unhiding_shows_the_comment_again_and_is_audited(db, client, login_as, world):
    round_id = world.round.id
    login_as(world.facilitator)
    _hide(client, world, RUDE)
    login_as(world.members[0])
    assert RUDE not in client.get(f"/committees/rounds/{round_id}/feedback").get_data(as_text=True)
    login_as(world.facilitator)
    page = client.get(f"/committees/rounds/{round_id}/comments").get_data(as_text=True)
    assert "Show it again" in page and "Reason given to the member:" in page
    response = client.post(f"/committees/rounds/{round_id}/comments/{_key(world, RUDE)}/unhide")
    assert response.status_code == 302
    assert moderation.hidden_count(round_id) == 0 and db.session.scalar(select(CommentHiding)) is None
    login_as(world.members[0])
    assert RUDE in client.get(f"/committees/rounds/{round_id}/feedback").get_data(as_text=True)
    login_as(world.members[1])
    assert "A facilitator hid your comment" not in client.get(f"/committees/rounds/{round_id}/feedback").get_data(
        as_text=True)
    event = db.session.scalar(select(AuditEvent).where(AuditEvent.action == "delphi_comment.unhide"))
    assert event.before["reason"] == "Ofensivo para otro miembro." and event.actor_id == world.facilitator.id


def test_hiding_needs_a_reason_and_refuses_what_makes_no_sense(db, client, login_as, world):
    round_id = world.round.id
    key = _key(world, RUDE)
    login_as(world.facilitator)
    assert _hide(client, world, RUDE, reason="   ").status_code == 400
    assert _hide(client, world, RUDE, reason="x" * 1001).status_code == 400
    assert moderation.hidden_count(round_id) == 0
    assert _hide(client, world, RUDE).status_code == 302
    assert _hide(client, world, RUDE).status_code == 409  # already hidden
    assert client.post(f"/committees/rounds/{round_id}/comments/{_key(world, KIND)}/unhide").status_code == 409
    assert client.post(f"/committees/rounds/{round_id}/comments/{'0' * 64}/hide",
                       data={"reason": "x"}).status_code == 404
    bad_key = client.post(f"/committees/rounds/{round_id}/comments/not-a-key/hide", data={"reason": "x"})
    assert bad_key.status_code == 404
    assert client.get(f"/committees/rounds/{round_id}/comments").status_code == 200
    for user, status in ((world.members[0], 403), (world.admin, 302)):
        login_as(user)
        assert client.post(f"/committees/rounds/{round_id}/comments/{key}/unhide").status_code == status
    login_as(world.members[0])
    assert client.get(f"/committees/rounds/{round_id}/comments").status_code == 403


def test_facilitators_of_another_committee_and_observers_cannot_moderate(db, client, login_as, make_user, world,
                                                                          committee):
    other = committee("vision", ("CHL",))
    key = _key(world, RUDE)
    for user in (other.facilitator, make_user("observer")):
        login_as(user)
        assert client.get(f"/committees/rounds/{world.round.id}/comments").status_code in (403, 404)
        assert client.post(f"/committees/rounds/{world.round.id}/comments/{key}/hide",
                           data={"reason": "x"}).status_code in (403, 404)
    assert moderation.hidden_count(world.round.id) == 0


def test_a_draft_round_has_no_comments_to_moderate(db, client, login_as, committee):
    from whitepaper.delphi.rounds import lifecycle
    world = committee()
    draft = lifecycle.create_closed_round(world.facilitator, world.committee)
    db.session.commit()
    login_as(world.facilitator)
    assert client.get(f"/committees/rounds/{draft.id}/comments").status_code == 404


def test_members_flag_a_comment_once_and_facilitators_see_flagged_comments_first(db, client, login_as, world,
                                                                                 make_user):
    round_id = world.round.id
    other_key = _key(world, OTHER)
    login_as(world.facilitator)
    page = client.get(f"/committees/rounds/{round_id}/comments").get_data(as_text=True)
    assert page.index(RUDE) < page.index(OTHER)  # item order while nothing is flagged

    login_as(world.members[0])
    feedback = client.get(f"/committees/rounds/{round_id}/feedback").get_data(as_text=True)
    assert feedback.count(">Flag</button>") == 3
    flag_url = f"/committees/rounds/{round_id}/comments/{other_key}/flag"
    assert client.post(flag_url).status_code == 302
    assert client.post(flag_url).status_code == 409  # once per member and comment
    feedback = client.get(f"/committees/rounds/{round_id}/feedback").get_data(as_text=True)
    assert "You flagged this comment." in feedback and feedback.count(">Flag</button>") == 2
    login_as(world.members[1])
    assert client.post(flag_url).status_code == 302
    assert moderation.flag_count(round_id) == 2
    assert db.session.scalar(select(AuditEvent).where(AuditEvent.action == "delphi_comment.flag")).object_id == round_id

    login_as(world.members[3])  # the author: no button on their own comment, and a flag is refused
    feedback = client.get(f"/committees/rounds/{round_id}/feedback").get_data(as_text=True)
    assert feedback.count(">Flag</button>") == 2
    assert client.post(flag_url).status_code == 400
    for user, status in ((make_user("observer"), 403), (world.facilitator, 403)):
        login_as(user)
        assert client.post(flag_url).status_code == status
    assert moderation.flag_count(round_id) == 2

    login_as(world.facilitator)
    page = client.get(f"/committees/rounds/{round_id}/comments").get_data(as_text=True)
    assert page.index(OTHER) < page.index(RUDE) and "2 flags" in page and "0 flags" in page
    listed = moderation.comments_for_moderation(world.round)
    unflagged = sorted([(RUDE, _key(world, RUDE)), (KIND, _key(world, KIND))], key=lambda pair: pair[1])
    assert [(c.text, c.flags) for c in listed] == [(OTHER, 2)] + [(text, 0) for text, _k in unflagged]
    assert "Flags from members: 2." in client.get(
        f"/committees/rounds/{round_id}/results").get_data(as_text=True)


def test_a_hidden_comment_cannot_be_flagged_and_the_counts_are_per_round(db, client, login_as, world,
                                                                         closed_round):
    round_id = world.round.id
    key = _key(world, RUDE)
    login_as(world.facilitator)
    _hide(client, world, RUDE)
    login_as(world.members[0])
    assert client.post(f"/committees/rounds/{round_id}/comments/{key}/flag").status_code == 404
    assert db.session.scalar(select(CommentFlag)) is None
    elsewhere = closed_round([[4, 4, 4]], comments={(0, 0): "Otro"}, model="vision")
    assert moderation.hidden_count(elsewhere.round.id) == 0 and moderation.flag_count(elsewhere.round.id) == 0
    assert moderation.hidden_count(round_id) == 1


def test_members_see_feedback_without_flag_buttons_when_reading_as_observers(db, client, login_as, make_user, world):
    login_as(make_user("observer"))
    page = client.get(f"/committees/rounds/{world.round.id}/feedback").get_data(as_text=True)
    assert KIND in page and ">Flag</button>" not in page
