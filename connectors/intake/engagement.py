"""The tracking routes an email's links lead to (SPEC 11), for the intake server to serve:

    GET  /c/{token}      records email_clicked and answers 302 to the link the email carried
    GET  /o/{token}.gif  records email_opened and answers a 1x1 GIF
    GET  /u/{token}      a page with one button, and no address on it
    POST /u/{token}      unsubscribes from email at once: the button, or a mail client's RFC 8058
                         one-click POST (body `List-Unsubscribe=One-Click`)

A token that does not verify, or names no message of this workspace, is 404 with nothing recorded.
Endpoints are plain functions: Starlette runs them in its thread pool, off the event loop, as the
store's calls block."""
from __future__ import annotations

import base64
import html
from datetime import datetime, timezone
from typing import Callable

from sqlalchemy import select
from starlette.requests import Request
from starlette.responses import HTMLResponse, PlainTextResponse, RedirectResponse, Response
from starlette.routing import Route

from switchback.connectors.secrets import SecretsUnavailable
from switchback.connectors.tracking import signing_secret
from switchback.runtime import tokens, tracking
from switchback.runtime.engagement import record_engagement
from switchback.runtime.store.models import OutboxRow
from switchback.runtime.store.workspace import Store

PIXEL = base64.b64decode("R0lGODlhAQABAIAAAAAAAP///yH5BAEAAAAALAAAAAABAAEAAAIBRAA7")   # 1x1 transparent GIF
_PRIVATE = {"Cache-Control": "no-store", "Referrer-Policy": "no-referrer"}

_PAGE = """<!doctype html><html lang="en"><head><meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1"><title>{title}</title>
<style>body{{font:16px system-ui,sans-serif;max-width:32em;margin:4em auto;padding:0 1em}}
button{{font:inherit;padding:.6em 1.4em}}</style></head><body><h1>{title}</h1>{body}</body></html>"""


def _page(title: str, body: str, status: int = 200) -> HTMLResponse:
    return HTMLResponse(_PAGE.format(title=html.escape(title), body=body), status, headers=_PRIVATE)


def _not_found() -> Response:
    return PlainTextResponse("Not found\n", 404, headers=_PRIVATE)


def engagement_routes(store: Store) -> list[Route]:
    """The routes. The workspace's signing secret is read from the keyring when a token first comes
    in, not now: a machine whose keyring is unavailable still serves the rest of the intake server,
    and answers these routes 404 (no token can be verified) until it has one."""
    secret: list[bytes] = []

    def signed_by_us(purpose: str, token: str) -> tuple[int, int] | None:
        if not secret:
            try:
                secret.append(signing_secret(store))
            except SecretsUnavailable:
                return None
        return tokens.verify(secret[0], purpose, token)

    def message(purpose: str, token: str) -> tuple[int, int, dict] | None:
        """(message id, link number, payload) of a token this workspace signed, else None."""
        found = signed_by_us(purpose, token)
        if found is None:
            return None
        with store.session() as s:
            payload = s.scalar(select(OutboxRow.payload).where(OutboxRow.id == found[0]))
        return None if payload is None else (*found, payload)

    def now() -> datetime:
        return datetime.now(timezone.utc)

    def click(request: Request) -> Response:
        found = message("c", request.path_params["token"])
        if found is None:
            return _not_found()
        mid, n, payload = found
        carried = tracking.links(payload.get("html") or "")
        if n >= len(carried):
            return _not_found()
        if not record_engagement(store, mid, "email_clicked", {"url": carried[n]}, now()):
            return _not_found()
        return RedirectResponse(carried[n], 302, headers=_PRIVATE)

    def opened(request: Request) -> Response:
        found = message("o", request.path_params["token"])
        if found is None or not record_engagement(store, found[0], "email_opened", {}, now()):
            return _not_found()
        return Response(PIXEL, media_type="image/gif", headers=_PRIVATE)

    def unsubscribe_page(request: Request) -> Response:
        if message("u", request.path_params["token"]) is None:
            return _not_found()
        return _page("Unsubscribe", '<p>Stop receiving these emails?</p><form method="post">'
                     '<button type="submit">Unsubscribe</button></form>')

    def unsubscribe(request: Request) -> Response:
        found = message("u", request.path_params["token"])
        if found is None or not record_engagement(store, found[0], "email_unsubscribed", {}, now()):
            return _not_found()
        return _page("Unsubscribed", "<p>You will get no more of these emails.</p>")

    endpoints: list[tuple[str, Callable, list[str]]] = [
        ("/c/{token}", click, ["GET"]), ("/o/{token}.gif", opened, ["GET"]),
        ("/u/{token}", unsubscribe_page, ["GET"]), ("/u/{token}", unsubscribe, ["POST"])]
    return [Route(path, endpoint, methods=methods) for path, endpoint, methods in endpoints]
