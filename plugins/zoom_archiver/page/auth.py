"""The archive page behind Airflow's own login and permissions (whatever auth manager the deployment uses).

The UI keeps the user's JWT in the cookie ``_token`` (a script may send it as ``Authorization: Bearer``); the page
asks Airflow's auth manager who that is and whether they may read (or, to release files, trigger) runs of the
archive DAG. No token, or an expired or invalid one: a browser is sent to Airflow's login page and comes back to
the page afterwards. A form post must come from the page's own origin (a cross-site form cannot release files).
"""

from __future__ import annotations

from typing import Any, Literal
from urllib.parse import urlsplit

from fastapi import HTTPException, Request

from zoom_archiver.names import ARCHIVE_DAG_ID

#: The UI's cookie holding the JWT (``airflow.api_fastapi.auth.managers.base_auth_manager.COOKIE_NAME_JWT_TOKEN``).
TOKEN_COOKIE = "_token"  # noqa: S105 - a cookie name, not a secret


class LoginRequired(Exception):
    """No valid Airflow login on the request: answered by a redirect to the login page."""


def request_token(request: Request) -> str | None:
    header = request.headers.get("authorization", "")
    if header.lower().startswith("bearer "):
        return header[7:].strip() or None
    return request.cookies.get(TOKEN_COOKIE) or None


async def page_user(request: Request, *, method: Literal["GET", "POST"] = "GET") -> Any:
    """The logged-in user allowed to ``method`` the archive DAG's runs; :class:`LoginRequired` or 403 otherwise."""
    from airflow.api_fastapi.app import get_auth_manager
    from airflow.api_fastapi.auth.managers.models.resource_details import DagAccessEntity, DagDetails

    token = request_token(request)
    if not token:
        raise LoginRequired
    manager = get_auth_manager()
    try:
        user = await manager.get_user_from_token(token)
    except Exception as exc:  # expired, invalid, revoked: the auth manager's own errors
        raise LoginRequired from exc
    allowed = manager.is_authorized_dag(
        method=method, access_entity=DagAccessEntity.RUN, details=DagDetails(id=ARCHIVE_DAG_ID), user=user
    )
    if not allowed:
        raise HTTPException(status_code=403, detail=f"not allowed to {method} runs of {ARCHIVE_DAG_ID}")
    return user


def login_url(request: Request) -> str:
    """Airflow's login page, coming back to ``request``'s page afterwards."""
    from airflow.api_fastapi.app import get_auth_manager

    return str(get_auth_manager().get_url_login(next_url=str(request.url)))


def same_origin(request: Request) -> bool:
    """Whether a form post comes from this site (``Origin``, else ``Referer``, names the request's own host)."""
    source = request.headers.get("origin") or request.headers.get("referer")
    if not source:
        return False
    return urlsplit(source).netloc == request.headers.get("host", request.url.netloc)
