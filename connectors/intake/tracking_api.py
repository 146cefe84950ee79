"""Segment's HTTP Tracking API (SPEC 10), as the intake server answers it: the write key, the body
(gzip or not, within its limits), then the calls, recorded in one durable transaction before the
200. Anything wrong with the request as a whole is a 400 and records nothing; an item of a batch
that lacks what its call needs is named in the answer and the intake log, and the rest go in.

Endpoints are plain functions: Starlette runs them in its thread pool, off the event loop, as the
store's calls block."""
from __future__ import annotations

import base64
import binascii
import json
import logging
import zlib
from datetime import datetime, timezone
from typing import Any, Callable

from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.responses import JSONResponse
from starlette.routing import Route

from switchback.connectors.intake.segment import BadCall, incoming, time_of
from switchback.runtime.intake_writer import GroupWriter
from switchback.runtime.sources import KeyCheck
from switchback.runtime.store.workspace import Store

log = logging.getLogger("switchback.intake")
EVENT_LIMIT = 32 * 1024
BATCH_LIMIT = 500 * 1024
BATCH_ITEMS = 2500
NO_SOURCE = ("this workspace has no source of events yet: add one with `switchback source add NAME` "
             "and send with the write key it prints")


class Refused(Exception):
    def __init__(self, status: int, error: str):
        super().__init__(error)
        self.status, self.error = status, error


def _answer(status: int, error: str) -> JSONResponse:
    return JSONResponse({"error": error}, status)


def _basic_user(request: Request) -> str | None:
    """The user name of an HTTP Basic authorization (where Segment's clients put the write key)."""
    scheme, _, value = request.headers.get("authorization", "").partition(" ")
    if scheme.lower() != "basic":
        return None
    try:
        return base64.b64decode(value.strip(), validate=True).decode().partition(":")[0]
    except (binascii.Error, UnicodeDecodeError):
        return None


async def _body(request: Request, limit: int, what: str) -> bytes:
    """The body, unzipped, refused once it passes `limit` (so a gzip bomb inflates no further)."""
    too_big = Refused(400, f"{what} over {limit // 1024} KB")
    declared = request.headers.get("content-length", "")
    if declared.isdigit() and int(declared) > limit:
        raise too_big
    raw = bytearray()
    async for chunk in request.stream():
        raw += chunk
        if len(raw) > limit:
            raise too_big
    encoding = request.headers.get("content-encoding", "identity").strip().lower()
    if encoding in ("", "identity"):
        return bytes(raw)
    if encoding != "gzip":
        raise Refused(400, f"Content-Encoding {encoding[:20]!r} is not supported (send gzip or nothing)")
    inflate = zlib.decompressobj(wbits=31)
    try:
        body = inflate.decompress(bytes(raw), limit + 1)
        if len(body) > limit:
            raise too_big
        if not inflate.eof:
            raise Refused(400, "the gzip body is cut short")
    except zlib.error as e:
        raise Refused(400, f"the body is not valid gzip ({e})") from None
    return body


def _json(body: bytes) -> Any:
    try:
        text = body.decode("utf-8")
    except UnicodeDecodeError as e:
        raise Refused(400, f"the body is not UTF-8 (byte {e.start})") from None
    try:
        return json.loads(text)
    except json.JSONDecodeError as e:
        raise Refused(400, f"the body is not JSON: {e.msg} at line {e.lineno} column {e.colno}") from None


def _over(call: Any) -> bool:
    """Whether a batch item is over the event limit, as UTF-8 JSON written compactly (a body may have
    spaces we do not count). Its repr, at most 4 bytes of JSON a character, rules out nearly every
    item at half the cost of writing it."""
    if len(repr(call)) * 4 <= EVENT_LIMIT:
        return False
    return len(json.dumps(call, separators=(",", ":"), ensure_ascii=False).encode()) > EVENT_LIMIT


def tracking_api_routes(store: Store) -> list[Route]:
    keys = KeyCheck(store)
    writer = GroupWriter(store)

    def now() -> datetime:
        return datetime.now(timezone.utc)

    async def source_of(request: Request, body: Any) -> str:
        header = _basic_user(request)
        written = body.get("writeKey") if isinstance(body, dict) and isinstance(body.get("writeKey"), str) else None
        if keys.stale(header, written):
            await run_in_threadpool(keys.read)
        source = keys.as_read(header) or keys.as_read(written)
        if source is None and keys.none_read:
            raise Refused(401, NO_SOURCE)
        if source is None:
            raise Refused(401, "no write key, or not one of this workspace's sources: send a source's write key "
                               "as the user name of HTTP Basic authorization")
        return source

    async def read(request: Request, limit: int, what: str) -> tuple[Any, int, str]:
        """(the JSON body, its size, the source). A request without a good key learns nothing of its body."""
        try:
            body = await _body(request, limit, what)
            parsed: Any = _json(body)
        except Refused:
            await source_of(request, None)         # 401 before 400: no key, no word about the body
            raise
        return parsed, len(body), await source_of(request, parsed)

    def one(kind: str) -> Callable:
        async def endpoint(request: Request) -> JSONResponse:
            try:
                call, _, source = await read(request, EVENT_LIMIT, "an event")
                if not isinstance(call, dict):
                    raise Refused(400, f"the body must be a JSON object, not {type(call).__name__}")
                item = incoming(call, kind, now())
            except Refused as e:
                return _answer(e.status, e.error)
            except BadCall as e:
                return _answer(400, str(e))
            return await recorded([item], source, [])
        return endpoint

    async def batch(request: Request) -> JSONResponse:
        try:
            body, size, source = await read(request, BATCH_LIMIT, "a batch")
            if not isinstance(body, dict) or not isinstance(body.get("batch"), list):
                raise Refused(400, "a batch is a JSON object whose `batch` is a list of calls")
            calls = body["batch"]
            if len(calls) > BATCH_ITEMS:
                raise Refused(400, f"a batch over {BATCH_ITEMS} items ({len(calls)})")
            received = now()
            try:
                sent_at = time_of(body, "sentAt")
            except BadCall as e:
                raise Refused(400, str(e)) from None
            shared = body.get("context") if isinstance(body.get("context"), dict) else None
            items, rejected = [], []
            for index, call in enumerate(calls):
                if size > EVENT_LIMIT and _over(call):
                    raise Refused(400, f"batch item {index}: an event over {EVENT_LIMIT // 1024} KB")
                if shared and isinstance(call, dict) and "context" not in call:
                    call = {**call, "context": shared}
                try:
                    items.append(incoming(call, None, received, sent_at))
                except BadCall as e:
                    rejected.append({"index": index, "error": str(e)})
        except Refused as e:
            return _answer(e.status, e.error)
        return await recorded(items, source, rejected)

    async def recorded(items: list, source: str, rejected: list[dict]) -> JSONResponse:
        lines = [f"batch item {r['index']}: {r['error']}" for r in rejected]
        try:
            await writer.record_async(items, now(), source, lines)
        except Exception as e:                      # the store failed: the client keeps the events and retries
            log.error("intake: %s events from %s not stored: %s", len(items), source, " ".join(str(e).split()))
            return _answer(503, "the events could not be stored (the workspace's database failed): send them again")
        answer: dict[str, Any] = {"success": True}
        if rejected:
            answer["rejected"] = rejected
        return JSONResponse(answer)

    routes = [Route(f"/v1/{kind}", one(kind), methods=["POST"]) for kind in ("track", "page", "screen", "identify", "group", "alias")]
    return routes + [Route("/v1/batch", batch, methods=["POST"]), Route("/v1/import", batch, methods=["POST"])]
