"""People who use the review app: accounts, roles, passwords, web sessions and login throttling.

Passwords are stored as argon2id hashes (argon2-cffi, RFC 9106 parameters). A web session is a
random token in an HttpOnly cookie; the database keeps only its SHA-256 and the session's CSRF
token. Failed logins are counted per account name and per client address; after a few in a row
the key is locked for a time that doubles with each further failure. Logins (also failed and
throttled ones), logouts and every change to an account are written to the case's audit log.
"""

from __future__ import annotations

import hashlib
import hmac
import re
import secrets
import time
from dataclasses import dataclass
from enum import StrEnum
from functools import cache

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError, VerifyMismatchError
from sqlalchemy import delete, func, select
from sqlalchemy.orm import Session

from synthtrace.case import Case
from synthtrace.store.db import transaction
from synthtrace.store.models import LoginThrottle, User, WebSession
from synthtrace.timefmt import now_utc


class Role(StrEnum):
    REVIEWER = "reviewer"
    INVESTIGATOR = "investigator"
    ADMIN = "admin"


class Permission(StrEnum):
    REVIEW = "review"  # see the queue, reveal, categorise, undo
    EXPORT = "export"
    HASHSETS = "hashsets"
    USERS = "users"
    AUDIT = "audit"


# Each role has the rights of the one before it, and more.
RIGHTS: dict[Role, frozenset[Permission]] = {
    Role.REVIEWER: frozenset({Permission.REVIEW}),
    Role.INVESTIGATOR: frozenset({Permission.REVIEW, Permission.EXPORT, Permission.HASHSETS}),
    Role.ADMIN: frozenset(Permission),
}

MIN_PASSWORD = 12
MAX_PASSWORD = 1024  # argon2 copes with more, but nobody types it, and it bounds the work
NAME_PATTERN = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._@-]{0,63}$")
SESSION_HOURS = 12  # a session ends after this however active it is...
IDLE_MINUTES = 60  # ...or after this long without a request
IDLE_REFRESH = 60  # seconds between idle-timer writes (not one write per request)
# Throttling: after this many failures in a row the key is locked, 30 s at first, doubling with
# each further failure, never more than 15 minutes. All users behind one proxy share an address,
# so the address limit is higher than the per-name one.
NAME_FAILURES = 5
CLIENT_FAILURES = 20
FIRST_LOCK = 30
MAX_LOCK = 15 * 60
BLUR_LEVELS = range(1, 6)
REVEAL_SECONDS = range(2, 31)

HASHER = PasswordHasher()


@cache
def _dummy_hash() -> str:
    """Verified against when the name is unknown, so a wrong name costs the same time as a wrong
    password and response times do not tell which names exist."""
    return HASHER.hash(secrets.token_hex(16))


class AccountError(ValueError):
    """A request about an account that cannot be done as asked (the message says why)."""


class LoginRefused(Exception):
    """Wrong name or password, or the account is disabled (the message never says which)."""


class LoginThrottled(Exception):
    def __init__(self, retry_after: int) -> None:
        super().__init__(f"too many failed logins; try again in {retry_after} s")
        self.retry_after = retry_after


def can(role: str, permission: Permission) -> bool:
    try:
        return permission in RIGHTS[Role(role)]
    except ValueError:
        return False


def check_password(password: str) -> None:
    if len(password) < MIN_PASSWORD:
        raise AccountError(f"the password must have at least {MIN_PASSWORD} characters")
    if len(password) > MAX_PASSWORD:
        raise AccountError(f"the password must have at most {MAX_PASSWORD} characters")


def _role(role: str) -> Role:
    try:
        return Role(role)
    except ValueError:
        raise AccountError(
            f"unknown role {role!r}; choose admin, investigator or reviewer"
        ) from None


def _get(s: Session, user_id: int) -> User:
    user = s.get(User, user_id)
    if user is None:
        raise AccountError(f"no user with id {user_id}")
    return user


def find_user(case: Case, name: str) -> User | None:
    with case.sessions() as s:
        return s.scalars(select(User).where(User.name == name)).first()


def list_users(case: Case) -> list[User]:
    with case.sessions() as s:
        return list(s.scalars(select(User).order_by(User.name)))


def get_user(case: Case, user_id: int) -> User:
    with case.sessions() as s:
        return _get(s, user_id)


def add_user(case: Case, name: str, password: str, role: str, by: str) -> User:
    """Create an account; `by` is who created it (the web admin, or the CLI's system user)."""
    if not NAME_PATTERN.match(name):
        raise AccountError(
            "a user name is 1 to 64 letters, digits, dots, dashes, underscores or @, "
            "starting with a letter or digit"
        )
    checked = _role(role)
    check_password(password)
    with transaction(case.sessions) as s:
        clash = s.scalars(select(User).where(func.lower(User.name) == name.lower())).first()
        if clash is not None:
            raise AccountError(f"a user named {clash.name!r} already exists")
        user = User(
            name=name,
            password_hash=HASHER.hash(password),
            role=checked.value,
            disabled=False,
            created_at=now_utc(),
            created_by=by,
            blur=4,
            greyscale=True,
            reveal_seconds=5,
        )
        s.add(user)
    case.audit.append("user.add", user=by, name=name, role=checked.value)
    return user


def _active_admins(s: Session) -> int:
    return int(
        s.execute(
            select(func.count(User.id)).where(
                User.role == Role.ADMIN.value, User.disabled.is_(False)
            )
        ).scalar_one()
    )


def set_role(case: Case, user_id: int, role: str, by: str) -> User:
    checked = _role(role)
    with transaction(case.sessions) as s:
        user = _get(s, user_id)
        old = user.role
        demoted = old == Role.ADMIN and checked != Role.ADMIN and not user.disabled
        if demoted and _active_admins(s) <= 1:
            raise AccountError("the last active admin cannot lose the admin role")
        user.role = checked.value
    case.audit.append("user.role", user=by, name=user.name, old=old, new=checked.value)
    return user


def set_disabled(case: Case, user_id: int, disabled: bool, by: str) -> User:
    """Disable (or enable again) an account; a disabled account's sessions end at once."""
    with transaction(case.sessions) as s:
        user = _get(s, user_id)
        if disabled and user.role == Role.ADMIN and not user.disabled and _active_admins(s) <= 1:
            raise AccountError("the last active admin cannot be disabled")
        user.disabled = disabled
        if disabled:
            s.execute(delete(WebSession).where(WebSession.user_id == user.id))
    case.audit.append("user.disable" if disabled else "user.enable", user=by, name=user.name)
    return user


def set_password(
    case: Case, user_id: int, password: str, by: str, current: str | None = None
) -> None:
    """Change a password. A user changing their own gives `current`; an admin resetting another
    person's does not. Every other session of that user ends."""
    check_password(password)
    with transaction(case.sessions) as s:
        user = _get(s, user_id)
        if current is not None and not _verify(user.password_hash, current):
            raise AccountError("the current password is not right")
        user.password_hash = HASHER.hash(password)
        s.execute(delete(WebSession).where(WebSession.user_id == user.id))
    case.audit.append("user.password", user=by, name=user.name)


@dataclass(frozen=True)
class ViewSettings:
    blur: int
    greyscale: bool
    reveal_seconds: int


def update_settings(case: Case, user_id: int, settings: ViewSettings) -> User:
    if settings.blur not in BLUR_LEVELS:
        raise AccountError(f"blur level must be {BLUR_LEVELS.start} to {BLUR_LEVELS.stop - 1}")
    if settings.reveal_seconds not in REVEAL_SECONDS:
        raise AccountError(
            f"reveal time must be {REVEAL_SECONDS.start} to {REVEAL_SECONDS.stop - 1} seconds"
        )
    with transaction(case.sessions) as s:
        user = _get(s, user_id)
        user.blur, user.greyscale = settings.blur, settings.greyscale
        user.reveal_seconds = settings.reveal_seconds
    case.audit.append(
        "user.settings",
        user=user.name,
        blur=settings.blur,
        greyscale=settings.greyscale,
        reveal_seconds=settings.reveal_seconds,
    )
    return user


def _verify(stored: str, password: str) -> bool:
    try:
        return HASHER.verify(stored, password)
    except (VerifyMismatchError, VerificationError, InvalidHashError):
        return False


# --- login throttling -------------------------------------------------------------------------


def _keys(name: str, client: str | None) -> list[tuple[str, int]]:
    keys = [(f"name:{name.lower()[:200]}", NAME_FAILURES)]
    if client:
        keys.append((f"client:{client[:200]}", CLIENT_FAILURES))
    return keys


def _locked_for(s: Session, keys: list[tuple[str, int]], now: int) -> int:
    wait = 0
    for key, _ in keys:
        row = s.get(LoginThrottle, key)
        if row is not None and row.locked_until > now:
            wait = max(wait, row.locked_until - now)
    return wait


def _record_failure(s: Session, keys: list[tuple[str, int]], now: int) -> None:
    for key, allowed in keys:
        row = s.get(LoginThrottle, key)
        if row is None:
            row = LoginThrottle(key=key, failures=0, locked_until=0)
            s.add(row)
        row.failures += 1
        if row.failures >= allowed:
            lock = min(MAX_LOCK, FIRST_LOCK * 2 ** min(row.failures - allowed, 10))
            row.locked_until = now + lock


def _clear_failures(s: Session, keys: list[tuple[str, int]]) -> None:
    s.execute(delete(LoginThrottle).where(LoginThrottle.key.in_([k for k, _ in keys])))


def authenticate(case: Case, name: str, password: str, client: str | None) -> User:
    """Check a login; raises LoginThrottled or LoginRefused. Every outcome is audited."""
    now = int(time.time())
    keys = _keys(name, client)
    with case.sessions() as s:
        wait = _locked_for(s, keys, now)
    if wait:
        case.audit.append(
            "login.throttled", user="anonymous", name=name[:200], client=client, retry_after=wait
        )
        raise LoginThrottled(wait)
    with case.sessions() as s:
        user = s.scalars(select(User).where(User.name == name)).first()
    ok = _verify(user.password_hash if user else _dummy_hash(), password[:MAX_PASSWORD])
    if user is None or not ok or user.disabled:
        reason = "unknown user" if user is None else "disabled" if ok else "wrong password"
        with transaction(case.sessions) as s:
            _record_failure(s, keys, now)
        case.audit.append(
            "login.failed", user="anonymous", name=name[:200], client=client, reason=reason
        )
        raise LoginRefused("wrong name or password, or the account is disabled")
    with transaction(case.sessions) as s:
        _clear_failures(s, keys)
        fresh = _get(s, user.id)
        fresh.last_login = now_utc()
        if HASHER.check_needs_rehash(fresh.password_hash):
            fresh.password_hash = HASHER.hash(password)
        user = fresh
    case.audit.append("login", user=user.name, client=client)
    return user


# --- web sessions -----------------------------------------------------------------------------


def _token_id(token: str) -> str:
    return hashlib.sha256(token.encode("utf-8", errors="surrogateescape")).hexdigest()


@dataclass(frozen=True)
class SessionInfo:
    user: User
    csrf: str


def start_session(case: Case, user: User, client: str | None) -> tuple[str, str]:
    """Open a session for a user who just logged in; returns (cookie token, CSRF token)."""
    token, csrf = secrets.token_urlsafe(32), secrets.token_urlsafe(32)
    now = int(time.time())
    with transaction(case.sessions) as s:
        # Expired sessions are swept here, at each login, rather than by a timer.
        s.execute(
            delete(WebSession).where((WebSession.expires < now) | (WebSession.idle_until < now))
        )
        s.add(
            WebSession(
                id=_token_id(token),
                user_id=user.id,
                csrf=csrf,
                created_at=now_utc(),
                client=(client or "")[:200] or None,
                expires=now + SESSION_HOURS * 3600,
                idle_until=now + IDLE_MINUTES * 60,
            )
        )
    return token, csrf


def session_for(case: Case, token: str) -> SessionInfo | None:
    """The live session behind a cookie, or None (unknown, expired, idle or disabled user)."""
    if not token or len(token) > 200:
        return None
    now = int(time.time())
    sid = _token_id(token)
    with case.sessions() as s:
        row = s.execute(
            select(WebSession, User)
            .join(User, WebSession.user_id == User.id)
            .where(WebSession.id == sid)
        ).first()
    if row is None:
        return None
    ws, user = row
    if ws.expires < now or ws.idle_until < now or user.disabled:
        end_session(case, token, user=None)
        return None
    if ws.idle_until - now < IDLE_MINUTES * 60 - IDLE_REFRESH:
        with transaction(case.sessions) as s:
            live = s.get(WebSession, sid)
            if live is not None:
                live.idle_until = now + IDLE_MINUTES * 60
    return SessionInfo(user=user, csrf=ws.csrf)


def end_session(case: Case, token: str, user: str | None) -> None:
    """Log out (audited when `user` is given; expiry sweeps are not)."""
    with transaction(case.sessions) as s:
        s.execute(delete(WebSession).where(WebSession.id == _token_id(token)))
    if user is not None:
        case.audit.append("logout", user=user)


def same_token(a: str, b: str) -> bool:
    return hmac.compare_digest(a.encode(), b.encode())
