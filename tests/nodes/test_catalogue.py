from pathlib import Path

import pytest
from pydantic import ValidationError

from switchback import nodes
from switchback.resources import icon_path

SPEC_KINDS = {
    "trigger.event": ["next"], "trigger.segment": ["next"], "trigger.field_changed": ["next"],
    "trigger.score": ["next"], "trigger.date": ["next"], "trigger.inactive": ["next"], "trigger.manual": ["next"],
    "wait.delay": ["next"], "wait.until": ["next"], "wait.event": ["event", "timeout"],
    "branch.if": ["yes", "no"], "branch.switch": None, "branch.split": None,
    "action.email": ["next"], "action.sms": ["next"], "action.webhook": ["next"], "action.update": ["next"],
    "action.score": ["next"], "action.assign_owner": ["next"], "action.notify": ["next"],
    "action.enroll": ["next"], "action.exit_journeys": ["next"], "exit": [],
}

SAMPLE = {
    "trigger.event": {"event": "form_submitted"}, "trigger.segment": {"when": "contact.score > 5"},
    "trigger.field_changed": {"field": "lifecycle_stage"}, "trigger.score": {"threshold": 50},
    "trigger.date": {"field": "renewal_date"}, "trigger.inactive": {"days": 30}, "trigger.manual": {},
    "wait.delay": {"duration": "1d"}, "wait.until": {"time": "09:00"},
    "wait.event": {"event": "email_clicked", "timeout": "2d"}, "branch.if": {"when": "contact.score > 5"},
    "branch.switch": {"cases": [{"port": "big", "when": "contact.employees > 100"}]},
    "branch.split": {"variants": [{"port": "a", "weight": 1}, {"port": "b", "weight": 3}]},
    "action.email": {"connector": "smtp", "subject": "Hi", "body": "Hello"},
    "action.sms": {"connector": "twilio", "body": "Hi"}, "action.webhook": {"url": "https://example.com"},
    "action.update": {"add_tags": ["x"]}, "action.score": {"add": -5},
    "action.assign_owner": {"pool": ["a@x.test"]},
    "action.notify": {"to": "owner", "connector": "smtp", "subject": "Hot lead", "body": "Call"},
    "action.enroll": {"journey": "other"}, "action.exit_journeys": {"journeys": "all"}, "exit": {},
}


def test_the_registry_holds_the_spec_catalogue():
    assert set(SPEC_KINDS) <= {k.name for k in nodes.kinds()}      # and kinds added since, each whole in nodes/


@pytest.mark.parametrize("name", sorted(k.name for k in nodes.kinds()))
def test_each_kind_is_described_and_a_new_node_of_it_starts_valid(name):
    kind = nodes.get(name)
    assert kind.title and kind.help and kind.category
    assert Path(icon_path(kind.icon)).read_text().startswith("<svg")
    starter = kind.config.model_validate(kind.starter)             # what the designer drops on the canvas
    assert kind.output_ports(starter) or kind.ends
    assert isinstance(kind.summary(starter), str)
    assert kind.is_trigger == (kind.enters_on is not None) and (kind.starts is not None) == kind.is_trigger


@pytest.mark.parametrize("name", sorted(SPEC_KINDS))
def test_each_spec_kind_has_its_ports(name):
    kind = nodes.get(name)
    config = kind.config.model_validate(SAMPLE[name])
    if SPEC_KINDS[name] is not None:
        assert kind.output_ports(config) == SPEC_KINDS[name]
    assert isinstance(kind.summary(config), str)


def test_ports_of_switch_and_split_come_from_their_config():
    switch = nodes.get("branch.switch")
    assert switch.output_ports(switch.config.model_validate(SAMPLE["branch.switch"])) == ["big", "else"]
    split = nodes.get("branch.split")
    assert split.output_ports(split.config.model_validate(SAMPLE["branch.split"])) == ["a", "b"]


@pytest.mark.parametrize("name,config,fragment", [
    ("wait.delay", {"duration": "2 days"}, "not a duration"),
    ("wait.delay", {"duration": "-2d"}, "longer than zero"),
    ("wait.delay", {}, "Field required"),
    ("wait.until", {"time": "25:00"}, "not a time of day"),
    ("wait.until", {"at": "2026-01-01T09:00", "field": "renewal_date"}, "either at or field"),
    ("wait.until", {"time": "09:00", "weekdays": ["monday"]}, "not a weekday"),
    ("trigger.date", {"field": "renewal_date", "offset": "soon"}, "not a duration"),
    ("wait.event", {"event": "email_clicked", "timout": "2d"}, "Extra inputs"),
    ("action.webhook", {"url": "https://a.test", "connector": "hook"}, "either connector or url"),
    ("branch.split", {"variants": [{"port": "a", "weight": 0}, {"port": "b", "weight": 1}]}, "greater than 0"),
    ("action.update", {}, "set a field"),
])
def test_bad_configs_are_refused_with_a_reason(name, config, fragment):
    with pytest.raises(ValidationError) as e:
        nodes.get(name).config.model_validate(config)
    assert fragment in str(e.value)
