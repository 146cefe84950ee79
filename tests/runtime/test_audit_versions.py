"""The workspace audit's "Changes" section: versions published in the period, by whom, with their
diffs; versions published before the period are not listed."""
import copy
import json
from datetime import datetime, timedelta, timezone

from switchback.runtime import audit as report
from switchback.runtime import document
from switchback.runtime.store import versions
from switchback.runtime.store.workspace import Store

DOC = {
    "format": "switchback.journey/1", "key": "drip", "name": "Drip",
    "nodes": [{"id": "all", "kind": "trigger.manual", "config": {}},
              {"id": "hello", "kind": "action.email", "config": {"connector": "smtp", "subject": "Hello", "body": "."}}],
    "edges": [{"from": "all", "to": "hello"}],
}


def test_the_changes_section_lists_versions_of_the_period_with_who_and_their_diffs(tmp_path):
    store = Store(f"sqlite:///{tmp_path / 'ws.sqlite'}")
    now = datetime.now(timezone.utc)
    v2 = copy.deepcopy(DOC)
    v2["nodes"][1]["config"]["subject"] = "Hello again"
    v3 = copy.deepcopy(v2)
    v3["nodes"][1]["position"] = [100, 100]
    with store.session() as s:
        for doc, at, by, note in ((DOC, now - timedelta(days=45), "ada", "Old news"),
                                  (v2, now - timedelta(days=3), "grace", "A warmer subject"),
                                  (v3, now - timedelta(days=1), "lin", None)):
            assert versions.publish(s, document.loads(json.dumps(doc)), at, by=by, note=note).version
    a = report.audit_workspace(store, days=30)
    store.close()
    assert [(c.version, c.by, c.note, c.lines) for c in a.changes.published] == [
        (2, "grace", "A warmer subject", ["~ node hello (action.email): subject: 'Hello' -> 'Hello again'"]),
        (3, "lin", None, ["no change but the layout"])]
    page = report.render_html(a)
    section = page[page.index('<section id="changes"'):page.index('<section id="about"')]
    assert "by grace, lin" in section and "A warmer subject" in section
    assert "subject: &#39;Hello&#39; -&gt; &#39;Hello again&#39;" in section
    assert "Old news" not in section


def test_a_workspace_with_no_version_in_the_period_says_so_and_file_audits_have_no_such_section(tmp_path):
    store = Store(f"sqlite:///{tmp_path / 'ws.sqlite'}")
    with store.session() as s:
        versions.publish(s, document.loads(json.dumps(DOC)), datetime.now(timezone.utc) - timedelta(days=60), by="ada")
    page = report.render_html(report.audit_workspace(store, days=30))
    store.close()
    assert "No version was published in this period." in page
    assert 'id="changes"' not in report.render_html(report.build_audit([document.loads(json.dumps(DOC))]))
