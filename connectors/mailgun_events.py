"""Pulling a `mailgun` connector's events (SPEC 11) in `run`'s sync rounds: Mailgun tracked the
opens and clicks, so a desktop with no public address still gets them.

`GET /v3/{domain}/events?begin=…&ascending=yes&limit=300` answers `{"items": [...], "paging":
{"next": URL}}`; a round follows `paging.next` until a page comes back empty. The cursor kept
after each round is the time of the last event seen, so the next round asks only from there (the
events at that very second come again and are recorded once, by their Mailgun id). Each event is
matched to our message by the `v:` variables the sender put on it (`user-variables`)."""
from __future__ import annotations

from datetime import datetime, timedelta, timezone
from typing import Any, Iterator

from switchback.connectors.http import HttpClient, SecretGetter, Secrets, body_text, failure_for, json_or_none
from switchback.connectors.mailgun import MailgunSettings, api, reason
from switchback.runtime import provider_events as pe
from switchback.runtime.outbox import PermanentFailure
from switchback.runtime.store.workspace import Store

PAGE = 300                  # the largest page the events API gives
MAX_PAGES = 1000            # a bound on one round; the cursor carries on from where it stopped
FIRST_LOOK = timedelta(days=2)

KINDS = {"delivered": "email_delivered", "opened": "email_opened", "clicked": "email_clicked",
         "failed": "email_bounced", "unsubscribed": "email_unsubscribed", "complained": "email_complained"}


def pages(name: str, settings: MailgunSettings, secret: SecretGetter, begin: float) -> Iterator[list[dict[str, Any]]]:
    """The events since `begin` (a Unix time), page by page, oldest first."""
    key = Secrets(name, "mailgun", secret).need("api_key")
    http = HttpClient(settings.timeout)
    url, params = api(settings, "events"), {"begin": f"{begin:.6f}", "ascending": "yes", "limit": PAGE}
    try:
        for _ in range(MAX_PAGES):
            response = http.request("GET", url, "Mailgun", params=params, auth=("api", key))
            failure = failure_for(response, "Mailgun", reason)
            if failure:
                raise failure
            data = json_or_none(response)
            if not isinstance(data, dict) or not isinstance(data.get("items"), list):
                raise PermanentFailure(f"Mailgun events: expected items, got {body_text(response, 80)!r}")
            items = [i for i in data["items"] if isinstance(i, dict)]
            if not items:
                return
            yield items
            following = (data.get("paging") or {}).get("next")
            if not following or following == url:
                return
            url, params = following, None          # the next page's URL carries its own query
    finally:
        http.close()


def engagement(item: dict[str, Any]) -> tuple[str, dict[str, Any]] | None:
    """(our event type, its properties) for one Mailgun event, or None for one we do not keep."""
    kind = KINDS.get(str(item.get("event")))
    if kind is None:
        return None
    props: dict[str, Any] = {}
    if kind == "email_clicked":
        props["url"] = str(item.get("url") or "")
    if kind == "email_bounced":
        status = item.get("delivery-status") if isinstance(item.get("delivery-status"), dict) else {}
        props["kind"] = "hard" if item.get("severity") == "permanent" else "soft"
        why = status.get("message") or status.get("description") or item.get("reason") or "failed"
        props["reason"] = " ".join(f"{status.get('code') or ''} {why}".split())[:500]
    return kind, props


def pull(store: Store, name: str, settings: MailgunSettings, secret: SecretGetter) -> tuple[int, int]:
    """One round: (events recorded, events seen). The cursor moves after each page, so a round
    cut short by a fault resumes where it stopped."""
    kept = pe.cursor(store, name)
    begin = float(kept) if kept else (datetime.now(timezone.utc) - FIRST_LOOK).timestamp()
    recorded = seen = 0
    for items in pages(name, settings, secret, begin):
        last = begin
        for item in items:
            seen += 1
            stamp = float(item.get("timestamp") or 0)
            last = max(last, stamp)
            found = engagement(item)
            if found is None or not item.get("id"):
                continue
            variables = item.get("user-variables") if isinstance(item.get("user-variables"), dict) else {}
            message = pe.message_for(store, variables.get("switchback_message"), variables.get("switchback_key"))
            at = datetime.fromtimestamp(stamp, timezone.utc) if stamp else datetime.now(timezone.utc)
            if pe.record_once(store, name, str(item["id"]), message, *found, at) == pe.RECORDED:
                recorded += 1
        pe.keep_cursor(store, name, f"{last:.6f}")
        begin = last
    return recorded, seen
