"""Writes for accounts. Services flush; the caller commits once."""
from __future__ import annotations

import hashlib
import secrets
from datetime import timedelta
from typing import Optional

from flask import current_app
from flask_babel import gettext as _
from sqlalchemy import select, update
from sqlalchemy.orm import joinedload
from werkzeug.security import check_password_hash, generate_password_hash

from .. import audit, mail
from ..errors import Conflict, InvalidInput, NotAllowed
from ..extensions import db
from ..models import ActionToken, ApiToken, Country, LoginAttempt, User
from ..models.base import utcnow
from . import throttle

MIN_PASSWORD_LENGTH = 10
# A hash to compare against when the e-mail is unknown, so both paths take the same time.
_DUMMY_HASH: dict[str, str] = {}


def _sha256(text: str) -> str:
    return hashlib.sha256(text.encode()).hexdigest()


def normalize_email(email: str) -> str:
    return (email or "").strip().lower()


def hash_password(password: str) -> str:
    return generate_password_hash(password, method=current_app.config["PASSWORD_HASH_METHOD"])


def check_password_strength(password: str) -> None:
    if len(password or "") < MIN_PASSWORD_LENGTH:
        raise InvalidInput(_("The password must have at least %(n)d characters.", n=MIN_PASSWORD_LENGTH))


def user_by_email(email: str) -> Optional[User]:
    return db.session.scalar(select(User).where(User.email == normalize_email(email)))


def _snapshot(user: User) -> dict:
    return {"email": user.email, "name": user.name, "roles": sorted(user.roles),
            "country": user.country.iso3 if user.country else None, "active": user.is_active_account}


def _country_for_roles(country_iso3: str | None, roles: set[str]) -> Optional[Country]:
    """The country named by its ISO code (or None); an assessor must have one."""
    country = None
    if country_iso3:
        country = db.session.scalar(select(Country).where(Country.iso3 == country_iso3.upper()))
        if country is None:
            raise InvalidInput(_("Unknown country code %(code)s.", code=country_iso3))
    if "assessor" in roles and country is None:
        raise InvalidInput(_("An assessor must belong to a country."))
    return country


def create_user(actor: Optional[User], email: str, *, roles: set[str], name: str = "",
                country_iso3: str | None = None, password: str | None = None) -> User:
    email = mail.check_address(normalize_email(email))
    if user_by_email(email) is not None:
        raise Conflict(_("A user with the e-mail %(email)s already exists.", email=email))
    country = _country_for_roles(country_iso3, roles)
    user = User(email=email, name=name.strip(), country=country)
    try:
        user.set_roles(set(roles))
    except ValueError as error:
        raise InvalidInput(str(error)) from error
    if password is not None:
        check_password_strength(password)
        user.password_hash = hash_password(password)
    db.session.add(user)
    db.session.flush()
    audit.record(actor, "user.create", user, after=_snapshot(user))
    return user


def update_user(actor: User, user: User, *, name: str, roles: set[str], country_iso3: str | None,
                active: bool) -> User:
    before = _snapshot(user)
    if user.id == actor.id and ("admin" not in roles or not active):
        raise NotAllowed(_("You cannot remove your own administrator role or deactivate yourself."))
    country = _country_for_roles(country_iso3, roles)
    user.name = name.strip()
    user.set_roles(set(roles))
    user.country = country
    if user.is_active_account and not active:
        end_sessions(user)
    user.is_active_account = active
    db.session.flush()
    after = _snapshot(user)
    if after != before:
        audit.record(actor, "user.update", user, before=before, after=after)
    return user


# --- logging in and out: throttling (auth/throttle.py) and the session version (auth/sessions.py) -----

def end_sessions(user: User) -> None:
    """A new session version: every session and remember-me cookie of this user stops working."""
    user.session_nonce = secrets.token_hex(8)


def authenticate(email: str, password: str, ip: str = "") -> Optional[User]:
    """The user when the credentials are right; None (and a logged failure) otherwise.

    The caller has claimed the attempt (throttle.claim_sign_in) and committed the claim, and commits
    afterwards; a right password gives the claim back, so only failures count."""
    email = normalize_email(email)
    user = user_by_email(email)
    if user is None or not user.password_hash:
        if "h" not in _DUMMY_HASH:
            _DUMMY_HASH["h"] = hash_password(secrets.token_hex(8))
        check_password_hash(_DUMMY_HASH["h"], password or "")
        ok = False
    else:
        ok = check_password_hash(user.password_hash, password or "") and user.is_active_account
    if not ok:
        db.session.add(LoginAttempt(email=email, ip=ip[:45]))
        return None
    throttle.release_sign_in(email, ip)
    user.last_login_at = utcnow()
    return user


def change_password(user: User, current: str, new: str) -> None:
    if not user.password_hash or not check_password_hash(user.password_hash, current or ""):
        raise InvalidInput(_("The current password is not correct."))
    set_password(user, new)


def set_password(user: User, new: str) -> None:
    check_password_strength(new)
    user.password_hash = hash_password(new)
    end_sessions(user)  # other sessions and remember-me cookies end here
    audit.record(user, "user.password", user)


# --- single-use, expiring link tokens ----------------------------------------------------------------

def issue_action_token(user: User, purpose: str) -> str:
    raw = secrets.token_urlsafe(32)
    hours = current_app.config["TOKEN_HOURS"][purpose]
    db.session.add(ActionToken(user_id=user.id, purpose=purpose, token_hash=_sha256(raw),
                               expires_at=utcnow() + timedelta(hours=hours)))
    db.session.flush()
    return raw


def find_action_token(raw: str, purpose: str) -> Optional[ActionToken]:
    """The token when it exists, has this purpose, is unused and has not expired."""
    token = db.session.scalar(select(ActionToken).where(ActionToken.token_hash == _sha256(raw or ""),
                                                        ActionToken.purpose == purpose))
    if token is None or token.used_at is not None or token.expires_at < utcnow():
        return None
    return token


def use_action_token(raw: str, purpose: str, new_password: str) -> User:
    token = find_action_token(raw, purpose)
    if token is None:
        raise InvalidInput(_("This link is not valid any more. Ask for a new one."))
    check_password_strength(new_password)
    # A conditional update makes the token single-use even when two requests race.
    claimed = db.session.execute(
        ActionToken.__table__.update().where(ActionToken.id == token.id, ActionToken.used_at.is_(None))
        .values(used_at=utcnow())).rowcount
    if claimed != 1:
        raise InvalidInput(_("This link is not valid any more. Ask for a new one."))
    set_password(token.user, new_password)
    _revoke_credentials(token.user)
    return token.user


def _revoke_credentials(user: User) -> None:
    """After a password is set through a link: the user's API tokens and every other link stop working."""
    now = utcnow()
    tokens = db.session.execute(update(ApiToken).where(ApiToken.user_id == user.id, ApiToken.revoked_at.is_(None))
                                .values(revoked_at=now).execution_options(synchronize_session=False)).rowcount
    links = db.session.execute(update(ActionToken).where(ActionToken.user_id == user.id,
                                                         ActionToken.used_at.is_(None))
                               .values(used_at=now).execution_options(synchronize_session=False)).rowcount
    audit.record(user, "user.credentials_revoked", user, after={"api_tokens": tokens, "links": links})


def invite(actor: User, user: User, link_for) -> None:
    throttle.claim_invitation(user.email, actor.id)
    raw = issue_action_token(user, "invitation")
    mail.queue(user.email, _("Invitation to the Planbarómetro platform"),
               _("You have been invited to the ILPES Planbarómetro platform. Choose your password here "
                 "(the link works once, for 7 days):\n\n%(link)s", link=link_for(raw)))
    audit.record(actor, "user.invite", user)


def request_password_reset(email: str, address: str, link_for) -> None:
    """Queues a reset link when the account exists; says nothing either way (no account enumeration).

    Requests are throttled per account (known or not) and per client address: Throttled otherwise."""
    throttle.claim_link_request(normalize_email(email), address)
    user = user_by_email(email)
    if user is None or not user.is_active_account:
        return
    raw = issue_action_token(user, "password_reset")
    mail.queue(user.email, _("Reset your Planbarómetro password"),
               _("To choose a new password, open this link (it works once, for %(hours)d hour(s)):\n\n%(link)s\n\n"
                 "If you did not ask for it, ignore this message.", link=link_for(raw),
                 hours=current_app.config["TOKEN_HOURS"]["password_reset"]))


# --- personal API tokens ---------------------------------------------------------------------------

def create_api_token(user: User, name: str) -> tuple[ApiToken, str]:
    name = (name or "").strip()
    if not name:
        raise InvalidInput(_("Give the token a name so you can recognise it later."))
    raw = "wp_" + secrets.token_urlsafe(32)
    token = ApiToken(user_id=user.id, name=name[:100], prefix=raw[:10], token_hash=_sha256(raw))
    db.session.add(token)
    db.session.flush()
    audit.record(user, "api_token.create", token, after={"name": token.name, "prefix": token.prefix})
    return token, raw


def revoke_api_token(actor: User, token: ApiToken) -> None:
    if token.user_id != actor.id:
        raise NotAllowed(_("You can only revoke your own tokens."))
    if token.revoked_at is None:
        token.revoked_at = utcnow()
        audit.record(actor, "api_token.revoke", token)


def user_for_api_token(raw: str) -> Optional[User]:
    """The token's user with their roles (one query), if the token is valid and the account active."""
    return db.session.execute(
        select(User).join(ApiToken, ApiToken.user_id == User.id)
        .where(ApiToken.token_hash == _sha256(raw), ApiToken.revoked_at.is_(None), User.is_active_account.is_(True))
        .options(joinedload(User.role_rows))).unique().scalar_one_or_none()
