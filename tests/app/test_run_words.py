"""`run` says what became of each message in the words trace uses for it: recorded (no connector),
sent (an SMTP server on 127.0.0.1 took it), queued (its connector lacks its password). It said
'1 sent' for a message that was waiting for its password."""
import pytest

from tests.connectors.servers import FakeSMTP
from tests.support.cli import sw

JOURNEY = ('{"format": "switchback.journey/1", "key": "welcome", "name": "Welcome", "nodes": ['
           '{"id": "all", "kind": "trigger.manual", "config": {}}, {"id": "mail", "kind": "action.email", '
           '"label": "Welcome email", "config": {"connector": "mail", "subject": "Welcome", "body": "Hello."}}], '
           '"edges": [{"from": "all", "to": "mail"}]}')


def run_once(tmp_path, *connector: str) -> tuple[str, str]:
    ws = tmp_path / "w.sqlite"
    (tmp_path / "p.csv").write_text("email,first_name,consent_email\nada@shop.test,Ada,subscribed\n")
    (tmp_path / "welcome.journey.json").write_text(JOURNEY)
    if connector:
        assert sw("connector", "add", "mail", *connector, "--workspace", ws)[0] == 0
    for args in (["import", tmp_path / "p.csv"], ["publish", tmp_path / "welcome.journey.json"],
                 ["enroll", "welcome", "ada@shop.test"]):
        assert sw(*args, "--workspace", ws)[0] == 0
    code, out, err = sw("run", "--until-idle", "--sync-every", "0", "--workspace", ws)
    assert code == 0, err
    trace = sw("trace", "ada@shop.test", "--workspace", ws)[1]
    return out.strip(), next(line for line in trace.splitlines() if "email to ada@shop.test" in line)


def test_without_a_connector_the_message_is_recorded(tmp_path):
    said, traced = run_once(tmp_path)
    assert said == ("1 contact wake-ups, 2 steps, 1 new messages; "
                    "1 recorded in the workspace (no connector: nothing left this machine)")
    assert " recorded " in traced


def test_a_message_the_smtp_server_took_is_sent(tmp_path):
    with FakeSMTP() as server:
        said, traced = run_once(tmp_path, "--kind", "smtp", "--set", "host=127.0.0.1", "--set", f"port={server.port}",
                                "--set", "from=news@shop.test", "--set", "tls=none")
        assert len(server.received) == 1
    assert said == "1 contact wake-ups, 2 steps, 1 new messages; 1 sent"
    assert " sent " in traced


@pytest.mark.usefixtures("test_keyring")
def test_a_message_whose_connector_lacks_its_password_is_queued_not_sent(tmp_path):
    said, traced = run_once(tmp_path, "--kind", "smtp", "--set", "host=127.0.0.1", "--set", "port=1",
                            "--set", "from=news@shop.test", "--set", "tls=none", "--set", "username=news")
    assert said == "1 contact wake-ups, 2 steps, 1 new messages; 1 queued to try again (`switchback outbox` says why)"
    assert " queued " in traced and "no password secret" in traced
