"""`switchback connector add` + `switchback sync` against a local server speaking HubSpot's API."""
import subprocess
import sys

from tests.conftest import ROOT
from tests.connectors.fake_hubspot import FakeHubSpot


def sw(*args, stdin=None):
    return subprocess.run([sys.executable, "-m", "switchback.app", *map(str, args)], cwd=ROOT, input=stdin,
                          capture_output=True, text=True, timeout=300)


def test_sync_pulls_contacts_with_progress_and_a_second_sync_only_changes(tmp_path, test_keyring):
    ws = tmp_path / "w.sqlite"
    with FakeHubSpot(contacts=1_500) as hs:
        p = sw("connector", "add", "crm", "--kind", "hubspot", "--set", f"base_url={hs.url}", "--secret", "access_token",
               "--workspace", ws, stdin=hs.token + "\n")
        assert p.returncode == 0, p.stderr
        first = sw("sync", "crm", "--workspace", ws)
        assert first.returncode == 0, first.stderr
        assert "crm: 1,500 of 1,500 (100%) contacts" in first.stderr
        assert first.stdout.startswith("crm: 1500 added, 0 updated")
        second = sw("sync", "crm", "--workspace", ws)
        assert "0 added, 0 updated" in second.stdout
        wrong = sw("connector", "add", "crm", "--kind", "hubspot", "--secret", "access_token", "--workspace", ws,
                   stdin="pat-wrong\n")
        assert wrong.returncode == 0
        refused = sw("sync", "crm", "--workspace", ws)
    assert refused.returncode == 2 and len(refused.stderr.strip().splitlines()[-1:]) == 1
    assert "refused" in refused.stderr and "pat-wrong" not in refused.stderr
