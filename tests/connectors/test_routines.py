"""The embedded scheduler syncs CRM connectors on its own and turns SendGrid's unsubscribes into
consent changes that stop sends on every journey."""
import subprocess
import sys
import time

from tests.conftest import ROOT
from tests.connectors.fake_hubspot import FakeHubSpot
from tests.connectors.servers import FakeSendGrid

JOURNEY = """{"format": "switchback.journey/1", "key": "news", "name": "News",
 "nodes": [{"id": "all", "kind": "trigger.manual", "config": {}},
           {"id": "wait", "kind": "wait.delay", "config": {"duration": "6s"}},
           {"id": "mail", "kind": "action.email", "config": {"connector": "sg", "subject": "News", "body": "..."}}],
 "edges": [{"from": "all", "to": "wait"}, {"from": "wait", "to": "mail"}]}
"""


def sw(*args, stdin=None):
    return subprocess.run([sys.executable, "-m", "switchback.app", *map(str, args)], cwd=ROOT, input=stdin,
                          capture_output=True, text=True, timeout=300)


def test_run_syncs_the_crm_and_pulls_unsubscribes_back_as_consent(tmp_path, test_keyring):
    ws = tmp_path / "w.sqlite"
    people = tmp_path / "people.csv"
    people.write_text("email,consent_email\nstay@shop.test,subscribed\nleave@shop.test,subscribed\n")
    journey = tmp_path / "news.journey.json"
    journey.write_text(JOURNEY)
    with FakeHubSpot(contacts=250) as hs, FakeSendGrid() as sg:
        sg.unsubscribes = [{"created": int(time.time()), "email": "leave@shop.test"}]
        for args, stdin in [
            (["connector", "add", "crm", "--kind", "hubspot", "--set", f"base_url={hs.url}", "--secret", "access_token"],
             hs.token + "\n"),
            (["connector", "add", "sg", "--kind", "sendgrid", "--set", "from=news@shop.test", "--set", f"base_url={sg.url}",
              "--secret", "api_key"], sg.api_key + "\n"),
            (["import", people], None), (["publish", journey], None),
        ]:
            p = sw(*args, "--workspace", ws, stdin=stdin)
            assert p.returncode == 0, p.stderr
        # The routines run beside the due work (a slow CRM holds up no send), and --until-idle
        # returns once their first round is done and what it brought in has run.
        p = sw("run", "--until-idle", "--workspace", ws)
        assert p.returncode == 0, p.stderr
        assert "crm: 250 added" in p.stderr and "sg: 1 bounce(s) and unsubscribe(s) pulled back" in p.stderr
        p = sw("enroll", "news", "stay@shop.test", "leave@shop.test", "--workspace", ws)
        assert p.returncode == 0, p.stderr
        p = sw("run", "--until-idle", "--workspace", ws)
        assert p.returncode == 0, p.stderr
        time.sleep(6)                                         # until the wait is over
        p = sw("run", "--until-idle", "--workspace", ws)
        assert p.returncode == 0, p.stderr
        sent_to = {r.json()["personalizations"][0]["to"][0]["email"] for r in sg.requests if r.path == "/v3/mail/send"}
    assert sent_to == {"stay@shop.test"}
    trace = sw("trace", "leave@shop.test", "--workspace", ws).stdout
    assert "consent_email = unsubscribed" in trace and "not sent: unsubscribed from email" in trace
