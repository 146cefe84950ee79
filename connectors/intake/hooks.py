"""The providers' callbacks the intake server answers (SPEC 11), at `POST /hooks/{connector}` for a
connector of that kind: SendGrid's Event Webhook, Twilio's status callbacks and inbound messages.
Each verifies the provider's signature, with the key from the OS keyring, before it records: a
request that does not verify is 403 with nothing recorded. Events the provider sends again (same
id) are acknowledged and recorded once."""
from __future__ import annotations

import json
import logging
from datetime import datetime, timezone
from typing import Any
from urllib.parse import parse_qsl

from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.responses import JSONResponse, PlainTextResponse, Response
from starlette.routing import Route

from switchback.connectors.secrets import SecretsUnavailable, get_secret
from switchback.runtime import provider_events as pe
from switchback.runtime import workspace_connectors, workspace_settings
from switchback.runtime.store.workspace import Store

log = logging.getLogger("switchback.hooks")
MAX_BODY = 1_000_000            # SendGrid batches events; a batch stays far below this

# SendGrid event -> our engagement type (bounce, dropped and blocked carry `kind` and `reason`)
SENDGRID = {"delivered": "email_delivered", "open": "email_opened", "click": "email_clicked",
            "bounce": "email_bounced", "dropped": "email_bounced", "spamreport": "email_complained",
            "unsubscribe": "email_unsubscribed", "group_unsubscribe": "email_unsubscribed"}
TWILIO = {"delivered": "sms_delivered", "undelivered": "sms_failed", "failed": "sms_failed"}
# Twilio's opt-out and opt-in keywords (its Advanced Opt-Out defaults)
STOP = {"STOP", "STOPALL", "UNSUBSCRIBE", "CANCEL", "END", "QUIT", "OPTOUT", "REVOKE"}
START = {"START", "YES", "UNSTOP"}


def _at(value: Any) -> datetime:
    try:
        return datetime.fromtimestamp(int(value), timezone.utc)
    except (TypeError, ValueError, OverflowError, OSError):
        return datetime.now(timezone.utc)


def _secret(connector: str, key: str) -> str | None:
    try:
        return get_secret(connector, key)
    except SecretsUnavailable:
        return None


def _forbidden(why: str) -> Response:
    return PlainTextResponse(f"Forbidden: {why}\n", 403)


def sendgrid_verified(connector: str, body: bytes, headers) -> bool | None:
    """Whether SendGrid signed `body`: None when the connector has no `event_public_key`."""
    from sendgrid.helpers.eventwebhook import EventWebhook, EventWebhookHeader
    key = _secret(connector, "event_public_key")
    if not key:
        return None
    signature = headers.get(EventWebhookHeader.SIGNATURE)
    timestamp = headers.get(EventWebhookHeader.TIMESTAMP)
    if not signature or not timestamp:
        return False
    try:
        return bool(EventWebhook(key).verify_signature(body.decode("utf-8"), signature, timestamp))
    except Exception:           # a malformed key, signature or body: not verified
        return False


def sendgrid_event(store: Store, connector: str, event: dict[str, Any]) -> str:
    kind = SENDGRID.get(str(event.get("event")))
    if kind is None or not event.get("sg_event_id"):
        return pe.UNKNOWN
    props: dict[str, Any] = {}
    if kind == "email_clicked":
        props["url"] = str(event.get("url") or "")
    if kind == "email_bounced":
        hard = event.get("event") == "dropped" or event.get("type", "bounce") == "bounce"
        props["kind"] = "hard" if hard else "soft"
        props["reason"] = " ".join(str(event.get("reason") or event.get("event")).split())[:500]
    message = pe.message_for(store, event.get("switchback_message"), event.get("switchback_key"))
    return pe.record_once(store, connector, str(event["sg_event_id"]), message, kind, props, _at(event.get("timestamp")))


def twilio_urls(store: Store, request: Request) -> list[str]:
    """The URLs Twilio may have signed: the one at `public_url` (behind a proxy or tunnel), and the
    one this server was reached at."""
    urls = [str(request.url)]
    public = workspace_settings.read(store).public_url
    if public:
        query = f"?{request.url.query}" if request.url.query else ""
        urls.insert(0, f"{public.rstrip('/')}{request.url.path}{query}")
    return urls


def twilio_verified(store: Store, connector: str, request: Request, params: dict[str, str]) -> bool:
    from twilio.request_validator import RequestValidator
    token = _secret(connector, "auth_token")
    signature = request.headers.get("X-Twilio-Signature")
    if not token or not signature:
        return False
    validator = RequestValidator(token)
    return any(validator.validate(url, params, signature) for url in twilio_urls(store, request))


def twilio_event(store: Store, connector: str, params: dict[str, str], message: str | None) -> str:
    sid = params.get("MessageSid") or params.get("SmsSid") or ""
    status = params.get("MessageStatus") or params.get("SmsStatus") or ""
    now = datetime.now(timezone.utc)
    if "Body" in params and status in ("", "received"):
        word = params["Body"].strip().upper()
        if word in STOP or word in START:
            return pe.sms_consent(store, connector, f"in:{sid}", params.get("From", ""), word in START, now)
        return pe.UNKNOWN
    kind = TWILIO.get(status)
    if kind is None or not sid:
        return pe.UNKNOWN
    props = {}
    if kind == "sms_failed":
        code = params.get("ErrorCode")
        props["reason"] = f"{status}" + (f" (Twilio error {code})" if code else "")
    return pe.record_once(store, connector, f"{sid}:{status}", pe.message_for(store, message), kind, props, now)


def hook_routes(store: Store) -> list[Route]:
    """`POST /hooks/{connector}`, for the workspace's sendgrid and twilio connectors."""

    async def hook(request: Request) -> Response:
        name = request.path_params["connector"]
        connector = await run_in_threadpool(workspace_connectors.find, store, name)
        if connector is None or connector.kind not in ("sendgrid", "twilio"):
            return PlainTextResponse("Not found: no SendGrid or Twilio connector of that name\n", 404)
        body = await request.body()
        if len(body) > MAX_BODY:
            return PlainTextResponse("Request too large\n", 413)
        if connector.kind == "sendgrid":
            return await run_in_threadpool(_sendgrid, store, name, body, request.headers)
        try:        # Twilio posts application/x-www-form-urlencoded, one value a field
            params = dict(parse_qsl(body.decode("utf-8"), keep_blank_values=True, strict_parsing=bool(body)))
        except (UnicodeDecodeError, ValueError):
            return _forbidden("not a form Twilio signed")
        if not await run_in_threadpool(twilio_verified, store, name, request, params):
            log.warning("hooks/%s: Twilio signature did not verify; nothing recorded", name)
            return _forbidden("X-Twilio-Signature does not verify with this connector's auth_token")
        await run_in_threadpool(twilio_event, store, name, params, request.query_params.get("message"))
        # Twilio takes an empty TwiML answer as "no reply"
        return Response("<Response></Response>", 200, media_type="text/xml")

    return [Route("/hooks/{connector}", hook, methods=["POST"])]


def _sendgrid(store: Store, name: str, body: bytes, headers) -> Response:
    if sendgrid_verified(name, body, headers) is False:
        log.warning("hooks/%s: SendGrid signature did not verify; nothing recorded", name)
        return _forbidden("the Event Webhook signature does not verify with this connector's event_public_key")
    try:
        events = json.loads(body)
    except (UnicodeDecodeError, ValueError) as e:
        return JSONResponse({"error": f"hooks/{name}: the body is not JSON ({e})"}, 400)
    if not isinstance(events, list) or not all(isinstance(e, dict) for e in events):
        return JSONResponse({"error": f"hooks/{name}: expected a JSON list of events"}, 400)
    outcomes = [sendgrid_event(store, name, event) for event in events]
    return JSONResponse({"recorded": outcomes.count(pe.RECORDED), "replayed": outcomes.count(pe.REPLAYED)})
