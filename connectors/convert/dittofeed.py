"""Dittofeed journeys as journeys.

Reads a JourneyResource (`{"name", "definition", ...}` as the admin API and the database hold it)
or a bare JourneyDefinition (`{"entryNode", "exitNode", "nodes"}`), the types of
packages/isomorphic-lib/src/types.ts: EntryNode (a segment entry) and EventEntryNode, DelayNode
(Second, LocalTime, UserProperty), WaitForNode, SegmentSplitNode, MessageNode (Email, Sms,
Webhook, MobilePush), RandomCohortNode, RateLimitNode and the ExitNode every child may name.

Dittofeed's segments and user properties are separate resources, referred to by id: they do not
travel with a journey. A segment becomes a condition on the contact's `segments` list field, a
user property a contact field of the same name, and the converter says so once per segment.
"""
from __future__ import annotations

from pathlib import Path
from typing import Any

from switchback.connectors.convert.builder import Builder, duration, guarded, in_segment, slug, text
from switchback.nodes import declared as K
from switchback.runtime.document import Journey
from switchback.runtime.problems import InputError

NOT_DITTOFEED = ("not a Dittofeed journey: expected a JourneyResource with \"definition\" or a "
                 "JourneyDefinition with \"entryNode\" and \"nodes\"")
EXIT = "ExitNode"
WEEKDAYS = ["sun", "mon", "tue", "wed", "thu", "fri", "sat"]     # JavaScript's getDay() order
MIN_TIMEOUT = "1m"


@guarded("Dittofeed journey")
def convert_data(data: Any, place: str) -> tuple[Journey, list[str]]:
    if not isinstance(data, dict):
        raise InputError(place, NOT_DITTOFEED)
    resource = data if isinstance(data.get("definition"), dict) else None
    definition = data["definition"] if resource else data
    if not (isinstance(definition.get("entryNode"), dict) and isinstance(definition.get("nodes"), list)):
        raise InputError(place, NOT_DITTOFEED)
    for n in definition["nodes"]:
        if not isinstance(n, dict) or not isinstance(n.get("id"), str) or not isinstance(n.get("type"), str):
            raise InputError(place, "every node of the journey needs a string \"id\" and \"type\"")
    name = text((resource or {}).get("name")) or text(data.get("name")) or Path(place).name.split(".")[0]
    return _Converter(definition, place).run(name, resource or {})


class _Converter:
    def __init__(self, definition: dict, place: str):
        self.d = definition
        self.place = place
        self.b = Builder(place)
        self.nodes = {n["id"]: n for n in definition["nodes"]}
        self.entry: dict[str, str] = {}
        self.exit: str | None = None
        self.segments_told: set[str] = set()
        self.groups_told: set[str] = set()

    def run(self, name: str, resource: dict) -> tuple[Journey, list[str]]:
        b, entry = self.b, self.d["entryNode"]
        settings: dict[str, Any] = {}
        kind = entry.get("type")
        if kind == "EntryNode":
            segment = str(entry.get("segment") or "")
            start = b.node("df-entry", K.SEGMENT.name, {"when": in_segment(segment)},
                           label=f"Dittofeed segment {segment}", source="EntryNode")
            self._segment_told("EntryNode", segment)
            if entry.get("reEnter"):
                settings["reentry"] = "always"
        elif kind == "EventEntryNode":
            event = entry.get("event")
            if not isinstance(event, str) or not event:
                raise InputError(self.place, "the EventEntryNode has no \"event\"")
            start = b.node("df-entry", K.EVENT.name, {"event": event}, label=f"Dittofeed event {event}",
                           source="EventEntryNode")
            if entry.get("key"):
                b.warn("EventEntryNode", f"runs once per {entry['key']!r} of the event in Dittofeed; Switchback "
                                         "runs one enrollment per contact")
        else:
            raise InputError(self.place, f"unknown entry node type {kind!r} (expected EntryNode or EventEntryNode)")
        if resource.get("canRunMultiple"):
            settings["reentry"] = "always"
        child = entry.get("child")
        if isinstance(child, str):
            b.edge(start, self._node(child))
        for node_id in self.nodes:          # built too, so that the builder names what nothing reaches
            self._node(node_id)
        journey = b.finish(slug(name, "dittofeed-journey"), name, None, settings or None)
        return journey, b.warnings

    def _segment_told(self, where: str, segment: str) -> None:
        if segment not in self.segments_told:
            self.segments_told.add(segment)
            self.b.warn(where, f"segment {segment} is a separate Dittofeed resource and is not carried over; "
                               f"the condition expects the contact's `segments` field to list it")

    def _exit(self) -> str:
        if self.exit is None:
            self.exit = self.b.node("df-exit", K.EXIT.name, {}, label="Exit", source=EXIT)
        return self.exit

    def _node(self, node_id: str) -> str:
        """The Switchback node a contact reaching Dittofeed node `node_id` enters (built once)."""
        if node_id == EXIT:
            return self._exit()
        if node_id in self.entry:
            return self.entry[node_id]
        n = self.nodes.get(node_id)
        if n is None:
            self.b.warn(node_id, "is named as a next step but is not in the journey; the path ends with an exit here")
            return self._exit()
        kind = n["type"]
        build = {"DelayNode": self._delay, "WaitForNode": self._wait_for, "SegmentSplitNode": self._split,
                 "MessageNode": self._message, "RandomCohortNode": self._cohort}.get(kind, self._other)
        return build(n)

    def _then(self, node: str, child: Any, port: str | None = None) -> None:
        if isinstance(child, str):
            self.b.edge(node, self._node(child), port)

    # -- nodes ----------------------------------------------------------------------------------
    def _delay(self, n: dict) -> str:
        b, v, nid = self.b, n.get("variant") or {}, f"df-{n['id']}"
        vt = v.get("type")
        if vt == "Second" and isinstance(v.get("seconds"), (int, float)) and duration(v["seconds"]):
            node = b.node(nid, K.DELAY.name, {"duration": duration(v["seconds"])},
                          label=text(n.get("name")) or f"Wait {duration(v['seconds'])}", source=n["id"])
        elif vt == "LocalTime" and _clock(v.get("hour"), v.get("minute")):
            config: dict[str, Any] = {"time": _clock(v.get("hour"), v.get("minute"))}
            days = [WEEKDAYS[d] for d in v.get("allowedDaysOfWeek") or [] if isinstance(d, int) and 0 <= d < 7]
            if days:
                config["weekdays"] = days
            if v.get("defaultTimezone"):
                b.warn(n["id"], f"its default time zone {v['defaultTimezone']} is not carried over; Switchback uses "
                                "the contact's time zone, else the workspace's")
            default = f"Wait until {config['time']}" + (f" on {', '.join(days)}" if days else "")
            node = b.node(nid, K.UNTIL.name, config, label=text(n.get("name")) or default, source=n["id"])
        elif vt == "UserProperty" and isinstance(v.get("userProperty"), str) and v["userProperty"].strip():
            config = {"field": v["userProperty"]}
            offset = duration(v["offsetSeconds"]) if isinstance(v.get("offsetSeconds"), (int, float)) else None
            if offset:
                config["offset"] = ("-" if v.get("offsetDirection") == "before" else "") + offset
            b.warn(n["id"], f"waits for the date in user property {v['userProperty']}, a separate Dittofeed resource; "
                            "here it is the contact field of that name")
            default = f"Wait until the date in {v['userProperty']}" + (f" {config['offset']}" if "offset" in config else "")
            node = b.node(nid, K.UNTIL.name, config, label=text(n.get("name")) or default, source=n["id"])
        else:
            b.warn(n["id"], f"a DelayNode of variant {vt!r} cannot be read; kept as a placeholder 1m wait")
            node = b.node(nid, K.DELAY.name, {"duration": "1m"}, label=f"Not converted: DelayNode {n['id']}",
                          source=n["id"])
        self.entry[n["id"]] = node
        self._then(node, n.get("child"))
        return node

    def _wait_for(self, n: dict) -> str:
        b, nid = self.b, f"df-{n['id']}"
        children = [c for c in n.get("segmentChildren") or [] if isinstance(c, dict) and c.get("segmentId")]
        seconds = n.get("timeoutSeconds") if isinstance(n.get("timeoutSeconds"), (int, float)) else 0
        timeout = duration(seconds)
        if not timeout:
            b.warn(n["id"], f"has no timeout; here it gives up after {MIN_TIMEOUT}")
            timeout = MIN_TIMEOUT
        if not children:
            node = b.node(nid, K.DELAY.name, {"duration": timeout}, label=text(n.get("name")), source=n["id"])
            self.entry[n["id"]] = node
            self._then(node, n.get("timeoutChild"))
            return node
        for c in children:
            self._segment_told(n["id"], str(c["segmentId"]))
        where = " or ".join(in_segment(str(c["segmentId"])) for c in children)
        node = b.node(nid, K.WAIT_EVENT.name, {"event": "contact_updated", "where": where, "timeout": timeout},
                      label=text(n.get("name")) or "Wait for segment " + ", ".join(str(c["segmentId"]) for c in children),
                      source=n["id"])
        self.entry[n["id"]] = node
        if len(children) == 1:
            self._then(node, children[0].get("id"), "event")
        else:
            cases = [{"port": f"segment-{i + 1}", "when": in_segment(str(c["segmentId"]))}
                     for i, c in enumerate(children[:-1])]
            switch = b.node(f"{nid}-which", K.SWITCH.name, {"cases": cases},
                            label="Which segment", source=n["id"])
            b.edge(node, switch, "event")
            for case, c in zip(cases, children):
                self._then(switch, c.get("id"), case["port"])
            self._then(switch, children[-1].get("id"), "else")
        self._then(node, n.get("timeoutChild"), "timeout")
        return node

    def _split(self, n: dict) -> str:
        b, v, nid = self.b, n.get("variant") or {}, f"df-{n['id']}"
        if v.get("type") != "Boolean" or not v.get("segment"):
            b.warn(n["id"], f"a SegmentSplitNode of variant {v.get('type')!r} cannot be read; kept as a placeholder "
                            "condition that always takes the no path until edited")
            node = b.node(nid, K.IF.name, {"when": "false"}, label=f"Not converted: SegmentSplitNode {n['id']}",
                          source=n["id"])
        else:
            self._segment_told(n["id"], str(v["segment"]))
            node = b.node(nid, K.IF.name, {"when": in_segment(str(v["segment"]))},
                          label=text(n.get("name")) or f"In segment {v['segment']}", source=n["id"])
        self.entry[n["id"]] = node
        self._then(node, v.get("trueChild"), "yes")
        self._then(node, v.get("falseChild"), "no")
        return node

    def _message(self, n: dict) -> str:
        b, v, nid = self.b, n.get("variant") or {}, f"df-{n['id']}"
        template = v.get("templateId")
        channel = v.get("type")
        if channel == "Email" and template:
            node = b.node(nid, K.EMAIL.name, {
                "connector": "email",
                "subject": f"Dittofeed email template {template}",
                "body": f"Placeholder for the body of Dittofeed email template {template}: copy it from Dittofeed."},
                label=text(n.get("name")) or f"Email {template}", source=n["id"])
        elif channel == "Sms" and template:
            node = b.node(nid, K.SMS.name, {
                "connector": "sms",
                "body": f"Placeholder for Dittofeed SMS template {template}: copy its text from Dittofeed."},
                label=text(n.get("name")) or f"SMS {template}", source=n["id"])
        else:
            node = b.placeholder(nid, f"MessageNode ({channel})", n["id"], text(n.get("name")))
        group = n.get("subscriptionGroupId")
        if group and group not in self.groups_told:
            self.groups_told.add(group)
            b.warn(n["id"], f"subscription group {group} is not carried over; Switchback checks the contact's "
                            f"consent for the channel instead")
        self.entry[n["id"]] = node
        self._then(node, n.get("child"))
        return node

    def _cohort(self, n: dict) -> str:
        b, nid = self.b, f"df-{n['id']}"
        children = [c for c in n.get("children") or [] if isinstance(c, dict) and isinstance(c.get("id"), str)]
        usable = [c for c in children if isinstance(c.get("percent"), (int, float)) and c["percent"] > 0]
        for c in children:
            if c not in usable:
                b.warn(n["id"], f"cohort {text(c.get('name')) or c.get('id')} gets no contacts; left out")
        if len(usable) < 2:
            b.warn(n["id"], "a RandomCohortNode with fewer than two cohorts; everyone takes the one path")
            node = b.node(nid, K.DELAY.name, {"duration": "1m"}, label=f"Not converted: RandomCohortNode {n['id']}",
                          source=n["id"])
            self.entry[n["id"]] = node
            if usable:
                self._then(node, usable[0]["id"])
            return node
        ports, variants = [], []
        for i, c in enumerate(usable):
            port = base = slug(text(c.get("name")), f"cohort-{i + 1}")
            k = 2
            while port in ports:
                port, k = f"{base}-{k}", k + 1
            ports.append(port)
            variants.append({"port": port, "weight": c["percent"]})
        node = b.node(nid, K.SPLIT.name, {"variants": variants}, label=text(n.get("name")) or "Random cohorts",
                      source=n["id"])
        self.entry[n["id"]] = node
        for port, c in zip(ports, usable):
            self._then(node, c["id"], port)
        return node

    def _other(self, n: dict) -> str:
        node = self.b.placeholder(f"df-{n['id']}", n["type"], n["id"], text(n.get("name")))
        self.entry[n["id"]] = node
        self._then(node, n.get("child"))
        return node


def _clock(hour: Any, minute: Any) -> str | None:
    """`09:00` from Dittofeed's hour and minute; None when they are not a time of day."""
    minute = 0 if minute is None else minute
    if isinstance(hour, bool) or isinstance(minute, bool) or not isinstance(hour, (int, float)) \
            or not isinstance(minute, (int, float)) or hour != int(hour) or minute != int(minute):
        return None
    if not (0 <= hour <= 23 and 0 <= minute <= 59):
        return None
    return f"{int(hour):02d}:{int(minute):02d}"
