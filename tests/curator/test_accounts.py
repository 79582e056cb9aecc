"""Accounts: argon2 hashes, tokens kept only as their sha256, disabling, and the lock."""

from __future__ import annotations

from datetime import timedelta

import pytest

from katdir.curator.accounts import (
    LOCK_AFTER,
    AccountError,
    LoginRefused,
    add_account,
    create_token,
    disable_account,
    log_in,
    principal_for_token,
    token_key,
)
from katdir.model import utcnow
from katdir.store import open_store

PASSWORD = "a long enough password"


@pytest.fixture
def store(sqlite_url):
    with open_store(sqlite_url) as store:
        yield store


def test_passwords_and_tokens_are_stored_hashed(store):
    add_account(store, "Ana@Example.org ", "curator", PASSWORD)
    stored = store.get_record("account", "ana@example.org").doc
    assert stored["password_hash"].startswith("$argon2id$") and PASSWORD not in str(stored)
    token = create_token(store, "ana@example.org")
    assert store.get_record("token", token) is None
    assert store.get_record("token", token_key(token)).doc["email"] == "ana@example.org"
    assert principal_for_token(store, token).role == "curator"
    assert principal_for_token(store, token + "x") is None
    disable_account(store, "ana@example.org")
    assert principal_for_token(store, token) is None
    with pytest.raises(AccountError, match="disabled"):
        create_token(store, "ana@example.org")


@pytest.mark.parametrize(
    ("email", "role", "password", "field"),
    [
        ("not-an-email", "curator", PASSWORD, "email"),
        ("a@example.org", "owner", PASSWORD, "role"),
        ("a@example.org", "curator", "short", "password"),
    ],
)
def test_bad_accounts_are_refused_with_the_field(store, email, role, password, field):
    with pytest.raises(AccountError, match=field):
        add_account(store, email, role, password)
    assert list(store.iter_records("account")) == []


def test_duplicate_account_is_refused(store):
    add_account(store, "a@example.org", "admin", PASSWORD)
    with pytest.raises(AccountError, match="exists"):
        add_account(store, "A@example.org", "curator", PASSWORD)


def test_wrong_passwords_lock_the_account_for_a_while(store):
    add_account(store, "a@example.org", "curator", PASSWORD)
    now = utcnow()
    for _ in range(LOCK_AFTER):
        with pytest.raises(LoginRefused, match="wrong"):
            log_in(store, "a@example.org", "nope nope nope", now=now)
    with pytest.raises(LoginRefused, match="locked"):
        log_in(store, "a@example.org", PASSWORD, now=now)
    assert log_in(store, "a@example.org", PASSWORD, now=now + timedelta(hours=1)).role == "curator"
    with pytest.raises(LoginRefused):
        log_in(store, "nobody@example.org", PASSWORD)
