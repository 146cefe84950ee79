"""`switchback convert`: real campaigns, journeys and flows from Mautic, Dittofeed and HubSpot (each
data file says where it was copied from) become journeys that validate and keep their shape.

The shape checks read the source files here, independently of the converters: every branch point
of the source must be a branching node with as many outputs, each output leading to the step the
source leads to, and every path's sends and decisions must appear in the same order along some
path of the journey (inserted waits and loop guards ignored)."""
from __future__ import annotations

import json
import re
import subprocess
import sys
from pathlib import Path

import networkx as nx
import pytest

from switchback.connectors.convert import convert
from switchback.connectors.convert.builder import slug
from switchback.connectors.convert.dittofeed import convert_data as dittofeed
from switchback.connectors.convert.hubspot_flows import convert_data as hubspot
from switchback.connectors.convert.mautic import convert_data as mautic
from switchback.runtime import document
from switchback.runtime.problems import InputError
from switchback.runtime.validation import validate
from tests.conftest import DATA, ROOT

CONVERT = DATA / "convert"
FILES = {p: sorted(str(f) for f in (CONVERT / p).glob("*.json")) for p in ("mautic", "dittofeed", "hubspot")}
ALL = [(p, f) for p, fs in FILES.items() for f in fs]


def test_each_platform_has_at_least_two_real_examples_that_say_where_they_come_from():
    for platform, files in FILES.items():
        assert len(files) >= 2, platform
        for f in files:
            data = json.loads(Path(f).read_text())
            source = (data[0] if isinstance(data, list) else data)["_source"]
            assert re.search(r"commit [0-9a-f]{40}|https://", source), f


# -- the graphs of the sources, read here without the converters -----------------------------------
class Source:
    """A source graph: step -> [(output, next step)], which steps send and which branch."""

    def __init__(self):
        self.out: dict[str, list[tuple[str, str | None]]] = {}
        self.sends: dict[str, str] = {}          # step -> "email" | "sms"
        self.branches: set[str] = set()
        self.roots: list[str] = []
        self.ids: dict[str, str] = {}            # step -> converted node id

    def reachable(self) -> set[str]:
        seen, todo = set(), list(self.roots)
        while todo:
            step = todo.pop()
            if step not in seen:
                seen.add(step)
                todo += [n for _, n in self.out.get(step, []) if n is not None]
        return seen

    def paths(self):
        """Every path from a root: the sends and branch points along it, in order."""
        out = []

        def walk(step, seen, acc):
            acc = acc + ([step] if step in self.sends or step in self.branches else [])
            nexts = [n for _, n in self.out.get(step, []) if n is not None and n not in seen]
            if not nexts:
                out.append(acc)
            for n in nexts:
                walk(n, seen | {n}, acc)

        for r in self.roots:
            walk(r, {r}, [])
        return out


def mautic_source(data) -> Source:
    s = Source()
    if isinstance(data, list):
        events = [dict(e, _parent=e.get("parent_id"), _kind=e.get("event_type"), _path=e.get("decisionPath"),
                       _props=e.get("properties") or {}) for e in data[0]["campaign_event"]]
    else:
        camp = data.get("campaign", data)
        raw = camp["events"].values() if isinstance(camp["events"], dict) else camp["events"]
        events = [dict(e, _parent=e.get("parent"), _kind=e.get("eventType"), _path=e.get("decisionPath"),
                       _props=e.get("properties") or {}) for e in raw]
        by_id = {str(e["id"]): e for e in events}
        for e in events:
            for c in e.get("children") or []:
                if by_id[str(c)]["_parent"] is None:
                    by_id[str(c)]["_parent"] = e["id"]
    ids = {str(e["id"]) for e in events}
    for e in events:
        i = str(e["id"])
        s.ids[i] = f"mautic-{slug(i)}"
        s.out.setdefault(i, [])
        if e["type"] == "email.send":
            s.sends[i] = "email"
        if e["type"] == "sms.send_text_sms":
            s.sends[i] = "sms"
        if e["_kind"] in ("decision", "condition"):
            s.branches.add(i)
        if e["type"] == "campaign.jump_to_event":
            s.out[i].append(("next", str(e["_props"].get("jumpToEvent"))))
        if e["_parent"] is None:
            s.roots.append(i)
        else:
            s.out.setdefault(str(e["_parent"]), []).append((e["_path"] or "next", i))
    assert all(n in ids for outs in s.out.values() for _, n in outs if n)
    return s


def dittofeed_source(data) -> Source:
    s = Source()
    d = data.get("definition", data)
    for n in d["nodes"]:
        i = n["id"]
        s.ids[i] = f"df-{slug(i)}"
        t, v = n["type"], n.get("variant") or {}
        if t == "MessageNode":
            s.sends[i] = {"Email": "email", "Sms": "sms"}.get(v.get("type"), "other")
            s.out[i] = [("next", n.get("child"))]
        elif t == "DelayNode":
            s.out[i] = [("next", n.get("child"))]
        elif t == "SegmentSplitNode":
            s.branches.add(i)
            s.out[i] = [("yes", v.get("trueChild")), ("no", v.get("falseChild"))]
        elif t == "RandomCohortNode":
            s.branches.add(i)
            s.out[i] = [(c["name"], c["id"]) for c in n["children"]]
        elif t == "WaitForNode":
            s.branches.add(i)
            s.out[i] = [("event", c["id"]) for c in n["segmentChildren"]] + [("timeout", n["timeoutChild"])]
    s.ids["ExitNode"] = "df-exit"
    s.out["ExitNode"] = []
    s.roots = [d["entryNode"]["child"]]
    return s


def hubspot_source(data) -> Source:
    s = Source()
    for a in data["actions"]:
        i = str(a["actionId"])
        s.ids[i] = f"hs-{slug(i)}"
        nxt = lambda c: (c or {}).get("nextActionId")
        if a["type"] == "LIST_BRANCH":
            s.branches.add(i)
            s.out[i] = [(b.get("branchName") or f"branch {k}", nxt(b.get("connection")))   # names are optional
                        for k, b in enumerate(a["listBranches"])] \
                + [("default", nxt(a.get("defaultBranch")))]
        elif a["type"] == "STATIC_BRANCH":
            s.branches.add(i)
            s.out[i] = [(b["branchValue"], nxt(b.get("connection"))) for b in a["staticBranches"]] \
                + [("default", nxt(a.get("defaultBranch")))]
        elif a["type"] == "AB_TEST_BRANCH":
            s.branches.add(i)
            s.out[i] = [(f"variant {k}", nxt(c)) for k, c in enumerate(a["testBranches"])]
        else:
            if a.get("actionTypeId") == "0-4":
                s.sends[i] = "email"
            s.out[i] = [("next", nxt(a.get("connection")))]
    known = set(s.out)
    s.out = {k: [(p, n if n in known else None) for p, n in v] for k, v in s.out.items()}
    s.roots = [str(data.get("startActionId") or data["actions"][0]["actionId"])]
    return s


SOURCES = {"mautic": mautic_source, "dittofeed": dittofeed_source, "hubspot": hubspot_source}
INSERTED = re.compile(r"-(wait|until|time|loop-guard)(-\d+)?$")


def graph(journey):
    g = nx.MultiDiGraph()
    g.add_nodes_from(n.id for n in journey.nodes)
    for e in journey.edges:
        g.add_edge(e.source, e.target, port=e.port or "next")
    return g


def skip_inserted(journey, node_id):
    """Where a contact arrives after the waits the converter inserted before a step."""
    seen = set()
    while INSERTED.search(node_id) and node_id not in seen:
        seen.add(node_id)
        node_id = journey.next_node(node_id, "next")
    return node_id


@pytest.mark.parametrize("platform,path", ALL, ids=[Path(f).name for _, f in ALL])
def test_real_examples_convert_to_journeys_that_validate(platform, path):
    journey, warnings = convert(path, platform)
    assert validate(journey) == []
    data = json.loads(Path(path).read_text())
    name = {"mautic": lambda d: (d[0]["campaign"][0] if isinstance(d, list) else d.get("campaign", d))["name"],
            "dittofeed": lambda d: d["name"], "hubspot": lambda d: d["name"]}[platform](data)
    assert journey.key == slug(name) and journey.name == name
    assert all(w.startswith(f"{path}:") and "\n" not in w for w in warnings)
    assert len(journey.triggers()) >= 1
    # the document round-trips through the file format
    assert document.loads(journey.dumps()).to_dict() == journey.to_dict()


@pytest.mark.parametrize("platform,path", ALL, ids=[Path(f).name for _, f in ALL])
def test_branch_points_keep_their_outputs_and_paths_keep_their_order(platform, path):
    data = json.loads(Path(path).read_text())
    source = SOURCES[platform](data)
    journey, _ = convert(path, platform)
    index = journey.index
    g = graph(journey)

    reached = {skip_inserted(journey, journey.next_node(t.id, "next")) for t in journey.triggers()}
    assert reached & {source.ids[r] for r in source.roots}, (reached, source.roots)

    for step, kind in source.sends.items():
        node = index.get(source.ids[step])
        if node is not None and kind in ("email", "sms"):
            assert node.kind == f"action.{kind}", step

    for step in source.branches & source.reachable():
        node = index[source.ids[step]]
        outputs = source.out.get(step, [])
        labels = list(dict.fromkeys(p for p, _ in outputs))
        ports = node.ports()
        expected = 2 if platform == "mautic" else len(labels)
        assert len(ports) == expected, (step, ports, labels)
        # each source output with a next step leads (past inserted waits) to that step, or for
        # Mautic's side-by-side steps, to one of them
        for port, label in zip(ports, _port_order(platform, node, labels)):
            wanted = {source.ids[n] for p, n in outputs if p == label and n is not None}
            if not wanted:
                continue
            target = journey.next_node(node.id, port)
            assert target is not None and skip_inserted(journey, target) in wanted, (step, port, target, wanted)

    for path_steps in source.paths():
        wanted = [source.ids[s] for s in path_steps if source.ids[s] in index]
        assert _along_some_path(g, [t.id for t in journey.triggers()], wanted), (path, wanted)


def _port_order(platform, node, labels):
    """The source output each of the node's ports stands for."""
    if platform == "mautic":
        return ["yes", "no"]
    if node.kind == "wait.event":
        return ["event", "timeout"]
    return labels


def _along_some_path(g, starts, wanted):
    """Whether the nodes `wanted` appear in this order along some path from a trigger."""
    todo = [(s, 0) for s in starts]
    seen = set()
    while todo:
        node, i = todo.pop()
        if (node, i) in seen:
            continue
        seen.add((node, i))
        if i < len(wanted) and node == wanted[i]:
            i += 1
        if i == len(wanted):
            return True
        todo += [(n, i) for n in g.successors(node)]
    return False


# -- what each converter makes of the sources --------------------------------------------------------
def test_mautic_export_maps_sources_conditions_decisions_intervals_and_jumps():
    path = FILES["mautic"][[Path(f).name for f in FILES["mautic"]].index("campaign-export-entity-data.json")]
    journey, warnings = convert(path, "mautic")
    n = journey.index
    assert n["mautic-segment-1"].kind == "trigger.segment"
    assert n["mautic-form-1"].config == {"event": "form_submitted", "where": "event.properties.form == 'test'"}
    assert n["mautic-1"].kind == "branch.if" and n["mautic-1"].config == {"when": "contact.score <= 10"}
    assert n["mautic-2"].kind == "action.score" and n["mautic-2"].config["add"] == 20
    assert n["mautic-5"].config["subject"] == "test"                # the exported email's subject
    assert n["mautic-5-wait"].config == {"duration": "1d"}          # the no path's interval
    assert n["mautic-5-time"].config == {"time": "17:00", "weekdays": ["mon", "tue", "wed"]}
    assert n["mautic-6"].kind == "wait.event" and n["mautic-6"].config["event"] == "page_view"
    assert n["mautic-1"].position == [173.0, 152.0]                 # the canvas position
    # the jump back to event 1 passes an inserted wait, so the loop is allowed
    assert journey.next_node("mautic-2", "next") == "mautic-1-loop-guard"
    assert journey.next_node("mautic-1-loop-guard", "next") == "mautic-1"
    place = f"{path}:"
    assert f"{place}7: lead.pageHit has no Switchback equivalent; kept as a placeholder condition that always " \
           "takes the no path until edited" in warnings
    assert any(w.startswith(f"{place}4: goes back to an earlier step") for w in warnings)
    assert any(w.startswith(f"{place}campaign: 2 steps start here side by side") for w in warnings)


def test_mautic_api_payload_decision_timeout_is_the_no_path_interval():
    path = next(f for f in FILES["mautic"] if f.endswith("api-create-campaign-payload.json"))
    journey, warnings = convert(path, "mautic")
    n = journey.index
    assert n["mautic-new-43"].config == {"event": "dynamic_content_viewed", "timeout": "1d"}
    assert journey.next_node("mautic-new-43", "timeout") == "mautic-new-55"     # no wait left to insert
    assert n["mautic-new-55"].config == {"url": "https://placeholder.invalid/lead-addtocompany"}
    assert n["mautic-new-55"].label == "Not converted: lead.addtocompany new_55 (Add to company action)"
    assert f"{path}:new_55: lead.addtocompany has no Switchback equivalent; kept as a placeholder" in warnings


def test_mautic_field_and_tag_actions():
    data = {"name": "Fields", "events": [
        {"id": 1, "type": "lead.updatelead", "eventType": "action", "parent": None, "triggerMode": "interval",
         "triggerInterval": 2, "triggerIntervalUnit": "h",
         "properties": {"firstname": "{contactfield=lastname|there}", "city": "Paris", "phone": ""}},
        {"id": 2, "type": "lead.changetags", "eventType": "action", "parent": 1,
         "properties": {"add_tags": ["vip"], "remove_tags": ["cold"]}},
        {"id": 3, "type": "sms.send_text_sms", "eventType": "action", "parent": 2, "properties": {"sms": 4}},
        {"id": 4, "type": "campaign.addremovelead", "eventType": "action", "parent": 3,
         "properties": {"addTo": [], "removeFrom": ["this"]}}]}
    journey, _ = mautic(data, "f.json")
    n = journey.index
    assert n["mautic-1-wait"].config == {"duration": "2h"}
    assert n["mautic-1"].config == {"set": {"first_name": "{{ contact.last_name or 'there' }}", "city": "Paris"}}
    assert n["mautic-2"].config == {"add_tags": ["vip"], "remove_tags": ["cold"]}
    assert n["mautic-3"].kind == "action.sms" and "4" in n["mautic-3"].config["body"]
    assert n["mautic-4"].kind == "exit"
    assert validate(journey) == []


def test_mautic_tag_condition_asks_the_contacts_tags():
    data = {"name": "Tags", "events": [
        {"id": 1, "type": "lead.tags", "eventType": "condition", "parent": None,
         "properties": {"tags": ["vip", "partner"]}},
        {"id": 2, "type": "lead.changepoints", "eventType": "action", "parent": 1, "decisionPath": "yes",
         "properties": {"points": 10}}]}
    journey, _ = mautic(data, "f.json")
    n = journey.index
    assert n["mautic-1"].config == {"when": "'vip' in (contact.tags or []) or 'partner' in (contact.tags or [])"}
    assert journey.next_node("mautic-1", "yes") == "mautic-2"
    assert validate(journey) == []


def test_dittofeed_nodes():
    path = next(f for f in FILES["dittofeed"] if f.endswith("nested-wait-for.json"))
    journey, warnings = convert(path, "dittofeed")
    n = journey.index
    assert n["df-entry"].config == {"when": "'project-added-segment-id' in (contact.segments or [])"}
    wait = n["df-wait-for-first-deployment-1"]
    assert (wait.kind, wait.config["timeout"], wait.config["event"]) == ("wait.event", "1w", "contact_updated")
    assert journey.next_node(wait.id, "timeout") == "df-code-deployment-reminder-1a"
    assert n["df-onboarding-segment-split-received-a"].kind == "branch.if"
    assert n["df-code-deployment-reminder-1a"].config["subject"] == \
        "Dittofeed email template 4bad6541-aabf-46ce-a51e-0702773b8397"

    path = next(f for f in FILES["dittofeed"] if f.endswith("random-cohort.json"))
    journey, warnings = convert(path, "dittofeed")
    split = journey.index["df-random-cohort-split"]
    assert split.config == {"variants": [{"port": "cohort-a", "weight": 33.33}, {"port": "cohort-b", "weight": 33.33},
                                         {"port": "cohort-c", "weight": 33.34}]}
    assert journey.index["df-entry"].config == {"event": "TestEvent"}

    path = next(f for f in FILES["dittofeed"] if f.endswith("keyed-appointment-reminder.json"))
    journey, warnings = convert(path, "dittofeed")
    assert journey.index["df-delay-for-appointment-date"].config == {
        "field": "5d0c6a52-0000-4000-8000-0000000000d1", "offset": "-1d"}
    assert "df-check-cancellation" not in journey.index       # Dittofeed's own file never reaches it
    assert f"{path}:check-cancellation: no entry point reaches this step; left out" in warnings

    path = next(f for f in FILES["dittofeed"] if f.endswith("delay-timezone.json"))
    journey, warnings = convert(path, "dittofeed")
    assert journey.index["df-delay-until-morning"].config == {"time": "09:00"}
    assert any("America/New_York is not carried over" in w for w in warnings)


def test_hubspot_docs_example():
    path = next(f for f in FILES["hubspot"] if f.endswith("guide-get-flow-585051946.json"))
    journey, warnings = convert(path, "hubspot")
    n = journey.index
    assert n["hs-enroll"].config == {"event": "form_submitted"}
    assert n["hs-1"].config == {"url": "https://placeholder.invalid/0-13-add-to-remove-from-list"}
    assert n["hs-1"].label == "Not converted: 0-13 (add to / remove from list) 1"
    assert warnings == [f"{path}:1: 0-13 (add to / remove from list) has no Switchback equivalent; kept as a placeholder",
                        f"{path}:2: 0-9 (send in-app notification) has no Switchback equivalent; kept as a placeholder"]


def test_hubspot_actions_by_type():
    """Shapes as HubSpot's SDK models and action reference give them (not a real flow)."""
    flow = {"name": "Nurture", "startActionId": "1", "enrollmentCriteria": {
        "type": "LIST_BASED", "shouldReEnroll": True, "unEnrollObjectsNotMeetingCriteria": True,
        "listFilterBranch": {"filterBranchType": "OR", "filters": [], "filterBranches": [
            {"filterBranchType": "AND", "filterBranches": [], "filters": [
                {"filterType": "PROPERTY", "property": "lifecyclestage",
                 "operation": {"operationType": "ENUMERATION", "operator": "IS_ANY_OF", "values": ["lead"]}}]}]}},
        "actions": [
            {"actionId": "1", "type": "SINGLE_CONNECTION", "actionTypeId": "0-1", "actionTypeVersion": 0,
             "fields": {"delta": "1440", "time_unit": "MINUTES"}, "connection": {"edgeType": "STANDARD", "nextActionId": "2"}},
            {"actionId": "2", "type": "STATIC_BRANCH", "inputValue": {"propertyName": "hs_lead_status", "type": "OBJECT_PROPERTY"},
             "staticBranches": [{"branchValue": "NEW", "connection": {"edgeType": "STANDARD", "nextActionId": "3"}}],
             "defaultBranchName": "Other", "defaultBranch": {"edgeType": "STANDARD", "nextActionId": "4"}},
            {"actionId": "3", "type": "AB_TEST_BRANCH", "testBranches": [
                {"edgeType": "STANDARD", "nextActionId": "5"}, {"edgeType": "STANDARD", "nextActionId": "6"}]},
            {"actionId": "4", "type": "SINGLE_CONNECTION", "actionTypeId": "0-5", "actionTypeVersion": 0,
             "fields": {"property_name": "hs_lead_status", "value": {"type": "STATIC_VALUE", "staticValue": "IN_PROGRESS"}}},
            {"actionId": "5", "type": "SINGLE_CONNECTION", "actionTypeId": "0-4", "actionTypeVersion": 0,
             "fields": {"content_id": "113782603056"}, "connection": {"edgeType": "GOTO", "nextActionId": "2"}},
            {"actionId": "6", "type": "SINGLE_CONNECTION", "actionTypeId": "0-5", "actionTypeVersion": 0,
             "fields": {"property_name": "hubspotscore", "value": {"type": "INCREMENT", "incrementAmount": 5}}},
        ]}
    journey, warnings = hubspot(flow, "flow.json")
    n = journey.index
    assert validate(journey) == []
    assert n["hs-enroll"].config == {"when": "contact.lifecycle_stage == 'lead'"}
    assert journey.settings_raw == {"reentry": "always", "exit_when": "not (contact.lifecycle_stage == 'lead')"}
    assert n["hs-1"].config == {"duration": "1d"}
    assert n["hs-2"].config == {"cases": [{"port": "new", "when": "contact.hs_lead_status == 'NEW'"}]}
    assert journey.next_node("hs-2", "else") == "hs-4"
    assert n["hs-3"].config == {"variants": [{"port": "variant-a", "weight": 1}, {"port": "variant-b", "weight": 1}]}
    assert n["hs-4"].config == {"set": {"hs_lead_status": "IN_PROGRESS"}}
    assert n["hs-5"].config["subject"] == "HubSpot email 113782603056"
    assert n["hs-6"].config == {"add": 5, "reason": "HubSpot action 6"}
    # the go-to back to the branch makes a loop: it gets a wait, and a warning naming action 5
    assert journey.next_node("hs-5", "next") == "hs-2-loop-guard"
    assert any(w.startswith("flow.json:5: goes back to an earlier step") for w in warnings)


def test_hubspot_property_change_enrollment_and_ranged_number_filters():
    """Written in the shape of HubSpot v4 flows exported from a portal (not a real flow): a
    "property value changed" enrollment (4-655002, hs_name/hs_value) and NUMBER_RANGED filters."""
    changed = {"filterType": "PROPERTY", "property": "hs_name", "operation": {
        "operationType": "STRING", "operator": "IS_EQUAL_TO", "value": "hubspotscore"}}
    ranged = lambda op, low, high: {"filterBranchType": "OR", "filters": [], "filterBranches": [
        {"filterBranchType": "AND", "filterBranches": [], "filters": [{"filterType": "PROPERTY", "property": "hubspotscore",
         "operation": {"operationType": "NUMBER_RANGED", "operator": op, "lowerBound": low, "upperBound": high,
                       "includeObjectsWithNoValueSet": False}}]}]}
    flow = {"name": "Tier", "type": "CONTACT_FLOW", "startActionId": "1", "enrollmentCriteria": {
        "type": "EVENT_BASED", "shouldReEnroll": True, "listMembershipFilterBranches": [], "eventFilterBranches": [
            {"eventTypeId": "4-655002", "operator": "HAS_COMPLETED", "filterBranchType": "UNIFIED_EVENTS",
             "filterBranchOperator": "AND", "filterBranches": [], "filters": [changed, {
                 "filterType": "PROPERTY", "property": "hs_value",
                 "operation": {"operationType": "ALL_PROPERTY", "operator": "IS_KNOWN"}}]}]},
        "actions": [
            {"actionId": "1", "type": "LIST_BRANCH", "listBranches": [
                {"filterBranch": ranged("IS_BETWEEN", 40, 69), "connection": {"edgeType": "STANDARD", "nextActionId": "2"}},
                {"filterBranch": ranged("IS_NOT_BETWEEN", 0, 39), "connection": {"edgeType": "STANDARD", "nextActionId": "3"}}]},
            {"actionId": "2", "type": "SINGLE_CONNECTION", "actionTypeId": "0-5", "actionTypeVersion": 0,
             "fields": {"property_name": "tier", "value": {"type": "STATIC_VALUE", "staticValue": "B"}}},
            {"actionId": "3", "type": "SINGLE_CONNECTION", "actionTypeId": "0-5", "actionTypeVersion": 0,
             "fields": {"property_name": "tier", "value": {"type": "STATIC_VALUE", "staticValue": "A"}}},
        ]}
    journey, warnings = hubspot(flow, "flow.json")
    n = journey.index
    assert validate(journey) == [] and warnings == []
    assert n["hs-enroll"].kind == "trigger.field_changed" and n["hs-enroll"].config == {"field": "score"}
    assert n["hs-1"].config == {"cases": [
        {"port": "branch-1", "when": "contact.score >= 40 and contact.score <= 69"},
        {"port": "branch-2", "when": "contact.score is not none and not (contact.score >= 0 and contact.score <= 39)"}]}


@pytest.mark.parametrize("convert_data,data", [
    (mautic, {"actions": []}), (mautic, [1, 2]), (mautic, "text"),
    (dittofeed, {"events": []}), (dittofeed, {"definition": {"nodes": []}}),
    (hubspot, {"events": {}}), (hubspot, {"actions": [{"type": "DELAY", "delayMillis": 3600000}]}),
])
def test_a_file_of_another_shape_is_refused(convert_data, data):
    with pytest.raises(InputError) as e:
        convert_data(data, "x.json")
    assert e.value.place == "x.json"


# -- the command line ------------------------------------------------------------------------------
def run(*args):
    return subprocess.run([sys.executable, "-m", "switchback.app", "convert", *args], capture_output=True, text=True,
                          timeout=60, cwd=ROOT)


def test_cli_writes_a_valid_journey_and_warns_on_standard_error(tmp_path):
    src = next(f for f in FILES["mautic"] if f.endswith("campaign-export-entity-data.json"))
    out = tmp_path / "campaign.journey.json"
    p = run(src, "--from", "mautic", "-o", str(out))
    assert p.returncode == 0, p.stderr
    assert validate(document.load(out)) == []
    lines = p.stderr.splitlines()
    assert lines and all(line.startswith(f"{src}:") for line in lines)
    assert f"{src}:7: lead.pageHit has no Switchback equivalent" in p.stderr
    assert "Traceback" not in p.stderr


@pytest.mark.parametrize("case", ["truncated", "other-platform", "missing"])
def test_cli_bad_input_is_one_line_naming_the_file_and_exit_two(tmp_path, case):
    if case == "truncated":
        src = tmp_path / "campaign.json"
        text = Path(FILES["mautic"][0]).read_text()
        src.write_text(text[: len(text) // 2])
        platform = "mautic"
    elif case == "other-platform":
        src = Path(next(f for f in FILES["hubspot"] if f.endswith("guide-get-flow-585051946.json")))
        platform = "dittofeed"
    else:
        src, platform = tmp_path / "gone.json", "hubspot"
    out = tmp_path / "out.journey.json"
    p = run(str(src), "--from", platform, "-o", str(out))
    assert p.returncode == 2
    lines = (p.stdout + p.stderr).strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith(str(src)), lines
    assert "Traceback" not in p.stderr and not out.exists()
