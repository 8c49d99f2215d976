"""The demo data with one object of every kind a URL names (an evidence file, an API token, a finished CRP
report, a user to edit), for tests that walk the routes: `build_world` returns the ids by URL variable."""
from __future__ import annotations

import os
import re
from dataclasses import dataclass, field

from flask_wtf import FlaskForm
from sqlalchemy import select
from wtforms.fields.core import UnboundField

DEMO_EMAILS = {"admin": "admin@demo.cepal.org", "facilitator": "facilitadora@demo.cepal.org",
               "member": "integrante@demo.cepal.org", "assessor": "evaluadora@demo.cepal.org",
               "observer": "observador@demo.cepal.org"}
PDF = b"%PDF-1.4\n% evidence\n"


def form_field_names() -> set[str]:
    """Every field a form class declares, and every name a view reads from request.form."""
    import whitepaper
    from whitepaper import create_app  # noqa: F401  (imports the views, and with them the form classes)
    names: set[str] = set()
    pending = list(FlaskForm.__subclasses__())
    while pending:
        form_class = pending.pop()
        pending.extend(form_class.__subclasses__())
        names.update(name for name, value in vars(form_class).items() if isinstance(value, UnboundField))
    root = os.path.dirname(whitepaper.__file__)
    for folder, _dirs, files in os.walk(root):
        for filename in files:
            if filename.endswith(".py"):
                with open(os.path.join(folder, filename), encoding="utf-8") as handle:
                    names.update(re.findall(r"form\.(?:get|getlist)\(\s*\"([A-Za-z_]+)\"", handle.read()))
    return names


@dataclass
class World:
    """Real objects from the demo, by URL variable; `special` overrides a variable for one endpoint."""
    values: dict[str, str] = field(default_factory=dict)
    special: dict[tuple[str, str], str] = field(default_factory=dict)
    fields: set[str] = field(default_factory=set)

    def value(self, endpoint: str, arg: str) -> str:
        return self.special.get((endpoint, arg), self.values.get(arg, "1"))


def build_world(app, db) -> World:
    from whitepaper import demo
    from whitepaper.auth import services as accounts
    from whitepaper.catalogue import queries as catalogue_queries
    from whitepaper.assessment import services as assessment_services
    from whitepaper.models import (Answer, Assessment, Code, Coding, Committee, Country, Criterion, Item, Job,
                                   Membership, Pseudonym, Round, User)
    from whitepaper.models.ballot import Ballot, CommentResolution
    demo.load()
    users = {role: db.session.scalar(select(User).where(User.email == email)) for role, email in DEMO_EMAILS.items()}
    cri = db.session.scalar(select(Country).where(Country.iso3 == "CRI"))
    draft = db.session.scalar(select(Assessment).where(Assessment.country_id == cri.id,
                                                       Assessment.status == "draft").order_by(Assessment.id))
    folder = os.path.join(app.instance_path, "hostile-evidence")
    criterion = db.session.scalar(select(Criterion).where(Criterion.version_id == draft.version_id,
                                                          Criterion.code == "SUB-1-01"))
    rating = assessment_services.ensure_rating(users["assessor"], draft, criterion)
    evidence = assessment_services.add_file(users["assessor"], draft, rating, filename="informe.pdf", data=PDF,
                                            folder=folder, max_mb=10)
    app.config["UPLOAD_FOLDER"] = folder
    victim = accounts.create_user(None, "victim@example.org", roles={"observer"}, name="Víctima",
                                  password="correct-horse-battery")
    token, _raw = accounts.create_api_token(users["admin"], "hostile walk")
    result = os.path.join(app.instance_path, "hostile-report.pdf")
    with open(result, "wb") as handle:
        handle.write(PDF)
    job = Job(kind="crp_report", params={"model": "sectoral", "lang": "es"}, status="done", progress=100,
              result_path=result)
    db.session.add(job)
    db.session.commit()

    sectoral = next(c for c in db.session.scalars(select(Committee)) if c.planning_model.key == "sectoral")
    version = catalogue_queries.current_version(catalogue_queries.model_by_key("sectoral"))
    rounds = list(db.session.scalars(select(Round).where(Round.committee_id == sectoral.id).order_by(Round.id)))
    first = rounds[0]
    membership = db.session.scalar(select(Membership).where(Membership.committee_id == sectoral.id,
                                                            Membership.role == "member").order_by(Membership.id))
    code = db.session.scalar(select(Code).order_by(Code.id))
    resolution = db.session.scalar(select(CommentResolution).order_by(CommentResolution.id))
    ballot = db.session.scalar(select(Ballot).order_by(Ballot.id))
    world = World(values={
        "assessment_id": str(draft.id), "evidence_id": str(evidence.id), "committee_id": str(sectoral.id),
        "membership_id": str(membership.id), "round_id": str(first.id),
        "item_id": str(db.session.scalar(select(Item.id).where(Item.round_id == first.id).order_by(Item.id))),
        "code_id": str(code.id), "coding_id": str(db.session.scalar(select(Coding.id).order_by(Coding.id))),
        "answer_id": str(db.session.scalar(select(Answer.id).order_by(Answer.id))),
        "pseudonym_id": str(db.session.scalar(select(Pseudonym.id).where(Pseudonym.round_id == first.id)
                                              .order_by(Pseudonym.id))),
        "ballot_id": str(ballot.id), "resolution_id": str(resolution.id), "token_id": str(token.id),
        "user_id": str(victim.id), "job_id": str(job.id), "key": "sectoral", "label": version.label,
        "code": "SUB-1-01", "dimension_key": "design", "action": "open", "kind": "answers", "token": "x" * 43,
        "filename": "css/app.css",
    })
    for endpoint in ("ballots.answer_comment", "ballots.comment_to_round"):
        world.special[(endpoint, "ballot_id")] = str(resolution.item.ballot_id)
    world.special[("catalogue.criterion", "code")] = db.session.scalar(
        select(Criterion.code).where(Criterion.version_id == version.id).order_by(Criterion.code))
    items = list(db.session.scalars(select(Item).where(Item.round_id.in_([r.id for r in rounds]))))
    dynamic = {f"{prefix}-{item.id}" for item in items for prefix in ("text", "rating", "comment")}
    dynamic |= {f"rank-{item.id}-{key}" for item in items for key in (item.option_keys or [])}
    dynamic |= {f"element-{n}" for n in range(12)} | {f"vote-{n}" for n in range(1, 40)}
    world.fields = form_field_names() | dynamic
    return world
