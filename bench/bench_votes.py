"""Vote day over HTTP: gunicorn (2 workers, threaded as in production, 127.0.0.1) on PostgreSQL (a throwaway server started as the tests
start it, or a new database on TEST_DATABASE_URL). One committee with 33 members, one per country, each its
country's designated voting representative; ballots with one vote per country, opened before the run (which
fixes the voters). Every representative logs in through the real login form (CSRF token included); then
`submitters` threads post the voting sheets: each job is one representative and one ballot, the whole sheet
posted once and then again as a revision (about a third of the choices changed, the rest sent unchanged).

Timed: each POST of the sheet, from sending it to its redirect (the redirected page is not fetched); votes per
second are the votes posted (items × submissions) over the wall time of the whole submission phase. Beside
them: `queries`, the SQL statements of one first submission (test client), and `alone_p50_ms`, one submission
with nothing else in flight (with 16 submitters on 2 workers of 2 threads a submission shares the machine with the others).

Checked afterwards: in the database, exactly one vote per country and item, each the choice last submitted, and
one `vote.cast` audit event per vote plus one `vote.change` per revised choice; then the facilitator closes every
ballot through its page and the tallies read from `GET /api/v1/ballots/<id>/result` (and, on roll-call ballots,
each country's published vote) must equal the counts of what was submitted.

Two sizes: 33 countries × 4 ballots × 110 items with 16 submitters (`vote_submission_p50_110`,
`votes_per_second`), and 33 × 2 × 40 with 8 submitters (`vote_submission_p50_40`, `votes_per_second_40`)."""
from __future__ import annotations

import queue
import random
import shutil
import statistics
import tempfile
import threading
import time
from collections import Counter
from dataclasses import dataclass, field
from typing import Any, Optional

from . import servers

PASSWORD = "bench-vote-password"
FACILITATOR = "bench-vote-facilitator@example.org"
REPRESENTATIVES = 33
TARGET_P50_MS = 250.0
TARGET_VOTES_PER_SECOND = 2000.0
CHOICES = ("approve", "approve", "approve", "reject", "abstain")


@dataclass
class Size:
    items: int
    ballots: int
    submitters: int
    first_number: int
    ballot_ids: list[int] = field(default_factory=list)
    item_ids: dict[int, list[int]] = field(default_factory=dict)   # ballot id -> item ids in order
    secret: dict[int, bool] = field(default_factory=dict)

    @property
    def label(self) -> str:
        return (f"{REPRESENTATIVES} countries x {self.ballots} ballots x {self.items} items, "
                f"{self.submitters} submitters")


@dataclass
class Representative:
    email: str
    iso3: str
    country_id: int
    user_id: int


def _prepare(sizes: list[Size]) -> tuple[list[Representative], int]:
    """In an app context on the migrated, catalogued database: the committee, its 33 representatives and the
    open ballots of every size (items built directly, as tests/ballots does for its races). Commits."""
    from sqlalchemy import select

    from whitepaper.auth import services as accounts
    from whitepaper.delphi import committees as delphi_committees
    from whitepaper.delphi.ballots import lifecycle, tally
    from whitepaper.extensions import db
    from whitepaper.models import Country, Dimension
    from whitepaper.models.ballot import Ballot, BallotItem

    admin = accounts.create_user(None, "bench-vote-admin@example.org", roles={"admin"}, password=PASSWORD)
    facilitator = accounts.create_user(None, FACILITATOR, roles={"facilitator"}, password=PASSWORD)
    committee = {c.planning_model.key: c for c in delphi_committees.ensure_committees(admin)}["sectoral"]
    delphi_committees.add_membership(admin, committee, facilitator, role="facilitator", notify=False)
    countries = list(db.session.scalars(select(Country).order_by(Country.iso3)))[:REPRESENTATIVES]
    if len(countries) < REPRESENTATIVES:
        raise RuntimeError(f"only {len(countries)} countries in the database")
    representatives = []
    for country in countries:
        user = accounts.create_user(None, f"bench-vote-{country.iso3.lower()}@example.org", roles={"member"},
                                    name=f"Representative {country.iso3}", country_iso3=country.iso3,
                                    password=PASSWORD)
        delphi_committees.add_membership(facilitator, committee, user, is_voting_representative=True,
                                         notify=False)
        representatives.append(Representative(user.email, country.iso3, country.id, user.id))
    db.session.flush()
    dimensions = list(db.session.scalars(select(Dimension.key).where(
        Dimension.version_id == committee.catalogue_version_id).order_by(Dimension.position)))
    for size in sizes:
        for n in range(size.ballots):
            secret = n % 2 == 0   # secret and roll-call ballots alternate
            b = Ballot(committee=committee, catalogue_version_id=committee.catalogue_version_id,
                       number=size.first_number + n, stage="criteria", created_by_id=facilitator.id)
            lifecycle.set_rule(b, tally.BallotRule(unit="country", secret=secret))
            db.session.add(b)
            items = [BallotItem(ballot=b, position=i, subject=f"B{b.number}-{i + 1:03d}",
                                dimension_key=dimensions[i * len(dimensions) // size.items])
                     for i in range(size.items)]
            db.session.add_all(items)
            db.session.flush()
            lifecycle.open_ballot(facilitator, b, notify=False)
            size.ballot_ids.append(b.id)
            size.item_ids[b.id] = [i.id for i in items]
            size.secret[b.id] = secret
    db.session.commit()
    return representatives, facilitator.id


def _sheets(size: Size, representatives: list[Representative], seed: int
            ) -> dict[tuple[int, int], tuple[dict[int, tuple[str, str]], dict[int, tuple[str, str]]]]:
    """What each representative submits on each ballot: {(ballot, country): (first, revision)}, each
    {item: (choice, reason)}; the revision changes about a third of the choices."""
    rng = random.Random(seed)
    out = {}
    for ballot_id in size.ballot_ids:
        for rep in representatives:
            first, revision = {}, {}
            for item_id in size.item_ids[ballot_id]:
                choice = rng.choice(CHOICES)
                first[item_id] = (choice, f"Reason of {rep.iso3} on item {item_id}." if choice == "reject" else "")
                if rng.random() < 1 / 3:
                    choice = rng.choice([c for c in ("approve", "reject", "abstain") if c != choice])
                revision[item_id] = (choice, f"Revised reason of {rep.iso3} on {item_id}." if choice == "reject"
                                     else "")
            out[(ballot_id, rep.country_id)] = (first, revision)
    return out


def _form(sheet: dict[int, tuple[str, str]], token: str) -> dict[str, str]:
    data = {"csrf_token": token}
    for item_id, (choice, reason) in sheet.items():
        data[f"choice-{item_id}"] = choice
        data[f"reason-{item_id}"] = reason
    return data


def _login_all(url: str, representatives: list[Representative]) -> dict[int, tuple[Any, str]]:
    """{country id: (cookies, csrf token)} for every representative, logged in through the form."""
    import requests
    logged = {}
    for rep in representatives:
        with requests.Session() as session:
            token = servers.login(session, url, rep.email, PASSWORD)
            logged[rep.country_id] = (session.cookies.copy(), token)
    return logged


def _submit(url: str, size: Size, representatives: list[Representative], logged: dict[int, tuple[Any, str]],
            sheets) -> tuple[list[float], float, list[str]]:
    """Runs the submission phase; returns the times of every POST (ms), the wall time (s) and the errors."""
    import requests
    jobs: queue.Queue = queue.Queue()
    order = [(b, rep) for b in size.ballot_ids for rep in representatives]
    random.Random(7).shuffle(order)
    for job in order:
        jobs.put(job)
    times: list[float] = []
    errors: list[str] = []
    lock = threading.Lock()
    start_line = threading.Barrier(size.submitters)

    def post(session, ballot_id: int, sheet, token: str) -> None:
        started = time.perf_counter()
        response = session.post(f"{url}/ballots/{ballot_id}/vote", data=_form(sheet, token), allow_redirects=False,
                                timeout=300)
        elapsed = (time.perf_counter() - started) * 1000
        with lock:
            times.append(elapsed)
            if response.status_code != 302 or not response.headers.get("Location", "").endswith(
                    f"/ballots/{ballot_id}/vote"):
                errors.append(f"ballot {ballot_id}: HTTP {response.status_code}")

    def worker() -> None:
        start_line.wait(timeout=60)
        while True:
            try:
                ballot_id, rep = jobs.get_nowait()
            except queue.Empty:
                return
            cookies, token = logged[rep.country_id]
            first, revision = sheets[(ballot_id, rep.country_id)]
            try:
                with requests.Session() as session:
                    session.cookies.update(cookies)
                    post(session, ballot_id, first, token)
                    post(session, ballot_id, revision, token)
            except Exception as error:  # noqa: BLE001 (reported as a failed submission)
                with lock:
                    errors.append(f"ballot {ballot_id}: {type(error).__name__}: {error}")

    threads = [threading.Thread(target=worker) for _ in range(size.submitters)]
    started = time.perf_counter()
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    return times, time.perf_counter() - started, errors


def _check_stored(size: Size, representatives: list[Representative], sheets) -> dict[str, Any]:
    """Before closing: one vote per country and item, each the last choice submitted; the audit events."""
    from sqlalchemy import func, select

    from whitepaper.extensions import db
    from whitepaper.models import AuditEvent
    from whitepaper.models.ballot import BallotItem, Vote

    item_ids = [i for b in size.ballot_ids for i in size.item_ids[b]]
    duplicates = 0
    for key in (Vote.country_id, Vote.voter_id):
        duplicates += sum(n - 1 for (n,) in db.session.execute(
            select(func.count()).where(Vote.item_id.in_(item_ids)).group_by(Vote.item_id, key)
            .having(func.count() > 1)).all())
    stored = {(item_id, country_id): (voter_id, choice, reason or "") for item_id, country_id, voter_id, choice, reason
              in db.session.execute(select(Vote.item_id, Vote.country_id, Vote.voter_id, Vote.choice, Vote.reason)
                                    .where(Vote.item_id.in_(item_ids))).all()}
    ballot_of = dict(db.session.execute(select(BallotItem.id, BallotItem.ballot_id)
                                        .where(BallotItem.id.in_(item_ids))).all())
    user_of = {rep.country_id: rep.user_id for rep in representatives}
    wrong = 0
    expected_changes = 0
    for (ballot_id, country_id), (first, revision) in sheets.items():
        for item_id, vote in revision.items():
            if stored.get((item_id, country_id)) != (user_of[country_id], *vote):
                wrong += 1
            expected_changes += first[item_id] != vote
    wrong += sum(1 for (item_id, country_id) in stored if (ballot_of[item_id], country_id) not in sheets)
    events = dict(db.session.execute(
        select(AuditEvent.action, func.count()).where(AuditEvent.object_type == "ballot_items",
                                                      AuditEvent.object_id.in_(item_ids))
        .group_by(AuditEvent.action)).all())
    audit_exact = events == {"vote.cast": len(item_ids) * len(representatives), "vote.change": expected_changes}
    db.session.remove()
    return {"duplicates": duplicates, "stored_wrong": wrong, "stored_votes": len(stored),
            "audit_exact": audit_exact, "audit_events": events, "expected_changes": expected_changes}


def _close_and_read(url: str, size: Size, representatives: list[Representative], sheets) -> bool:
    """The facilitator closes every ballot through its page; the published tallies (and roll-call votes) must
    equal the counts of what was last submitted."""
    import requests
    iso3_of = {rep.country_id: rep.iso3 for rep in representatives}
    exact = True
    with requests.Session() as session:
        token = servers.login(session, url, FACILITATOR, PASSWORD)
        for ballot_id in size.ballot_ids:
            response = session.post(f"{url}/ballots/{ballot_id}/close", data={"csrf_token": token},
                                    allow_redirects=False, timeout=300)
            if response.status_code != 302:
                raise RuntimeError(f"closing ballot {ballot_id} answered {response.status_code}")
            result = session.get(f"{url}/api/v1/ballots/{ballot_id}/result", timeout=300).json()
            expected_votes: dict[int, list[tuple[str, str]]] = {i: [] for i in size.item_ids[ballot_id]}
            for (b, country_id), (_first, revision) in sheets.items():
                if b == ballot_id:
                    for item_id, (choice, _reason) in revision.items():
                        expected_votes[item_id].append((iso3_of[country_id], choice))
            for item in result["items"]:
                counts = Counter(choice for _iso3, choice in expected_votes[item["id"]])
                if (item["approve"], item["reject"], item["abstain"]) != (counts["approve"], counts["reject"],
                                                                           counts["abstain"]):
                    exact = False
                if not size.secret[ballot_id]:
                    published = sorted((v["country"], v["choice"]) for v in item.get("votes", []))
                    exact = exact and published == sorted(expected_votes[item["id"]])
            exact = exact and len(result["items"]) == size.items
    return exact


def _spare_ballot(app, representatives: list[Representative], size: Size) -> tuple[int, list[int], str]:
    """An open ballot of the size's item count that the timed run did not touch: (id, item ids, the first
    representative's session id)."""
    from whitepaper.delphi.ballots import lifecycle, tally
    from whitepaper.extensions import db
    from whitepaper.models import Dimension, User
    from whitepaper.models.ballot import Ballot, BallotItem
    from whitepaper.models.delphi import Committee

    with app.app_context():
        committee = db.session.scalar(db.select(Committee).join(Ballot).where(Ballot.id == size.ballot_ids[0]))
        facilitator = db.session.scalar(db.select(User).where(User.email == FACILITATOR))
        b = Ballot(committee=committee, catalogue_version_id=committee.catalogue_version_id,
                   number=900 + size.first_number, stage="criteria", created_by_id=facilitator.id)
        lifecycle.set_rule(b, tally.BallotRule(unit="country"))
        db.session.add(b)
        dimension = db.session.scalar(db.select(Dimension.key).where(
            Dimension.version_id == committee.catalogue_version_id).order_by(Dimension.position))
        items = [BallotItem(ballot=b, position=i, subject=f"Q-{i:03d}", dimension_key=dimension)
                 for i in range(size.items)]
        db.session.add_all(items)
        db.session.flush()
        lifecycle.open_ballot(facilitator, b, notify=False)
        db.session.commit()
        spare = (b.id, [i.id for i in items], db.session.get(User, representatives[0].user_id).get_id())
        db.session.remove()
    return spare


def _count_queries(app, ballot_id: int, item_ids: list[int], user_id: str) -> Optional[int]:
    """The SQL statements of one whole-sheet first submission, through the test client."""
    from sqlalchemy import event

    from whitepaper.extensions import db

    client = app.test_client()
    with client.session_transaction() as session:
        session["_user_id"] = user_id
        session["_fresh"] = True
    token = servers.csrf_token(client.get(f"/ballots/{ballot_id}/vote").get_data(as_text=True))
    counted = [0]

    def count(*_args) -> None:
        counted[0] += 1
    with app.app_context():
        engine = db.engine
    event.listen(engine, "before_cursor_execute", count)
    try:
        response = client.post(f"/ballots/{ballot_id}/vote", data=_form({i: ("approve", "") for i in item_ids}, token))
    finally:
        event.remove(engine, "before_cursor_execute", count)
    return counted[0] if response.status_code == 302 else None


def _alone_ms(url: str, logged: tuple[Any, str], ballot_id: int, item_ids: list[int], repeats: int = 5) -> float:
    """The median time of one whole-sheet POST with no other submission in flight (each changes every vote):
    the server's own time per submission, without the queue in front of the two workers."""
    import requests
    cookies, token = logged
    times = []
    with requests.Session() as session:
        session.cookies.update(cookies)
        for n in range(repeats):
            sheet = {i: ("abstain" if n % 2 == 0 else "approve", "") for i in item_ids}
            started = time.perf_counter()
            response = session.post(f"{url}/ballots/{ballot_id}/vote", data=_form(sheet, token),
                                    allow_redirects=False, timeout=300)
            times.append((time.perf_counter() - started) * 1000)
            if response.status_code != 302:
                raise RuntimeError(f"a lone submission answered {response.status_code}")
    return statistics.median(times)


def _figures(size: Size, times: list[float], wall: float, errors: list[str], stored: dict[str, Any],
             tallies_exact: bool, queries: Optional[int], alone: float, names: tuple[str, str]
             ) -> list[dict[str, Any]]:
    votes_posted = len(times) * size.items
    p50 = statistics.median(times) if times else float("nan")
    p95 = statistics.quantiles(times, n=20)[18] if len(times) >= 20 else max(times, default=float("nan"))
    rate = votes_posted / wall if wall else 0.0
    correct = (stored["duplicates"] == 0 and stored["stored_wrong"] == 0 and tallies_exact and not errors
               and stored["audit_exact"])
    common = {"size": size.label, "floor": None, "ratio": None, "p95_ms": round(p95, 1),
              "duplicates": stored["duplicates"], "tallies_exact": tallies_exact, "stored_exact":
              stored["stored_wrong"] == 0, "audit_exact": stored["audit_exact"], "errors": len(errors),
              "submissions": len(times), "votes_posted": votes_posted, "wall_s": round(wall, 2),
              "alone_p50_ms": round(alone, 1)}
    return [
        {"name": names[0], "value": round(p50, 1), "unit": "ms", "queries": queries, **common,
         "target": f"p50 <= {TARGET_P50_MS:.0f} ms per whole-sheet POST; 0 duplicates, exact tallies",
         "met": p50 <= TARGET_P50_MS and correct},
        {"name": names[1], "value": round(rate, 1), "unit": "votes/s", "queries": None, **common,
         "target": f">= {TARGET_VOTES_PER_SECOND:.0f} votes/s; 0 duplicates, exact tallies",
         "met": rate >= TARGET_VOTES_PER_SECOND and correct},
    ]


def _runs() -> list[tuple[Size, tuple[str, str]]]:
    """The two sizes, the smaller first, with the names of their figures."""
    return [(Size(items=40, ballots=2, submitters=8, first_number=1), ("vote_submission_p50_40",
                                                                      "votes_per_second_40")),
            (Size(items=110, ballots=4, submitters=16, first_number=11), ("vote_submission_p50_110",
                                                                          "votes_per_second"))]


def run() -> list[dict[str, Any]]:
    if not servers.postgres_available():
        print("bench_votes: PostgreSQL is not available (no postgresql-15 as root, no TEST_DATABASE_URL): skipped.")
        return []
    runs = _runs()
    folder = tempfile.mkdtemp(prefix="wp-bench-votes-")
    rows: list[dict[str, Any]] = []
    try:
        with servers.postgres_database("wp_bench_votes") as database_url, servers.instance_folder(folder):
            port = servers.free_port()
            env = servers.app_env(database_url, folder, port)
            servers.flask(env, "db", "upgrade")
            servers.flask(env, "catalog", "load")
            from whitepaper import create_app
            from whitepaper.extensions import db
            app = create_app({"DATABASE_URL": database_url, "SECRET_KEY": env["SECRET_KEY"],
                              "PASSWORD_HASH_METHOD": "pbkdf2:sha256:1000"})
            with app.app_context():
                representatives, _facilitator_id = _prepare([size for size, _names in runs])
                db.session.remove()
            with servers.gunicorn(env, port) as url:
                logged = _login_all(url, representatives)
                for size, names in runs:
                    seed = size.items
                    sheets = _sheets(size, representatives, seed)
                    times, wall, errors = _submit(url, size, representatives, logged, sheets)
                    with app.app_context():
                        stored = _check_stored(size, representatives, sheets)
                    tallies_exact = _close_and_read(url, size, representatives, sheets)
                    spare_id, spare_items, user_id = _spare_ballot(app, representatives, size)
                    queries = _count_queries(app, spare_id, spare_items, user_id)
                    alone = _alone_ms(url, logged[representatives[0].country_id], spare_id, spare_items)
                    if errors:
                        print(f"bench_votes: {len(errors)} failed submissions, e.g. {errors[:3]}")
                    rows += _figures(size, times, wall, errors, stored, tallies_exact, queries, alone, names)
            with app.app_context():
                db.engine.dispose()
    finally:
        shutil.rmtree(folder, ignore_errors=True)
    return rows


if __name__ == "__main__":
    for row in run():
        print(row)
