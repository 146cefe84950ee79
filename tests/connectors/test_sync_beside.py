"""A CRM that makes its sync wait (429 with Retry-After) delays no due send, and `run` stops on
SIGTERM within a second all the while: syncs run beside the scheduler's loop, not inside it."""
import json
import signal
import subprocess
import sys
import time

from tests.conftest import ROOT
from tests.connectors.fake_hubspot import FakeHubSpot
from tests.connectors.servers import FakeReceiver

JOURNEY = {"format": "switchback.journey/1", "key": "hook", "name": "Hook",
           "nodes": [{"id": "all", "kind": "trigger.manual", "config": {}},
                     {"id": "post", "kind": "action.webhook", "config": {"connector": "hook", "body": "{\"n\": 1}"}}],
           "edges": [{"from": "all", "to": "post"}]}


def sw(*args, stdin=None):
    return subprocess.run([sys.executable, "-m", "switchback.app", *map(str, args)], cwd=ROOT, input=stdin,
                          capture_output=True, text=True, timeout=120)


def test_a_rate_limited_crm_delays_no_send_and_sigterm_stops_run_within_a_second(tmp_path, test_keyring):
    ws = tmp_path / "w.sqlite"
    (tmp_path / "people.csv").write_text("email\n" + "".join(f"p{i}@x.test\n" for i in range(20)))
    (tmp_path / "hook.journey.json").write_text(json.dumps(JOURNEY))
    with FakeHubSpot() as hs, FakeReceiver() as hook:
        hs.fail(429, {"message": "slow down"}, {"Retry-After": "30"})
        for args, stdin in [(["connector", "add", "crm", "--kind", "hubspot", "--set", f"base_url={hs.url}",
                              "--secret", "access_token"], hs.token + "\n"),
                            (["connector", "add", "hook", "--kind", "webhook", "--set", f"url={hook.url}/in"], None),
                            (["import", tmp_path / "people.csv"], None), (["publish", tmp_path / "hook.journey.json"], None),
                            (["enroll", "hook", "--where", "true"], None)]:
            p = sw(*args, "--workspace", ws, stdin=stdin)
            assert p.returncode == 0, p.stderr
        started = time.monotonic()
        run = subprocess.Popen([sys.executable, "-u", "-m", "switchback.app", "run", "--workspace", str(ws)], cwd=ROOT,
                               stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
        try:
            while len(hook.requests) < 20 and time.monotonic() - started < 20:
                time.sleep(0.05)
            delivered = time.monotonic() - started
            assert len(hook.requests) == 20 and hs.requests, "all sent while the CRM says 429"
            time.sleep(0.5)                                      # the sync is now sleeping out its Retry-After
            stop = time.monotonic()
            run.send_signal(signal.SIGTERM)
            summary = run.stdout.readline()                      # printed once the scheduler has stopped
            stopped = time.monotonic() - stop
            rc = run.wait(timeout=10)
            exited = time.monotonic() - stop
        finally:
            if run.poll() is None:
                run.kill()
                run.wait()
    print(f"20 webhooks delivered {delivered:.2f} s after start with the CRM answering 429; after SIGTERM the "
          f"scheduler stopped in {stopped:.2f} s and the process exited in {exited:.2f} s")
    assert delivered < 10
    assert "20 sent" in summary and stopped < 1.0
    assert rc == 0 and exited < 5        # the rest is Python unloading its modules (slow on a busy machine)
