"""Accounts: argon2 hashes, roles, login throttling, sessions, and the `user` commands."""

from __future__ import annotations

import time

import pytest
from argon2 import PasswordHasher
from typer.testing import CliRunner

from synthtrace import accounts
from synthtrace.accounts import (
    AccountError,
    LoginRefused,
    LoginThrottled,
    Permission,
    Role,
    ViewSettings,
    add_user,
    authenticate,
    can,
    find_user,
    session_for,
    set_disabled,
    set_password,
    set_role,
    start_session,
    update_settings,
)
from synthtrace.case import Case
from synthtrace.cli import app
from tests.web.conftest import PRODUCTION_HASHER
from tests.web.seed import PASSWORD


def actions(case: Case) -> list[str]:
    return [e["action"] for e in case.audit.entries()]


def test_production_hasher_is_argon2id_with_rfc_parameters() -> None:
    # The fixture makes tests cheap; the module's own hasher must be the strong default.
    stored = PRODUCTION_HASHER.hash("x" * 12)
    assert stored.startswith("$argon2id$")
    assert "m=65536,t=3,p=4" in stored


def test_add_user_stores_a_hash_and_audits(case: Case) -> None:
    add_user(case, "ana", PASSWORD, "reviewer", by="root")
    user = find_user(case, "ana")
    assert user is not None and user.role == "reviewer"
    assert user.password_hash.startswith("$argon2") and PASSWORD not in user.password_hash
    entry = case.audit.entries()[-1]
    assert entry["action"] == "user.add" and entry["user"] == "root"
    assert entry["details"] == {"name": "ana", "role": "reviewer"}


@pytest.mark.parametrize(
    ("name", "password", "role", "why"),
    [
        ("ana", "short", "reviewer", "at least 12"),
        ("ana", PASSWORD, "boss", "unknown role"),
        ("", PASSWORD, "reviewer", "user name"),
        ("a b", PASSWORD, "reviewer", "user name"),
        ("-x", PASSWORD, "reviewer", "user name"),
        ("ANA", PASSWORD, "reviewer", "already exists"),
    ],
)
def test_add_user_refusals(case: Case, name: str, password: str, role: str, why: str) -> None:
    add_user(case, "ana", PASSWORD, "reviewer", by="root")
    with pytest.raises(AccountError, match=why):
        add_user(case, name, password, role, by="root")


def test_rights_grow_with_the_role() -> None:
    assert can("reviewer", Permission.REVIEW)
    assert not can("reviewer", Permission.EXPORT)
    assert not can("reviewer", Permission.HASHSETS)
    assert can("investigator", Permission.EXPORT) and can("investigator", Permission.HASHSETS)
    assert not can("investigator", Permission.USERS)
    assert not can("investigator", Permission.AUDIT)
    assert all(can("admin", p) for p in Permission)
    assert not can("nobody", Permission.REVIEW)


def test_login_success_and_failures_are_audited(case: Case) -> None:
    add_user(case, "ana", PASSWORD, "reviewer", by="root")
    user = authenticate(case, "ana", PASSWORD, "10.0.0.1")
    assert user.name == "ana" and user.last_login
    with pytest.raises(LoginRefused):
        authenticate(case, "ana", "wrong password!!", "10.0.0.1")
    with pytest.raises(LoginRefused):
        authenticate(case, "nobody", PASSWORD, "10.0.0.1")
    entries = case.audit.entries()
    assert [e["action"] for e in entries[-3:]] == ["login", "login.failed", "login.failed"]
    assert entries[-3]["user"] == "ana"
    assert entries[-2]["user"] == "anonymous"
    assert entries[-2]["details"]["name"] == "ana"
    assert entries[-2]["details"]["reason"] == "wrong password"
    assert entries[-1]["details"]["reason"] == "unknown user"
    assert entries[-1]["details"]["client"] == "10.0.0.1"


def test_disabled_users_cannot_log_in_and_lose_their_sessions(case: Case) -> None:
    add_user(case, "admin", PASSWORD, "admin", by="root")
    ana = add_user(case, "ana", PASSWORD, "reviewer", by="root")
    token, _ = start_session(case, ana, None)
    assert session_for(case, token) is not None
    set_disabled(case, ana.id, True, by="admin")
    assert session_for(case, token) is None
    with pytest.raises(LoginRefused):
        authenticate(case, "ana", PASSWORD, None)
    set_disabled(case, ana.id, False, by="admin")
    assert authenticate(case, "ana", PASSWORD, None).name == "ana"
    assert {"user.disable", "user.enable"} <= set(actions(case))


def test_throttling_locks_a_name_after_repeated_failures(
    case: Case, monkeypatch: pytest.MonkeyPatch
) -> None:
    add_user(case, "ana", PASSWORD, "reviewer", by="root")
    clock = [1_000_000.0]
    monkeypatch.setattr(accounts.time, "time", lambda: clock[0])
    for _ in range(accounts.NAME_FAILURES):
        with pytest.raises(LoginRefused):
            authenticate(case, "ana", "wrong password!!", "10.0.0.1")
    # Locked now: even the right password is refused, without being checked.
    with pytest.raises(LoginThrottled) as locked:
        authenticate(case, "ana", PASSWORD, "10.0.0.2")
    assert locked.value.retry_after == accounts.FIRST_LOCK
    assert actions(case)[-1] == "login.throttled"
    # Another name is not locked by this one's failures.
    add_user(case, "bob", PASSWORD, "reviewer", by="root")
    assert authenticate(case, "bob", PASSWORD, "10.0.0.2").name == "bob"
    clock[0] += accounts.FIRST_LOCK + 1
    assert authenticate(case, "ana", PASSWORD, "10.0.0.2").name == "ana"
    # Success cleared the count: one more failure does not lock again.
    with pytest.raises(LoginRefused):
        authenticate(case, "ana", "wrong password!!", "10.0.0.2")
    assert authenticate(case, "ana", PASSWORD, "10.0.0.2").name == "ana"


def test_lock_doubles_with_further_failures(case: Case, monkeypatch: pytest.MonkeyPatch) -> None:
    clock = [2_000_000.0]
    monkeypatch.setattr(accounts.time, "time", lambda: clock[0])
    waits = []
    for _ in range(3):
        for _ in range(accounts.NAME_FAILURES if not waits else 1):
            with pytest.raises(LoginRefused):
                authenticate(case, "ghost", "wrong password!!", None)
        with pytest.raises(LoginThrottled) as locked:
            authenticate(case, "ghost", "wrong password!!", None)
        waits.append(locked.value.retry_after)
        clock[0] += locked.value.retry_after + 1
    assert waits == [30, 60, 120]


def test_one_client_is_throttled_across_names(case: Case, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(accounts.time, "time", lambda: 3_000_000.0)
    for i in range(accounts.CLIENT_FAILURES):
        with pytest.raises(LoginRefused):
            authenticate(case, f"guess{i}", "wrong password!!", "192.0.2.7")
    with pytest.raises(LoginThrottled):
        authenticate(case, "someone-else", "wrong password!!", "192.0.2.7")


def test_sessions_expire_when_idle_and_at_their_end(
    case: Case, monkeypatch: pytest.MonkeyPatch
) -> None:
    ana = add_user(case, "ana", PASSWORD, "reviewer", by="root")
    clock = [5_000_000.0]
    monkeypatch.setattr(accounts.time, "time", lambda: clock[0])
    token, csrf = start_session(case, ana, "127.0.0.1")
    info = session_for(case, token)
    assert info is not None and info.csrf == csrf and info.user.name == "ana"
    assert session_for(case, token + "x") is None
    assert session_for(case, "") is None
    # Activity keeps it alive...
    for _ in range(5):
        clock[0] += accounts.IDLE_MINUTES * 60 - 30
        assert session_for(case, token) is not None
    # ...idleness ends it.
    clock[0] += accounts.IDLE_MINUTES * 60 + 1
    assert session_for(case, token) is None
    token, _ = start_session(case, ana, None)
    clock[0] += accounts.SESSION_HOURS * 3600 + 1
    assert session_for(case, token) is None


def test_password_change_checks_the_current_one_and_ends_sessions(case: Case) -> None:
    ana = add_user(case, "ana", PASSWORD, "reviewer", by="root")
    token, _ = start_session(case, ana, None)
    with pytest.raises(AccountError, match="current password"):
        set_password(case, ana.id, "another long passphrase", by="ana", current="nope")
    set_password(case, ana.id, "another long passphrase", by="ana", current=PASSWORD)
    assert session_for(case, token) is None
    assert authenticate(case, "ana", "another long passphrase", None).name == "ana"
    assert "user.password" in actions(case)


def test_the_last_admin_stays(case: Case) -> None:
    root = add_user(case, "root", PASSWORD, "admin", by="cli")
    with pytest.raises(AccountError, match="last active admin"):
        set_role(case, root.id, "reviewer", by="root")
    with pytest.raises(AccountError, match="last active admin"):
        set_disabled(case, root.id, True, by="root")
    other = add_user(case, "second", PASSWORD, "admin", by="root")
    set_role(case, root.id, "reviewer", by="second")
    assert find_user(case, "root").role == "reviewer"  # type: ignore[union-attr]
    with pytest.raises(AccountError, match="last active admin"):
        set_disabled(case, other.id, True, by="second")
    entry = case.audit.entries()[-1]
    assert entry["action"] == "user.role" and entry["details"] == {
        "name": "root",
        "old": "admin",
        "new": "reviewer",
    }


def test_view_settings_are_bounded_and_audited(case: Case) -> None:
    ana = add_user(case, "ana", PASSWORD, "reviewer", by="root")
    assert (ana.blur, ana.greyscale, ana.reveal_seconds) == (4, True, 5)
    update_settings(case, ana.id, ViewSettings(blur=2, greyscale=False, reveal_seconds=10))
    again = find_user(case, "ana")
    assert again is not None and (again.blur, again.greyscale, again.reveal_seconds) == (
        2,
        False,
        10,
    )
    with pytest.raises(AccountError, match="blur"):
        update_settings(case, ana.id, ViewSettings(blur=0, greyscale=True, reveal_seconds=5))
    with pytest.raises(AccountError, match="reveal"):
        update_settings(case, ana.id, ViewSettings(blur=3, greyscale=True, reveal_seconds=600))
    assert case.audit.entries()[-1]["action"] == "user.settings"


def test_wrong_names_cost_a_hash_check_too(case: Case, monkeypatch: pytest.MonkeyPatch) -> None:
    calls: list[str] = []
    real = accounts.HASHER

    class Counting(PasswordHasher):
        def verify(self, hash: str | bytes, password: str | bytes) -> bool:
            calls.append("verify")
            return real.verify(hash, password)

    monkeypatch.setattr(accounts, "HASHER", Counting(time_cost=1, memory_cost=1024, parallelism=1))
    accounts._dummy_hash.cache_clear()
    with pytest.raises(LoginRefused):
        authenticate(case, "nobody", PASSWORD, None)
    assert calls == ["verify"]


# --- the `user` commands --------------------------------------------------------------------------


def test_user_add_reads_the_password_from_stdin(case: Case) -> None:
    runner = CliRunner()
    result = runner.invoke(
        app, ["user", "add", str(case.root), "ivy", "--role", "investigator"], input=PASSWORD + "\n"
    )
    assert result.exit_code == 0, result.output
    assert "ivy" in result.output
    assert authenticate(case, "ivy", PASSWORD, None).role == Role.INVESTIGATOR
    listed = runner.invoke(app, ["user", "list", str(case.root)])
    assert listed.exit_code == 0 and "ivy" in listed.output and "investigator" in listed.output


def test_user_add_refuses_short_passwords_and_bad_roles(case: Case) -> None:
    runner = CliRunner()
    short = runner.invoke(app, ["user", "add", str(case.root), "ivy"], input="short\n")
    assert short.exit_code == 2 and "at least 12" in short.output
    role = runner.invoke(
        app, ["user", "add", str(case.root), "ivy", "--role", "boss"], input=PASSWORD
    )
    assert role.exit_code != 0
    assert find_user(case, "ivy") is None


def test_user_passwd(case: Case) -> None:
    add_user(case, "ana", PASSWORD, "reviewer", by="root")
    runner = CliRunner()
    result = runner.invoke(
        app, ["user", "passwd", str(case.root), "ana"], input="new long passphrase\n"
    )
    assert result.exit_code == 0, result.output
    assert authenticate(case, "ana", "new long passphrase", None).name == "ana"
    missing = runner.invoke(app, ["user", "passwd", str(case.root), "zed"], input="x" * 20)
    assert missing.exit_code == 2


def test_login_times_are_recorded(case: Case) -> None:
    add_user(case, "ana", PASSWORD, "reviewer", by="root")
    before = time.time()
    authenticate(case, "ana", PASSWORD, None)
    user = find_user(case, "ana")
    assert user is not None and user.last_login is not None
    assert user.last_login[:4] == time.strftime("%Y", time.gmtime(before))
