"""HubSpot workflows (automation v4 flows) as journeys.

Reads a flow as `GET /automation/v4/flows/{flowId}` returns it (or a batch read's `results` with
one flow): `actions` wired by `connection.nextActionId` from `startActionId`, branches
(`LIST_BRANCH` with `listBranches` and a `defaultBranch`, `STATIC_BRANCH` with `staticBranches`
on an `inputValue`, `AB_TEST_BRANCH` with `testBranches`), `WEBHOOK` and `CUSTOM_CODE` actions,
and `SINGLE_CONNECTION` actions told apart by `actionTypeId` (0-1 delay, 0-35 delay until a date,
0-4 send email, 0-5 set property ...); `enrollmentCriteria` (EVENT_BASED, LIST_BASED, MANUAL).

HubSpot's filters become conditions where they are property filters; other filters (list
membership, page views, associations ...) do not, and the converter says where.
"""
from __future__ import annotations

from datetime import datetime, timedelta, timezone
from typing import Any

from switchback.connectors.convert.builder import (Builder, as_seconds, duration, field, guarded, literal,
                                        number_or_text, slug, text, valid_condition)
from switchback.nodes import declared as K
from switchback.runtime.document import Journey
from switchback.runtime.problems import InputError

NOT_HUBSPOT = ("not a HubSpot workflow: expected an automation v4 flow with \"actions\" "
               "(objects with \"actionId\")")

# HubSpot contact properties that have a standard Switchback name.
PROPERTIES = {"firstname": "first_name", "lastname": "last_name", "jobtitle": "job_title",
              "lifecyclestage": "lifecycle_stage", "hubspot_owner_id": "owner", "hubspotscore": "score",
              "mobilephone": "phone"}

# Unified event type ids as HubSpot's reference lists them, as Switchback event types.
EVENTS = {"4-1639801": "form_submitted", "4-666440": "email_opened", "4-666288": "email_clicked",
          "4-665538": "email_replied", "4-665536": "email_delivered", "4-1639797": "form_viewed",
          "4-96000": "page_view"}

ACTION_NAMES = {"0-1": "delay", "0-3": "create task", "0-4": "send marketing email", "0-5": "set property",
                "0-8": "send internal email notification", "0-9": "send in-app notification",
                "0-11": "rotate record to owner", "0-13": "add to / remove from list", "0-14": "create record",
                "0-35": "delay until a date", "0-63809083": "add to static list",
                "0-63863438": "remove from static list"}

# "Property value changed": its `hs_name` is the property that changed, `hs_value` the new value.
PROPERTY_CHANGED = "4-655002"

OBJECTS = {"0-1": "contact", "0-2": "company", "0-3": "deal", "0-5": "ticket"}


@guarded("HubSpot workflow")
def convert_data(data: Any, place: str) -> tuple[Journey, list[str]]:
    flow = _flow(data, place)
    return _Converter(flow, place).run()


def _flow(data: Any, place: str) -> dict:
    if isinstance(data, dict) and isinstance(data.get("results"), list) and "actions" not in data:
        if len(data["results"]) != 1:
            raise InputError(place, f"holds {len(data['results'])} workflows; fetch one workflow per file")
        data = data["results"][0]
    if not isinstance(data, dict) or not isinstance(data.get("actions"), list):
        raise InputError(place, NOT_HUBSPOT)
    for a in data["actions"]:
        if not isinstance(a, dict) or "actionId" not in a:
            raise InputError(place, NOT_HUBSPOT + "; an action without an actionId is an older (v3) workflow")
    return data


def _next(connection: Any) -> tuple[str | None, bool]:
    """(next action id, whether it is a go-to)."""
    if not isinstance(connection, dict) or connection.get("nextActionId") in (None, ""):
        return None, False
    return str(connection["nextActionId"]), str(connection.get("edgeType") or "").upper().replace("-", "") == "GOTO"


class _Converter:
    def __init__(self, flow: dict, place: str):
        self.f = flow
        self.place = place
        self.b = Builder(place)
        self.actions = {str(a["actionId"]): a for a in flow["actions"]}
        self.node: dict[str, str] = {}

    def run(self) -> tuple[Journey, list[str]]:
        f, b = self.f, self.b
        settings: dict[str, Any] = {}
        name = text(f.get("name")) or f"HubSpot workflow {text(f.get('id'))}".strip()
        if f.get("objectTypeId") not in (None, "0-1"):
            what = OBJECTS.get(f["objectTypeId"], f"object type {f['objectTypeId']}")
            b.warn("flow", f"enrolls {what} records in HubSpot; here it enrolls contacts")
        triggers = self._triggers(f.get("enrollmentCriteria"), settings)
        for aid in self.actions:
            self._build(aid)
        for aid in self.actions:
            self._wire(aid)
        start = f.get("startActionId")
        start = str(start) if start not in (None, "") else None
        if start is None and self.actions:
            start = next(iter(self.actions))
            b.warn("flow", f"has no startActionId; it starts at action {start}, the first in the file")
        if start is not None and start not in self.node:
            b.warn("flow", f"starts at action {start}, which is not in the file")
        elif start is not None:
            for t in triggers:
                b.edge(t, self.node[start])
        self._settings(settings)
        journey = b.finish(slug(name, "hubspot-workflow"), name, text(f.get("description")) or None, settings or None)
        return journey, b.warnings

    # -- enrollment -----------------------------------------------------------------------------
    def _triggers(self, criteria: Any, settings: dict[str, Any]) -> list[str]:
        b = self.b
        criteria = criteria if isinstance(criteria, dict) else {}
        kind = criteria.get("type")
        if criteria.get("shouldReEnroll"):
            settings["reentry"] = "always"
        out: list[str] = []
        if kind == "EVENT_BASED":
            for i, branch in enumerate(criteria.get("eventFilterBranches") or []):
                if not isinstance(branch, dict):
                    continue
                type_id = str(branch.get("eventTypeId") or "")
                if type_id == PROPERTY_CHANGED and (changed := self._property_changed(branch)) is not None:
                    out.append(b.node(f"hs-enroll-{i + 1}" if i else "hs-enroll", K.FIELD_CHANGED.name, changed,
                                      label=f"HubSpot property change ({type_id})", source="enrollmentCriteria"))
                    continue
                event = EVENTS.get(type_id)
                if event is None:
                    event = "hubspot_event_" + slug(type_id).replace("-", "_")
                    b.warn("enrollmentCriteria", f"event type {type_id} has no Switchback name; the trigger waits for "
                                                 f"events of type {event!r}")
                config: dict[str, Any] = {"event": event}
                where = self._filters(branch, "event.properties", "enrollmentCriteria")
                refine = criteria.get("refinementCriteria")
                if isinstance(refine, dict):
                    contact = self._filters(refine, "contact", "enrollmentCriteria")
                    where = " and ".join(f"({w})" for w in (where, contact) if w) or None
                if where:
                    config["where"] = where
                if branch.get("operator") not in (None, "HAS_COMPLETED"):
                    b.warn("enrollmentCriteria", f"the event filter {branch.get('operator')} is not carried over; "
                                                 "the trigger fires when the event happens")
                out.append(b.node(f"hs-enroll-{i + 1}" if i else "hs-enroll", K.EVENT.name, config,
                                  label=f"HubSpot event {type_id}", source="enrollmentCriteria"))
            if criteria.get("listMembershipFilterBranches"):
                b.warn("enrollmentCriteria", "its list membership filters are not carried over")
        elif kind == "LIST_BASED":
            when = self._filters(criteria.get("listFilterBranch"), "contact", "enrollmentCriteria")
            if when:
                out.append(b.node("hs-enroll", K.SEGMENT.name, {"when": when}, label="HubSpot enrollment filters",
                                  source="enrollmentCriteria"))
                if criteria.get("unEnrollObjectsNotMeetingCriteria"):
                    settings["exit_when"] = f"not ({when})"
            else:
                b.warn("enrollmentCriteria", "its filters are empty or cannot be carried over; contacts are "
                                             "enrolled by hand (trigger.manual)")
        elif kind not in (None, "MANUAL"):
            b.warn("enrollmentCriteria", f"enrollment of type {kind} is not carried over; contacts are enrolled "
                                         "by hand (trigger.manual)")
        if not out:
            out.append(b.node("hs-enroll", K.MANUAL.name, {}, label="Enrolled by hand", source="enrollmentCriteria"))
        return out

    def _property_changed(self, branch: dict) -> dict[str, Any] | None:
        """A property-change enrollment as a field_changed trigger: `hs_name` names the property and
        `hs_value` may pin the new value. None when its filters say anything else."""
        name = value = None
        for f in branch.get("filters") or []:
            op = f.get("operation") if isinstance(f, dict) and isinstance(f.get("operation"), dict) else {}
            operator, values = op.get("operator"), op.get("values") or ([op["value"]] if "value" in op else [])
            prop = f.get("property") if isinstance(f, dict) else None
            if prop == "hs_name" and operator in ("IS_EQUAL_TO", "IS_ANY_OF") and len(values) == 1:
                name = str(values[0])
            elif prop == "hs_value" and operator in ("IS_EQUAL_TO", "IS_ANY_OF") and len(values) == 1:
                value = values[0]
            elif not (prop == "hs_value" and operator == "IS_KNOWN"):
                return None
        if name is None or branch.get("filterBranches"):
            return None
        config: dict[str, Any] = {"field": PROPERTIES.get(name, name)}
        if value is not None:
            config["to"] = value
        return config

    def _settings(self, settings: dict[str, Any]) -> None:
        f, b = self.f, self.b
        goal = f.get("goalFilterBranch")
        if isinstance(goal, dict):
            when = self._filters(goal, "contact", "goalFilterBranch")
            if when:
                settings["goal"] = when
        for key, what in (("timeWindows", "its execution time windows"), ("blockedDates", "its blocked dates"),
                          ("suppressionListIds", "its suppression lists"),
                          ("unEnrollmentSetting", "its un-enrollment from other workflows")):
            value = f.get(key)
            if value and not (isinstance(value, dict) and value.get("type") in (None, "NONE")):
                b.warn(key, f"{what} are not carried over" if key != "unEnrollmentSetting" else f"{what} is not carried over")

    # -- filters --------------------------------------------------------------------------------
    def _filters(self, branch: Any, prefix: str, where: str) -> str | None:
        """A HubSpot filter branch as a condition; None (with a warning) when it is empty or holds
        filters other than property filters."""
        if not isinstance(branch, dict):
            return None
        code = self._branch(branch, prefix)
        if code is None:
            self.b.warn(where, "filters other than property filters (lists, events, associations ...) are "
                               "not carried over")
            return None
        if code == "":
            return None
        return code if valid_condition(code) else None

    def _branch(self, branch: dict, prefix: str) -> str | None:
        parts = []
        for f in branch.get("filters") or []:
            part = self._filter(f, prefix)
            if part is None:
                return None
            parts.append(part)
        for sub in branch.get("filterBranches") or []:
            if not isinstance(sub, dict):
                continue
            part = self._branch(sub, prefix)
            if part is None:
                return None
            if part:
                parts.append(part)
        if not parts:
            return ""
        kind = str(branch.get("filterBranchType") or "AND").upper()

        def joined(op: str) -> str:
            return parts[0] if len(parts) == 1 else f" {op} ".join(f"({p})" for p in parts)
        if kind in ("OR",):
            return joined("or")
        if kind in ("AND", "UNIFIED_EVENTS"):
            return joined("and")
        if kind == "NOT_ALL":
            return f"not ({joined('and')})"
        if kind == "NOT_ANY":
            return f"not ({joined('or')})"
        return None

    def _filter(self, f: Any, prefix: str) -> str | None:
        if not isinstance(f, dict) or f.get("filterType", "PROPERTY") != "PROPERTY" or not f.get("property"):
            return None
        prop = str(f["property"])
        ref = field(PROPERTIES.get(prop, prop)) if prefix == "contact" else f"{prefix}[{literal(prop)}]"
        op = f.get("operation") if isinstance(f.get("operation"), dict) else {}
        operator = str(op.get("operator") or "")
        values = op.get("values")
        if values is None and "value" in op:
            values = [op["value"]]
        values = [number_or_text(v) if op.get("operationType") == "NUMBER" else v for v in values or []]
        one = values[0] if values else None
        compare = {"IS_GREATER_THAN": ">", "IS_GREATER_THAN_OR_EQUAL_TO": ">=", "IS_LESS_THAN": "<",
                   "IS_LESS_THAN_OR_EQUAL_TO": "<=", "GT": ">", "GTE": ">=", "LT": "<", "LTE": "<="}
        if operator in ("IS_EQUAL_TO", "EQ", "IS_ANY_OF", "IS_EXACTLY") and values:
            return f"{ref} == {literal(one)}" if len(values) == 1 else f"{ref} in {literal(values)}"
        if operator in ("IS_NOT_EQUAL_TO", "NEQ", "IS_NONE_OF") and values:
            return f"{ref} != {literal(one)}" if len(values) == 1 else f"{ref} not in {literal(values)}"
        low, high = op.get("lowerBound"), op.get("upperBound")
        if operator in ("IS_BETWEEN", "IS_NOT_BETWEEN") and low is not None and high is not None:
            between = f"{ref} >= {literal(number_or_text(low))} and {ref} <= {literal(number_or_text(high))}"
            return between if operator == "IS_BETWEEN" else f"{ref} is not none and not ({between})"
        if operator == "IS_KNOWN":
            return f"{ref} is not none"
        if operator == "IS_UNKNOWN":
            return f"{ref} is none"
        if operator in compare and one is not None:
            return f"{ref} {compare[operator]} {literal(number_or_text(one))}"
        if operator in ("CONTAINS", "CONTAINS_ALL") and values:
            return " and ".join(f"{literal(str(v))} in ({ref} or '')" for v in values)
        if operator in ("DOES_NOT_CONTAIN",) and values:
            return " and ".join(f"{literal(str(v))} not in ({ref} or '')" for v in values)
        if operator == "STARTS_WITH" and one is not None:
            return f"({ref} or '').startswith({literal(str(one))})"
        if operator == "ENDS_WITH" and one is not None:
            return f"({ref} or '').endswith({literal(str(one))})"
        return None

    # -- actions --------------------------------------------------------------------------------
    def _build(self, aid: str) -> None:
        a, b, nid = self.actions[aid], self.b, f"hs-{aid}"
        kind = a.get("type")
        if kind == "LIST_BRANCH":
            self.node[aid] = self._list_branch(a, nid)
        elif kind == "STATIC_BRANCH":
            self.node[aid] = self._static_branch(a, nid)
        elif kind == "AB_TEST_BRANCH":
            branches = [c for c in a.get("testBranches") or [] if isinstance(c, dict)]
            if len(branches) < 2:
                self.node[aid] = b.placeholder(nid, "AB_TEST_BRANCH with fewer than two branches", aid)
            else:
                variants = [{"port": f"variant-{chr(97 + i) if i < 26 else i + 1}", "weight": 1}
                            for i in range(len(branches))]
                self.node[aid] = b.node(nid, K.SPLIT.name, {"variants": variants}, label="Random split",
                                        source=aid)
        elif kind == "WEBHOOK" and str(a.get("webhookUrl") or "").startswith(("http://", "https://")):
            config: dict[str, Any] = {"url": a["webhookUrl"]}
            if str(a.get("method") or "").upper() in ("POST", "PUT", "PATCH", "GET", "DELETE"):
                config["method"] = str(a["method"]).upper()
            if a.get("authSettings") or a.get("queryParams"):
                b.warn(aid, "its authentication and query parameters are not carried over; put them in a webhook "
                            "connector")
            self.node[aid] = b.node(nid, K.WEBHOOK.name, config, label="Webhook", source=aid)
        elif kind == "SINGLE_CONNECTION" or (kind is None and "actionTypeId" in a):
            self.node[aid] = self._single(a, nid)
        else:
            self.node[aid] = b.placeholder(nid, str(kind or "action"), aid)

    def _single(self, a: dict, nid: str) -> str:
        b, aid = self.b, str(a["actionId"])
        type_id = str(a.get("actionTypeId") or "")
        fields = a.get("fields") if isinstance(a.get("fields"), dict) else {}
        if type_id == "0-1":
            seconds = as_seconds(fields.get("delta"), str(fields.get("time_unit") or ""))
            if seconds is not None and duration(seconds):
                return b.node(nid, K.DELAY.name, {"duration": duration(seconds)}, label="Delay", source=aid)
        if type_id == "0-35":
            config = self._until(fields, aid)
            if config:
                return b.node(nid, K.UNTIL.name, config, label="Delay until a date", source=aid)
        if type_id == "0-4" and fields.get("content_id") not in (None, ""):
            content = fields["content_id"]
            return b.node(nid, K.EMAIL.name, {
                "connector": "email", "subject": f"HubSpot email {content}",
                "body": f"Placeholder for the body of HubSpot marketing email {content}: copy it from HubSpot."},
                label=f"Send email {content}", source=aid)
        if type_id == "0-5" and fields.get("property_name"):
            node = self._set_property(fields, nid, aid)
            if node:
                return node
        name = f"{type_id} ({ACTION_NAMES[type_id]})" if type_id in ACTION_NAMES else f"action type {type_id or '?'}"
        return b.placeholder(nid, name, aid)

    def _until(self, fields: dict, aid: str) -> dict[str, Any] | None:
        date = fields.get("date") if isinstance(fields.get("date"), dict) else {}
        config: dict[str, Any] = {}
        tod = fields.get("time_of_day") if isinstance(fields.get("time_of_day"), dict) else None
        if tod and isinstance(tod.get("hour"), int):
            config["time"] = f"{tod['hour']:02d}:{int(tod.get('minute') or 0):02d}"
        seconds = as_seconds(fields.get("delta") or 0, str(fields.get("time_unit") or "DAYS"))
        if date.get("type") == "STATIC_VALUE" and str(date.get("staticValue") or "").isdigit():
            moment = datetime.fromtimestamp(int(date["staticValue"]) / 1000, tz=timezone.utc)
            moment += timedelta(seconds=seconds or 0)
            if "time" in config:
                hour, minute = config.pop("time").split(":")
                moment = moment.replace(hour=int(hour), minute=int(minute))
            return {"at": moment.isoformat(), **config}
        if date.get("type") == "OBJECT_PROPERTY" and date.get("propertyName"):
            prop = str(date["propertyName"])
            config["field"] = PROPERTIES.get(prop, prop)
            if seconds:
                config["offset"] = duration(abs(seconds)) if seconds > 0 else "-" + duration(abs(seconds))
            return config
        return None

    def _set_property(self, fields: dict, nid: str, aid: str) -> str | None:
        b = self.b
        prop = str(fields["property_name"])
        name = PROPERTIES.get(prop, prop)
        value = fields.get("value") if isinstance(fields.get("value"), dict) else {}
        kind = value.get("type") or ("STATIC_VALUE" if "staticValue" in value else None)
        if kind == "STATIC_VALUE" and value.get("staticValue") is not None:
            text = str(value["staticValue"])
            if "{" in text:                       # a literal value, not a Switchback template
                text = "{% raw %}" + text + "{% endraw %}"
            return b.node(nid, K.UPDATE.name, {"set": {name: text}}, label=f"Set {prop}", source=aid)
        if kind == "OBJECT_PROPERTY" and value.get("propertyName"):
            other = str(value["propertyName"])
            return b.node(nid, K.UPDATE.name, {"set": {name: "{{ " + field(PROPERTIES.get(other, other)) + " }}"}},
                          label=f"Set {prop}", source=aid)
        if kind == "INCREMENT" and isinstance(value.get("incrementAmount"), (int, float)) and name == "score":
            amount = value["incrementAmount"]
            if amount == int(amount):
                return b.node(nid, K.SCORE.name, {"add": int(amount), "reason": f"HubSpot action {aid}"},
                              label=f"Add {int(amount)} to {prop}", source=aid)
        return None

    def _list_branch(self, a: dict, nid: str) -> str:
        b, aid = self.b, str(a["actionId"])
        branches = [x for x in a.get("listBranches") or [] if isinstance(x, dict)]
        conditions = []
        for i, br in enumerate(branches):
            name = text(br.get("branchName")) or f"branch {i + 1}"
            when = self._filters(br.get("filterBranch"), "contact", aid)
            if when is None:
                b.warn(aid, f"branch {name!r} has no condition here; it reads `false` until edited")
                when = "false"
            conditions.append(when)
        if len(branches) == 1:
            node = b.node(nid, K.IF.name, {"when": conditions[0]},
                          label=text(branches[0].get("branchName")) or "If/then branch", source=aid)
            return node
        cases, used = [], set()
        for i, (br, when) in enumerate(zip(branches, conditions)):
            port = base = slug(text(br.get("branchName")), f"branch-{i + 1}")
            k = 2
            while port in used or port == "else":
                port, k = f"{base}-{k}", k + 1
            used.add(port)
            cases.append({"port": port, "when": when})
        if not cases:
            return b.placeholder(nid, "LIST_BRANCH without branches", aid)
        return b.node(nid, K.SWITCH.name, {"cases": cases}, label="If/then branch", source=aid)

    def _static_branch(self, a: dict, nid: str) -> str:
        b, aid = self.b, str(a["actionId"])
        source = a.get("inputValue") if isinstance(a.get("inputValue"), dict) else {}
        prop = source.get("propertyName") if source.get("type") in (None, "OBJECT_PROPERTY") else None
        branches = [x for x in a.get("staticBranches") or [] if isinstance(x, dict)]
        if not branches:
            return b.placeholder(nid, "STATIC_BRANCH without branches", aid)
        if prop is None:
            b.warn(aid, f"branches on {source.get('type') or 'a value'} {source.get('dataKey') or ''}".rstrip()
                        + ", which Switchback cannot read; its cases read `false` until edited")
        ref = field(PROPERTIES.get(prop, prop)) if prop else None
        cases, used = [], set()
        for i, br in enumerate(branches):
            port = base = slug(br.get("branchValue"), f"value-{i + 1}")
            k = 2
            while port in used or port == "else":
                port, k = f"{base}-{k}", k + 1
            used.add(port)
            cases.append({"port": port, "when": f"{ref} == {literal(br.get('branchValue'))}" if ref else "false"})
        return b.node(nid, K.SWITCH.name, {"cases": cases},
                      label=f"Branch on {prop}" if prop else "Value branch", source=aid)

    # -- wiring ---------------------------------------------------------------------------------
    def _wire(self, aid: str) -> None:
        a, node = self.actions[aid], self.node[aid]
        kind = self.b.kind(node)
        if a.get("type") == "LIST_BRANCH":
            branches = [x for x in a.get("listBranches") or [] if isinstance(x, dict)]
            if kind == K.IF.name:
                self._link(aid, node, branches[0].get("connection"), "yes")
                self._link(aid, node, a.get("defaultBranch"), "no")
            elif kind == K.SWITCH.name:
                cases = self.b.get(node).config["cases"]
                for case, br in zip(cases, branches):
                    self._link(aid, node, br.get("connection"), case["port"])
                self._link(aid, node, a.get("defaultBranch"), "else")
        elif a.get("type") == "STATIC_BRANCH" and kind == K.SWITCH.name:
            cases = self.b.get(node).config["cases"]
            branches = [x for x in a.get("staticBranches") or [] if isinstance(x, dict)]
            for case, br in zip(cases, branches):
                self._link(aid, node, br.get("connection"), case["port"])
            self._link(aid, node, a.get("defaultBranch"), "else")
        elif a.get("type") == "AB_TEST_BRANCH" and kind == K.SPLIT.name:
            variants = self.b.get(node).config["variants"]
            for variant, connection in zip(variants, [c for c in a.get("testBranches") or [] if isinstance(c, dict)]):
                self._link(aid, node, connection, variant["port"])
        else:
            self._link(aid, node, a.get("connection"), None)

    def _link(self, aid: str, node: str, connection: Any, port: str | None) -> None:
        target, goto = _next(connection)
        if target is None:
            return
        if target not in self.node:
            self.b.warn(aid, f"continues to action {target}, which is not in the file; the path ends here")
            return
        self.b.edge(node, self.node[target], port, jump_from=aid if goto else None)
