"""People and API tokens: creating them and checking who is asking.

Passwords are kept only as werkzeug scrypt hashes; API tokens only as their SHA-256, so neither a
copy of the database nor its backups hand anyone a working login.
"""

from __future__ import annotations

import hashlib
import secrets
from datetime import timedelta

from sqlalchemy import exists, select
from werkzeug.security import check_password_hash, generate_password_hash

from monitor.db import audit
from monitor.db.models import ROLES, ApiToken, AuditEvent, User
from monitor.localtime import utcnow

MIN_PASSWORD_LENGTH = 8
# A token's last_used_at is rewritten at most this often, so a script polling the API every few
# seconds does not turn every read into a write (SQLite has one writer: the poller).
TOKEN_TOUCH_INTERVAL = timedelta(minutes=1)

# Checked against when the username does not exist, so a wrong username costs the same time as a
# wrong password and does not reveal which usernames exist.
_DUMMY_HASH = generate_password_hash("not-a-real-password-0000", method="scrypt")


class UserError(ValueError):
    """A refused change to a user; `field` names the form field, `code` the reason (the web shows
    it in Thai or English), the message is the English sentence for the command line."""

    def __init__(self, field: str, code: str, message: str):
        super().__init__(message)
        self.field = field
        self.code = code


def _check_role(role: str) -> None:
    if role not in ROLES:
        raise UserError("role", "bad_role", f"role must be one of {', '.join(ROLES)}, got {role!r}")


def _check_password(password: str) -> None:
    if len(password or "") < MIN_PASSWORD_LENGTH:
        raise UserError(
            "password",
            "short_password",
            f"password must be at least {MIN_PASSWORD_LENGTH} characters",
        )


def _check_display_name(display_name: str) -> str:
    display_name = (display_name or "").strip()
    if len(display_name) > 200:
        raise UserError(
            "display_name", "long_display_name", "display name must be at most 200 characters"
        )
    return display_name


def create_user(
    session, username: str, password: str, role: str = "admin", display_name: str = ""
) -> User:
    username = (username or "").strip()
    if not username:
        raise UserError("username", "empty_username", "username must not be empty")
    if len(username) > 64:
        raise UserError("username", "long_username", "username must be at most 64 characters")
    _check_role(role)
    _check_password(password)
    display_name = _check_display_name(display_name)
    if session.scalar(select(User.id).where(User.username == username)) is not None:
        raise UserError("username", "username_taken", f"user {username!r} already exists")
    now = utcnow()
    user = User(
        username=username,
        display_name=display_name,
        role=role,
        active=True,
        password_hash=generate_password_hash(password, method="scrypt"),
        created_at=now,
        password_changed_at=now,
        session_epoch=0,
    )
    session.add(user)
    session.flush()
    return user


def user_named(session, username: str) -> User | None:
    return session.scalar(select(User).where(User.username == (username or "").strip()))


def all_users(session) -> list[User]:
    return list(session.scalars(select(User).order_by(User.username)))


def admin_change_problem(
    users: list[tuple[int, str, bool]],
    target_id: int,
    *,
    role: str,
    active: bool,
    acting_id: int | None,
) -> UserError | None:
    """Why giving user `target_id` this role and active flag must be refused, or None.

    `users` is (id, role, active) for everyone. Nobody disables themself (they would lock
    themself out mid-task), and the last active admin stays one: without an admin nobody can
    manage users from the browser any more."""
    if acting_id is not None and target_id == acting_id and not active:
        return UserError("active", "disable_self", "you cannot disable your own account")

    def admin_after(uid: int, r: str, a: bool) -> bool:
        return role == "admin" and active if uid == target_id else r == "admin" and a

    admins_after = sum(1 for u in users if admin_after(*u))
    admins_before = sum(1 for _, r, a in users if r == "admin" and a)
    if admins_before and not admins_after:
        return UserError(
            "role" if active else "active",
            "last_admin",
            "this is the last active admin: make another user admin first",
        )
    return None


def _refuse_if_problem(session, user: User, role: str, active: bool, acting_id: int | None) -> None:
    everyone = [(u.id, u.role, u.active) for u in all_users(session)]
    problem = admin_change_problem(everyone, user.id, role=role, active=active, acting_id=acting_id)
    if problem:
        raise problem


def update_user(
    session, user: User, *, display_name: str, role: str, acting_id: int | None = None
) -> None:
    _check_role(role)
    display_name = _check_display_name(display_name)
    _refuse_if_problem(session, user, role, user.active, acting_id)
    user.display_name = display_name
    user.role = role
    session.flush()


def set_active(session, user: User, active: bool, *, acting_id: int | None = None) -> None:
    """Disable or enable; disabling ends every session of the user at once and revokes their
    API tokens for good (enabling the user again does not bring them back)."""
    _refuse_if_problem(session, user, user.role, active, acting_id)
    was_active, user.active = user.active, active
    if was_active and not active:
        sign_out_everywhere(session, user)
    session.flush()


def set_password(session, user: User, password: str, *, own_change: bool = False) -> None:
    """A new password ends every browser session of the user (the caller may keep its own).

    Set by someone else (an admin's page, `ictmon user passwd`) it also revokes every API token
    of the user: a reset means the account is not trusted as it was, and a token made with the
    old password would outlive it. One's own change keeps one's tokens (the scripts using them
    go on); signing out everywhere revokes them."""
    _check_password(password)
    user.password_hash = generate_password_hash(password, method="scrypt")
    user.password_changed_at = utcnow()
    if own_change:
        end_sessions(user)
    else:
        sign_out_everywhere(session, user)
    session.flush()


def password_matches(user: User, password: str) -> bool:
    return check_password_hash(user.password_hash, password or "")


def end_sessions(user: User) -> int:
    """Every browser session signed in under an older epoch is refused from its next request."""
    user.session_epoch = (user.session_epoch or 0) + 1
    return user.session_epoch


def sign_out_everywhere(session, user: User) -> int:
    """End every browser session of the user and revoke every API token of theirs; the number
    of tokens revoked."""
    end_sessions(user)
    now = utcnow()
    revoked = tokens_of(session, user.id)
    for token in revoked:
        token.revoked_at = now  # through the ORM: each revocation is in the audit log
    session.flush()
    return len(revoked)


# A browser session's own sign-out is recorded as this audit event, keyed by the session's random
# id: the cookie is kept by the browser, so the server must remember that the session ended or a
# copy of the cookie would go on working until it expires. The audit log is never pruned, so the
# record outlives every session it ends.
_SIGNED_OUT = ("logout", "session")


def end_browser_session(session, session_id: str, username: str) -> None:
    """Refuse the browser session `session_id` from its next request; the user's other sessions
    and tokens go on."""
    action, object_type = _SIGNED_OUT
    audit.record(session, action, object_type, object_id=session_id, label=username)


def session_user(session, user_id: int, session_id: str) -> tuple[User | None, bool]:
    """The user a browser session names, and whether that session was signed out. One query:
    every page asks it."""
    action, object_type = _SIGNED_OUT
    signed_out = exists().where(
        AuditEvent.object_type == object_type,
        AuditEvent.object_id == session_id,
        AuditEvent.action == action,
    )
    row = session.execute(select(User, signed_out).where(User.id == user_id)).first()
    if row is None:
        return None, False
    return row[0], bool(row[1])


def authenticate(session, username: str, password: str) -> User | None:
    """The active user with this username and password, else None."""
    user = session.scalar(select(User).where(User.username == (username or "").strip()))
    if user is None:
        check_password_hash(_DUMMY_HASH, password or "")
        return None
    if not check_password_hash(user.password_hash, password or ""):
        return None
    return user if user.active else None


def _token_hash(token: str) -> str:
    return hashlib.sha256(token.encode("utf-8")).hexdigest()


def create_token(session, user: User, label: str = "") -> str:
    """Create an API token for `user`; the plain token is returned here and never again."""
    token = secrets.token_urlsafe(32)
    session.add(
        ApiToken(
            user_id=user.id, token_hash=_token_hash(token), label=label or "", created_at=utcnow()
        )
    )
    session.flush()
    return token


def tokens_of(session, user_id: int, *, include_revoked: bool = False) -> list[ApiToken]:
    query = select(ApiToken).where(ApiToken.user_id == user_id)
    if not include_revoked:
        query = query.where(ApiToken.revoked_at.is_(None))
    return list(session.scalars(query.order_by(ApiToken.created_at.desc(), ApiToken.id.desc())))


def revoke_token(session, token_id: int, *, owner_id: int | None = None) -> ApiToken | None:
    """Revoke a token (of `owner_id` only, when given); None when there is no such token.
    The API refuses it from the next request on (user_for_token checks revoked_at)."""
    token = session.get(ApiToken, token_id)
    if token is None or (owner_id is not None and token.user_id != owner_id):
        return None
    if token.revoked_at is None:
        token.revoked_at = utcnow()
        session.flush()
    return token


def user_for_token(session, token: str) -> User | None:
    """The active user owning this (not revoked) token; notes on the token when it was last used,
    for the caller to commit (a write that must not fail the read: monitor.db.engine.bookkeeping)."""
    if not token:
        return None
    row = session.execute(
        select(ApiToken, User)
        .join(User, ApiToken.user_id == User.id)
        .where(ApiToken.token_hash == _token_hash(token), ApiToken.revoked_at.is_(None))
    ).first()
    if row is None:
        return None
    api_token, user = row
    if not user.active:
        return None
    now = utcnow()
    if api_token.last_used_at is None or now - api_token.last_used_at >= TOKEN_TOUCH_INTERVAL:
        api_token.last_used_at = now
    return user
