"""Curators' accounts and API tokens, kept in the store beside the clinics.

Passwords are hashed with argon2 (argon2-cffi); an API token is a random string shown once
and stored only as its sha256, so a copy of the store (or a backup) gives no way in. Repeated
wrong passwords lock an account for a while, counted in the store so that every worker of
the app sees the same count.
"""

from __future__ import annotations

import hashlib
import re
import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Literal, get_args

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError
from pydantic import BaseModel, ConfigDict

from katdir.model import utcnow
from katdir.store import ConflictError, Store

Role = Literal["curator", "admin"]
ROLES: tuple[str, ...] = get_args(Role)
MIN_PASSWORD = 10
MAX_PASSWORD = 1024  # argon2 hashes anything, but an unbounded body is work for nothing
LOCK_AFTER = 5  # wrong passwords in a row
LOCK_FOR = timedelta(minutes=15)
TOKEN_PREFIX = "katdir_"
_EMAIL = re.compile(r"^[^@\s]{1,64}@[^@\s]{1,190}\.[^@\s.]{2,63}$")

_hasher = PasswordHasher()
# Verified against when the account does not exist, so a wrong email costs the same time.
_DUMMY_HASH = _hasher.hash(secrets.token_hex(16))


class AccountError(ValueError):
    """Bad input or a refused change (which field, what is accepted)."""


class Account(BaseModel):
    model_config = ConfigDict(extra="forbid")

    email: str
    role: Role
    password_hash: str
    disabled: bool = False
    created_at: datetime
    failed_logins: int = 0
    locked_until: datetime | None = None

    def public(self) -> dict:
        """What `users list` and the API may show: never the hash."""
        return {
            "email": self.email,
            "role": self.role,
            "disabled": self.disabled,
            "created_at": self.created_at.isoformat(),
        }


@dataclass(frozen=True)
class Principal:
    """Who makes a request: an enabled account, by email and role."""

    email: str
    role: str

    @property
    def is_admin(self) -> bool:
        return self.role == "admin"


def normalize_email(email: str) -> str:
    value = (email or "").strip().lower()
    if not _EMAIL.match(value):
        raise AccountError(f"email {email!r} is not an email address (name@domain.tld)")
    return value


def check_password_rules(password: str) -> None:
    if not MIN_PASSWORD <= len(password) <= MAX_PASSWORD:
        raise AccountError(f"password: between {MIN_PASSWORD} and {MAX_PASSWORD} characters")


def _load(store: Store, email: str) -> tuple[Account, int] | None:
    record = store.get_record("account", email)
    return (Account.model_validate(record.doc), record.version) if record else None


def get_account(store: Store, email: str) -> Account | None:
    try:
        found = _load(store, normalize_email(email))
    except AccountError:
        return None
    return found[0] if found else None


def add_account(store: Store, email: str, role: str, password: str) -> Account:
    email = normalize_email(email)
    if role not in ROLES:
        raise AccountError(f"role {role!r}: use one of {', '.join(ROLES)}")
    check_password_rules(password)
    account = Account(
        email=email, role=role, password_hash=_hasher.hash(password), created_at=utcnow()
    )
    try:
        store.put_record("account", email, account.model_dump(mode="json"), 0)
    except ConflictError:
        raise AccountError(f"an account {email} exists already") from None
    return account


def list_accounts(store: Store) -> list[Account]:
    return [Account.model_validate(r.doc) for r in store.iter_records("account")]


def _update(store: Store, email: str, change) -> Account:
    """Read, change and write an account, once more if someone wrote it in between."""
    for _ in range(3):
        found = _load(store, email)
        if found is None:
            raise AccountError(f"no account {email}")
        account, version = found
        change(account)
        try:
            store.put_record("account", email, account.model_dump(mode="json"), version)
            return account
        except ConflictError:
            continue
    raise AccountError(f"the account {email} is being changed by someone else; try again")


def disable_account(store: Store, email: str) -> Account:
    return _update(store, normalize_email(email), lambda a: setattr(a, "disabled", True))


def set_password(store: Store, email: str, password: str) -> Account:
    check_password_rules(password)
    hashed = _hasher.hash(password)

    def change(a: Account) -> None:
        a.password_hash, a.failed_logins, a.locked_until = hashed, 0, None

    return _update(store, normalize_email(email), change)


def token_key(token: str) -> str:
    return hashlib.sha256(token.encode("utf-8")).hexdigest()


def create_token(store: Store, email: str) -> str:
    """A new API token for an enabled account; only its hash is kept."""
    account = get_account(store, email)
    if account is None:
        raise AccountError(f"no account {email}")
    if account.disabled:
        raise AccountError(f"the account {account.email} is disabled")
    token = TOKEN_PREFIX + secrets.token_urlsafe(32)
    store.put_record(
        "token", token_key(token), {"email": account.email, "created_at": utcnow().isoformat()}, 0
    )
    return token


def principal_for_token(store: Store, token: str) -> Principal | None:
    """The enabled account a token belongs to, or None (unknown token, disabled account)."""
    if not token or len(token) > 200:
        return None
    record = store.get_record("token", token_key(token))
    if record is None:
        return None
    account = get_account(store, record.doc.get("email", ""))
    if account is None or account.disabled:
        return None
    return Principal(account.email, account.role)


class LoginRefused(Exception):
    """Wrong email or password, a disabled account, or one locked after too many failures."""


def log_in(store: Store, email: str, password: str, now: datetime | None = None) -> Principal:
    """Check a password; counts failures and locks the account after LOCK_AFTER of them."""
    now = now or utcnow()
    try:
        email = normalize_email(email)
    except AccountError:
        email = ""
    found = _load(store, email) if email else None
    if found is None or len(password) > MAX_PASSWORD:
        _verify(_DUMMY_HASH, password[:MAX_PASSWORD])
        raise LoginRefused("wrong email or password")
    account = found[0]
    if account.locked_until and account.locked_until > now:
        raise LoginRefused("too many failed attempts: this account is locked for a while")
    if not _verify(account.password_hash, password):

        def fail(a: Account) -> None:
            a.failed_logins += 1
            if a.failed_logins >= LOCK_AFTER:
                a.locked_until, a.failed_logins = now + LOCK_FOR, 0

        _update(store, email, fail)
        raise LoginRefused("wrong email or password")
    if account.disabled:
        raise LoginRefused("this account is disabled")
    if account.failed_logins or account.locked_until:

        def reset(a: Account) -> None:
            a.failed_logins, a.locked_until = 0, None

        _update(store, email, reset)
    return Principal(account.email, account.role)


def _verify(password_hash: str, password: str) -> bool:
    try:
        return _hasher.verify(password_hash, password)
    except (VerificationError, InvalidHashError):
        return False
