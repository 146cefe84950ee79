"""The journey diff (SPEC section 13): every kind of change is named, and nothing else."""
import copy
import json

from switchback.runtime import document
from switchback.runtime.diff import describe, diff

BASE = {
    "format": "switchback.journey/1", "key": "nurture", "name": "Nurture",
    "settings": {"priority": 10, "reentry": "never"},
    "nodes": [
        {"id": "start", "kind": "trigger.event", "config": {"event": "form_submitted"}, "position": [0, 0]},
        {"id": "thanks", "kind": "action.email", "label": "Thank you",
         "config": {"connector": "smtp", "subject": "Your guide", "body": "Hi"}, "position": [0, 120]},
        {"id": "wait", "kind": "wait.event", "config": {"event": "email_clicked", "timeout": "2d"}, "position": [0, 240]},
        {"id": "hot", "kind": "action.score", "config": {"add": 20}, "position": [-200, 360]},
        {"id": "nudge", "kind": "action.email", "config": {"connector": "smtp", "subject": "Still there?", "body": "."},
         "position": [200, 360]},
    ],
    "edges": [{"from": "start", "to": "thanks"}, {"from": "thanks", "to": "wait"},
              {"from": "wait", "port": "event", "to": "hot"}, {"from": "wait", "port": "timeout", "to": "nudge"}],
}


def journeys(change):
    after = copy.deepcopy(BASE)
    change(after)
    return document.from_dict(copy.deepcopy(BASE)), document.from_dict(after)


def node(doc, node_id):
    return next(n for n in doc["nodes"] if n["id"] == node_id)


def empty(**parts):
    out = {"nodes": {"added": [], "removed": [], "changed": {}}, "edges": {"added": [], "removed": []}, "settings": []}
    for k, v in parts.items():
        group, _, name = k.partition("_")
        if name:
            out[group][name] = v
        else:
            out[group] = v
    return out


def test_a_move_alone_is_no_change():
    def move(d):
        for n in d["nodes"]:
            n["position"] = [n["position"][0] + 400, n["position"][1] - 80]
    a, b = journeys(move)
    assert not diff(a, b) and diff(a, b).to_json() == empty()
    assert describe(diff(a, b), a, b) == []


def test_a_node_added_is_named_with_its_edges():
    def add(d):
        d["nodes"].append({"id": "slack", "kind": "action.notify",
                           "config": {"to": "owner", "connector": "smtp", "subject": "Hot", "body": ""}})
        d["edges"].append({"from": "hot", "to": "slack"})
    a, b = journeys(add)
    assert diff(a, b).to_json() == empty(nodes_added=["slack"], edges_added=[{"from": "hot", "to": "slack"}])


def test_a_node_removed_is_named_with_its_edges():
    def remove(d):
        d["nodes"] = [n for n in d["nodes"] if n["id"] != "nudge"]
        d["edges"] = [e for e in d["edges"] if e["to"] != "nudge"]
    a, b = journeys(remove)
    assert diff(a, b).to_json() == empty(nodes_removed=["nudge"],
                                         edges_removed=[{"from": "wait", "port": "timeout", "to": "nudge"}])


def test_each_changed_config_field_and_the_label_are_named_and_nothing_else():
    def edit(d):
        node(d, "thanks")["config"]["subject"] = "Your free guide"
        node(d, "thanks")["label"] = "Thanks"
        node(d, "thanks")["position"] = [40, 160]                   # moved too: still only these two
        node(d, "wait")["config"]["timeout"] = "3d"
    a, b = journeys(edit)
    d = diff(a, b)
    assert d.to_json() == empty(nodes_changed={"thanks": ["label", "subject"], "wait": ["timeout"]})
    assert describe(d, a, b) == [
        "~ node thanks (Thanks): label: 'Thank you' -> 'Thanks'",
        "~ node thanks (Thanks): subject: 'Your guide' -> 'Your free guide'",
        "~ node wait (wait.event): timeout: '2d' -> '3d'",
    ]


def test_a_config_field_added_or_removed_is_a_changed_field():
    def edit(d):
        node(d, "start")["config"]["where"] = "event.properties.form == 'ebook'"
        del node(d, "nudge")["config"]["body"]
    a, b = journeys(edit)
    assert diff(a, b).changed == {"start": ["where"], "nudge": ["body"]}


def test_an_edge_rewired_is_one_removed_and_one_added():
    def rewire(d):
        d["edges"][3]["to"] = "hot"                                # timeout now goes to hot, not nudge
    a, b = journeys(rewire)
    assert diff(a, b).to_json() == empty(edges_added=[{"from": "wait", "port": "timeout", "to": "hot"}],
                                         edges_removed=[{"from": "wait", "port": "timeout", "to": "nudge"}])
    assert describe(diff(a, b), a, b) == ["+ edge wait --timeout--> hot", "- edge wait --timeout--> nudge"]


def test_settings_changed_are_named():
    def edit(d):
        d["settings"]["priority"] = 50
        d["settings"]["quiet_hours"] = {"start": "20:00", "end": "08:00"}
        del d["settings"]["reentry"]
        d["name"] = "Ebook nurture"
    a, b = journeys(edit)
    assert diff(a, b).to_json() == empty(settings=["priority", "quiet_hours", "reentry", "name"])


def test_every_kind_at_once_round_trips_through_json():
    def everything(d):
        node(d, "hot")["position"] = [0, 0]
        node(d, "hot")["config"]["add"] = 25
        d["nodes"] = [n for n in d["nodes"] if n["id"] != "nudge"]
        d["edges"] = [e for e in d["edges"] if e["to"] != "nudge"]
        d["nodes"].append({"id": "late", "kind": "action.score", "config": {"add": -5}})
        d["edges"].append({"from": "wait", "port": "timeout", "to": "late"})
        d["settings"]["priority"] = 11
    a, b = journeys(everything)
    out = json.loads(json.dumps(diff(a, b).to_json()))
    assert out == {"nodes": {"added": ["late"], "removed": ["nudge"], "changed": {"hot": ["add"]}},
                   "edges": {"added": [{"from": "wait", "port": "timeout", "to": "late"}],
                             "removed": [{"from": "wait", "port": "timeout", "to": "nudge"}]},
                   "settings": ["priority"]}
