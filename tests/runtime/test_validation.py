"""Each problem the validator knows, built as a bad journey, with the message a person reads."""
import copy

import pytest

from switchback.runtime import document, validation
from tests.conftest import DATA

GOOD = {
    "format": "switchback.journey/1", "key": "nurture", "name": "Nurture",
    "nodes": [
        {"id": "start", "kind": "trigger.event", "config": {"event": "form_submitted"}},
        {"id": "wait", "kind": "wait.event", "config": {"event": "email_clicked", "timeout": "2d"}},
        {"id": "hot", "kind": "action.score", "config": {"add": 20}},
        {"id": "nudge", "kind": "action.email", "config": {"connector": "smtp", "subject": "Hi {{ contact.first_name }}", "body": "..."}},
    ],
    "edges": [
        {"from": "start", "to": "wait"},
        {"from": "wait", "port": "event", "to": "hot"},
        {"from": "wait", "port": "timeout", "to": "nudge"},
    ],
}


def problems(mutate) -> list[str]:
    data = copy.deepcopy(GOOD)
    mutate(data)
    return [p.line("j.json") for p in validation.validate(document.from_dict(data))]


def node(data, node_id):
    return next(n for n in data["nodes"] if n["id"] == node_id)


def test_a_well_formed_journey_has_no_problem():
    assert problems(lambda d: None) == []


def test_a_well_formed_journey_of_every_kind_has_no_problem():
    assert validation.validate(document.load(DATA / "every-kind.journey.json")) == []


CASES = [
    ("no trigger", lambda d: (d["nodes"].pop(0), d["edges"].pop(0)),
     ["j.json:journey: the journey has no trigger"]),
    ("unknown kind", lambda d: node(d, "hot").update(kind="action.fax"),
     ["j.json:hot: unknown node kind 'action.fax'"]),
    ("bad config", lambda d: node(d, "wait").update(config={"event": "email_clicked", "timeout": "two days"}),
     ["j.json:wait: config.timeout: 'two days' is not a duration (use a number and s, m, h, d or w, such as 30m, 2d, 1w)"]),
    ("missing config", lambda d: node(d, "nudge")["config"].pop("connector"),
     ["j.json:nudge: config.connector: is required"]),
    ("a typo in a config key", lambda d: node(d, "hot")["config"].update(ad=1),
     ["j.json:hot: config.ad: is not a setting of this kind (a typo?)"]),
    ("edge to an unknown node", lambda d: d["edges"].append({"from": "hot", "to": "ghost"}),
     ["j.json:hot: an edge goes to unknown node 'ghost'"]),
    ("edge from an unknown node", lambda d: d["edges"].append({"from": "ghost", "to": "hot"}),
     ["j.json:ghost: an edge leaves from unknown node 'ghost'"]),
    ("unknown port", lambda d: d["edges"][1].update(port="clicked"),
     ["j.json:wait: unknown port 'clicked' (this node has event, timeout)"]),
    ("missing port", lambda d: d["edges"][1].pop("port"),
     ["j.json:wait: the edge to 'hot' must name a port (event, timeout)"]),
    ("two edges from one port", lambda d: d["edges"].append({"from": "wait", "port": "event", "to": "nudge"}),
     ["j.json:wait: port 'event' has two edges (to 'hot' and 'nudge')"]),
    ("edge into a trigger", lambda d: d["edges"].append({"from": "hot", "to": "start"}),
     ["j.json:start: a trigger has no input, but an edge comes from 'hot'"]),
    ("unreachable node", lambda d: d["nodes"].append({"id": "lost", "kind": "action.score", "config": {"add": 1}}),
     ["j.json:lost: no trigger reaches this node"]),
    ("cycle without a wait", lambda d: d["edges"].extend([{"from": "hot", "to": "nudge"}, {"from": "nudge", "to": "hot"}]),
     ["j.json:hot: a loop without a wait (hot -> nudge) would run forever"]),
    ("condition that does not compile", lambda d: d["nodes"][0]["config"].update(where="event.properties.form =="),
     ["j.json:start: config.where: condition does not compile: the condition ends with '==': what it compares with "
      "is missing (unexpected 'end of template')"]),
    ("template that does not compile", lambda d: node(d, "nudge")["config"].update(subject="Hi {{ contact.first_name"),
     ["j.json:nudge: config.subject: template does not compile: a {{ is not closed: add }} (unexpected end of "
      "template, expected 'end of print statement', line 1)"]),
    ("template reaching for internals", lambda d: node(d, "nudge")["config"].update(body="{{ ''.__class__.__mro__ }}"),
     ["j.json:nudge: config.body: template reaches for Python internals (__mro__), which is not allowed"]),
    ("condition reaching for internals", lambda d: d["nodes"][0]["config"].update(where="contact._data"),
     ["j.json:start: config.where: condition reaches for Python internals (_data), which is not allowed"]),
    ("suppresses itself", lambda d: d.update(settings={"suppresses": ["nurture"]}),
     ["j.json:settings.suppresses: a journey cannot suppress itself"]),
    ("enrolls in itself", lambda d: node(d, "hot").update(kind="action.enroll", config={"journey": "nurture"}),
     ["j.json:hot: a journey cannot enroll contacts in itself"]),
    ("bad setting", lambda d: d.update(settings={"reentry": "sometimes"}),
     ["j.json:settings.reentry: 'sometimes' is not never, always or after:<duration>"]),
    ("bad exit condition", lambda d: d.update(settings={"exit_when": "contact.stage = 'x'"}),
     ["j.json:settings.exit_when: condition does not compile: unexpected '=' after the expression (to compare, write ==)"]),
    ("duplicate node id", lambda d: d["nodes"].append({"id": "hot", "kind": "action.score", "config": {"add": 1}}),
     ["j.json:hot: this node id is used twice"]),
    ("key not a slug", lambda d: d.update(key="My Journey"),
     ["j.json:journey: key 'My Journey' is not a slug (lower-case letters, digits, - and _)"]),
    ("duplicate switch port", lambda d: node(d, "hot").update(kind="branch.switch", config={"cases": [
        {"port": "x", "when": "true"}, {"port": "x", "when": "false"}]}),
     ["j.json:hot: config: port 'x' is used twice"]),
]


@pytest.mark.parametrize("name,mutate,expected", CASES, ids=[c[0] for c in CASES])
def test_each_problem_is_reported_at_its_place(name, mutate, expected):
    assert problems(mutate) == expected


def test_a_loop_through_a_wait_is_fine():
    def loop(d):
        d["edges"].append({"from": "nudge", "to": "wait"})
    assert problems(loop) == []
