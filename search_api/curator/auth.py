"""Who is asking: a Bearer token for the API, a session for the pages; and the role rules.

Both curators and admins decide on clinics, handle requests and add sources; the whole
audit trail (every curator's decisions, exportable) is the admins'.
"""

from __future__ import annotations

from flask import g, request, session

from katdir.curator.accounts import Principal, get_account, principal_for_token
from search_api import resources
from search_api.errors import APIError

RANKS = {"curator": 1, "admin": 2}


def _unauthorized(message: str) -> APIError:
    return APIError(401, "unauthorized", message)  # the blueprint adds WWW-Authenticate


def api_principal(role: str = "curator") -> Principal:
    """The account behind the request's Bearer token, with at least `role`; else 401/403."""
    header = request.headers.get("Authorization", "")
    scheme, _, token = header.partition(" ")
    if scheme.lower() != "bearer" or not token.strip():
        raise _unauthorized(
            "send an API token: Authorization: Bearer <token> "
            "(`katdir tokens create EMAIL` makes one)"
        )
    principal = principal_for_token(resources.store(), token.strip())
    if principal is None:
        raise _unauthorized("the token is not valid (unknown, revoked, or its account is disabled)")
    return _with_role(principal, role)


def _with_role(principal: Principal, role: str) -> Principal:
    if RANKS[principal.role] < RANKS[role]:
        raise APIError(
            403, "forbidden", f"this needs the {role} role; {principal.email} is a {principal.role}"
        )
    g.principal = principal
    return principal


def session_principal() -> Principal | None:
    """The curator logged in on this browser session, if the account is still enabled."""
    email = session.get("curator")
    if not email:
        return None
    account = get_account(resources.store(), email)
    if account is None or account.disabled:
        session.clear()
        return None
    return Principal(account.email, account.role)
