"""Results on the command line: bad holdouts and optimized splits are validation problems naming
their place, and `simulate --json` carries the results object."""
import json

import pytest

from tests.runtime.results_kit import split_journey
from tests.support.cli import sw


def _write(tmp_path, journey: dict) -> str:
    path = tmp_path / "ab.journey.json"
    path.write_text(json.dumps(journey))
    return str(path)


def _doc(**settings) -> dict:
    return split_journey(**settings).to_dict()


@pytest.mark.parametrize("change, says", [
    (lambda d: d["settings"].update(holdout=60), "holdout"),
    (lambda d: d["settings"].update(holdout=-1), "holdout"),
    (lambda d: d["nodes"][1]["config"].update(optimize={"metric": "revenue", "min": 100}), "metric"),
    (lambda d: d["nodes"][1]["config"].update(optimize={"metric": "goal", "min": 100},
                                              variants=[{"port": "a", "weight": 1}]), "variants"),
])
def test_bad_holdouts_and_optimized_splits_are_one_validation_problem_each(tmp_path, change, says):
    doc = _doc()
    change(doc)
    path = _write(tmp_path, doc)
    before = open(path).read()
    rc, out, err = sw("validate", path)
    lines = (out + err).strip().splitlines()
    assert rc == 1 and len(lines) == 1 and lines[0].startswith(f"{path}:") and says in lines[0], lines
    assert open(path).read() == before


def test_simulate_json_carries_the_results_and_messages_their_ids(tmp_path):
    path = _write(tmp_path, _doc(holdout=20))
    people = tmp_path / "people.csv"
    people.write_text("email\n" + "".join(f"p{i}@example.test\n" for i in range(200)))
    events = tmp_path / "events.jsonl"
    events.write_text("".join(json.dumps({"contact": f"p{i}@example.test", "type": "signed_up",
                                          "at": "2026-03-02T10:00:00Z"}) + "\n" for i in range(200)))
    rc, out, err = sw("simulate", path, "--contacts", people, "--events", events, "--start", "2026-03-02T09:00:00Z",
                      "--days", "5", "--json")
    assert rc == 0, err
    data = json.loads(out)
    r = data["results"]["journeys"]["ab"]
    assert r["enrolled"] == 200 and 20 < r["holdout"]["entered"] < 60
    sent = r["nodes"]["mail_a"]["sent"] + r["nodes"]["mail_b"]["sent"]
    assert sent == len(data["messages"]) == 200 - r["holdout"]["entered"]
    assert sorted(m["id"] for m in data["messages"]) == list(range(1, sent + 1))
    assert sum(v["entered"] for v in r["variants"]["split"].values()) == 200
