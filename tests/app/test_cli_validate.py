import json
import subprocess

from tests.conftest import CONFORMANCE, DATA, SWITCHBACK


def run(*args):
    return subprocess.run([*SWITCHBACK, *args], capture_output=True, text=True, timeout=60)


def test_valid_files_exit_zero_and_print_nothing():
    files = [str(p) for p in CONFORMANCE.glob("*/*.journey.json")] + [str(DATA / "every-kind.journey.json")]
    p = run("validate", *files)
    assert (p.returncode, p.stdout, p.stderr) == (0, "", "")


def test_problems_are_one_line_each_and_exit_one(tmp_path):
    data = json.loads((DATA / "every-kind.journey.json").read_text())
    data["nodes"][7]["config"]["duration"] = "soon"
    data["nodes"].append({"id": "fax", "kind": "action.fax", "config": {}})
    bad = tmp_path / "bad.journey.json"
    bad.write_text(json.dumps(data))
    p = run("validate", str(bad))
    assert p.returncode == 1
    assert p.stdout.splitlines() == [
        f"{bad}:pause: config.duration: 'soon' is not a duration (use a number and s, m, h, d or w, such as 30m, 2d, 1w)",
        f"{bad}:fax: unknown node kind 'action.fax'",
        f"{bad}:fax: no trigger reaches this node",
    ]


def test_a_file_that_is_not_a_journey_is_one_line_and_exit_two(tmp_path):
    broken = tmp_path / "broken.journey.json"
    broken.write_text('{"format": "switchback.journey/1",\n "key": ')
    for args, fragment in [((str(broken),), f"{broken}:2: not valid JSON"),
                           ((str(tmp_path / "missing.json"),), "missing.json: no such file")]:
        p = run("validate", *args)
        assert p.returncode == 2
        assert fragment in p.stdout + p.stderr
        assert "Traceback" not in p.stderr and len((p.stdout + p.stderr).strip().splitlines()) == 1
