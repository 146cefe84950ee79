"""`switchback run` delivers through a configured connector to a real SMTP server on 127.0.0.1, and
no secret shows up in the store, a log, an exported journey, a bundle or `trace`."""
import subprocess
import sys

from tests.conftest import ROOT
from tests.connectors.servers import FakeSMTP

PASSWORD = "pw-8c1f-never-in-a-file"
JOURNEY = """{
  "format": "switchback.journey/1", "key": "hello", "name": "Hello",
  "nodes": [
    {"id": "all", "kind": "trigger.manual", "config": {}},
    {"id": "mail", "kind": "action.email", "config": {"connector": "mail",
      "subject": "Welcome, {{ contact.first_name }}", "body": "Hi {{ contact.first_name }}, your plan is {{ contact.plan }}."}}
  ],
  "edges": [{"from": "all", "to": "mail"}]
}
"""


def sw(*args, stdin=None):
    return subprocess.run([sys.executable, "-m", "switchback.app", *map(str, args)], cwd=ROOT, input=stdin,
                          capture_output=True, text=True, timeout=120)


def test_run_delivers_rendered_email_and_no_secret_leaks(tmp_path, test_keyring):
    ws = tmp_path / "w.sqlite"
    people = tmp_path / "people.csv"
    people.write_text("email,first_name,plan,consent_email\nada@shop.test,Ada,Pro,subscribed\n"
                      "out@shop.test,Otto,Free,unsubscribed\n")
    journey = tmp_path / "hello.journey.json"
    journey.write_text(JOURNEY)
    logs = []
    with FakeSMTP(users={"news": PASSWORD}) as server:
        for args, stdin in [
            (["connector", "add", "mail", "--kind", "smtp", "--set", "host=127.0.0.1", "--set", f"port={server.port}",
              "--set", "from=news@shop.test", "--set", "tls=none", "--set", "username=news", "--secret", "password"],
             PASSWORD + "\n"),
            (["import", people], None), (["publish", journey], None), (["enroll", "hello", "--where", "true"], None),
            (["run", "--until-idle"], None),
        ]:
            p = sw(*args, "--workspace", ws, stdin=stdin)
            assert p.returncode == 0, p.stderr
            logs.append(p.stdout + p.stderr)
    assert len(server.received) == 1                           # the unsubscribed contact got nothing
    got = server.received[0]
    assert got.rcpt_tos == ["ada@shop.test"] and got.login == "news"
    assert got.message["Subject"] == "Welcome, Ada"
    assert "Hi Ada, your plan is Pro." in got.message.get_content()
    assert got.message["From"] == "news@shop.test"
    assert "unsubscribe" in got.message["List-Unsubscribe"]
    assert got.message["Message-ID"]

    trace = sw("trace", "ada@shop.test", "--workspace", ws)
    assert " sent       email to ada@shop.test via mail at " in trace.stdout      # a server took it: sent
    skipped = sw("trace", "out@shop.test", "--workspace", ws)
    assert "not sent: unsubscribed from email" in skipped.stdout
    bundle = tmp_path / "b.swbundle"
    assert sw("bundle", "export", "hello", "-o", bundle, "--workspace", ws).returncode == 0
    exported = tmp_path / "exported.png"
    sw("export-image", journey, exported)
    secret = PASSWORD.encode()
    for path in [p for p in tmp_path.iterdir() if p.is_file() and p.name != "keyring.json"]:
        assert secret not in path.read_bytes(), f"the password is in {path.name}"
    for text in logs + [trace.stdout, trace.stderr, skipped.stdout]:
        assert PASSWORD not in text
