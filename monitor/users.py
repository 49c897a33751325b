"""People and API tokens: creating them and checking who is asking.

Passwords are kept only as werkzeug scrypt hashes; API tokens only as their SHA-256, so neither a
copy of the database nor its backups hand anyone a working login.
"""
from __future__ import annotations

import hashlib
import secrets
from datetime import timedelta

from sqlalchemy import select
from werkzeug.security import check_password_hash, generate_password_hash

from monitor.localtime import utcnow
from monitor.models import ROLES, ApiToken, User

MIN_PASSWORD_LENGTH = 8
# A token's last_used_at is rewritten at most this often, so a script polling the API every few
# seconds does not turn every read into a write (SQLite has one writer: the poller).
TOKEN_TOUCH_INTERVAL = timedelta(minutes=1)

# Checked against when the username does not exist, so a wrong username costs the same time as a
# wrong password and does not reveal which usernames exist.
_DUMMY_HASH = generate_password_hash("not-a-real-password-0000", method="scrypt")


def create_user(session, username: str, password: str, role: str = "admin",
                display_name: str = "") -> User:
    username = (username or "").strip()
    if not username:
        raise ValueError("username must not be empty")
    if len(username) > 64:
        raise ValueError("username must be at most 64 characters")
    if role not in ROLES:
        raise ValueError(f"role must be one of {', '.join(ROLES)}, got {role!r}")
    if len(password or "") < MIN_PASSWORD_LENGTH:
        raise ValueError(f"password must be at least {MIN_PASSWORD_LENGTH} characters")
    if session.scalar(select(User.id).where(User.username == username)) is not None:
        raise ValueError(f"user {username!r} already exists")
    user = User(username=username, display_name=display_name or "", role=role, active=True,
                password_hash=generate_password_hash(password, method="scrypt"),
                created_at=utcnow())
    session.add(user)
    session.flush()
    return user


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
    session.add(ApiToken(user_id=user.id, token_hash=_token_hash(token), label=label or "",
                         created_at=utcnow()))
    session.flush()
    return token


def user_for_token(session, token: str) -> User | None:
    """The active user owning this (not revoked) token; records when the token was last used."""
    if not token:
        return None
    row = session.execute(
        select(ApiToken, User).join(User, ApiToken.user_id == User.id)
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
        session.flush()
    return user
