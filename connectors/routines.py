"""What the embedded scheduler does for connectors on a schedule: sync each CRM connector (pull,
then push back score, stage and owner), pull SendGrid's bounces and unsubscribes as consent
changes, and pull Mailgun's events as engagement. A dead provider is one line on standard error; the scheduler carries on."""
from __future__ import annotations

import sys
from datetime import datetime, timedelta, timezone
from typing import Callable

from sqlalchemy import select

from switchback.connectors import registry
from switchback.connectors.secrets import get_secret
from switchback.runtime import live_status
from switchback.runtime.contacts import Event, identity
from switchback.runtime.store import repository as repo
from switchback.runtime.store.models import ConnectorRow
from switchback.runtime.store.workspace import Store


def crm_sync(store: Store, name: str, kind: str, settings: dict) -> str:
    from switchback.runtime import sync as crm
    spec = registry.get(kind)
    source = spec.source(name, spec.settings.model_validate(settings), lambda key: get_secret(name, key))
    result = crm.sync(store, name, source)
    activity = None
    if hasattr(source, "activity"):               # deals, forms, deletions, merges: what journeys start on
        from switchback.runtime.crm_activity import sync_activity
        activity = sync_activity(store, name, source.activity())
    pushed = crm.push_changes(store, name, source)
    said = f"{name}: {result.added} added, {result.updated} updated; {pushed.sent} pushed back"
    if activity is not None:
        said += f"; {activity.events} CRM event(s)" + (f"; sync log: {'; '.join(activity.lines[:3])}"
                                                       + (f" (+{len(activity.lines) - 3} more)" if len(activity.lines) > 3 else "")
                                                       if activity.lines else "")
    return said


def suppressions(store: Store, name: str, kind: str, settings: dict) -> str:
    """SendGrid's bounces and unsubscribes since the last pull become `contact_updated` events that
    set consent_email to unsubscribed: unsubscribing takes effect on every journey at once."""
    from switchback.connectors.sendgrid import pull_suppressions
    spec = registry.get(kind)
    key = f"suppressions:{name}"
    with store.session() as s:
        since = repo.get_settings(s).get(key)
    started = datetime.now(timezone.utc)
    found = pull_suppressions(name, spec.settings.model_validate(settings), lambda k: get_secret(name, k),
                              datetime.fromisoformat(since) if since else started - timedelta(days=30))
    events = [Event(identity(email), "contact_updated", started,
                    {"consent_email": "unsubscribed", "unsubscribed_reason": reason}) for email, reason in found]
    with store.session() as s:
        ours = [ev for ev in events if repo.contact_id(s, ev.contact) is not None]   # never adds contacts
        if ours:
            repo.record_events(s, ours, started)
        repo.set_setting(s, key, started.isoformat())
    return f"{name}: {len(found)} bounce(s) and unsubscribe(s) pulled back"


def mailgun_events(store: Store, name: str, kind: str, settings: dict) -> str:
    """Mailgun's events since the last round (opens, clicks, deliveries, bounces, complaints,
    unsubscribes) become engagement events on the messages they name."""
    from switchback.connectors.mailgun_events import pull
    spec = registry.get(kind)
    recorded, seen = pull(store, name, spec.settings.model_validate(settings), lambda k: get_secret(name, k))
    return f"{name}: {recorded} new event(s) recorded of {seen} pulled"


ROUTINES: dict[str, Callable[[Store, str, str, dict], str]] = {"hubspot": crm_sync, "pipedrive": crm_sync,
                                                                "sendgrid": suppressions, "mailgun": mailgun_events}


FAILING = live_status.ROUTINE_FAILING


def failing(store: Store, name: str, why: str | None) -> None:
    """Kept in the workspace, so whatever shows the workspace (the designer's status bar) can say so."""
    try:
        with store.session() as s:
            key = (FAILING + name)[:64]
            if repo.get_setting(s, key) != why:
                repo.set_setting(s, key, why)
    except Exception as e:                      # saying so must not stop the routines either
        print(f"{name}: could not note the failure ({e})", file=sys.stderr, flush=True)


def scheduled(store: Store, every: timedelta) -> Callable[[], None]:
    """A callable for the scheduler's loop that runs each connector's routine at most every `every`."""
    last: dict[str, datetime] = {}

    def tick() -> None:
        now = datetime.now(timezone.utc)
        with store.session() as s:
            rows = [(r.name, r.kind, dict(r.settings)) for r in s.scalars(select(ConnectorRow))]
        for name, kind, settings in rows:
            routine = ROUTINES.get(kind)
            if routine is None or now - last.get(name, datetime.min.replace(tzinfo=timezone.utc)) < every:
                continue
            last[name] = now
            try:
                print(routine(store, name, kind, settings), file=sys.stderr, flush=True)
                failing(store, name, None)
            except Exception as e:                  # a dead CRM or provider never stops the scheduler
                why = str(e).splitlines()[0] if str(e) else type(e).__name__
                print(f"{name}: {why}", file=sys.stderr, flush=True)
                failing(store, name, why)

    return tick
