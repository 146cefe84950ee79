import json

import pytest

from switchback.runtime import document, validation
from switchback.runtime.problems import InputError
from tests.conftest import DATA
from tests.nodes.test_catalogue import SPEC_KINDS


def test_every_kind_loads_validates_and_saves_back_identical(tmp_path):
    path = DATA / "every-kind.journey.json"
    journey = document.load(path)
    assert {n.kind for n in journey.nodes} == set(SPEC_KINDS)
    assert validation.validate(journey) == []
    out = tmp_path / "out.journey.json"
    document.save(journey, out)
    assert out.read_bytes() == path.read_bytes()


def test_unknown_keys_outside_configs_survive_a_round_trip():
    data = json.loads((DATA / "every-kind.journey.json").read_text())
    data["x-source"] = {"tool": "mautic", "id": 7}
    data["nodes"][0]["x-note"] = "from the client"
    data["edges"][0]["x-colour"] = "red"
    journey = document.from_dict(data)
    assert json.loads(journey.dumps()) == data


@pytest.mark.parametrize("text,fragment", [
    ("{not json", ":1: not valid JSON"),
    ("[1, 2]", "must hold a JSON object"),
    ('{"format": "other/1"}', '"format" must be'),
    ('{"format": "switchback.journey/9", "key": "a", "name": "A", "nodes": [], "edges": []}', "newer than this Switchback"),
    ('{"format": "switchback.journey/1", "key": "a", "name": "A", "nodes": [{"kind": "exit"}], "edges": []}', 'node 1 needs'),
])
def test_a_file_that_is_not_a_journey_is_one_error_naming_it(tmp_path, text, fragment):
    path = tmp_path / "x.journey.json"
    path.write_text(text)
    with pytest.raises(InputError) as e:
        document.load(path)
    assert str(e.value).startswith(str(path)) and fragment in str(e.value)
    assert "\n" not in str(e.value)
