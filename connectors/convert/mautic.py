"""Mautic campaigns as journeys.

Reads the two JSON shapes Mautic itself produces: the campaign export of Mautic 7
(`mautic:entity:export --entity=campaign`, `GET /api/campaigns/export/ID`: a list holding
`campaign`, `campaign_event`, `lists`, `forms`, `email` ... and `dependencies`) and the REST API's
campaign (`GET /api/campaigns/ID`, or the body of `POST /api/campaigns/new`: `events` with
`parent`/`children`, `decisionPath`, `triggerMode`/`triggerInterval`/`triggerIntervalUnit`/
`triggerDate`, `lists`, `forms`, `canvasSettings`).

How Mautic's model maps onto Switchback's:
- the campaign's segments and forms are its entry points: each becomes a trigger;
- an action's interval, date or hour becomes a wait inserted before it;
- a *condition* (lead.field_value, lead.points ...) is checked at once: `branch.if`, yes/no;
- a *decision* (email.open, form.submit ...) waits for the contact to do something: `wait.event`,
  whose `event` port is Mautic's yes path and whose `timeout` port is the no path, the timeout
  being the interval of the no path's first step;
- a jump to another event is an edge back to it.
Mautic runs the several steps attached to one point side by side; a Switchback contact is at one
place at a time, so those run one after another, and the converter says so.
"""
from __future__ import annotations

import re
from datetime import datetime
from typing import Any

from switchback.connectors.convert.builder import (Builder, duration, field, guarded, in_segment, literal,
                                                   number_or_text, slug, valid_condition, valid_template)
from switchback.connectors.convert.mautic_campaign import (APPROX_UNITS, Campaign, DECISION_EVENTS, Event, FIELDS,
                                                           FOREVER, UNITS, WEEKDAYS, _order, _plain, read_campaign,
                                                           tokens)
from switchback.nodes import declared as K
from switchback.runtime.document import Journey
from switchback.runtime.problems import InputError


@guarded("Mautic campaign")
def convert_data(data: Any, place: str) -> tuple[Journey, list[str]]:
    campaign = read_campaign(data, place)
    return _Converter(campaign, place).run()




class _Converter:
    def __init__(self, campaign: Campaign, place: str):
        self.c = campaign
        self.place = place
        self.b = Builder(place)
        self.entry: dict[str, str] = {}       # event id -> the node a contact arriving there enters
        self.main: dict[str, str] = {}        # event id -> the event's own node (none for a jump)
        self.jumps: dict[str, str] = {}       # jump event id -> target event id
        self.tail: dict[str, str] = {}        # event id -> last inserted wait before it

    def run(self) -> tuple[Journey, list[str]]:
        c, b = self.c, self.b
        for e in c.events.values():
            if e.parent is not None and e.parent not in c.events:
                b.warn(e.id, f"its parent event {e.parent} is not in the file; it starts the campaign instead")
                e.parent = None
        self._parents_from_canvas()
        for e in c.events.values():
            if e.parent is not None:
                c.events[e.parent].children.append(e)
        triggers = self._triggers()
        for e in c.events.values():
            self._build(e)
        for e in c.events.values():
            self._jump_edges(e)
        roots = [e for e in c.events.values() if e.parent is None]
        self._group(roots, [(t, None) for t in triggers], "campaign")
        for e in c.events.values():
            if e.id in self.main:
                self._ports(e)
        settings = {"reentry": "always"} if c.allow_restart else None
        name = c.name or f"Mautic campaign {c.id}"
        journey = b.finish(slug(c.name, slug(f"mautic-campaign-{c.id}")), name, _plain(c.description), settings)
        return journey, b.warnings

    def _parents_from_canvas(self) -> None:
        """The API's create payload may leave `parent` out; the canvas still draws the link."""
        for conn in self.c.connections:
            src, dst = str(conn.get("sourceId")), str(conn.get("targetId"))
            anchor = conn.get("anchors").get("source") if isinstance(conn.get("anchors"), dict) else None
            e = self.c.events.get(dst)
            if e is None or src not in self.c.events or e.parent is not None:
                continue
            e.parent = src
            if anchor in ("yes", "no") and not e.path:
                e.path = anchor

    # -- entry points ---------------------------------------------------------------------------
    def _triggers(self) -> list[str]:
        b, out = self.b, []
        placed: set[str] = set()
        for s in self.c.sources:
            # the canvas draws all segments as one box, all forms as another: the first of each gets it
            position = self.c.positions.get(s.kind) if s.kind not in placed else None
            placed.add(s.kind)
            if s.kind == "lists":
                ref = self._segment_ref(s.id)
                out.append(b.node(f"mautic-segment-{s.id}", K.SEGMENT.name, {"when": in_segment(ref)},
                                  label=f"Mautic segment: {s.name} (id {s.id})" if s.name else f"Mautic segment {s.id}", position=position,
                                  source="lists"))
                b.warn("lists", f"segment {s.id} ({s.name or 'unnamed'}): its filters are not carried over; "
                                f"contacts enter when their `segments` field lists {literal(ref)}")
            else:
                where = f"event.properties.form == {literal(s.alias or number_or_text(s.id))}"
                out.append(b.node(f"mautic-form-{s.id}", K.EVENT.name, {"event": "form_submitted", "where": where},
                                  label=f"Mautic form: {s.name} (id {s.id})" if s.name else f"Mautic form {s.id}", position=position,
                                  source="forms"))
        if not out:
            b.warn("campaign", "no segment or form adds contacts to this campaign; it starts when a person "
                               "enrolls contacts (trigger.manual)")
            out.append(b.node("mautic-start", K.MANUAL.name, {}, label="Enrolled by hand", source="campaign"))
        return out

    def _segment_ref(self, segment_id: str) -> str:
        s = self.c.segments.get(str(segment_id))
        return (s.alias or s.name) if s and (s.alias or s.name) else f"mautic-segment-{segment_id}"

    # -- one event ------------------------------------------------------------------------------
    def _build(self, e: Event) -> None:
        b = self.b
        waits = self._waits(e)
        if e.type == "campaign.jump_to_event":
            target = next((str(v) for v in (e.outer.get("jumpToEvent"), e.inner.get("jumpToEvent"))
                           if v is not None and str(v) in self.c.events), None)
            if target is not None:
                self.jumps[e.id] = target
                if waits:
                    self.entry[e.id] = waits[0]
                    self.tail[e.id] = waits[-1]
                return
            b.warn(e.id, "jumps to an event that is not in the file; kept as a placeholder")
        node = self._node(e)
        for a, z in zip(waits, waits[1:] + [node]):
            b.edge(a, z)
        self.main[e.id] = node
        self.entry[e.id] = waits[0] if waits else node

    def _entry(self, e: Event, seen: frozenset = frozenset()) -> str:
        if e.id in self.entry:
            return self.entry[e.id]
        target = self.jumps[e.id]
        if target in seen:                          # jumps that only point at each other
            raise InputError(self.place, f"event {e.id}: jumps go round in a circle without any step")
        return self._entry(self.c.events[target], seen | {e.id})

    def _jump_edges(self, e: Event) -> None:
        if e.id in self.jumps and e.id in self.tail:
            self.b.edge(self.tail[e.id], self._entry(self.c.events[self.jumps[e.id]]), jump_from=e.id)

    def _position(self, e: Event) -> list[float] | None:
        return self.c.positions.get(e.id)

    def _node(self, e: Event) -> str:
        if e.kind == "decision":
            return self._decision(e)
        if e.kind == "condition":
            return self._condition(e)
        return self._action(e)

    # -- waits before an event ------------------------------------------------------------------
    def _interval_seconds(self, e: Event) -> float | None:
        if e.mode != "interval":
            return None
        try:
            amount = float(e.interval or 0)
        except (TypeError, ValueError):
            self.b.warn(e.id, f"interval {e.interval!r} cannot be read; no wait was inserted")
            return None
        unit = (e.unit or "d")
        if unit in UNITS:
            return amount * UNITS[unit]
        if unit in APPROX_UNITS:
            size, name, approx = APPROX_UNITS[unit]
            self.b.warn(e.id, f"waits {amount:g} {name}(s); Switchback counts a {name} as {approx}")
            return amount * size
        self.b.warn(e.id, f"interval unit {unit!r} is unknown; no wait was inserted")
        return None

    def _no_path_timeout(self, decision: Event) -> float | None:
        waits = [self._interval_seconds(k) for k in decision.children if k.path == "no"]
        waits = [w for w in waits if w]
        return min(waits) if waits else None

    def _waits(self, e: Event) -> list[str]:
        """The waits inserted before an event: its interval (less what its decision already waited),
        its date, its hour of day and its allowed days."""
        b, out = self.b, []
        if e.kind == "decision":
            return out
        parent = self.c.events.get(e.parent) if e.parent else None
        seconds = self._interval_seconds(e)
        if seconds and parent is not None and parent.kind == "decision" and e.path == "no":
            seconds -= self._no_path_timeout(parent) or 0
        if e.mode == "date":
            moment = _iso(e.date)
            if moment:
                out.append(b.node(f"mautic-{e.id}-until", K.UNTIL.name, {"at": moment},
                                  label=f"Wait until {moment} (before {e.label})"))
            else:
                b.warn(e.id, f"runs on a date ({e.date!r}) that cannot be read; no wait was inserted")
        elif seconds and duration(seconds):
            out.append(b.node(f"mautic-{e.id}-wait", K.DELAY.name, {"duration": duration(seconds)},
                              label=f"Wait {duration(seconds)} (before {e.label})"))
        hour = _hhmm(e.hour)
        start, stop = _hhmm(e.window_start), _hhmm(e.window_stop)
        days = _weekdays(e.days)
        if hour or start or days:
            config: dict[str, Any] = {"time": hour or start or "00:00"}
            if days:
                config["weekdays"] = days
            if not (hour or start):
                b.warn(e.id, "only runs on some days of the week; here it waits for midnight of the next allowed day")
            if start and stop and not hour:
                b.warn(e.id, f"runs between {start} and {stop}; here it waits for {start}, the end of the window is not carried over")
            out.append(b.node(f"mautic-{e.id}-time", K.UNTIL.name, config,
                              label=f"Wait until {config['time']}" + (f" on {', '.join(days)}" if days else "")))
        return out

    # -- actions --------------------------------------------------------------------------------
    def _action(self, e: Event) -> str:
        b, pos, nid = self.b, self._position(e), f"mautic-{e.id}"
        t = e.type
        if t == "email.send" and e.get("email") is not None:
            return b.node(nid, K.EMAIL.name, self._email_config(e, e.get("email")), label=e.label,
                          position=pos, source=e.id)
        if t == "sms.send_text_sms" and e.get("sms") is not None:
            sms = e.get("sms")
            return b.node(nid, K.SMS.name, {"connector": "sms",
                                               "body": f"Placeholder for Mautic text message {sms}: copy its text from Mautic."},
                          label=e.label, position=pos, source=e.id)
        if t == "lead.changepoints":
            points = number_or_text(e.get("points"))
            if isinstance(points, (int, float)) and points == int(points):
                return b.node(nid, K.SCORE.name, {"add": int(points), "reason": e.label},
                              label=e.label, position=pos, source=e.id)
        if t == "lead.changetags":
            add = [str(x) for x in e.get("add_tags") or []]
            remove = [str(x) for x in e.get("remove_tags") or []]
            if add or remove:
                config = {k: v for k, v in (("add_tags", add), ("remove_tags", remove)) if v}
                return b.node(nid, K.UPDATE.name, config, label=e.label, position=pos, source=e.id)
        if t == "lead.updatelead":
            values = {FIELDS.get(k, k): tokens(", ".join(map(str, v)) if isinstance(v, list) else str(v))
                      for k, v in e.inner.items() if v not in (None, "", []) and isinstance(k, str)}
            values = {k: v for k, v in values.items() if valid_template(v)}
            if values:
                return b.node(nid, K.UPDATE.name, {"set": values}, label=e.label, position=pos, source=e.id)
        if t == "campaign.addremovelead":
            remove = [str(x) for x in e.get("removeFrom") or []]
            if "this" in remove and not e.get("addTo"):
                return b.node(nid, K.EXIT.name, {}, label=e.label, position=pos, source=e.id)
        if t == "campaign.sendwebhook":
            config = self._webhook(e)
            if config:
                return b.node(nid, K.WEBHOOK.name, config, label=e.label, position=pos, source=e.id)
        if t == "email.send.to.user":
            config = self._notify(e)
            if config:
                return b.node(nid, K.NOTIFY.name, config, label=e.label, position=pos, source=e.id)
        return b.placeholder(nid, t, e.id, e.name or None, pos)

    def _email_config(self, e: Event, email_id: Any) -> dict[str, Any]:
        email = self.c.emails.get(str(email_id)) or {}
        subject = f"Mautic email {email_id}" + (f": {email['name']}" if email.get("name") else "")
        if isinstance(email.get("subject"), str) and email["subject"].strip():
            converted = tokens(email["subject"])
            if valid_template(converted):
                subject = converted
            else:
                self.b.warn(e.id, f"the subject of email {email_id} cannot be read as a template; a placeholder is used")
        body = (f"Placeholder for the body of Mautic email {email_id}"
                + (f" ({email['name']})" if email.get("name") else "") + ": copy it from Mautic.")
        return {"connector": "email", "subject": subject, "body": body}

    def _webhook(self, e: Event) -> dict[str, Any] | None:
        url = e.get("url")
        if not isinstance(url, str) or not url.startswith(("http://", "https://")):
            return None
        config: dict[str, Any] = {"url": url}
        method = str(e.get("method") or "POST").upper()
        if method in ("POST", "PUT", "PATCH", "GET", "DELETE"):
            config["method"] = method
        data = e.get("additional_data")
        pairs = data.get("list") if isinstance(data, dict) else data
        if isinstance(pairs, list) and pairs:
            import json
            body = json.dumps({str(p.get("label")): tokens(str(p.get("value", ""))) for p in pairs if isinstance(p, dict)})
            if valid_template(body):
                config["body"] = body
        headers = e.get("headers")
        if headers and (headers.get("list") if isinstance(headers, dict) else headers):
            self.b.warn(e.id, "its request headers are not carried over; put them in a webhook connector")
        return config

    def _notify(self, e: Event) -> dict[str, Any] | None:
        email_id = e.get("useremail", {}).get("email") if isinstance(e.get("useremail"), dict) else e.get("email")
        to = "owner" if e.get("to_owner") in (True, 1, "1") else None
        if to is None and isinstance(e.get("to"), str):
            addresses = [a.strip() for a in re.split(r"[,;]", e.get("to")) if "@" in a]
            to = addresses[0] if addresses else None
            if len(addresses) > 1:
                self.b.warn(e.id, f"sends to {len(addresses)} addresses; only {addresses[0]} is kept")
        if to is None:
            return None
        config = self._email_config(e, email_id)
        return {"to": to, **config}

    # -- conditions -----------------------------------------------------------------------------
    def _condition(self, e: Event) -> str:
        b, pos, nid = self.b, self._position(e), f"mautic-{e.id}"
        when = self._when(e)
        if when is None or not valid_condition(when):
            b.warn(e.id, f"{e.type} has no Switchback equivalent; kept as a placeholder condition that "
                         "always takes the no path until edited")
            return b.node(nid, K.IF.name, {"when": "false"}, label=f"Not converted: {e.type} {e.id}"
                          + (f" ({e.name})" if e.name else ""), position=pos, source=e.id)
        return b.node(nid, K.IF.name, {"when": when}, label=e.label, position=pos, source=e.id)

    def _when(self, e: Event) -> str | None:
        t = e.type
        if t == "lead.field_value":
            name = e.get("field")
            if not isinstance(name, str):
                return None
            return _compare(field(FIELDS.get(name, name)), str(e.get("operator") or "="), e.get("value"))
        if t == "lead.points":
            return _compare("contact.score", str(e.get("operator") or "gte"), number_or_text(e.get("score")))
        if t == "lead.tags":
            tags = e.get("tags") or []
            return " or ".join(f"{literal(str(x))} in (contact.tags or [])" for x in tags) or None
        if t == "lead.segments":
            segments = e.get("segments") or []
            return " or ".join(in_segment(self._segment_ref(str(s))) for s in segments) or None
        if t == "lead.dnc":
            channels = e.get("channels") or ["email"]
            parts = [f"contact.consent_{ch} == 'unsubscribed'" for ch in channels if ch in ("email", "sms")]
            return " or ".join(parts) or None
        return None

    # -- decisions ------------------------------------------------------------------------------
    def _decision(self, e: Event) -> str:
        b, pos, nid = self.b, self._position(e), f"mautic-{e.id}"
        timeout = self._no_path_timeout(e)
        if timeout is None:
            if any(k.path == "no" for k in e.children):
                b.warn(e.id, f"its no path has no interval; here the wait gives up after {FOREVER}")
            else:
                b.warn(e.id, f"waits with no time limit in Mautic; here the wait gives up after {FOREVER}")
        config: dict[str, Any] = {"event": DECISION_EVENTS.get(e.type) or f"mautic_{slug(e.type).replace('-', '_')}",
                                  "timeout": duration(timeout) if timeout and duration(timeout) else FOREVER}
        where = self._where(e)
        if where:
            config["where"] = where
        if e.type not in DECISION_EVENTS:
            b.warn(e.id, f"{e.type} has no Switchback equivalent; it waits for an event named "
                         f"{config['event']!r} that Switchback does not record by itself")
        elif e.type in ("page.devicehit", "asset.download", "email.click", "dwc.decision") and (
                e.get("device_type") or e.get("assets") or e.get("urls") or e.get("dwc_slot_name")):
            b.warn(e.id, f"the filters of {e.type} are not carried over; any {config['event']} event counts")
        label = e.label if e.type in DECISION_EVENTS else f"Not converted: {e.type} {e.id}" + (f" ({e.name})" if e.name else "")
        return b.node(nid, K.WAIT_EVENT.name, config, label=label, position=pos, source=e.id)

    def _where(self, e: Event) -> str | None:
        if e.type == "form.submit" and e.get("forms"):
            return f"event.properties.form in {literal([number_or_text(x) for x in e.get('forms')])}"
        if e.type == "page.pagehit" and isinstance(e.get("url"), str) and e.get("url"):
            return f"event.properties.url == {literal(e.get('url'))}"
        if e.type == "email.open" and e.get("email"):
            return None
        return None

    # -- wiring ---------------------------------------------------------------------------------
    def _ports(self, e: Event) -> None:
        """Connect each of the event's outputs to the steps attached there."""
        for port, kids in self._outputs(e):
            if kids:
                self._group(kids, [(self.main[e.id], port)], e.id)

    def _outputs(self, e: Event) -> list[tuple[str, list[Event]]]:
        node_kind = self.b.kind(self.main[e.id])
        if node_kind == K.EXIT.name:
            if e.children:
                self.b.warn(e.id, "removes the contact from the campaign, so the steps after it never run; left out")
            return []
        if node_kind == K.WAIT_EVENT.name:
            return [("event", [k for k in e.children if k.path != "no"]),
                    ("timeout", [k for k in e.children if k.path == "no"])]
        if node_kind == K.IF.name:
            return [("yes", [k for k in e.children if k.path != "no"]), ("no", [k for k in e.children if k.path == "no"])]
        return [("next", e.children)]

    def _open_ports(self, e: Event) -> list[tuple[str, str | None]]:
        """Where a contact stands when the event's part of the graph has run out: the outputs that
        lead nowhere, its own or those of the steps after it."""
        if e.id not in self.main:
            return []                                # a jump: the path went elsewhere
        out = []
        for port, kids in self._outputs(e):
            if kids:
                out += self._open_ports(self._ordered(kids)[-1])
            elif self.b.kind(self.main[e.id]) != K.EXIT.name:
                out.append((self.main[e.id], port))
        return out

    def _ordered(self, kids: list[Event]) -> list[Event]:
        """Side-by-side steps in the order they will run: those that never wait first, so that a
        decision waiting days for a click does not hold back an email Mautic sends at once."""
        def waits_inside(e: Event) -> bool:
            return (e.kind == "decision" or e.mode == "date" or (e.mode == "interval" and _positive(e.interval))
                    or any(waits_inside(k) for k in e.children))
        return sorted(kids, key=lambda k: (waits_inside(k), k.order, (self.c.positions.get(k.id) or [0, 0])[0],
                                           _order(k.id), k.id))

    def _group(self, kids: list[Event], incoming: list[tuple[str, str | None]], at: str) -> None:
        ordered = self._ordered(kids)
        if len(ordered) > 1:
            self.b.warn(at, f"{len(ordered)} steps start here side by side in Mautic; a Switchback contact follows "
                            "one path, so they run one after another: "
                            + ", then ".join(f"{k.id} ({k.label})" for k in ordered))
        for i, k in enumerate(ordered):
            jump_from = k.id if k.id in self.jumps and k.id not in self.tail else None
            target = self._entry(k)
            for node, port in incoming:
                self.b.edge(node, target, port, jump_from=jump_from)
            incoming = self._open_ports(k)


def _positive(value: Any) -> bool:
    try:
        return float(value or 0) > 0
    except (TypeError, ValueError):
        return False


def _compare(ref: str, operator: str, value: Any) -> str | None:
    value = number_or_text(value)
    ops = {"=": "==", "eq": "==", "!=": "!=", "neq": "!=", "gt": ">", "gte": ">=", "lt": "<", "lte": "<="}
    if operator in ops:
        return f"{ref} {ops[operator]} {literal(value)}"
    if operator == "empty":
        return f"({ref} is none or {ref} == '')"
    if operator == "!empty":
        return f"({ref} is not none and {ref} != '')"
    if operator in ("like", "contains"):
        return f"{literal(str(value).strip('%'))} in ({ref} or '')"
    if operator == "!like":
        return f"{literal(str(value).strip('%'))} not in ({ref} or '')"
    if operator == "startsWith":
        return f"({ref} or '').startswith({literal(str(value))})"
    if operator == "endsWith":
        return f"({ref} or '').endswith({literal(str(value))})"
    if operator in ("in", "!in") and isinstance(value, list):
        return f"{ref} {'in' if operator == 'in' else 'not in'} {literal(value)}"
    return None


def _iso(value: Any) -> str | None:
    if not isinstance(value, str) or not value.strip():
        return None
    try:
        return datetime.fromisoformat(value.strip().replace(" ", "T")).isoformat()
    except ValueError:
        return None


def _hhmm(value: Any) -> str | None:
    if not isinstance(value, str):
        return None
    m = re.match(r"^(\d{1,2}):(\d{2})", value.strip())
    if not m or int(m.group(1)) > 23:
        return None
    return f"{int(m.group(1)):02d}:{m.group(2)}"


def _weekdays(days: Any) -> list[str]:
    out: list[str] = []
    for d in days or []:
        try:
            d = int(d)
        except (TypeError, ValueError):
            continue
        names = ["mon", "tue", "wed", "thu", "fri"] if d == -1 else [WEEKDAYS.get(d)]
        out += [n for n in names if n and n not in out]
    return [d for d in ("mon", "tue", "wed", "thu", "fri", "sat", "sun") if d in out]
