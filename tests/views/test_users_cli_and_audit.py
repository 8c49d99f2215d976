"""`flask users create`, the admin's user edits, and the audit trail they leave."""
from __future__ import annotations

from sqlalchemy import func, select

from whitepaper.models import AuditEvent, User


def test_users_create_reads_the_password_from_stdin(runner, db, client):
    result = runner.invoke(args=["users", "create", "Jefa@Planes.gob", "--role", "assessor", "--country", "CHL",
                                 "--name", "Jefa de Planes"], input="una-clave-larga\nignored\n")
    assert result.exit_code == 0, result.output
    user = db.session.scalar(select(User).where(User.email == "jefa@planes.gob"))
    assert user.roles == {"assessor"} and user.country.iso3 == "CHL" and user.name == "Jefa de Planes"
    response = client.post("/login", data={"email": "jefa@planes.gob", "password": "una-clave-larga"})
    assert response.status_code == 302


def test_users_create_twice_fails_with_a_message_and_changes_nothing(runner, db):
    runner.invoke(args=["users", "create", "a@b.org", "--role", "observer"], input="una-clave-larga\n")
    before = db.session.scalar(select(func.count()).select_from(User))
    result = runner.invoke(args=["users", "create", "a@b.org", "--role", "admin"], input="otra-clave-larga\n")
    assert result.exit_code != 0
    assert "a@b.org" in result.output
    db.session.expire_all()
    assert db.session.scalar(select(func.count()).select_from(User)) == before
    assert db.session.scalar(select(User).where(User.email == "a@b.org")).roles == {"observer"}


def test_users_create_refuses_a_short_password(runner):
    result = runner.invoke(args=["users", "create", "c@d.org", "--role", "observer"], input="short\n")
    assert result.exit_code != 0


def test_role_change_is_audited_with_before_and_after(client, db, make_user, login_as):
    admin = make_user("admin")
    target = make_user("observer")
    login_as(admin)
    response = client.post(f"/admin/users/{target.id}", data={"name": target.name, "roles": ["facilitator"],
                                                             "country": "", "active": "y"})
    assert response.status_code == 302
    event = db.session.scalar(select(AuditEvent).where(AuditEvent.action == "user.update"))
    assert event.actor_id == admin.id and event.object_id == target.id
    assert event.before["roles"] == ["observer"] and event.after["roles"] == ["facilitator"]


def test_deactivating_a_user_ends_their_sessions(app, client, db, make_user, login_as):
    from ..conftest import PASSWORD
    target = make_user("observer")
    theirs = app.test_client()
    theirs.post("/login", data={"email": target.email, "password": PASSWORD})
    assert theirs.get("/").status_code == 200
    login_as(make_user("admin"))
    client.post(f"/admin/users/{target.id}", data={"name": target.name, "roles": ["observer"], "country": ""})
    assert theirs.get("/").status_code == 302


def test_admin_cannot_remove_their_own_admin_role(client, db, make_user, login_as):
    admin = make_user("admin")
    login_as(admin)
    response = client.post(f"/admin/users/{admin.id}", data={"name": "x", "roles": ["observer"], "country": "",
                                                            "active": "y"})
    assert response.status_code == 403
    db.session.refresh(admin)
    assert admin.roles == {"admin"}


def test_demo_is_idempotent_and_prints_accounts(runner, db):
    first = runner.invoke(args=["demo"])
    count = db.session.scalar(select(func.count()).select_from(User))
    second = runner.invoke(args=["demo"])
    assert first.exit_code == 0 and second.exit_code == 0
    assert "admin@demo.cepal.org" in second.output
    assert db.session.scalar(select(func.count()).select_from(User)) == count
